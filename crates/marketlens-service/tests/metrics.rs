//! `/metrics` and `/v1/stats` after real analyses: a completed one, a cache hit at
//! each level and a failing one. Metrics are process-wide (one recorder per process),
//! so this binary holds a single test and every assertion compares two scrapes.

mod support;

use std::collections::BTreeMap;

use marketlens_core::domain::AnalysisRequest;
use marketlens_service::in_process::analyze_in_process;
use marketlens_service::pipeline::NoProgress;
use serde_json::json;
use support::TestApp;

/// Series of a Prometheus text exposition: (name, sorted labels) → value.
type Scrape = BTreeMap<(String, Vec<(String, String)>), f64>;

fn parse(text: &str) -> Scrape {
    let mut out = Scrape::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').expect("series and value");
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("value in {line}"));
        let (name, labels) = match series.split_once('{') {
            None => (series.to_owned(), Vec::new()),
            Some((name, rest)) => {
                let body = rest.strip_suffix('}').expect("closing brace");
                let mut labels: Vec<(String, String)> = body
                    .split("\",")
                    .filter(|kv| !kv.is_empty())
                    .map(|kv| {
                        let (k, v) = kv.split_once("=\"").expect("label");
                        (k.to_owned(), v.trim_end_matches('"').to_owned())
                    })
                    .collect();
                labels.sort();
                (name.to_owned(), labels)
            }
        };
        out.insert((name, labels), value);
    }
    out
}

/// Value of a series (0 when absent: a counter not yet incremented).
fn value(s: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
    let mut l: Vec<(String, String)> = labels
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    l.sort();
    s.get(&(name.to_owned(), l)).copied().unwrap_or(0.0)
}

async fn scrape(t: &TestApp) -> (String, Scrape) {
    let r = t.get("/metrics").await;
    assert_eq!(r.status(), 200);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    let text = r.text().await.unwrap();
    let parsed = parse(&text);
    (text, parsed)
}

