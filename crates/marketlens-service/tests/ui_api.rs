//! The API routes the web UI reads, as any client sees them: the progress events of an
//! analysis (Server-Sent Events), history search and status filter, the options of the
//! analysis form, and the UI's own files.

mod support;

use std::time::Duration;

use serde_json::{Value, json};
use support::TestApp;

/// One event of a `text/event-stream` body.
#[derive(Debug)]
struct SseEvent {
    name: String,
    id: Option<String>,
    data: Value,
}

/// Reads the event stream at `path` to its end (at most 60 s).
async fn read_events(t: &TestApp, path: &str) -> (reqwest::header::HeaderMap, Vec<SseEvent>) {
    let mut response = t
        .client
        .get(format!("{}{path}", t.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{path}");
    let headers = response.headers().clone();
    let mut text = String::new();
    let read = async {
        while let Some(chunk) = response.chunk().await.unwrap() {
            text.push_str(std::str::from_utf8(&chunk).unwrap());
        }
    };
    tokio::time::timeout(Duration::from_secs(60), read)
        .await
        .expect("the event stream ends");
    let events = text
        .split("\n\n")
        .filter(|block| block.lines().any(|l| l.starts_with("data:")))
        .map(|block| {
            let field = |name: &str| {
                block
                    .lines()
                    .filter_map(|l| l.strip_prefix(name))
                    .map(|v| v.strip_prefix(' ').unwrap_or(v))
                    .collect::<Vec<_>>()
            };
            SseEvent {
                name: field("event:")
                    .first()
                    .copied()
                    .unwrap_or("message")
                    .to_owned(),
                id: field("id:").first().map(|s| (*s).to_owned()),
                data: serde_json::from_str(&field("data:").join("\n")).unwrap(),
            }
        })
        .collect();
    (headers, events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_follow_an_analysis_to_completed_one_event_per_change() {
    let t = TestApp::spawn(1).await;
    let location = t.submit(&json!({"query": "wireless headphones"})).await;
    let (headers, events) = read_events(&t, &format!("{location}/events")).await;
    assert_eq!(headers["content-type"], "text/event-stream");
    assert_eq!(headers["cache-control"], "no-store");

    let last = events.last().expect("at least one event");
    assert_eq!(last.name, "completed", "{events:?}");
    assert_eq!(last.data["status"], "completed");
    assert_eq!(
        last.data,
        t.get_json(&location).await,
        "the analysis as GET shows it"
    );
    for e in &events[..events.len() - 1] {
        assert_eq!(e.name, "progress", "{events:?}");
        assert!(["queued", "running"].contains(&e.data["status"].as_str().unwrap()));
    }
    // Ids count up from 1; no two events in a row say the same thing.
    let ids: Vec<String> = events.iter().map(|e| e.id.clone().unwrap()).collect();
    let expected: Vec<String> = (1..=events.len()).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected);
    for pair in events.windows(2) {
        assert_ne!(
            (&pair[0].data["status"], &pair[0].data["progress"]),
            (&pair[1].data["status"], &pair[1].data["progress"]),
            "an event without a change"
        );
    }

    // Opened after the end: the final state, once, and the stream ends.
    let (_, again) = read_events(&t, &format!("{location}/events")).await;
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0].name, "completed");

    let unknown = t
        .get("/v1/analyses/0190a3c2-0000-7000-8000-000000000000/events")
        .await;
    assert_eq!(unknown.status(), 404);
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"]["error_type"], "not_found");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_end_with_failed_when_the_analysis_fails() {
    let t = TestApp::spawn(1).await;
    let res = t.post(&json!({"query": "flux capacitor"})).await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let (_, events) = read_events(&t, &format!("{location}/events")).await;
    let last = events.last().unwrap();
    assert_eq!(last.name, "failed", "{events:?}");
    assert_eq!(last.data["error"]["error_type"], "no_data", "{}", last.data);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_searched_by_text_and_filtered_by_status() {
    let t = TestApp::spawn(1).await;
    let mut ids = Vec::new();
    for query in [
        "Wireless headphones",
        "Casque à réduction de bruit",
        "flux capacitor",
    ] {
        let res = t.post(&json!({ "query": query })).await;
        let location = res.headers()["location"].to_str().unwrap().to_owned();
        let done = t.wait_done(&location).await;
        ids.push(done["id"].as_str().unwrap().to_owned());
    }
    let listed = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = t.get_json("/v1/analyses?q=HEADPHONES").await;
    assert_eq!(listed(&page), [ids[0].clone()], "{page}");
    assert_eq!(page["total"], 1);
    let page = t.get_json("/v1/analyses?q=REDUCTION").await;
    assert_eq!(listed(&page), [ids[1].clone()], "accents folded: {page}");
    let page = t.get_json("/v1/analyses?status=failed").await;
    assert_eq!(listed(&page), [ids[2].clone()], "{page}");
    let page = t.get_json("/v1/analyses?status=completed&limit=1").await;
    assert_eq!(listed(&page), [ids[1].clone()], "newest first: {page}");
    assert_eq!(page["total"], 2);
    let page = t.get_json("/v1/analyses?q=&status=").await;
    assert_eq!(page["total"], 3, "empty parameters filter nothing");

    let bad = t.get("/v1/analyses?status=done").await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["error_type"], "invalid_parameter");
    assert_eq!(body["error"]["field"], "status");
    let long = format!("/v1/analyses?q={}", "a".repeat(201));
    let bad = t.get(&long).await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["error"]["field"], "q");
    t.stop().await;
}

