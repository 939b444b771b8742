//! The HTTP API. Thin on purpose: it validates, records, enqueues and reads; the
//! analysis itself runs in workers.
//!
//! | method | path | answer |
//! |---|---|---|
//! | POST | `/v1/analyses` | 202 + `Location` (queued), or 200 when a fresh identical result exists |
//! | GET | `/v1/analyses` | history, newest first (`?limit=&offset=`) |
//! | GET | `/v1/analyses/{id}` | status, timestamps, per-stage progress, error |
//! | GET | `/v1/analyses/{id}/result` | the result document (JSON) |
//! | GET | `/v1/analyses/{id}/report` | the HTML report |
//! | POST | `/v1/admin/experiments` | 201: a new experiment (draft) from `{name, variants}` |
//! | GET | `/v1/admin/experiments` | every experiment, newest first |
//! | POST | `/v1/admin/experiments/{id}/start`, `/stop` | the experiment after the change (409 when its status forbids it) |
//! | GET | `/v1/experiments/{id}/results` | per-variant figures, the sample-ratio check, comparisons (see [`crate::experiments`]) |
//! | GET | `/healthz` | liveness and each dependency: the checks of `/readyz` (see [`health`]), with the version |
//! | GET | `/readyz` | readiness: 200 when store and queue answer (cache down: `degraded`), else 503 |
//! | GET | `/metrics` | Prometheus metrics (see [`crate::metrics`]) |
//! | GET | `/v1/stats` | the same figures as JSON, with recent-window percentiles |
//!
//! Errors are `{"error": {"error_type", "message", "field"?}}` with a stable
//! `error_type` (see `marketlens_core::ErrorType`).

mod error;
mod experiments;
mod handlers;
pub mod health;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use error::ApiError;

use crate::startup::App;

/// Largest accepted request body. A query is at most 200 characters; this leaves room
/// for parameters while refusing abuse early with 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/v1/analyses",
            post(handlers::create_analysis).get(handlers::list_analyses),
        )
        .route("/v1/analyses/{id}", get(handlers::get_analysis))
        .route("/v1/analyses/{id}/result", get(handlers::get_result))
        .route("/v1/analyses/{id}/report", get(handlers::get_report))
        .route(
            "/v1/admin/experiments",
            post(experiments::create).get(experiments::list),
        )
        .route("/v1/admin/experiments/{id}/start", post(experiments::start))
        .route("/v1/admin/experiments/{id}/stop", post(experiments::stop))
        .route("/v1/experiments/{id}/results", get(experiments::results))
        .route("/healthz", get(handlers::healthz))
        .route("/readyz", get(handlers::readyz))
        .route("/metrics", get(crate::metrics::metrics_handler))
        .route("/v1/stats", get(crate::metrics::stats_handler))
        .fallback(handlers::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(app)
}
