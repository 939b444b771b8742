//! `marketlens worker --metrics-bind`: a separate worker process serves `/metrics`
//! with the analyses it ran, while the API (`serve --no-worker`) reports the queue.

mod support;

use support::{Api, Proc, free_port, marketlens_in, wait_port};

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn spawn(data_dir: &Path, args: &[&str], port: u16) -> Proc {
    let child = marketlens_in(data_dir)
        .args(args)
        .env("MARKETLENS_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port, &format!("{args:?}"));
    Proc(child)
}

/// The value of an unlabelled series (or one with exactly these labels).
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[test]
fn a_worker_serves_its_own_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let (api_port, worker_port) = (free_port(), free_port());
    let _api = spawn(
        dir.path(),
        &[
            "serve",
            "--no-auth",
            "--no-worker",
            "--bind",
            &format!("127.0.0.1:{api_port}"),
        ],
        api_port,
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    marketlens_sources::http::install_crypto_provider();
    let client = reqwest::Client::new();
    let api = format!("http://127.0.0.1:{api_port}");
    let worker = format!("http://127.0.0.1:{worker_port}");
    let get = |url: String| {
        let client = client.clone();
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };

    rt.block_on(async {
        let (code, body) = Api::new(api_port)
            .post(serde_json::json!({"query": "wireless headphones"}))
            .await;
        assert_eq!(code, 202, "{body}");
        // No worker yet: the API's scrape shows the job waiting.
        let m = get(format!("{api}/metrics")).await;
        assert_eq!(
            series(&m, "marketlens_queue_jobs{state=\"queued\"}"),
            Some(1.0),
            "{m}"
        );
    });

    let _worker = spawn(
        dir.path(),
        &[
            "worker",
            "--metrics-bind",
            &format!("127.0.0.1:{worker_port}"),
        ],
        worker_port,
    );
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let m = get(format!("{worker}/metrics")).await;
            if series(&m, "marketlens_analyses_completed_total") == Some(1.0) {
                assert_eq!(
                    series(&m, "marketlens_queue_jobs{state=\"queued\"}"),
                    Some(0.0),
                    "{m}"
                );
                break;
            }
            assert!(Instant::now() < deadline, "the worker never completed: {m}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let stats: serde_json::Value =
            serde_json::from_str(&get(format!("{worker}/v1/stats")).await).unwrap();
        assert_eq!(stats["analyses"]["completed"], 1, "{stats}");
        // The API ran no analysis itself.
        let m = get(format!("{api}/metrics")).await;
        assert_eq!(series(&m, "marketlens_analyses_completed_total"), Some(0.0));
    });
}
