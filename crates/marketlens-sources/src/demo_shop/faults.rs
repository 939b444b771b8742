//! Injected latency and faults, so live-source behaviour under a slow or failing
//! internet can be reproduced offline (`marketlens demo-shop --latency-ms …`).
//!
//! Each request draws its fate from a seeded sequence: the n-th request of a shop
//! started with the same seed and rates is delayed and failed alike on every run, so a
//! load test that goes wrong can be run again as it was. `/robots.txt` is exempt: the
//! faults model slow and failing shop pages and APIs, not a crawler policy that
//! changes between requests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// What the demo shop does to each request. The default injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added to every response.
    pub latency: Duration,
    /// A further delay drawn uniformly from zero to this.
    pub jitter: Duration,
    /// Share of requests (0 to 1) answered `503 Service Unavailable`.
    pub error_rate: f64,
    /// Share of requests (0 to 1) delayed by `slow` on top of the latency.
    pub slow_rate: f64,
    /// The extra delay of a slow request.
    pub slow: Duration,
    /// Seed of the sequence the requests' fates are drawn from.
    pub seed: u64,
}

/// Why a fault setting was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{name} must be between 0 and 1, got {value}")]
pub struct RateOutOfRange {
    pub name: &'static str,
    pub value: f64,
}

impl Faults {
    /// Checks that the rates are shares.
    pub fn validate(&self) -> Result<(), RateOutOfRange> {
        for (name, value) in [
            ("error_rate", self.error_rate),
            ("slow_rate", self.slow_rate),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(RateOutOfRange { name, value });
            }
        }
        Ok(())
    }

    /// Whether any fault or delay is injected.
    pub fn is_active(&self) -> bool {
        *self
            != Faults {
                seed: self.seed,
                ..Faults::default()
            }
    }
}

/// The fate of one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fate {
    pub delay: Duration,
    pub fails: bool,
}

/// The faults and the count of requests drawn so far.
#[derive(Debug)]
pub struct FaultPlan {
    faults: Faults,
    drawn: AtomicU64,
}

impl FaultPlan {
    pub fn new(faults: Faults) -> Self {
        Self {
            faults,
            drawn: AtomicU64::new(0),
        }
    }

    /// The fate of the next request: three uniform draws from the seeded sequence
    /// (error, slow, jitter).
    pub fn next_fate(&self) -> Fate {
        let n = self.drawn.fetch_add(1, Ordering::Relaxed);
        let f = &self.faults;
        let draw = |k: u64| unit(splitmix64(f.seed ^ n.wrapping_mul(3).wrapping_add(k)));
        let mut delay = f.latency + f.jitter.mul_f64(draw(2));
        if draw(1) < f.slow_rate {
            delay += f.slow;
        }
        Fate {
            delay,
            fails: draw(0) < f.error_rate,
        }
    }
}

/// SplitMix64: a small, well-mixed, seedable sequence; a random-number crate would be
/// more than a reproducible coin toss per request needs.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The top 53 bits as a number in [0, 1).
fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// Middleware: waits the request's delay, then fails it or passes it on.
pub async fn inject(State(plan): State<Arc<FaultPlan>>, request: Request, next: Next) -> Response {
    if request.uri().path() == "/robots.txt" {
        return next.run(request).await;
    }
    let fate = plan.next_fate();
    if !fate.delay.is_zero() {
        tokio::time::sleep(fate.delay).await;
    }
    if fate.fails {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "demo shop: injected fault (--error-rate)",
        )
            .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fates(faults: Faults, n: usize) -> Vec<Fate> {
        let plan = FaultPlan::new(faults);
        (0..n).map(|_| plan.next_fate()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_fates_and_another_seed_others() {
        let faults = Faults {
            jitter: Duration::from_millis(100),
            error_rate: 0.3,
            slow_rate: 0.2,
            slow: Duration::from_secs(1),
            seed: 7,
            ..Faults::default()
        };
        let first = fates(faults.clone(), 200);
        assert_eq!(first, fates(faults.clone(), 200));
        assert_ne!(first, fates(Faults { seed: 8, ..faults }, 200));
    }

    #[test]
    fn rates_are_kept_over_many_requests_and_delays_stay_in_their_bounds() {
        let faults = Faults {
            latency: Duration::from_millis(200),
            jitter: Duration::from_millis(50),
            error_rate: 0.25,
            slow_rate: 0.1,
            slow: Duration::from_secs(2),
            seed: 42,
        };
        let all = fates(faults, 10_000);
        let failed = all.iter().filter(|f| f.fails).count();
        let slow = all
            .iter()
            .filter(|f| f.delay >= Duration::from_secs(2))
            .count();
        // Binomial(10,000, p): ±5 standard deviations.
        assert!((2_280..=2_720).contains(&failed), "{failed} failed");
        assert!((850..=1_150).contains(&slow), "{slow} slow");
        for f in &all {
            let base = f
                .delay
                .saturating_sub(if f.delay >= Duration::from_secs(2) {
                    Duration::from_secs(2)
                } else {
                    Duration::ZERO
                });
            assert!(
                base >= Duration::from_millis(200) && base <= Duration::from_millis(250),
                "{f:?}"
            );
        }
    }

    #[test]
    fn no_faults_means_no_delay_and_no_failure() {
        let none = Faults::default();
        assert!(!none.is_active());
        assert!(
            fates(none, 100)
                .iter()
                .all(|f| !f.fails && f.delay.is_zero())
        );
    }

    #[test]
    fn rates_outside_zero_to_one_are_refused() {
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::default()
        };
        assert_eq!(
            bad.validate(),
            Err(RateOutOfRange {
                name: "error_rate",
                value: 1.5
            })
        );
        let bad = Faults {
            slow_rate: -0.1,
            ..Faults::default()
        };
        assert!(bad.validate().is_err());
        assert!(Faults::default().validate().is_ok());
    }
}
