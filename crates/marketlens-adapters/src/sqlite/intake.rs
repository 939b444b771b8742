//! [`Intake`] on the embedded database: a submission and its job in one transaction.
//!
//! The store and the queue are tables of the same file, so the writer task
//! ([`group_commit`](super::group_commit)) inserts a new query and its job in the same
//! batch: a request waits for one commit instead of two (one per port), and no query
//! is ever recorded without its job, even if the process dies between the two.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketlens_core::ports::{Intake, IntakeError, JobPayload, NewQuery, QueueError, Recorded};

use super::SqliteDb;
use super::group_commit::NewJob;
use super::store::InsertGuards;

/// Submissions into the store and queue of one embedded database.
#[derive(Debug, Clone)]
pub struct SqliteIntake {
    db: SqliteDb,
    max_attempts: u32,
}

impl SqliteIntake {
    /// The intake of the store and queue on `db`; `max_attempts` as the queue's
    /// ([`SqliteJobQueue::new`](super::SqliteJobQueue::new)).
    pub fn new(db: SqliteDb, max_attempts: u32) -> Self {
        SqliteIntake {
            db,
            max_attempts: max_attempts.max(1),
        }
    }
}

#[async_trait]
impl Intake for SqliteIntake {
    async fn submit(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
        payload: &JobPayload,
    ) -> Result<Recorded, IntakeError> {
        let job = NewJob::queued(query.id, self.max_attempts, payload)
            .map_err(|e| QueueError::Unavailable(format!("job payload: {e}")))?;
        let guards = InsertGuards {
            fresh_since,
            inflight_since,
        };
        self.db
            .group_commit()
            .submit(query, guards, Some(job))
            .await
    }
}
