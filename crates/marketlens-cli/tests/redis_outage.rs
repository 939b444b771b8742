//! Issue acceptance, Redis outage: a private `redis-server` (its own port and
//! directory, started and killed by the test) is stopped during a run.
//!
//! - Redis as the cache only: requests are still accepted and completed, readiness
//!   says `degraded` (200), and it says `ready` again once Redis is back.
//! - Redis as the queue: while it is down POST answers 503 `unavailable` and
//!   readiness 503; once it is back (AOF on, as a queue needs) every analysis accepted
//!   before the outage completes, once, and new ones are accepted again.
//!
//! Skipped when `redis-server` is not installed, unless
//! `MARKETLENS_REQUIRE_SERVICES=1`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use marketlens_adapters::RedisStreamsQueue;
use marketlens_adapters::contract::service_available;
use support::{
    Api, Proc, free_port, json_array, marketlens_logged, result_rows, serve_logged,
    short_lease_config, wait_port,
};

fn redis_server_installed() -> Result<(), String> {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("redis-server: {e}"))
        .and_then(|s| {
            if s.success() {
                Ok(())
            } else {
                Err(format!("redis-server --version: {s}"))
            }
        })
}

/// A private Redis on `port`, persisting to `dir` with an fsync per write when `aof`.
fn start_redis(port: u16, dir: &Path, aof: bool) -> Proc {
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
        ])
        .args(["--appendonly", if aof { "yes" } else { "no" }])
        .args(["--appendfsync", "always", "--daemonize", "no"])
        .arg("--dir")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let proc = Proc(child);
    wait_port(port, "redis-server");
    let deadline = Instant::now() + Duration::from_secs(10);
    while support::redis_ping(port).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not answer");
        std::thread::sleep(Duration::from_millis(50));
    }
    proc
}

async fn readiness(api: &Api) -> (u16, serde_json::Value) {
    api.get("/readyz").await
}

fn check<'a>(ready: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json_array(&ready["checks"])
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no {name} check in {ready}"))
}

struct Setup {
    dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
    redis_port: u16,
}

fn setup() -> Option<Setup> {
    if !service_available("redis-server (installed)", redis_server_installed()) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = short_lease_config(dir.path());
    std::fs::create_dir_all(dir.path().join("redis")).unwrap();
    Some(Setup {
        data: dir.path().join("data"),
        config,
        redis_port: free_port(),
        dir,
    })
}

#[test]
fn with_the_cache_on_redis_an_outage_only_degrades() {
    let Some(s) = setup() else { return };
    let redis_dir = s.dir.path().join("redis");
    let mut redis = start_redis(s.redis_port, &redis_dir, false);
    let backends = [(
        "MARKETLENS_REDIS_URL",
        format!("redis://127.0.0.1:{}/", s.redis_port),
    )];
    let serve_log = s.dir.path().join("serve.log");
    let (_server, api) = serve_logged(
        &s.data,
        &s.config,
        &backends,
        &serve_log,
        &["--workers", "2"],
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let (code, ready) = readiness(&api).await;
        assert_eq!((code, &ready["status"]), (200, &"ready".into()), "{ready}");
        assert_eq!(check(&ready, "cache")["backend"], "memory+redis");
        let before = api.post_distinct(1, 3).await;
        api.wait_completed(&before, Duration::from_secs(30)).await;

        redis.kill();
        let (code, ready) = readiness(&api).await;
        assert_eq!(code, 200, "ready without the cache: {ready}");
        assert_eq!(ready["status"], "degraded", "{ready}");
        assert_eq!(check(&ready, "cache")["status"], "degraded", "{ready}");
        let during = api.post_distinct(4, 3).await;
        api.wait_completed(&during, Duration::from_secs(30)).await;

        redis = start_redis(s.redis_port, &redis_dir, false);
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let (code, ready) = readiness(&api).await;
            if code == 200 && ready["status"] == "ready" {
                break;
            }
            assert!(Instant::now() < deadline, "cache never came back: {ready}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let after = api.post_distinct(7, 3).await;
        api.wait_completed(&after, Duration::from_secs(30)).await;
        assert_eq!(result_rows(&s.data).await, (9, 9));
    });
    drop(redis);
}

#[test]
fn with_the_queue_on_redis_an_outage_answers_503_and_loses_nothing() {
    let Some(s) = setup() else { return };
    let redis_dir = s.dir.path().join("redis");
    let mut redis = start_redis(s.redis_port, &redis_dir, true);
    let url = format!("redis://127.0.0.1:{}/", s.redis_port);
    let backends = [("MARKETLENS_QUEUE_URL", url.clone())];
    let api_log = s.dir.path().join("api.log");
    let (_api_proc, api) = serve_logged(&s.data, &s.config, &backends, &api_log, &["--no-worker"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // Accepted while Redis is up; no worker yet, so they wait in the stream.
    let accepted = rt.block_on(api.post_distinct(1, 30));
    let _worker = Proc(
        marketlens_logged(
            &s.data,
            &s.config,
            &backends,
            &s.dir.path().join("worker.log"),
        )
        .args(["worker", "--concurrency", "2"])
        .spawn()
        .unwrap(),
    );
    rt.block_on(async {
        // Let the worker take some of them, then pull Redis away mid-run.
        let deadline = Instant::now() + Duration::from_secs(30);
        let done_at_kill = loop {
            let items = api.statuses().await;
            let started = items
                .iter()
                .any(|v| v["status"] == "running" || v["status"] == "completed");
            if started {
                break items.iter().filter(|v| v["status"] == "completed").count();
            }
            assert!(Instant::now() < deadline, "the worker never started a job");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        redis.kill();
        assert!(
            done_at_kill < accepted.len(),
            "the outage must come mid-run ({done_at_kill} already completed)"
        );

        let started = Instant::now();
        let (code, body) = api
            .post(serde_json::json!({"query": "espresso machine"}))
            .await;
        assert_eq!(code, 503, "{body}");
        assert_eq!(body["error"]["error_type"], "unavailable", "{body}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "answered quickly"
        );
        let (code, ready) = readiness(&api).await;
        assert_eq!(code, 503, "{ready}");
        assert_eq!(check(&ready, "queue")["status"], "down", "{ready}");

        tokio::time::sleep(Duration::from_secs(1)).await;
        redis = start_redis(s.redis_port, &redis_dir, true);
        api.wait_completed(&accepted, Duration::from_secs(60)).await;
        let (code, ready) = readiness(&api).await;
        assert_eq!(code, 200, "{ready}");
        let after = api.post_distinct(40, 2).await;
        api.wait_completed(&after, Duration::from_secs(30)).await;

        assert_eq!(result_rows(&s.data).await, (32, 32), "each result once");
        let queue = RedisStreamsQueue::connect(&url, "marketlens", 3)
            .await
            .unwrap();
        support::assert_queue_drained(&queue).await;
    });
    drop(redis);
}
