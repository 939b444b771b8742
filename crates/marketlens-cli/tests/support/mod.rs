//! Shared by the CLI tests: the one way to build a `marketlens` command, and for the
//! multi-process tests (restart, crash, outage, S3, metrics) child processes that are
//! killed when the test ends, ports, a short-lease agent configuration, the API.

#![allow(dead_code)] // each test file uses its own part

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A child process killed (SIGKILL) and reaped when dropped, so a failing test leaves
/// no workers or servers behind.
pub struct Proc(pub Child);

impl Proc {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `PING` over a raw connection: whether a Redis answers at `port`.
pub fn redis_ping(port: u16) -> Result<(), String> {
    use std::io::{Read, Write};
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1))
        .map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(1))).ok();
    s.write_all(b"PING\r\n").map_err(|e| e.to_string())?;
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).map_err(|e| e.to_string())?;
    if &buf == b"+PONG\r\n" {
        Ok(())
    } else {
        Err(format!(
            "unexpected answer {:?}",
            String::from_utf8_lossy(&buf)
        ))
    }
}

/// The built-in configuration with a 3-second lease (1-second first retry), so a job
/// whose worker was killed is redelivered within the test.
pub fn short_lease_config(dir: &Path) -> PathBuf {
    let text = stdout_of(&marketlens().args(["config", "show"]).output().unwrap());
    assert!(text.contains("lease_secs = 300") && text.contains("retry_backoff_secs = 5"));
    let text = text
        .replace("lease_secs = 300", "lease_secs = 3")
        .replace("retry_backoff_secs = 5", "retry_backoff_secs = 1");
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// The `marketlens` binary as every test runs it: nothing inherited from the shell
/// picks its configuration, data directory, backends or trace export, so each test
/// states what it uses (with options such as `--config`, or the variables it sets).
pub fn marketlens() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_marketlens"));
    for inherited in [
        "MARKETLENS_CONFIG",
        "MARKETLENS_DATA_DIR",
        "MARKETLENS_DATABASE_URL",
        "MARKETLENS_REDIS_URL",
        "MARKETLENS_QUEUE_URL",
        "MARKETLENS_BLOB_URL",
        "MARKETLENS_REDIS_PREFIX",
        "MARKETLENS_METRICS_BIND",
        "MARKETLENS_TENANT",
        "MARKETLENS_API_KEY",
        "MARKETLENS_RATE_LIMIT",
        "MARKETLENS_RATE_BURST",
        "MARKETLENS_MAX_INFLIGHT_PER_TENANT",
        "MARKETLENS_OTLP_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ] {
        c.env_remove(inherited);
    }
    c
}

/// [`marketlens`] on a data directory (`MARKETLENS_DATA_DIR`, which every command
/// that has a data directory reads, so the command and its options follow).
pub fn marketlens_in(data_dir: &Path) -> Command {
    let mut c = marketlens();
    c.env("MARKETLENS_DATA_DIR", data_dir);
    c
}

/// [`marketlens_in`] with a configuration and backends (`MARKETLENS_*` variables and
/// their values), for a long-running process: warnings go to `log` so a failure can
/// be read afterwards.
pub fn marketlens_logged(
    data_dir: &Path,
    config: &Path,
    backends: &[(&str, String)],
    log: &Path,
) -> Command {
    let mut c = marketlens_in(data_dir);
    c.env("MARKETLENS_CONFIG", config)
        .envs(backends.iter().map(|(k, v)| (k, v)))
        .env("MARKETLENS_LOG", "warn")
        .env("MARKETLENS_LOG_FORMAT", "text")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log).unwrap());
    c
}

/// Spawns `serve` (a server command listening on `port`) with its output discarded and
/// returns once the port accepts connections.
pub fn spawn_quiet_server(mut serve: Command, port: u16) -> Proc {
    let child = serve
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_port(port, "server");
    Proc(child)
}

/// `marketlens serve` with `serve_args` on a free local port, configured and logged as
/// [`marketlens_logged`]; returns once the port accepts connections.
pub fn serve_logged(
    data_dir: &Path,
    config: &Path,
    backends: &[(&str, String)],
    log: &Path,
    serve_args: &[&str],
) -> (Proc, Api) {
    let port = free_port();
    let bind = format!("127.0.0.1:{port}");
    let server = Proc(
        marketlens_logged(data_dir, config, backends, log)
            .arg("serve")
            // Loopback, so keys are not needed; access is tested on its own.
            .arg("--no-auth")
            .args(serve_args)
            .args(["--bind", &bind])
            .spawn()
            .unwrap(),
    );
    wait_port(port, "the API");
    (server, Api::new(port))
}

/// The standard output of a command that must succeed (else the test fails with its
/// standard error).
pub fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub struct Api {
    pub base: String,
    pub client: reqwest::Client,
}

