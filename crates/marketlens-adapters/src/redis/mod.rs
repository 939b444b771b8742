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
            RedisError::BadUrl { .. } => ErrorType::InvalidConfig,
            RedisError::Command(_) | RedisError::Timeout(_) | RedisError::UnexpectedReply(_) => {
                ErrorType::Unavailable
            }
        }
    }
}

/// A connection manager that connects on first use. Creating it fails only for a
/// malformed URL, so a Redis that is down at start-up does not stop the caller.
pub(crate) fn lazy_manager(url: &str, timeout: Duration) -> Result<ConnectionManager, RedisError> {
    let client = ::redis::Client::open(url).map_err(|source| RedisError::BadUrl {
        url: crate::secrets::redact_url(url),
        source,
    })?;
    let config = ConnectionManagerConfig::new()
        .set_connection_timeout(Some(timeout))
        .set_response_timeout(Some(timeout))
        // Reconnection is retried on the next command anyway; retrying inside one
        // command would only stretch its deadline.
        .set_number_of_retries(1)
        .set_max_delay(Duration::from_millis(500));
    Ok(ConnectionManager::new_lazy_with_config(client, config)?)
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
