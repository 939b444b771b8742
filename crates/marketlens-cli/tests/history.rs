//! `marketlens history`, `show` and `open`, on the local data directory and, with
//! `--api`, against a running server on the same data.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{free_port, json_array, marketlens_in, spawn_quiet_server, stdout_of};

/// Runs `analyze` with `args` in `data_dir`; the `--json` line.
fn analyze(data_dir: &Path, args: &[&str]) -> Value {
    let out = marketlens_in(data_dir)
        .arg("analyze")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// One completed and one failed (`no_data`) analysis; their ids.
fn two_analyses(data_dir: &Path) -> (String, String, Value) {
    let done = analyze(data_dir, &["wireless headphones"]);
    assert_eq!(done["status"], "completed", "{done}");
    let failed = analyze(data_dir, &["flux capacitor"]);
    assert_eq!(failed["status"], "failed", "{failed}");
    (
        done["id"].as_str().unwrap().to_owned(),
        failed["id"].as_str().unwrap().to_owned(),
        done,
    )
}

fn run(data_dir: &Path, args: &[&str]) -> std::process::Output {
    marketlens_in(data_dir).args(args).output().unwrap()
}

fn json_of(data_dir: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&stdout_of(&run(data_dir, args))).unwrap()
}

fn ids(list: &Value) -> Vec<&str> {
    json_array(list)
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect()
}

/// The checks shared by the local and the `--api` runs: `extra` selects the source.
fn check_history_show_open(data_dir: &Path, extra: &[&str], done: &str, failed: &str) {
    let args =
        |a: &[&str]| -> Vec<String> { a.iter().chain(extra).map(|s| (*s).to_owned()).collect() };
    let call = |a: &[&str]| {
        let a = args(a);
        run(data_dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let json = |a: &[&str]| -> Value {
        let a = args(a);
        json_of(data_dir, &a.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // Newest first; filters and limits.
    let all = json(&["history", "--json"]);
    assert_eq!(ids(&all), vec![failed, done]);
    assert_eq!(all[1]["query"], "wireless headphones");
    assert_eq!(
        ids(&json(&["history", "--json", "--limit", "1"])),
        vec![failed]
    );
    assert_eq!(
        ids(&json(&["history", "--json", "--status", "completed"])),
        vec![done]
    );
    assert_eq!(
        ids(&json(&["history", "--json", "--status", "failed"])),
        vec![failed]
    );
    assert!(ids(&json(&["history", "--json", "--status", "running"])).is_empty());
    let text = stdout_of(&call(&["history"]));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with(failed) && lines[0].contains("failed"),
        "{text}"
    );
    assert!(lines[0].contains("flux capacitor (no_data)"), "{text}");
    assert!(
        lines[1].starts_with(done) && lines[1].contains("completed"),
        "{text}"
    );
    let bad = call(&["history", "--status", "done"]);
    assert_eq!(bad.status.code(), Some(2));

    // show: status, stages, summary, report location.
    let shown = json(&["show", done, "--json"]);
    assert_eq!(shown["status"], "completed");
    let stages: Vec<&str> = json_array(&shown["progress"])
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    // Stages are recorded for analyses run by `analyze` as for a worker's.
    assert!(
        stages.contains(&"fetch_products") && stages.contains(&"generate_report"),
        "{shown}"
    );
    assert!(
        json_array(&shown["progress"])
            .iter()
            .all(|s| s["state"] == "done"),
        "{shown}"
    );
    let summary = shown["summary"].as_array().unwrap();
    assert!(!summary.is_empty(), "{shown}");
    let report = shown["report"].as_str().unwrap().to_owned();
    let text = stdout_of(&call(&["show", done]));
    assert!(text.contains("status:   completed"), "{text}");
    assert!(text.contains("fetch_products"), "{text}");
    assert!(text.contains(summary[0].as_str().unwrap()), "{text}");
    assert!(text.contains(&format!("report:   {report}")), "{text}");

    let text = stdout_of(&call(&["show", failed]));
    assert!(text.contains("status:   failed"), "{text}");
    assert!(text.contains("error:    no_data"), "{text}");
    assert!(!text.contains("report:"), "{text}");
    let missing = call(&["show", "0190a3c2-0000-7000-8000-000000000000"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no analysis with id"));
    assert_eq!(call(&["show", "not-an-id"]).status.code(), Some(2));

    // open: the report's location; none for a failed analysis.
    assert_eq!(stdout_of(&call(&["open", done])).trim(), report);
    let refused = call(&["open", failed]);
    assert_eq!(refused.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no report"));
}

#[test]
fn history_show_and_open_read_the_local_data_directory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (done, failed, analysed) = two_analyses(&data);
    check_history_show_open(&data, &[], &done, &failed);

    // Locally the report is the file `analyze` wrote.
    let report = stdout_of(&run(&data, &["open", &done]));
    assert_eq!(report.trim(), analysed["report_path"].as_str().unwrap());
    assert!(Path::new(report.trim()).is_file());

    // --launch hands it to $BROWSER.
    let browser = dir.path().join("browser.sh");
    let seen = dir.path().join("opened.txt");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", seen.display()),
    )
    .unwrap();
    let mut permissions = std::fs::metadata(&browser).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&browser, permissions).unwrap();
    let out = marketlens_in(&data)
        .args(["open", &done, "--launch"])
        .env("BROWSER", &browser)
        .output()
        .unwrap();
    stdout_of(&out);
    assert_eq!(std::fs::read_to_string(&seen).unwrap(), report.trim());
}

#[test]
fn history_show_and_open_read_a_server_with_api() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (done, failed, _) = two_analyses(&data);
    let port = free_port();
    let mut serve = marketlens_in(&data);
    serve.args([
        "serve",
        "--no-auth",
        "--no-worker",
        "--bind",
        &format!("127.0.0.1:{port}"),
    ]);
    let _server = spawn_quiet_server(serve, port);
    let api = format!("http://127.0.0.1:{port}");
    // Another data directory, so every answer must come from the server.
    let elsewhere = dir.path().join("elsewhere");
    check_history_show_open(&elsewhere, &["--api", &api], &done, &failed);
    let report = stdout_of(&run(&elsewhere, &["open", &done, "--api", &api]));
    assert_eq!(report.trim(), format!("{api}/v1/analyses/{done}/report"));

    // A server that is not there is a clear error.
    let gone = format!("http://127.0.0.1:{}", free_port());
    let out = run(&elsewhere, &["history", "--api", &gone]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach"));
}
