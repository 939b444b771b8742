//! The store contract against a real PostgreSQL, plus what only a shared server shows:
//! processes starting together, and an unreachable server.
//!
//! Each test creates its own database (`marketlens_t_<uuid>`, with
//! `contract::postgres::with_fresh_database`) on the server of
//! `MARKETLENS_TEST_DATABASE_URL` (default: the local server, user `postgres`, trust
//! auth), runs the migrations and drops it at the end, pass or fail. Without a
//! reachable server the tests skip, unless `MARKETLENS_REQUIRE_SERVICES=1`.

use std::time::{Duration, Instant};

use marketlens_adapters::PgStore;
use marketlens_adapters::contract::Rule;
use marketlens_adapters::contract::postgres::with_fresh_database;
use marketlens_adapters::contract::store::{Database, StoreFixture};
use marketlens_core::ports::StoreError;

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
        Database::Postgres(b.pool().clone())
            .assert_each_migration_applied_once()
            .await;
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
