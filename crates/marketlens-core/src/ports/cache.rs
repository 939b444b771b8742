use std::time::Duration;

use async_trait::async_trait;

use crate::ErrorType;

/// A cache backend that does not answer. Reads and writes never fail (they degrade to
/// misses), so only readiness sees it.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache unavailable: {0}")]
    Unavailable(String),
}

impl CacheError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            CacheError::Unavailable(_) => ErrorType::Unavailable,
        }
    }
}

/// The cache levels of the design, each with its own TTL from the agent config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheLevel {
    /// What a source returned for a fingerprint (short TTL).
    CollectedProducts,
    /// A finished analysis for a fingerprint (medium TTL).
    AnalysisResult,
    /// LLM outputs keyed by fingerprint + prompt_version + model (long TTL).
    LlmOutput,
}

impl CacheLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            CacheLevel::CollectedProducts => "collected_products",
            CacheLevel::AnalysisResult => "analysis_result",
            CacheLevel::LlmOutput => "llm_output",
        }
    }
}

/// A best-effort key-value cache with per-entry TTL. A cache never fails a request:
/// an unavailable backend behaves as a miss.
#[async_trait]
pub trait Cache: Send + Sync {
    /// Backend name for health and metrics (`memory`, `redis`, …).
    fn backend(&self) -> &'static str;
    async fn get(&self, level: CacheLevel, key: &str) -> Option<Vec<u8>>;
    async fn put(&self, level: CacheLevel, key: &str, value: Vec<u8>, ttl: Duration);
    /// Whether the backend answers, for readiness. Since a cache never fails a
    /// request, this is the only place an outage shows; in-process caches are always
    /// up.
    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }
    /// Hits and misses so far, per tier and TTL level (for metrics).
    fn stats(&self) -> Vec<CacheStats> {
        Vec::new()
    }
}

/// Hit and miss counts of one cache tier (`memory`, `redis`) and TTL level.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CacheStats {
    pub tier: &'static str,
    /// [`CacheLevel::as_str`].
    pub level: &'static str,
    pub hits: u64,
    pub misses: u64,
}
