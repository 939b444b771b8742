//! Request heads the API refuses before routing, with the documented JSON error.
//!
//! The HTTP parser has limits of its own (a 64 KiB request target, `MAX_HEADERS`
//! headers, a `MAX_HEAD_BYTES` read buffer: see `crate::server`) and answers a request
//! beyond them with an empty-bodied 414 or 431 before any code of ours runs. These
//! limits are well inside the parser's, so a long or header-heavy request gets a JSON
//! body naming the limit like every other error; only a request beyond the parser's
//! own limits still gets the parser's bare answer.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;

use super::ApiError;

/// Longest request target (path and query) read: ids, paging and a query string fit
/// many times over.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most headers read from one request.
pub const MAX_HEADER_COUNT: usize = 64;
/// Largest total of header names and values read from one request.
pub const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Refuses a request whose target or headers exceed the limits above.
pub async fn refuse_oversized_heads(request: Request, next: Next) -> Response {
    match oversized(&request) {
        Some(error) => error.into_response(),
        None => next.run(request).await,
    }
}

fn oversized(request: &Request) -> Option<ApiError> {
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |p| p.as_str().len());
    if uri_len > MAX_URI_BYTES {
        return Some(ApiError::new(
            ErrorType::UriTooLong,
            format!("the request target is {uri_len} bytes; at most {MAX_URI_BYTES} are read"),
        ));
    }
    let headers = request.headers();
    if headers.len() > MAX_HEADER_COUNT {
        return Some(ApiError::new(
            ErrorType::HeadersTooLarge,
            format!(
                "the request has {} headers; at most {MAX_HEADER_COUNT} are read",
                headers.len()
            ),
        ));
    }
    let bytes: usize = headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if bytes > MAX_HEADER_BYTES {
        return Some(ApiError::new(
            ErrorType::HeadersTooLarge,
            format!(
                "the request's headers hold {bytes} bytes; at most {MAX_HEADER_BYTES} are read"
            ),
        ));
    }
    None
}
