//! The one HTTP layer every live source fetches through, so politeness and robustness
//! live in one place rather than in each source:
//!
//! - **SSRF guard** ([`guard`]): non-public targets refused after DNS resolution and on
//!   every redirect hop, unless `allow_private_hosts` names them.
//! - **robots.txt** ([`robots`]): fetched once per origin, cached, obeyed (per source
//!   `respect_robots`, on by default), with an honest User-Agent and a contact.
//! - **Per-host limits**: a concurrency cap and a minimum interval between request
//!   starts, widened adaptively on 429/503 (and by `Crawl-delay`), narrowed again on
//!   success.
//! - **Retries**: timeouts, connection failures, 408, 429 and 5xx are retried with
//!   exponential backoff and full jitter, honouring `Retry-After`, bounded both in
//!   count (`max_retries`) and in total time (`retry_budget_ms`).
//! - **Circuit breaker** per host: after `circuit_failure_threshold` consecutive
//!   failures the host is skipped for `circuit_cooldown_secs`, then one trial request
//!   decides whether it closes again.
//! - **Bounded responses**: connect and total timeouts, a body cap (after gzip/brotli
//!   decompression, so a compression bomb is cut too), at most `max_redirects` hops,
//!   and charset detection ([`body`]).

pub mod body;
pub mod guard;
pub mod robots;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use marketlens_core::ErrorType;
use marketlens_core::ports::SourceError;
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;
use url::Url;

use guard::{AllowList, GuardedResolver};
use robots::Robots;

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
    /// only for a local demo shop or tests. Empty by default.
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
    /// Checks ranges; the message names the field.
    pub fn validate(&self) -> Result<(), String> {
        let range = |name: &str, v: u64, lo: u64, hi: u64| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(format!("http.{name} = {v} is outside {lo}..={hi}"))
            }
        };
        range("connect_timeout_ms", self.connect_timeout_ms, 1, 120_000)?;
        range("request_timeout_ms", self.request_timeout_ms, 1, 600_000)?;
        range(
            "max_body_bytes",
            self.max_body_bytes as u64,
            1_024,
            100 << 20,
        )?;
        range("max_redirects", self.max_redirects.into(), 0, 20)?;
        range("max_retries", self.max_retries.into(), 0, 10)?;
        range("retry_base_delay_ms", self.retry_base_delay_ms, 0, 60_000)?;
        range("retry_max_delay_ms", self.retry_max_delay_ms, 0, 300_000)?;
        range("retry_budget_ms", self.retry_budget_ms, 1, 3_600_000)?;
        range(
            "per_host_concurrency",
            self.per_host_concurrency.into(),
            1,
            64,
        )?;
        range("min_interval_ms", self.min_interval_ms, 0, 60_000)?;
        range("max_slowdown", self.max_slowdown.into(), 1, 1_000)?;
        range("robots_cache_secs", self.robots_cache_secs, 0, 7 * 86_400)?;
        range(
            "circuit_failure_threshold",
            self.circuit_failure_threshold.into(),
            1,
            1_000,
        )?;
        range(
            "circuit_cooldown_secs",
            self.circuit_cooldown_secs,
            0,
            86_400,
        )?;
        if let Some(c) = &self.contact
            && (c.trim().is_empty() || c.len() > 200 || c.chars().any(|ch| ch.is_control()))
        {
            return Err("http.contact must be 1–200 printable characters".into());
        }
        Ok(())
    }

    fn user_agent(&self) -> String {
        let version = env!("CARGO_PKG_VERSION");
        match &self.contact {
            Some(c) => format!("marketlens/{version} (+{c})"),
            None => format!("marketlens/{version} (market-analysis crawler)"),
        }
    }
}

/// The product token robots.txt groups are matched against.
pub const ROBOTS_TOKEN: &str = "marketlens";

/// Why a fetch failed. `kind` is stable (logs, `extract` output, tests).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {url}: {message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub url: String,
    pub message: String,
    /// Requests sent for this fetch (0 when refused before sending).
    pub attempts: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    InvalidUrl,
    /// The SSRF guard refused the target.
    Blocked,
    RobotsDisallowed,
    CircuitOpen,
    Timeout,
    TooLarge,
    TooManyRedirects,
    /// A final non-success status (after retries for retryable ones).
    Status(u16),
    Transport,
}

