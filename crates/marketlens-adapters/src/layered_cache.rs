//! [`LayeredCache`]: the in-process [`MemoryCache`] in front of the shared
//! [`RedisCache`].
//!
//! Reads try memory first, then Redis; a Redis hit refills memory for the time the
//! shared entry has left, so no process keeps a copy longer than its TTL allows.
//! Writes go to both. When Redis is down the memory level keeps working alone.

use std::time::Duration;

use async_trait::async_trait;
use marketlens_core::ports::{Cache, CacheError, CacheLevel, CacheStats};

use crate::memory_cache::MemoryCache;
use crate::redis::RedisCache;

#[derive(Debug)]
pub struct LayeredCache {
    memory: MemoryCache,
    redis: RedisCache,
}

impl LayeredCache {
    pub fn new(memory: MemoryCache, redis: RedisCache) -> Self {
        Self { memory, redis }
    }

    pub fn redis(&self) -> &RedisCache {
        &self.redis
    }
}

#[async_trait]
impl Cache for LayeredCache {
    fn backend(&self) -> &'static str {
        "memory+redis"
    }

    async fn get(&self, level: CacheLevel, key: &str) -> Option<Vec<u8>> {
        if let Some(v) = self.memory.get(level, key).await {
            return Some(v);
        }
        let (value, ttl) = self.redis.get_with_ttl(level, key).await?;
        self.memory.put(level, key, value.clone(), ttl).await;
        Some(value)
    }

    async fn put(&self, level: CacheLevel, key: &str, value: Vec<u8>, ttl: Duration) {
        // Redis first: once it has the entry, other processes see it even if this one
        // stops before the memory write.
        self.redis.put(level, key, value.clone(), ttl).await;
        self.memory.put(level, key, value, ttl).await;
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.redis.ping().await
    }

    /// Per tier (`memory`, then `redis`) and TTL level. A read that misses memory and
    /// hits Redis counts a memory miss and a Redis hit; the refill is not a read.
    fn stats(&self) -> Vec<CacheStats> {
        let mut rows = self.memory.stats();
        rows.extend(self.redis.stats());
        rows
    }
}