#[tokio::test]
async fn metrics_and_stats_move_with_analyses() {
    let t = TestApp::spawn(1).await;
    let (_, before) = scrape(&t).await;

    // 1. A completed analysis through the API and the worker (live source fetch).
    let body = json!({"query": "wireless headphones", "currency": "EUR"});
    let location = t.submit(&body).await;
    assert_eq!(t.wait_done(&location).await["status"], "completed");

    // 2. The same question again: answered from the fresh result (analysis_result hit).
    let r = t.post(&body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["cache_hit"],
        true
    );

    // 3. The same question run again without reusing the result: the source answers
    //    from the collected-products cache.
    let request = AnalysisRequest {
        query: "wireless headphones".into(),
        currency: Some("EUR".into()),
        ..Default::default()
    };
    let done = analyze_in_process(&t.app, &request, false, &NoProgress)
        .await
        .unwrap();
    let products = done.result.products.len() as f64;

    // 4. A failing analysis: nothing matches.
    let r = t.post(&json!({"query": "flux capacitor"})).await;
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let failed = t.wait_done(&location).await;
    assert_eq!(failed["error"]["error_type"], "no_data", "{failed}");

    let (text, after) = scrape(&t).await;
    let delta = |name: &str, labels: &[(&str, &str)]| {
        value(&after, name, labels) - value(&before, name, labels)
    };

    assert_eq!(delta("marketlens_analyses_completed_total", &[]), 2.0);
    assert_eq!(
        delta(
            "marketlens_analyses_failed_total",
            &[("error_type", "no_data")]
        ),
        1.0
    );
    // End-to-end histogram: counts per outcome, and buckets are cumulative.
    let e2e = "marketlens_analysis_duration_seconds";
    assert_eq!(
        delta(&format!("{e2e}_count"), &[("outcome", "completed")]),
        2.0
    );
    assert_eq!(
        delta(&format!("{e2e}_count"), &[("outcome", "failed")]),
        1.0
    );
    assert_eq!(
        delta(
            &format!("{e2e}_bucket"),
            &[("outcome", "completed"), ("le", "+Inf")]
        ),
        2.0
    );
    assert_eq!(
        delta(
            &format!("{e2e}_bucket"),
            &[("outcome", "completed"), ("le", "300")]
        ),
        2.0,
        "a test analysis takes well under 300 s"
    );
    assert!(delta(&format!("{e2e}_sum"), &[("outcome", "completed")]) > 0.0);
    // Per stage: the failing analysis stopped after fetch_products.
    let stage = "marketlens_stage_duration_seconds_count";
    assert_eq!(delta(stage, &[("stage", "fetch_products")]), 3.0);
    for s in [
        "normalize",
        "analyze_market",
        "analyze_sentiment",
        "generate_report",
    ] {
        assert_eq!(delta(stage, &[("stage", s)]), 2.0, "{s}");
    }
    assert_eq!(
        delta(
            "marketlens_stage_duration_seconds_bucket",
            &[("stage", "normalize"), ("le", "+Inf")]
        ),
        2.0
    );
    // Per source: two live fetches (one found nothing), one from the cache.
    assert_eq!(
        delta(
            "marketlens_source_fetch_duration_seconds_count",
            &[("source", "catalog")]
        ),
        3.0
    );
    let outcomes = "marketlens_source_outcomes_total";
    assert_eq!(
        delta(outcomes, &[("source", "catalog"), ("status", "live")]),
        2.0
    );
    assert_eq!(
        delta(outcomes, &[("source", "catalog"), ("status", "cache")]),
        1.0
    );
    assert_eq!(
        delta(outcomes, &[("source", "catalog"), ("status", "failed")]),
        0.0
    );
    // Cache levels.
    let cache = "marketlens_cache_requests_total";
    let level = |l: &'static str, r: &'static str| delta(cache, &[("level", l), ("result", r)]);
    assert_eq!(level("collected_products", "hit"), 1.0);
    assert_eq!(level("collected_products", "miss"), 2.0);
    assert_eq!(level("analysis_result", "hit"), 1.0);
    assert_eq!(level("analysis_result", "miss"), 2.0);
    // Items and report size come from completed analyses only.
    let items = "marketlens_items_analysed_total";
    assert_eq!(delta(items, &[("kind", "products")]), 2.0 * products);
    assert!(delta(items, &[("kind", "offers")]) >= 2.0 * products);
    assert!(delta(items, &[("kind", "reviews")]) > 0.0);
    assert_eq!(delta("marketlens_report_size_bytes_count", &[]), 2.0);
    assert!(delta("marketlens_report_size_bytes_sum", &[]) > 1000.0);
    // Gauges and the LLM counters exist (zero: no LLM yet, nothing waiting).
    assert_eq!(
        value(&after, "marketlens_queue_jobs", &[("state", "queued")]),
        0.0
    );
    assert!(after.contains_key(&("marketlens_queue_oldest_job_age_seconds".into(), vec![])));
    assert!(after.contains_key(&(
        "marketlens_llm_tokens_total".into(),
        vec![("kind".into(), "prompt".into())]
    )));
    assert!(after.contains_key(&("marketlens_llm_cost_microdollars_total".into(), vec![])));
    // Every metric is described (what `promtool check metrics` asks for).
    for family in [
        "marketlens_analysis_duration_seconds histogram",
        "marketlens_stage_duration_seconds histogram",
        "marketlens_source_fetch_duration_seconds histogram",
        "marketlens_analyses_completed_total counter",
        "marketlens_analyses_failed_total counter",
        "marketlens_cache_requests_total counter",
        "marketlens_queue_jobs gauge",
    ] {
        assert!(text.contains(&format!("# TYPE {family}")), "{family}");
        let name = family.split(' ').next().unwrap();
        assert!(text.contains(&format!("# HELP {name} ")), "{name}");
    }
    support::promtool_check(&text);

    // /v1/stats: the same figures in JSON, with recent-window percentiles.
    let stats: serde_json::Value = t.get_json("/v1/stats").await;
    assert!(
        stats["analyses"]["completed"].as_u64().unwrap() >= 2,
        "{stats}"
    );
    assert!(
        stats["analyses"]["failed_by_error_type"]["no_data"]
            .as_u64()
            .unwrap()
            >= 1
    );
    let lat = &stats["analyses"]["latency_seconds"];
    assert!(lat["count"].as_u64().unwrap() >= 3, "{lat}");
    let (p50, p95, p99) = (
        lat["p50"].as_f64().unwrap(),
        lat["p95"].as_f64().unwrap(),
        lat["p99"].as_f64().unwrap(),
    );
    assert!(0.0 < p50 && p50 <= p95 && p95 <= p99, "{lat}");
    assert!(stats["stages"]["fetch_products"]["count"].as_u64().unwrap() >= 3);
    assert!(stats["stages"]["generate_report"]["p99"].as_f64().is_some());
    assert!(
        stats["sources"]["catalog"]["outcomes"]["cache"]
            .as_u64()
            .unwrap()
            >= 1
    );
    assert!(stats["cache"]["analysis_result"]["hits"].as_u64().unwrap() >= 1);
    assert!(
        stats["cache"]["collected_products"]["hit_rate"]
            .as_f64()
            .unwrap()
            > 0.0
    );
    assert_eq!(stats["queue"]["queued"], 0);
    assert_eq!(stats["llm"]["prompt_tokens"], 0);
    assert_eq!(stats["window"]["max_samples"], 1000);

    t.stop().await;
}
