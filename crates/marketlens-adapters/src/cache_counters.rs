//! Hit and miss counters per TTL level, kept by each cache tier for its
//! [`Cache::stats`](marketlens_core::ports::Cache::stats): lock-free, so counting
//! costs a read nothing noticeable.

use std::sync::atomic::{AtomicU64, Ordering};

use marketlens_core::ports::{CacheLevel, CacheStats};

const LEVELS: [CacheLevel; 3] = [
    CacheLevel::CollectedProducts,
    CacheLevel::AnalysisResult,
    CacheLevel::LlmOutput,
];

fn level_index(level: CacheLevel) -> usize {
    match level {
        CacheLevel::CollectedProducts => 0,
        CacheLevel::AnalysisResult => 1,
        CacheLevel::LlmOutput => 2,
    }
}

/// Hit and miss counters per TTL level of one cache tier.
#[derive(Debug, Default)]
pub struct LevelCounters {
    hits: [AtomicU64; 3],
    misses: [AtomicU64; 3],
}

impl LevelCounters {
    pub fn record(&self, level: CacheLevel, hit: bool) {
        let counters = if hit { &self.hits } else { &self.misses };
        counters[level_index(level)].fetch_add(1, Ordering::Relaxed);
    }

    /// One row per level, for `tier` (`memory`, `redis`).
    pub fn snapshot(&self, tier: &'static str) -> Vec<CacheStats> {
        LEVELS
            .iter()
            .map(|&level| CacheStats {
                tier,
                level: level.as_str(),
                hits: self.hits[level_index(level)].load(Ordering::Relaxed),
                misses: self.misses[level_index(level)].load(Ordering::Relaxed),
            })
            .collect()
    }
}
