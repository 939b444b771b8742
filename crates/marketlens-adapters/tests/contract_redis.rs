//! The cache and queue contracts against Redis (127.0.0.1:6379, or
//! `MARKETLENS_TEST_REDIS_URL`), each test under its own random key prefix so that
//! runs in parallel (and other users of the server) never see each other's keys.
//! Skipped when Redis is unreachable, unless `MARKETLENS_REQUIRE_SERVICES=1`.

use std::time::{Duration, Instant};

use marketlens_adapters::contract::queue::QueueFixture;
use marketlens_adapters::contract::{self, Rule};
use marketlens_adapters::{LayeredCache, MemoryCache, RedisCache, RedisStreamsQueue};
use marketlens_core::ports::{Cache, CacheLevel, JobPayload, JobQueue, QueueError};
use uuid::Uuid;

fn url() -> String {
    std::env::var("MARKETLENS_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/".into())
}

fn prefix() -> String {
    format!("marketlens-test-{}", Uuid::new_v4().simple())
}

async fn redis_up() -> bool {
    let url = url();
    let reachable = match RedisCache::new(&url, "probe") {
        Ok(cache) => cache.check().await,
        Err(e) => Err(e),
    };
    contract::service_available(&format!("Redis at {url}"), reachable)
}

/// A port nothing listens on: Redis "down".
fn dead_url() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("redis://127.0.0.1:{port}/")
}

async fn with_redis_cache(rule: Rule<dyn Cache>) {
    if redis_up().await {
        rule(&RedisCache::new(&url(), &prefix()).unwrap()).await;
    }
}

async fn with_layered_cache(rule: Rule<dyn Cache>) {
    if redis_up().await {
        let redis = RedisCache::new(&url(), &prefix()).unwrap();
        rule(&LayeredCache::new(MemoryCache::new(1 << 20), redis)).await;
    }
}

/// A queue under a fresh prefix, and a second handle on it with its own connection.
async fn with_streams_queue(rule: Rule<QueueFixture>) {
    if redis_up().await {
        let (url, prefix) = (url(), prefix());
        let connect = || RedisStreamsQueue::connect(&url, &prefix, 2);
        rule(&QueueFixture {
            queue: Box::new(connect().await.unwrap()),
            second: Box::new(connect().await.unwrap()),
        })
        .await;
    }
}

mod redis {
    marketlens_adapters::cache_contract_tests!(crate::with_redis_cache);
}

mod layered {
    marketlens_adapters::cache_contract_tests!(crate::with_layered_cache);
}

mod redis_streams {
    marketlens_adapters::queue_contract_tests!(crate::with_streams_queue);
}

