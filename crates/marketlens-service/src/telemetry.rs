//! Logging and tracing set-up, in one place so every stage and adapter reports the
//! same way.
//!
//! Logs go to stderr, as JSON lines (`--log-format json`, the default for `serve` and
//! `worker`) or human-readable text. In JSON mode every closed span is logged with its
//! fields, so the stage spans of an analysis (`fetch_products`, `normalize`, …) and
//! their tags (`query_id`, `source`, `product_count`, `cache_hit`, `error_type`) and
//! timings are readable without any collector.
//!
//! With an OTLP endpoint configured ([`otlp_endpoint`]), the same spans are exported
//! as OpenTelemetry traces over OTLP/HTTP; an analysis' trace id is the one stored on
//! its query (the caller's, when `POST /v1/analyses` carried a W3C `traceparent`),
//! continued from the job's `traceparent` in the worker.

use marketlens_core::ErrorType;
use opentelemetry::trace::{
    SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState, TracerProvider as _,
};
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_opentelemetry::{OpenTelemetryLayer, OpenTelemetrySpanExt};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::{Layer as _, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, fmt};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

/// Third-party HTML parsing crates whose warnings are about the pages, not about
/// marketlens: html5ever warns "foster parenting not implemented" each time it
/// repairs a table, dozens of times per live analysis. They log from `error` only,
/// unless the filter names them (`MARKETLENS_LOG=warn,html5ever=warn`).
const PARSER_TARGETS: [&str; 3] = ["html5ever", "markup5ever", "selectors"];

/// Filter from `MARKETLENS_LOG` (then `RUST_LOG`), else `default`.
fn filter(default: &str) -> EnvFilter {
    let spec = std::env::var("MARKETLENS_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    filter_from(spec.as_deref(), default)
}

/// `spec` when it is a valid filter, else `default`, with the parsers of
/// [`PARSER_TARGETS`] it does not name quietened.
fn filter_from(spec: Option<&str>, default: &str) -> EnvFilter {
    let spec = spec
        .filter(|s| EnvFilter::try_new(s).is_ok())
        .unwrap_or(default);
    PARSER_TARGETS
        .iter()
        .filter(|target| !spec.contains(*target))
        .filter_map(|target| format!("{target}=error").parse().ok())
        .fold(EnvFilter::new(spec), EnvFilter::add_directive)
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

/// Installs the global subscriber (logs only). Safe to call twice (the second call
/// is ignored).
pub fn init(format: LogFormat, default_filter: &str) {
    install(format, default_filter, None);
}

/// Installs the global subscriber and, when an OTLP endpoint is configured
/// ([`otlp_endpoint`]), exports spans to it as `service_name`. Keep the guard alive
/// for the life of the process: dropping it flushes and stops the export.
#[must_use = "dropping the guard stops the OTLP export"]
pub fn init_with_otlp(format: LogFormat, default_filter: &str, service_name: &str) -> OtlpGuard {
    let otlp = otlp_endpoint().and_then(|endpoint| match Otlp::start(&endpoint, service_name) {
        Ok(o) => Some(o),
        Err(e) => {
            // Observability must not stop the service: logs still flow.
            eprintln!("warning: OTLP export to {endpoint} disabled: {e}");
            None
        }
    });
    install(format, default_filter, otlp.as_ref());
    OtlpGuard(otlp)
}

fn install(format: LogFormat, default_filter: &str, otlp: Option<&Otlp>) {
    // Each layer filters on its own: the log level (`MARKETLENS_LOG`, `warn` for the
    // CLI) must not hide the analysis spans from the trace export, and the export
    // takes marketlens' own spans and events, not every dependency's.
    let traced = Targets::new()
        .with_target("marketlens_service", Level::INFO)
        .with_target("marketlens_sources", Level::INFO)
        .with_target("marketlens_adapters", Level::INFO);
    let registry = tracing_subscriber::registry().with(otlp.map(|o| o.layer().with_filter(traced)));
    let logs = filter(default_filter);
    let result = match format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .with_span_events(FmtSpan::CLOSE)
                    .with_current_span(true)
                    .with_span_list(true)
                    .with_writer(std::io::stderr)
                    .with_filter(logs),
            )
            .try_init(),
        LogFormat::Text => registry
            .with(
                fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_target(false)
                    .with_filter(logs),
            )
            .try_init(),
    };
    let _ = result;
}