impl std::fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchErrorKind::InvalidUrl => f.write_str("invalid_url"),
            FetchErrorKind::Blocked => f.write_str("blocked"),
            FetchErrorKind::RobotsDisallowed => f.write_str("robots_disallowed"),
            FetchErrorKind::CircuitOpen => f.write_str("circuit_open"),
            FetchErrorKind::Timeout => f.write_str("timeout"),
            FetchErrorKind::TooLarge => f.write_str("too_large"),
            FetchErrorKind::TooManyRedirects => f.write_str("too_many_redirects"),
            FetchErrorKind::Status(s) => write!(f, "status_{s}"),
            FetchErrorKind::Transport => f.write_str("transport"),
        }
    }
}

impl From<FetchError> for SourceError {
    fn from(e: FetchError) -> Self {
        let error_type = match e.kind {
            FetchErrorKind::Timeout => ErrorType::SourceTimeout,
            _ => ErrorType::SourceFailed,
        };
        SourceError::new(error_type, e.to_string())
    }
}

/// A fetched page, decoded.
#[derive(Debug, Clone)]
pub struct Page {
    /// Where the content came from, after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub text: String,
    /// Body size before decoding (after decompression).
    pub bytes: usize,
    pub charset: &'static str,
    /// Requests sent, retries and redirect hops included.
    pub attempts: u32,
}

/// Counters of what the layer did, for tests and logs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpStats {
    pub requests: u64,
    pub retries: u64,
    pub blocked: u64,
    pub robots_disallowed: u64,
    pub circuit_rejections: u64,
    pub slowdowns: u64,
}

#[derive(Debug)]
struct Pace {
    next_start: Instant,
    slowdown: f64,
    crawl_delay: Duration,
}

#[derive(Debug, Default)]
struct Breaker {
    consecutive_failures: u32,
    open_until: Option<Instant>,
    /// While half-open, one trial request is in flight.
    trial_in_flight: bool,
}

#[derive(Debug)]
struct Host {
    permits: Semaphore,
    pace: Mutex<Pace>,
    breaker: Mutex<Breaker>,
    robots: tokio::sync::Mutex<Option<(Instant, Arc<Robots>)>>,
}

/// Upper bound on hosts remembered: hosts without requests in flight are forgotten
/// beyond it, so following links across many hosts cannot grow memory without end.
const MAX_HOSTS: usize = 1_024;

/// The shared client. Cheap to clone; one per source.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: Arc<HttpConfig>,
    allow: Arc<AllowList>,
    hosts: Arc<Mutex<HashMap<String, Arc<Host>>>>,
    stats: Arc<Mutex<HttpStats>>,
}

static CRYPTO: Once = Once::new();

