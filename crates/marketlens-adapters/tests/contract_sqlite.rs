//! The port contracts run against the embedded adapters, plus what only the embedded
//! database can show: durability across reopening and several processes on one file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use marketlens_adapters::contract;
use marketlens_adapters::{LocalDirBlobStore, MemoryCache, SqliteDb, SqliteJobQueue, SqliteStore};
use marketlens_core::domain::{AnalysisParams, CurrencyCode, Fingerprint, Market};
use marketlens_core::ports::{
    JobPayload, JobQueue, NewQuery, PriceObservation, Store, StoreError, StoredResult,
};
use rust_decimal::Decimal;
use uuid::Uuid;

async fn open(dir: &Path) -> SqliteDb {
    SqliteDb::open(&dir.join("data/marketlens.db"))
        .await
        .expect("open database")
}

#[tokio::test]
async fn sqlite_store_meets_the_store_contract() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::new(open(dir.path()).await);
    contract::store_contract(&store).await;
    // Running it again on the same data must pass too: it assumes nothing is empty.
    contract::store_contract(&store).await;
}

#[tokio::test]
async fn in_memory_sqlite_store_meets_the_store_contract() {
    let store = SqliteStore::new(SqliteDb::open_in_memory().await.unwrap());
    contract::store_contract(&store).await;
}

#[tokio::test]
async fn sqlite_queue_meets_the_queue_contract() {
    let dir = tempfile::tempdir().unwrap();
    let queue = SqliteJobQueue::new(open(dir.path()).await, 2);
    contract::queue_contract(&queue).await;
}

#[tokio::test]
async fn memory_cache_meets_the_cache_contract() {
    contract::cache_contract(&MemoryCache::new(1 << 20)).await;
}

#[tokio::test]
async fn local_dir_meets_the_blob_contract() {
    let dir = tempfile::tempdir().unwrap();
    let blob = LocalDirBlobStore::new(dir.path().join("blobs")).unwrap();
    contract::blob_contract(&blob).await;
}

#[tokio::test]
async fn a_job_survives_reopening_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let query = Uuid::new_v4();
    {
        let db = open(dir.path()).await;
        let queue = SqliteJobQueue::new(db.clone(), 3);
        queue.enqueue(query, &JobPayload::default()).await.unwrap();
        db.close().await;
    }
    let db = open(dir.path()).await;
    let queue = SqliteJobQueue::new(db, 3);
    let job = queue
        .claim("w", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("the job enqueued before reopening");
    assert_eq!((job.query_id, job.attempt, job.max_attempts), (query, 1, 3));
    queue.complete(&job, "w").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_claim_each_job_exactly_once() {
    const JOBS: usize = 50;
    let dir = tempfile::tempdir().unwrap();
    // Two pools on one file behave like two processes: separate SQLite connections
    // that only the file's locks coordinate.
    let (a, b) = tokio::join!(open(dir.path()), open(dir.path()));
    let queues = [SqliteJobQueue::new(a, 3), SqliteJobQueue::new(b, 3)];
    let mut queries = BTreeSet::new();
    for i in 0..JOBS {
        let q = Uuid::new_v4();
        queries.insert(q);
        queues[i % 2]
            .enqueue(q, &JobPayload::default())
            .await
            .unwrap();
    }
    let mut workers = Vec::new();
    for (p, queue) in queues.iter().enumerate() {
        for w in 0..4 {
            let queue = queue.clone();
            let worker = format!("p{p}-w{w}");
            workers.push(tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(job) = queue.claim(&worker, Duration::from_secs(60)).await.unwrap() {
                    queue.complete(&job, &worker).await.unwrap();
                    got.push(job);
                }
                got
            }));
        }
    }
    let mut claimed: BTreeMap<Uuid, usize> = BTreeMap::new();
    for w in workers {
        for job in w.await.unwrap() {
            assert_eq!(job.attempt, 1, "no job is delivered twice");
            *claimed.entry(job.query_id).or_default() += 1;
        }
    }
    assert_eq!(claimed.len(), JOBS, "every job was claimed");
    assert!(
        claimed.values().all(|&n| n == 1),
        "each job exactly once: {claimed:?}"
    );
    assert_eq!(claimed.keys().copied().collect::<BTreeSet<_>>(), queries);
    let stats = queues[1].stats().await.unwrap();
    assert_eq!((stats.queued, stats.running, stats.dead), (0, 0, 0));
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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_completions_write_one_result() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = tokio::join!(open(dir.path()), open(dir.path()));
    let (a, b) = (SqliteStore::new(a), SqliteStore::new(b));
    let config = a.activate_agent_config("h", "").await.unwrap();
    let q = new_query(config);
    a.insert_query(&q).await.unwrap();
    let result = |tag: &str| StoredResult {
        query_id: q.id,
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
    };
    let (ra, rb) = (result("a"), result("b"));
    let (x, y) = tokio::join!(a.complete_query(&ra), b.complete_query(&rb));
    let (x, y) = (x.unwrap(), y.unwrap());
    assert!(x ^ y, "exactly one completion wins: {x} {y}");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analysis_results")
        .fetch_one(a.db().pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    let stored = b.get_result(q.id).await.unwrap().unwrap();
    assert_eq!(stored.result["by"], if x { "a" } else { "b" });
}

