//! The orphan reconciler: analyses whose job the queue lost.
//!
//! The store records a query before its job is queued, and the queue is the only thing
//! that makes a worker run it. A broker restarted without persistence (Redis without
//! AOF) forgets its jobs: their queries stay `queued` or `running` forever, and, until
//! coalescing learned to check for the job, identical requests kept joining them. Every
//! API and worker process runs [`run_reconciler`]: every half grace period it pages
//! through the queries in flight created more than `queue.orphan_grace_secs` ago and
//! asks the queue whether each still has a job. One that has none is queued again
//! (a `running` one goes back to `queued`, marked `interrupted`), or, when its
//! attempts are spent, failed as `worker_lost`.
//!
//! Re-queueing is safe however many processes reconcile at once: a query has at most
//! one pending job (enqueueing it again is a no-op), and a worker acknowledges a job
//! whose query is already completed without running it again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use marketlens_core::ErrorType;
use marketlens_core::ports::{JobPayload, QueryRecord, QueryStatus, QueueError, StoreError};
use tokio::sync::watch;

use crate::startup::App;

/// Queries read per page, and the pages read per pass: a pass looks at the newest
/// 5,000 queries past the grace period (older orphans wait for those to clear).
const PAGE: u32 = 500;
const MAX_PAGES: usize = 10;

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Queries in flight past the grace period that were looked at.
    pub checked: u32,
    /// Orphans queued again.
    pub requeued: u32,
    /// Orphans failed (`worker_lost`) because their attempts were spent.
    pub failed: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
}

/// One pass at `now`: every query in flight created more than the grace period ago
/// whose job the queue no longer has is queued again or failed.
pub async fn reconcile_orphans(
    app: &App,
    now: DateTime<Utc>,
) -> Result<Reconciled, ReconcileError> {
    let grace = chrono::Duration::seconds(
        i64::try_from(app.config.queue.orphan_grace_secs).unwrap_or(i64::MAX / 1_000),
    );
    let mut before = now - grace;
    let mut done = Reconciled::default();
    for _ in 0..MAX_PAGES {
        let page = app.store.inflight_created_before(before, PAGE).await?;
        for query in &page {
            done.checked += 1;
            if !app.queue.has_job(query.id).await? {
                adopt_orphan(app, query, &mut done).await?;
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE as usize => before = last.created_at,
            _ => break,
        }
    }
    Ok(done)
}

async fn adopt_orphan(
    app: &App,
    listed: &QueryRecord,
    done: &mut Reconciled,
) -> Result<(), ReconcileError> {
    // Read again: it may have finished since the page was read.
    let Some(query) = app.store.get_query(listed.id).await? else {
        return Ok(());
    };
    let max_attempts = app.config.queue.max_attempts;
    match query.status {
        QueryStatus::Completed | QueryStatus::Failed => return Ok(()),
        _ if query.attempts >= max_attempts => {
            let message = format!(
                "its job was lost from the queue after {} of {max_attempts} attempts",
                query.attempts
            );
            tracing::warn!(query_id = %query.id, %message, "orphaned analysis failed");
            app.store
                .fail_query(query.id, ErrorType::WorkerLost, &message)
                .await?;
            done.failed += 1;
            return Ok(());
        }
        QueryStatus::Running => {
            app.store
                .requeue_query(
                    query.id,
                    ErrorType::Interrupted,
                    "its job was lost from the queue; queued again",
                )
                .await?;
        }
        QueryStatus::Queued => {}
    }
    // The trace continues where the query's began.
    let trace_context = query
        .trace_id
        .as_deref()
        .and_then(crate::telemetry::TraceParent::continuing)
        .map(|t| {
            let value = format!("00-{}-{}-01", t.trace_id, t.parent_id);
            [("traceparent".to_owned(), value)].into()
        })
        .unwrap_or_default();
    app.queue
        .enqueue(query.id, &JobPayload { trace_context })
        .await?;
    tracing::warn!(query_id = %query.id, status = query.status.as_str(), "orphaned analysis queued again");
    done.requeued += 1;
    Ok(())
}

/// Runs [`reconcile_orphans`] every half grace period until `shutdown` turns true. A
/// pass that fails (store or queue down) is logged and tried again next time.
pub async fn run_reconciler(app: Arc<App>, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_secs((app.config.queue.orphan_grace_secs / 2).max(5));
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|stop| *stop) => break,
        }
        match reconcile_orphans(&app, Utc::now()).await {
            Ok(done) if done.requeued + done.failed > 0 => {
                tracing::warn!(
                    checked = done.checked,
                    requeued = done.requeued,
                    failed = done.failed,
                    "orphaned analyses reconciled"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "orphan reconciliation failed; retrying later"),
        }
    }
}
