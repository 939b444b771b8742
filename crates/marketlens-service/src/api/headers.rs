//! Response headers every answer of the API carries, whichever handler made it.
//!
//! - `X-Content-Type-Options: nosniff` everywhere: a browser never reads a JSON body
//!   (which can quote scraped text) as HTML or script.
//! - `Cache-Control: no-store` on everything under `/v1/`: analyses, results, reports
//!   and history are a team's data, not to be kept by browsers or shared proxies.
//! - HTML is never framed by another site (`frame-ancestors`, against clickjacking):
//!   the report may be framed by this API's own web UI only, the UI and everything
//!   else by nothing. The report and the UI set their own policies, anything else
//!   HTML gets [`DEFAULT_HTML_CSP`].

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of an HTML answer that sets none: nothing loads, nothing frames it.
pub const DEFAULT_HTML_CSP: &str = "default-src 'none'; frame-ancestors 'none'";

pub async fn security_headers(request: Request, next: Next) -> Response {
    let holds_data = request.uri().path().starts_with("/v1/");
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let headers = response.headers_mut();
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    if holds_data {
        headers
            .entry(header::CACHE_CONTROL)
            .or_insert(HeaderValue::from_static("no-store"));
    }
    if is_html {
        headers
            .entry(header::CONTENT_SECURITY_POLICY)
            .or_insert(HeaderValue::from_static(DEFAULT_HTML_CSP));
    }
    response
}
