//! The error of the files sources read and write: frozen data (`source.toml`, HTTP
//! tapes) and, in the CLI, the golden set's cases that hold it.

use std::path::{Path, PathBuf};

/// A file that cannot be read or written, or whose content is not what it should be,
/// named by its path.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl FileError {
    /// The I/O error's wrapper for `path`, for `map_err`.
    pub fn io(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
        move |source| FileError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// `path`'s content is not what it should be, as `message` says.
    pub fn invalid(path: &Path, message: impl Into<String>) -> FileError {
        FileError::Invalid {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}
