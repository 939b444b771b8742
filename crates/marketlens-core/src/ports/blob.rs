use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("invalid blob key {0:?}")]
    InvalidKey(String),
    #[error("blob store unavailable: {0}")]
    Unavailable(String),
}

/// Where a blob was written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlobLocation {
    /// The key within the store (`reports/<query id>/report.html`).
    pub key: String,
    /// A URI a person can open (`file:///…`, `s3://bucket/…`).
    pub uri: String,
    pub size: u64,
}

/// A blob read chunk by chunk, so that serving a large report does not hold all of it
/// in memory. An error mid-stream ends the stream.
pub struct BlobStream {
    /// Length in bytes when the store knows it before reading (for `Content-Length`).
    pub size: Option<u64>,
    pub chunks: BoxStream<'static, Result<Bytes, BlobError>>,
}

impl std::fmt::Debug for BlobStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobStream")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl BlobStream {
    /// Reads the whole stream (tests, small blobs).
    pub async fn collect(mut self) -> Result<Vec<u8>, BlobError> {
        use futures::StreamExt;
        let mut out = Vec::with_capacity(self.size.unwrap_or(0).min(1 << 20) as usize);
        while let Some(chunk) = self.chunks.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

/// Storage for reports. Writes are atomic: a reader sees the whole blob or none.
#[async_trait]
pub trait BlobStore: Send + Sync {
    fn backend(&self) -> &'static str;
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<BlobLocation, BlobError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;

    /// The blob as a stream; `None` when there is no blob under `key`. The default reads
    /// it whole, for stores that have nothing better.
    async fn get_stream(&self, key: &str) -> Result<Option<BlobStream>, BlobError> {
        Ok(self.get(key).await?.map(|bytes| BlobStream {
            size: Some(bytes.len() as u64),
            chunks: Box::pin(futures::stream::once(async move { Ok(Bytes::from(bytes)) })),
        }))
    }

    /// Checks that the store can be reached (health and readiness); embedded stores
    /// that fail only per file have nothing to check.
    async fn ping(&self) -> Result<(), BlobError> {
        Ok(())
    }
}

/// Keys are relative paths of `[A-Za-z0-9._-]` segments; no `..`, no leading `/`.
pub fn validate_key(key: &str) -> Result<(), BlobError> {
    let ok = !key.is_empty()
        && key.len() <= 512
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        });
    if ok {
        Ok(())
    } else {
        Err(BlobError::InvalidKey(key.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::validate_key;

    #[test]
    fn keys_cannot_escape_the_store() {
        assert!(validate_key("reports/abc/report.html").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a//b",
            "a/./b",
            "a/../b",
            "a b",
            "a\\b",
        ] {
            assert!(validate_key(bad).is_err(), "{bad:?}");
        }
    }
}
