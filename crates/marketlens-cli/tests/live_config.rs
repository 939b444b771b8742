//! Live configuration versions across processes: an API and two `marketlens worker`
//! processes share a data directory; `marketlens config activate` makes a new version
//! and, once the API has seen it (within `ACTIVE_VERSION_TTL`), the next analysis on
//! each worker records it, neither worker restarted. Each
//! worker is made to take a given analysis by pausing the other (SIGSTOP, then
//! SIGCONT: the same process, never restarted).

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;
use sqlx::ConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use support::{Api, Proc, marketlens, marketlens_in, marketlens_logged, serve_logged, stdout_of};

fn signal(worker: &Proc, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &worker.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {sig}");
}

/// Whether the database's write lock is free now (a paused process may hold it).
async fn write_lock_free(data_dir: &Path) -> bool {
    let options = SqliteConnectOptions::new()
        .filename(data_dir.join("marketlens.db"))
        .busy_timeout(Duration::from_millis(300));
    let mut conn = options.connect().await.unwrap();
    let free = sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut conn)
        .await
        .is_ok();
    if free {
        sqlx::query("ROLLBACK").execute(&mut conn).await.unwrap();
    }
    free
}

/// Pauses `worker` at a moment it holds no database lock, so the other keeps working.
async fn pause(worker: &Proc, data_dir: &Path) {
    for _ in 0..50 {
        signal(worker, "-STOP");
        if write_lock_free(data_dir).await {
            return;
        }
        signal(worker, "-CONT");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("could not pause a worker outside a transaction");
}

/// Runs one analysis (a distinct fingerprint per `n`) while `paused` is paused, so the
/// other worker runs it; its query view and the worker id that ran it.
async fn analysis_while_paused(
    api: &Api,
    paused: &Proc,
    data_dir: &Path,
    n: u32,
) -> (serde_json::Value, String) {
    pause(paused, data_dir).await;
    let (code, body) = api
        .post(json!({"query": "wireless headphones", "max_products": 10 + n}))
        .await;
    assert_eq!(code, 202, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();
    let done = api
        .wait_completed(std::slice::from_ref(&id), Duration::from_secs(60))
        .await;
    signal(paused, "-CONT");
    let url = format!(
        "sqlite://{}?mode=ro",
        data_dir.join("marketlens.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let worker: String = sqlx::query_scalar("SELECT worker_id FROM jobs WHERE query_id = ?")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    (done[0].clone(), worker)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_activated_version_reaches_both_running_workers_without_a_restart() {
    let root = tempfile::tempdir().unwrap();
    let (data, logs) = (root.path().join("data"), root.path().join("logs"));
    std::fs::create_dir_all(&logs).unwrap();
    let builtin = stdout_of(&marketlens().args(["config", "show"]).output().unwrap());
    let config = root.path().join("agent.toml");
    std::fs::write(&config, &builtin).unwrap();

    let (_api_proc, api) =
        serve_logged(&data, &config, &[], &logs.join("api.log"), &["--no-worker"]);
    let worker = |name: &str| {
        Proc(
            marketlens_logged(&data, &config, &[], &logs.join(name))
                .arg("worker")
                .spawn()
                .unwrap(),
        )
    };
    let (a, b) = (worker("a.log"), worker("b.log"));

    // Before: each worker runs one analysis with the start-up version (a, then b).
    let (q0, on_a) = analysis_while_paused(&api, &b, &data, 0).await;
    let (q1, on_b) = analysis_while_paused(&api, &a, &data, 1).await;
    assert_ne!(on_a, on_b, "each worker ran one");
    let before = q0["agent_config_version"].as_i64().unwrap();
    assert_eq!(q1["agent_config_version"], before);

    // A new version, from the command line, while both workers run.
    let changed = builtin.replace("best_value_max = 5", "best_value_max = 2");
    assert_ne!(changed, builtin);
    let new_file = root.path().join("tighter.toml");
    std::fs::write(&new_file, &changed).unwrap();
    let out = marketlens_in(&data)
        .args(["config", "activate"])
        .arg(&new_file)
        .args(["--by", "release-bot"])
        .output()
        .unwrap();
    let printed = stdout_of(&out);
    // "activated agent config version N (content hash H)"
    let words: Vec<&str> = printed.split_whitespace().collect();
    let activated: i64 = words[4].parse().unwrap_or_else(|_| panic!("{printed}"));
    let hash = words[7].trim_end_matches(')');
    assert!(activated > before, "{printed}");
    // The API keeps the active version it read for a short while: another process's
    // activation reaches it within that time.
    tokio::time::sleep(marketlens_service::live_config::ACTIVE_VERSION_TTL).await;

    // After: the next analysis on each worker records the new version.
    let (q2, on_a2) = analysis_while_paused(&api, &b, &data, 2).await;
    let (q3, on_b2) = analysis_while_paused(&api, &a, &data, 3).await;
    assert_eq!(
        (on_a2, on_b2),
        (on_a, on_b),
        "the same two worker processes"
    );
    for q in [&q2, &q3] {
        assert_eq!(q["agent_config_version"], activated, "{q}");
        let id = q["id"].as_str().unwrap();
        let (_, result) = api.get(&format!("/v1/analyses/{id}/result")).await;
        assert_eq!(
            result["traceability"]["agent_config_version"], activated,
            "the result records it too"
        );
        assert_eq!(
            result["traceability"]["agent_config_hash"], hash,
            "and ran with its content"
        );
    }

    // The history says who activated what; the start-up version is still listed.
    let out = marketlens_in(&data)
        .args(["config", "history"])
        .output()
        .unwrap();
    let history = stdout_of(&out);
    let line = history
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{activated}*")))
        .unwrap_or_else(|| panic!("{history}"));
    assert!(line.contains("release-bot"), "{history}");
    assert!(
        history
            .lines()
            .any(|l| l.trim_start().starts_with(&format!("{before} "))),
        "{history}"
    );
}

#[test]
fn an_invalid_config_is_refused_with_validate_s_message_and_nothing_activated() {
    let root = tempfile::tempdir().unwrap();
    let data = root.path().join("data");
    let builtin = stdout_of(&marketlens().args(["config", "show"]).output().unwrap());
    let bad = root.path().join("bad.toml");
    std::fs::write(
        &bad,
        builtin.replace("best_value_max = 5", "best_value_max = 5\nsurprise = 1"),
    )
    .unwrap();

    let validate = marketlens_in(&data)
        .args(["config", "validate", "--config"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(validate.status.code(), Some(2));
    let activate = marketlens_in(&data)
        .args(["config", "activate"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(activate.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&activate.stderr),
        String::from_utf8_lossy(&validate.stderr),
        "the same message as config validate"
    );
    assert!(
        String::from_utf8_lossy(&activate.stderr).contains("surprise"),
        "{}",
        String::from_utf8_lossy(&activate.stderr)
    );
    let unknown = marketlens_in(&data)
        .args(["config", "activate", "999"])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("version 999 not found"));

    let history = stdout_of(
        &marketlens_in(&data)
            .args(["config", "history"])
            .output()
            .unwrap(),
    );
    assert_eq!(
        history.lines().count(),
        1,
        "only the header: nothing was ever activated\n{history}"
    );
}
