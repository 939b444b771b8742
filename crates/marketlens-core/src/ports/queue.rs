use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    #[error("job {0} is not held by this worker any more")]
    LeaseLost(Uuid),
}

/// What travels with a job besides the query id: trace context (W3C `traceparent`…),
/// so the trace continues from the API into the worker.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobPayload {
    #[serde(default)]
    pub trace_context: BTreeMap<String, String>,
}

/// A job a worker holds until it completes, fails, or its lease runs out.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimedJob {
    pub job_id: Uuid,
    pub query_id: Uuid,
    /// 1 on the first delivery, 2 on the first retry, … A job whose lease expired on
    /// its last attempt is delivered once more with `attempt > max_attempts`: the
    /// consumer records the failure and `fail`s it, which dead-letters it.
    pub attempt: u32,
    pub max_attempts: u32,
    pub payload: JobPayload,
}

/// What became of a failed job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobFate {
    /// It will be delivered again after the delay.
    Retrying { delay: Duration },
    /// Attempts exhausted (or the failure is permanent): dead-lettered.
    DeadLettered,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QueueStats {
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
    pub oldest_queued_at: Option<DateTime<Utc>>,
}

/// A durable job queue with at-least-once delivery.
///
/// A claimed job is leased: if its worker dies, the lease expires and the job is
/// delivered again. Attempts are bounded; a job that keeps failing is dead-lettered.
/// Consumers must therefore be idempotent (results are written once per query id).
#[async_trait]
pub trait JobQueue: Send + Sync {
    fn backend(&self) -> &'static str;
    /// Enqueues the analysis of `query_id`. Enqueueing the same query twice while a
    /// job for it is pending is a no-op.
    async fn enqueue(&self, query_id: Uuid, payload: &JobPayload) -> Result<(), QueueError>;
    /// Whether `query_id` has a pending job: queued, waiting for a retry, or running
    /// (leased, even past its lease). False once the job completed or was
    /// dead-lettered, and for a job the queue lost (a broker restarted without
    /// persistence): the orphan reconciler and coalescing rely on it.
    async fn has_job(&self, query_id: Uuid) -> Result<bool, QueueError>;
    /// Takes the next available job, if any, leasing it for `lease`.
    async fn claim(
        &self,
        worker_id: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, QueueError>;
    /// Extends the lease of a job still being worked on.
    async fn renew(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        lease: Duration,
    ) -> Result<(), QueueError>;
    async fn complete(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError>;
    /// Records a failure. `retry_after: None` means permanent (dead-letter now).
    async fn fail(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        error: &str,
        retry_after: Option<Duration>,
    ) -> Result<JobFate, QueueError>;
    /// Gives a job back without counting a failure (graceful shutdown).
    async fn release(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError>;
    async fn stats(&self) -> Result<QueueStats, QueueError>;
}
