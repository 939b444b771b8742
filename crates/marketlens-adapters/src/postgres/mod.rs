//! The production store of record on PostgreSQL ([`PgStore`]).
//!
//! Same tables and semantics as the embedded SQLite store (see
//! `migrations/postgres/`), in native types. The pool is built to ride out a database
//! restart on its own: a connection that sat idle is checked before it is handed out,
//! and every connection is checked when it is given back (sqlx pings it on release),
//! so the dead connections left by a restart are dropped and replaced instead of
//! failing request after request; and a bounded acquire timeout turns "database down"
//! into a prompt `StoreError::Unavailable` (a 503 or a retried job) rather than a
//! hang. A connection in steady use is not pinged again before each use: that round
//! trip doubled the cost of every statement under load.

mod group_commit;
mod row;
mod statistics;
mod store;

use std::str::FromStr;
use std::time::Duration;

use marketlens_core::ports::StoreError;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

pub use store::PgStore;

/// Connections per process. Each API instance and worker has its own pool, so the
/// total is this times the number of processes, to be kept under the server's
/// `max_connections` (100 by default).
const MAX_CONNECTIONS: u32 = 10;
/// A pooled connection idle for longer than this is pinged before it is handed out
/// (one that was just given back passed the release ping moments ago).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);
/// How long a caller waits for a usable connection (including opening one) before
/// the store answers `Unavailable`.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// Idle connections are closed after this, so a quiet process holds few.
const IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Connections are recycled after this, so server-side state (and memory) never grows
/// without bound and a fail-over to a new primary is picked up.
const MAX_LIFETIME: Duration = Duration::from_secs(30 * 60);
/// Server-side bound on one statement: a query stuck on a lock or a runaway plan
/// fails instead of holding its connection forever.
const STATEMENT_TIMEOUT: &str = "30s";

/// Parses `url` (`postgres://user:pass@host:port/db`) into the connection settings
/// every marketlens connection uses.
pub(crate) fn connect_options(url: &str) -> Result<PgConnectOptions, StoreError> {
    Ok(PgConnectOptions::from_str(url)
        .map_err(|e| StoreError::Unavailable(format!("bad database URL: {e}")))?
        .application_name("marketlens")
        .options([("statement_timeout", STATEMENT_TIMEOUT)]))
}

/// A pool with the settings above. Nothing is connected yet: the first use connects.
pub(crate) fn pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // A restart kills every pooled connection; pinging one that sat idle before
        // use (a round trip) is what lets the pool notice and open fresh ones. One
        // given back within the last second passed the release ping.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_IF_IDLE_FOR {
                    use sqlx::Connection;
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
        .idle_timeout(IDLE_TIMEOUT)
        .max_lifetime(MAX_LIFETIME)
        .connect_lazy_with(options)
}

/// Opens one connection, bounded by the acquire timeout, to report at start-up why the
/// database cannot be reached (a pool only says that it timed out).
pub(crate) async fn check_reachable(options: &PgConnectOptions) -> Result<(), StoreError> {
    use sqlx::Connection;
    match tokio::time::timeout(ACQUIRE_TIMEOUT, PgConnection::connect_with(options)).await {
        Ok(Ok(conn)) => {
            let _ = conn.close().await;
            Ok(())
        }
        Ok(Err(e)) => Err(StoreError::Unavailable(format!("cannot connect: {e}"))),
        Err(_) => Err(StoreError::Unavailable(format!(
            "cannot connect: no answer within {}s",
            ACQUIRE_TIMEOUT.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_url_is_refused_before_connecting() {
        assert!(matches!(
            connect_options("postgres://host:notaport/db"),
            Err(StoreError::Unavailable(_))
        ));
    }
}
