//! The store contract against a real PostgreSQL, plus what only a shared server shows:
//! several processes (pools) racing on one database.
//!
//! Each test creates its own database (`marketlens_t_<uuid>`) on the server of
//! `MARKETLENS_TEST_DATABASE_URL` (default: the local server, user `postgres`, trust
//! auth), runs the migrations and drops it at the end, pass or fail. Without a
//! reachable server the tests skip, unless `MARKETLENS_REQUIRE_SERVICES=1`.

use std::future::Future;
use std::time::{Duration, Instant};

use chrono::{DurationRound, Utc};
use marketlens_adapters::PgStore;
use marketlens_adapters::contract;
use marketlens_core::domain::{AnalysisParams, CurrencyCode, Fingerprint, Market};
use marketlens_core::ports::{NewQuery, PriceObservation, Store, StoreError, StoredResult};
use rust_decimal::Decimal;
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

fn new_query(config: i64) -> NewQuery {
    NewQuery {
        id: Uuid::new_v4(),
        text: "lampe".into(),
        normalized_text: "lampe".into(),
        params: AnalysisParams {
            currency: CurrencyCode::EUR,
            market: Market::parse("FR").unwrap(),
            max_products: 10,
            sources: Vec::new(),
            condition: None,
            min_price: None,
            max_price: None,
            language: None,
        },
        fingerprint: Fingerprint::from_stored("fp".into()),
        agent_config_version: config,
        trace_id: None,
        created_at: Utc::now(),
        answered_by: None,
    }
}

fn result(query_id: Uuid, config: i64, tag: &str) -> StoredResult {
    StoredResult {
        query_id,
        result: serde_json::json!({ "by": tag }),
        market_summary: serde_json::json!({}),
        sentiment_summary: serde_json::json!({}),
        products: serde_json::json!([]),
        recommendations: serde_json::json!([]),
        quality_checks: serde_json::json!([]),
        quality_passed: false,
        report_key: "k".into(),
        report_uri: "u".into(),
        report_size: 0,
        crate_version: "0".into(),
        git_sha: "0".into(),
        prompt_version: None,
        model: None,
        agent_config_version: config,
        created_at: Utc::now(),
    }
}

