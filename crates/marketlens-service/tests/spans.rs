//! The spans of one analysis, as JSON log lines: stage names and tags.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use marketlens_core::Stage;

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Buffer {
    type Writer = Buffer;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Closed spans from the captured JSON lines: (name, fields).
fn closed_spans(buf: &Buffer) -> Vec<(String, serde_json::Value)> {
    let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == "close")
        .map(|v| {
            (
                v["span"]["name"].as_str().unwrap_or("").to_owned(),
                v["span"].clone(),
            )
        })
        .collect()
}

/// Closed spans once every name in `expected` has closed. A span closes when its last
/// handle drops, and adapters may hold one briefly on another thread (the SQLite
/// driver runs commands on its own worker thread inside the caller's span), so the
/// close can land just after the analysis returns.
async fn closed_spans_when(buf: &Buffer, expected: &[&str]) -> Vec<(String, serde_json::Value)> {
    for _ in 0..100 {
        let spans = closed_spans(buf);
        if expected.iter().all(|e| spans.iter().any(|(n, _)| n == e)) {
            return spans;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    closed_spans(buf)
}

#[tokio::test]
async fn each_stage_is_a_span_with_its_tags() {
    let buf = Buffer::default();
    // Global, not a thread's default: a span closed on another thread (the SQLite
    // driver's, the blocking pool's) releases its parent through the global
    // dispatcher, so with a thread-local one the parent stage span would never close.
    // This binary has no other test.
    tracing::subscriber::set_global_default(marketlens_service::telemetry::json_subscriber(
        buf.clone(),
        "info",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let app = support::embedded_app(dir.path()).await;
    let done = support::analyze(&app, "wireless headphones", false)
        .await
        .unwrap();
    let qid = done.query.id.to_string();

    let mut expected: Vec<&str> = Stage::required().map(Stage::as_str).collect();
    expected.push("fetch_source");
    let spans = closed_spans_when(&buf, &expected).await;
    let names: Vec<&str> = spans.iter().map(|(n, _)| n.as_str()).collect();
    for stage in Stage::required() {
        let (_, fields) = spans
            .iter()
            .find(|(n, _)| n == stage.as_str())
            .unwrap_or_else(|| panic!("no span {stage} in {names:?}"));
        assert_eq!(fields["query_id"], qid.as_str(), "{stage}: {fields}");
        assert!(
            fields["product_count"].as_u64().unwrap() > 0,
            "{stage}: {fields}"
        );
        assert!(fields["cache_hit"].is_boolean(), "{stage}: {fields}");
        assert!(
            fields.get("error_type").is_none(),
            "{stage} failed: {fields}"
        );
    }
    let (_, source) = spans
        .iter()
        .find(|(n, _)| n == "fetch_source")
        .expect("per-source span");
    assert_eq!(source["source"], "catalog");
    assert_eq!(source["cache_hit"], false);

    // A second run of the same question is served by the collected-products cache.
    buf.0.lock().unwrap().clear();
    support::analyze(&app, "wireless headphones", false)
        .await
        .unwrap();
    let spans = closed_spans_when(&buf, &["fetch_products"]).await;
    let (_, fetch) = spans.iter().find(|(n, _)| n == "fetch_products").unwrap();
    assert_eq!(fetch["cache_hit"], true, "{fetch}");

    // A failing analysis tags its stage with error_type.
    buf.0.lock().unwrap().clear();
    let err = support::analyze(&app, "flux capacitor", false)
        .await
        .unwrap_err();
    assert_eq!(err.error_type().as_str(), "no_data");
    let spans = closed_spans_when(&buf, &["fetch_products"]).await;
    let (_, fetch) = spans.iter().find(|(n, _)| n == "fetch_products").unwrap();
    assert_eq!(fetch["error_type"], "no_data", "{fetch}");
}
