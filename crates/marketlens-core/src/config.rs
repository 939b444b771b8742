//! The agent configuration: which sources run, thresholds, TTLs, queue policy.
//!
//! Parsed from TOML (the documented default is `config/agent.toml`, compiled in) and
//! validated as a whole before anything runs. Source-specific `settings` are validated
//! by the source implementation that owns them.

use serde::{Deserialize, Serialize};

use crate::domain::{CurrencyCode, MAX_PRODUCTS_LIMIT, Market};

/// The built-in default configuration text.
pub const DEFAULT_AGENT_TOML: &str = include_str!("../../../config/agent.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid TOML or has unknown/mistyped keys: {0}")]
    Syntax(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub defaults: RequestDefaults,
    pub pipeline: PipelineSettings,
    pub cache: CacheTtls,
    pub queue: QueuePolicy,
    pub thresholds: Thresholds,
    pub sources: Vec<SourceEntry>,
}

/// Parameters used when a request leaves them out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestDefaults {
    pub currency: CurrencyCode,
    pub market: Market,
    pub max_products: u32,
}

impl Default for RequestDefaults {
    fn default() -> Self {
        Self {
            currency: CurrencyCode::EUR,
            market: Market::parse("FR").expect("valid literal"),
            max_products: 50,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSettings {
    pub source_timeout_secs: u64,
    pub analysis_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheTtls {
    pub collected_products_ttl_secs: u64,
    pub analysis_result_ttl_secs: u64,
    pub llm_output_ttl_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueuePolicy {
    pub max_attempts: u32,
    pub lease_secs: u64,
    pub retry_backoff_secs: u64,
}

impl QueuePolicy {
    /// Delay before retry number `attempt` (1-based): exponential, capped below the
    /// lease so a retry never waits longer than redelivery would.
    pub fn retry_delay_secs(&self, attempt: u32) -> u64 {
        let exp = self
            .retry_backoff_secs
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(16));
        exp.min(self.lease_secs.saturating_sub(1))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub sentiment_positive: f64,
    pub sentiment_negative: f64,
    pub outlier_robust_z: f64,
    pub min_reviews: u32,
    pub best_value_max: u32,
    pub seller_avoid_sentiment: f64,
    pub aspect_watch_negative_share: f64,
}

/// One configured source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// Name used in requests and reports.
    pub name: String,
    /// Implementation: `catalog` (more kinds arrive as new source files).
    pub kind: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Overrides `pipeline.source_timeout_secs` for this source.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// The kind's own settings, validated by the source implementation.
    #[serde(default)]
    pub settings: toml::Table,
}

fn yes() -> bool {
    true
}

impl AgentConfig {
    pub fn builtin() -> Self {
        Self::from_toml_str(DEFAULT_AGENT_TOML).expect("the built-in configuration is valid")
    }

    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        let config: AgentConfig =
            toml::from_str(text).map_err(|e| ConfigError::Syntax(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !(1..=MAX_PRODUCTS_LIMIT).contains(&self.defaults.max_products) {
            return bad(format!(
                "defaults.max_products must be between 1 and {MAX_PRODUCTS_LIMIT}"
            ));
        }
        if self.pipeline.source_timeout_secs == 0 || self.pipeline.analysis_timeout_secs == 0 {
            return bad("pipeline timeouts must be at least 1 second".into());
        }
        let c = &self.cache;
        if c.collected_products_ttl_secs == 0
            || c.analysis_result_ttl_secs == 0
            || c.llm_output_ttl_secs == 0
        {
            return bad("cache TTLs must be at least 1 second".into());
        }
        let q = &self.queue;
        if q.max_attempts == 0 || q.max_attempts > 20 {
            return bad("queue.max_attempts must be between 1 and 20".into());
        }
        if q.retry_backoff_secs >= q.lease_secs {
            return bad("queue.retry_backoff_secs must be shorter than queue.lease_secs".into());
        }
        let t = &self.thresholds;
        let in_unit = |v: f64| v.is_finite() && (-1.0..=1.0).contains(&v);
        if !in_unit(t.sentiment_positive)
            || !in_unit(t.sentiment_negative)
            || t.sentiment_negative > t.sentiment_positive
        {
            return bad(
                "thresholds.sentiment_negative <= sentiment_positive, both within -1..1".into(),
            );
        }
        if !(t.outlier_robust_z.is_finite() && t.outlier_robust_z > 0.0) {
            return bad("thresholds.outlier_robust_z must be positive".into());
        }
        if !in_unit(t.seller_avoid_sentiment) {
            return bad("thresholds.seller_avoid_sentiment must be within -1..1".into());
        }
        if !(t.aspect_watch_negative_share.is_finite()
            && (0.0..=1.0).contains(&t.aspect_watch_negative_share))
        {
            return bad("thresholds.aspect_watch_negative_share must be within 0..1".into());
        }
        if t.best_value_max == 0 {
            return bad("thresholds.best_value_max must be at least 1".into());
        }
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            crate::domain::SourceName::parse(&s.name)
                .map_err(|e| ConfigError::Invalid(format!("source name: {}", e.message)))?;
            if !names.insert(s.name.as_str()) {
                return bad(format!("source {:?} is configured twice", s.name));
            }
            if s.timeout_secs == Some(0) {
                return bad(format!(
                    "source {:?}: timeout_secs must be at least 1",
                    s.name
                ));
            }
        }
        if !self.sources.iter().any(|s| s.enabled) {
            return bad("at least one source must be enabled".into());
        }
        Ok(())
    }

    /// Names of the enabled sources, in configuration order.
    pub fn enabled_source_names(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Content hash of the configuration's meaning (not its formatting or comments):
    /// two files that parse to the same settings share a version.
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        blake3::hash(&bytes).to_hex()[..16].to_owned()
    }

    /// The configuration as TOML (comments are not kept).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_config_is_valid_and_enables_catalog() {
        let c = AgentConfig::builtin();
        assert_eq!(c.enabled_source_names(), ["catalog"]);
        assert_eq!(c.defaults.currency, CurrencyCode::EUR);
    }

    #[test]
    fn hash_ignores_comments_and_formatting() {
        let a = AgentConfig::builtin();
        let b = AgentConfig::from_toml_str(&a.to_toml()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.content_hash(), b.content_hash());
        let mut c = a.clone();
        c.thresholds.min_reviews += 1;
        assert_ne!(a.content_hash(), c.content_hash());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let base = DEFAULT_AGENT_TOML;
        let cases = [
            base.replace("[defaults]", "[defaults]\ncolour = \"blue\""),
            base.replace("currency = \"EUR\"", "currency = \"EURO\""),
            base.replace("max_attempts = 3", "max_attempts = 0"),
            base.replace("retry_backoff_secs = 5", "retry_backoff_secs = 500"),
            base.replace("sentiment_negative = -0.05", "sentiment_negative = 0.5"),
            base.replace("enabled = true", "enabled = false"),
            base.replace("name = \"catalog\"", "name = \"Bad Name\""),
            format!("{base}\n[[sources]]\nname = \"catalog\"\nkind = \"catalog\"\n"),
            "not toml at all [".to_string(),
        ];
        for text in cases {
            assert!(AgentConfig::from_toml_str(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn retry_delay_doubles_and_stays_below_lease() {
        let q = QueuePolicy {
            max_attempts: 5,
            lease_secs: 60,
            retry_backoff_secs: 5,
        };
        assert_eq!(q.retry_delay_secs(1), 5);
        assert_eq!(q.retry_delay_secs(2), 10);
        assert_eq!(q.retry_delay_secs(3), 20);
        assert_eq!(q.retry_delay_secs(10), 59);
    }
}
