//! The HTTP API against the real server on a random port.

mod support;

use marketlens_adapters::contract::postgres::with_fresh_database;
use serde_json::json;
use support::{TestApp, write_catalog};

/// The headers of an answer holding a team's data: never cached, never sniffed.
fn assert_data_is_not_kept_or_sniffed(res: &reqwest::Response) {
    let url = res.url().to_string();
    assert_eq!(res.headers()["x-content-type-options"], "nosniff", "{url}");
    assert_eq!(res.headers()["cache-control"], "no-store", "{url}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analysis_goes_from_202_to_completed_with_json_and_html() {
    let t = TestApp::spawn(1).await;
    let res = t.post(&json!({"query": "wireless headphones"})).await;
    assert_eq!(res.status(), 202);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "queued");
    assert_eq!(body["fingerprint"].as_str().unwrap().len(), 32);
    assert_eq!(
        location,
        format!("/v1/analyses/{}", body["id"].as_str().unwrap())
    );

    let done = t.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["attempts"], 1);
    assert!(
        done["progress"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "done"),
        "{done}"
    );

    let result = t.get(&format!("{location}/result")).await;
    assert_data_is_not_kept_or_sniffed(&result);
    let result: serde_json::Value = result.json().await.unwrap();
    assert!(result["market"]["offer_count"].as_u64().unwrap() >= 10);
    assert!(result["sentiment"]["review_count"].as_u64().unwrap() >= 10);
    assert_eq!(result["quality"]["passed"], true, "{}", result["quality"]);
    assert!(
        result["data_notices"][0]
            .as_str()
            .unwrap()
            .contains("Sample data")
    );

    let report = t.get(&format!("{location}/report")).await;
    assert_eq!(report.status(), 200);
    assert!(
        report.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let csp = report.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert_data_is_not_kept_or_sniffed(&report);
    for path in [location.clone(), "/v1/analyses".to_owned()] {
        assert_data_is_not_kept_or_sniffed(&t.get(&path).await);
    }
    let html = report.text().await.unwrap();
    assert!(html.contains("Sample data"));
    assert!(html.contains("<svg"));

    // The rows behind it.
    let id = uuid::Uuid::parse_str(body["id"].as_str().unwrap()).unwrap();
    let q = t.app.store.get_query(id).await.unwrap().unwrap();
    assert_eq!(q.normalized_text, "wireless headphones");
    assert_eq!(q.agent_config_version, t.app.config_version);
    assert!(q.started_at.is_some() && q.finished_at.is_some() && q.trace_id.is_some());
    let stored = t.app.store.get_result(id).await.unwrap().unwrap();
    assert_eq!(stored.report_size as usize, html.len());
    assert_eq!(stored.crate_version, env!("CARGO_PKG_VERSION"));
    assert!(!stored.git_sha.is_empty());
    assert!(stored.quality_passed);

    // History lists it, newest first.
    let page: serde_json::Value = t.get_json("/v1/analyses?limit=5").await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["id"], body["id"]);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_request_is_answered_from_the_fresh_result() {
    let t = TestApp::spawn(1).await;
    let first = t.post(&json!({"query": "Wireless Headphones"})).await;
    let first: serde_json::Value = first.json().await.unwrap();
    let loc = format!("/v1/analyses/{}", first["id"].as_str().unwrap());
    t.wait_done(&loc).await;

    let second = t.post(&json!({"query": "  wireless   headphones!"})).await;
    assert_eq!(second.status(), 200);
    let second: serde_json::Value = second.json().await.unwrap();
    assert_eq!(second["status"], "completed");
    assert_eq!(second["cache_hit"], true);
    assert_eq!(second["fingerprint"], first["fingerprint"]);
    assert_ne!(second["id"], first["id"]);
    let a: serde_json::Value = t.get_json(&format!("{loc}/result")).await;
    let b: serde_json::Value = t
        .get_json(&format!(
            "/v1/analyses/{}/result",
            second["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(a, b);

    // Different parameters are a different question.
    t.submit(&json!({"query": "wireless headphones", "currency": "USD"}))
        .await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_documented_errors_and_write_nothing() {
    let t = TestApp::spawn(0).await;
    let big_query = "a".repeat(10 * 1024);
    let huge_body = format!("{{\"query\": \"{}\"}}", "b".repeat(100 * 1024));
    let analyses = format!("{}/v1/analyses", t.base);
    let submit = |body: serde_json::Value| t.client.post(&analyses).json(&body);
    let submit_raw = |body: String| {
        t.client
            .post(&analyses)
            .header("content-type", "application/json")
            .body(body)
    };
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (submit(json!({"query": ""})), 422, "empty_query"),
        (submit(json!({"query": "  ?! "})), 422, "empty_query"),
        (submit(json!({"query": big_query})), 422, "query_too_long"),
        (
            submit(json!({"query": "tv", "sources": ["ebay"]})),
            422,
            "unknown_source",
        ),
        (
            submit(json!({"query": "tv", "currency": "EURO"})),
            422,
            "invalid_parameter",
        ),
        (
            submit_raw("{\"query\": \"tv\"".to_owned()),
            400,
            "malformed_request",
        ),
        (
            submit(json!({"query": "tv", "colour": "red"})),
            400,
            "malformed_request",
        ),
        (submit_raw(huge_body), 413, "payload_too_large"),
        (
            t.client
                .get(format!("{}/v1/analyses/{}", t.base, uuid::Uuid::new_v4())),
            404,
            "not_found",
        ),
        (
            t.client
                .get(format!("{}/v1/analyses/not-a-uuid/result", t.base)),
            404,
            "not_found",
        ),
        (
            t.client.get(format!("{}/v1/analyses?limit=0", t.base)),
            422,
            "invalid_parameter",
        ),
    ];
    for (req, status, error_type) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "expected {error_type}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["error_type"], error_type, "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(
        t.local_query_total().await,
        0,
        "a rejected request wrote a query"
    );
    assert_eq!(t.app.queue.stats().await.unwrap().queued, 0);

    // Not finished yet: result is 409 not_ready.
    let res = t.post(&json!({"query": "espresso machine"})).await;
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let res = t.get(&format!("{loc}/result")).await;
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["error_type"], "not_ready");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_markets_are_refused_listing_the_known_ones() {
    let t = TestApp::spawn(0).await;
    for market in ["ZZ", "xx"] {
        let res = t.post(&json!({"query": "tv", "market": market})).await;
        assert_eq!(res.status(), 422, "{market}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["error_type"], "invalid_parameter", "{body}");
        assert_eq!(body["error"]["field"], "market", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(&market.to_ascii_uppercase()), "{message}");
        // The built-in configuration's markets, each with its tax rule.
        assert!(message.contains("CA, CH, DE"), "{message}");
        assert!(
            message.contains("GB") && message.contains("US"),
            "{message}"
        );
    }
    assert_eq!(t.local_query_total().await, 0);
    t.submit(&json!({"query": "tv", "market": "us", "currency": "USD"}))
        .await;
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prices_are_accepted_as_numbers_or_strings_and_an_inverted_range_is_422() {
    let t = TestApp::spawn(0).await;
    for (body, min, max) in [
        (json!({"query": "tv", "min_price": 500}), "500", None),
        (
            json!({"query": "tv", "min_price": 99.5, "max_price": "1299.99"}),
            "99.5",
            Some("1299.99"),
        ),
    ] {
        let res = t.post(&body).await;
        assert_eq!(res.status(), 202, "{body}");
        let view: serde_json::Value = res.json().await.unwrap();
        assert_eq!(view["params"]["min_price"], min, "{view}");
        assert_eq!(view["params"]["max_price"].as_str(), max, "{view}");
    }
    let res = t
        .post(&json!({"query": "tv", "min_price": 500, "max_price": 100}))
        .await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["error_type"], "invalid_parameter", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("min_price (500)") && message.contains("max_price (100)"),
        "{message}"
    );
    for bad in [json!("cheap"), json!(true)] {
        let res = t.post(&json!({"query": "tv", "min_price": bad})).await;
        assert_eq!(res.status(), 400, "{bad}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["error_type"], "malformed_request", "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("min_price"),
            "{body}"
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scraped_markup_is_escaped_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_catalog(
        dir.path(),
        concat!(
            r#"{"product_id":"x1","title":"Evil <script>alert('t')</script> Speaker","brand":"\"><img src=x onerror=alert(1)>","category":"speakers","keywords":["speaker"]}"#,
            "\n"
        ),
        concat!(
            r#"{"offer_id":"o1","product_id":"x1","shop":"<b>Shop</b>","price_text":"19,99 €","currency":"EUR","url":"javascript:alert(1)"}"#,
            "\n",
            r#"{"offer_id":"o2","product_id":"x1","shop":"Other","price_text":"$25.00","currency":"USD","url":"https://other.example/x1"}"#,
            "\n"
        ),
        concat!(
            r#"{"review_id":"r1","product_id":"x1","rating":5,"text":"Great sound <script>steal()</script>, really love it!","language":"en"}"#,
            "\n"
        ),
    );
    let t = TestApp::spawn_with_config(1, Some(&config)).await;
    let res = t.post(&json!({"query": "speaker"})).await;
    let loc = res.headers()["location"].to_str().unwrap().to_owned();
    let done = t.wait_done(&loc).await;
    assert_eq!(done["status"], "completed", "{done}");
    let html = t.get(&format!("{loc}/report")).await.text().await.unwrap();
    assert!(!html.contains("<script"), "raw script tag in report");
    assert!(!html.contains("<img src=x"), "raw img tag in report");
    assert!(!html.contains("<b>Shop</b>"));
    assert!(!html.contains("href=\"javascript:"));
    assert!(
        html.contains("&lt;script&gt;") || html.contains("&#60;script&#62;"),
        "escaped title missing"
    );
    assert!(
        html.contains("onerror=alert(1)"),
        "escaped brand text should still be visible"
    );
    t.stop().await;
}

#[tokio::test]
async fn protocol_errors_are_documented_json_too() {
    let t = TestApp::spawn(0).await;
    let id = uuid::Uuid::new_v4();
    let many_headers = (0..80).fold(t.client.get(format!("{}/healthz", t.base)), |req, i| {
        req.header(format!("x-extra-{i}"), "1")
    });
    let cases: Vec<(reqwest::RequestBuilder, u16, &str)> = vec![
        (
            t.client.delete(format!("{}/v1/analyses/{id}", t.base)),
            405,
            "method_not_allowed",
        ),
        (
            t.client.put(format!("{}/v1/analyses", t.base)),
            405,
            "method_not_allowed",
        ),
        // `%FF` does not decode as UTF-8: no id can be it.
        (
            t.client.get(format!("{}/v1/analyses/%FF%FE", t.base)),
            404,
            "not_found",
        ),
        (
            t.client
                .get(format!("{}/v1/analyses/%C3%28/report", t.base)),
            404,
            "not_found",
        ),
        (
            t.client.get(format!(
                "{}/v1/analyses?q={}",
                t.base,
                "a".repeat(10 * 1024)
            )),
            414,
            "uri_too_long",
        ),
        (many_headers, 431, "headers_too_large"),
        (
            t.client
                .get(format!("{}/healthz", t.base))
                .header("x-big", "b".repeat(20 * 1024)),
            431,
            "headers_too_large",
        ),
    ];
    for (req, status, error_type) in cases {
        let res = req.send().await.unwrap();
        assert_eq!(res.status().as_u16(), status, "expected {error_type}");
        if status == 405 {
            let allow = res.headers()["allow"].to_str().unwrap().to_owned();
            assert!(allow.contains("GET"), "Allow: {allow}");
        }
        assert_eq!(
            res.headers()["content-type"],
            "application/json",
            "{error_type}"
        );
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["error"]["error_type"], error_type, "{body}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_with_no_matching_product_fails_with_no_data() {
    let t = TestApp::spawn(1).await;
    let loc = t.submit(&json!({"query": "flux capacitor"})).await;
    let done = t.wait_done(&loc).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["error"]["error_type"], "no_data");
    assert_eq!(done["attempts"], 1, "no_data is not retried");
    let res = t.get(&format!("{loc}/report")).await;
    assert_eq!(res.status(), 409);
    t.stop().await;
}

/// The dependency report at `path`, which must answer 200 with status `ready`.
async fn ready_report(t: &TestApp, path: &str) -> serde_json::Value {
    let res = t.get_ok(path, "application/json").await;
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["status"], "ready", "{path}: {body}");
    body
}

#[tokio::test]
async fn healthz_reports_each_dependency() {
    let t = TestApp::spawn(0).await;
    let body = ready_report(&t, "/healthz").await;
    let names = support::field_strs(&body["checks"], "name");
    assert_eq!(names, ["store", "queue", "cache", "blob"]);
    t.stop().await;
}

#[tokio::test]
async fn readyz_is_ready_on_the_embedded_backends() {
    let t = TestApp::spawn(0).await;
    let body = ready_report(&t, "/readyz").await;
    let checks: Vec<(&str, &str, bool)> = body["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap(),
                c["status"].as_str().unwrap(),
                c["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("store", "ok", true),
            ("queue", "ok", true),
            ("cache", "ok", false),
            ("blob", "ok", false)
        ]
    );
    t.stop().await;
}

#[tokio::test]
async fn healthz_and_readyz_agree_when_the_cache_is_down() {
    // Nothing listens on port 1: the Redis cache level is down from the start.
    let t = TestApp::spawn_with_settings(0, |s| {
        s.backends.redis_url = Some("redis://127.0.0.1:1/".into());
    })
    .await;
    let health = t.get("/healthz").await;
    let ready = t.get("/readyz").await;
    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    let health: serde_json::Value = health.json().await.unwrap();
    let ready: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(health["status"], ready["status"], "{health}");
    let statuses = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].to_string(), c["status"].to_string()))
            .collect()
    };
    assert_eq!(statuses(&health), statuses(&ready));
    assert!(
        statuses(&health).contains(&("\"cache\"".into(), "\"degraded\"".into())),
        "{health}"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_store_with_the_embedded_queue_is_said_in_readyz_and_healthz() {
    with_fresh_database(|url| async move {
        let t = TestApp::spawn_with_settings(0, |s| s.backends.database_url = Some(url)).await;
        for path in ["/readyz", "/healthz"] {
            let res = t.get(path).await;
            assert_eq!(res.status(), 200, "{path}");
            let body: serde_json::Value = res.json().await.unwrap();
            let warnings = body["warnings"].as_array().cloned().unwrap_or_default();
            assert_eq!(warnings.len(), 1, "{path}: {body}");
            let warning = warnings[0].as_str().unwrap();
            assert!(
                warning.contains("embedded SQLite queue") && warning.contains("--queue-url"),
                "{path}: {warning}"
            );
        }
        t.stop().await;
    })
    .await;
}