/// The OTLP endpoint: `MARKETLENS_OTLP_ENDPOINT`, else the standard
/// `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. `http://otel-collector:4318`); unset or empty
/// means no export.
pub fn otlp_endpoint() -> Option<String> {
    ["MARKETLENS_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .map(|v| v.trim().to_owned())
        .find(|v| !v.is_empty())
}

/// The OTLP/HTTP traces URL of an endpoint (`…/v1/traces` appended unless present,
/// as the OTLP specification does for the generic endpoint variable).
pub fn traces_url(endpoint: &str) -> String {
    let e = endpoint.trim_end_matches('/');
    if e.ends_with("/v1/traces") {
        e.to_owned()
    } else {
        format!("{e}/v1/traces")
    }
}

/// Why the OTLP export could not start or stop. Observability never stops the
/// service: callers report it and carry on with logs only.
#[derive(Debug, thiserror::Error)]
pub enum OtlpError {
    /// The exporter could not be built for the endpoint.
    #[error("cannot export to the OTLP endpoint: {0}")]
    Start(#[from] opentelemetry_otlp::ExporterBuildError),
    /// Flushing what was buffered failed.
    #[error("OTLP export did not flush: {0}")]
    Shutdown(#[from] opentelemetry_sdk::error::OTelSdkError),
    /// The thread building or stopping the exporter panicked.
    #[error("the OTLP exporter panicked while {0}")]
    Panicked(&'static str),
}

impl OtlpError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            OtlpError::Start(_) => ErrorType::InvalidConfig,
            OtlpError::Shutdown(_) => ErrorType::Unavailable,
            OtlpError::Panicked(_) => ErrorType::Internal,
        }
    }
}

/// An OTLP/HTTP (protobuf) span exporter behind a batch processor.
pub struct Otlp {
    provider: SdkTracerProvider,
}

impl Otlp {
    /// Starts exporting to `endpoint`. Built on a plain thread: the blocking HTTP client
    /// the batch processor uses owns a runtime, which must not be created (or dropped)
    /// inside an async context.
    pub fn start(endpoint: &str, service_name: &str) -> Result<Otlp, OtlpError> {
        let (url, name) = (traces_url(endpoint), service_name.to_owned());
        // The workspace's reqwest has rustls without a built-in provider (one crypto
        // stack: ring); an https endpoint needs it installed, as the sources do.
        let _ = rustls::crypto::ring::default_provider().install_default();
        std::thread::spawn(move || {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(url)
                .build()?;
            let provider = SdkTracerProvider::builder()
                .with_batch_exporter(exporter)
                .with_resource(Resource::builder().with_service_name(name).build())
                .build();
            Ok(Otlp { provider })
        })
        .join()
        .map_err(|_| OtlpError::Panicked("starting"))?
    }

    /// The layer turning `tracing` spans into OpenTelemetry spans.
    pub fn layer<S>(&self) -> OpenTelemetryLayer<S, opentelemetry_sdk::trace::Tracer>
    where
        S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    {
        tracing_opentelemetry::layer().with_tracer(self.provider.tracer("marketlens"))
    }

    /// Exports what is buffered and stops (on a plain thread, like [`Otlp::start`]).
    pub fn shutdown(self) -> Result<(), OtlpError> {
        std::thread::spawn(move || Ok(self.provider.shutdown()?))
            .join()
            .map_err(|_| OtlpError::Panicked("stopping"))?
    }
}

/// Flushes and stops the OTLP export when dropped.
pub struct OtlpGuard(Option<Otlp>);

impl Drop for OtlpGuard {
    fn drop(&mut self) {
        if let Some(otlp) = self.0.take()
            && let Err(e) = otlp.shutdown()
        {
            eprintln!("warning: OTLP export did not shut down cleanly: {e}");
        }
    }
}

/// The trace of a new analysis.
pub struct NewTrace {
    /// The `submit` span, the trace's root; it ends when dropped.
    pub span: tracing::Span,
    /// 32 hex digits, stored on the query and returned by the API.
    pub trace_id: String,
    /// What the job carries: this trace, with the `submit` span as the parent of the
    /// worker's `job` span.
    pub traceparent: String,
}

/// A new W3C trace id (32 hex digits), stored on the query and carried by its job.
pub fn new_trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A new W3C span id (16 hex digits; never all zero, since a v4 UUID's version digit
/// is among them).
fn new_span_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..16].to_owned()
}

/// Starts the trace of a new analysis with a `submit` span: in the caller's trace
/// when the request carried a W3C `traceparent` (`caller`), so the API's, the
/// queue's and the worker's spans all join the trace the caller started; else a new
/// trace. With OTLP export on, the ids are the ones OpenTelemetry gave that span, so
/// the exported trace has a real root (or the caller's span as parent) and the
/// worker's spans hang under it; without, the trace id is the caller's or a fresh
/// random one, with a fresh span id (the same shape, carried the same way).
pub fn new_trace(caller: Option<&TraceParent>) -> NewTrace {
    let span = tracing::info_span!("submit", trace_id = tracing::field::Empty);
    if let Some(caller) = caller {
        caller.adopt(&span);
    }
    let otel = span.context().span().span_context().clone();
    let (trace_id, parent_id) = if otel.is_valid() {
        (otel.trace_id().to_string(), otel.span_id().to_string())
    } else {
        let trace_id = caller.map_or_else(new_trace_id, |c| c.trace_id.clone());
        (trace_id, new_span_id())
    };
    span.record("trace_id", trace_id.as_str());
    // A caller that chose not to sample keeps that choice down the line.
    let flags = if caller.is_none_or(|c| c.sampled) {
        "01"
    } else {
        "00"
    };
    NewTrace {
        traceparent: format!("00-{trace_id}-{parent_id}-{flags}"),
        span,
        trace_id,
    }
}

