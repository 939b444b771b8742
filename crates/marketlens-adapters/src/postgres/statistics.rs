//! First statistics for a new database's `queries` table.
//!
//! PostgreSQL plans a statement from the table's statistics, and a session keeps the
//! plan of `record_submissions` (and of its other prepared statements) until the table
//! is analyzed again. In a new deployment the first plans are made while `queries` is
//! empty, when every index costs the same for the one row assumed, so the submit
//! path's look-ups may walk a tenant's whole history instead of one question's
//! queries. Autovacuum analyzes the table only after a minute or more, while the
//! table grows by thousands of rows a second under load (the API's throughput fell
//! from 1,400 to 730 requests/s over 15 seconds on a new database). So once this
//! process has recorded [`ANALYZE_AFTER`] submissions into a `queries` table that was
//! never analyzed, it analyzes it: every session then plans again from real figures.
//! Afterwards autovacuum keeps the statistics as the table changes.

use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::postgres::PgPool;

/// Submissions recorded by this process before it looks at the table's statistics:
/// enough rows for the planner to tell the question's index from the tenant's.
pub(super) const ANALYZE_AFTER: usize = 256;

/// Counts this process's recorded submissions and analyzes `queries` once, when the
/// count first reaches [`ANALYZE_AFTER`] and the table was never analyzed.
#[derive(Debug, Default)]
pub(super) struct FirstStatistics {
    recorded: AtomicUsize,
}

impl FirstStatistics {
    /// Notes `submissions` more sent to be recorded; the call that crosses [`ANALYZE_AFTER`]
    /// starts the analysis in the background (the batch's callers do not wait for it).
    pub(super) fn recorded(&self, submissions: usize, pool: &PgPool) {
        let before = self.recorded.fetch_add(submissions, Ordering::Relaxed);
        if before < ANALYZE_AFTER && before + submissions >= ANALYZE_AFTER {
            let pool = pool.clone();
            tokio::spawn(async move {
                match analyze_if_never_analyzed(&pool).await {
                    Ok(true) => tracing::info!("analyzed the new database's queries table"),
                    Ok(false) => {}
                    // The plans stay as they are until autovacuum analyzes the table.
                    Err(e) => tracing::warn!(error = %e, "could not analyze the queries table"),
                }
            });
        }
    }
}

/// Analyzes `queries` unless it was analyzed before (by hand or by autovacuum);
/// answers whether it did.
async fn analyze_if_never_analyzed(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let never: Option<bool> = sqlx::query_scalar(
        "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL \
         FROM pg_stat_user_tables WHERE relid = 'queries'::regclass",
    )
    .fetch_optional(pool)
    .await?;
    // No row: the statistics collector knows nothing of the table (reset): as new.
    if never == Some(false) {
        return Ok(false);
    }
    sqlx::query("ANALYZE queries").execute(pool).await?;
    Ok(true)
}
