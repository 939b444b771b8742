//! Experiments through the HTTP API: admin routes, assignment of submitted analyses,
//! and the results route.

mod support;

use serde_json::json;
use support::TestApp;

async fn admin(t: &TestApp, path: &str, body: Option<serde_json::Value>) -> reqwest::Response {
    let url = format!("{}/v1/admin/experiments{path}", t.base);
    let request = t.client.post(url);
    match body {
        Some(body) => request.json(&body),
        None => request,
    }
    .send()
    .await
    .unwrap()
}

async fn error_of(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let body: serde_json::Value = res.json().await.unwrap();
    (status, body["error"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_experiment_assigns_analyses_and_reports_results() {
    let t = TestApp::spawn(1).await;
    let variants = json!([{"name": "control", "weight": 1},
                          {"name": "treatment", "weight": 1, "prompt_version": "v2"}]);

    // Refusals: schema, malformed JSON, a variant list the rules reject.
    let (status, error) = error_of(admin(&t, "", Some(json!({"name": "x"}))).await).await;
    assert_eq!(
        (status, error["error_type"].as_str()),
        (400, Some("malformed_request"))
    );
    let malformed = t
        .client
        .post(format!("{}/v1/admin/experiments", t.base))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(malformed).await.0, 400);
    let one = json!({"name": "x", "variants": [{"name": "a", "weight": 1}]});
    let (status, error) = error_of(admin(&t, "", Some(one)).await).await;
    assert_eq!(status, 422);
    assert_eq!(error["field"], "variants");
    let unknown_config = json!({"name": "x", "variants": [
        {"name": "a", "weight": 1}, {"name": "b", "weight": 1, "agent_config_version": 999}]});
    let (status, error) = error_of(admin(&t, "", Some(unknown_config)).await).await;
    assert_eq!(
        (status, error["field"].as_str()),
        (422, Some("variants")),
        "{error}"
    );

    let res = admin(
        &t,
        "",
        Some(json!({"name": "ranking", "variants": variants})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.unwrap();
    assert_eq!(created["status"], "draft");
    let id = created["id"].as_str().unwrap().to_owned();
    let taken = json!({"name": "ranking", "variants": variants});
    let (status, error) = error_of(admin(&t, "", Some(taken)).await).await;
    assert_eq!(
        (status, error["error_type"].as_str()),
        (409, Some("conflict"))
    );

    // Before the start nothing is assigned.
    let before: serde_json::Value = t
        .post_json(&json!({"query": "wireless headphones", "user_id": "alice"}))
        .await;
    assert!(before["experiment"].is_null(), "{before}");

    let res = admin(&t, &format!("/{id}/start"), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "running"
    );

    let res = t
        .post(&json!({"query": "espresso machine", "user_id": "alice"}))
        .await;
    let submitted: serde_json::Value = res.json().await.unwrap();
    let variant = submitted["experiment"]["variant"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(submitted["experiment"]["experiment_id"], id.as_str());
    let location = format!("/v1/analyses/{}", submitted["id"].as_str().unwrap());
    let done = t.wait_done(&location).await;
    assert_eq!(done["experiment"]["variant"], variant.as_str(), "{done}");
    let result: serde_json::Value = t.get_json(&format!("{location}/result")).await;
    assert_eq!(
        result["traceability"]["experiment"]["variant"],
        variant.as_str(),
        "{result}"
    );
    // Feedback on the analysis counts for its variant.
    let feedback = t
        .post_to(
            &format!("{location}/feedback"),
            &json!({"rating": 4, "useful": true, "user_id": "alice"}),
        )
        .await;
    assert_eq!(feedback.status(), 201);
    // The same user on another question: the same variant.
    let again: serde_json::Value = t
        .post_json(&json!({"query": "usb c charger", "user_id": "alice"}))
        .await;
    assert_eq!(again["experiment"]["variant"], variant.as_str());
    let too_long = json!({"query": "usb c charger", "user_id": "u".repeat(129)});
    let (status, error) = error_of(t.post(&too_long).await).await;
    assert_eq!((status, error["field"].as_str()), (422, Some("user_id")));

    let results: serde_json::Value = t.get_json(&format!("/v1/experiments/{id}/results")).await;
    let assigned: Vec<u64> = results["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["assigned"].as_u64().unwrap())
        .collect();
    assert_eq!(assigned.iter().sum::<u64>(), 2, "{results}");
    let rated = results["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == variant.as_str())
        .unwrap();
    assert_eq!(rated["feedback_count"], 1, "{rated}");
    assert_eq!(rated["useful_rate"]["successes"], 1, "{rated}");
    assert_eq!(
        results["comparisons"][0]["rating"]["verdict"]["outcome"],
        "not_enough_data"
    );
    let comparison = &results["comparisons"][0];
    assert_eq!(comparison["variant"], "treatment");
    assert_eq!(
        comparison["quality_check_failure_rate"]["verdict"]["outcome"],
        "not_enough_data"
    );

    let res = admin(&t, &format!("/{id}/stop"), None).await;
    assert_eq!(
        res.json::<serde_json::Value>().await.unwrap()["status"],
        "stopped"
    );
    let (status, _) = error_of(admin(&t, &format!("/{id}/stop"), None).await).await;
    assert_eq!(status, 409);
    let listed: serde_json::Value = t.get_json("/v1/admin/experiments").await;
    assert_eq!(listed[0]["id"], id.as_str());

    for path in [
        "/v1/experiments/00000000-0000-4000-8000-000000000000/results",
        "/v1/experiments/not-an-id/results",
    ] {
        let (status, error) = error_of(t.get(path).await).await;
        assert_eq!(
            (status, error["error_type"].as_str()),
            (404, Some("not_found"))
        );
    }
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_that_names_a_config_version_runs_with_it() {
    let t = TestApp::spawn(1).await;
    // A second version (the same settings under another hash) becomes active; the
    // control variant names the first.
    let first = t
        .app
        .store
        .active_agent_config_version()
        .await
        .unwrap()
        .unwrap();
    let stored = t.app.store.get_agent_config(first).await.unwrap().unwrap();
    let toml = format!("{}\n# second version\n", stored.config_toml);
    let second = t
        .app
        .store
        .activate_agent_config("experiment-test-second", &toml)
        .await
        .unwrap();
    assert_ne!(first, second);
    let body = json!({"name": "configs", "variants": [
        {"name": "first", "weight": 1, "agent_config_version": first},
        {"name": "second", "weight": 1, "agent_config_version": second}]});
    let created: serde_json::Value = admin(&t, "", Some(body)).await.json().await.unwrap();
    let id = created["id"].as_str().unwrap();
    assert_eq!(admin(&t, &format!("/{id}/start"), None).await.status(), 200);

    let mut seen = std::collections::BTreeSet::new();
    // The salt is random: 40 users all landing on one side happens once in 2^39.
    for user in (0..40).map(|i| format!("user-{i}")) {
        let submitted: serde_json::Value = t
            .post_json(&json!({"query": "wireless headphones", "user_id": user}))
            .await;
        let variant = submitted["experiment"]["variant"].as_str().unwrap();
        let expected = if variant == "first" { first } else { second };
        assert_eq!(submitted["agent_config_version"], expected, "{submitted}");
        // Each assigned analysis is its own: never joined to another's.
        assert_eq!(submitted["coalesced"], false);
        seen.insert(variant.to_owned());
    }
    assert_eq!(seen.len(), 2, "the users reach both variants: {seen:?}");
    t.stop().await;
}

#[test]
fn the_openapi_document_lists_the_experiment_routes() {
    let doc = marketlens_service::api::openapi::document();
    for (path, method) in [
        ("/v1/admin/experiments", "post"),
        ("/v1/admin/experiments", "get"),
        ("/v1/admin/experiments/{id}/start", "post"),
        ("/v1/admin/experiments/{id}/stop", "post"),
        ("/v1/experiments/{id}/results", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not documented"
        );
    }
    let schemas = &doc["components"]["schemas"];
    for name in [
        "ExperimentRecord",
        "ExperimentResults",
        "Comparison",
        "Verdict",
    ] {
        assert!(schemas[name].is_object(), "no schema {name}");
    }
}
