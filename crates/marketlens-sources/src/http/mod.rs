//! The one HTTP layer every live source fetches through, so politeness and robustness
//! live in one place rather than in each source. [`HttpClient::get`] runs one fetch:
//! for each hop (the first URL, then each redirect) the target is checked, then sent
//! with retries, each attempt paced and guarded by the host's circuit breaker. Each
//! policy is a module of its own:
//!
//! - **SSRF guard** ([`guard`]): non-public targets refused after DNS resolution and on
//!   every redirect hop, unless `allow_private_hosts` names them.
//! - **robots.txt** ([`robots`]): fetched once per origin, cached, obeyed (per source
//!   `respect_robots`, on by default), with an honest User-Agent and a contact.
//! - **Pacing** ([`pacing`]): per host, a concurrency cap and a minimum interval between
//!   request starts, widened adaptively on 429/503 (and by `Crawl-delay`), narrowed
//!   again on success.
//! - **Retries** ([`retry`]): timeouts, connection failures, 408, 429 and 5xx are
//!   retried with exponential backoff and full jitter, honouring `Retry-After`, bounded
//!   both in count (`max_retries`) and in total time (`retry_budget_ms`).
//! - **Circuit breaker** ([`breaker`]) per host: after `circuit_failure_threshold`
//!   consecutive failures the host is skipped for `circuit_cooldown_secs`, then one
//!   trial request decides whether it closes again.
//! - **Bounded responses**: connect and total timeouts, a body cap (after gzip/brotli
//!   decompression, so a compression bomb is cut too), at most `max_redirects` hops,
//!   and charset detection ([`body`]).
//!
//! Settings are [`HttpConfig`] ([`config`]); failures are [`FetchError`] ([`error`]).

pub mod body;
pub mod breaker;
pub mod config;
pub mod error;
pub mod guard;
mod host;
pub mod pacing;
pub mod retry;
pub mod robots;
pub mod tape;

use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

use url::Url;

pub use config::HttpConfig;
pub use error::{FetchError, FetchErrorKind, HttpClientError};
use guard::{AllowList, GuardedResolver};
use host::{Host, Hosts};
use retry::{Decision, RetryPolicy};
use robots::Robots;
use tape::Tape;

/// The product token robots.txt groups are matched against.
pub const ROBOTS_TOKEN: &str = "marketlens";

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

/// The shared client. Cheap to clone; one per source.
#[derive(Clone)]
pub struct HttpClient {
    inner: reqwest::Client,
    config: Arc<HttpConfig>,
    allow: Arc<AllowList>,
    hosts: Arc<Hosts>,
    retry: RetryPolicy,
    stats: Arc<Mutex<HttpStats>>,
    /// Recording or replaying fetches ([`tape`]); `None` for an ordinary client.
    tape: Option<TapeMode>,
}

/// What a client does with a [`Tape`].
#[derive(Clone, Debug)]
pub enum TapeMode {
    /// Fetch as usual and keep every outcome on the tape.
    Record(Arc<Tape>),
    /// Answer every fetch from the tape; nothing goes on the network.
    Replay(Arc<Tape>),
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
        /// Whether it counts against the host's circuit breaker.
        host_failure: bool,
    },
    Fail(FetchError),
}

impl HttpClient {
    pub fn new(config: HttpConfig) -> Result<Self, HttpClientError> {
        Self::with_tape(config, None)
    }

