//! What can go wrong in the HTTP layer: building a client ([`HttpClientError`]) and
//! fetching a page ([`FetchError`], whose `kind` is stable: logs, `extract` output and
//! tests read it).

use marketlens_core::ErrorType;
use marketlens_core::ports::SourceError;

use crate::settings::SettingError;

/// A client that cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum HttpClientError {
    /// An `[http]` setting outside its range.
    #[error(transparent)]
    Setting(#[from] SettingError),
    /// The TLS/HTTP stack refused to start (not a configuration problem).
    #[error("HTTP client: {0}")]
    Build(#[source] reqwest::Error),
}

impl HttpClientError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            HttpClientError::Setting(e) => e.error_type(),
            HttpClientError::Build(_) => ErrorType::Internal,
        }
    }
}

/// Why a fetch failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{kind}: {url}: {message}")]
pub struct FetchError {
    pub kind: FetchErrorKind,
    pub url: String,
    pub message: String,
    /// Requests sent for this fetch (0 when refused before sending).
    pub attempts: u32,
}

impl FetchError {
    /// A timeout is `source_timeout`; every other failure of a shop is `source_failed`.
    pub fn error_type(&self) -> ErrorType {
        match self.kind {
            FetchErrorKind::Timeout => ErrorType::SourceTimeout,
            _ => ErrorType::SourceFailed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    InvalidUrl,
    /// The SSRF guard refused the target.
    Blocked,
    RobotsDisallowed,
    CircuitOpen,
    Timeout,
    TooLarge,
    TooManyRedirects,
    /// A final non-success status (after retries for retryable ones).
    Status(u16),
    Transport,
}

impl FetchErrorKind {
    /// The kind its word names (as [`std::fmt::Display`] writes it).
    pub fn from_word(word: &str) -> Option<Self> {
        Some(match word {
            "invalid_url" => Self::InvalidUrl,
            "blocked" => Self::Blocked,
            "robots_disallowed" => Self::RobotsDisallowed,
            "circuit_open" => Self::CircuitOpen,
            "timeout" => Self::Timeout,
            "too_large" => Self::TooLarge,
            "too_many_redirects" => Self::TooManyRedirects,
            "transport" => Self::Transport,
            other => Self::Status(other.strip_prefix("status_")?.parse().ok()?),
        })
    }
}

impl std::fmt::Display for FetchErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FetchErrorKind::InvalidUrl => f.write_str("invalid_url"),
            FetchErrorKind::Blocked => f.write_str("blocked"),
            FetchErrorKind::RobotsDisallowed => f.write_str("robots_disallowed"),
            FetchErrorKind::CircuitOpen => f.write_str("circuit_open"),
            FetchErrorKind::Timeout => f.write_str("timeout"),
            FetchErrorKind::TooLarge => f.write_str("too_large"),
            FetchErrorKind::TooManyRedirects => f.write_str("too_many_redirects"),
            FetchErrorKind::Status(s) => write!(f, "status_{s}"),
            FetchErrorKind::Transport => f.write_str("transport"),
        }
    }
}

impl From<FetchError> for SourceError {
    fn from(e: FetchError) -> Self {
        SourceError::new(e.error_type(), e.to_string())
    }
}
