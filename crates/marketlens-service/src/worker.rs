//! The worker: claims jobs, runs the pipeline, records the outcome.
//!
//! Delivery is at-least-once: a job whose worker dies is delivered again when its
//! lease runs out, so everything here is idempotent per query id (a query already
//! completed is acknowledged without running again; the result write itself is
//! idempotent). While a job runs, its lease is renewed in the background.

use std::sync::Arc;
use std::time::Duration;

use marketlens_core::ErrorType;
use marketlens_core::ports::{ClaimedJob, JobFate, QueryStatus};
use tokio::sync::watch;
use tracing::Instrument;

use crate::pipeline::{StoreProgress, run_analysis};
use crate::startup::App;

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    pub worker_id: String,
    /// How long to wait before polling again when the queue is empty.
    pub idle_poll: Duration,
    /// On shutdown, how long an in-flight job may take to finish before it is released
    /// for redelivery.
    pub shutdown_grace: Duration,
}

impl WorkerOptions {
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            idle_poll: Duration::from_millis(250),
            shutdown_grace: Duration::from_secs(30),
        }
    }
}

/// A default worker id: host-ish, process id and a random suffix.
pub fn default_worker_id() -> String {
    format!(
        "worker-{}-{}",
        std::process::id(),
        &uuid::Uuid::new_v4().simple().to_string()[..8]
    )
}

