use async_trait::async_trait;

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

/// Storage for reports. Writes are atomic: a reader sees the whole blob or none.
#[async_trait]
pub trait BlobStore: Send + Sync {
    fn backend(&self) -> &'static str;
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<BlobLocation, BlobError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
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