#[tokio::test]
async fn postgres_store_meets_the_store_contract() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        contract::store_contract(&store).await;
        // Running it again on the same data must pass too: it assumes nothing is empty.
        contract::store_contract(&store).await;
        store.close().await;
    })
    .await;
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
        assert_eq!(applied, 1);
        // Reopening an up-to-date database applies nothing and fails nothing.
        let c = open(&url).await;
        for s in [a, b, c] {
            s.close().await;
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_write_one_result() {
    with_fresh_database(|url| async move {
        let (a, b) = (open(&url).await, open(&url).await);
        let config = a.activate_agent_config("h", "").await.unwrap();
        let q = new_query(config);
        a.insert_query(&q).await.unwrap();
        let (ra, rb) = (result(q.id, config, "a"), result(q.id, config, "b"));
        let (x, y) = tokio::join!(a.complete_query(&ra), b.complete_query(&rb));
        let (x, y) = (x.unwrap(), y.unwrap());
        assert!(x ^ y, "exactly one completion wins: {x} {y}");
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analysis_results")
            .fetch_one(a.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
        let stored = b.get_result(q.id).await.unwrap().unwrap();
        assert_eq!(stored.result["by"], if x { "a" } else { "b" });
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_submissions_from_two_processes_record_one_query() {
    with_fresh_database(|url| async move {
        let (a, b) = (open(&url).await, open(&url).await);
        let config = a.activate_agent_config("h", "").await.unwrap();
        let window = Utc::now() - chrono::Duration::hours(1);
        for round in 0..20 {
            let fp = Fingerprint::from_stored(format!("fp-{round}"));
            let (mut qa, mut qb) = (new_query(config), new_query(config));
            qa.fingerprint = fp.clone();
            qb.fingerprint = fp.clone();
            let (x, y) = tokio::join!(
                a.insert_query_unless_inflight(&qa, window),
                b.insert_query_unless_inflight(&qb, window)
            );
            let (x, y) = (x.unwrap(), y.unwrap());
            assert!(
                (x.is_none() && y == Some(qa.id)) || (y.is_none() && x == Some(qb.id)),
                "round {round}: one records, the other joins it: {x:?} {y:?}"
            );
            let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queries WHERE fingerprint = $1")
                .bind(fp.as_str())
                .fetch_one(a.pool())
                .await
                .unwrap();
            assert_eq!(n, 1, "round {round}");
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_agent_config_is_active() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        let pool = store.pool().clone();
        let active = || async {
            sqlx::query_as::<_, (i64, String)>(
                "SELECT version, content_hash FROM agent_configs WHERE active",
            )
            .fetch_all(&pool)
            .await
            .unwrap()
        };
        let v1 = store.activate_agent_config("h1", "a = 1").await.unwrap();
        assert_eq!(active().await, [(v1, "h1".to_owned())]);
        let v2 = store.activate_agent_config("h2", "a = 2").await.unwrap();
        assert_eq!(active().await, [(v2, "h2".to_owned())]);
        // Two processes starting with the same new config: one version, no error.
        let other = open(&url).await;
        let (x, y) = tokio::join!(
            store.activate_agent_config("h3", "a = 3"),
            other.activate_agent_config("h3", "a = 3")
        );
        let (x, y) = (x.unwrap(), y.unwrap());
        assert_eq!(x, y, "both see the same active version");
        assert_eq!(active().await, [(x, "h3".to_owned())]);
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_configs")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 3, "the same hash adds no row");
        // The schema itself refuses a second active row.
        let second = sqlx::query(
            "INSERT INTO agent_configs (content_hash, config_toml, active, created_at) \
             VALUES ('h4', '', TRUE, now())",
        )
        .execute(&pool)
        .await;
        assert!(
            second.is_err(),
            "partial unique index must allow one active config"
        );
    })
    .await;
}

#[tokio::test]
async fn unknown_agent_config_is_not_found() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        let err = store.insert_query(&new_query(42)).await.unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
        let err = store
            .complete_query(&result(Uuid::new_v4(), 42, "x"))
            .await
            .unwrap_err();
        assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        let pool = store.pool().clone();
        let config = store.activate_agent_config("h", "").await.unwrap();
        // What the column types and CHECKs still let through (a bad status or
        // timestamp cannot be stored at all here).
        let corruptions = [
            "UPDATE queries SET params = '{\"currency\": 3}'",
            "UPDATE queries SET progress = '{\"not\": \"a list\"}'",
            "UPDATE queries SET attempts = -1",
        ];
        for sql in corruptions {
            let q = new_query(config);
            store.insert_query(&q).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!("{sql} WHERE id = '{}'", q.id)))
                .execute(&pool)
                .await
                .unwrap();
            let err = store.get_query(q.id).await.unwrap_err();
            assert!(matches!(err, StoreError::Corrupt(_)), "{sql}: {err:?}");
            assert!(matches!(
                store.list_queries(100, 0).await,
                Err(StoreError::Corrupt(_))
            ));
            sqlx::query("DELETE FROM queries")
                .execute(&pool)
                .await
                .unwrap();
        }
        let obs = PriceObservation {
            query_id: Uuid::new_v4(),
            product_id: "p".into(),
            offer_id: "o".into(),
            source: "catalog".into(),
            seller: "s".into(),
            amount: Decimal::ONE,
            currency: CurrencyCode::EUR,
            observed_at: Utc::now(),
        };
        let since = Utc::now() - chrono::Duration::days(1);
        for sql in [
            "UPDATE price_observations SET amount = 'NaN'",
            "UPDATE price_observations SET amount = 1, currency = 'euro'",
        ] {
            store
                .append_price_observations(std::slice::from_ref(&obs))
                .await
                .unwrap();
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .unwrap();
            let err = store.price_history(&["p".into()], since).await.unwrap_err();
            assert!(matches!(err, StoreError::Corrupt(_)), "{sql}: {err:?}");
            sqlx::query("DELETE FROM price_observations")
                .execute(&pool)
                .await
                .unwrap();
        }
    })
    .await;
}

#[tokio::test]
async fn prices_are_stored_as_exact_numerics() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        let amount = Decimal::new(1_234_567_890_123_456_789, 9);
        let obs = PriceObservation {
            query_id: Uuid::new_v4(),
            product_id: "p".into(),
            offer_id: "o".into(),
            source: "catalog".into(),
            seller: "s".into(),
            amount,
            currency: CurrencyCode::EUR,
            observed_at: Utc::now(),
        };
        store
            .append_price_observations(std::slice::from_ref(&obs))
            .await
            .unwrap();
        let (text, currency): (String, String) =
            sqlx::query_as("SELECT amount::text, currency FROM price_observations")
                .fetch_one(store.pool())
                .await
                .unwrap();
        assert_eq!(text, "1234567890.123456789");
        assert_eq!(currency, "EUR");
        let back = store
            .price_history(&["p".into()], obs.observed_at)
            .await
            .unwrap();
        assert_eq!(back[0].amount.to_string(), "1234567890.123456789");
    })
    .await;
}

#[tokio::test]
async fn many_observations_keep_their_order() {
    with_fresh_database(|url| async move {
        let store = open(&url).await;
        // Microseconds: what timestamptz keeps.
        let at = (Utc::now() - chrono::Duration::hours(1))
            .duration_trunc(chrono::TimeDelta::microseconds(1))
            .unwrap();
        // Same instant for all: ties must come back in the order they were appended.
        let obs: Vec<PriceObservation> = (0..2000)
            .map(|i| PriceObservation {
                query_id: Uuid::new_v4(),
                product_id: format!("p{}", i % 7),
                offer_id: format!("o{i}"),
                source: "catalog".into(),
                seller: "s".into(),
                amount: Decimal::new(i, 2),
                currency: CurrencyCode::USD,
                observed_at: at,
            })
            .collect();
        store.append_price_observations(&obs).await.unwrap();
        let ids: Vec<String> = (0..7).map(|i| format!("p{i}")).collect();
        let back = store.price_history(&ids, at).await.unwrap();
        let offers =
            |v: &[PriceObservation]| v.iter().map(|o| o.offer_id.clone()).collect::<Vec<_>>();
        assert_eq!(offers(&back), offers(&obs), "ties in insertion order");
        assert!(back == obs, "every field round-trips");
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
