//! Group commit for the submit path: this process's concurrent
//! [`insert_query_unless_inflight`](marketlens_core::ports::Store::insert_query_unless_inflight)
//! calls are written by one task, as many as are waiting (up to [`MAX_BATCH`]) in one
//! transaction.
//!
//! Inside the batch's `BEGIN IMMEDIATE` transaction each call's look-up and insert run
//! in arrival order, so a later call sees the rows of the earlier ones (two identical
//! submissions in one batch: the second joins the first), exactly as if they had run
//! one after another. A call is answered only after the `COMMIT` that made its row
//! durable, or with the error that kept it out. A call refused on its own (an unknown
//! config version: a constraint, which SQLite undoes for that statement only) does not
//! affect the others; any other failure rolls the whole batch back and each call gets
//! the error, so no call is told "failed" about a row that was written.
//!
//! The hand-over queue is bounded ([`QUEUE_CAPACITY`]): when the database cannot keep
//! up, submitters wait for room instead of piling up in memory.

use chrono::{DateTime, Utc};
use marketlens_core::ports::{NewQuery, StoreError};
use sqlx::sqlite::SqlitePool;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::store::{find_inflight_id, insert_query_row};
use crate::sql::unavailable;

/// The most calls written in one transaction.
pub const MAX_BATCH: usize = 128;
/// Calls waiting for the writer, at most.
pub const QUEUE_CAPACITY: usize = 1024;

/// One call: its query, the in-flight window, and where its answer goes.
struct Call {
    query: NewQuery,
    inflight_since: DateTime<Utc>,
    answer: oneshot::Sender<Result<Option<Uuid>, StoreError>>,
}

/// The handle callers use; the writer task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct GroupCommit {
    calls: mpsc::Sender<Call>,
}

impl GroupCommit {
    /// Starts the writer task on `writer` (the process's writer connection, which
    /// it takes for each batch and gives back between them).
    pub(crate) fn start(writer: SqlitePool) -> GroupCommit {
        let (calls, waiting) = mpsc::channel(QUEUE_CAPACITY);
        tokio::spawn(write_batches(writer, waiting));
        GroupCommit { calls }
    }

    /// See [`Store::insert_query_unless_inflight`](marketlens_core::ports::Store::insert_query_unless_inflight).
    pub(crate) async fn insert_query_unless_inflight(
        &self,
        query: &NewQuery,
        inflight_since: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let (answer, answered) = oneshot::channel();
        let call = Call {
            query: query.clone(),
            inflight_since,
            answer,
        };
        self.calls
            .send(call)
            .await
            .map_err(|_| StoreError::Unavailable("the database writer has stopped".into()))?;
        answered.await.map_err(|_| {
            StoreError::Unavailable("the database writer stopped before answering".into())
        })?
    }
}

async fn write_batches(writer: SqlitePool, mut waiting: mpsc::Receiver<Call>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while waiting.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match write_batch(&writer, &batch).await {
            Ok(answers) => {
                for (call, answer) in batch.drain(..).zip(answers) {
                    // The caller may have gone (its request dropped): its row stays,
                    // as it would had it been written without a batch.
                    let _ = call.answer.send(answer);
                }
            }
            Err(e) => {
                let message = e.to_string();
                for call in batch.drain(..) {
                    let _ = call
                        .answer
                        .send(Err(StoreError::Unavailable(message.clone())));
                }
            }
        }
    }
}

/// Writes `batch` in one transaction: each call's own answer, or the error that
/// rolled the whole batch back.
async fn write_batch(
    writer: &SqlitePool,
    batch: &[Call],
) -> Result<Vec<Result<Option<Uuid>, StoreError>>, StoreError> {
    let mut tx = writer
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(unavailable)?;
    let mut answers = Vec::with_capacity(batch.len());
    for call in batch {
        let answer = match find_inflight_id(
            &mut tx,
            &call.query.tenant,
            &call.query.fingerprint,
            call.inflight_since,
        )
        .await?
        {
            Some(existing) => Ok(Some(existing)),
            None => match insert_query_row(&mut tx, &call.query).await {
                Ok(()) => Ok(None),
                // Refused on its own (a constraint): only that statement was undone.
                Err(e @ (StoreError::NotFound(_) | StoreError::Conflict(_))) => Err(e),
                Err(other) => return Err(other),
            },
        };
        answers.push(answer);
    }
    tx.commit().await.map_err(unavailable)?;
    Ok(answers)
}
