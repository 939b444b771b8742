//! SSRF guard: a scraper driven by configuration and by links found in pages must not
//! be steerable into the machine's own network (loopback services, the cloud metadata
//! endpoint, private ranges). The check runs on the *resolved* addresses, inside the
//! resolver reqwest connects with, so a name that resolves to a private address is
//! refused and a DNS answer cannot change between check and connect. IP-literal URLs
//! never reach a resolver and are checked by [`check_url`] on every hop.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use url::Url;

/// Hosts (names or IP literals, lower case) that may resolve to non-public addresses,
/// each either bare (`127.0.0.1`, `demo.local`) or with a port (`127.0.0.1:8080`,
/// `[::1]:8080`).
///
/// A port names the only ports of that host a fetch may reach. A bare host may be
/// fetched at the port a fetch starts from (the configured URL, or a link), but a
/// redirect to another port of it is refused unless that port is listed: being
/// allowed to scrape a demo shop on `127.0.0.1:8080` must not let the shop send the
/// scraper to `127.0.0.1:6379`.
#[derive(Debug, Clone, Default)]
pub struct AllowList {
    hosts: HashSet<String>,
    ports: HashSet<(String, u16)>,
}

impl AllowList {
    /// Reads the entries; an entry whose port is not a number is refused whole.
    pub fn parse<I: IntoIterator<Item = S>, S: AsRef<str>>(
        entries: I,
    ) -> Result<Self, AllowListError> {
        let mut list = AllowList::default();
        for entry in entries {
            let entry = entry.as_ref().trim();
            let (host, port) = split_port(entry)?;
            let host = normalize_host(host);
            if host.is_empty() {
                return Err(AllowListError::NoHost {
                    entry: entry.to_owned(),
                });
            }
            if let Some(port) = port {
                list.ports.insert((host.clone(), port));
            }
            list.hosts.insert(host);
        }
        Ok(list)
    }

    /// Whether `host` may resolve to non-public addresses (at some port).
    pub fn allows(&self, host: &str) -> bool {
        self.hosts.contains(&normalize_host(host))
    }

    /// Whether a fetch that started at `start` may reach `url`, as far as ports go:
    /// any port of a host the list does not name (the address checks decide those), a
    /// listed port, or the starting port of a bare entry's host.
    fn allows_port(&self, url: &Url, start: &Url) -> bool {
        let Some(host) = url.host_str().map(normalize_host) else {
            return true;
        };
        if !self.hosts.contains(&host) {
            return true;
        }
        let port = url.port_or_known_default().unwrap_or(0);
        if self.ports.contains(&(host.clone(), port)) {
            return true;
        }
        let bare = !self.ports.iter().any(|(h, _)| *h == host);
        let starts_here = start.host_str().map(normalize_host).as_deref() == Some(host.as_str())
            && start.port_or_known_default() == Some(port);
        bare && starts_here
    }
}

/// An `allow_private_hosts` entry that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllowListError {
    #[error("{entry:?} names no host")]
    NoHost { entry: String },
    #[error("{entry:?}: port {port:?} is not a number from 1 to 65535")]
    BadPort { entry: String, port: String },
    #[error("{entry:?}: unclosed [")]
    UnclosedBracket { entry: String },
    #[error("{entry:?}: unexpected {after:?} after ]")]
    AfterBracket { entry: String, after: String },
}

impl AllowListError {
    /// Always a configuration mistake.
    pub fn error_type(&self) -> marketlens_core::ErrorType {
        marketlens_core::ErrorType::InvalidConfig
    }
}

/// `host` and `host:port` (`[v6]:port` for IPv6; a bare IPv6 address has no port).
fn split_port(entry: &str) -> Result<(&str, Option<u16>), AllowListError> {
    let port = |p: &str| match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(Some(n)),
        _ => Err(AllowListError::BadPort {
            entry: entry.to_owned(),
            port: p.to_owned(),
        }),
    };
    if let Some(rest) = entry.strip_prefix('[') {
        let (host, after) =
            rest.split_once(']')
                .ok_or_else(|| AllowListError::UnclosedBracket {
                    entry: entry.to_owned(),
                })?;
        return match after.strip_prefix(':') {
            Some(p) => Ok((host, port(p)?)),
            None if after.is_empty() => Ok((host, None)),
            None => Err(AllowListError::AfterBracket {
                entry: entry.to_owned(),
                after: after.to_owned(),
            }),
        };
    }
    match entry.split_once(':') {
        Some((host, p)) if !p.contains(':') => Ok((host, port(p)?)),
        _ => Ok((entry, None)),
    }
}

fn normalize_host(h: &str) -> String {
    h.trim()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase()
}

/// The error a refused target produces; found again in reqwest's error chain to tell a
/// refusal from a network failure.
#[derive(Debug, thiserror::Error)]
#[error("refused: {host} resolves to non-public address {addr}")]
pub struct Refused {
    pub host: String,
    pub addr: IpAddr,
}

