//! Tenants and API keys against the real server: every `/v1` route answers another
//! tenant's ids with 404, revoked and expired keys get 401, a key without the route's
//! scope gets 403, the per-key rate limit and the per-tenant cap on analyses in flight
//! answer 429 with `Retry-After`, and key use is audited at most once a minute.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{TimeDelta, Utc};
use marketlens_adapters::contract::postgres::with_fresh_database;
use marketlens_core::domain::{Scopes, TenantId};
use marketlens_core::ports::{AuditAction, NewApiKey, Store};
use marketlens_core::rate_limit::RateLimit;
use marketlens_service::access::AccessPolicy;
use marketlens_service::access::keys::{create_key, create_tenant, hash_key, revoke_key};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::TestApp;
use uuid::Uuid;

/// Keys required, no rate limit, no cap: what each test changes.
fn keys_policy() -> AccessPolicy {
    AccessPolicy {
        rate_limit: RateLimit {
            per_second: 0.0,
            burst: 0,
        },
        max_inflight_per_tenant: None,
        ..AccessPolicy::keys()
    }
}

async fn tenant(store: &dyn Store, id: &str) -> TenantId {
    let id = TenantId::parse(id).unwrap();
    create_tenant(store, &id, "test").await.unwrap();
    id
}

/// A new key of `tenant` with `scopes`.
async fn key(store: &dyn Store, tenant: &TenantId, scopes: &str) -> String {
    create_key(
        store,
        tenant,
        &format!("user-of-{tenant}"),
        Scopes::parse(scopes).unwrap(),
        None,
        "test",
    )
    .await
    .unwrap()
    .key
}

