//! `marketlens extract <FILE|URL>`: what the extractor sees in one page, as JSON —
//! for people writing source configs and for checking the extractor on saved pages.
//! A URL is fetched through the same HTTP layer as the live sources (robots.txt, SSRF
//! guard, size cap), so what it shows is what a source would get.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use marketlens_sources::extract::extract;
use marketlens_sources::http::{HttpClient, HttpConfig};
use url::Url;

use crate::stdout::outln;
use crate::terminal::{json_text, shown};

/// Largest local file read (the HTTP layer caps fetched pages the same way).
const MAX_FILE_BYTES: u64 = 20 * 1024 * 1024;

#[derive(Args)]
pub struct ExtractArgs {
    /// An HTML file, or an http(s) URL.
    target: String,
    /// Base URL for relative links in a file (default: none, links kept as written).
    #[arg(long)]
    base_url: Option<String>,
    /// Host allowed to resolve to a private/loopback address (repeatable), e.g.
    /// 127.0.0.1 for the demo shop.
    #[arg(long = "allow-private")]
    allow_private: Vec<String>,
    /// Also print each syntax's own reading before merging, and every candidate value
    /// of the main product's fields with its method and confidence.
    #[arg(long)]
    all: bool,
}

pub async fn run(args: ExtractArgs) -> ExitCode {
    let is_url = args.target.starts_with("http://") || args.target.starts_with("https://");
    let (html, base) = if is_url {
        let client = match HttpClient::new(HttpConfig {
            allow_private_hosts: args.allow_private.clone(),
            ..HttpConfig::default()
        }) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: {}", shown(&e));
                return ExitCode::from(2);
            }
        };
        match client.get(&args.target).await {
            Ok(page) => (page.text, Some(page.url)),
            Err(e) => {
                eprintln!("error: {}", shown(&e));
                return ExitCode::from(1);
            }
        }
    } else {
        let path = PathBuf::from(&args.target);
        match std::fs::metadata(&path) {
            Ok(m) if m.len() > MAX_FILE_BYTES => {
                eprintln!("error: {} is over {MAX_FILE_BYTES} bytes", path.display());
                return ExitCode::from(2);
            }
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
            Ok(_) => {}
        }
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot read {}: {e}", path.display());
                return ExitCode::from(2);
            }
        };
        let (text, _) = marketlens_sources::http::body::decode(&bytes, None);
        let base = match args.base_url.as_deref().map(Url::parse) {
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                eprintln!("error: --base-url: {e}");
                return ExitCode::from(2);
            }
            None => None,
        };
        (text, base)
    };
    let x = extract(&html, base.as_ref());
    let mut out = serde_json::json!({
        "target": args.target,
        "url": base.map(|u| u.to_string()),
        "products": x.products,
        "best": x.best,
        "found": {
            "json-ld": x.by_syntax.json_ld.len(),
            "microdata": x.by_syntax.microdata.len(),
            "opengraph": x.by_syntax.opengraph.len(),
        },
        "warnings": x.warnings,
    });
    if args.all {
        out["by_syntax"] = serde_json::to_value(&x.by_syntax).unwrap_or_default();
        out["candidates"] = serde_json::to_value(&x.candidates).unwrap_or_default();
    }
    match serde_json::to_string_pretty(&out) {
        Ok(s) => {
            outln!("{}", json_text(&s));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            ExitCode::from(1)
        }
    }
}
