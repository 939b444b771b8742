//! The HTTP settings of a live source (`[sources.settings.http]`), checked when the
//! source is built.

use std::ops::RangeInclusive;

use serde::{Deserialize, Serialize};

use crate::settings::{SettingError, check_range};

/// HTTP settings of a live source (`[sources.settings.http]`). Every field has a
/// default suited to polite scraping of a public shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// How site owners can reach whoever runs this crawler (a URL or an e-mail
    /// address); sent in the User-Agent as `marketlens/<version> (+<contact>)`.
    pub contact: Option<String>,
    /// Time to establish a connection (TCP + TLS), in milliseconds. Default 5000.
    pub connect_timeout_ms: u64,
    /// Time for one whole request, body included, in milliseconds. Default 15000.
    pub request_timeout_ms: u64,
    /// Largest response body accepted (decompressed), in bytes. Default 5 MiB.
    pub max_body_bytes: usize,
    /// Redirect hops followed; each hop is re-checked by the SSRF guard and robots.txt.
    /// Default 5.
    pub max_redirects: u32,
    /// Retries after the first attempt on timeouts, connection errors, 408, 429 and 5xx.
    /// Default 3.
    pub max_retries: u32,
    /// First backoff delay, doubled per retry (full jitter), in milliseconds. Default 500.
    pub retry_base_delay_ms: u64,
    /// Largest single backoff delay, in milliseconds. Default 10000.
    pub retry_max_delay_ms: u64,
    /// Total time one fetch may spend, retries and waits included, in milliseconds; a
    /// `Retry-After` beyond it ends the fetch rather than waiting. Default 30000.
    pub retry_budget_ms: u64,
    /// Requests in flight at once to one host. Default 2.
    pub per_host_concurrency: u32,
    /// Minimum time between request starts to one host, in milliseconds. Default 500.
    pub min_interval_ms: u64,
    /// Cap of the adaptive slow-down factor applied to `min_interval_ms` after 429/503
    /// answers (doubles per answer, decays on success). Default 16.
    pub max_slowdown: u32,
    /// Fetch and obey robots.txt. Default true.
    pub respect_robots: bool,
    /// How long a robots.txt is reused, in seconds. Default 3600.
    pub robots_cache_secs: u64,
    /// Consecutive failures that open a host's circuit. Default 5.
    pub circuit_failure_threshold: u32,
    /// How long an open circuit skips its host, in seconds. Default 60.
    pub circuit_cooldown_secs: u64,
    /// Hosts (names or IP literals) allowed to resolve to loopback/private addresses:
    /// only for a local demo shop or tests. Empty by default. An entry may name a port
    /// (`127.0.0.1:8080`, `[::1]:8080`): then only the listed ports of that host are
    /// fetched. A bare host is fetched at the port a fetch starts from; a redirect to
    /// another port of it is refused unless that port is listed.
    pub allow_private_hosts: Vec<String>,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            contact: None,
            connect_timeout_ms: 5_000,
            request_timeout_ms: 15_000,
            max_body_bytes: 5 * 1024 * 1024,
            max_redirects: 5,
            max_retries: 3,
            retry_base_delay_ms: 500,
            retry_max_delay_ms: 10_000,
            retry_budget_ms: 30_000,
            per_host_concurrency: 2,
            min_interval_ms: 500,
            max_slowdown: 16,
            respect_robots: true,
            robots_cache_secs: 3_600,
            circuit_failure_threshold: 5,
            circuit_cooldown_secs: 60,
            allow_private_hosts: Vec::new(),
        }
    }
}

impl HttpConfig {
    /// Checks every range; the error names the setting (`http.max_retries`, …).
    pub fn validate(&self) -> Result<(), SettingError> {
        // One row per setting: name, value, allowed range.
        #[rustfmt::skip]
        let ranges: [(&'static str, u64, RangeInclusive<u64>); 14] = [
            ("http.connect_timeout_ms", self.connect_timeout_ms, 1..=120_000),
            ("http.request_timeout_ms", self.request_timeout_ms, 1..=600_000),
            ("http.max_body_bytes", self.max_body_bytes as u64, 1_024..=100 << 20),
            ("http.max_redirects", self.max_redirects.into(), 0..=20),
            ("http.max_retries", self.max_retries.into(), 0..=10),
            ("http.retry_base_delay_ms", self.retry_base_delay_ms, 0..=60_000),
            ("http.retry_max_delay_ms", self.retry_max_delay_ms, 0..=300_000),
            ("http.retry_budget_ms", self.retry_budget_ms, 1..=3_600_000),
            ("http.per_host_concurrency", self.per_host_concurrency.into(), 1..=64),
            ("http.min_interval_ms", self.min_interval_ms, 0..=60_000),
            ("http.max_slowdown", self.max_slowdown.into(), 1..=1_000),
            ("http.robots_cache_secs", self.robots_cache_secs, 0..=7 * 86_400),
            ("http.circuit_failure_threshold", self.circuit_failure_threshold.into(), 1..=1_000),
            ("http.circuit_cooldown_secs", self.circuit_cooldown_secs, 0..=86_400),
        ];
        for (setting, value, allowed) in ranges {
            check_range(setting, value, allowed)?;
        }
        if let Err(e) = super::guard::AllowList::parse(&self.allow_private_hosts) {
            return Err(SettingError::invalid(
                "http.allow_private_hosts",
                e.to_string(),
            ));
        }
        if let Some(c) = &self.contact
            && (c.trim().is_empty() || c.len() > 200 || c.chars().any(|ch| ch.is_control()))
        {
            return Err(SettingError::invalid(
                "http.contact",
                "must be 1–200 printable characters",
            ));
        }
        Ok(())
    }

    pub(super) fn user_agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match &self.contact {
            Some(c) => format!("marketlens/{version} (+{c})"),
            None => format!("marketlens/{version} (market-analysis crawler)"),
        }
    }
}
