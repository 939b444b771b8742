//! [`Intake`] over any store and any queue: record, then queue.
//!
//! For a store and a queue that are two systems (PostgreSQL and Redis Streams, or
//! PostgreSQL and the embedded queue). The embedded database, which holds both,
//! writes them in one transaction instead ([`SqliteIntake`](crate::sqlite::SqliteIntake)).

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketlens_core::ErrorType;
use marketlens_core::ports::{
    Intake, IntakeError, JobPayload, JobQueue, NewQuery, Recorded, Store,
};
use uuid::Uuid;

/// Records through the store, then queues through the queue.
#[derive(Clone)]
pub struct StoreThenQueue {
    store: Arc<dyn Store>,
    queue: Arc<dyn JobQueue>,
}

impl StoreThenQueue {
    pub fn new(store: Arc<dyn Store>, queue: Arc<dyn JobQueue>) -> Self {
        StoreThenQueue { store, queue }
    }
}

#[async_trait]
impl Intake for StoreThenQueue {
    async fn submit(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
        payload: &JobPayload,
    ) -> Result<Recorded, IntakeError> {
        let recorded = self
            .store
            .record_submission(query, fresh_since, inflight_since)
            .await?;
        if recorded == Recorded::Inserted {
            enqueue_or_fail(&*self.store, &*self.queue, query.id, payload).await?;
        }
        Ok(recorded)
    }
}

/// Queues the job of the recorded query `id`; when the queue refuses it, records the
/// query as failed (`unavailable`, with the queue's error), so that no query waits for
/// a job no worker will ever pick up, and returns the queue's error.
pub async fn enqueue_or_fail(
    store: &dyn Store,
    queue: &dyn JobQueue,
    id: Uuid,
    payload: &JobPayload,
) -> Result<(), IntakeError> {
    let Err(e) = queue.enqueue(id, payload).await else {
        return Ok(());
    };
    let err = IntakeError::Queue(e);
    if let Err(store_err) = store
        .fail_query(id, ErrorType::Unavailable, &err.to_string())
        .await
    {
        tracing::error!(query_id = %id, error = %store_err, "could not mark unqueued query failed");
    }
    Err(err)
}
