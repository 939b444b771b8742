//! [`Cache`] in process memory (moka), bounded in bytes, with a TTL per entry.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use marketlens_core::ports::{Cache, CacheLevel, CacheStats};
use moka::Expiry;

use crate::cache_counters::LevelCounters;

type Key = (CacheLevel, String);

#[derive(Clone)]
struct Entry {
    // Shared so that moka's internal clones do not copy the bytes.
    value: Arc<[u8]>,
    ttl: Duration,
}

/// Each entry lives for the TTL it was put with; reading does not extend it, and
/// overwriting restarts it with the new TTL.
struct PerEntryTtl;

impl Expiry<Key, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _: &Key, value: &Entry, _: Instant) -> Option<Duration> {
        Some(value.ttl)
    }

    fn expire_after_update(
        &self,
        _: &Key,
        value: &Entry,
        _: Instant,
        _: Option<Duration>,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

/// An in-process cache. Entries are weighed by key and value length, so
/// `max_bytes` bounds the memory the cached data takes (moka's bookkeeping aside).
#[derive(Clone)]
pub struct MemoryCache {
    inner: moka::future::Cache<Key, Entry>,
    counters: Arc<LevelCounters>,
}

impl std::fmt::Debug for MemoryCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryCache")
            .field("entries", &self.inner.entry_count())
            .field("bytes", &self.inner.weighted_size())
            .finish()
    }
}

impl MemoryCache {
    pub fn new(max_bytes: u64) -> Self {
        let inner = moka::future::Cache::builder()
            .max_capacity(max_bytes)
            .weigher(|(_, key): &Key, entry: &Entry| {
                u32::try_from(key.len() + entry.value.len()).unwrap_or(u32::MAX)
            })
            .expire_after(PerEntryTtl)
            .build();
        Self {
            inner,
            counters: Arc::default(),
        }
    }
}

#[async_trait]
impl Cache for MemoryCache {
    fn backend(&self) -> &'static str {
        "memory"
    }

    async fn get(&self, level: CacheLevel, key: &str) -> Option<Vec<u8>> {
        let found = self
            .inner
            .get(&(level, key.to_owned()))
            .await
            .map(|e| e.value.to_vec());
        self.counters.record(level, found.is_some());
        found
    }

    async fn put(&self, level: CacheLevel, key: &str, value: Vec<u8>, ttl: Duration) {
        let entry = Entry {
            value: value.into(),
            ttl,
        };
        self.inner.insert((level, key.to_owned()), entry).await;
    }

    fn stats(&self) -> Vec<CacheStats> {
        self.counters.snapshot("memory")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn stays_within_its_byte_budget() {
        let cache = MemoryCache::new(10_000);
        for i in 0..100 {
            cache
                .put(
                    CacheLevel::LlmOutput,
                    &format!("k{i}"),
                    vec![0u8; 1_000],
                    Duration::from_secs(60),
                )
                .await;
        }
        cache.inner.run_pending_tasks().await;
        assert!(cache.inner.weighted_size() <= 10_000, "{cache:?}");
        assert!(cache.inner.entry_count() > 0);
    }

    #[tokio::test]
    async fn an_entry_larger_than_the_budget_is_not_kept() {
        let cache = MemoryCache::new(100);
        cache
            .put(
                CacheLevel::AnalysisResult,
                "big",
                vec![1; 1_000],
                Duration::from_secs(60),
            )
            .await;
        cache.inner.run_pending_tasks().await;
        assert_eq!(cache.get(CacheLevel::AnalysisResult, "big").await, None);
    }
}
