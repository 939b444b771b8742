//! The stable `error_type` vocabulary.
//!
//! One word per failure kind, used identically as the span tag, the metric label, the
//! stored `queries.error_type` and the API error code. Changing a word is a breaking
//! change for dashboards and API clients.

use serde::{Deserialize, Serialize};

/// A failure kind with a stable snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    // Input errors (HTTP 400/405/408/413/414/422/431).
    MalformedRequest,
    /// The route exists, the method is not one it answers (HTTP 405, with `Allow`).
    MethodNotAllowed,
    PayloadTooLarge,
    /// The request line's target is longer than the server reads (HTTP 414).
    UriTooLong,
    /// The request's headers are more or larger than the server reads (HTTP 431).
    HeadersTooLarge,
    /// The request's body did not arrive in time (HTTP 408).
    RequestTimeout,
    EmptyQuery,
    QueryTooLong,
    InvalidParameter,
    UnknownSource,
    // Access (HTTP 401/403/429).
    /// No API key, or one that is unknown, revoked or expired (HTTP 401).
    Unauthorized,
    /// The key is valid but lacks the scope the route needs (HTTP 403).
    Forbidden,
    /// The key made more requests than its rate allows (HTTP 429, with `Retry-After`).
    RateLimited,
    /// The tenant already has as many analyses queued or running as it may (HTTP 429,
    /// with `Retry-After`).
    TenantQueueFull,
    // Lookup and state (HTTP 404/409).
    NotFound,
    NotReady,
    /// The change conflicts with the stored state (a name taken, an experiment already
    /// running or stopped).
    Conflict,
    // Analysis failures (stored on the query).
    NoData,
    SourceFailed,
    SourceTimeout,
    InvalidConfig,
    /// The worker running it stopped on every allowed attempt.
    WorkerLost,
    /// The worker running it was shut down before it finished: the query waits, queued,
    /// for its job to be delivered again (not a failure; stored by `requeue_query`).
    Interrupted,
    Internal,
    // Infrastructure (HTTP 503).
    Unavailable,
}

impl ErrorType {
    /// Every failure kind, in declaration order.
    pub const ALL: [ErrorType; 25] = [
        ErrorType::MalformedRequest,
        ErrorType::MethodNotAllowed,
        ErrorType::PayloadTooLarge,
        ErrorType::UriTooLong,
        ErrorType::HeadersTooLarge,
        ErrorType::RequestTimeout,
        ErrorType::EmptyQuery,
        ErrorType::QueryTooLong,
        ErrorType::InvalidParameter,
        ErrorType::UnknownSource,
        ErrorType::Unauthorized,
        ErrorType::Forbidden,
        ErrorType::RateLimited,
        ErrorType::TenantQueueFull,
        ErrorType::NotFound,
        ErrorType::NotReady,
        ErrorType::Conflict,
        ErrorType::NoData,
        ErrorType::SourceFailed,
        ErrorType::SourceTimeout,
        ErrorType::InvalidConfig,
        ErrorType::WorkerLost,
        ErrorType::Interrupted,
        ErrorType::Internal,
        ErrorType::Unavailable,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorType::MalformedRequest => "malformed_request",
            ErrorType::MethodNotAllowed => "method_not_allowed",
            ErrorType::PayloadTooLarge => "payload_too_large",
            ErrorType::UriTooLong => "uri_too_long",
            ErrorType::HeadersTooLarge => "headers_too_large",
            ErrorType::RequestTimeout => "request_timeout",
            ErrorType::EmptyQuery => "empty_query",
            ErrorType::QueryTooLong => "query_too_long",
            ErrorType::InvalidParameter => "invalid_parameter",
            ErrorType::UnknownSource => "unknown_source",
            ErrorType::Unauthorized => "unauthorized",
            ErrorType::Forbidden => "forbidden",
            ErrorType::RateLimited => "rate_limited",
            ErrorType::TenantQueueFull => "tenant_queue_full",
            ErrorType::NotFound => "not_found",
            ErrorType::NotReady => "not_ready",
            ErrorType::Conflict => "conflict",
            ErrorType::NoData => "no_data",
            ErrorType::SourceFailed => "source_failed",
            ErrorType::SourceTimeout => "source_timeout",
            ErrorType::InvalidConfig => "invalid_config",
            ErrorType::WorkerLost => "worker_lost",
            ErrorType::Interrupted => "interrupted",
            ErrorType::Internal => "internal",
            ErrorType::Unavailable => "unavailable",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
}

display_as_str!(ErrorType);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_str_matches_serde_name() {
        for e in ErrorType::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
            assert_eq!(ErrorType::parse(e.as_str()), Some(e));
        }
    }
}