#[tokio::test]
async fn analysis_options_come_from_the_active_configuration() {
    let t = TestApp::spawn(0).await;
    let options = t.get_json("/v1/analysis-options").await;
    let config = &t.app.config;
    assert_eq!(
        options["sources"],
        json!(config.enabled_source_names()),
        "{options}"
    );
    assert_eq!(options["defaults"]["currency"], "EUR");
    assert_eq!(options["defaults"]["market"], "FR");
    assert_eq!(
        options["defaults"]["max_products"],
        config.defaults.max_products
    );
    assert_eq!(options["agent_config_version"], t.app.config_version);
    let currencies = options["currencies"].as_array().unwrap();
    assert!(currencies.contains(&json!("EUR")) && currencies.contains(&json!("USD")));
    assert!(
        options["markets"]
            .as_array()
            .unwrap()
            .contains(&json!("FR"))
    );
    assert_eq!(
        options["conditions"],
        json!(["any", "new", "used", "refurbished"])
    );
    assert_eq!(options["languages"], json!(["en", "fr"]));
    // Every choice offered is accepted by POST /v1/analyses.
    let res = t
        .post(&json!({
            "query": "x",
            "currency": currencies.last().unwrap(),
            "market": options["markets"][0],
            "sources": options["sources"],
            "condition": "refurbished",
            "language": "fr",
            "max_products": options["max_products_limit"],
        }))
        .await;
    assert_eq!(res.status(), 202, "{:?}", res.text().await);
    t.stop().await;
}

#[tokio::test]
async fn the_ui_is_served_from_the_binary_with_a_strict_policy() {
    let t = TestApp::spawn(0).await;
    let page = t.get_ok("/", "text/html; charset=utf-8").await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = page.text().await.unwrap();
    assert!(html.contains("<script src=\"/ui/app.js\""));
    assert!(html.contains("<noscript>"));
    // Nothing is loaded from anywhere else.
    assert!(!html.contains("http://") && !html.contains("https://"));
    for (file, content_type) in [
        ("app.js", "text/javascript; charset=utf-8"),
        ("app.css", "text/css; charset=utf-8"),
    ] {
        let res = t.get_ok(&format!("/ui/{file}"), content_type).await;
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("http://") && !body.contains("https://"),
            "{file}"
        );
        // Data is inserted as text: the script never writes HTML.
        for sink in [
            "innerHTML",
            "outerHTML",
            "insertAdjacentHTML",
            "document.write",
        ] {
            assert!(!body.contains(sink), "{file} uses {sink}");
        }
    }
    let missing = t.get("/ui/secret.txt").await;
    assert_eq!(missing.status(), 404);
    let body: Value = missing.json().await.unwrap();
    assert_eq!(body["error"]["error_type"], "not_found");
    t.stop().await;
}
