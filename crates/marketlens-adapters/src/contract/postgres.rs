//! A fresh PostgreSQL database per test, on the server of
//! `MARKETLENS_TEST_DATABASE_URL` (default: the local server, user `postgres`, trust
//! auth): for the store contract and for any test that starts the application on a
//! shared store.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The test server: `MARKETLENS_TEST_DATABASE_URL`, else the local one.
pub fn server_url() -> String {
    std::env::var("MARKETLENS_TEST_DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// The server's address without credentials, for skip messages.
fn server_name(base: &str) -> String {
    match url::Url::parse(base) {
        Ok(u) => format!(
            "PostgreSQL at {}:{}",
            u.host_str().unwrap_or("?"),
            u.port().unwrap_or(5432)
        ),
        Err(_) => "PostgreSQL".to_owned(),
    }
}

/// How long the test server may take to accept the administrative connection.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the test server is out of reach.
#[derive(Debug, thiserror::Error)]
enum Unreachable {
    #[error("{0}")]
    Refused(#[from] sqlx::Error),
    #[error("no answer within {} s", CONNECT_TIMEOUT.as_secs())]
    Silent,
}

async fn admin_connection(base: &str) -> Result<PgConnection, Unreachable> {
    match tokio::time::timeout(CONNECT_TIMEOUT, PgConnection::connect(base)).await {
        Ok(connected) => Ok(connected?),
        Err(_) => Err(Unreachable::Silent),
    }
}

/// Runs `body` with the URL of a fresh, empty database, then drops the database even
/// if `body` panicked (the panic is then resumed). Returns without running `body`
/// when the server is unreachable and services are not required
/// ([`service_available`](super::service_available)).
pub async fn with_fresh_database<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    let base = server_url();
    let mut admin = match admin_connection(&base).await {
        Ok(conn) => conn,
        Err(why) => {
            super::service_available(&server_name(&base), Err(why));
            return;
        }
    };
    let name = format!("marketlens_t_{}", Uuid::new_v4().simple());
    // `name` is generated above from hex digits only, so formatting it in is safe.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .expect("create the test database");
    let mut url = url::Url::parse(&base).expect("database URL");
    url.set_path(&name);
    // A failed assertion in the body is caught, so the database is still dropped.
    let outcome = AssertUnwindSafe(body(url.to_string())).catch_unwind().await;
    // FORCE ends connections a panicking body left open.
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
    let _ = admin.close().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    dropped.expect("drop the test database");
}
