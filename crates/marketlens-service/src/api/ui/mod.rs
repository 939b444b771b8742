//! The web UI: `GET /` and its assets under `/ui/`, compiled into the binary (plain
//! HTML, CSS and JavaScript; nothing is fetched from anywhere else, and nothing needs
//! building).
//!
//! One page, with views chosen by the URL's fragment (`#/history`, `#/analyses/{id}`,
//! …), reading only this API: it needs no route of its own beyond its files. Text from
//! data (queries, product titles, messages) is inserted as text nodes, never as HTML;
//! the policy below allows scripts from this origin only, so an injected `<script>` or
//! `onerror` would not run even if one slipped through.

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::ApiError;
use super::error::ErrorBody;

const INDEX_HTML: &str = include_str!("index.html");
const APP_JS: &str = include_str!("app.js");
const APP_CSS: &str = include_str!("app.css");

/// The policy of the UI's page and files: its own script and style only, requests to
/// this API only, reports framed from this API only, no plugin, no other page may
/// frame it. Inline style is allowed for the report the report view shows in a
/// sandboxed frame when it had to fetch it with an API key (`srcdoc` inherits this
/// policy); inline script never is.
pub const UI_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; connect-src 'self'; frame-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_SECURITY_POLICY, UI_CSP),
            // The files change with the binary: revalidate rather than keep stale ones.
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The web UI: new analysis, live progress, history, report, feedback, stats and
/// experiments.
#[utoipa::path(
    get,
    path = "/",
    tag = "ui",
    responses((status = 200, description = "The web UI's page (HTML; its script and style come from `/ui/`)", content_type = "text/html", body = String))
)]
pub async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// A file of the web UI.
#[utoipa::path(
    get,
    path = "/ui/{file}",
    tag = "ui",
    params(("file" = String, Path, description = "`app.js` or `app.css`")),
    responses(
        (status = 200, description = "The file", content_type = "text/javascript", body = String),
        (status = 404, description = "No such file", body = ErrorBody),
    )
)]
pub async fn ui_file(
    file: Result<Path<String>, axum::extract::rejection::PathRejection>,
) -> Response {
    match file.as_ref().map(|Path(f)| f.as_str()) {
        Ok("app.js") => asset("text/javascript; charset=utf-8", APP_JS),
        Ok("app.css") => asset("text/css; charset=utf-8", APP_CSS),
        _ => ApiError::not_found("file").into_response(),
    }
}
