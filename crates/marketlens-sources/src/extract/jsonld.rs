//! JSON-LD: every `<script type="application/ld+json">`, parsed leniently (HTML
//! comment and CDATA wrappers, raw control characters inside strings), then read by
//! the schema.org reader.

use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::Value;
use url::Url;

use super::{ExtractedProduct, Syntax, schema};

/// Parsed once: selector parsing costs more than a small page's search.
static SCRIPT: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("script").ok());

/// Scripts read per page, and the largest one parsed.
const MAX_SCRIPTS: usize = 100;
const MAX_SCRIPT_BYTES: usize = 2 * 1024 * 1024;

pub(super) fn extract(
    doc: &Html,
    base: Option<&Url>,
    warnings: &mut Vec<String>,
) -> Vec<ExtractedProduct> {
    let Some(selector) = SCRIPT.as_ref() else {
        return Vec::new();
    };
    let mut roots = Vec::new();
    for (i, script) in doc
        .select(selector)
        .filter(|s| {
            s.value().attr("type").is_some_and(|t| {
                t.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/ld+json")
            })
        })
        .take(MAX_SCRIPTS)
        .enumerate()
    {
        let text: String = script.text().collect();
        if text.len() > MAX_SCRIPT_BYTES {
            warnings.push(format!(
                "json-ld script {} over {MAX_SCRIPT_BYTES} bytes, skipped",
                i + 1
            ));
            continue;
        }
        match parse_lenient(&text) {
            Ok(v) => roots.push(v),
            Err(e) => warnings.push(format!("json-ld script {}: {e}", i + 1)),
        }
    }
    schema::products(&roots, Syntax::JsonLd, base)
}

fn parse_lenient(text: &str) -> Result<Value, serde_json::Error> {
    let trimmed = strip_wrappers(text.trim());
    match serde_json::from_str(trimmed) {
        Ok(v) => Ok(v),
        Err(first) => {
            // Raw newlines and tabs inside strings are the commonest breakage in real
            // pages; JSON has no meaning for them outside strings, so spaces are safe.
            let fixed: String = trimmed
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            serde_json::from_str(&fixed).map_err(|_| first)
        }
    }
}

fn strip_wrappers(mut t: &str) -> &str {
    for (open, close) in [
        ("<!--", "-->"),
        ("//<![CDATA[", "//]]>"),
        ("<![CDATA[", "]]>"),
    ] {
        if let Some(rest) = t.strip_prefix(open) {
            t = rest.strip_suffix(close).unwrap_or(rest).trim();
        }
    }
    t.trim_end_matches(';').trim()
}