impl Api {
    pub fn new(port: u16) -> Self {
        // reqwest is built with rustls and no provider of its own: install ring's.
        marketlens_sources::http::install_crypto_provider();
        Self {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(15))
                .build()
                .unwrap(),
        }
    }

    /// POSTs an analysis; the status and the body.
    pub async fn post(&self, body: serde_json::Value) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(format!("{}/v1/analyses", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// `n` analyses with `max_products` from `first` on: distinct parameters, so none
    /// is answered from another's result or coalesced with it. Their ids, in order.
    pub async fn post_distinct(&self, first: usize, n: usize) -> Vec<String> {
        let mut ids = Vec::new();
        for i in first..first + n {
            let (code, body) = self
                .post(serde_json::json!({"query": "wireless headphones", "max_products": i}))
                .await;
            assert_eq!(code, 202, "{body}");
            ids.push(body["id"].as_str().unwrap().to_owned());
        }
        ids
    }

    /// GETs `path`; the status and the body (`null` unless JSON).
    pub async fn get(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get_response(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// GETs `path`; the status and the body as text.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get_response(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.unwrap())
    }

    async fn get_response(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// Polls each analysis until it is completed (a failure or `within` running out
    /// fails the test); returns their final views, in order.
    pub async fn wait_completed(&self, ids: &[String], within: Duration) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        let mut done = Vec::with_capacity(ids.len());
        for id in ids {
            loop {
                let (code, v) = self.get(&format!("/v1/analyses/{id}")).await;
                assert_eq!(code, 200, "{v}");
                if v["status"] == "completed" {
                    done.push(v);
                    break;
                }
                assert_ne!(v["status"], "failed", "{v}");
                assert!(Instant::now() < deadline, "{id} never completed: {v}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        done
    }

    /// The status of each analysis (at most 100, newest first).
    pub async fn statuses(&self) -> Vec<serde_json::Value> {
        let (code, page) = self.get("/v1/analyses?limit=100").await;
        assert_eq!(code, 200, "{page}");
        page["items"].as_array().cloned().unwrap_or_default()
    }
}

/// Result rows in the shared SQLite file: (rows, distinct query ids).
pub async fn result_rows(data_dir: &Path) -> (i64, i64) {
    let url = format!(
        "sqlite://{}?mode=ro",
        data_dir.join("marketlens.db").display()
    );
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let counts = sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT query_id) FROM analysis_results")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    counts
}

/// Fails the test unless the queue drains: nothing queued, running or dead within 15 s.
///
/// A worker acknowledges a job just after it writes the result, so the last
/// acknowledgements can land a moment after the last result is visible through the API;
/// reading the counts once at that instant would see a job still `running`.
pub async fn assert_queue_drained(queue: &impl marketlens_core::ports::JobQueue) {
    let drained_by = Instant::now() + Duration::from_secs(15);
    loop {
        let stats = queue.stats().await.expect("queue stats");
        let idle = (stats.queued, stats.running, stats.dead) == (0, 0, 0);
        if idle {
            return;
        }
        assert!(Instant::now() < drained_by, "no job stuck: {stats:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The cells of a markdown table's row named `metric` (`| metric | a | b |`), after
/// the name: one per variant in `eval golden`'s table.
pub fn table_row(stdout: &str, metric: &str) -> Vec<String> {
    let line = stdout
        .lines()
        .find(|l| l.starts_with(&format!("| {metric} |")))
        .unwrap_or_else(|| panic!("no {metric} row in\n{stdout}"));
    line.trim_matches('|')
        .split('|')
        .skip(1)
        .map(|c| c.trim().to_owned())
        .collect()
}

/// A temporary directory holding one file, `name`, with `content`; the directory lasts
/// as long as the returned guard.
pub fn temp_file(name: &str, content: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    (dir, path)
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The elements of `value`, which must be a JSON array.
pub fn json_array(value: &serde_json::Value) -> &[serde_json::Value] {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
}

/// Creates `bucket` on the S3 server at `endpoint` (CreateBucket is a plain path-style
/// PUT on moto and MinIO); false, with the test skipped as [`service_available`] says,
/// when the server does not answer.
///
/// [`service_available`]: marketlens_adapters::contract::service_available
pub async fn create_bucket(client: &reqwest::Client, endpoint: &str, bucket: &str) -> bool {
    let created = match client.put(format!("{endpoint}/{bucket}")).send().await {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("create bucket: HTTP {}", r.status())),
        Err(e) => Err(e.to_string()),
    };
    marketlens_adapters::contract::service_available(&format!("S3 server at {endpoint}"), created)
}

/// A suffix no other run shares, of hex digits and digits only: safe in bucket and
/// database names, without another dependency.
pub fn unique_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{nanos:x}{}", std::process::id())
}
