//! The OpenAPI document (`/openapi.json`) against the real router and real answers,
//! checked by an independent validator, and the `/docs` page rendered by headless
//! Chromium with every non-loopback connection refused.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

use marketlens_adapters::contract::service_available;
use marketlens_service::api::openapi::document;
use marketlens_service::api::route_paths;
use reqwest::Method;
use serde_json::{Value, json};
use support::TestApp;

/// The methods the document lists for each path.
fn documented_routes(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item
                .as_object()
                .expect("path item")
                .keys()
                .filter(|k| {
                    [
                        "get", "put", "post", "delete", "patch", "options", "head", "trace",
                    ]
                    .contains(&k.as_str())
                })
                .map(|k| k.to_uppercase())
                .collect();
            (path.clone(), methods)
        })
        .collect()
}

/// The methods the router serves on each of its paths, read from the `Allow` header of
/// the 405 it answers to a method no route has.
async fn served_routes(app: &TestApp) -> BTreeMap<String, BTreeSet<String>> {
    let probe = Method::from_bytes(b"PROBE").unwrap();
    let mut served = BTreeMap::new();
    for path in route_paths() {
        let url = format!(
            "{}{}",
            app.base,
            path.replace("{id}", "0190a3c2-0000-7000-8000-000000000000")
        );
        let response = app.client.request(probe.clone(), url).send().await.unwrap();
        assert_eq!(response.status(), 405, "{path} answers an unknown method");
        let allow = response
            .headers()
            .get("allow")
            .unwrap_or_else(|| panic!("{path}: 405 without Allow"))
            .to_str()
            .unwrap()
            .to_owned();
        let methods = allow
            .split(',')
            .map(|m| m.trim().to_uppercase())
            // axum answers HEAD wherever it answers GET; the document lists GET.
            .filter(|m| !m.is_empty() && m != "HEAD")
            .collect();
        served.insert(path.to_owned(), methods);
    }
    served
}

#[tokio::test]
async fn every_route_of_the_router_is_in_the_document_and_the_other_way_round() {
    let app = TestApp::spawn(0).await;
    let served = served_routes(&app).await;
    let documented = documented_routes(document());
    for (path, methods) in &served {
        assert_eq!(
            documented.get(path),
            Some(methods),
            "route {path} ({methods:?}) is not in the OpenAPI document as served"
        );
    }
    for path in documented.keys() {
        assert!(
            served.contains_key(path),
            "the document lists {path}, which the router does not serve"
        );
    }
    assert!(served.len() >= 10, "{served:?}");
    app.stop().await;
}

#[tokio::test]
async fn openapi_json_serves_the_3_1_document_with_error_types_per_status() {
    let app = TestApp::spawn(0).await;
    let response = app.get_ok("/openapi.json", "application/json").await;
    let doc: Value = response.json().await.unwrap();
    assert_eq!(doc, *document());
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let words = |status: &str| -> BTreeSet<String> {
        doc["components"]["schemas"][format!("Error{status}")]["allOf"][1]["properties"]["error"]
            ["properties"]["error_type"]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("no error schema for {status}"))
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect()
    };
    let expect =
        |list: &[&str]| -> BTreeSet<String> { list.iter().map(|s| (*s).to_owned()).collect() };
    assert_eq!(
        words("422"),
        expect(&[
            "empty_query",
            "query_too_long",
            "invalid_parameter",
            "unknown_source",
            // A configuration posted to /v1/admin/agent-configs that does not validate.
            "invalid_config"
        ])
    );
    assert_eq!(words("400"), expect(&["malformed_request"]));
    assert_eq!(words("404"), expect(&["not_found"]));
    assert_eq!(words("409"), expect(&["not_ready", "conflict"]));
    assert!(words("503").contains("unavailable"));

    // Real error answers carry a word their status's schema lists.
    let cases = [
        (app.post(&json!({"query": ""})).await, "422"),
        (app.post(&json!({"query": "x", "nope": 1})).await, "400"),
        (
            app.get("/v1/analyses/0190a3c2-0000-7000-8000-000000000000")
                .await,
            "404",
        ),
        (app.get("/v1/analyses?limit=0").await, "422"),
    ];
    for (response, status) in cases {
        assert_eq!(response.status().as_str(), status);
        let body: Value = response.json().await.unwrap();
        let word = body["error"]["error_type"].as_str().unwrap().to_owned();
        assert!(words(status).contains(&word), "{status}: {word}");
    }
    // Each operation's error responses point at their status's schema.
    let post = &doc["paths"]["/v1/analyses"]["post"]["responses"];
    assert_eq!(
        post["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Error422"
    );
    app.stop().await;
}