/// Runs until `shutdown` turns true.
pub async fn run_worker(
    app: Arc<App>,
    options: WorkerOptions,
    mut shutdown: watch::Receiver<bool>,
) {
    let lease = Duration::from_secs(app.config.queue.lease_secs);
    tracing::info!(worker_id = %options.worker_id, "worker started");
    // Wait after a failed claim: doubled on each failure in a row (up to 16 idle
    // polls), so an outage of the queue is retried without hammering it, and reset
    // by the first claim that answers.
    let mut outage_wait = options.idle_poll;
    loop {
        if *shutdown.borrow() {
            break;
        }
        let claimed = app.queue.claim(&options.worker_id, lease).await;
        if claimed.is_ok() {
            outage_wait = options.idle_poll;
        }
        match claimed {
            Ok(Some(job)) => {
                // The trace continues from the API: the job carries the W3C
                // `traceparent` written at submit.
                let remote = crate::telemetry::TraceParent::from_payload(&job.payload);
                let span = tracing::info_span!(
                    "job",
                    query_id = %job.query_id,
                    attempt = job.attempt,
                    worker_id = %options.worker_id,
                    trace_id = remote.as_ref().map(|t| t.trace_id.as_str()).unwrap_or(""),
                    parent_span_id = remote.as_ref().map(|t| t.parent_id.as_str()).unwrap_or("")
                );
                if let Some(remote) = &remote {
                    remote.adopt(&span);
                }
                let work = process_job(&app, &job, &options).instrument(span);
                tokio::pin!(work);
                tokio::select! {
                    _ = &mut work => {}
                    _ = shutdown.changed() => {
                        // Let the job finish within the grace period, else hand it back.
                        if tokio::time::timeout(options.shutdown_grace, &mut work).await.is_err() {
                            tracing::warn!(query_id = %job.query_id, "shutdown: releasing unfinished job");
                            let _ = app.queue.release(&job, &options.worker_id).await;
                            let _ = app.store.requeue_query(job.query_id, ErrorType::Interrupted, "worker shut down").await;
                        }
                        break;
                    }
                }
            }
            Ok(None) => {
                tokio::select! {
                    _ = tokio::time::sleep(options.idle_poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
            Err(e) => {
                outage_wait = (outage_wait * 2).min(options.idle_poll * 16);
                tracing::warn!(error = %e, retry_in = ?outage_wait, "queue unavailable; retrying");
                tokio::select! {
                    _ = tokio::time::sleep(outage_wait) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
    }
    tracing::info!(worker_id = %options.worker_id, "worker stopped");
}

/// Runs one job to a final state on the queue.
pub async fn process_job(app: &Arc<App>, job: &ClaimedJob, options: &WorkerOptions) {
    let worker_id = options.worker_id.as_str();
    let query = match app.store.get_query(job.query_id).await {
        Ok(Some(q)) => q,
        Ok(None) => {
            tracing::error!(query_id = %job.query_id, "job for an unknown query; dropping it");
            let _ = app.queue.fail(job, worker_id, "unknown query", None).await;
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "store unavailable; job goes back to the queue");
            let _ = app.queue.release(job, worker_id).await;
            return;
        }
    };
    if job.attempt > job.max_attempts {
        // Every allowed attempt ended with its worker gone (crash, kill, lost lease).
        let message = format!(
            "the analysis was interrupted {} times (worker stopped before finishing)",
            job.max_attempts
        );
        tracing::error!(query_id = %query.id, %message);
        if let Err(e) = app
            .store
            .fail_query(query.id, ErrorType::WorkerLost, &message)
            .await
        {
            tracing::warn!(error = %e, "store unavailable; job goes back to the queue");
            let _ = app.queue.release(job, worker_id).await;
            return;
        }
        let _ = app.queue.fail(job, worker_id, &message, None).await;
        return;
    }
    if matches!(query.status, QueryStatus::Completed | QueryStatus::Failed) {
        // Redelivered after its outcome was recorded (the worker died before acking).
        tracing::info!(
            query_id = %query.id,
            attempt = job.attempt,
            "redelivered job of a finished analysis acknowledged"
        );
        let _ = app.queue.complete(job, worker_id).await;
        return;
    }
    if let Err(e) = app
        .store
        .start_query(query.id, job.attempt, query.trace_id.as_deref())
        .await
    {
        tracing::warn!(error = %e, "store unavailable; job goes back to the queue");
        let _ = app.queue.release(job, worker_id).await;
        return;
    }

    // Keep the lease alive while the pipeline runs.
    let lease = Duration::from_secs(app.config.queue.lease_secs);
    let renewer = {
        let (app, job, worker_id) = (app.clone(), job.clone(), worker_id.to_owned());
        tokio::spawn(async move {
            let mut tick = tokio::time::interval((lease / 3).max(Duration::from_millis(100)));
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = app.queue.renew(&job, &worker_id, lease).await {
                    tracing::warn!(error = %e, "could not renew job lease");
                }
            }
        })
    };
    let sink = StoreProgress {
        app: app.clone(),
        query_id: query.id,
    };
    let outcome = run_analysis(app, &query, &sink).await;
    renewer.abort();

    match outcome {
        Ok(done) => {
            tracing::info!(
                query_id = %query.id,
                written_now = done.written_now,
                quality_passed = done.result.quality.passed,
                report_bytes = done.report.size,
                "analysis completed"
            );
            if let Err(e) = app.queue.complete(job, worker_id).await {
                tracing::warn!(error = %e, "could not acknowledge job (result is stored)");
            }
        }
        Err(err) => {
            let retry = (err.retryable && job.attempt < job.max_attempts)
                .then(|| Duration::from_secs(app.config.queue.retry_delay_secs(job.attempt)));
            tracing::warn!(
                query_id = %query.id,
                error_type = %err.error_type,
                message = %err.message,
                will_retry = retry.is_some(),
                "analysis failed"
            );
            let store_result = match retry {
                Some(_) => {
                    app.store
                        .requeue_query(query.id, err.error_type, &err.message)
                        .await
                }
                None => {
                    app.store
                        .fail_query(query.id, err.error_type, &err.message)
                        .await
                }
            };
            if let Err(e) = store_result {
                tracing::warn!(error = %e, "could not record failure; job goes back to the queue");
                let _ = app.queue.release(job, worker_id).await;
                return;
            }
            match app
                .queue
                .fail(job, worker_id, &err.to_string(), retry)
                .await
            {
                Ok(JobFate::Retrying { delay }) => {
                    tracing::info!(query_id = %query.id, delay_secs = delay.as_secs(), "job will be retried")
                }
                Ok(JobFate::DeadLettered) => {
                    // Keep the query consistent with the queue's final word.
                    if retry.is_some() {
                        let _ = app
                            .store
                            .fail_query(query.id, err.error_type, &err.message)
                            .await;
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not record job failure"),
            }
        }
    }
}
