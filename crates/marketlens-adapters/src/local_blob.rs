//! [`BlobStore`] in a local directory.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use futures::TryStreamExt;
use marketlens_core::ports::{BlobError, BlobLocation, BlobStore, BlobStream, validate_key};

/// Blobs as files under a root directory, the key being the relative path.
#[derive(Debug, Clone)]
pub struct LocalDirBlobStore {
    root: PathBuf,
}

impl LocalDirBlobStore {
    /// Creates `root` if needed. The root is made absolute so the URIs handed out stay
    /// valid whatever the current directory of whoever opens them.
    pub fn new(root: impl AsRef<Path>) -> Result<Self, BlobError> {
        let root = root.as_ref();
        std::fs::create_dir_all(root)
            .and_then(|()| std::fs::canonicalize(root))
            .map(|root| Self { root })
            .map_err(|e| BlobError::Unavailable(format!("blob root {}: {e}", root.display())))
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        validate_key(key)?;
        Ok(self.root.join(key))
    }
}

fn io_error(path: &Path, e: std::io::Error) -> BlobError {
    BlobError::Unavailable(format!("{}: {e}", path.display()))
}

/// `file://` URI of an absolute path, percent-encoding anything outside the unreserved
/// characters so that spaces or `#` in the root directory cannot break the URI.
fn file_uri(path: &Path) -> String {
    let mut uri = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

/// Writes to a temporary file in the destination directory, syncs it, then renames it
/// over the destination: rename within one file system is atomic, so a reader sees the
/// old blob or the new one, never a partial file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), BlobError> {
    let dir = path
        .parent()
        .ok_or_else(|| BlobError::Unavailable(format!("{} has no parent", path.display())))?;
    std::fs::create_dir_all(dir).map_err(|e| io_error(dir, e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4().simple()));
    let result = (|| {
        let mut file = std::fs::File::create_new(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)?;
        // The rename itself is durable only once the directory entry is synced.
        std::fs::File::open(dir)?.sync_all()
    })();
    result.map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io_error(path, e)
    })
}

#[async_trait]
impl BlobStore for LocalDirBlobStore {
    fn backend(&self) -> &'static str {
        "local"
    }

    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<BlobLocation, BlobError> {
        let path = self.path_of(key)?;
        let size = bytes.len() as u64;
        let target = path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&target, &bytes))
            .await
            .map_err(|e| BlobError::Unavailable(format!("blob writer: {e}")))??;
        Ok(BlobLocation {
            key: key.to_owned(),
            uri: file_uri(&path),
            size,
        })
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        let path = self.path_of(key)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if names_no_blob(&e) => Ok(None),
            Err(e) => Err(io_error(&path, e)),
        }
    }

    /// Opens the file and reads it in chunks. The open file keeps its content even if a
    /// writer renames a new blob over the path meanwhile, so the stream is one version.
    async fn get_stream(&self, key: &str) -> Result<Option<BlobStream>, BlobError> {
        let path = self.path_of(key)?;
        let opened = async {
            let file = tokio::fs::File::open(&path).await?;
            let meta = file.metadata().await?;
            Ok::<_, std::io::Error>((file, meta))
        };
        match opened.await {
            Ok((_, meta)) if meta.is_dir() => Ok(None),
            Ok((file, meta)) => {
                let shown = path.clone();
                Ok(Some(BlobStream {
                    size: Some(meta.len()),
                    chunks: Box::pin(
                        tokio_util::io::ReaderStream::new(file)
                            .map_err(move |e| io_error(&shown, e)),
                    ),
                }))
            }
            Err(e) if names_no_blob(&e) => Ok(None),
            Err(e) => Err(io_error(&path, e)),
        }
    }
}

/// A key naming a directory, a missing file, or passing through a file, names no blob.
fn names_no_blob(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::NotFound | ErrorKind::IsADirectory | ErrorKind::NotADirectory
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_absolute_and_escaped() {
        assert_eq!(
            file_uri(Path::new("/srv/my data/r#1/report.html")),
            "file:///srv/my%20data/r%231/report.html"
        );
    }

    #[tokio::test]
    async fn writes_leave_no_temporary_files_and_point_at_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalDirBlobStore::new(dir.path().join("blobs")).unwrap();
        let loc = store
            .put("reports/q1/report.html", b"<p>1</p>".to_vec())
            .await
            .unwrap();
        store
            .put("reports/q1/report.html", b"<p>2</p>".to_vec())
            .await
            .unwrap();
        let file = store.root().join("reports/q1/report.html");
        assert_eq!(loc.uri, file_uri(&file));
        assert!(loc.uri.starts_with("file:///"));
        assert_eq!(std::fs::read(&file).unwrap(), b"<p>2</p>");
        let names: Vec<_> = std::fs::read_dir(file.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["report.html"]);
        // A directory is not a blob.
        assert_eq!(store.get("reports/q1").await.unwrap(), None);
        assert_eq!(store.get("reports/q1/report.html/x").await.unwrap(), None);
        assert!(store.get_stream("reports/q1").await.unwrap().is_none());
        assert!(
            store
                .get_stream("reports/q1/report.html/x")
                .await
                .unwrap()
                .is_none()
        );
    }
}
