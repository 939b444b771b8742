//! Circuit breaker per host: a shop that keeps failing is left alone for a while
//! instead of being hammered with requests that will fail too.
//!
//! Closed (normal) → after `circuit_failure_threshold` consecutive failures, open: every
//! request to the host is refused at once for `circuit_cooldown_secs`. Then half-open:
//! one trial request goes through (others are still refused); its success closes the
//! circuit, its failure reopens it for another cooldown. Being told to slow down (429)
//! is not the host failing, and neither is a refusal of ours (body too large, SSRF
//! guard): those leave the count as it is.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Whether a retryable status counts as the host failing: everything but 429, which
/// only asks us to slow down.
pub(crate) fn is_host_failure(status: u16) -> bool {
    status != 429
}

/// A request refused because the host's circuit is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CircuitOpen {
    /// Time left until the circuit lets a trial request through (zero while half-open
    /// with the trial out).
    pub(crate) retry_in: Duration,
}

/// The breaker of one host.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    threshold: u32,
    cooldown: Duration,
    state: Mutex<BreakerState>,
}

#[derive(Debug, Default)]
struct BreakerState {
    consecutive_failures: u32,
    /// Set while open or half-open.
    open_until: Option<Instant>,
    /// While half-open, one trial request is in flight.
    trial_in_flight: bool,
}

impl CircuitBreaker {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Self {
        Self {
            threshold,
            cooldown,
            state: Mutex::new(BreakerState::default()),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, BreakerState> {
        // Every update leaves the state consistent: a poisoned lock is still usable.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether a request may be sent at `now`. Once the cooldown is over the request
    /// that asks first becomes the trial; it must be followed by [`Self::record`] or
    /// [`Self::release`].
    pub(crate) fn enter(&self, now: Instant) -> Result<(), CircuitOpen> {
        let mut b = self.state();
        if let Some(until) = b.open_until {
            // Open, or half-open with its one trial already out.
            if now < until || b.trial_in_flight {
                return Err(CircuitOpen {
                    retry_in: until.saturating_duration_since(now),
                });
            }
            b.trial_in_flight = true;
        }
        Ok(())
    }

    /// The outcome of a request that reached the host (or failed to).
    pub(crate) fn record(&self, ok: bool, now: Instant) {
        let mut b = self.state();
        b.trial_in_flight = false;
        if ok {
            b.consecutive_failures = 0;
            b.open_until = None;
        } else {
            b.consecutive_failures = b.consecutive_failures.saturating_add(1);
            // A failed half-open trial reopens at once; otherwise the threshold opens it.
            if b.open_until.is_some() || b.consecutive_failures >= self.threshold {
                b.open_until = Some(now + self.cooldown);
                tracing::warn!(failures = b.consecutive_failures, "circuit opened");
            }
        }
    }

    /// A request that says nothing about the host's health ended: the count is
    /// unchanged, but a half-open trial slot is free again.
    pub(crate) fn release(&self) {
        self.state().trial_in_flight = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOLDOWN: Duration = Duration::from_secs(60);

    fn breaker() -> (CircuitBreaker, Instant) {
        (CircuitBreaker::new(3, COOLDOWN), Instant::now())
    }

    /// A breaker opened by three failures, and the instant its cooldown ends.
    fn cooled_down() -> (CircuitBreaker, Instant) {
        let (b, t0) = breaker();
        for _ in 0..3 {
            b.record(false, t0);
        }
        (b, t0 + COOLDOWN)
    }

    #[test]
    fn opens_after_the_threshold_of_consecutive_failures() {
        let (b, t0) = breaker();
        for _ in 0..2 {
            b.enter(t0).unwrap();
            b.record(false, t0);
        }
        assert!(b.enter(t0).is_ok(), "two failures leave it closed");
        b.record(false, t0);
        let open = b.enter(t0 + Duration::from_secs(1)).unwrap_err();
        assert_eq!(open.retry_in, Duration::from_secs(59));
    }

    #[test]
    fn a_success_resets_the_count() {
        let (b, t0) = breaker();
        b.record(false, t0);
        b.record(false, t0);
        b.record(true, t0);
        b.record(false, t0);
        b.record(false, t0);
        assert!(b.enter(t0).is_ok());
    }

    #[test]
    fn after_the_cooldown_one_trial_goes_through_and_its_success_closes() {
        let (b, later) = cooled_down();
        assert!(b.enter(later).is_ok(), "the trial");
        let second = b.enter(later).unwrap_err();
        assert_eq!(second.retry_in, Duration::ZERO, "one trial at a time");
        b.record(true, later);
        assert!(
            b.enter(later).is_ok() && b.enter(later).is_ok(),
            "closed again"
        );
    }

    #[test]
    fn a_failed_trial_reopens_at_once() {
        let (b, later) = cooled_down();
        b.enter(later).unwrap();
        b.record(false, later);
        let open = b.enter(later).unwrap_err();
        assert_eq!(open.retry_in, COOLDOWN);
    }

    #[test]
    fn a_released_trial_lets_the_next_request_try() {
        let (b, later) = cooled_down();
        b.enter(later).unwrap();
        b.release();
        assert!(b.enter(later).is_ok());
    }

    #[test]
    fn being_told_to_slow_down_is_not_a_failure() {
        assert!(!is_host_failure(429));
        assert!(is_host_failure(500) && is_host_failure(503) && is_host_failure(408));
    }
}
