//! [`BlobStore`] on an S3-compatible object store (AWS S3, MinIO, moto, …).
//!
//! Settings: `s3://bucket/prefix` names the bucket and an optional key prefix; the
//! endpoint, credentials and region come from the standard `AWS_*` environment
//! variables (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_REGION`, `AWS_SESSION_TOKEN`, web identity, …) as object_store reads them.
//! With an explicit endpoint (MinIO, moto) requests use path-style addressing
//! (`http://host/bucket/key`) unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST` says otherwise,
//! and plain `http://` endpoints are allowed: they are private-network servers.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::{StreamExt, TryStreamExt};
use marketlens_core::ports::{BlobError, BlobLocation, BlobStore, BlobStream, validate_key};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

/// A readiness check must answer well inside a probe's period, even when the server
/// only swallows packets.
const PING_TIMEOUT: Duration = Duration::from_secs(5);

/// Reports under `prefix/` in one bucket.
#[derive(Debug, Clone)]
pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    bucket: String,
    /// Validated like a key, without slashes at either end; empty for the bucket root.
    prefix: String,
}

/// `s3://bucket/prefix` → (bucket, prefix). The prefix obeys the key rules so every
/// object path stays a plain, unescaped S3 key.
fn parse_url(url: &str) -> Result<(String, String), BlobError> {
    let bad = |why: &str| BlobError::Unavailable(format!("blob url {url:?}: {why}"));
    let rest = url
        .strip_prefix("s3://")
        .ok_or_else(|| bad("expected s3://bucket/prefix"))?;
    let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
    // S3 bucket naming rules, less the IP-address special case.
    let bucket_ok = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
        && !bucket.starts_with(['-', '.'])
        && !bucket.ends_with(['-', '.']);
    if !bucket_ok {
        return Err(bad(
            "bucket must be 3–63 characters of a-z, 0-9, '-' and '.'",
        ));
    }
    let prefix = prefix.trim_matches('/');
    if !prefix.is_empty() && validate_key(prefix).is_err() {
        return Err(bad("prefix must be segments of A-Z a-z 0-9 . _ -"));
    }
    Ok((bucket.to_owned(), prefix.to_owned()))
}

fn unavailable(e: object_store::Error) -> BlobError {
    BlobError::Unavailable(format!("s3: {e}"))
}

impl S3BlobStore {
    /// Opens `s3://bucket/prefix` with the endpoint, credentials and region of the
    /// `AWS_*` environment variables.
    pub fn from_url(url: &str) -> Result<Self, BlobError> {
        Self::with_builder(url, AmazonS3Builder::from_env())
    }

