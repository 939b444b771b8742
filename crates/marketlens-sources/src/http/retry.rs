//! When a failed request is tried again, and after how long.
//!
//! Timeouts, connection failures, 408, 429 and 5xx are retried (anything else would
//! fail the same way again). The wait is exponential backoff with full jitter — uniform
//! in `[0, min(retry_max_delay_ms, retry_base_delay_ms · 2^attempt)]`, so clients that
//! failed together do not come back together — or the server's `Retry-After` when that
//! is longer. Retries stop after `max_retries`, or as soon as the next wait would end
//! past the fetch's deadline (`retry_budget_ms`): a long `Retry-After` ends the fetch
//! rather than holding it.

use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use super::HttpConfig;

/// Whether an answer with this status is worth asking again.
pub(crate) fn is_retryable(status: StatusCode) -> bool {
    status.as_u16() == 408 || status.as_u16() == 429 || status.is_server_error()
}

/// `Retry-After`: delay-seconds (at most a day) or an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let v = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs.min(86_400)));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Wait this long, then try again.
    Retry(Duration),
    /// Stop: the last allowed attempt failed, or (`budget_exhausted`) the wait would
    /// end past the deadline.
    GiveUp { budget_exhausted: bool },
}

/// The retry settings of one client.
#[derive(Debug, Clone)]
pub(crate) struct RetryPolicy {
    max_retries: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
}

impl RetryPolicy {
    pub(crate) fn new(config: &HttpConfig) -> Self {
        Self {
            max_retries: config.max_retries,
            base_delay_ms: config.retry_base_delay_ms,
            max_delay_ms: config.retry_max_delay_ms,
        }
    }

    /// The longest backoff after failed attempt `attempt` (0 = the first request).
    fn backoff_cap_ms(&self, attempt: u32) -> u64 {
        self.base_delay_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_delay_ms)
    }

    /// Full jitter: uniform in `[0, cap]`.
    fn backoff(&self, attempt: u32) -> Duration {
        Duration::from_millis(fastrand::u64(0..=self.backoff_cap_ms(attempt)))
    }

    /// After failed attempt `attempt` (0 = the first request), at `now`, with the
    /// server's `Retry-After` if it sent one.
    pub(crate) fn decide(
        &self,
        attempt: u32,
        retry_after: Option<Duration>,
        now: Instant,
        deadline: Instant,
    ) -> Decision {
        if attempt >= self.max_retries {
            return Decision::GiveUp {
                budget_exhausted: false,
            };
        }
        let backoff = self.backoff(attempt);
        let wait = retry_after.map_or(backoff, |ra| ra.max(backoff));
        if now + wait > deadline {
            Decision::GiveUp {
                budget_exhausted: true,
            }
        } else {
            Decision::Retry(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(max_retries: u32) -> RetryPolicy {
        RetryPolicy::new(&HttpConfig {
            max_retries,
            retry_base_delay_ms: 100,
            retry_max_delay_ms: 1_000,
            ..HttpConfig::default()
        })
    }

    #[test]
    fn the_backoff_cap_doubles_per_attempt_up_to_the_maximum() {
        let p = policy(10);
        let caps: Vec<u64> = (0..6).map(|a| p.backoff_cap_ms(a)).collect();
        assert_eq!(caps, [100, 200, 400, 800, 1_000, 1_000]);
        assert_eq!(p.backoff_cap_ms(u32::MAX), 1_000, "no overflow");
    }

    #[test]
    fn the_jittered_wait_stays_within_the_cap_and_varies() {
        let p = policy(10);
        let waits: Vec<Duration> = (0..200).map(|_| p.backoff(3)).collect();
        assert!(waits.iter().all(|w| *w <= Duration::from_millis(800)));
        let first = waits[0];
        assert!(
            waits.iter().any(|w| *w != first),
            "full jitter, not a constant"
        );
    }

    #[test]
    fn retry_after_is_a_floor_on_the_wait() {
        let p = policy(3);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(60);
        let d = p.decide(0, Some(Duration::from_secs(5)), now, deadline);
        assert_eq!(d, Decision::Retry(Duration::from_secs(5)));
    }

    #[test]
    fn the_last_allowed_attempt_gives_up() {
        let p = policy(2);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(60);
        assert!(matches!(
            p.decide(1, None, now, deadline),
            Decision::Retry(_)
        ));
        assert_eq!(
            p.decide(2, None, now, deadline),
            Decision::GiveUp {
                budget_exhausted: false
            }
        );
        assert_eq!(
            policy(0).decide(0, None, now, deadline),
            Decision::GiveUp {
                budget_exhausted: false
            }
        );
    }

    #[test]
    fn a_wait_past_the_deadline_exhausts_the_budget() {
        let p = policy(3);
        let now = Instant::now();
        let deadline = now + Duration::from_secs(1);
        assert_eq!(
            p.decide(0, Some(Duration::from_secs(2)), now, deadline),
            Decision::GiveUp {
                budget_exhausted: true
            }
        );
    }

    #[test]
    fn timeouts_throttling_and_server_errors_are_retryable() {
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
        for code in [200, 301, 400, 403, 404, 410] {
            assert!(!is_retryable(StatusCode::from_u16(code).unwrap()), "{code}");
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(7)));
        h.insert(RETRY_AFTER, "999999999".parse().unwrap());
        assert_eq!(retry_after(&h), Some(Duration::from_secs(86_400)));
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&h), Some(Duration::ZERO));
        h.insert(RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&h), None);
    }
}
