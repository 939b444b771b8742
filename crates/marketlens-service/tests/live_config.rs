//! Agent config versions through the admin API: activated without a restart, refused
//! with `config validate`'s message when invalid (nothing activated), an earlier
//! version brought back, and a process started on the defaults keeping what is active.

mod support;

use marketlens_core::config::DEFAULT_AGENT_TOML;
use marketlens_service::live_config::RunConfig;
use marketlens_service::startup::{App, Settings};
use serde_json::{Value, json};
use support::TestApp;

async fn activate(t: &TestApp, body: Value) -> (u16, Value) {
    let res = t.post_to("/v1/admin/agent-configs", &body).await;
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

async fn history(t: &TestApp) -> Vec<Value> {
    let v: Value = t.get_json("/v1/admin/agent-configs").await;
    v["items"].as_array().unwrap().clone()
}

/// Runs an analysis of `query` to completion; its view.
async fn analysed(t: &TestApp, query: &str) -> Value {
    let res = t.post(&json!({ "query": query })).await;
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let done = t.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_activated_refused_and_brought_back_without_a_restart() {
    let t = TestApp::spawn(1).await;
    let first = t.app.config_version;
    assert_eq!(
        analysed(&t, "wireless headphones").await["agent_config_version"],
        first
    );

    let tighter = DEFAULT_AGENT_TOML.replace("best_value_max = 5", "best_value_max = 2");
    assert_ne!(tighter, DEFAULT_AGENT_TOML);
    let (status, done) = activate(&t, json!({"toml": tighter, "activated_by": "ops"})).await;
    assert_eq!(status, 201, "{done}");
    let second = done["version"].as_i64().unwrap();
    assert!(second > first);
    assert_eq!(
        analysed(&t, "machine à café").await["agent_config_version"],
        second,
        "the next analysis runs with the new version, same process"
    );
    let (status, again) = activate(&t, json!({"toml": tighter})).await;
    assert_eq!((status, &again["already_active"]), (200, &json!(true)));
    assert_eq!(again["version"], second);

    // Invalid: refused with validate's message, nothing activated.
    let listed = history(&t).await.len();
    let bad = format!("{DEFAULT_AGENT_TOML}\nsurprise = 1\n");
    let (status, refused) = activate(&t, json!({"toml": bad})).await;
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["error"]["error_type"], "invalid_config");
    assert_eq!(refused["error"]["field"], "toml");
    let validate_says = RunConfig::build(0, &bad).err().unwrap().to_string();
    assert_eq!(refused["error"]["message"], validate_says.as_str());
    assert!(validate_says.contains("surprise"), "{validate_says}");
    assert_eq!(history(&t).await.len(), listed, "nothing recorded");
    assert_eq!(
        t.app.store.active_agent_config_version().await.unwrap(),
        Some(second),
        "nothing activated"
    );
    let (status, e) = activate(&t, json!({"version": 999_999})).await;
    assert_eq!(
        (status, &e["error"]["error_type"]),
        (404, &json!("not_found"))
    );
    let (status, e) = activate(&t, json!({"version": first, "toml": tighter})).await;
    assert_eq!(
        (status, &e["error"]["error_type"]),
        (400, &json!("malformed_request"))
    );

    // Back to the first: a new version with its content.
    let (status, back) = activate(&t, json!({"version": first})).await;
    assert_eq!(status, 201, "{back}");
    let third = back["version"].as_i64().unwrap();
    assert!(third > second);
    let items = history(&t).await;
    assert_eq!(
        items
            .iter()
            .map(|v| (v["version"].as_i64().unwrap(), v["active"] == true))
            .collect::<Vec<_>>(),
        [(third, true), (second, false), (first, false)]
    );
    assert_eq!(items[0]["content_hash"], items[2]["content_hash"]);
    assert_eq!(items[1]["activated_by"], "ops");

    // A process started on the defaults keeps the active version, which is not the
    // built-in one.
    let (status, tight_again) = activate(&t, json!({"version": second})).await;
    assert_eq!(status, 201, "{tight_again}");
    let fourth = tight_again["version"].as_i64().unwrap();
    let other = App::open(&Settings {
        data_dir: t.data_dir.path().to_owned(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(other.config_version, fourth);
    assert_eq!(other.config.thresholds.best_value_max, 2);
    t.stop().await;
}
