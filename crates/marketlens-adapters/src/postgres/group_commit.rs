//! Group commit for the submit path on PostgreSQL: this process's concurrent
//! [`record_submission`](marketlens_core::ports::Store::record_submission) calls are
//! handed to one task, which records as many as are waiting (up to [`MAX_BATCH`]) in
//! one call of the function `record_submissions` (migration 0009): one round trip, one
//! plan and one commit (one WAL flush) for a whole batch of requests, instead of one
//! of each per request. The function's comment says how a batch is decided: as if its
//! submissions had come one after the other, and never so that two processes'
//! identical submissions both insert.
//!
//! Up to [`BATCHES_IN_FLIGHT`] batches run at once, each on its own pooled connection:
//! while one is in the database, the next fills up and can start. Their advisory locks
//! are taken in one order, so they cannot wait on each other in a cycle.
//!
//! A batch refused by the database as a whole (one submission naming an unknown
//! config version fails the statement, and with it the others) is retried one call
//! per submission, concurrently, so each gets its own answer. A batch that failed for
//! want of the database (a connection lost, the pool exhausted) is not retried: its
//! outcome is unknown, and every caller is told the database is unavailable.
//!
//! The writer also gives a new database's `queries` table its first statistics
//! ([`FirstStatistics`]), so the function is not left with plans made on an empty
//! table.
//!
//! The hand-over queue is bounded ([`spawn_writer`](crate::sql::spawn_writer)): when
//! the database cannot keep up, submitters wait for room instead of piling up in
//! memory.

use chrono::{DateTime, Utc};
use marketlens_core::ports::{NewQuery, Recorded, StoreError};
use sqlx::postgres::PgPool;
use std::sync::Arc;

use tokio::sync::{Semaphore, mpsc, oneshot};
use uuid::Uuid;

use super::statistics::FirstStatistics;
use crate::sql::{self, storable_json, storable_text};

/// The most submissions recorded in one statement.
pub const MAX_BATCH: usize = 128;
/// Batches in the database at once.
pub const BATCHES_IN_FLIGHT: usize = 2;

/// First key of the advisory locks that serialise submissions per fingerprint (the
/// second key is a hash of the fingerprint). The two-key form lives in its own key
/// space, apart from the one-key locks sqlx's migrator takes.
pub(super) const INFLIGHT_LOCK_CLASS: i32 = 0x6d6c_6e73; // "mlns"

/// One submission waiting for the writer, and where its answer goes.
struct Submission {
    query: Box<NewQuery>,
    fresh_since: Option<DateTime<Utc>>,
    inflight_since: Option<DateTime<Utc>>,
    answer: oneshot::Sender<Result<Recorded, StoreError>>,
}

/// The handle callers use; the writer task ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(super) struct GroupCommit {
    calls: mpsc::Sender<Submission>,
}

impl GroupCommit {
    /// Starts the writer task, which takes a connection from `pool` for each batch.
    pub(super) fn start(pool: PgPool) -> GroupCommit {
        GroupCommit {
            calls: sql::spawn_writer(|waiting| write_batches(pool, waiting)),
        }
    }

    /// See [`Store::record_submission`](marketlens_core::ports::Store::record_submission).
    pub(super) async fn record(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
    ) -> Result<Recorded, StoreError> {
        sql::hand_to_writer(&self.calls, |answer| Submission {
            query: Box::new(query.clone()),
            fresh_since,
            inflight_since,
            answer,
        })
        .await
    }
}

async fn write_batches(pool: PgPool, mut waiting: mpsc::Receiver<Submission>) {
    let in_flight = Arc::new(Semaphore::new(BATCHES_IN_FLIGHT));
    let statistics = Arc::new(FirstStatistics::default());
    loop {
        // A free slot first, so a batch takes everything that arrived meanwhile.
        let Ok(slot) = in_flight.clone().acquire_owned().await else {
            return;
        };
        let mut batch = Vec::with_capacity(MAX_BATCH);
        if waiting.recv_many(&mut batch, MAX_BATCH).await == 0 {
            return;
        }
        let (pool, statistics) = (pool.clone(), statistics.clone());
        tokio::spawn(async move {
            let submissions = batch.len();
            write_batch(&pool, batch).await;
            drop(slot);
            statistics.recorded(submissions, &pool);
        });
    }
}

/// Records `batch` and answers each of its callers. A caller may have gone (its
/// request dropped): its row stays, as it would had it been written without a batch.
/// The function takes the batch's locks in its own order, so the batch is sent as it
/// arrived.
async fn write_batch(pool: &PgPool, mut batch: Vec<Submission>) {
    if batch.len() == 1 {
        let s = batch.pop().expect("one submission");
        return record_alone(pool, s).await;
    }
    match record_batch(pool, &batch).await {
        Ok(answers) => {
            for (s, recorded) in batch.into_iter().zip(answers) {
                let _ = s.answer.send(recorded);
            }
        }
        Err(e) if refused_by_the_database(&e) => {
            // The statement failed as a whole and wrote nothing: each submission on
            // its own, so only the one at fault is refused.
            futures::future::join_all(batch.into_iter().map(|s| record_alone(pool, s))).await;
        }
        Err(e) => {
            let message = e.to_string();
            for s in batch {
                let _ = s.answer.send(Err(StoreError::Unavailable(message.clone())));
            }
        }
    }
}