    /// A client that records its fetches on a tape, or answers them from one.
    pub fn with_tape(config: HttpConfig, tape: Option<TapeMode>) -> Result<Self, HttpClientError> {
        config.validate()?;
        install_crypto_provider();
        let allow = Arc::new(AllowList::parse(&config.allow_private_hosts).map_err(|e| {
            crate::settings::SettingError::invalid("http.allow_private_hosts", e.to_string())
        })?);
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
            .map_err(HttpClientError::Build)?;
        Ok(Self {
            inner,
            retry: RetryPolicy::new(&config),
            config: Arc::new(config),
            allow,
            hosts: Arc::new(Hosts::default()),
            stats: Arc::new(Mutex::new(HttpStats::default())),
            tape,
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
        self.hosts.get(url, &self.config)
    }

    /// Fetches `url` (GET), following redirects, with every policy of this module; in
    /// replay mode, answers from the tape instead.
    pub async fn get(&self, url: &str) -> Result<Page, FetchError> {
        match &self.tape {
            None => self.fetch(url).await,
            Some(TapeMode::Replay(tape)) => {
                self.count(|s| s.requests += 1);
                tape.replay(url)
            }
            Some(TapeMode::Record(tape)) => {
                let outcome = self.fetch(url).await;
                tape.record(url, &outcome);
                outcome
            }
        }
    }

    async fn fetch(&self, url: &str) -> Result<Page, FetchError> {
        let mut current = Url::parse(url).map_err(|e| FetchError {
            kind: FetchErrorKind::InvalidUrl,
            url: url.chars().take(200).collect(),
            message: e.to_string(),
            attempts: 0,
        })?;
        let deadline = Instant::now() + Duration::from_millis(self.config.retry_budget_ms);
        let mut attempts = 0;
        let mut hops = 0;
        let start = current.clone();
        loop {
            self.check_target(&current, &start, attempts).await?;
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

    /// Scheme, SSRF (literal addresses, ports of allowed private hosts) and robots.txt
    /// checks of one hop of a fetch that started at `start`.
    async fn check_target(&self, url: &Url, start: &Url, attempts: u32) -> Result<(), FetchError> {
        if let Err(refusal) = guard::check_url(url, start, &self.allow) {
            self.count(|s| s.blocked += 1);
            return Err(FetchError {
                kind: FetchErrorKind::Blocked,
                url: url.to_string(),
                message: refusal.to_string(),
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
        if let Some(delay) = robots.crawl_delay {
            host.pacer.set_crawl_delay(delay);
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
            if let Err(open) = host.breaker.enter(Instant::now()) {
                self.count(|s| s.circuit_rejections += 1);
                return Err(FetchError {
                    kind: FetchErrorKind::CircuitOpen,
                    url: url.to_string(),
                    message: format!(
                        "host skipped after repeated failures (retry in {}s)",
                        open.retry_in.as_secs()
                    ),
                    attempts: sent,
                });
            }
            let outcome = {
                let _permit = host.pacer.permit().await.map_err(|_| FetchError {
                    kind: FetchErrorKind::Transport,
                    url: url.to_string(),
                    message: "client shut down".into(),
                    attempts: sent,
                })?;
                host.pacer.wait_turn().await;
                sent += 1;
                self.count(|s| s.requests += 1);
                self.attempt(url, &host).await
            };
            let (error, retry_after, host_failure) = match outcome {
                Attempt::Done(status, headers, body) => {
                    host.breaker.record(true, Instant::now());
                    host.pacer.relax();
                    return Ok((status, headers, body, sent));
                }
                Attempt::Fail(mut e) => {
                    // Not the host's fault (too large, blocked).
                    host.breaker.release();
                    e.attempts = sent;
                    return Err(e);
                }
                Attempt::Retry {
                    error,
                    retry_after,
                    host_failure,
                } => (error, retry_after, host_failure),
            };
            if host_failure {
                host.breaker.record(false, Instant::now());
            } else {
                host.breaker.release();
            }
            let wait = match self
                .retry
                .decide(attempt, retry_after, Instant::now(), deadline)
            {
                Decision::Retry(wait) => wait,
                Decision::GiveUp { budget_exhausted } => {
                    return Err(FetchError {
                        attempts: sent,
                        message: if budget_exhausted {
                            format!("{} (retry budget exhausted)", error.message)
                        } else {
                            error.message
                        },
                        ..error
                    });
                }
            };
            attempt += 1;
            self.count(|s| s.retries += 1);
            tracing::debug!(url = %url, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// Sends one request and reads its body under the size cap.
    async fn attempt(&self, url: &Url, host: &Host) -> Attempt {
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
                host_failure: true,
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
                    host_failure: true,
                }
            }
            // None: the body went over the cap (not retried: it would again).
            Ok(Ok(None)) => Attempt::Fail(make_err(
                FetchErrorKind::TooLarge,
                format!("body over {} bytes", self.config.max_body_bytes),
            )),
            Ok(Ok(Some((status, headers, body)))) => {
                let code = status.as_u16();
                if pacing::asks_to_slow_down(code) {
                    host.pacer.slow_down();
                    self.count(|s| s.slowdowns += 1);
                }
                if retry::is_retryable(status) {
                    Attempt::Retry {
                        error: make_err(FetchErrorKind::Status(code), format!("HTTP {status}")),
                        retry_after: retry::retry_after(&headers),
                        host_failure: breaker::is_host_failure(code),
                    }
                } else {
                    Attempt::Done(status, headers, body)
                }
            }
        }
    }
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
