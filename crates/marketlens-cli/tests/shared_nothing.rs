//! An API instance and a worker on different data directories share work only through
//! PostgreSQL, the Redis Streams queue and S3: the analysis posted to one is run by
//! the other, the report comes back from the bucket, and neither data directory holds
//! anything afterwards (no hidden local state).
//!
//! Needs PostgreSQL (`MARKETLENS_TEST_DATABASE_URL`, default the local server), Redis
//! (`MARKETLENS_TEST_REDIS_URL`, default 127.0.0.1:6379) and an S3 server
//! (`MARKETLENS_TEST_S3_ENDPOINT`, default moto on 127.0.0.1:5000); skipped without
//! them unless `MARKETLENS_REQUIRE_SERVICES=1`.

mod support;

use support::{Api, Proc, create_bucket, free_port, marketlens_in, unique_suffix, wait_port};

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use marketlens_adapters::contract::service_available;
use sqlx::Connection;

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.to_owned())
}

struct Backends {
    database_url: String,
    redis_url: String,
    prefix: String,
    blob_url: String,
    s3_endpoint: String,
}

fn spawn(data_dir: &Path, b: &Backends, args: &[&str]) -> Proc {
    let child = marketlens_in(data_dir)
        .args(args)
        .env("MARKETLENS_LOG", "warn")
        .env("MARKETLENS_DATABASE_URL", &b.database_url)
        .env("MARKETLENS_REDIS_URL", &b.redis_url)
        .env("MARKETLENS_QUEUE_URL", &b.redis_url)
        .env("MARKETLENS_REDIS_PREFIX", &b.prefix)
        .env("MARKETLENS_BLOB_URL", &b.blob_url)
        .env("AWS_ENDPOINT_URL", &b.s3_endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    Proc(child)
}

/// Everything left in a data directory, as relative paths.
fn contents(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            out.push(path.strip_prefix(dir).unwrap().display().to_string());
            if path.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_and_worker_share_work_only_through_the_production_backends() {
    marketlens_sources::http::install_crypto_provider();
    let base_db = env_or(
        "MARKETLENS_TEST_DATABASE_URL",
        "postgres://postgres@127.0.0.1:5432/postgres",
    );
    let redis_url = env_or("MARKETLENS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0");
    let s3_endpoint = env_or("MARKETLENS_TEST_S3_ENDPOINT", "http://127.0.0.1:5000");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // PostgreSQL: a fresh database for this test.
    let admin = tokio::time::timeout(
        Duration::from_secs(5),
        sqlx::PgConnection::connect(&base_db),
    )
    .await
    .map_err(|_| "no answer within 5 s".to_owned())
    .and_then(|r| r.map_err(|e| e.to_string()));
    let mut admin = match admin {
        Ok(c) => c,
        Err(why) => {
            service_available("PostgreSQL", Err(why));
            return;
        }
    };
    // Redis answers?
    let redis_up = std::net::TcpStream::connect_timeout(
        &"127.0.0.1:6379".parse().unwrap(),
        Duration::from_secs(2),
    )
    .map(|_| ())
    .map_err(|e| e.to_string());
    if !service_available("Redis at 127.0.0.1:6379", redis_up) {
        return;
    }
    // S3: a fresh bucket.
    let id = unique_suffix();
    let bucket = format!("marketlens-sn-{id}");
    if !create_bucket(&client, &s3_endpoint, &bucket).await {
        return;
    }
    let db_name = format!("marketlens_sn_{id}");
    // Generated from hex digits only: safe to format in.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db_name}")))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut database_url = url_with_path(&base_db, &db_name);
    if database_url.ends_with('/') {
        database_url.pop();
    }
    let backends = Backends {
        database_url,
        redis_url,
        prefix: format!("marketlens-sn-{id}"),
        blob_url: format!("s3://{bucket}/reports"),
        s3_endpoint,
    };

    let api_dir = tempfile::tempdir().unwrap();
    let worker_dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _api = spawn(
        api_dir.path(),
        &backends,
        &[
            "serve",
            "--no-auth",
            "--no-worker",
            "--bind",
            &format!("127.0.0.1:{port}"),
        ],
    );
    let _worker = spawn(worker_dir.path(), &backends, &["worker"]);
    wait_port(port, "API");

    let api = Api::new(port);
    let (code, submitted) = api
        .post(serde_json::json!({"query": "espresso machine"}))
        .await;
    assert_eq!(code, 202, "{submitted}");
    let analysis = submitted["id"].as_str().unwrap().to_owned();
    api.wait_completed(std::slice::from_ref(&analysis), Duration::from_secs(60))
        .await;
    let (code, report) = api
        .get_text(&format!("/v1/analyses/{analysis}/report"))
        .await;
    assert_eq!(code, 200);
    assert!(report.contains("espresso machine"));

    // The result row is in PostgreSQL, written once.
    let mut conn = sqlx::PgConnection::connect(&backends.database_url)
        .await
        .unwrap();
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM analysis_results")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    drop(conn);

    // Nothing was kept on either machine's disk.
    assert_eq!(contents(api_dir.path()), Vec::<String>::new());
    assert_eq!(contents(worker_dir.path()), Vec::<String>::new());

    drop(_worker);
    drop(_api);
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await;
}

fn url_with_path(base: &str, path: &str) -> String {
    // `scheme://authority/anything` → `scheme://authority/path`.
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    let authority_end = base[after_scheme..]
        .find('/')
        .map_or(base.len(), |i| after_scheme + i);
    format!("{}/{path}", &base[..authority_end])
}
