//! The experiment routes: admin changes under `/v1/admin/experiments`, results under
//! `/v1/experiments/{id}/results`. The work is in [`crate::experiments`], shared with
//! the CLI.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use marketlens_core::ports::ExperimentRecord;
use uuid::Uuid;

use super::ApiError;
use super::handlers::json_rejection;
use crate::experiments::{self as service, CreateExperiment, ExperimentResults};
use crate::startup::App;

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("experiment"))
}

pub async fn create(
    State(app): State<Arc<App>>,
    body: Result<Json<CreateExperiment>, JsonRejection>,
) -> Result<(StatusCode, Json<ExperimentRecord>), ApiError> {
    let Json(request) = body.map_err(json_rejection)?;
    let created = service::create(&app, request).await?;
    tracing::info!(experiment_id = %created.id, name = %created.name, "experiment created");
    Ok((StatusCode::CREATED, Json(created)))
}

pub async fn list(State(app): State<Arc<App>>) -> Result<Json<Vec<ExperimentRecord>>, ApiError> {
    Ok(Json(service::list(&app).await?))
}

pub async fn start(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<ExperimentRecord>, ApiError> {
    let started = service::start(&app, parse_id(&id)?).await?;
    tracing::info!(experiment_id = %started.id, "experiment started");
    Ok(Json(started))
}

pub async fn stop(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<ExperimentRecord>, ApiError> {
    let stopped = service::stop(&app, parse_id(&id)?).await?;
    tracing::info!(experiment_id = %stopped.id, "experiment stopped");
    Ok(Json(stopped))
}

pub async fn results(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<ExperimentResults>, ApiError> {
    Ok(Json(service::results(&app, parse_id(&id)?).await?))
}