/// Whether an address is something a public web shop can never legitimately be.
pub fn is_forbidden(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7 (incl. fd00:ec2::254)
                || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (s[0] & 0xffc0) == 0xfec0 // deprecated site-local fec0::/10
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                // NAT64 64:ff9b::/96 embeds an IPv4 address: judge that one.
                || (s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0]
                    && forbidden_v4(Ipv4Addr::new(
                        (s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8)))
                // IPv4-compatible ::a.b.c.d (deprecated, still routed by some stacks).
                || (s[0..6] == [0, 0, 0, 0, 0, 0] && forbidden_v4(Ipv4Addr::new(
                        (s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8)))
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local() // 169.254/16, incl. the metadata address 169.254.169.254
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0 // "this network"
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT 100.64/10
        || (o[0] == 192 && o[1] == 0 && o[2] == 0) // IETF protocol assignments
        || (o[0] == 198 && (o[1] & 0xfe) == 18) // benchmarking 198.18/15
        || o[0] >= 240 // reserved
}

/// Why [`check_url`] refused a target.
#[derive(Debug, thiserror::Error)]
pub enum UrlRefusal {
    #[error("scheme {0:?} is not fetched")]
    Scheme(String),
    #[error("URL has no host")]
    NoHost,
    #[error("refused: {host} is an allowed private host, but not at port {port}")]
    Port { host: String, port: u16 },
    #[error(transparent)]
    Refused(#[from] Refused),
}

/// Pre-flight check of one hop of a fetch that started at `start`: scheme, the port of
/// an allow-listed host, and IP-literal hosts (names are checked by [`GuardedResolver`]
/// when connecting).
pub fn check_url(url: &Url, start: &Url, allow: &AllowList) -> Result<(), UrlRefusal> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(UrlRefusal::Scheme(url.scheme().to_owned()));
    }
    let Some(host) = url.host() else {
        return Err(UrlRefusal::NoHost);
    };
    if !allow.allows_port(url, start) {
        return Err(UrlRefusal::Port {
            host: host.to_string(),
            port: url.port_or_known_default().unwrap_or(0),
        });
    }
    let literal = match host {
        url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
        url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = literal
        && is_forbidden(ip)
        && !allow.allows(&host.to_string())
    {
        return Err(UrlRefusal::Refused(Refused {
            host: host.to_string(),
            addr: ip,
        }));
    }
    Ok(())
}

/// A resolver that refuses names resolving to forbidden addresses unless allow-listed.
/// A name with any forbidden address is refused whole: connecting to "the public one"
/// of a mixed answer would still let an attacker steer retries.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    pub allow: Arc<AllowList>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.allow.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            // Port 0: reqwest substitutes the URL's port.
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await
                .map_err(|e| Box::new(e) as Box<dyn std::error::Error + Send + Sync>)?
                .collect();
            if !allow.allows(&host)
                && let Some(bad) = addrs.iter().find(|a| is_forbidden(a.ip()))
            {
                return Err(Box::new(Refused {
                    host,
                    addr: bad.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>);
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether a reqwest error was caused by the guard refusing a resolved address.
pub fn refusal_in(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    let mut depth = 0;
    while let Some(e) = cur {
        if let Some(r) = e.downcast_ref::<Refused>() {
            return Some(r.to_string());
        }
        depth += 1;
        if depth > 16 {
            break;
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_addresses_are_forbidden() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(is_forbidden(bad.parse().unwrap()), "{bad}");
        }
        for ok in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(!is_forbidden(ok.parse().unwrap()), "{ok}");
        }
    }

    /// `url` checked as the first hop of a fetch.
    fn first_hop(url: &str, allow: &AllowList) -> Result<(), UrlRefusal> {
        let url = Url::parse(url).unwrap();
        check_url(&url, &url, allow)
    }

    #[test]
    fn literal_hosts_are_checked_against_the_allow_list() {
        let none = AllowList::default();
        let local = AllowList::parse(["127.0.0.1"]).unwrap();
        assert!(first_hop("http://127.0.0.1:8080/x", &none).is_err());
        assert!(first_hop("http://127.0.0.1:8080/x", &local).is_ok());
        assert!(first_hop("http://[::1]/", &local).is_err());
        assert!(first_hop("http://169.254.169.254/latest", &local).is_err());
        assert!(first_hop("file:///etc/passwd", &local).is_err());
        assert!(first_hop("https://shop.example/p", &none).is_ok());
    }

    #[test]
    fn a_redirect_to_another_port_of_an_allowed_host_is_refused_unless_listed() {
        let u = |s: &str| Url::parse(s).unwrap();
        let start = u("http://127.0.0.1:8080/search");
        let redis = u("http://127.0.0.1:6379/");
        let bare = AllowList::parse(["127.0.0.1"]).unwrap();
        assert!(check_url(&u("http://127.0.0.1:8080/p/1"), &start, &bare).is_ok());
        let refusal = check_url(&redis, &start, &bare).unwrap_err();
        assert!(
            matches!(refusal, UrlRefusal::Port { port: 6379, .. }),
            "{refusal}"
        );

        let listed = AllowList::parse(["127.0.0.1:8080", "127.0.0.1:8081"]).unwrap();
        assert!(check_url(&u("http://127.0.0.1:8081/"), &start, &listed).is_ok());
        assert!(check_url(&redis, &start, &listed).is_err());
        // With ports listed, only those: even a fetch starting elsewhere is refused.
        assert!(first_hop("http://127.0.0.1:6379/", &listed).is_err());
        // A bare host reached from another host has no starting port to inherit.
        let shop = u("https://shop.example/");
        assert!(check_url(&u("http://127.0.0.1:8080/"), &shop, &bare).is_err());
        // Hosts the list does not name are left to the address checks.
        assert!(check_url(&u("https://cdn.example:8443/"), &start, &bare).is_ok());
    }

    #[test]
    fn allow_list_entries_name_hosts_and_ports() {
        let list = AllowList::parse(["Demo.Local.", "[::1]:8080", "::1", "10.0.0.5:80"]).unwrap();
        assert!(list.allows("demo.local") && list.allows("::1") && list.allows("10.0.0.5"));
        assert!(first_hop("http://[::1]:8080/", &list).is_ok());
        assert!(first_hop("http://10.0.0.5/", &list).is_ok());
        assert!(first_hop("http://10.0.0.5:81/", &list).is_err());
        for bad in ["127.0.0.1:redis", "127.0.0.1:0", "[::1", ":8080", "[::1]x"] {
            assert!(AllowList::parse([bad]).is_err(), "{bad}");
        }
    }
}
