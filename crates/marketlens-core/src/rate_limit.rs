//! A token bucket: the per-key request rate limit of the API.
//!
//! Pure arithmetic on instants the caller passes in, so it is tested without a clock:
//! the bucket holds up to `burst` tokens, refills at `per_second`, and each request
//! takes one. An empty bucket says how long until the next token (the `Retry-After`
//! of a `429`).

use std::time::{Duration, Instant};

/// How fast a key may call: `per_second` sustained, `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl RateLimit {
    /// Whether it limits anything (a zero rate or burst means "no limit").
    pub fn is_enabled(&self) -> bool {
        self.per_second > 0.0 && self.burst > 0
    }
}

/// One key's bucket.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    tokens: f64,
    updated: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn full(limit: RateLimit, now: Instant) -> Self {
        TokenBucket {
            tokens: f64::from(limit.burst),
            updated: now,
        }
    }

    /// Takes one token at `now`; when there is none, how long until there is.
    pub fn take(&mut self, limit: RateLimit, now: Instant) -> Result<(), Duration> {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * limit.per_second).min(f64::from(limit.burst));
        self.updated = now.max(self.updated);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            let missing = 1.0 - self.tokens;
            Err(Duration::from_secs_f64(missing / limit.per_second))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_refills_it() {
        let limit = RateLimit {
            per_second: 2.0,
            burst: 3,
        };
        let t0 = Instant::now();
        let mut bucket = TokenBucket::full(limit, t0);
        for _ in 0..3 {
            assert!(bucket.take(limit, t0).is_ok());
        }
        let wait = bucket.take(limit, t0).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        // Half a second later exactly one token is back.
        let t1 = t0 + Duration::from_millis(500);
        assert!(bucket.take(limit, t1).is_ok());
        assert!(bucket.take(limit, t1).is_err());
        // Never more than the burst, however long it waited.
        let t2 = t1 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(bucket.take(limit, t2).is_ok());
        }
        assert!(bucket.take(limit, t2).is_err());
    }

    #[test]
    fn an_instant_before_the_last_one_adds_nothing() {
        let limit = RateLimit {
            per_second: 1.0,
            burst: 1,
        };
        let t0 = Instant::now() + Duration::from_secs(10);
        let mut bucket = TokenBucket::full(limit, t0);
        assert!(bucket.take(limit, t0).is_ok());
        assert!(bucket.take(limit, t0 - Duration::from_secs(5)).is_err());
    }
}
