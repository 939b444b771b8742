//! The blob contract against a real S3-compatible server (moto or MinIO locally, the
//! moto server in `.ci/run`): `MARKETLENS_TEST_S3_ENDPOINT`, default
//! `http://127.0.0.1:5000`. Skipped when nothing answers there, unless
//! `MARKETLENS_REQUIRE_SERVICES=1`.

use std::time::Duration;

use marketlens_adapters::S3BlobStore;
use marketlens_adapters::contract::{self, Rule};
use marketlens_core::ports::{BlobError, BlobStore};
use object_store::aws::AmazonS3Builder;
use uuid::Uuid;

fn endpoint() -> String {
    std::env::var("MARKETLENS_TEST_S3_ENDPOINT")
        .unwrap_or_else(|_| "http://127.0.0.1:5000".to_owned())
}

/// Credentials the test servers accept (moto takes any; the compose MinIO uses these
/// unless told otherwise).
fn builder(endpoint: &str) -> AmazonS3Builder {
    AmazonS3Builder::new()
        .with_endpoint(endpoint)
        .with_region("us-east-1")
        .with_access_key_id(
            std::env::var("MARKETLENS_TEST_S3_ACCESS_KEY").unwrap_or_else(|_| "testing".into()),
        )
        .with_secret_access_key(
            std::env::var("MARKETLENS_TEST_S3_SECRET_KEY").unwrap_or_else(|_| "testing".into()),
        )
}

/// A fresh bucket per test (S3 CreateBucket is a plain PUT on the path-style URL), so
/// runs never see each other's objects. `None` when no server answers.
async fn fresh_bucket() -> Option<(String, String)> {
    // reqwest is built without a bundled crypto provider (the workspace installs ring).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let endpoint = endpoint();
    let bucket = format!("marketlens-test-{}", Uuid::new_v4().simple());
    let created = async {
        let response = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| e.to_string())?
            .put(format!("{endpoint}/{bucket}"))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if response.status().is_success() {
            Ok(())
        } else {
            Err(format!("create bucket: HTTP {}", response.status()))
        }
    }
    .await;
    contract::service_available(&format!("S3 server at {endpoint}"), created)
        .then_some((endpoint, bucket))
}

/// Runs `rule` on a fresh bucket, with keys under `prefix` ("" for the bucket root).
async fn with_bucket(prefix: &str, rule: Rule<dyn BlobStore>) {
    let Some((endpoint, bucket)) = fresh_bucket().await else {
        return;
    };
    let url = format!("s3://{bucket}{prefix}");
    rule(&S3BlobStore::with_builder(&url, builder(&endpoint)).unwrap()).await;
}

async fn with_bucket_root(rule: Rule<dyn BlobStore>) {
    with_bucket("", rule).await;
}

async fn with_bucket_prefix(rule: Rule<dyn BlobStore>) {
    with_bucket("/env/prod", rule).await;
}

#[tokio::test]
async fn objects_land_under_the_prefix_with_s3_uris() {
    let Some((endpoint, bucket)) = fresh_bucket().await else {
        return;
    };
    let url = format!("s3://{bucket}/marketlens");
    let blob = S3BlobStore::with_builder(&url, builder(&endpoint)).unwrap();
    let loc = blob
        .put("reports/q1/report.html", b"<p>r</p>".to_vec())
        .await
        .unwrap();
    assert_eq!(
        loc.uri,
        format!("s3://{bucket}/marketlens/reports/q1/report.html")
    );
    // From the bucket root the object is at `prefix/key`, not at the bare key.
    let root = S3BlobStore::with_builder(&format!("s3://{bucket}"), builder(&endpoint)).unwrap();
    assert_eq!(root.get("reports/q1/report.html").await.unwrap(), None);
    assert_eq!(
        root.get("marketlens/reports/q1/report.html")
            .await
            .unwrap()
            .as_deref(),
        Some(&b"<p>r</p>"[..])
    );
}

#[tokio::test]
async fn a_missing_bucket_fails_the_ping() {
    let Some((endpoint, _)) = fresh_bucket().await else {
        return;
    };
    let missing = format!("s3://marketlens-missing-{}", Uuid::new_v4().simple());
    let blob = S3BlobStore::with_builder(&missing, builder(&endpoint)).unwrap();
    assert!(
        matches!(blob.ping().await, Err(BlobError::Unavailable(_))),
        "readiness must notice a bucket that does not exist"
    );
    assert!(matches!(
        blob.put("reports/q/report.html", b"x".to_vec()).await,
        Err(BlobError::Unavailable(_))
    ));
}

// At the bucket root and under a prefix: keys must map the same way in both.
marketlens_adapters::contract_suites! {
    s3: blob_contract_tests(crate::with_bucket_root);
    s3_prefixed: blob_contract_tests(crate::with_bucket_prefix);
}
