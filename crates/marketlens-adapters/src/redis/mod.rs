//! Redis adapters: [`RedisCache`], the shared cache level, and [`RedisStreamsQueue`],
//! the job queue on Redis Streams.
//!
//! Both talk through a lazily connected [`ConnectionManager`] (it reconnects by
//! itself after an outage) and bound every command with a deadline, so a Redis that
//! is down or hung costs a request a short wait, never a hang.

mod cache;
mod queue;

use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use marketlens_core::ErrorType;

pub use cache::RedisCache;
pub use queue::RedisStreamsQueue;

/// Key prefix when none is configured: every key is `marketlens:…`.
pub const DEFAULT_PREFIX: &str = "marketlens";

/// Why talking to Redis failed.
#[derive(Debug, thiserror::Error)]
pub enum RedisError {
    /// The configured URL is not one Redis accepts (`url` with its password masked).
    #[error("redis url {url:?}: {source}")]
    BadUrl {
        url: String,
        source: ::redis::RedisError,
    },
    /// The CA certificate named by `sslrootcert` cannot be read.
    #[error("redis CA certificate {path}: {source}")]
    RootCert {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    /// Redis refused the command, or the connection failed.
    #[error("{0}")]
    Command(#[from] ::redis::RedisError),
    /// No answer within the deadline of the operation.
    #[error("no answer from redis within {0:?}")]
    Timeout(Duration),
    /// An answer the command does not give when Redis works.
    #[error("unexpected answer from redis: {0}")]
    UnexpectedReply(String),
}

impl RedisError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            RedisError::BadUrl { .. } | RedisError::RootCert { .. } => ErrorType::InvalidConfig,
            RedisError::Command(_) | RedisError::Timeout(_) | RedisError::UnexpectedReply(_) => {
                ErrorType::Unavailable
            }
        }
    }
}

/// A connection manager that connects on first use. Creating it fails only for a
/// malformed URL (or an unreadable CA file), so a Redis that is down at start-up does
/// not stop the caller.
pub(crate) fn lazy_manager(url: &str, timeout: Duration) -> Result<ConnectionManager, RedisError> {
    let client = client(url)?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        // Reconnection is retried on the next command anyway; retrying inside one
        // command would only stretch its deadline.
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
}

/// The query parameter of a `rediss://` URL naming the PEM file of the certificate
/// authority that signed the server's certificate, as PostgreSQL's `sslrootcert`.
/// Without it the server is verified against the system's trusted roots.
pub const ROOT_CERT_PARAM: &str = "sslrootcert";

/// A client for `url`: plain TCP for `redis://`, TLS through rustls (ring provider, the
/// workspace's only crypto stack) for `rediss://`, the server verified against
/// `sslrootcert` when given. `rediss://…#insecure` skips verification (tests only).
fn client(url: &str) -> Result<::redis::Client, RedisError> {
    let bad_url = |source| RedisError::BadUrl {
        url: crate::secrets::redact_url(url),
        source,
    };
    let parsed = url::Url::parse(url).ok();
    let Some(parsed) = parsed.filter(|u| u.scheme() == "rediss") else {
        return ::redis::Client::open(url).map_err(bad_url);
    };
    // rustls needs a process-wide provider; the first adapter to need one installs ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let root_cert = parsed
        .query_pairs()
        .find(|(key, _)| key == ROOT_CERT_PARAM)
        .map(|(_, path)| path.into_owned());
    let Some(path) = root_cert else {
        return ::redis::Client::open(url).map_err(bad_url);
    };
    let pem = std::fs::read(&path).map_err(|source| RedisError::RootCert {
        path: path.clone().into(),
        source,
    })?;
    // The parameter is ours: the URL handed to the client goes without it.
    let mut without = parsed.clone();
    let others: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(key, _)| key != ROOT_CERT_PARAM)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    without.set_query(None);
    if !others.is_empty() {
        without.query_pairs_mut().extend_pairs(others);
    }
    let certificates = ::redis::TlsCertificates {
        client_tls: None,
        root_cert: Some(pem),
    };
    ::redis::Client::build_with_tls(without.as_str(), certificates).map_err(bad_url)
}

/// Runs one Redis operation on a clone of `conn` under `deadline`; a timeout reads as
/// an error like any other (the manager's own response timeout does not cover
/// connecting).
///
/// The manager keeps a failed connection attempt until a command runs into it and
/// only then starts a new one, so right after Redis comes back the first command
/// would fail for nothing. A refused connection means nothing was sent, so that case
/// is retried once (within the same deadline); any other error is not, since the
/// command may have run.
pub(crate) async fn bounded<T, F, Fut>(
    deadline: Duration,
    conn: &ConnectionManager,
    op: F,
) -> Result<T, RedisError>
where
    F: Fn(ConnectionManager) -> Fut,
    Fut: std::future::Future<Output = ::redis::RedisResult<T>>,
{
    let attempt = async {
        match op(conn.clone()).await {
            Err(e) if e.is_connection_refusal() => op(conn.clone()).await,
            other => other,
        }
    };
    match tokio::time::timeout(deadline, attempt).await {
        Ok(answer) => Ok(answer?),
        Err(_) => Err(RedisError::Timeout(deadline)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_url_is_a_configuration_error() {
        let err = lazy_manager("http://not-redis", Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, RedisError::BadUrl { .. }), "{err:?}");
        assert_eq!(err.error_type(), ErrorType::InvalidConfig);
        assert!(err.to_string().contains("http://not-redis"), "{err}");
        let err =
            lazy_manager("redis://:s3cret@host:notaport", Duration::from_millis(100)).unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
    }
}
