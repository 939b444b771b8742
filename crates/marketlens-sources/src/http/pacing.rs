//! Per-host pacing: how many requests may be in flight to one host at once
//! (`per_host_concurrency`), and how far apart their starts are. The interval is
//! `min_interval_ms` times a slow-down factor, and never shorter than the host's
//! robots.txt `Crawl-delay`. The factor doubles each time the host answers 429 or 503
//! (up to `max_slowdown`) and decays by a quarter on each success, so a shop that asks
//! us to slow down gets a slower crawler until it is comfortable again.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{AcquireError, Semaphore, SemaphorePermit};

use super::HttpConfig;

/// Whether an answer asks the client to slow down (429 Too Many Requests, 503 Service
/// Unavailable).
pub(crate) fn asks_to_slow_down(status: u16) -> bool {
    status == 429 || status == 503
}

/// The pacing of one host.
#[derive(Debug)]
pub(crate) struct Pacer {
    permits: Semaphore,
    min_interval: Duration,
    max_slowdown: f64,
    state: Mutex<PaceState>,
}

#[derive(Debug)]
struct PaceState {
    /// The earliest time the next request may start.
    next_start: Instant,
    slowdown: f64,
    crawl_delay: Duration,
}

impl Pacer {
    pub(crate) fn new(config: &HttpConfig) -> Self {
        Self {
            permits: Semaphore::new(config.per_host_concurrency as usize),
            min_interval: Duration::from_millis(config.min_interval_ms),
            max_slowdown: f64::from(config.max_slowdown),
            state: Mutex::new(PaceState {
                next_start: Instant::now(),
                slowdown: 1.0,
                crawl_delay: Duration::ZERO,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PaceState> {
        // The state stays consistent whatever panicked while holding it: keep using it.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A place among the requests in flight to this host, held until dropped. Fails
    /// only when the semaphore is closed, which this module never does.
    pub(crate) async fn permit(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.permits.acquire().await
    }

    /// Waits until this host's next start slot, booking the one after it.
    pub(crate) async fn wait_turn(&self) {
        let start = self.book(Instant::now());
        tokio::time::sleep_until(start.into()).await;
    }

    /// Books the first start slot at or after `now` and returns it.
    fn book(&self, now: Instant) -> Instant {
        let mut pace = self.state();
        let start = pace.next_start.max(now);
        let interval = self
            .min_interval
            .mul_f64(pace.slowdown)
            .max(pace.crawl_delay);
        pace.next_start = start + interval;
        start
    }

    /// The host answered 429/503: double the interval factor (capped).
    pub(crate) fn slow_down(&self) {
        let mut pace = self.state();
        pace.slowdown = (pace.slowdown * 2.0).min(self.max_slowdown);
    }

    /// The host answered: let the factor decay back towards 1.
    pub(crate) fn relax(&self) {
        let mut pace = self.state();
        pace.slowdown = (pace.slowdown * 0.75).max(1.0);
    }

    /// The host's robots.txt asks for at least `delay` between requests.
    pub(crate) fn set_crawl_delay(&self, delay: Duration) {
        self.state().crawl_delay = delay;
    }
}

#[cfg(test)]
mod tests {
    use futures::FutureExt;

    use super::*;

    fn pacer(min_interval_ms: u64, max_slowdown: u32) -> Pacer {
        Pacer::new(&HttpConfig {
            per_host_concurrency: 2,
            min_interval_ms,
            max_slowdown,
            ..HttpConfig::default()
        })
    }

    /// The gaps between `n` start slots booked at the same instant.
    fn gaps(p: &Pacer, now: Instant, n: usize) -> Vec<Duration> {
        let starts: Vec<Instant> = (0..n).map(|_| p.book(now)).collect();
        starts.windows(2).map(|w| w[1] - w[0]).collect()
    }

    #[test]
    fn starts_are_spaced_by_the_minimum_interval() {
        let p = pacer(100, 16);
        let now = Instant::now() + Duration::from_secs(1);
        assert_eq!(p.book(now), now, "the first request starts at once");
        assert_eq!(gaps(&p, now, 3), [Duration::from_millis(100); 2]);
        // A request arriving after its slot has passed starts at once.
        let later = now + Duration::from_secs(10);
        assert_eq!(p.book(later), later);
    }

    #[test]
    fn each_slow_down_doubles_the_interval_up_to_the_cap() {
        let p = pacer(100, 4);
        let now = Instant::now() + Duration::from_secs(1);
        p.slow_down();
        assert_eq!(gaps(&p, now, 2), [Duration::from_millis(200)]);
        p.slow_down();
        p.slow_down();
        assert_eq!(
            gaps(&p, now, 2),
            [Duration::from_millis(400)],
            "capped at 4×"
        );
    }

    #[test]
    fn successes_relax_the_interval_back_to_the_minimum() {
        let p = pacer(100, 16);
        let now = Instant::now() + Duration::from_secs(1);
        p.slow_down();
        p.slow_down();
        p.relax();
        assert_eq!(gaps(&p, now, 2), [Duration::from_millis(300)]);
        for _ in 0..10 {
            p.relax();
        }
        assert_eq!(gaps(&p, now, 2), [Duration::from_millis(100)]);
    }

    #[test]
    fn a_crawl_delay_is_the_shortest_interval() {
        let p = pacer(100, 16);
        let now = Instant::now() + Duration::from_secs(1);
        p.set_crawl_delay(Duration::from_secs(2));
        assert_eq!(gaps(&p, now, 2), [Duration::from_secs(2)]);
        p.set_crawl_delay(Duration::from_millis(10));
        assert_eq!(gaps(&p, now, 2), [Duration::from_millis(100)]);
    }

    #[tokio::test]
    async fn no_more_requests_in_flight_than_the_concurrency() {
        let p = pacer(0, 16);
        let first = p.permit().await.unwrap();
        let _second = p.permit().await.unwrap();
        assert!(p.permit().now_or_never().is_none(), "a third must wait");
        drop(first);
        assert!(p.permit().now_or_never().is_some());
    }

    #[test]
    fn only_429_and_503_ask_to_slow_down() {
        assert!(asks_to_slow_down(429) && asks_to_slow_down(503));
        assert!(!asks_to_slow_down(500) && !asks_to_slow_down(200) && !asks_to_slow_down(408));
    }
}
