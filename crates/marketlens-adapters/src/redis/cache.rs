//! [`Cache`] on Redis: the level shared by every API and worker process.
//!
//! Keys are `<prefix>:cache:<level>:<key>` and each entry is written with its own TTL
//! (`SET … PX`, milliseconds, so short TTLs are not rounded to zero). The cache is
//! best effort: when Redis is down or slow a read is a miss and a write is dropped,
//! each bounded by a short deadline, and after a failure Redis is left alone for a
//! moment so that an outage does not add a timeout to every request. [`Cache::ping`]
//! is where the outage shows (readiness says "degraded").

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ::redis::aio::ConnectionManager;
use async_trait::async_trait;
use marketlens_core::ports::{Cache, CacheError, CacheLevel, CacheStats};

use super::{RedisError, bounded, lazy_manager};
use crate::cache_counters::LevelCounters;

/// How long one cache command may take. A cache that answers slower than this is
/// not worth waiting for: the caller has the source of truth to fall back on.
const CACHE_DEADLINE: Duration = Duration::from_millis(300);
/// After a failed command, reads and writes skip Redis for this long.
const BACKOFF: Duration = Duration::from_secs(1);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The shared cache level on Redis.
pub struct RedisCache {
    conn: ConnectionManager,
    prefix: String,
    counters: LevelCounters,
    /// Unix ms before which Redis is skipped (0: not backing off).
    skip_until_ms: AtomicU64,
    /// Failed commands, for logs and tests.
    errors: AtomicU64,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.prefix)
            .field("errors", &self.errors.load(Ordering::Relaxed))
            .finish()
    }
}

impl RedisCache {
    /// Does not connect: a Redis that is down at start-up leaves the cache degraded,
    /// not the process stopped. Fails only on a malformed URL.
    pub fn new(url: &str, prefix: &str) -> Result<Self, RedisError> {
        Ok(Self {
            conn: lazy_manager(url, CACHE_DEADLINE)?,
            prefix: prefix.to_owned(),
            counters: LevelCounters::default(),
            skip_until_ms: AtomicU64::new(0),
            errors: AtomicU64::new(0),
        })
    }

    fn key(&self, level: CacheLevel, key: &str) -> String {
        format!("{}:cache:{}:{key}", self.prefix, level.as_str())
    }

    fn backing_off(&self) -> bool {
        now_ms() < self.skip_until_ms.load(Ordering::Relaxed)
    }

    fn failed(&self, what: &str, error: &RedisError) {
        let first = self.skip_until_ms.load(Ordering::Relaxed) == 0;
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.skip_until_ms
            .store(now_ms() + BACKOFF.as_millis() as u64, Ordering::Relaxed);
        // Once per outage at warn level, not once per request.
        if first {
            tracing::warn!(%error, "redis cache {what} failed; serving without the shared level");
        } else {
            tracing::debug!(%error, "redis cache {what} failed");
        }
    }

    fn succeeded(&self) {
        if self.skip_until_ms.swap(0, Ordering::Relaxed) != 0 {
            tracing::info!("redis cache is back");
        }
    }

    /// The value and how long it has left to live, so an upper level can keep its
    /// copy no longer than the shared one.
    pub async fn get_with_ttl(&self, level: CacheLevel, key: &str) -> Option<(Vec<u8>, Duration)> {
        let found = self.fetch(level, key).await;
        self.counters.record(level, found.is_some());
        found
    }

    async fn fetch(&self, level: CacheLevel, key: &str) -> Option<(Vec<u8>, Duration)> {
        if self.backing_off() {
            return None;
        }
        let key = self.key(level, key);
        let mut pipe = ::redis::pipe();
        pipe.get(&key).pttl(&key);
        let pipe = &pipe;
        let answer: Result<(Option<Vec<u8>>, i64), RedisError> =
            bounded(CACHE_DEADLINE, &self.conn, |mut c| async move {
                pipe.query_async(&mut c).await
            })
            .await;
        match answer {
            Ok((value, pttl)) => {
                self.succeeded();
                // PTTL is -2 when the key expired between the two commands and -1
                // without an expiry (not written by us): neither is a usable entry.
                let ttl = u64::try_from(pttl).ok().filter(|&ms| ms > 0)?;
                value.map(|v| (v, Duration::from_millis(ttl)))
            }
            Err(e) => {
                self.failed("read", &e);
                None
            }
        }
    }

    /// Commands that failed or timed out since start.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
}

#[async_trait]
impl Cache for RedisCache {
    fn backend(&self) -> &'static str {
        "redis"
    }

    async fn get(&self, level: CacheLevel, key: &str) -> Option<Vec<u8>> {
        self.get_with_ttl(level, key).await.map(|(v, _)| v)
    }

    async fn put(&self, level: CacheLevel, key: &str, value: Vec<u8>, ttl: Duration) {
        let ms = ttl.as_millis().min(u128::from(u64::MAX)) as u64;
        if ms == 0 || self.backing_off() {
            return;
        }
        let mut set = ::redis::cmd("SET");
        set.arg(self.key(level, key)).arg(value).arg("PX").arg(ms);
        let set = &set;
        let written: Result<(), RedisError> =
            bounded(CACHE_DEADLINE, &self.conn, |mut c| async move {
                set.query_async(&mut c).await
            })
            .await;
        match written {
            Ok(()) => self.succeeded(),
            Err(e) => self.failed("write", &e),
        }
    }

    fn stats(&self) -> Vec<CacheStats> {
        self.counters.snapshot("redis")
    }

    /// Asks Redis even while backing off: readiness must see the recovery.
    async fn ping(&self) -> Result<(), CacheError> {
        self.check()
            .await
            .map_err(|e| CacheError::Unavailable(e.to_string()))
    }
}

impl RedisCache {
    /// Whether Redis answers `PING` (what [`Cache::ping`] reports).
    pub async fn check(&self) -> Result<(), RedisError> {
        let pong: String = bounded(CACHE_DEADLINE, &self.conn, |mut c| async move {
            ::redis::cmd("PING").query_async(&mut c).await
        })
        .await?;
        self.succeeded();
        if pong == "PONG" {
            Ok(())
        } else {
            Err(RedisError::UnexpectedReply(format!(
                "PING answered {pong:?}"
            )))
        }
    }
}
