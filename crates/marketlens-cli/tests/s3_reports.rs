//! Reports in an S3 bucket (`MARKETLENS_BLOB_URL=s3://…` + `AWS_*`): a server writes
//! them there and the API streams them back. Needs an S3-compatible server at
//! `MARKETLENS_TEST_S3_ENDPOINT` (default http://127.0.0.1:5000, moto in `.ci/run`);
//! skipped without one unless `MARKETLENS_REQUIRE_SERVICES=1`.

mod support;

use support::{
    Api, Proc, create_bucket, free_port, json_array, marketlens_in, spawn_quiet_server, stdout_of,
    unique_suffix,
};

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use marketlens_adapters::S3BlobStore;
use marketlens_core::ports::BlobStore;
use object_store::aws::AmazonS3Builder;

/// `marketlens` on `data_dir` with its reports in the bucket of `blob_url` (moto's
/// test credentials).
fn marketlens_on_s3(data_dir: &Path, endpoint: &str, blob_url: &str) -> Command {
    let mut c = marketlens_in(data_dir);
    c.env("MARKETLENS_LOG", "warn")
        .env("MARKETLENS_BLOB_URL", blob_url)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1");
    c
}

fn start_server(data_dir: &Path, port: u16, endpoint: &str, blob_url: &str) -> Proc {
    let mut serve = marketlens_on_s3(data_dir, endpoint, blob_url);
    serve.args(["serve", "--no-auth", "--bind", &format!("127.0.0.1:{port}")]);
    spawn_quiet_server(serve, port)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_written_to_s3_and_streamed_back() {
    // reqwest is built with rustls and no provider of its own: install ring's.
    marketlens_sources::http::install_crypto_provider();
    let endpoint = std::env::var("MARKETLENS_TEST_S3_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:5000".to_owned());
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let bucket = format!("marketlens-cli-{}", unique_suffix());
    if !create_bucket(&client, &endpoint, &bucket).await {
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let blob_url = format!("s3://{bucket}/reports");
    let _server = start_server(dir.path(), port, &endpoint, &blob_url);
    let api = Api::new(port);

    let (_, ready) = api.get("/readyz").await;
    let blob = json_array(&ready["checks"])
        .iter()
        .find(|c| c["name"] == "blob")
        .unwrap_or_else(|| panic!("no blob check: {ready}"));
    assert_eq!(
        (&blob["backend"], &blob["status"]),
        (&"s3".into(), &"ok".into()),
        "{ready}"
    );

    let (code, submitted) = api
        .post(serde_json::json!({"query": "wireless headphones", "currency": "EUR"}))
        .await;
    assert_eq!(code, 202, "{submitted}");
    let id = submitted["id"].as_str().unwrap().to_owned();
    api.wait_completed(std::slice::from_ref(&id), Duration::from_secs(60))
        .await;

    let res = client
        .get(format!("{}/v1/analyses/{id}/report", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let length: usize = res.headers()["content-length"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let served = res.bytes().await.unwrap();
    assert_eq!(served.len(), length);
    assert!(String::from_utf8_lossy(&served).contains("wireless headphones"));

    // The object is in the bucket under the prefix (read with signed requests from the
    // bucket root)…
    let root = S3BlobStore::with_builder(
        &format!("s3://{bucket}"),
        AmazonS3Builder::new()
            .with_endpoint(&endpoint)
            .with_region("us-east-1")
            .with_access_key_id("testing")
            .with_secret_access_key("testing"),
    )
    .unwrap();
    let stored = root
        .get(&format!("reports/{id}/report.html"))
        .await
        .unwrap()
        .expect("the report object under the prefix");
    assert_eq!(stored, served);
    // `analyze` names its report by the bucket location, never as a local path.
    let analyze = |format: &[&str]| {
        stdout_of(
            &marketlens_on_s3(dir.path(), &endpoint, &blob_url)
                .args(["analyze", "wireless headphones", "--fresh"])
                .args(format)
                .output()
                .unwrap(),
        )
    };
    let summary: serde_json::Value = serde_json::from_str(&analyze(&["--json"])).unwrap();
    let in_bucket = format!("{blob_url}/{}/", summary["id"].as_str().unwrap());
    assert_eq!(
        summary["report_uri"],
        format!("{in_bucket}report.html"),
        "{summary}"
    );
    assert_eq!(summary["result_uri"], format!("{in_bucket}result.json"));
    assert!(summary.get("report_path").is_none(), "{summary}");
    let text = analyze(&[]);
    assert!(
        text.lines()
            .any(|l| l.starts_with(&format!("report: {blob_url}/")) && l.ends_with("/report.html")),
        "{text}"
    );

    // …and nowhere in the data directory: the API could only have read it from S3.
    let local_reports = dir.path().join("reports");
    let local_files = std::fs::read_dir(&local_reports)
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(local_files, 0, "no report written under {local_reports:?}");
}
