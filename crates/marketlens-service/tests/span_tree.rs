//! The span tree of one analysis, captured in-process by a small layer: names,
//! parent/child links and tags. One root `analysis` span per run carries the trace id
//! stored on the query; every stage is its child; each source fetch is a child of
//! `fetch_products`. Through the worker, the root hangs under the `job` span, which
//! continues the trace from the job's `traceparent`.

mod support;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use marketlens_core::Stage;
use marketlens_service::in_process::InProcessError;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Debug, Clone)]
struct Captured {
    name: String,
    parent: Option<u64>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Default)]
struct Tree(Arc<Mutex<BTreeMap<u64, Captured>>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(
            field.name().to_owned(),
            format!("{value:?}").trim_matches('"').to_owned(),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Tree {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let parent = ctx
            .span(id)
            .and_then(|s| s.parent())
            .map(|p| p.id().into_u64());
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().insert(
            id.into_u64(),
            Captured {
                name: attrs.metadata().name().to_owned(),
                parent,
                fields,
            },
        );
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        if let Some(c) = self.0.lock().unwrap().get_mut(&id.into_u64()) {
            values.record(&mut Fields(&mut c.fields));
        }
    }
}

impl Tree {
    fn spans(&self) -> Vec<(u64, Captured)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|(k, v)| (*k, v.clone()))
            .collect()
    }

    fn named(&self, name: &str) -> Vec<(u64, Captured)> {
        self.spans()
            .into_iter()
            .filter(|(_, c)| c.name == name)
            .collect()
    }

    /// The spans named `name` of one analysis (tagged with its `query_id`).
    fn of_query(&self, name: &str, query_id: &str) -> Vec<(u64, Captured)> {
        self.named(name)
            .into_iter()
            .filter(|(_, c)| c.fields["query_id"] == query_id)
            .collect()
    }

    /// The first span named `name` of one analysis.
    fn first_of_query(&self, name: &str, query_id: &str) -> (u64, Captured) {
        self.of_query(name, query_id)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no {name} span of {query_id}"))
    }
}

/// A tree capturing every span opened on this thread until the guard is dropped.
fn capture() -> (Tree, tracing::subscriber::DefaultGuard) {
    let tree = Tree::default();
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(tree.clone()));
    (tree, guard)
}

/// Asserts the tree below one `analysis` root; returns the root.
fn assert_analysis_tree(tree: &Tree, query_id: &str, trace_id: &str) -> Captured {
    let roots = tree.of_query("analysis", query_id);
    assert_eq!(roots.len(), 1, "one root span per analysis: {roots:?}");
    let (root_id, root) = roots.into_iter().next().unwrap();
    assert_eq!(root.fields["trace_id"], trace_id, "{root:?}");
    assert_eq!(trace_id.len(), 32);
    for stage in Stage::required() {
        let spans = tree.of_query(stage.as_str(), query_id);
        assert_eq!(spans.len(), 1, "{stage}: {spans:?}");
        let (_, span) = &spans[0];
        assert_eq!(span.parent, Some(root_id), "{stage} is a child of analysis");
        assert_ne!(span.fields["product_count"], "0", "{stage}: {span:?}");
        assert!(!span.fields.contains_key("error_type"), "{stage}: {span:?}");
    }
    let (fetch_id, _) = tree.first_of_query("fetch_products", query_id);
    let sources = tree.of_query("fetch_source", query_id);
    assert!(!sources.is_empty());
    for (_, s) in &sources {
        assert_eq!(
            s.parent,
            Some(fetch_id),
            "fetch_source under fetch_products"
        );
        assert_eq!(s.fields["source"], "catalog");
        assert!(s.fields.contains_key("cache_hit"), "{s:?}");
    }
    root
}

#[tokio::test]
async fn stages_hang_under_one_analysis_root_with_the_trace_id() {
    let (tree, _guard) = capture();
    let dir = tempfile::tempdir().unwrap();
    let app = support::embedded_app(dir.path()).await;
    let done = support::analyze(&app, "wireless headphones", false)
        .await
        .unwrap();
    let trace_id = done.query.trace_id.expect("trace id stored at submit");
    let root = assert_analysis_tree(&tree, &done.query.id.to_string(), &trace_id);
    assert!(!root.fields.contains_key("error_type"));

    // A failing analysis tags its root with error_type.
    let Err(InProcessError::Failed { query_id, .. }) =
        support::analyze(&app, "flux capacitor", false).await
    else {
        panic!("an analysis of nothing fails");
    };
    let qid = query_id.to_string();
    let (_, root) = tree.first_of_query("analysis", &qid);
    assert_eq!(root.fields["error_type"], "no_data");
}

#[tokio::test]
async fn the_worker_continues_the_trace_from_the_job() {
    // A current-thread runtime: the API and the worker run on this thread, under the
    // capturing subscriber.
    let (tree, _guard) = capture();
    let t = support::TestApp::spawn(1).await;
    let r = t
        .post(&serde_json::json!({"query": "wireless headphones"}))
        .await;
    assert_eq!(r.status(), 202);
    let created: serde_json::Value = r.json().await.unwrap();
    let location = format!("/v1/analyses/{}", created["id"].as_str().unwrap());
    let done = t.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    let trace_id = done["trace_id"]
        .as_str()
        .expect("trace id returned by the API");
    let qid = created["id"].as_str().unwrap();

    assert_analysis_tree(&tree, qid, trace_id);
    let (job_id, job) = tree.first_of_query("job", qid);
    assert_eq!(
        job.fields["trace_id"], trace_id,
        "job continues the API's trace"
    );
    assert_eq!(job.fields["parent_span_id"].len(), 16);
    let (_, root) = tree.first_of_query("analysis", qid);
    assert_eq!(
        root.parent,
        Some(job_id),
        "analysis runs inside the job span"
    );
    t.stop().await;
}

#[tokio::test]
async fn a_callers_traceparent_is_continued_through_the_api_the_queue_and_the_worker() {
    let (tree, _guard) = capture();
    let t = support::TestApp::spawn(1).await;
    let (caller_trace, caller_span) = ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");
    let r = t
        .client
        .post(format!("{}/v1/analyses", t.base))
        .header("traceparent", format!("00-{caller_trace}-{caller_span}-01"))
        .json(&serde_json::json!({"query": "wireless headphones"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["trace_id"], caller_trace, "{created}");
    let qid = created["id"].as_str().unwrap();
    let location = format!("/v1/analyses/{qid}");
    let done = t.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["trace_id"], caller_trace);

    // The API's span, the job the worker took from the queue and every stage below
    // it carry the caller's trace id.
    assert!(
        tree.named("submit")
            .iter()
            .any(|(_, s)| s.fields.get("trace_id").map(String::as_str) == Some(caller_trace)),
        "submit span in the caller's trace"
    );
    let (_, job) = tree.first_of_query("job", qid);
    assert_eq!(job.fields["trace_id"], caller_trace, "{job:?}");
    assert_analysis_tree(&tree, qid, caller_trace);
    let result = t.get_json(&format!("{location}/result")).await;
    assert_eq!(result["traceability"]["trace_id"], caller_trace);
    t.stop().await;
}