#[tokio::test]
async fn cache_keys_are_namespaced_by_level() {
    if !redis_up().await {
        return;
    }
    let p = prefix();
    let cache = RedisCache::new(&url(), &p).unwrap();
    cache
        .put(
            CacheLevel::LlmOutput,
            "fp:v1:model",
            b"x".to_vec(),
            Duration::from_secs(30),
        )
        .await;
    let client = ::redis::Client::open(url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let key = format!("{p}:cache:llm_output:fp:v1:model");
    let (value, ttl): (Option<Vec<u8>>, i64) = ::redis::pipe()
        .get(&key)
        .pttl(&key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(value.as_deref(), Some(&b"x"[..]));
    assert!((1..=30_000).contains(&ttl), "written with its TTL: {ttl}");
}

#[tokio::test]
async fn a_redis_hit_refills_memory_and_is_counted_per_level() {
    if !redis_up().await {
        return;
    }
    let p = prefix();
    let level = CacheLevel::AnalysisResult;
    // Another process wrote the entry: only Redis has it.
    RedisCache::new(&url(), &p)
        .unwrap()
        .put(level, "k", b"shared".to_vec(), Duration::from_secs(30))
        .await;
    let layered = LayeredCache::new(
        MemoryCache::new(1 << 20),
        RedisCache::new(&url(), &p).unwrap(),
    );
    assert_eq!(
        layered.get(level, "k").await.as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(
        layered.get(level, "k").await.as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(layered.get(level, "absent").await, None);
    let row = |tier: &str| {
        layered
            .stats()
            .into_iter()
            .find(|r| r.tier == tier && r.level == level.as_str())
            .unwrap()
    };
    // get 1: memory miss, redis hit (refill); get 2: memory hit; get 3: both miss.
    assert_eq!((row("memory").hits, row("memory").misses), (1, 2));
    assert_eq!((row("redis").hits, row("redis").misses), (1, 1));
    let other = layered
        .stats()
        .into_iter()
        .find(|r| r.tier == "redis" && r.level == "collected_products")
        .unwrap();
    assert_eq!(
        (other.hits, other.misses),
        (0, 0),
        "levels are counted apart"
    );
}

#[tokio::test]
async fn a_refilled_entry_expires_with_the_shared_one() {
    if !redis_up().await {
        return;
    }
    let p = prefix();
    let level = CacheLevel::CollectedProducts;
    RedisCache::new(&url(), &p)
        .unwrap()
        .put(level, "k", b"v".to_vec(), Duration::from_millis(400))
        .await;
    let layered = LayeredCache::new(
        MemoryCache::new(1 << 20),
        RedisCache::new(&url(), &p).unwrap(),
    );
    assert!(layered.get(level, "k").await.is_some());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        layered.get(level, "k").await,
        None,
        "memory kept the copy only for the time Redis had left"
    );
}

#[tokio::test]
async fn a_cache_without_redis_is_memory_only_and_quick() {
    let layered = LayeredCache::new(
        MemoryCache::new(1 << 20),
        RedisCache::new(&dead_url(), &prefix()).unwrap(),
    );
    let started = Instant::now();
    let level = CacheLevel::AnalysisResult;
    assert_eq!(layered.get(level, "k").await, None);
    layered
        .put(level, "k", b"v".to_vec(), Duration::from_secs(30))
        .await;
    assert_eq!(layered.get(level, "k").await.as_deref(), Some(&b"v"[..]));
    for i in 0..50 {
        assert_eq!(layered.get(level, &format!("m{i}")).await, None);
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "an outage costs at most a short deadline, then Redis is skipped: {:?}",
        started.elapsed()
    );
    let down = layered.ping().await;
    assert!(down.is_err(), "ping says Redis is down");
    assert!(layered.redis().errors() >= 1);
}

#[tokio::test]
async fn a_queue_without_redis_refuses_to_start_quickly() {
    let started = Instant::now();
    let err = RedisStreamsQueue::connect(&dead_url(), &prefix(), 3)
        .await
        .unwrap_err();
    assert!(matches!(err, QueueError::Unavailable(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_dead_workers_consumer_is_forgotten_when_its_job_is_taken_over() {
    if !redis_up().await {
        return;
    }
    let p = prefix();
    let queue = RedisStreamsQueue::connect(&url(), &p, 3).await.unwrap();
    queue
        .enqueue(Uuid::new_v4(), &JobPayload::default())
        .await
        .unwrap();
    let lost = queue
        .claim("dead-worker", Duration::from_millis(50))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let job = queue
        .claim("live-worker", Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((job.job_id, job.attempt), (lost.job_id, 2));
    let client = ::redis::Client::open(url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let consumers: Vec<Vec<::redis::Value>> = ::redis::cmd("XINFO")
        .arg("CONSUMERS")
        .arg(format!("{p}:queue:stream"))
        .arg("workers")
        .query_async(&mut conn)
        .await
        .unwrap();
    let names: Vec<String> = consumers
        .iter()
        .map(|fields| match &fields[1] {
            ::redis::Value::BulkString(b) => String::from_utf8_lossy(b).into_owned(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["live-worker"], "the dead worker's consumer is gone");
    queue.complete(&job, "live-worker").await.unwrap();
}