/// Records `s` in a call of its own and answers its caller; a refusal names what the
/// submission referred to (`NotFound` for an unknown config version).
async fn record_alone(pool: &PgPool, s: Submission) {
    let recorded = record_batch(pool, std::slice::from_ref(&s))
        .await
        .map_err(|e| sql::query_insert_error(e, &s.query))
        .and_then(|mut answers| answers.pop().unwrap_or_else(fewer_answers));
    let _ = s.answer.send(recorded);
}

/// An error the database answered with (a constraint, a deadlock): the statement
/// was rolled back, so nothing of the batch was written.
fn refused_by_the_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(_))
}

fn fewer_answers() -> Result<Recorded, StoreError> {
    Err(StoreError::Corrupt(
        "record_submissions answered fewer rows than it was given".into(),
    ))
}

/// What `record_submissions` answered for one submission, as a [`Recorded`].
fn recorded(outcome: &str, id: Option<Uuid>) -> Result<Recorded, StoreError> {
    match (outcome, id) {
        ("inserted", _) => Ok(Recorded::Inserted),
        ("answered", Some(fresh)) => Ok(Recorded::Answered(fresh)),
        ("joined", Some(existing)) => Ok(Recorded::Joined(existing)),
        (other, id) => Err(StoreError::Corrupt(format!(
            "record_submissions answered {other:?} with {id:?}"
        ))),
    }
}

/// The arguments of `record_submissions`: one array per column, one element per
/// submission.
#[derive(Default)]
struct Columns {
    fresh_since: Vec<Option<DateTime<Utc>>>,
    inflight_since: Vec<Option<DateTime<Utc>>>,
    id: Vec<Uuid>,
    text: Vec<String>,
    normalized_text: Vec<String>,
    /// JSON text, cast to `jsonb` by the statement.
    params: Vec<String>,
    fingerprint: Vec<String>,
    created_at: Vec<DateTime<Utc>>,
    trace_id: Vec<Option<String>>,
    config_version: Vec<i64>,
    user_id: Vec<Option<String>>,
    experiment_id: Vec<Option<Uuid>>,
    variant: Vec<Option<String>>,
    tenant: Vec<String>,
}

impl Columns {
    /// Adds `s`, as stored (NUL replaced), or the error that keeps it out.
    fn push(&mut self, s: &Submission) -> Result<(), StoreError> {
        let q = &s.query;
        let params = serde_json::to_value(&q.params)
            .map(|v| storable_json(v).to_string())
            .map_err(|e| sql::encoding_error("params", e))?;
        self.fresh_since.push(s.fresh_since);
        self.inflight_since.push(s.inflight_since);
        self.id.push(q.id);
        self.text.push(storable_text(&q.text).into_owned());
        self.normalized_text
            .push(storable_text(&q.normalized_text).into_owned());
        self.params.push(params);
        self.fingerprint.push(q.fingerprint.as_str().to_owned());
        self.created_at.push(q.created_at);
        self.trace_id.push(q.trace_id.clone());
        self.config_version.push(q.agent_config_version);
        self.user_id.push(q.user_id.clone());
        self.experiment_id
            .push(q.experiment.as_ref().map(|a| a.experiment_id));
        self.variant
            .push(q.experiment.as_ref().map(|a| a.variant.clone()));
        self.tenant.push(q.tenant.as_str().to_owned());
        Ok(())
    }
}

/// The batch in one call: each submission's answer, in the batch's order, or the
/// error that failed the statement (and wrote nothing).
async fn record_batch(
    pool: &PgPool,
    batch: &[Submission],
) -> Result<Vec<Result<Recorded, StoreError>>, sqlx::Error> {
    let mut columns = Columns::default();
    // A submission that cannot be encoded is answered on its own; the others go on.
    let unencodable: Vec<Option<StoreError>> =
        batch.iter().map(|s| columns.push(s).err()).collect();
    let rows: Vec<(i64, String, Option<Uuid>)> = if columns.id.is_empty() {
        Vec::new()
    } else {
        let c = columns;
        sqlx::query_as(
            "SELECT ord, outcome, query_id FROM record_submissions($1, $2, $3, $4, $5, \
             $6, $7::jsonb[], $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(INFLIGHT_LOCK_CLASS)
        .bind(c.fresh_since)
        .bind(c.inflight_since)
        .bind(c.id)
        .bind(c.text)
        .bind(c.normalized_text)
        .bind(c.params)
        .bind(c.fingerprint)
        .bind(c.created_at)
        .bind(c.trace_id)
        .bind(c.config_version)
        .bind(c.user_id)
        .bind(c.experiment_id)
        .bind(c.variant)
        .bind(c.tenant)
        .fetch_all(pool)
        .await?
    };
    let mut rows = rows.into_iter();
    Ok(unencodable
        .into_iter()
        .map(|skipped| match skipped {
            Some(e) => Err(e),
            None => match rows.next() {
                Some((_, outcome, id)) => recorded(&outcome, id),
                None => fewer_answers(),
            },
        })
        .collect())
}
