//! The store contract against a real PostgreSQL, plus what only a shared server shows:
//! processes starting together, an unreachable server, and the plans a new database
//! gets.
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
use marketlens_adapters::contract::store::{Database, StoreFixture, record_new_questions};
use marketlens_core::ports::StoreError;
use sqlx::Connection;
use sqlx::postgres::PgConnection;

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

/// Buffers a call of `record_submissions` touched, recording one new question of the
/// default tenant (`EXPLAIN (ANALYZE, BUFFERS)` counts those of the statements inside
/// the function too).
async fn buffers_of_one_submission(conn: &mut PgConnection, fingerprint: &str) -> u64 {
    let plan: serde_json::Value = sqlx::query_scalar(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM record_submissions(1, \
         ARRAY[now() - interval '1 day'], ARRAY[now() - interval '1 day'], \
         ARRAY[gen_random_uuid()], ARRAY['q'], ARRAY['q'], ARRAY['{}'::jsonb], ARRAY[$1], \
         ARRAY[now()], ARRAY[NULL]::text[], ARRAY[1::bigint], ARRAY[NULL]::text[], \
         ARRAY[NULL]::uuid[], ARRAY[NULL]::text[], ARRAY['local'])",
    )
    .bind(fingerprint)
    .fetch_one(conn)
    .await
    .expect("explain record_submissions");
    let top = &plan[0]["Plan"];
    ["Shared Hit Blocks", "Shared Read Blocks"]
        .iter()
        .map(|k| top[k].as_u64().expect("a buffer count"))
        .sum()
}

/// A new deployment plans the submit path's look-ups while `queries` is empty, and a
/// session keeps its plans until the table is analyzed: the store analyzes a new
/// database's table once it has recorded a few hundred submissions, and the plans
/// made from those statistics read only the question's own queries, not the tenant's
/// whole history (migration 0010, `postgres::statistics`).
#[tokio::test]
async fn a_new_database_is_analyzed_for_the_submit_path() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        let mut conn = PgConnection::connect(&url).await.expect("connect");
        // Only the store may analyze the table during the test; this session keeps
        // its plans, as a long-lived connection does.
        for setup in [
            "INSERT INTO agent_configs (content_hash, config_toml, active, created_at) \
             VALUES ('h', '', FALSE, now())",
            "ALTER TABLE queries SET (autovacuum_enabled = false)",
            "SET plan_cache_mode = force_generic_plan",
        ] {
            sqlx::query(setup).execute(&mut conn).await.expect(setup);
        }
        // This session's plan: made on the empty table.
        let on_empty = buffers_of_one_submission(&mut conn, "first question").await;
        record_new_questions(&store, 300).await;
        let analyzed = async {
            loop {
                let never: bool = sqlx::query_scalar(
                    "SELECT last_analyze IS NULL FROM pg_stat_user_tables \
                     WHERE relname = 'queries'",
                )
                .fetch_one(&mut conn)
                .await
                .expect("read the table's statistics");
                if !never {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), analyzed)
            .await
            .expect("the store analyzes a new database's queries table");
        sqlx::query(
            "INSERT INTO queries (id, text, normalized_text, params, fingerprint, status, \
             created_at, agent_config_version, tenant) \
             SELECT gen_random_uuid(), 'q', 'q', '{}', 'other question ' || g, 'queued', \
             now(), 1, 'local' FROM generate_series(1, 20000) g",
        )
        .execute(&mut conn)
        .await
        .expect("fill the tenant's history");
        let on_full = buffers_of_one_submission(&mut conn, "new question").await;
        // Reading the tenant's 20,000 queries takes hundreds of buffers; the question's
        // own index range, a handful (plus the new row's index entries).
        assert!(
            on_full < 100,
            "recording a new question beside 20,000 others touched {on_full} buffers \
             ({on_empty} on the empty table)"
        );
        conn.close().await.expect("close");
        store.close().await;
    })
    .await;
}
