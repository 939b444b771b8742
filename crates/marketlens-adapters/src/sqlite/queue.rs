//! [`JobQueue`] on SQLite: the `jobs` table of the embedded database.
//!
//! A job is `queued` (waiting until `available_at`), `running` (leased to `worker_id`
//! until `lease_expires_at`), `done` or `dead`. A running job whose lease ran out is
//! claimable again: that is how a job outlives a worker that died. Every transition is
//! one statement (or one IMMEDIATE transaction) so that several processes sharing the
//! file never both take the same job.

use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use marketlens_core::ports::{ClaimedJob, JobFate, JobPayload, JobQueue, QueueError, QueueStats};
use sqlx::Row;
use uuid::Uuid;

use super::group_commit::NewJob;
use super::{SqliteDb, later, parse_ts, ts};
use crate::queue_rows::{claimed_job, unavailable};

/// The job queue on the embedded database.
#[derive(Debug, Clone)]
pub struct SqliteJobQueue {
    db: SqliteDb,
    max_attempts: u32,
}

impl SqliteJobQueue {
    /// `max_attempts` bounds deliveries per job (at least 1).
    pub fn new(db: SqliteDb, max_attempts: u32) -> Self {
        Self {
            db,
            max_attempts: max_attempts.max(1),
        }
    }

    pub fn db(&self) -> &SqliteDb {
        &self.db
    }
}

fn lease_lost(rows_affected: u64, job: &ClaimedJob) -> Result<(), QueueError> {
    if rows_affected == 0 {
        Err(QueueError::LeaseLost(job.job_id))
    } else {
        Ok(())
    }
}

/// The guard shared by every operation on a held job: still running, held by this
/// worker, and on the same delivery (a worker that got the job back after its own
/// lease expired must not act through the stale handle).
const HELD: &str = "id = ? AND status = 'running' AND worker_id = ? AND attempts = ?";

type Update<'q> = sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>;

/// Binds what [`HELD`] compares (the job, its worker, its delivery), after the
/// statement's own values.
fn bind_held<'q>(update: Update<'q>, job: &ClaimedJob, worker_id: &str) -> Update<'q> {
    update
        .bind(job.job_id.to_string())
        .bind(worker_id.to_owned())
        .bind(i64::from(job.attempt))
}

impl SqliteJobQueue {
    /// Runs `update`, a statement ending in `WHERE {HELD}` with its other values bound,
    /// on `job` as `worker_id` holds it: the lease is lost when it changed no row.
    async fn update_held(
        &self,
        update: Update<'_>,
        job: &ClaimedJob,
        worker_id: &str,
    ) -> Result<(), QueueError> {
        let done = bind_held(update, job, worker_id)
            .execute(self.db.writer())
            .await
            .map_err(unavailable)?;
        lease_lost(done.rows_affected(), job)
    }
}

#[async_trait]
impl JobQueue for SqliteJobQueue {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn enqueue(&self, query_id: Uuid, payload: &JobPayload) -> Result<(), QueueError> {
        let job = NewJob::queued(query_id, self.max_attempts, payload).map_err(unavailable)?;
        // Written by the process's writer task with the other submissions and jobs
        // waiting (group commit): answered once committed.
        self.db
            .group_commit()
            .enqueue(job)
            .await
            .map_err(unavailable)
    }

