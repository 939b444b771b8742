//! Issue acceptance, crash test: 100 analyses, 3 `marketlens worker` processes on the
//! Redis Streams queue, one killed with SIGKILL mid-run → all 100 complete, each
//! result written exactly once, no job left in the queue.
//!
//! The API (`serve --no-worker`) and the workers share the store (PostgreSQL at
//! `MARKETLENS_TEST_DATABASE_URL` when set, else the SQLite file of one data
//! directory) and
//! Redis (queue and cache, under a random key prefix). The agent configuration has a
//! 3-second lease, so the killed worker's jobs come back within the test. Skipped when
//! Redis (127.0.0.1:6379) is unreachable, unless `MARKETLENS_REQUIRE_SERVICES=1`.

mod support;

use std::time::{Duration, Instant};

use marketlens_adapters::RedisStreamsQueue;
use marketlens_adapters::contract::service_available;
use support::{Proc, marketlens_logged, result_rows, serve_logged, short_lease_config};

const ANALYSES: usize = 100;
const WORKERS: usize = 3;

#[test]
fn a_worker_killed_mid_run_loses_no_job_and_duplicates_no_result() {
    if !service_available("Redis at 127.0.0.1:6379", support::redis_ping(6379)) {
        return;
    }
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = short_lease_config(dir.path());
    let prefix = format!("marketlens-crash-{}", uuid::Uuid::new_v4().simple());
    let redis = "redis://127.0.0.1:6379/".to_owned();
    let mut backends = vec![
        ("MARKETLENS_QUEUE_URL", redis.clone()),
        ("MARKETLENS_REDIS_URL", redis.clone()),
        ("MARKETLENS_REDIS_PREFIX", prefix.clone()),
    ];
    // The store all processes share: PostgreSQL when the test names one, else the
    // SQLite file of the shared data directory.
    let database_url = std::env::var("MARKETLENS_TEST_DATABASE_URL").ok();
    if let Some(url) = &database_url {
        backends.push(("MARKETLENS_DATABASE_URL", url.clone()));
    }
    let store = if database_url.is_some() {
        "postgres"
    } else {
        "sqlite"
    };
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let (_api, api) = serve_logged(&data, &config, &backends, &log("api"), &["--no-worker"]);
    let rt = tokio::runtime::Runtime::new().unwrap();

    // Distinct parameters, so each request is its own analysis (no fresh-result reuse
    // or coalescing between them).
    let ids = rt.block_on(api.post_distinct(1, ANALYSES));
    let posted = started.elapsed();

    let mut workers: Vec<Proc> = (0..WORKERS)
        .map(|i| {
            Proc(
                marketlens_logged(&data, &config, &backends, &log(&format!("worker{i}")))
                    // The worker's own notes too: a redelivered job it acknowledges.
                    .env("MARKETLENS_LOG", "warn,marketlens_service::worker=info")
                    .args(["worker", "--concurrency", "2"])
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();

    // Polled one by one (only those not yet completed): on a shared PostgreSQL the
    // history holds other runs' analyses too.
    let mut pending: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
    let mut finished: Vec<serde_json::Value> = Vec::new();
    let poll = |pending: &mut std::collections::BTreeSet<String>,
                finished: &mut Vec<serde_json::Value>| {
        rt.block_on(async {
            for id in pending.clone() {
                let (code, v) = api.get(&format!("/v1/analyses/{id}")).await;
                assert_eq!(code, 200, "{v}");
                assert_ne!(v["status"], "failed", "{v}");
                if v["status"] == "completed" {
                    pending.remove(&id);
                    finished.push(v);
                }
            }
        })
    };
    let deadline = Instant::now() + Duration::from_secs(150);
    // Mid-run: a quarter done, plenty still queued, every worker busy.
    while finished.len() < ANALYSES / 4 {
        assert!(
            Instant::now() < deadline,
            "only {} completed before the kill",
            finished.len()
        );
        poll(&mut pending, &mut finished);
        std::thread::sleep(Duration::from_millis(20));
    }
    workers[0].0.kill().unwrap();
    workers[0].0.wait().unwrap();
    let killed_at = finished.len();
    let kill_time = started.elapsed();

    while !pending.is_empty() {
        assert!(
            Instant::now() < deadline,
            "{} of {ANALYSES} completed after {:?}; logs in {}",
            finished.len(),
            started.elapsed(),
            dir.path().display()
        );
        // Not too often: on a small machine the polling competes with the workers.
        std::thread::sleep(Duration::from_millis(250));
        poll(&mut pending, &mut finished);
    }
    let all_done = started.elapsed();

    // The killed worker held jobs: they were delivered again. A job it was running
    // starts again (the query's attempts reach 2); one whose result it had written
    // just before the kill, but not acknowledged, is acknowledged by the worker it
    // reaches next, which logs it.
    let restarted = finished
        .iter()
        .filter(|v| v["attempts"].as_u64().unwrap_or(0) > 1)
        .count();
    let acknowledged: usize = (1..WORKERS)
        .map(|i| {
            std::fs::read_to_string(log(&format!("worker{i}")))
                .unwrap_or_default()
                .matches("redelivered job of a finished analysis acknowledged")
                .count()
        })
        .sum();
    let redelivered = restarted + acknowledged;
    assert!(
        redelivered >= 1,
        "the killed worker had jobs in flight, which must have been redelivered"
    );

    rt.block_on(async {
        let (rows, distinct) = match &database_url {
            Some(url) => {
                let pool = sqlx::PgPool::connect(url).await.unwrap();
                let ids: Vec<uuid::Uuid> = ids.iter().map(|i| i.parse().unwrap()).collect();
                let counts = sqlx::query_as(
                    "SELECT COUNT(*), COUNT(DISTINCT query_id) FROM analysis_results \
                     WHERE query_id = ANY($1)",
                )
                .bind(ids)
                .fetch_one(&pool)
                .await
                .unwrap();
                pool.close().await;
                counts
            }
            None => result_rows(&data).await,
        };
        assert_eq!(
            (rows, distinct),
            (ANALYSES as i64, ANALYSES as i64),
            "each result written exactly once"
        );
        let queue = RedisStreamsQueue::connect(&redis, &prefix, 3)
            .await
            .unwrap();
        support::assert_queue_drained(&queue).await;
    });
    eprintln!(
        "crash test ({store} store): {ANALYSES} posted in {posted:?}; worker 0 killed at {kill_time:?} \
         with {killed_at} completed; all completed at {all_done:?}; {redelivered} redelivered"
    );
}
