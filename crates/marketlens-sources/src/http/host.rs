//! What the client remembers per host (`host:port`, the unit of politeness): its
//! pacing, its circuit breaker and its cached robots.txt.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use url::Url;

use super::HttpConfig;
use super::breaker::CircuitBreaker;
use super::pacing::Pacer;
use super::robots::Robots;

/// Upper bound on hosts remembered: hosts without requests in flight are forgotten
/// beyond it, so following links across many hosts cannot grow memory without end.
const MAX_HOSTS: usize = 1_024;

#[derive(Debug)]
pub(crate) struct Host {
    pub(crate) pacer: Pacer,
    pub(crate) breaker: CircuitBreaker,
    /// The host's robots.txt and when it was fetched. An async lock, held while
    /// fetching, so concurrent requests to a new host fetch it once.
    pub(crate) robots: tokio::sync::Mutex<Option<(Instant, Arc<Robots>)>>,
}

/// Every host this client has talked to, bounded by [`MAX_HOSTS`].
#[derive(Debug, Default)]
pub(crate) struct Hosts(Mutex<HashMap<String, Arc<Host>>>);

impl Hosts {
    /// The state of `url`'s host, created on first use.
    pub(crate) fn get(&self, url: &Url, config: &HttpConfig) -> Arc<Host> {
        let key = host_key(url);
        let mut hosts = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if hosts.len() >= MAX_HOSTS && !hosts.contains_key(&key) {
            hosts.retain(|_, h| Arc::strong_count(h) > 1);
        }
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(Host {
                    pacer: Pacer::new(config),
                    breaker: CircuitBreaker::new(
                        config.circuit_failure_threshold,
                        Duration::from_secs(config.circuit_cooldown_secs),
                    ),
                    robots: tokio::sync::Mutex::new(None),
                })
            })
            .clone()
    }
}

/// `host:port`, the port defaulted by scheme.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn one_state_per_host_and_port() {
        let hosts = Hosts::default();
        let config = HttpConfig::default();
        let a = hosts.get(&url("https://shop.example/a"), &config);
        let b = hosts.get(&url("https://shop.example:443/b?q=1"), &config);
        let c = hosts.get(&url("http://shop.example/a"), &config);
        assert!(Arc::ptr_eq(&a, &b), "the default port is the same host");
        assert!(!Arc::ptr_eq(&a, &c), "another port is another host");
    }

    #[test]
    fn idle_hosts_are_forgotten_beyond_the_bound() {
        let hosts = Hosts::default();
        let config = HttpConfig::default();
        let busy = hosts.get(&url("https://busy.example/"), &config);
        for i in 0..MAX_HOSTS + 10 {
            hosts.get(&url(&format!("https://h{i}.example/")), &config);
        }
        let map = hosts.0.lock().unwrap();
        assert!(map.len() <= MAX_HOSTS, "{} hosts", map.len());
        assert!(
            map.contains_key("busy.example:443"),
            "a host in use is kept"
        );
        drop(map);
        drop(busy);
    }
}
