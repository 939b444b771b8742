//! The cache and queue contracts against Redis (127.0.0.1:6379, or
//! `MARKETLENS_TEST_REDIS_URL`), each test under its own random key prefix so that
//! runs in parallel (and other users of the server) never see each other's keys.
//! Skipped when Redis is unreachable, unless `MARKETLENS_REQUIRE_SERVICES=1`.

use std::time::{Duration, Instant};

use marketlens_adapters::contract::queue::{QueueFixture, claim_and_abandon};
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
    format!("redis://127.0.0.1:{}/", contract::free_port())
}

/// The level of the entry [`layered_over_shared_entry`] writes, under key "k".
const SHARED_LEVEL: CacheLevel = CacheLevel::AnalysisResult;

/// A layered cache (memory in front of Redis, under a fresh prefix) where another
/// process has written `value` at ([`SHARED_LEVEL`], "k") for `ttl`: only Redis has
/// it. `None` when Redis is unreachable.
async fn layered_over_shared_entry(value: &[u8], ttl: Duration) -> Option<LayeredCache> {
    if !redis_up().await {
        return None;
    }
    let p = prefix();
    let other_process = RedisCache::new(&url(), &p).unwrap();
    other_process
        .put(SHARED_LEVEL, "k", value.to_vec(), ttl)
        .await;
    let redis = RedisCache::new(&url(), &p).unwrap();
    Some(LayeredCache::new(MemoryCache::new(1 << 20), redis))
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
    let Some(layered) = layered_over_shared_entry(b"shared", Duration::from_secs(30)).await else {
        return;
    };
    assert_eq!(
        layered.get(SHARED_LEVEL, "k").await.as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(
        layered.get(SHARED_LEVEL, "k").await.as_deref(),
        Some(&b"shared"[..])
    );
    assert_eq!(layered.get(SHARED_LEVEL, "absent").await, None);
    let row = |tier: &str| {
        layered
            .stats()
            .into_iter()
            .find(|r| r.tier == tier && r.level == SHARED_LEVEL.as_str())
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
    let Some(layered) = layered_over_shared_entry(b"v", Duration::from_millis(400)).await else {
        return;
    };
    assert!(layered.get(SHARED_LEVEL, "k").await.is_some());
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(
        layered.get(SHARED_LEVEL, "k").await,
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
    let lost = claim_and_abandon(&queue, "dead-worker").await;
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

marketlens_adapters::contract_suites! {
    redis: cache_contract_tests(crate::with_redis_cache);
    layered: cache_contract_tests(crate::with_layered_cache);
    redis_streams: queue_contract_tests(crate::with_streams_queue);
}
