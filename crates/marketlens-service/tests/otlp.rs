//! With an OTLP endpoint configured, the spans of an analysis arrive at it: a tiny
//! OTLP/HTTP receiver (POST /v1/traces) stands in for a collector.

mod support;

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use marketlens_core::Stage;
use std::time::Duration;

use marketlens_core::ports::QueryStatus;
use marketlens_service::submit::{Dispatch, submit, submit_in_trace};
use marketlens_service::telemetry::{Otlp, TraceParent};
use marketlens_service::worker::{WorkerOptions, run_worker};
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tracing_subscriber::layer::SubscriberExt;

type Received = Arc<Mutex<Vec<(Option<String>, Vec<u8>)>>>;

/// The trace and span of a caller that sends its W3C `traceparent`.
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

async fn receive(
    State(received): State<Received>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> &'static str {
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    received.lock().unwrap().push((ct, body.to_vec()));
    ""
}

fn hex_bytes(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spans_arrive_at_the_otlp_endpoint_as_one_trace_from_submit_to_worker() {
    let received = Received::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let receiver = Router::new()
        .route("/v1/traces", post(receive))
        .with_state(received.clone());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    // Global: the worker runs on the runtime's threads. This binary's only other test
    // emits no spans.
    let otlp = Otlp::start(&endpoint, "marketlens-test").unwrap();
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(otlp.layer()))
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let app = support::embedded_app(dir.path()).await;
    let request = support::request("wireless headphones");
    // As the API does: record and enqueue; then a worker takes the job.
    let s = submit(&app, &request, Dispatch::Enqueue, false)
        .await
        .unwrap();
    // A second one as a request carrying the caller's W3C `traceparent` (other
    // parameters, so it is not joined to the first).
    let caller = TraceParent::parse(&format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01")).unwrap();
    let mut called = request.clone();
    called.max_products = Some(7);
    let c = submit_in_trace(&app, &called, Dispatch::Enqueue, false, Some(&caller))
        .await
        .unwrap();
    assert_eq!(c.query.trace_id.as_deref(), Some(CALLER_TRACE));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(run_worker(
        app.clone(),
        WorkerOptions::new("otlp-test-worker"),
        stopped,
    ));
    for id in [s.query.id, c.query.id] {
        for _ in 0..600 {
            let q = app.store.get_query(id).await.unwrap().unwrap();
            if matches!(q.status, QueryStatus::Completed | QueryStatus::Failed) {
                assert_eq!(q.status, QueryStatus::Completed);
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    stop.send(true).unwrap();
    worker.await.unwrap();
    // Shutting down exports what the batch processor still holds.
    otlp.shutdown().unwrap();

    let received = received.lock().unwrap();
    assert!(!received.is_empty(), "no OTLP request arrived");
    let mut spans: Vec<Span> = Vec::new();
    for (content_type, body) in received.iter() {
        assert_eq!(content_type.as_deref(), Some("application/x-protobuf"));
        let request = ExportTraceServiceRequest::decode(body.as_slice()).unwrap();
        for rs in request.resource_spans {
            let service = rs
                .resource
                .iter()
                .flat_map(|r| &r.attributes)
                .find(|a| a.key == "service.name")
                .and_then(|a| a.value.as_ref())
                .map(|v| format!("{:?}", v.value));
            assert!(
                service.as_deref().unwrap_or("").contains("marketlens-test"),
                "{service:?}"
            );
            spans.extend(rs.scope_spans.into_iter().flat_map(|ss| ss.spans));
        }
    }
    let trace_id = hex_bytes(s.query.trace_id.as_deref().unwrap());
    let mine: Vec<&Span> = spans.iter().filter(|s| s.trace_id == trace_id).collect();
    let one = |name: &str| -> &Span {
        let found: Vec<&&Span> = mine.iter().filter(|s| s.name == name).collect();
        assert_eq!(found.len(), 1, "{name} in the query's trace: {found:?}");
        found[0]
    };
    // submit (API side) → job (worker) → analysis → stages; fetch_source under
    // fetch_products: one trace, the stored trace id.
    let submit_span = one("submit");
    assert!(submit_span.parent_span_id.is_empty(), "submit is the root");
    let job = one("job");
    assert_eq!(
        job.parent_span_id, submit_span.span_id,
        "job continues submit"
    );
    let analysis = one("analysis");
    assert_eq!(analysis.parent_span_id, job.span_id);
    for stage in Stage::required() {
        assert_eq!(
            one(stage.as_str()).parent_span_id,
            analysis.span_id,
            "{stage}"
        );
    }
    // The caller's request: the same tree, in the caller's trace, under its span.
    let caller_trace = hex_bytes(CALLER_TRACE);
    let theirs = |name: &str| -> &Span {
        spans
            .iter()
            .find(|s| s.trace_id == caller_trace && s.name == name)
            .unwrap_or_else(|| panic!("{name} in the caller's trace"))
    };
    let called_submit = theirs("submit");
    assert_eq!(called_submit.parent_span_id, hex_bytes(CALLER_SPAN));
    assert_eq!(theirs("job").parent_span_id, called_submit.span_id);
    assert_eq!(theirs("analysis").parent_span_id, theirs("job").span_id);
    let fetch = one("fetch_products");
    let source = one("fetch_source");
    assert_eq!(source.parent_span_id, fetch.span_id);
    assert!(
        source
            .attributes
            .iter()
            .any(|a| a.key == "source" && format!("{:?}", a.value).contains("catalog")),
        "{:?}",
        source.attributes
    );
}

#[test]
fn the_traces_url_follows_the_otlp_convention() {
    use marketlens_service::telemetry::traces_url;
    assert_eq!(traces_url("http://c:4318"), "http://c:4318/v1/traces");
    assert_eq!(traces_url("http://c:4318/"), "http://c:4318/v1/traces");
    assert_eq!(
        traces_url("http://c:4318/v1/traces"),
        "http://c:4318/v1/traces"
    );
}
