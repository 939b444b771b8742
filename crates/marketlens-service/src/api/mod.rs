//! The HTTP API. Thin on purpose: it validates, records, enqueues and reads; the
//! analysis itself runs in workers.
//!
//! | method | path | answer |
//! |---|---|---|
//! | POST | `/v1/analyses` | 202 + `Location` (queued), or 200 when a fresh identical result exists |
//! | GET | `/v1/analyses` | history, newest first (`?limit=&offset=&q=&status=`) |
//! | GET | `/v1/analyses/{id}` | status, timestamps, per-stage progress, error |
//! | GET | `/v1/analyses/{id}/events` | the same as Server-Sent Events, one per change, until completed or failed (see [`events`]) |
//! | GET | `/v1/analyses/{id}/result` | the result document (JSON) |
//! | GET | `/v1/analyses/{id}/report` | the HTML report |
//! | POST | `/v1/admin/experiments` | 201: a new experiment (draft) from `{name, variants}` |
//! | GET | `/v1/admin/experiments` | every experiment, newest first |
//! | POST | `/v1/admin/experiments/{id}/start`, `/stop` | the experiment after the change (409 when its status forbids it) |
//! | GET | `/v1/experiments/{id}/results` | per-variant figures, the sample-ratio check, comparisons (see [`crate::experiments`]) |
//! | POST | `/v1/analyses/{id}/feedback` | a user's rating: 201 new, 200 replacing their earlier one |
//! | GET | `/v1/feedback/summary` | feedback per variant and per recommendation rule |
//! | POST | `/v1/admin/agent-configs` | activate a configuration (`toml`) or an earlier `version` |
//! | GET | `/v1/admin/agent-configs` | configuration versions, newest first |
//! | GET | `/healthz` | liveness and each dependency: the checks of `/readyz` (see [`health`]), with the version |
//! | GET | `/readyz` | readiness: 200 when store and queue answer (cache down: `degraded`), else 503 |
//! | GET | `/metrics` | Prometheus metrics (see [`crate::metrics`]) |
//! | GET | `/v1/stats` | the same figures as JSON, with recent-window percentiles |
//! | GET | `/openapi.json` | the OpenAPI 3.1 document of these routes (see [`openapi`]) |
//! | GET | `/v1/analysis-options` | sources, markets, currencies and defaults a new analysis may use |
//! | GET | `/docs` | that document as a page, rendered on the server (see [`docs`]) |
//! | GET | `/`, `/ui/{file}` | the web UI (see [`ui`]) |
//!
//! Every `/v1` route and `/metrics` need an API key (`Authorization: Bearer <key>`)
//! with the route's scope, unless the server runs without keys (`--no-auth`, loopback
//! only): see [`crate::access`]. Every read and write is the key's tenant's; another
//! tenant's analysis or experiment answers 404, like an unknown one.
//!
//! Errors are `{"error": {"error_type", "message", "field"?}}` with a stable
//! `error_type` (see `marketlens_core::ErrorType`): every one, an unknown route (404),
//! a method a route does not answer (405, with `Allow`) and an oversized request head
//! (414, 431: [`limits`]) included. Every answer carries the security headers of
//! [`headers`].

mod admin;
pub mod docs;
mod error;
pub mod events;
mod experiments;
mod extract;
mod feedback;
mod handlers;
pub mod headers;
pub mod health;
pub mod limits;
pub mod openapi;
mod options;
pub mod ui;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{MethodRouter, get, post};

pub use error::ApiError;
pub use handlers::AnalysisView;

use crate::access::AccessPolicy;
use crate::access::guard::{Guard, guard};
use crate::startup::App;

/// Largest accepted request body. A query is at most 200 characters; this leaves room
/// for parameters while refusing abuse early with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route of the API, as (path, handlers). The router is built from this table
/// only, so `tests/openapi.rs` can check that the OpenAPI document has each of them.
fn routes() -> Vec<(&'static str, MethodRouter<Arc<App>>)> {
    vec![
        (
            "/v1/analyses",
            post(handlers::create_analysis).get(handlers::list_analyses),
        ),
        ("/v1/analyses/{id}", get(handlers::get_analysis)),
        ("/v1/analyses/{id}/events", get(events::analysis_events)),
        ("/v1/analyses/{id}/result", get(handlers::get_result)),
        ("/v1/analyses/{id}/report", get(handlers::get_report)),
        ("/v1/analyses/{id}/feedback", post(feedback::post_feedback)),
        ("/v1/feedback/summary", get(feedback::feedback_summary)),
        (
            "/v1/admin/experiments",
            post(experiments::create).get(experiments::list),
        ),
        ("/v1/admin/experiments/{id}/start", post(experiments::start)),
        ("/v1/admin/experiments/{id}/stop", post(experiments::stop)),
        ("/v1/experiments/{id}/results", get(experiments::results)),
        (
            "/v1/admin/agent-configs",
            post(admin::activate_config).get(admin::config_history),
        ),
        ("/healthz", get(handlers::healthz)),
        ("/readyz", get(handlers::readyz)),
        ("/metrics", get(crate::metrics::metrics_handler)),
        ("/v1/stats", get(crate::metrics::stats_handler)),
        ("/openapi.json", get(openapi::openapi_json)),
        ("/docs", get(docs::docs_page)),
        ("/v1/analysis-options", get(options::analysis_options)),
        ("/", get(ui::index)),
        ("/ui/{file}", get(ui::ui_file)),
    ]
}

/// The path of every route the router serves.
pub fn route_paths() -> Vec<&'static str> {
    routes().into_iter().map(|(path, _)| path).collect()
}

/// The API, admitting requests as `policy` says.
pub fn router(app: Arc<App>, policy: AccessPolicy) -> Router {
    let access = Arc::new(Guard::new(policy, app.store.clone()));
    routes()
        .into_iter()
        .fold(Router::new(), |router, (path, handlers)| {
            router.route(path, handlers)
        })
        .fallback(handlers::not_found)
        // After every route: it applies to the routes already added.
        .method_not_allowed_fallback(handlers::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Before any handler reads the body or the store: an unauthenticated request
        // costs one key look-up and no more.
        .layer(axum::middleware::from_fn_with_state(access, guard))
        .layer(axum::middleware::from_fn(limits::refuse_oversized_heads))
        // Outermost, so every answer carries them, the refusals above included.
        .layer(axum::middleware::from_fn(headers::security_headers))
        .with_state(app)
}
