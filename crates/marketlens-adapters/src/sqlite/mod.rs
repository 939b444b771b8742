//! The embedded database: one SQLite file holding the store and the job queue.
//!
//! Several processes (API, workers) may open the same file: WAL lets readers run beside
//! the single writer, `busy_timeout` makes a writer wait for the lock instead of failing,
//! and every read-then-write transaction starts with `BEGIN IMMEDIATE` so it takes the
//! write lock up front (a deferred transaction that upgrades later can fail with
//! `SQLITE_BUSY_SNAPSHOT`, which the busy handler does not retry).
//!
//! Within a process every write goes through one connection of its own
//! ([`SqliteDb::writer`]): writers wait their turn in the pool's queue instead of
//! each taking a connection and meeting SQLite's busy handler, which sleeps between
//! retries (1, 2, 5, … up to 100 ms) and made the write lock's queue slow and unfair
//! under load. Reads use the other connections beside it (WAL). Submissions are
//! written several to a transaction by one task ([`group_commit`]), and the WAL is
//! copied back into the file by another, off the write path ([`checkpoint`]).

mod checkpoint;
mod group_commit;
mod intake;
mod queue;
mod row;
mod store;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use marketlens_core::ports::StoreError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

pub use intake::SqliteIntake;
pub use queue::SqliteJobQueue;
pub use store::SqliteStore;

/// Connections for reads (the writer has its own).
const READERS: u32 = 8;

/// How long a connection waits for another connection's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open, migrated SQLite database. Cheap to clone (it is a connection pool).
#[derive(Debug, Clone)]
pub struct SqliteDb {
    /// Readers.
    pool: SqlitePool,
    /// The process's single writer connection (the same pool in memory, where there
    /// is only one connection).
    writer: SqlitePool,
    /// The submit path's writes, batched (see [`group_commit`]).
    group_commit: group_commit::GroupCommit,
    /// The WAL's checkpoints, while any clone lives (see [`checkpoint`]).
    _checkpoints: checkpoint::Checkpoints,
}

impl SqliteDb {
    /// Opens (creating it and its parent directories if needed) the database file at
    /// `path` and brings its schema up to date.
    pub async fn open(path: &Path) -> Result<SqliteDb, StoreError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(parent).await.map_err(|e| {
                StoreError::Unavailable(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // With WAL, NORMAL loses at most the last transactions on power loss, never
            // consistency; FULL would fsync on every commit.
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true)
            // No checkpoint inside a commit: a task does them (see `checkpoint`).
            .pragma("wal_autocheckpoint", "0")
            // Room for a whole batch's `RETURNING` rows and statement results, so the
            // connection's thread never waits for the batch's task to read them.
            .row_buffer_size(2 * group_commit::MAX_BATCH);
        // Two processes creating the file at the same moment can meet SQLite's
        // deadlock guard (one converting the fresh file to WAL while the other holds a
        // read lock), which fails at once with SQLITE_BUSY instead of waiting. It only
        // happens around creation, so trying again shortly is enough.
        let mut delay = Duration::from_millis(10);
        let deadline = tokio::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            let attempt = async {
                // A connection to a local file does not break the way a network one
                // does: no round trip to its thread to check it at each acquire.
                let writer = SqlitePoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                migrate(&writer).await?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(READERS)
                    .test_before_acquire(false)
                    .connect_with(options.clone())
                    .await?;
                Ok::<_, sqlx::Error>(SqliteDb {
                    _checkpoints: checkpoint::Checkpoints::start(pool.clone()),
                    pool,
                    group_commit: group_commit::GroupCommit::start(writer.clone()),
                    writer,
                })
            };
            match attempt.await {
                Ok(db) => return Ok(db),
                Err(e) if is_busy(&e) && tokio::time::Instant::now() < deadline => {
                    tracing::debug!(error = %e, "database busy while opening; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_millis(250));
                }
                Err(e) => {
                    return Err(StoreError::Unavailable(format!(
                        "cannot open {}: {e}",
                        path.display()
                    )));
                }
            }
        }
    }

    /// A private in-memory database, for tests. Gone when the value is dropped.
    pub async fn open_in_memory() -> Result<SqliteDb, StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite::memory:")
            .map_err(|e| StoreError::Unavailable(e.to_string()))?
            .foreign_keys(true);
        // Each connection to `:memory:` is a different database, so the pool must keep
        // exactly one connection alive for the whole life of the value.
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| StoreError::Unavailable(format!("cannot open in-memory db: {e}")))?;
        migrate(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrating the database: {e}")))?;
        Ok(SqliteDb {
            writer: pool.clone(),
            group_commit: group_commit::GroupCommit::start(pool.clone()),
            _checkpoints: checkpoint::Checkpoints::none(),
            pool,
        })
    }