/// `method path` with `key` (if any) and a JSON `body` (if any).
async fn call(
    t: &TestApp,
    method: Method,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = t.client.request(method, format!("{}{path}", t.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// The status `GET /v1/analyses` answers with `key`.
async fn list_status(t: &TestApp, key: &str) -> StatusCode {
    call(t, Method::GET, "/v1/analyses", Some(key), None)
        .await
        .status()
}

/// `POST /v1/analyses` of `query` with `key`.
async fn submit(t: &TestApp, key: &str, query: &str) -> reqwest::Response {
    call(
        t,
        Method::POST,
        "/v1/analyses",
        Some(key),
        Some(json!({ "query": query })),
    )
    .await
}

/// The JSON body of `GET path` with `key` (if any).
async fn get_json(t: &TestApp, path: &str, key: Option<&str>) -> Value {
    call(t, Method::GET, path, key, None)
        .await
        .json()
        .await
        .unwrap()
}

/// The status and `error_type` of an answer.
async fn outcome(response: reqwest::Response) -> (StatusCode, String) {
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let error_type = body["error"]["error_type"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    (status, error_type)
}

/// Polls `GET path` with `key` until the analysis leaves queued/running.
async fn wait_done(t: &TestApp, path: &str, key: &str) -> Value {
    for _ in 0..600 {
        let v: Value = get_json(t, path, Some(key)).await;
        if v["status"] == "completed" || v["status"] == "failed" {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("analysis {path} did not finish in 60 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_ids_are_not_found_on_every_route() {
    cross_tenant_matrix(TestApp::spawn_with_access(1, keys_policy(), |_| {}).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_tenants_ids_are_not_found_on_every_route_on_postgres() {
    with_fresh_database(|url| async move {
        let t =
            TestApp::spawn_with_access(1, keys_policy(), |s| s.backends.database_url = Some(url))
                .await;
        assert_eq!(t.app.store.backend(), "postgres");
        cross_tenant_matrix(t).await;
    })
    .await;
}

/// Two tenants; every route that takes an id, called by one with the other's ids.
async fn cross_tenant_matrix(t: TestApp) {
    let store = t.app.store.as_ref();
    let (a, b) = (tenant(store, "alpha").await, tenant(store, "beta").await);
    let (key_a, key_b) = (
        key(store, &a, "read write admin").await,
        key(store, &b, "read write admin").await,
    );

    // Tenant A: a completed analysis with feedback, and an experiment.
    let res = submit(&t, &key_a, "wireless headphones").await;
    assert_eq!(res.status(), 202);
    let analysis: Value = res.json().await.unwrap();
    let analysis_id = analysis["id"].as_str().unwrap().to_owned();
    let done = wait_done(&t, &format!("/v1/analyses/{analysis_id}"), &key_a).await;
    assert_eq!(done["status"], "completed", "{done}");
    let stored = store
        .get_query(analysis_id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.tenant, a, "the query records its tenant");
    assert_eq!(
        stored.user_id.as_deref(),
        Some("user-of-alpha"),
        "and the key's user"
    );
    let res = call(
        &t,
        Method::POST,
        &format!("/v1/analyses/{analysis_id}/feedback"),
        Some(&key_a),
        Some(json!({"rating": 5})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let variants = json!([{"name": "control", "weight": 1}, {"name": "b", "weight": 1}]);
    let res = call(
        &t,
        Method::POST,
        "/v1/admin/experiments",
        Some(&key_a),
        Some(json!({"name": "alpha-exp", "variants": variants})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let experiment: Value = res.json().await.unwrap();
    let experiment_id = experiment["id"].as_str().unwrap().to_owned();

    // Every route that takes an id, with A's id: (method, path, body).
    let by_id = [
        (Method::GET, "/v1/analyses/{id}", &analysis_id, None),
        (Method::GET, "/v1/analyses/{id}/result", &analysis_id, None),
        (Method::GET, "/v1/analyses/{id}/report", &analysis_id, None),
        (Method::GET, "/v1/analyses/{id}/events", &analysis_id, None),
        (
            Method::POST,
            "/v1/analyses/{id}/feedback",
            &analysis_id,
            Some(json!({"rating": 1})),
        ),
        (
            Method::GET,
            "/v1/experiments/{id}/results",
            &experiment_id,
            None,
        ),
        (
            Method::POST,
            "/v1/admin/experiments/{id}/start",
            &experiment_id,
            None,
        ),
        (
            Method::POST,
            "/v1/admin/experiments/{id}/stop",
            &experiment_id,
            None,
        ),
    ];
    let covered: BTreeSet<&str> = by_id.iter().map(|(_, path, _, _)| *path).collect();
    let with_ids: BTreeSet<&str> = marketlens_service::api::route_paths()
        .into_iter()
        .filter(|p| p.contains("{id}"))
        .collect();
    assert_eq!(
        covered, with_ids,
        "the matrix covers every route that takes an id"
    );
    for (method, template, id, body) in &by_id {
        let path = template.replace("{id}", id);
        let (status, error_type) =
            outcome(call(&t, method.clone(), &path, Some(&key_b), body.clone()).await).await;
        assert_eq!(
            (status, error_type.as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "tenant B: {method} {path}"
        );
    }
    // The same routes answer tenant A (the 404 above is the tenant, not the id).
    for (method, template, id, body) in &by_id {
        let path = template.replace("{id}", id);
        let status = call(&t, method.clone(), &path, Some(&key_a), body.clone())
            .await
            .status();
        assert!(status.is_success(), "tenant A: {method} {path}: {status}");
    }

    // Listings and sums hold nothing of A for B.
    let history: Value = get_json(&t, "/v1/analyses", Some(&key_b)).await;
    assert_eq!(
        (
            history["total"].as_u64(),
            history["items"].as_array().map(Vec::len)
        ),
        (Some(0), Some(0))
    );
    let history: Value = get_json(&t, "/v1/analyses", Some(&key_a)).await;
    assert_eq!(history["total"], 1);
    let summary: Value = get_json(&t, "/v1/feedback/summary", Some(&key_b)).await;
    assert_eq!(summary["by_variant"], json!([]), "{summary}");
    let summary: Value = get_json(&t, "/v1/feedback/summary", Some(&key_a)).await;
    // A's two ratings (5, then 1 from the matrix's own pass).
    assert_eq!(summary["by_variant"][0]["count"], 2, "{summary}");
    let experiments: Value = get_json(&t, "/v1/admin/experiments", Some(&key_b)).await;
    assert_eq!(experiments, json!([]));

    // The same question from B is B's own analysis: never A's result, never joined.
    let res = submit(&t, &key_b, "wireless headphones").await;
    assert_eq!(res.status(), 202, "no cache hit on another tenant's result");
    let theirs: Value = res.json().await.unwrap();
    assert_ne!(theirs["id"], analysis["id"]);
    assert_eq!(
        (theirs["cache_hit"].as_bool(), theirs["coalesced"].as_bool()),
        (Some(false), Some(false))
    );
    // While A's identical question is answered from A's own result.
    let res = submit(&t, &key_a, "wireless headphones").await;
    assert_eq!(res.status(), 200, "A's fresh result answers A");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_revoked_and_expired_keys_are_401_and_missing_scopes_403() {
    let t = TestApp::spawn_with_access(0, keys_policy(), |_| {}).await;
    let store = t.app.store.as_ref();
    let a = tenant(store, "gamma").await;
    let reader = key(store, &a, "read").await;
    let writer = key(store, &a, "write").await;
    let revoked = create_key(store, &a, "gone", Scopes::all(), None, "test")
        .await
        .unwrap();
    revoke_key(store, revoked.record.id, "test").await.unwrap();
    // Expired: written as the store holds it (an expiry in the past cannot be created).
    let expired = format!("mlk_{}", "e".repeat(64));
    store
        .create_api_key(&NewApiKey {
            id: Uuid::now_v7(),
            tenant: a.clone(),
            user_id: "late".into(),
            scopes: Scopes::all(),
            key_hash: hash_key(&expired),
            prefix: expired[..12].to_owned(),
            created_at: Utc::now() - TimeDelta::days(2),
            expires_at: Some(Utc::now() - TimeDelta::days(1)),
        })
        .await
        .unwrap();

    for (what, key) in [
        ("no key", None),
        ("an unknown key", Some("mlk_0000")),
        ("a revoked key", Some(revoked.key.as_str())),
        ("an expired key", Some(expired.as_str())),
    ] {
        for (method, path) in [
            (Method::GET, "/v1/analyses"),
            (Method::POST, "/v1/analyses"),
            (Method::GET, "/v1/stats"),
        ] {
            let response = call(&t, method.clone(), path, key, Some(json!({"query": "x"}))).await;
            assert_eq!(response.headers()["www-authenticate"], "Bearer", "{what}");
            assert_eq!(response.headers()["x-content-type-options"], "nosniff");
            let (status, error_type) = outcome(response).await;
            assert_eq!(
                (status, error_type.as_str()),
                (StatusCode::UNAUTHORIZED, "unauthorized"),
                "{what}: {method} {path}"
            );
        }
    }
    let malformed = t
        .client
        .get(format!("{}/v1/analyses", t.base))
        .header("authorization", format!("Basic {reader}"))
        .send()
        .await
        .unwrap();
    assert_eq!(outcome(malformed).await.0, StatusCode::UNAUTHORIZED);

    for (key, method, path) in [
        (&reader, Method::POST, "/v1/analyses"),
        (&reader, Method::POST, "/v1/admin/experiments"),
        (&reader, Method::GET, "/v1/admin/agent-configs"),
        (&reader, Method::GET, "/v1/stats"),
        (&reader, Method::GET, "/metrics"),
        (&writer, Method::GET, "/v1/analyses"),
    ] {
        let (status, error_type) = outcome(
            call(
                &t,
                method.clone(),
                path,
                Some(key),
                Some(json!({"query": "x"})),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, error_type.as_str()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
    }
    assert_eq!(list_status(&t, &reader).await, 200);

    // What holds no tenant data answers without a key.
    for path in ["/healthz", "/readyz", "/openapi.json", "/docs"] {
        assert_eq!(
            call(&t, Method::GET, path, None, None).await.status(),
            200,
            "{path}"
        );
    }
    assert_eq!(
        outcome(call(&t, Method::GET, "/no-such-page", None, None).await).await,
        (StatusCode::NOT_FOUND, "not_found".to_owned())
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_over_its_rate_gets_429_with_retry_after_and_its_use_is_audited_once() {
    let policy = AccessPolicy {
        rate_limit: RateLimit {
            per_second: 0.2,
            burst: 3,
        },
        ..keys_policy()
    };
    let t = TestApp::spawn_with_access(0, policy, |_| {}).await;
    let store = t.app.store.as_ref();
    let a = tenant(store, "delta").await;
    let (busy, other) = (key(store, &a, "read").await, key(store, &a, "read").await);
    for i in 0..3 {
        assert_eq!(list_status(&t, &busy).await, 200, "request {i}");
    }
    let refused = call(&t, Method::GET, "/v1/analyses", Some(&busy), None).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=5).contains(&retry_after),
        "one token every 5 s: {retry_after}"
    );
    assert_eq!(
        outcome(refused).await,
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())
    );
    assert_eq!(
        list_status(&t, &other).await,
        200,
        "each key has its own bucket"
    );

    // Four requests of one key: its use is recorded once (twice if a minute turned).
    let busy_id = store
        .api_key_by_hash(&hash_key(&busy))
        .await
        .unwrap()
        .unwrap()
        .id;
    let subject = format!("key {busy_id}");
    let mut used = 0;
    for _ in 0..50 {
        let audit = store.list_audit(100).await.unwrap();
        used = audit
            .iter()
            .filter(|e| e.action == AuditAction::KeyUsed && e.subject == subject)
            .count();
        let created = audit
            .iter()
            .any(|e| e.action == AuditAction::KeyCreated && e.subject == subject);
        assert!(created, "the key's creation is audited");
        if used > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!((1..=2).contains(&used), "key.used rows: {used}");
    let record = store
        .api_key_by_hash(&hash_key(&busy))
        .await
        .unwrap()
        .unwrap();
    assert!(record.last_used_at.is_some(), "last_used_at is set");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_at_its_cap_of_queued_analyses_gets_429_others_do_not() {
    let policy = AccessPolicy {
        max_inflight_per_tenant: Some(2),
        ..keys_policy()
    };
    // No worker: what is queued stays queued.
    let t = TestApp::spawn_with_access(0, policy, |_| {}).await;
    let store = t.app.store.as_ref();
    let (a, b) = (tenant(store, "epsilon").await, tenant(store, "zeta").await);
    let (key_a, key_b) = (
        key(store, &a, "read write").await,
        key(store, &b, "read write").await,
    );
    assert_eq!(submit(&t, &key_a, "usb microphone").await.status(), 202);
    assert_eq!(submit(&t, &key_a, "office chair").await.status(), 202);
    let refused = submit(&t, &key_a, "desk lamp").await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_eq!(
        outcome(refused).await,
        (
            StatusCode::TOO_MANY_REQUESTS,
            "tenant_queue_full".to_owned()
        )
    );
    // An identical analysis in flight is still joined: it costs nothing.
    let joined = submit(&t, &key_a, "usb microphone").await;
    assert_eq!(joined.status(), 202);
    assert_eq!(joined.json::<Value>().await.unwrap()["coalesced"], true);
    assert_eq!(
        store.count_inflight(&a).await.unwrap(),
        2,
        "nothing recorded past the cap"
    );
    // Another tenant has its own cap.
    assert_eq!(submit(&t, &key_b, "desk lamp").await.status(), 202);
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_declares_the_bearer_scheme_where_the_guard_asks_for_it() {
    let t = TestApp::spawn_with_access(0, keys_policy(), |_| {}).await;
    let doc: Value = get_json(&t, "/openapi.json", None).await;
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
    let mut protected = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let needs_key = path.starts_with("/v1/") || path == "/metrics";
            assert_eq!(
                operation.get("security").is_some(),
                needs_key,
                "{method} {path}"
            );
            if needs_key {
                protected += 1;
                for status in ["401", "403", "429"] {
                    let schema = &operation["responses"][status]["content"]["application/json"]["schema"]
                        ["$ref"];
                    assert_eq!(
                        schema.as_str(),
                        Some(format!("#/components/schemas/Error{status}").as_str()),
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(protected >= 15, "{protected} protected operations");
    let e401 = &doc["components"]["schemas"]["Error401"]["allOf"][1]["properties"]["error"]["properties"]
        ["error_type"]["enum"];
    assert_eq!(e401, &json!(["unauthorized"]));
    let e429 = &doc["components"]["schemas"]["Error429"]["allOf"][1]["properties"]["error"]["properties"]
        ["error_type"]["enum"];
    assert_eq!(e429, &json!(["rate_limited", "tenant_queue_full"]));
    t.stop().await;
}