/// Installs rustls' `ring` provider as the process default, once. The workspace builds
/// reqwest with rustls but without a provider of its own (that would be aws-lc-rs, a
/// second and much heavier crypto stack), so every process must call this before it
/// builds any reqwest client — [`crate::build_sources`] does, and so does every
/// [`HttpClient`]; a test that builds a bare `reqwest::Client` first calls it too.
pub fn install_crypto_provider() {
    CRYPTO.call_once(|| {
        // Err only when another provider is already installed: that one is kept.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// Classified outcome of one attempt.
enum Attempt {
    Done(reqwest::StatusCode, reqwest::header::HeaderMap, Vec<u8>),
    Retry {
        error: FetchError,
        retry_after: Option<Duration>,
        breaker_failure: bool,
    },
    Fail(FetchError),
}

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<Self, String> {
        config.validate()?;
        install_crypto_provider();
        let allow = Arc::new(AllowList::new(&config.allow_private_hosts));
        let inner = reqwest::Client::builder()
            .user_agent(config.user_agent())
            .connect_timeout(Duration::from_millis(config.connect_timeout_ms))
            .timeout(Duration::from_millis(config.request_timeout_ms))
            // Redirects are followed here, hop by hop, so each one is checked.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: allow.clone(),
            }))
            .pool_max_idle_per_host(config.per_host_concurrency as usize)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self {
            inner,
            config: Arc::new(config),
            allow,
            hosts: Arc::new(Mutex::new(HashMap::new())),
            stats: Arc::new(Mutex::new(HttpStats::default())),
        })
    }

    pub fn config(&self) -> &HttpConfig {
        &self.config
    }

    pub fn stats(&self) -> HttpStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn count(&self, f: impl FnOnce(&mut HttpStats)) {
        if let Ok(mut s) = self.stats.lock() {
            f(&mut s);
        }
    }

    fn host(&self, url: &Url) -> Arc<Host> {
        let key = host_key(url);
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if hosts.len() >= MAX_HOSTS && !hosts.contains_key(&key) {
            hosts.retain(|_, h| Arc::strong_count(h) > 1);
        }
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    permits: Semaphore::new(self.config.per_host_concurrency as usize),
                    pace: Mutex::new(Pace {
                        next_start: Instant::now(),
                        slowdown: 1.0,
                        crawl_delay: Duration::ZERO,
                    }),
                    breaker: Mutex::new(Breaker::default()),
                    robots: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }

    /// Fetches `url` (GET), following redirects, with every policy of this module.
    pub async fn get(&self, url: &str) -> Result<Page, FetchError> {
        let mut current = Url::parse(url).map_err(|e| FetchError {
            kind: FetchErrorKind::InvalidUrl,
            url: url.chars().take(200).collect(),
            message: e.to_string(),
            attempts: 0,
        })?;
        let deadline = Instant::now() + Duration::from_millis(self.config.retry_budget_ms);
        let mut attempts = 0;
        let mut hops = 0;
        loop {
            self.check_target(&current, attempts).await?;
            let (status, headers, bytes, sent) = self
                .fetch_with_retries(&current, deadline)
                .await
                .map_err(|mut e| {
                    e.attempts += attempts;
                    e
                })?;
            attempts += sent;
            if status.is_redirection()
                && let Some(location) = headers
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
            {
                hops += 1;
                if hops > self.config.max_redirects {
                    return Err(FetchError {
                        kind: FetchErrorKind::TooManyRedirects,
                        url: current.to_string(),
                        message: format!("more than {} redirects", self.config.max_redirects),
                        attempts,
                    });
                }
                current = current.join(location).map_err(|e| FetchError {
                    kind: FetchErrorKind::InvalidUrl,
                    url: current.to_string(),
                    message: format!("bad redirect location: {e}"),
                    attempts,
                })?;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError {
                    kind: FetchErrorKind::Status(status.as_u16()),
                    url: current.to_string(),
                    message: format!("HTTP {status}"),
                    attempts,
                });
            }
            let content_type = headers
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let (text, charset) = body::decode(&bytes, content_type.as_deref());
            return Ok(Page {
                url: current,
                status: status.as_u16(),
                content_type,
                text,
                bytes: bytes.len(),
                charset,
                attempts,
            });
        }
    }

    /// Scheme, SSRF (literal addresses) and robots.txt checks of one hop.
    async fn check_target(&self, url: &Url, attempts: u32) -> Result<(), FetchError> {
        if let Err(message) = guard::check_url(url, &self.allow) {
            self.count(|s| s.blocked += 1);
            return Err(FetchError {
                kind: FetchErrorKind::Blocked,
                url: url.to_string(),
                message,
                attempts,
            });
        }
        if self.config.respect_robots {
            let robots = self.robots_for(url).await.map_err(|mut e| {
                e.attempts += attempts;
                e
            })?;
            let mut path = url.path().to_owned();
            if let Some(q) = url.query() {
                path.push('?');
                path.push_str(q);
            }
            if !robots.allowed(&path) {
                self.count(|s| s.robots_disallowed += 1);
                return Err(FetchError {
                    kind: FetchErrorKind::RobotsDisallowed,
                    url: url.to_string(),
                    message: "disallowed by robots.txt".into(),
                    attempts,
                });
            }
        }
        Ok(())
    }

    /// The cached robots.txt of `url`'s origin, fetching it when missing or expired.
    /// A refused or circuit-broken host is an error of its own, not "disallowed".
    async fn robots_for(&self, url: &Url) -> Result<Arc<Robots>, FetchError> {
        let host = self.host(url);
        // Held while fetching, so concurrent requests to a new host fetch it once.
        let mut slot = host.robots.lock().await;
        let ttl = Duration::from_secs(self.config.robots_cache_secs);
        if let Some((at, robots)) = slot.as_ref()
            && at.elapsed() < ttl
        {
            return Ok(robots.clone());
        }
        let mut robots_url = url.clone();
        robots_url.set_path("/robots.txt");
        robots_url.set_query(None);
        robots_url.set_fragment(None);
        let deadline = Instant::now() + Duration::from_millis(self.config.retry_budget_ms);
        let robots = match self.fetch_with_retries(&robots_url, deadline).await {
            Ok((status, _, bytes, _)) if status.is_success() => {
                let bytes = &bytes[..bytes.len().min(robots::MAX_ROBOTS_BYTES)];
                Robots::parse(&String::from_utf8_lossy(bytes), ROBOTS_TOKEN)
            }
            // Redirects are not followed for robots.txt; 4xx means "no rules".
            Ok((status, _, _, _)) if status.is_client_error() || status.is_redirection() => {
                Robots::allow_all()
            }
            Ok(_) => Robots::disallow_all(),
            // Unreachable, timed out, 5xx after retries, refused, circuit open: the page
            // is not fetched (RFC 9309: assume complete disallow) and the error says
            // why, keeping its kind (a timeout stays a timeout). Not cached: the next
            // fetch asks again, and the circuit breaker bounds what that costs.
            Err(mut e) => {
                e.message = format!("robots.txt unavailable, page not fetched: {}", e.message);
                return Err(e);
            }
        };
        let robots = Arc::new(robots);
        if let Some(delay) = robots.crawl_delay
            && let Ok(mut pace) = host.pace.lock()
        {
            pace.crawl_delay = delay;
        }
        *slot = Some((Instant::now(), robots.clone()));
        Ok(robots)
    }

    /// One hop with retries. Returns status, headers, body and requests sent.
    async fn fetch_with_retries(
        &self,
        url: &Url,
        deadline: Instant,
    ) -> Result<
        (
            reqwest::StatusCode,
            reqwest::header::HeaderMap,
            Vec<u8>,
            u32,
        ),
        FetchError,
    > {
        let host = self.host(url);
        let mut sent = 0u32;
        let mut attempt = 0;
        loop {
            self.enter_breaker(&host, url, sent)?;
            let outcome = {
                let _permit = host.permits.acquire().await.map_err(|_| FetchError {
                    kind: FetchErrorKind::Transport,
                    url: url.to_string(),
                    message: "client shut down".into(),
                    attempts: sent,
                })?;
                self.wait_turn(&host).await;
                sent += 1;
                self.count(|s| s.requests += 1);
                self.attempt(url).await
            };
            let (error, retry_after, breaker_failure) = match outcome {
                Attempt::Done(status, headers, body) => {
                    self.breaker_result(&host, true);
                    self.relax(&host);
                    return Ok((status, headers, body, sent));
                }
                Attempt::Fail(mut e) => {
                    // Not the host's fault (too large, blocked): the breaker is unchanged
                    // but a half-open trial slot is released.
                    self.breaker_release(&host);
                    e.attempts = sent;
                    return Err(e);
                }
                Attempt::Retry {
                    error,
                    retry_after,
                    breaker_failure,
                } => (error, retry_after, breaker_failure),
            };
            if breaker_failure {
                self.breaker_result(&host, false);
            } else {
                self.breaker_release(&host);
            }
            let last = attempt == self.config.max_retries;
            let backoff = self.backoff(attempt);
            let wait = retry_after.map_or(backoff, |ra| ra.max(backoff));
            if last || Instant::now() + wait > deadline {
                return Err(FetchError {
                    attempts: sent,
                    message: if !last {
                        format!("{} (retry budget exhausted)", error.message)
                    } else {
                        error.message
                    },
                    ..error
                });
            }
            attempt += 1;
            self.count(|s| s.retries += 1);
            tracing::debug!(url = %url, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Full-jitter exponential backoff: uniform in [0, min(max, base·2^attempt)].
    fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .config
            .retry_base_delay_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.config.retry_max_delay_ms);
        Duration::from_millis(fastrand::u64(0..=cap))
    }

    /// Sends one request and reads its body under the size cap.
    async fn attempt(&self, url: &Url) -> Attempt {
        let timeout = Duration::from_millis(self.config.request_timeout_ms);
        let make_err = |kind, message: String| FetchError {
            kind,
            url: url.to_string(),
            message,
            attempts: 0,
        };
        let run = async {
            let mut resp = match self.inner.get(url.clone()).send().await {
                Ok(r) => r,
                Err(e) => return Err(e),
            };
            let status = resp.status();
            let headers = resp.headers().clone();
            let cap = self.config.max_body_bytes;
            if resp.content_length().is_some_and(|n| n > cap as u64) {
                return Ok(None);
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await? {
                if body.len() + chunk.len() > cap {
                    return Ok(None);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(Some((status, headers, body)))
        };
        match tokio::time::timeout(timeout, run).await {
            Err(_) => Attempt::Retry {
                error: make_err(
                    FetchErrorKind::Timeout,
                    format!("no complete answer within {} ms", timeout.as_millis()),
                ),
                retry_after: None,
                breaker_failure: true,
            },
            Ok(Err(e)) => {
                if let Some(refusal) = guard::refusal_in(&e) {
                    self.count(|s| s.blocked += 1);
                    return Attempt::Fail(make_err(FetchErrorKind::Blocked, refusal));
                }
                let kind = if e.is_timeout() {
                    FetchErrorKind::Timeout
                } else {
                    FetchErrorKind::Transport
                };
                Attempt::Retry {
                    error: make_err(kind, error_chain(&e)),
                    retry_after: None,
                    breaker_failure: true,
                }
            }
            // None: the body went over the cap (not retried: it would again).
            Ok(Ok(None)) => Attempt::Fail(make_err(
                FetchErrorKind::TooLarge,
                format!("body over {} bytes", self.config.max_body_bytes),
            )),
            Ok(Ok(Some((status, headers, body)))) => {
                let code = status.as_u16();
                if code == 429 || code == 503 {
                    self.slow_down(url);
                }
                if code == 408 || code == 429 || status.is_server_error() {
                    Attempt::Retry {
                        error: make_err(FetchErrorKind::Status(code), format!("HTTP {status}")),
                        retry_after: retry_after(&headers),
                        // Being told to slow down is not the host failing.
                        breaker_failure: code != 429,
                    }
                } else {
                    Attempt::Done(status, headers, body)
                }
            }
        }
    }

    /// Waits until this host's next start slot, and books the one after it.
    async fn wait_turn(&self, host: &Host) {
        let start = {
            let mut pace = host.pace.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let start = pace.next_start.max(now);
            let interval = Duration::from_millis(self.config.min_interval_ms)
                .mul_f64(pace.slowdown)
                .max(pace.crawl_delay);
            pace.next_start = start + interval;
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }

    /// 429/503: double the interval factor (capped).
    fn slow_down(&self, url: &Url) {
        let host = self.host(url);
        let mut pace = host.pace.lock().unwrap_or_else(|p| p.into_inner());
        pace.slowdown = (pace.slowdown * 2.0).min(f64::from(self.config.max_slowdown));
        self.count(|s| s.slowdowns += 1);
    }

    /// Success: let the factor decay back towards 1.
    fn relax(&self, host: &Host) {
        let mut pace = host.pace.lock().unwrap_or_else(|p| p.into_inner());
        pace.slowdown = (pace.slowdown * 0.75).max(1.0);
    }

    fn enter_breaker(&self, host: &Host, url: &Url, sent: u32) -> Result<(), FetchError> {
        let mut b = host.breaker.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(until) = b.open_until {
            let now = Instant::now();
            // Open, or half-open with its one trial already out.
            if now < until || b.trial_in_flight {
                drop(b);
                self.count(|s| s.circuit_rejections += 1);
                let left = until.saturating_duration_since(now).as_secs();
                return Err(FetchError {
                    kind: FetchErrorKind::CircuitOpen,
                    url: url.to_string(),
                    message: format!("host skipped after repeated failures (retry in {left}s)"),
                    attempts: sent,
                });
            }
            b.trial_in_flight = true;
        }
        Ok(())
    }

    fn breaker_result(&self, host: &Host, ok: bool) {
        let mut b = host.breaker.lock().unwrap_or_else(|p| p.into_inner());
        b.trial_in_flight = false;
        if ok {
            b.consecutive_failures = 0;
            b.open_until = None;
        } else {
            b.consecutive_failures = b.consecutive_failures.saturating_add(1);
            // A failed half-open trial reopens at once; otherwise the threshold opens it.
            if b.open_until.is_some()
                || b.consecutive_failures >= self.config.circuit_failure_threshold
            {
                b.open_until =
                    Some(Instant::now() + Duration::from_secs(self.config.circuit_cooldown_secs));
                tracing::warn!(failures = b.consecutive_failures, "circuit opened");
            }
        }
    }

    fn breaker_release(&self, host: &Host) {
        let mut b = host.breaker.lock().unwrap_or_else(|p| p.into_inner());
        b.trial_in_flight = false;
    }
}

/// `host:port` (port defaulted by scheme): the unit of politeness.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(86_400)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    let mut n = 0;
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
        n += 1;
        if n > 8 {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests;
