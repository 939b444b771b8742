//! Starts the real application on a random port with a fresh data directory.
#![allow(dead_code)]

pub mod llm_server;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use marketlens_service::access::AccessPolicy;
use marketlens_service::in_process::{Finished, InProcessError, analyze_in_process};
use marketlens_service::pipeline::NoProgress;
use marketlens_service::startup::{App, Settings};
use tokio::sync::watch;

/// The application on the embedded defaults (SQLite, in-process queue and cache, local
/// files) in `data_dir`, without the HTTP server.
pub async fn embedded_app(data_dir: &Path) -> Arc<App> {
    App::open(&Settings {
        data_dir: data_dir.to_owned(),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// The application on the embedded defaults with the agent configuration `toml`
/// (written to `dir/agent.toml`), its data in `dir/data`.
pub async fn app_with_config(toml: &str, dir: &Path) -> Arc<App> {
    let path = dir.join("agent.toml");
    std::fs::write(&path, toml).unwrap();
    App::open(&Settings {
        data_dir: dir.join("data"),
        config_path: Some(path),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// A request for `query` with every other parameter at its default.
pub fn request(query: &str) -> marketlens_core::domain::AnalysisRequest {
    marketlens_core::domain::AnalysisRequest {
        query: query.into(),
        ..Default::default()
    }
}

/// Runs an analysis of `query` (every other parameter at its default) in this process,
/// without progress reports; with `reuse_fresh`, a fresh identical result answers it.
pub async fn analyze(
    app: &Arc<App>,
    query: &str,
    reuse_fresh: bool,
) -> Result<Finished, InProcessError> {
    analyze_in_process(app, &request(query), reuse_fresh, &NoProgress).await
}

pub struct TestApp {
    pub base: String,
    pub app: Arc<App>,
    pub data_dir: tempfile::TempDir,
    pub client: reqwest::Client,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl TestApp {
    pub async fn spawn(workers: usize) -> TestApp {
        Self::spawn_with_config(workers, None).await
    }

    pub async fn spawn_with_config(workers: usize, config: Option<&Path>) -> TestApp {
        Self::spawn_with_settings(workers, |s| s.config_path = config.map(Path::to_owned)).await
    }

    /// On a fresh data directory, with the settings `adjust` makes, without API keys
    /// (every request acts for the `local` tenant).
    pub async fn spawn_with_settings(
        workers: usize,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        Self::spawn_with_access(workers, AccessPolicy::open(), adjust).await
    }

    /// On a fresh data directory, with the settings `adjust` makes, admitting requests
    /// as `access` says.
    pub async fn spawn_with_access(
        workers: usize,
        access: AccessPolicy,
        adjust: impl FnOnce(&mut Settings),
    ) -> TestApp {
        let data_dir = tempfile::tempdir().unwrap();
        let mut settings = Settings {
            data_dir: data_dir.path().to_owned(),
            ..Default::default()
        };
        adjust(&mut settings);
        let app = App::open(&settings).await.expect("app opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = watch::channel(false);
        let server = tokio::spawn(marketlens_service::server::serve(
            app.clone(),
            listener,
            workers,
            access,
            rx,
        ));
        TestApp {
            base,
            app,
            data_dir,
            client: reqwest::Client::new(),
            shutdown: tx,
            server,
        }
    }

    /// `POST /v1/analyses` with `body`.
    pub async fn post(&self, body: &serde_json::Value) -> reqwest::Response {
        self.post_to("/v1/analyses", body).await
    }

    /// `POST path` with the JSON `body`.
    pub async fn post_to(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.base))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// The JSON body of `GET path`.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.get(path).await.json().await.unwrap()
    }

    /// The JSON body of `POST /v1/analyses` with `body`.
    pub async fn post_json(&self, body: &serde_json::Value) -> serde_json::Value {
        self.post(body).await.json().await.unwrap()
    }

    /// `GET path`, which must answer 200 with `content_type`.
    pub async fn get_ok(&self, path: &str, content_type: &str) -> reqwest::Response {
        let res = self.get(path).await;
        assert_eq!(res.status(), 200, "GET {path}");
        assert_eq!(res.headers()["content-type"], content_type, "GET {path}");
        res
    }

    /// Submits `body`, which must be queued (202): the analysis's location.
    pub async fn submit(&self, body: &serde_json::Value) -> String {
        let res = self.post(body).await;
        assert_eq!(res.status(), 202, "{body}");
        res.headers()["location"].to_str().unwrap().to_owned()
    }

    /// How many analyses the `local` tenant (every request without API keys) has.
    pub async fn local_query_total(&self) -> u64 {
        self.app
            .store
            .list_queries(&marketlens_core::domain::TenantId::local(), 1, 0)
            .await
            .unwrap()
            .total
    }

    /// Polls an analysis until it leaves queued/running.
    pub async fn wait_done(&self, location: &str) -> serde_json::Value {
        for _ in 0..600 {
            let v: serde_json::Value = self.get(location).await.json().await.unwrap();
            if v["status"] == "completed" || v["status"] == "failed" {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("analysis {location} did not finish in 60 s");
    }

    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
    }
}

/// The string `field` of each element of the JSON array `items`.
pub fn field_strs<'a>(items: &'a serde_json::Value, field: &str) -> Vec<&'a str> {
    let items = items
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {items}"));
    items.iter().map(|i| i[field].as_str().unwrap()).collect()
}

/// Writes a catalogue directory and a config using it; returns the config path.
pub fn write_catalog(
    dir: &Path,
    products: &str,
    offers: &str,
    reviews: &str,
) -> std::path::PathBuf {
    let cat = dir.join("catalog");
    std::fs::create_dir_all(&cat).unwrap();
    std::fs::write(cat.join("products.jsonl"), products).unwrap();
    std::fs::write(cat.join("offers.jsonl"), offers).unwrap();
    std::fs::write(cat.join("reviews.jsonl"), reviews).unwrap();
    let config = marketlens_core::config::DEFAULT_AGENT_TOML
        .replace("builtin:sample", &cat.display().to_string());
    let path = dir.join("agent.toml");
    std::fs::write(&path, config).unwrap();
    path
}

/// This process's metrics scrape: it has each of `series` (a name, with the start of
/// its labels where they matter) and passes `promtool check metrics`.
pub fn assert_scrape_has(series: &[&str]) {
    let text = marketlens_service::metrics::install().render();
    for series in series {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    promtool_check(&text);
}

/// Lints the scrape with `promtool check metrics` when promtool is installed (CI
/// installs it and requires it; a laptop without it skips this part).
pub fn promtool_check(text: &str) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        // CI (which installs promtool) must not pass by skipping.
        assert!(
            std::env::var("MARKETLENS_REQUIRE_SERVICES").as_deref() != Ok("1"),
            "promtool is required (MARKETLENS_REQUIRE_SERVICES=1)"
        );
        eprintln!("promtool not installed: skipping `promtool check metrics`");
        return;
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool check metrics: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
