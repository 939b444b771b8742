//! `marketlens tenants` and `marketlens keys` against a `serve` on the same data
//! directory: a key created on the command line opens the API for its tenant only, is
//! stored hashed, and stops working as soon as it is revoked; `serve --no-auth` is
//! refused off loopback.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{Api, free_port, json_array, marketlens_in, spawn_quiet_server, stdout_of};

/// Runs `marketlens args…` in `data_dir`: (exit code, stdout, stderr).
fn run(data_dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = marketlens_in(data_dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json_of(data_dir: &Path, args: &[&str]) -> Value {
    let out = marketlens_in(data_dir).args(args).output().unwrap();
    serde_json::from_str(stdout_of(&out).trim()).unwrap()
}

async fn status(api: &Api, path: &str, key: Option<&str>) -> u16 {
    let mut request = api.client.get(format!("{}{path}", api.base));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request.send().await.unwrap().status().as_u16()
}

#[test]
fn no_auth_is_refused_off_loopback() {
    let dir = tempfile::tempdir().unwrap();
    let bind = format!("0.0.0.0:{}", free_port());
    let (code, _, err) = run(dir.path(), &["serve", "--no-auth", "--bind", &bind]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--no-auth") && err.contains("0.0.0.0"),
        "{err}"
    );
}

#[test]
fn tenants_and_keys_are_checked_as_they_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(run(data, &["tenants", "create", "acme"]).0, 0);
    let (code, _, err) = run(data, &["tenants", "create", "acme"]);
    assert_eq!(code, 2, "a tenant is created once: {err}");
    let (code, _, err) = run(data, &["tenants", "create", "Not A Slug"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("lowercase"), "{err}");
    let tenants = json_of(data, &["tenants", "list", "--json"]);
    let ids: Vec<&str> = json_array(&tenants)
        .iter()
        .filter_map(|t| t["id"].as_str())
        .collect();
    assert_eq!(ids, ["acme", "local"]);

    for (args, why) in [
        (
            vec!["--tenant", "nobody", "--user", "ann"],
            "unknown tenant",
        ),
        (
            vec![
                "--tenant",
                "acme",
                "--user",
                "ann",
                "--scopes",
                "read,delete",
            ],
            "unknown scope",
        ),
        (
            vec![
                "--tenant",
                "acme",
                "--user",
                "ann",
                "--expires-at",
                "2000-01-01T00:00:00Z",
            ],
            "past expiry",
        ),
    ] {
        let (code, _, err) = run(data, &[&["keys", "create"][..], &args].concat());
        assert_eq!(code, 2, "{why}: {err}");
    }
    assert_eq!(
        json_of(data, &["keys", "list", "--json"]),
        serde_json::json!([]),
        "nothing half-made"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_opens_its_tenants_analyses_until_it_is_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    assert_eq!(run(data, &["tenants", "create", "acme"]).0, 0);
    let created = json_of(
        data,
        &[
            "keys",
            "create",
            "--tenant",
            "acme",
            "--user",
            "ann",
            "--scopes",
            "read,write",
            "--expires-in-days",
            "30",
            "--json",
        ],
    );
    let key = created["key"].as_str().unwrap().to_owned();
    let key_id = created["id"].as_str().unwrap().to_owned();
    assert!(key.starts_with("mlk_") && key.len() == 68, "{key}");
    // Printed as text too, the key alone on stdout.
    let (code, text_key, err) = run(
        data,
        &["keys", "create", "--tenant", "local", "--user", "bob"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        text_key.trim().starts_with("mlk_") && err.contains("shown only now"),
        "{err}"
    );

    let (port, metrics_port) = (free_port(), free_port());
    let mut serve = marketlens_in(data);
    serve.args([
        "serve",
        "--bind",
        &format!("127.0.0.1:{port}"),
        "--metrics-bind",
        &format!("127.0.0.1:{metrics_port}"),
    ]);
    let server = spawn_quiet_server(serve, port);
    let api = Api::new(port);

    assert_eq!(
        status(&api, "/v1/analyses", None).await,
        401,
        "keys are required by default"
    );
    assert_eq!(status(&api, "/healthz", None).await, 200);
    // Metrics: an admin key on the API's address, none on the metrics address.
    assert_eq!(
        status(&api, "/metrics", Some(&key)).await,
        403,
        "read,write is not admin"
    );
    support::wait_port(metrics_port, "the metrics listener");
    let metrics = Api::new(metrics_port);
    assert_eq!(status(&metrics, "/metrics", None).await, 200);
    assert_eq!(status(&metrics, "/v1/stats", None).await, 200);
    assert_eq!(
        status(&metrics, "/v1/analyses", None).await,
        404,
        "only metrics there"
    );
    let submitted = api
        .client
        .post(format!("{}/v1/analyses", api.base))
        .bearer_auth(&key)
        .json(&serde_json::json!({"query": "wireless headphones"}))
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 202);
    let id = submitted.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        status(&api, &format!("/v1/analyses/{id}"), Some(&key)).await,
        200
    );
    assert_eq!(
        status(&api, &format!("/v1/analyses/{id}"), Some(text_key.trim())).await,
        404,
        "the local tenant's key does not see acme's analysis"
    );

    // The CLI reads the same tenant, locally and through the API with the key.
    let local = json_of(data, &["history", "--tenant", "acme", "--json"]);
    assert_eq!(local.as_array().map(Vec::len), Some(1));
    assert_eq!(
        json_of(data, &["history", "--json"]),
        serde_json::json!([]),
        "the local tenant has none"
    );
    let remote = json_of(
        data,
        &["history", "--api", &api.base, "--api-key", &key, "--json"],
    );
    assert_eq!(remote[0]["id"], id.as_str());

    // Only the hash is stored: the key itself is nowhere in the database.
    let db = std::fs::read(data.join("marketlens.db")).unwrap();
    let secret = &key.as_bytes()["mlk_".len()..];
    assert!(
        !db.windows(secret.len()).any(|w| w == secret),
        "the key is stored hashed"
    );

    assert_eq!(run(data, &["keys", "revoke", &key_id]).0, 0);
    assert_eq!(
        status(&api, "/v1/analyses", Some(&key)).await,
        401,
        "revoked at once"
    );
    let listed = json_of(data, &["keys", "list", "--tenant", "acme", "--json"]);
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert!(
        listed[0]["revoked_at"].is_string() && listed[0]["last_used_at"].is_string(),
        "{listed}"
    );
    assert!(listed[0].get("key").is_none() && listed[0].get("key_hash").is_none());
    // Who did what, newest first.
    let audit = json_of(data, &["audit", "--json"]);
    let actions: Vec<(&str, &str)> = json_array(&audit)
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["subject"].as_str().unwrap(),
            )
        })
        .collect();
    let about_key = format!("key {key_id}");
    for wanted in ["key.revoked", "key.used", "key.created"] {
        assert!(
            actions.contains(&(wanted, about_key.as_str())),
            "{wanted}: {actions:?}"
        );
    }
    assert!(
        actions.contains(&("tenant.created", "tenant acme")),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|(a, _)| *a == "config.activated"),
        "the start-up configuration's activation: {actions:?}"
    );
    let (code, _, _) = run(
        data,
        &["keys", "revoke", "00000000-0000-0000-0000-000000000000"],
    );
    assert_eq!(code, 2, "an unknown key");
    drop(server);
}
