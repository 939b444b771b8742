//! robots.txt (RFC 9309): the group for our product token, else `*`; the longest
//! matching rule wins, `Allow` on a tie; `*` and `$` patterns; `Crawl-delay` read as a
//! minimum interval between requests to the host.

use std::time::Duration;

/// Rules that apply to us on one host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Robots {
    /// (allow, pattern) in file order.
    rules: Vec<(bool, String)>,
    pub crawl_delay: Option<Duration>,
}

/// Longest rule file we read; RFC 9309 asks crawlers to parse at least 500 KiB.
pub const MAX_ROBOTS_BYTES: usize = 512 * 1024;

impl Robots {
    /// Everything allowed (no file, or a 4xx answer).
    pub fn allow_all() -> Self {
        Self::default()
    }

    /// Everything disallowed (the server failed: RFC 9309 says assume complete
    /// disallow until it answers).
    pub fn disallow_all() -> Self {
        Self {
            rules: vec![(false, "/".into())],
            crawl_delay: None,
        }
    }

    /// Parses a file for `product` (our User-Agent product token, e.g. `marketlens`).
    pub fn parse(text: &str, product: &str) -> Self {
        let product = product.to_ascii_lowercase();
        // Groups: consecutive user-agent lines, then their rules.
        let mut ours = Robots::default();
        let mut star = Robots::default();
        let mut found_ours = false;
        let mut found_star = false;
        let mut agents: Vec<String> = Vec::new();
        let mut in_rules = false;
        for raw in text.lines().take(10_000) {
            let line = raw.split('#').next().unwrap_or("").trim();
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            let value = value.trim();
            match key.as_str() {
                "user-agent" => {
                    if in_rules {
                        agents.clear();
                        in_rules = false;
                    }
                    agents.push(value.to_ascii_lowercase());
                }
                "allow" | "disallow" | "crawl-delay" => {
                    in_rules = true;
                    let is_ours = agents
                        .iter()
                        .any(|a| !a.is_empty() && product.starts_with(a.as_str()));
                    let is_star = agents.iter().any(|a| a == "*");
                    let apply = |r: &mut Robots| match key.as_str() {
                        "crawl-delay" => {
                            if let Ok(secs) = value.parse::<f64>()
                                && secs.is_finite()
                                && secs >= 0.0
                            {
                                r.crawl_delay = Some(Duration::from_secs_f64(secs.min(60.0)));
                            }
                        }
                        // An empty Disallow allows everything: no rule.
                        _ if value.is_empty() => {}
                        k => r.rules.push((k == "allow", value.to_owned())),
                    };
                    if is_ours {
                        found_ours = true;
                        apply(&mut ours);
                    } else if is_star {
                        found_star = true;
                        apply(&mut star);
                    }
                }
                _ => {}
            }
        }
        if found_ours {
            ours
        } else if found_star {
            star
        } else {
            Robots::default()
        }
    }

    /// Whether `path` (path + query, starting with `/`) may be fetched.
    pub fn allowed(&self, path: &str) -> bool {
        if path == "/robots.txt" {
            return true;
        }
        let mut best: Option<(usize, bool)> = None;
        for (allow, pattern) in &self.rules {
            if matches(pattern, path) {
                let len = pattern.len();
                best = match best {
                    Some((l, a)) if l > len || (l == len && a) => Some((l, a)),
                    _ => Some((len, *allow)),
                };
            }
        }
        best.is_none_or(|(_, allow)| allow)
    }
}

/// Robots pattern match: prefix match with `*` wildcards and a `$` end anchor.
fn matches(pattern: &str, path: &str) -> bool {
    let (pattern, anchored) = match pattern.strip_suffix('$') {
        Some(p) => (p, true),
        None => (pattern, false),
    };
    let parts: Vec<&str> = pattern.split('*').collect();
    let mut pos = 0;
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            if !path.starts_with(part) {
                return false;
            }
            pos = part.len();
        } else if let Some(found) = path[pos..].find(part) {
            pos += found + part.len();
        } else {
            return false;
        }
    }
    if !anchored {
        return true;
    }
    // Anchored: the last literal part must end the path (retry it at the very end).
    match parts.last() {
        Some(last) if parts.len() > 1 => path.ends_with(last) && path.len() >= pos,
        _ => pos == path.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_group_wins_over_star_and_longest_rule_decides() {
        let text = "User-agent: *\nDisallow: /\n\nUser-agent: MarketLens\nDisallow: /private\nAllow: /private/ok\nCrawl-delay: 2\n";
        let r = Robots::parse(text, "marketlens");
        assert!(r.allowed("/products/1"));
        assert!(!r.allowed("/private/x"));
        assert!(r.allowed("/private/ok/1"));
        assert_eq!(r.crawl_delay, Some(Duration::from_secs(2)));
        let other = Robots::parse(text, "otherbot");
        assert!(!other.allowed("/products/1"));
    }

    #[test]
    fn wildcards_and_anchors() {
        let r = Robots::parse(
            "User-agent: *\nDisallow: /*.pdf$\nDisallow: /search*q=\nDisallow:\n",
            "marketlens",
        );
        assert!(!r.allowed("/a/b.pdf"));
        assert!(r.allowed("/a/b.pdf?x=1"));
        assert!(!r.allowed("/search?page=1&q=x"));
        assert!(r.allowed("/search"));
        assert!(Robots::parse("garbage\n\0\u{feff}", "m").allowed("/x"));
        assert!(!Robots::disallow_all().allowed("/x"));
        assert!(Robots::disallow_all().allowed("/robots.txt"));
    }
}
