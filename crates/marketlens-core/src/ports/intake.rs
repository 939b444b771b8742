//! The submit path's write: a submission recorded in the store and, when it is new
//! work, its job queued.
//!
//! A port of its own because where the store and the queue are one database (the
//! embedded defaults) both are written in one transaction, and so in one turn of the
//! database's writer: a request waits for one commit instead of two, and a query is
//! never recorded without its job. Where they are two systems (PostgreSQL and Redis
//! Streams) the adapter records, then queues.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{JobPayload, NewQuery, QueueError, Recorded, StoreError};

/// Why a submission was not taken in.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The store could not record it (or refused it: an unknown config version).
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The job could not be queued: the query is not left waiting for it (it is
    /// recorded as failed, or not recorded at all).
    #[error("could not queue the analysis: {0}")]
    Queue(#[from] QueueError),
}

/// Takes submissions in: records each and queues the job of each new query.
#[async_trait]
pub trait Intake: Send + Sync {
    /// Records `query` exactly as [`Store::record_submission`](super::Store::record_submission)
    /// does with the same guards and, when it is inserted as new work
    /// ([`Recorded::Inserted`]), queues its job with `payload` as
    /// [`JobQueue::enqueue`](super::JobQueue::enqueue) does, before answering. A cache hit
    /// or a joined submission queues nothing. When the job cannot be queued, the
    /// answer is [`IntakeError::Queue`] and the query is not left in flight.
    async fn submit(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
        payload: &JobPayload,
    ) -> Result<Recorded, IntakeError>;
}
