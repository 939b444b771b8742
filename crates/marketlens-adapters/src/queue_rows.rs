//! What the two durable job queues (SQLite's `jobs` table, Redis Streams) share when
//! they read a job back: the fields each stores, turned into a [`ClaimedJob`], and
//! the mapping of their errors.

use marketlens_core::ports::{ClaimedJob, JobPayload, QueueError};
use uuid::Uuid;

pub(crate) fn unavailable(e: impl std::fmt::Display) -> QueueError {
    QueueError::Unavailable(e.to_string())
}

/// The job a queue handed out, from the fields it stores (ids and payload as text).
/// The payload only carries trace context: losing it must not lose the job, so an
/// unreadable one is logged and replaced by an empty one.
pub(crate) fn claimed_job(
    job_id: &str,
    query_id: &str,
    attempt: u32,
    max_attempts: u32,
    payload: &str,
) -> Result<ClaimedJob, QueueError> {
    let job_id = Uuid::parse_str(job_id).map_err(unavailable)?;
    let payload = serde_json::from_str(payload).unwrap_or_else(|e| {
        tracing::warn!(%job_id, error = %e, "unreadable job payload; using an empty one");
        JobPayload::default()
    });
    Ok(ClaimedJob {
        job_id,
        query_id: Uuid::parse_str(query_id).map_err(unavailable)?,
        attempt,
        max_attempts,
        payload,
    })
}
