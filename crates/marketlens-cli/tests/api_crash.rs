//! An accepted analysis is durable: the API (`serve --no-worker`) is killed with
//! SIGKILL while submissions are still arriving, right after a 202, and every
//! analysis it had answered 202 for is in the store with its job in the queue.
//!
//! Embedded (SQLite store and queue, written by the group-commit task), and with
//! PostgreSQL and Redis Streams when both answer (`MARKETLENS_TEST_DATABASE_URL`,
//! default `postgres://postgres@127.0.0.1:5432/postgres`, and Redis at 127.0.0.1:6379;
//! skipped when unreachable unless `MARKETLENS_REQUIRE_SERVICES=1`).

mod support;

use std::path::Path;
use std::sync::Arc;

use marketlens_adapters::RedisStreamsQueue;
use marketlens_adapters::contract::service_available;
use marketlens_core::ports::JobQueue;
use support::{Proc, free_port, marketlens_logged, short_lease_config, wait_port};

/// Submissions sent; the API is killed once this many were accepted.
const SENT: usize = 300;
const KILL_AFTER: usize = 150;

/// Posts `SENT` distinct analyses, 32 at a time, and kills `api` right after the
/// `KILL_AFTER`-th 202; the ids it accepted.
fn accepted_until_killed(api: &mut Proc, port: u16) -> Vec<uuid::Uuid> {
    marketlens_sources::http::install_crypto_provider();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .unwrap();
        let url = format!("http://127.0.0.1:{port}/v1/analyses");
        let limit = Arc::new(tokio::sync::Semaphore::new(32));
        let mut posts = tokio::task::JoinSet::new();
        for i in 0..SENT {
            let (client, url, limit) = (client.clone(), url.clone(), limit.clone());
            posts.spawn(async move {
                let _permit = limit.acquire_owned().await.ok()?;
                let body = serde_json::json!({
                    "query": "wireless headphones",
                    "max_price": format!("{}", 100_000 + i),
                });
                let res = client.post(url).json(&body).send().await.ok()?;
                if res.status().as_u16() != 202 {
                    return None;
                }
                let v: serde_json::Value = res.json().await.ok()?;
                v["id"].as_str()?.parse::<uuid::Uuid>().ok()
            });
        }
        let mut accepted = Vec::new();
        while let Some(answer) = posts.join_next().await {
            if let Some(id) = answer.unwrap() {
                accepted.push(id);
                if accepted.len() == KILL_AFTER {
                    api.kill();
                }
            }
        }
        accepted
    })
}

/// Starts `serve --no-worker` on `backends` (logging to `dir`/api.log), sends it the
/// burst and kills it mid-way; the ids it accepted, at least `KILL_AFTER`.
fn api_killed_mid_burst(
    dir: &Path,
    data: &Path,
    config: &Path,
    backends: &[(&str, String)],
) -> Vec<uuid::Uuid> {
    let port = free_port();
    let mut api = Proc(
        marketlens_logged(data, config, backends, &dir.join("api.log"))
            .args([
                "serve",
                "--no-auth",
                // More than the default cap of analyses in flight are sent.
                "--max-inflight-per-tenant",
                "0",
                "--no-worker",
                "--bind",
                &format!("127.0.0.1:{port}"),
            ])
            .spawn()
            .unwrap(),
    );
    wait_port(port, "the API");
    let accepted = accepted_until_killed(&mut api, port);
    assert!(accepted.len() >= KILL_AFTER, "{} accepted", accepted.len());
    accepted
}

#[test]
fn an_embedded_api_killed_mid_burst_keeps_every_analysis_it_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = short_lease_config(dir.path());
    let accepted = api_killed_mid_burst(dir.path(), &data, &config, &[]);

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        // Read-write: the killed process left its WAL for this connection to recover.
        let url = format!("sqlite://{}", data.join("marketlens.db").display());
        let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
        for id in &accepted {
            let (queries, jobs): (i64, i64) = sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM queries WHERE id = ?1 AND status = 'queued'), \
                        (SELECT COUNT(*) FROM jobs WHERE query_id = ?1 AND status = 'queued')",
            )
            .bind(id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
            assert_eq!((queries, jobs), (1, 1), "accepted analysis {id} lost");
        }
        pool.close().await;
    });
}

#[test]
fn a_postgres_and_redis_api_killed_mid_burst_keeps_every_analysis_it_accepted() {
    if !service_available("Redis at 127.0.0.1:6379", support::redis_ping(6379)) {
        return;
    }
    let database_url = std::env::var("MARKETLENS_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let reachable = rt
        .block_on(sqlx::PgPool::connect(&database_url))
        .map(|_| ())
        .map_err(|e| e.to_string());
    if !service_available("PostgreSQL", reachable) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = short_lease_config(dir.path());
    let prefix = format!("marketlens-apicrash-{}", uuid::Uuid::new_v4().simple());
    let redis = "redis://127.0.0.1:6379/".to_owned();
    let backends = [
        ("MARKETLENS_DATABASE_URL", database_url.clone()),
        ("MARKETLENS_QUEUE_URL", redis.clone()),
        ("MARKETLENS_REDIS_URL", redis.clone()),
        ("MARKETLENS_REDIS_PREFIX", prefix.clone()),
    ];
    let accepted = api_killed_mid_burst(dir.path(), &data, &config, &backends);

    rt.block_on(async {
        let pool = sqlx::PgPool::connect(&database_url).await.unwrap();
        let queued: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM queries WHERE id = ANY($1) AND status = 'queued'",
        )
        .bind(&accepted)
        .fetch_one(&pool)
        .await
        .unwrap();
        pool.close().await;
        assert_eq!(queued as usize, accepted.len(), "accepted analyses lost");
        let queue = RedisStreamsQueue::connect(&redis, &prefix, 3)
            .await
            .unwrap();
        for id in &accepted {
            assert!(
                queue.has_job(*id).await.unwrap(),
                "accepted analysis {id} has no job"
            );
        }
    });
}
