//! Feedback over HTTP against the real server: recorded, replaced by the same user,
//! added up per variant and rule, counted in metrics; every bad input refused with its
//! documented error and nothing written.

mod support;

use serde_json::{Value, json};
use support::TestApp;
use uuid::Uuid;

/// A completed analysis: its id.
async fn completed(t: &TestApp) -> Uuid {
    let res = t.post(&json!({"query": "wireless headphones"})).await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let done = t.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    Uuid::parse_str(done["id"].as_str().unwrap()).unwrap()
}

async fn post_feedback(t: &TestApp, id: &str, body: &str) -> (u16, Value) {
    let res = t
        .client
        .post(format!("{}/v1/analyses/{id}/feedback", t.base))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// The metrics registry is the process's, shared by every test of this file: a test
/// that compares `marketlens_feedback_total` before and after holds this lock, so
/// another test's feedback is not counted in its difference.
static FEEDBACK_COUNTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The `marketlens_feedback_total` samples of a scrape, summed.
async fn feedback_counted(t: &TestApp) -> u64 {
    let text = t.get("/metrics").await.text().await.unwrap();
    text.lines()
        .filter(|l| l.starts_with("marketlens_feedback_total{"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum::<f64>() as u64
}

/// A server with one completed analysis, under [`FEEDBACK_COUNTER`] (held while the
/// guard lives): the guard, the server, the analysis' id and the feedback counted
/// before any on it.
async fn counting_with_a_completed_analysis()
-> (tokio::sync::MutexGuard<'static, ()>, TestApp, Uuid, u64) {
    let counter = FEEDBACK_COUNTER.lock().await;
    let t = TestApp::spawn(1).await;
    let id = completed(&t).await;
    let counted_before = feedback_counted(&t).await;
    (counter, t, id, counted_before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feedback_is_recorded_replaced_by_the_same_user_and_added_up() {
    let (_counter, t, id, counted_before) = counting_with_a_completed_analysis().await;

    let (status, first) = post_feedback(
        &t,
        &id.to_string(),
        r#"{"rating": 2, "useful": false, "comment": "missing shops", "user_id": "ana"}"#,
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["created"], true);
    assert_eq!(first["query_id"], id.to_string());
    assert_eq!(
        (
            &first["rating"],
            &first["useful"],
            &first["comment"],
            &first["user_id"]
        ),
        (
            &json!(2),
            &json!(false),
            &json!("missing shops"),
            &json!("ana")
        )
    );

    let (status, second) = post_feedback(
        &t,
        &id.to_string(),
        r#"{"rating": 5, "useful": true, "user_id": "ana"}"#,
    )
    .await;
    assert_eq!(status, 200, "a second feedback from ana updates: {second}");
    assert_eq!(second["created"], false);
    assert_eq!(second["id"], first["id"]);
    assert_eq!(second["comment"], Value::Null);
    let (status, _) = post_feedback(&t, &id.to_string(), r#"{"rating": 3}"#).await;
    assert_eq!(status, 201, "anonymous feedback is its own");

    let stored = t.app.store.list_feedback(id).await.unwrap();
    assert_eq!(stored.len(), 2, "{stored:?}");

    let summary: Value = t.get_json("/v1/feedback/summary").await;
    let variants = summary["by_variant"].as_array().unwrap();
    assert_eq!(variants.len(), 1, "{summary}");
    let v = &variants[0];
    assert_eq!(v["agent_config_version"], t.app.config_version);
    assert_eq!(
        (
            &v["count"],
            &v["rating_sum"],
            &v["mean_rating"],
            &v["useful_rate"]
        ),
        (&json!(2), &json!(8), &json!(4.0), &json!(1.0)),
        "{v}"
    );
    // Every rule the result recommended carries both feedbacks.
    let result: Value = t.get_json(&format!("/v1/analyses/{id}/result")).await;
    let mut kinds = support::field_strs(&result["recommendations"], "kind");
    kinds.sort_unstable();
    kinds.dedup();
    assert!(
        !kinds.is_empty(),
        "the sample analysis recommends something"
    );
    let rules: Vec<(&str, u64)> = summary["by_rule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["rule"].as_str().unwrap(), r["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        rules,
        kinds.iter().map(|k| (*k, 2)).collect::<Vec<_>>(),
        "{summary}"
    );

    assert_eq!(
        feedback_counted(&t).await - counted_before,
        3,
        "every recorded feedback is counted"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_feedback_gets_its_documented_error_and_writes_nothing() {
    let (_counter, t, id, counted_before) = counting_with_a_completed_analysis().await;
    let long_comment = "x".repeat(3_000);
    let cases = [
        (
            id.to_string(),
            r#"{"rating": 0, "useful": true}"#.to_owned(),
            422,
            "invalid_parameter",
            Some("rating"),
        ),
        (
            id.to_string(),
            r#"{"rating": 6}"#.to_owned(),
            422,
            "invalid_parameter",
            Some("rating"),
        ),
        (
            id.to_string(),
            r#"{"rating": 4.5}"#.to_owned(),
            422,
            "invalid_parameter",
            Some("rating"),
        ),
        (
            id.to_string(),
            json!({"rating": 4, "comment": long_comment}).to_string(),
            422,
            "invalid_parameter",
            Some("comment"),
        ),
        (
            id.to_string(),
            r#"{"rating": 4, "user_id": ""}"#.to_owned(),
            422,
            "invalid_parameter",
            Some("user_id"),
        ),
        (
            Uuid::new_v4().to_string(),
            r#"{"rating": 4}"#.to_owned(),
            404,
            "not_found",
            None,
        ),
        (
            "not-an-id".to_owned(),
            r#"{"rating": 4}"#.to_owned(),
            404,
            "not_found",
            None,
        ),
        (
            id.to_string(),
            r#"{"rating": 4,"#.to_owned(),
            400,
            "malformed_request",
            None,
        ),
        (
            id.to_string(),
            r#"{"rating": 4, "stars": 5}"#.to_owned(),
            400,
            "malformed_request",
            None,
        ),
        (
            id.to_string(),
            r#"{"useful": true}"#.to_owned(),
            400,
            "malformed_request",
            None,
        ),
    ];
    for (target, body, status, error_type, field) in cases {
        let (got, answer) = post_feedback(&t, &target, &body).await;
        let shown = &body[..body.len().min(60)];
        assert_eq!(got, status, "{shown}: {answer}");
        assert_eq!(
            answer["error"]["error_type"], error_type,
            "{shown}: {answer}"
        );
        assert!(
            !answer["error"]["message"].as_str().unwrap().is_empty(),
            "{answer}"
        );
        assert_eq!(
            answer["error"]["field"].as_str(),
            field,
            "{shown}: {answer}"
        );
    }
    assert!(
        t.app.store.list_feedback(id).await.unwrap().is_empty(),
        "nothing written"
    );
    let summary = t
        .app
        .store
        .feedback_summary(&marketlens_core::domain::TenantId::local())
        .await
        .unwrap();
    assert!(summary.by_variant.is_empty() && summary.by_rule.is_empty());
    assert_eq!(
        feedback_counted(&t).await,
        counted_before,
        "nothing counted"
    );
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_analysis_not_completed_cannot_be_rated_yet() {
    // No worker: the analysis stays queued.
    let t = TestApp::spawn(0).await;
    let res = t.post(&json!({"query": "wireless headphones"})).await;
    let queued: Value = res.json().await.unwrap();
    let id = queued["id"].as_str().unwrap().to_owned();
    let (status, answer) = post_feedback(&t, &id, r#"{"rating": 4}"#).await;
    assert_eq!(status, 409, "{answer}");
    assert_eq!(answer["error"]["error_type"], "not_ready");
    let id = Uuid::parse_str(&id).unwrap();
    assert!(t.app.store.list_feedback(id).await.unwrap().is_empty());
    t.stop().await;
}