    /// The connections for reading.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The one connection every write of this process goes through (see the module
    /// documentation).
    pub fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// A read-then-write transaction on [`SqliteDb::writer`], holding the write lock
    /// from its start (`BEGIN IMMEDIATE`, see the module documentation).
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    pub(crate) fn group_commit(&self) -> &group_commit::GroupCommit {
        &self.group_commit
    }

    /// Closes every connection (waiting for those in use to be returned).
    pub async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }
}

async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    // sqlx takes no lock when migrating SQLite, so two processes starting together
    // could both apply the same migration. Running the migrator inside an IMMEDIATE
    // transaction serialises them: the second sees the first one's bookkeeping.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    sqlx::migrate!("./migrations/sqlite").run(&mut *tx).await?;
    tx.commit().await
}

/// SQLITE_BUSY or SQLITE_LOCKED, extended codes included.
fn is_busy(e: &sqlx::Error) -> bool {
    let code = match e {
        sqlx::Error::Database(d) => d.code(),
        sqlx::Error::Migrate(m) => match m.as_ref() {
            sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(d))
            | sqlx::migrate::MigrateError::ExecuteMigration(sqlx::Error::Database(d), _) => {
                d.code()
            }
            _ => None,
        },
        _ => None,
    };
    code.and_then(|c| c.parse::<i32>().ok())
        .is_some_and(|c| matches!(c & 0xff, 5 | 6))
}

/// Formats a timestamp the way every column stores it (see the migration).
pub(crate) fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

pub(crate) fn parse_ts(column: &str, s: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("{column}: bad timestamp {s:?}: {e}")))
}

/// `now + d`, saturating at a century so the result still formats as a 4-digit year.
pub(crate) fn later(now: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    const CAP: Duration = Duration::from_secs(100 * 366 * 24 * 3600);
    let d = chrono::Duration::from_std(d.min(CAP)).unwrap_or(chrono::Duration::zero());
    now.checked_add_signed(d).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_sort_as_text_in_time_order() {
        let a = DateTime::parse_from_rfc3339("2026-01-02T03:04:05Z")
            .unwrap()
            .with_timezone(&Utc);
        let b = a + chrono::Duration::microseconds(1);
        let c = a + chrono::Duration::seconds(1);
        assert_eq!(ts(a), "2026-01-02T03:04:05.000000Z");
        assert!(ts(a) < ts(b) && ts(b) < ts(c));
        assert_eq!(parse_ts("x", &ts(b)).unwrap(), b);
        assert!(matches!(
            parse_ts("x", "yesterday"),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn huge_durations_saturate() {
        let now = Utc::now();
        let t = later(now, Duration::MAX);
        assert!(t > now);
        assert_eq!(ts(t).len(), ts(now).len());
    }

    #[tokio::test]
    async fn open_creates_directories_and_sets_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/marketlens.db");
        let db = SqliteDb::open(&path).await.unwrap();
        assert!(path.exists());
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(sync, 1, "NORMAL");
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(busy, 5000);
        let autocheckpoint: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
            .fetch_one(db.writer())
            .await
            .unwrap();
        assert_eq!(autocheckpoint, 0, "no checkpoint inside a commit");
        db.close().await;
        // Reopening an up-to-date database applies nothing and fails nothing.
        SqliteDb::open(&path).await.unwrap().close().await;
    }

    /// Commits leave their pages in the WAL; the checkpoint task copies them into the
    /// database file soon after.
    #[tokio::test]
    async fn the_wal_is_copied_into_the_file_off_the_write_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let db = SqliteDb::open(&path).await.unwrap();
        let file_size = || std::fs::metadata(&path).unwrap().len();
        let before = file_size();
        sqlx::raw_sql(
            "CREATE TABLE filler (x TEXT); \
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4000) \
             INSERT INTO filler SELECT printf('%.1000c', 'x') FROM n",
        )
        .execute(db.writer())
        .await
        .unwrap();
        // About 4 MB committed: in the WAL first, in the file once checkpointed.
        let copied = async {
            while file_size() < before + 3_000_000 {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(checkpoint::CHECKPOINT_EVERY * 20, copied)
            .await
            .unwrap_or_else(|_| panic!("the database file is still {} bytes", file_size()));
        db.close().await;
    }

    #[tokio::test]
    async fn two_processes_can_create_the_database_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("race.db");
        let (a, b) = tokio::join!(SqliteDb::open(&path), SqliteDb::open(&path));
        let (a, b) = (a.unwrap(), b.unwrap());
        crate::contract::store::Database::Sqlite(b.pool().clone())
            .assert_each_migration_applied_once()
            .await;
        a.close().await;
        b.close().await;
    }
}