/// A W3C `traceparent` (`00-<trace id>-<parent span id>-<flags>`), as carried by a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    /// 32 lowercase hex digits, not all zero.
    pub trace_id: String,
    /// 16 lowercase hex digits, not all zero.
    pub parent_id: String,
    pub sampled: bool,
}

impl TraceParent {
    /// Parses version `00`; anything malformed is `None` (the job still runs, it just
    /// starts without a remote parent).
    pub fn parse(value: &str) -> Option<TraceParent> {
        let mut parts = value.trim().split('-');
        let (version, trace_id, parent_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let hex = |s: &str, len: usize| {
            s.len() == len
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && s.bytes().any(|b| b != b'0')
        };
        if version != "00" || parts.next().is_some() || !hex(trace_id, 32) || !hex(parent_id, 16) {
            return None;
        }
        let flags = u8::from_str_radix(flags, 16)
            .ok()
            .filter(|_| flags.len() == 2)?;
        Some(TraceParent {
            trace_id: trace_id.to_owned(),
            parent_id: parent_id.to_owned(),
            sampled: flags & 1 == 1,
        })
    }

    /// A parent in trace `trace_id` with a fresh span id: how a process that holds
    /// only a query's trace id (the CLI running it) joins that trace. `None` when
    /// `trace_id` is not a valid trace id.
    pub fn continuing(trace_id: &str) -> Option<TraceParent> {
        TraceParent::parse(&format!("00-{trace_id}-{}-01", new_span_id()))
    }

    /// The OpenTelemetry context with this remote parent.
    pub fn context(&self) -> opentelemetry::Context {
        // Both ids were checked as hex of the right length by `parse`.
        let span_context = SpanContext::new(
            TraceId::from_hex(&self.trace_id).unwrap_or(TraceId::INVALID),
            SpanId::from_hex(&self.parent_id).unwrap_or(SpanId::INVALID),
            if self.sampled {
                TraceFlags::SAMPLED
            } else {
                TraceFlags::default()
            },
            true,
            TraceState::default(),
        );
        opentelemetry::Context::new().with_remote_span_context(span_context)
    }

    /// Makes `span` continue this trace in OpenTelemetry (a no-op when no OTLP
    /// export is installed: the span then carries the ids only as fields).
    pub fn adopt(&self, span: &tracing::Span) {
        let _ = span.set_parent(self.context());
    }

    /// The `traceparent` entry of a job's trace context, if valid.
    pub fn from_payload(payload: &marketlens_core::ports::JobPayload) -> Option<TraceParent> {
        payload
            .trace_context
            .get("traceparent")
            .and_then(|v| TraceParent::parse(v))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::{TraceParent, filter_from};

    /// Log lines written under `filter` while `log` runs.
    fn logged_with(filter: tracing_subscriber::EnvFilter, log: impl FnOnce()) -> String {
        #[derive(Clone, Default)]
        struct Lines(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Lines {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(buf);
                Ok(buf.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let lines = Lines::default();
        let writer = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8_lossy(&lines.0.lock().unwrap()).into_owned()
    }

    fn parser_and_own_warnings() {
        tracing::warn!(target: "html5ever::tree_builder", "foster parenting not implemented");
        tracing::warn!(target: "marketlens_sources::schema_org", "own warning");
    }

    #[test]
    fn parser_warnings_are_quiet_and_our_own_are_kept() {
        for (spec, default) in [
            (None, "warn"),
            (Some("info"), "warn"),
            (Some("debug"), "info"),
        ] {
            let logs = logged_with(filter_from(spec, default), parser_and_own_warnings);
            assert!(logs.contains("own warning"), "{spec:?}: {logs}");
            assert!(!logs.contains("foster parenting"), "{spec:?}: {logs}");
        }
        // Named in the filter, the parser's warnings show.
        let logs = logged_with(
            filter_from(Some("warn,html5ever=warn"), "warn"),
            parser_and_own_warnings,
        );
        assert!(logs.contains("foster parenting"), "{logs}");
    }

    #[test]
    fn traceparent_parses_and_refuses_malformed() {
        let t =
            TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.parent_id, "00f067aa0ba902b7");
        assert!(t.sampled);
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
        ] {
            assert_eq!(TraceParent::parse(bad), None, "{bad}");
        }
    }
}
