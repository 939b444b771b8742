//! The store contract against a real PostgreSQL, plus what only a shared server shows:
//! processes starting together, and an unreachable server.
//!
//! Each test creates its own database (`marketlens_t_<uuid>`) on the server of
//! `MARKETLENS_TEST_DATABASE_URL` (default: the local server, user `postgres`, trust
//! auth), runs the migrations and drops it at the end, pass or fail. Without a
//! reachable server the tests skip, unless `MARKETLENS_REQUIRE_SERVICES=1`.

use std::future::Future;
use std::time::{Duration, Instant};

use marketlens_adapters::PgStore;
use marketlens_adapters::contract::store::{Database, StoreFixture};
use marketlens_adapters::contract::{self, Rule};
use marketlens_core::ports::StoreError;
use sqlx::Connection;
use sqlx::postgres::PgConnection;
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn base_url() -> String {
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

async fn admin_connection(base: &str) -> Result<PgConnection, String> {
    match tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(base)).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err("no answer within 5 s".to_owned()),
    }
}

/// Runs `body` with the URL of a fresh, empty database, then drops the database even
/// if `body` panicked (the panic is then resumed). Returns without running `body`
/// when the server is unreachable and services are not required.
async fn with_fresh_database<F, Fut>(body: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let base = base_url();
    let mut admin = match admin_connection(&base).await {
        Ok(conn) => conn,
        Err(why) => {
            contract::service_available(&server_name(&base), Err(why));
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
    // The body runs as its own task so a failed assertion comes back as a JoinError
    // and the database is still dropped.
    let outcome = tokio::spawn(body(url.to_string())).await;
    // FORCE ends connections a panicking body left open.
    let dropped = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
    let _ = admin.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
    dropped.expect("drop the test database");
}

async fn open(url: &str) -> PgStore {
    PgStore::open(url).await.expect("open PostgreSQL store")
}

/// A store on a fresh database, and a second pool on it (another process).
async fn with_postgres_store(rule: Rule<StoreFixture>) {
    with_fresh_database(|url| async move {
        let (one, two) = (open(&url).await, open(&url).await);
        rule(&StoreFixture {
            database: Database::Postgres(one.pool().clone()),
            store: Box::new(one.clone()),
            second: Box::new(two.clone()),
            backend_corruptions: Vec::new(),
        })
        .await;
        one.close().await;
        two.close().await;
    })
    .await;
}

mod postgres {
    marketlens_adapters::store_contract_tests!(crate::with_postgres_store);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn processes_starting_together_migrate_once() {
    with_fresh_database(|url| async move {
        let (a, b) = tokio::join!(PgStore::open(&url), PgStore::open(&url));
        let (a, b) = (a.unwrap(), b.unwrap());
        let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
            .fetch_one(b.pool())
            .await
            .unwrap();
        let migrations =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
                .unwrap()
                .count() as i64;
        assert_eq!(applied, migrations, "each migration applied once");
        // Reopening an up-to-date database applies nothing and fails nothing.
        let c = open(&url).await;
        for s in [a, b, c] {
            s.close().await;
        }
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_promptly() {
    // Port 1 on the loopback refuses connections: no server needed for this one.
    let started = Instant::now();
    let err = PgStore::open("postgres://marketlens:secret@127.0.0.1:1/none")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(
        !err.to_string().contains("secret"),
        "the password is not repeated: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "bounded by the acquire timeout: {:?}",
        started.elapsed()
    );
}