/// The top-level fields of the schema `name`.
fn schema_fields(name: &str) -> BTreeSet<String> {
    let schema = &document()["components"]["schemas"][name];
    let mut fields: BTreeSet<String> = schema["properties"]
        .as_object()
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default();
    for part in schema["allOf"].as_array().into_iter().flatten() {
        if let Some(reference) = part["$ref"].as_str() {
            fields.extend(schema_fields(reference.rsplit('/').next().unwrap()));
        }
        if let Some(p) = part["properties"].as_object() {
            fields.extend(p.keys().cloned());
        }
    }
    assert!(!fields.is_empty(), "schema {name} has no fields");
    fields
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_answers_have_exactly_the_documented_fields() {
    let app = TestApp::spawn(1).await;
    let response = app
        .post(&json!({"query": "wireless headphones", "max_price": "900"}))
        .await;
    assert_eq!(response.status(), 202, "{:?}", response.text().await);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let submitted: Value = response.json().await.unwrap();
    assert_eq!(keys(&submitted), schema_fields("SubmittedView"));

    let done = app.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(keys(&done), schema_fields("AnalysisView"));
    assert_eq!(keys(&done["params"]), schema_fields("AnalysisParams"));
    assert_eq!(
        keys(&done["progress"][0]),
        schema_fields("StageProgress"),
        "{done}"
    );

    let result: Value = app.get_json(&format!("{location}/result")).await;
    // `llm` is written only when the optional LLM stage is configured (off here).
    let mut result_fields = schema_fields("AnalysisResult");
    assert!(result_fields.remove("llm") && result.get("llm").is_none());
    assert_eq!(keys(&result), result_fields);
    assert_eq!(keys(&result["sources"][0]), schema_fields("SourceOutcome"));
    assert_eq!(keys(&result["traceability"]), schema_fields("Traceability"));

    let page: Value = app.get_json("/v1/analyses").await;
    assert_eq!(keys(&page), schema_fields("PageView"));
    let stats: Value = app.get_json("/v1/stats").await;
    assert_eq!(keys(&stats), schema_fields("Stats"));
    let health: Value = app.get_json("/healthz").await;
    // `warnings` is left out when there is none.
    let mut health_fields = schema_fields("Health");
    health_fields.remove("warnings");
    assert_eq!(keys(&health), health_fields);
    app.stop().await;
}

/// `openapi-spec-validator` (Python, from PyPI), as `.ci/run` installs it.
fn validator() -> Option<PathBuf> {
    let path = std::env::var_os("MARKETLENS_TEST_OPENAPI_VALIDATOR").map(PathBuf::from);
    let found = match &path {
        Some(p) if p.exists() => Ok(()),
        Some(p) => Err(format!("{} does not exist", p.display())),
        None => Err("MARKETLENS_TEST_OPENAPI_VALIDATOR is not set".to_owned()),
    };
    service_available("openapi-spec-validator", found).then(|| path.unwrap())
}

#[test]
fn the_document_passes_an_independent_openapi_3_1_validator() {
    let Some(validator) = validator() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, serde_json::to_vec_pretty(document()).unwrap()).unwrap();
    let out = Command::new(&validator)
        .args(["--schema", "3.1"])
        .arg(&file)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "validator refused the document: {said}"
    );
    assert!(said.contains("OK"), "{said}");

    // And it refuses a broken one, so the check above can fail.
    let mut broken = document().clone();
    broken["paths"]["/v1/analyses"]["post"]["responses"]["202"] = json!({"content": 1});
    std::fs::write(&file, serde_json::to_vec(&broken).unwrap()).unwrap();
    let out = Command::new(&validator)
        .args(["--schema", "3.1"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(!out.status.success(), "a broken document passed");
}

#[tokio::test]
async fn docs_page_lists_every_route_and_refers_to_nothing_outside() {
    let app = TestApp::spawn(0).await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let html = response.text().await.unwrap();
    for (path, methods) in documented_routes(document()) {
        for method in methods {
            let entry = format!("<code>{method} {}</code>", path);
            assert!(html.contains(&entry), "route list lacks {entry}");
        }
    }
    for word in [
        "empty_query",
        "not_ready",
        "unavailable",
        "malformed_request",
    ] {
        assert!(html.contains(&format!("<code>{word}</code>")), "{word}");
    }
    assert!(html.contains("id=\"schema-AnalysisRequest\""));
    // Self-contained: no script, nothing loaded from anywhere.
    assert!(!html.contains("<script"));
    assert!(!html.contains("src="));
    assert!(!html.contains("<link"));
    assert!(!html.contains("http://") && !html.contains("https://"));
    app.stop().await;
}

/// Chromium, as `.ci/run` installs it (Debian's `chromium`).
fn chromium() -> Option<PathBuf> {
    let path = PathBuf::from(
        std::env::var_os("MARKETLENS_TEST_CHROMIUM").unwrap_or_else(|| "/usr/bin/chromium".into()),
    );
    let found = if path.exists() {
        Ok(())
    } else {
        Err(format!("{} not found", path.display()))
    };
    service_available("chromium", found).then_some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn docs_page_renders_its_route_list_in_chromium_with_the_network_off() {
    let Some(chromium) = chromium() else {
        return;
    };
    let app = TestApp::spawn(0).await;
    let profile = tempfile::tempdir().unwrap();
    let shots = tempfile::tempdir().unwrap();
    let screenshot = std::env::var_os("MARKETLENS_DOCS_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| shots.path().join("docs.png"));
    let url = format!("{}/docs", app.base);
    let run = |extra: Vec<String>| {
        let mut command = Command::new(&chromium);
        command
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                // Every connection goes to a closed port, except to the test server on
                // loopback: the page must render from what that server sends alone.
                "--proxy-server=127.0.0.1:9",
                "--proxy-bypass-list=127.0.0.1",
            ])
            .arg(format!(
                "--user-data-dir={}",
                profile.path().join("profile").display()
            ))
            // Its scratch folders (`org.chromium.Chromium.*`) go with the profile.
            .env("TMPDIR", profile.path())
            .args(extra)
            .arg(&url);
        command
    };
    let dump = tokio::task::spawn_blocking({
        let mut command = run(vec!["--dump-dom".into()]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    let dom = String::from_utf8_lossy(&dump.stdout).into_owned();
    assert!(
        dom.contains("id=\"route-list\""),
        "no route list in the rendered page: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    let documented = documented_routes(document());
    let listed = dom.matches("<li><a href=\"#route-").count();
    let operations: usize = documented.values().map(BTreeSet::len).sum();
    assert_eq!(listed, operations, "rendered route list");
    assert!(dom.contains("<code>POST /v1/analyses</code>"));

    let shot = tokio::task::spawn_blocking({
        let mut command = run(vec![
            format!("--screenshot={}", screenshot.display()),
            "--window-size=1000,1400".into(),
        ]);
        move || command.output().unwrap()
    })
    .await
    .unwrap();
    let png = std::fs::read(&screenshot).unwrap_or_else(|e| {
        panic!(
            "no screenshot ({e}): {}",
            String::from_utf8_lossy(&shot.stderr)
        )
    });
    assert!(png.starts_with(b"\x89PNG"), "screenshot is a PNG");
    app.stop().await;
}

#[test]
fn prices_of_a_request_are_documented_as_numbers_or_decimal_strings() {
    let properties = &document()["components"]["schemas"]["AnalysisRequest"]["properties"];
    for field in ["min_price", "max_price"] {
        let types: BTreeSet<&str> = properties[field]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{field}: {}", properties[field]))
            .iter()
            .filter_map(|s| s["type"].as_str())
            .collect();
        assert_eq!(
            types,
            BTreeSet::from(["number", "string", "null"]),
            "{field}"
        );
    }
}

#[test]
fn closed_vocabularies_are_documented_with_the_words_the_api_writes() {
    use marketlens_core::domain::{Condition, Language};
    let schemas = &document()["components"]["schemas"];
    let documented = |name: &str| -> Vec<String> {
        schemas[name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name}: {}", schemas[name]))
            .iter()
            .map(|w| w.as_str().unwrap().to_owned())
            .collect()
    };
    let words = |all: &[&str]| all.iter().map(|w| (*w).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        documented("Language"),
        words(&Language::ALL.map(Language::as_str))
    );
    assert_eq!(
        documented("Condition"),
        words(&Condition::ALL.map(Condition::as_str))
    );
    // And they are what serde writes.
    assert_eq!(serde_json::to_value(Language::Fr).unwrap(), json!("fr"));
}

/// The document names each schema after its type; two types of one name would leave
/// one of them documented with the other's fields.
#[test]
fn types_sharing_a_short_name_are_documented_apart() {
    use marketlens_service::experiments::VariantLatency;
    use marketlens_service::metrics::LatencySummary;
    let written = |v: Value| keys(&v);
    let window = LatencySummary {
        count: 0,
        p50: None,
        p95: None,
        p99: None,
        max: None,
    };
    assert_eq!(
        schema_fields("LatencySummary"),
        written(serde_json::to_value(window).unwrap())
    );
    let variant = VariantLatency {
        p50: 1.0,
        p95: 2.0,
        mean: None,
    };
    assert_eq!(
        schema_fields("VariantLatency"),
        written(serde_json::to_value(variant).unwrap())
    );
}