#[tokio::test]
async fn exactly_one_agent_config_is_active() {
    let store = SqliteStore::new(SqliteDb::open_in_memory().await.unwrap());
    let pool = store.db().pool();
    let active = || async {
        sqlx::query_as::<_, (i64, String)>(
            "SELECT version, content_hash FROM agent_configs WHERE active = 1",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let v1 = store.activate_agent_config("h1", "a = 1").await.unwrap();
    assert_eq!(active().await, [(v1, "h1".to_owned())]);
    assert_eq!(
        store.activate_agent_config("h1", "a = 1").await.unwrap(),
        v1
    );
    let v2 = store.activate_agent_config("h2", "a = 2").await.unwrap();
    assert_eq!(active().await, [(v2, "h2".to_owned())]);
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM agent_configs")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(rows, 2, "same hash adds no row");
    // The schema itself refuses a second active row.
    let second = sqlx::query(
        "INSERT INTO agent_configs (content_hash, config_toml, active, created_at) \
         VALUES ('h3', '', 1, '2026-01-01T00:00:00.000000Z')",
    )
    .execute(pool)
    .await;
    assert!(
        second.is_err(),
        "partial unique index must allow one active config"
    );
}

#[tokio::test]
async fn unknown_agent_config_is_not_found() {
    let store = SqliteStore::new(SqliteDb::open_in_memory().await.unwrap());
    let err = store.insert_query(&new_query(42)).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn corrupt_rows_are_errors_not_panics() {
    let store = SqliteStore::new(SqliteDb::open_in_memory().await.unwrap());
    let pool = store.db().pool().clone();
    let config = store.activate_agent_config("h", "").await.unwrap();
    let corruptions = [
        "UPDATE queries SET params = '{\"currency\": 3}'",
        "UPDATE queries SET progress = '{\"not\": \"a list\"}'",
        "UPDATE queries SET created_at = 'last tuesday'",
        "UPDATE queries SET attempts = -1",
        "UPDATE queries SET result_query_id = 'not-a-uuid'",
        "UPDATE queries SET trace_id = x'80ff'",
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
    let fp = Fingerprint::from_stored("fp".into());
    store
        .put_collected("s", &fp, &serde_json::json!([]), Utc::now())
        .await
        .unwrap();
    sqlx::query("UPDATE collected_products_cache SET stored_at = 'soon'")
        .execute(&pool)
        .await
        .unwrap();
    assert!(matches!(
        store.get_collected("s", &fp).await,
        Err(StoreError::Corrupt(_))
    ));
}

#[tokio::test]
async fn prices_are_stored_as_exact_decimal_strings() {
    let store = SqliteStore::new(SqliteDb::open_in_memory().await.unwrap());
    let amount = Decimal::new(1_234_567_890_123_456_789, 9);
    store
        .append_price_observations(&[PriceObservation {
            query_id: Uuid::new_v4(),
            product_id: "p".into(),
            offer_id: "o".into(),
            source: "catalog".into(),
            seller: "s".into(),
            amount,
            currency: CurrencyCode::EUR,
            observed_at: Utc::now(),
        }])
        .await
        .unwrap();
    let (text, currency): (String, String) =
        sqlx::query_as("SELECT amount, currency FROM price_observations")
            .fetch_one(store.db().pool())
            .await
            .unwrap();
    assert_eq!(text, "1234567890.123456789");
    assert_eq!(currency, "EUR");
}

#[tokio::test]
async fn an_unreadable_payload_does_not_lose_the_job() {
    let db = SqliteDb::open_in_memory().await.unwrap();
    let queue = SqliteJobQueue::new(db.clone(), 2);
    let q = Uuid::new_v4();
    queue.enqueue(q, &JobPayload::default()).await.unwrap();
    sqlx::query("UPDATE jobs SET payload = '{\"trace_context\": 5}'")
        .execute(db.pool())
        .await
        .unwrap();
    let job = queue
        .claim("w", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.query_id, job.payload), (q, JobPayload::default()));
}

#[tokio::test]
async fn a_dead_job_records_why() {
    let db = SqliteDb::open_in_memory().await.unwrap();
    let queue = SqliteJobQueue::new(db.clone(), 1);
    queue
        .enqueue(Uuid::new_v4(), &JobPayload::default())
        .await
        .unwrap();
    queue
        .claim("w", Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    // Its worker died on the only attempt: delivered past the bound for the record.
    let last = queue
        .claim("w2", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((last.attempt, last.max_attempts), (2, 1));
    queue
        .fail(
            &last,
            "w2",
            "lease expired after 1 attempts: worker stopped",
            None,
        )
        .await
        .unwrap();
    let error: String = sqlx::query_scalar("SELECT last_error FROM jobs WHERE status = 'dead'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(error, "lease expired after 1 attempts: worker stopped");
}