    /// Opens `s3://bucket/prefix` with explicit settings (tests; callers that do not
    /// configure through the environment). The bucket and prefix come from `url`.
    pub fn with_builder(url: &str, builder: AmazonS3Builder) -> Result<Self, BlobError> {
        let (bucket, prefix) = parse_url(url)?;
        // object_store's HTTP client uses rustls without a built-in provider (the
        // workspace's one crypto stack is ring): make sure one is installed even when
        // this store is built outside the CLI, which installs it at start-up. Err only
        // means a provider is already there, which is then kept.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = builder.with_bucket_name(&bucket);
        if let Some(endpoint) = builder.get_config_value(&AmazonS3ConfigKey::Endpoint) {
            // Self-hosted servers (MinIO, moto) serve buckets as paths, rarely as DNS
            // names, and often over plain HTTP inside a private network.
            if std::env::var_os("AWS_VIRTUAL_HOSTED_STYLE_REQUEST").is_none() {
                builder = builder.with_virtual_hosted_style_request(false);
            }
            if endpoint.starts_with("http://") {
                builder = builder.with_allow_http(true);
            }
        }
        let store = builder
            // Bounded retries: a report write or read fails within seconds, not the
            // default three minutes, so the job is retried by the queue instead of
            // holding a worker while the store is down. Requests keep object_store's
            // own timeouts (5 s to connect, 30 s per request).
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(20),
                ..RetryConfig::default()
            })
            .build()
            .map_err(unavailable)?;
        Ok(Self {
            store: Arc::new(store),
            bucket,
            prefix,
        })
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn object_key(&self, key: &str) -> Result<String, BlobError> {
        validate_key(key)?;
        Ok(if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}/{key}", self.prefix)
        })
    }

    fn path_of(&self, key: &str) -> Result<Path, BlobError> {
        // Validated keys hold no character object_store would escape, so the S3 key is
        // exactly `prefix/key`.
        Path::parse(self.object_key(key)?).map_err(|e| BlobError::InvalidKey(e.to_string()))
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    fn backend(&self) -> &'static str {
        "s3"
    }

    /// One PutObject: S3 makes the object visible whole or not at all, and replaces an
    /// existing one atomically. Reports are far below the 5 GiB single-PUT limit.
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<BlobLocation, BlobError> {
        let path = self.path_of(key)?;
        let size = bytes.len() as u64;
        self.store
            .put(&path, PutPayload::from(bytes))
            .await
            .map_err(unavailable)?;
        Ok(BlobLocation {
            key: key.to_owned(),
            uri: format!("s3://{}/{}", self.bucket, path),
            size,
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(key)?;
        match self.store.get(&path).await {
            Ok(got) => Ok(Some(got.bytes().await.map_err(unavailable)?.to_vec())),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn get_stream(&self, key: &str) -> Result<Option<BlobStream>, BlobError> {
        let path = self.path_of(key)?;
        match self.store.get(&path).await {
            Ok(got) => Ok(Some(BlobStream {
                size: Some(got.meta.size),
                chunks: got.into_stream().map_err(unavailable).boxed(),
            })),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Lists a prefix that holds nothing: proves the endpoint answers, the credentials
    /// are accepted and the bucket exists (a HEAD of a missing object would answer 404
    /// for a missing bucket too), without transferring any listing.
    async fn ping(&self) -> Result<(), BlobError> {
        let probe = Path::parse(self.object_key(".marketlens-ping")?)
            .map_err(|e| BlobError::Unavailable(e.to_string()))?;
        match tokio::time::timeout(PING_TIMEOUT, self.store.list_with_delimiter(Some(&probe))).await
        {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(unavailable(e)),
            Err(_) => Err(BlobError::Unavailable(format!(
                "s3: no answer within {PING_TIMEOUT:?}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_a_bucket_and_a_safe_prefix() {
        assert_eq!(
            parse_url("s3://reports").unwrap(),
            ("reports".into(), String::new())
        );
        assert_eq!(
            parse_url("s3://my-bucket.eu/marketlens/prod/").unwrap(),
            ("my-bucket.eu".into(), "marketlens/prod".into())
        );
        for bad in [
            "reports",
            "https://s3.amazonaws.com/reports",
            "s3://",
            "s3://ab",
            "s3://Upper",
            "s3://-bucket",
            "s3://bucket/../x",
            "s3://bucket/a b",
            "s3://bucket/a//b",
        ] {
            assert!(parse_url(bad).is_err(), "{bad:?}");
        }
    }

    fn store(url: &str) -> S3BlobStore {
        S3BlobStore::with_builder(
            url,
            AmazonS3Builder::new()
                .with_endpoint("http://127.0.0.1:9")
                .with_region("us-east-1")
                .with_access_key_id("k")
                .with_secret_access_key("s"),
        )
        .unwrap()
    }

    #[test]
    fn keys_live_under_the_prefix() {
        let s = store("s3://bucket/a/b");
        assert_eq!(
            s.path_of("reports/x/r.html").unwrap().as_ref(),
            "a/b/reports/x/r.html"
        );
        assert_eq!(store("s3://bucket").path_of("k").unwrap().as_ref(), "k");
        assert!(matches!(s.path_of("../k"), Err(BlobError::InvalidKey(_))));
    }

    #[tokio::test]
    async fn an_unreachable_server_is_unavailable_not_a_hang() {
        // Port 9 (discard) is closed on test machines: connection refused, retried a
        // bounded number of times.
        let s = store("s3://bucket");
        let started = std::time::Instant::now();
        assert!(matches!(s.ping().await, Err(BlobError::Unavailable(_))));
        assert!(matches!(s.get("k").await, Err(BlobError::Unavailable(_))));
        assert!(started.elapsed() < Duration::from_secs(30));
    }
}
