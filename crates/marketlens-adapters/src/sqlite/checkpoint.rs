//! WAL checkpoints off the write path.
//!
//! SQLite's default copies the WAL back into the database file from inside the
//! commit that takes it past 1,000 pages: that commit, and every write queued behind
//! the process's one writer connection, waits while megabytes are copied. Under the
//! submit path's load that happened every fraction of a second and set the API's
//! tail. So connections do not checkpoint on commit (`wal_autocheckpoint = 0`), and a
//! task checkpoints every [`CHECKPOINT_EVERY`] on a reading connection in `PASSIVE`
//! mode, which copies what no reader still needs without taking the write lock: the
//! writer goes on meanwhile. Embedded API, `wrk -t2 -c64` on two cores: 7,700–7,950
//! requests/s, p99 18–21 ms, checkpointing on commit; 9,040–9,235 requests/s, p99
//! 15.6–16.1 ms, with this task (every 2 s instead of 0.5 s measured the same within
//! the noise). With no checkpoint at all that build gave 10,080–10,380, p99 9–10 ms;
//! measured again once a request made one commit instead of two, no checkpoint was
//! slower than this task (7,744–9,546 against 10,064–12,231 requests/s): the WAL and
//! its index only grow.
//!
//! Each process sharing the file runs its own task (a checkpoint already running in
//! another process makes this one return at once). The last connection to close
//! checkpoints whatever is left, as SQLite always does.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::sqlite::SqlitePool;

/// How often the WAL is checkpointed.
pub(super) const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Keeps the checkpoint task going: it stops once every clone is dropped, or the
/// database is closed.
#[derive(Debug, Clone)]
pub(super) struct Checkpoints {
    _running: Arc<()>,
}

impl Checkpoints {
    /// Starts checkpointing the database behind `readers` every [`CHECKPOINT_EVERY`].
    pub(super) fn start(readers: SqlitePool) -> Checkpoints {
        let running = Arc::new(());
        tokio::spawn(checkpoint_periodically(readers, Arc::downgrade(&running)));
        Checkpoints { _running: running }
    }

    /// No task: a database without a WAL (in memory).
    pub(super) fn none() -> Checkpoints {
        Checkpoints {
            _running: Arc::new(()),
        }
    }
}

async fn checkpoint_periodically(readers: SqlitePool, running: Weak<()>) {
    let mut every = tokio::time::interval(CHECKPOINT_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        if running.strong_count() == 0 || readers.is_closed() {
            return;
        }
        // A failure leaves the frames in the WAL for the next round.
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&readers)
            .await
        {
            tracing::warn!(error = %e, "WAL checkpoint failed");
        }
    }
}
