//! Logging and tracing set-up, in one place so every stage and adapter reports the
//! same way.
//!
//! Logs go to stderr, as JSON lines (`--log-format json`, the default for `serve` and
//! `worker`) or human-readable text. In JSON mode every closed span is logged with its
//! fields, so the stage spans of an analysis (`fetch_products`, `normalize`, …) and
//! their tags (`query_id`, `source`, `product_count`, `cache_hit`, `error_type`) and
//! timings are readable without any collector.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::{EnvFilter, fmt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Filter from `MARKETLENS_LOG` (then `RUST_LOG`), else `default`.
fn filter(default: &str) -> EnvFilter {
    std::env::var("MARKETLENS_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|v| EnvFilter::try_new(v).ok())
        .unwrap_or_else(|| EnvFilter::new(default))
}

/// A subscriber writing JSON lines (with span-close events) to `writer`.
pub fn json_subscriber<W>(writer: W, default_filter: &str) -> impl tracing::Subscriber + Send + Sync
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    fmt()
        .json()
        .with_env_filter(filter(default_filter))
        .with_span_events(FmtSpan::CLOSE)
        .with_current_span(true)
        .with_span_list(true)
        .with_writer(writer)
        .finish()
}

/// Installs the global subscriber. Safe to call twice (the second call is ignored).
pub fn init(format: LogFormat, default_filter: &str) {
    let result = match format {
        LogFormat::Json => tracing::subscriber::set_global_default(json_subscriber(
            std::io::stderr,
            default_filter,
        )),
        LogFormat::Text => tracing::subscriber::set_global_default(
            fmt()
                .with_env_filter(filter(default_filter))
                .with_writer(std::io::stderr)
                .with_target(false)
                .finish(),
        ),
    };
    let _ = result;
}