    async fn has_job(&self, query_id: Uuid) -> Result<bool, QueueError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM jobs \
             WHERE query_id = ? AND status IN ('queued', 'running'))",
        )
        .bind(query_id.to_string())
        .fetch_one(self.db.pool())
        .await
        .map_err(unavailable)
    }

    async fn claim(
        &self,
        worker_id: &str,
        lease: Duration,
    ) -> Result<Option<ClaimedJob>, QueueError> {
        let now_t = Utc::now();
        let now = ts(now_t);
        let mut tx = self.db.begin_write().await.map_err(unavailable)?;
        // A job whose worker died on its last allowed attempt is still delivered, with
        // `attempt > max_attempts`, so that a consumer records the failure on the query
        // before dead-lettering it; otherwise the query would stay `running` forever.
        let row = sqlx::query(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, worker_id = ?, \
             lease_expires_at = ?, updated_at = ? \
             WHERE id = (SELECT id FROM jobs \
                 WHERE status IN ('queued', 'running') \
                 AND ((status = 'queued' AND available_at <= ?) \
                   OR (status = 'running' AND lease_expires_at < ?)) \
                 ORDER BY created_at, id LIMIT 1) \
             RETURNING id, query_id, attempts, max_attempts, payload",
        )
        .bind(worker_id.to_owned())
        .bind(ts(later(now_t, lease)))
        .bind(&now)
        .bind(&now)
        .bind(&now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(unavailable)?;
        tx.commit().await.map_err(unavailable)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let text = |c: &str| row.try_get::<String, _>(c).map_err(unavailable);
        let num = |c: &str| {
            row.try_get::<i64, _>(c)
                .map_err(unavailable)
                .and_then(|n| u32::try_from(n).map_err(unavailable))
        };
        claimed_job(
            &text("id")?,
            &text("query_id")?,
            num("attempts")?,
            num("max_attempts")?,
            &text("payload")?,
        )
        .map(Some)
    }

    async fn renew(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        lease: Duration,
    ) -> Result<(), QueueError> {
        let now = Utc::now();
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE {HELD}"
        ));
        let update = sqlx::query(sql).bind(ts(later(now, lease))).bind(ts(now));
        self.update_held(update, job, worker_id).await
    }

    async fn complete(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET status = 'done', lease_expires_at = NULL, updated_at = ? \
             WHERE {HELD}"
        ));
        let update = sqlx::query(sql).bind(ts(Utc::now()));
        self.update_held(update, job, worker_id).await
    }

    async fn fail(
        &self,
        job: &ClaimedJob,
        worker_id: &str,
        error: &str,
        retry_after: Option<Duration>,
    ) -> Result<JobFate, QueueError> {
        let now = Utc::now();
        let retry_at = retry_after.map(|d| ts(later(now, d)));
        // One statement decides and applies the fate, so it reads the attempts it updates.
        let update = sqlx::query(
            "UPDATE jobs SET \
               status = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts \
                        THEN 'queued' ELSE 'dead' END, \
               available_at = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts \
                        THEN ?1 ELSE available_at END, \
               worker_id = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts \
                        THEN NULL ELSE worker_id END, \
               lease_expires_at = NULL, last_error = ?2, updated_at = ?3 \
             WHERE id = ?4 AND status = 'running' AND worker_id = ?5 AND attempts = ?6 \
             RETURNING status",
        )
        .bind(retry_at)
        .bind(error.to_owned())
        .bind(ts(now));
        let row = bind_held(update, job, worker_id)
            .fetch_optional(self.db.writer())
            .await
            .map_err(unavailable)?;
        let status: Option<String> = row
            .map(|r| r.try_get("status"))
            .transpose()
            .map_err(unavailable)?;
        match (status.as_deref(), retry_after) {
            (None, _) => Err(QueueError::LeaseLost(job.job_id)),
            (Some("queued"), Some(delay)) => Ok(JobFate::Retrying { delay }),
            _ => Ok(JobFate::DeadLettered),
        }
    }

    async fn release(&self, job: &ClaimedJob, worker_id: &str) -> Result<(), QueueError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE jobs SET status = 'queued', available_at = ?, \
             attempts = MAX(attempts - 1, 0), worker_id = NULL, lease_expires_at = NULL, \
             updated_at = ? WHERE {HELD}"
        ));
        let now = ts(Utc::now());
        let update = sqlx::query(sql).bind(&now).bind(&now);
        self.update_held(update, job, worker_id).await
    }

    async fn stats(&self) -> Result<QueueStats, QueueError> {
        let row = sqlx::query(
            "SELECT \
               (SELECT COUNT(*) FROM jobs WHERE status = 'queued') AS queued, \
               (SELECT COUNT(*) FROM jobs WHERE status = 'running') AS running, \
               (SELECT COUNT(*) FROM jobs WHERE status = 'dead') AS dead, \
               (SELECT MIN(created_at) FROM jobs WHERE status = 'queued') AS oldest",
        )
        .fetch_one(self.db.pool())
        .await
        .map_err(unavailable)?;
        let count = |c: &str| {
            row.try_get::<i64, _>(c)
                .map(|n| u64::try_from(n).unwrap_or(0))
                .map_err(unavailable)
        };
        let oldest: Option<String> = row.try_get("oldest").map_err(unavailable)?;
        Ok(QueueStats {
            queued: count("queued")?,
            running: count("running")?,
            dead: count("dead")?,
            oldest_queued_at: oldest
                .map(|s| parse_ts("jobs.created_at", &s).map_err(unavailable))
                .transpose()?,
        })
    }
}
