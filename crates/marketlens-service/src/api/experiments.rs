//! The experiment routes: admin changes under `/v1/admin/experiments`, results under
//! `/v1/experiments/{id}/results`. The work is in [`crate::experiments`], shared with
//! the CLI.

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use marketlens_core::ports::ExperimentRecord;
use uuid::Uuid;

use super::ApiError;
use super::error::responses::{ExperimentNotFound, MalformedBody, StoreUnavailable};
use super::extract::{Caller, JsonBody};
use crate::experiments::{self as service, CreateExperiment, ExperimentResults};

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("experiment"))
}

#[utoipa::path(
    post,
    path = "/v1/admin/experiments",
    tag = "experiments",
    request_body = CreateExperiment,
    responses(
        (status = 201, description = "The new experiment, a draft", body = ExperimentRecord),
        MalformedBody,
        (status = 409, description = "The name is taken", body = super::error::ErrorBody),
        (status = 422, description = "The name or a variant is invalid (`field` names it)", body = super::error::ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn create(
    Caller { app, auth }: Caller,
    JsonBody(request): JsonBody<CreateExperiment>,
) -> Result<(StatusCode, Json<ExperimentRecord>), ApiError> {
    let created = service::create(&app, &auth.tenant, request).await?;
    tracing::info!(experiment_id = %created.id, name = %created.name, "experiment created");
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(
    get,
    path = "/v1/admin/experiments",
    tag = "experiments",
    responses(
        (status = 200, description = "Every experiment, newest first", body = Vec<ExperimentRecord>),
        StoreUnavailable,
    )
)]
pub async fn list(Caller { app, auth }: Caller) -> Result<Json<Vec<ExperimentRecord>>, ApiError> {
    Ok(Json(service::list(&app, &auth.tenant).await?))
}

#[utoipa::path(
    post,
    path = "/v1/admin/experiments/{id}/start",
    tag = "experiments",
    params(("id" = String, Path, description = "The experiment id (a UUID)")),
    responses(
        (status = 200, description = "The experiment, now running", body = ExperimentRecord),
        ExperimentNotFound,
        (status = 409, description = "Not a draft, or another experiment is running", body = super::error::ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn start(
    Caller { app, auth }: Caller,
    Path(id): Path<String>,
) -> Result<Json<ExperimentRecord>, ApiError> {
    let started = service::start(&app, &auth.tenant, parse_id(&id)?).await?;
    tracing::info!(experiment_id = %started.id, "experiment started");
    Ok(Json(started))
}

#[utoipa::path(
    post,
    path = "/v1/admin/experiments/{id}/stop",
    tag = "experiments",
    params(("id" = String, Path, description = "The experiment id (a UUID)")),
    responses(
        (status = 200, description = "The experiment, now stopped", body = ExperimentRecord),
        ExperimentNotFound,
        (status = 409, description = "Already stopped", body = super::error::ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn stop(
    Caller { app, auth }: Caller,
    Path(id): Path<String>,
) -> Result<Json<ExperimentRecord>, ApiError> {
    let stopped = service::stop(&app, &auth.tenant, parse_id(&id)?).await?;
    tracing::info!(experiment_id = %stopped.id, "experiment stopped");
    Ok(Json(stopped))
}

#[utoipa::path(
    get,
    path = "/v1/experiments/{id}/results",
    tag = "experiments",
    params(("id" = String, Path, description = "The experiment id (a UUID)")),
    responses(
        (status = 200, description = "Per-variant figures, the sample-ratio check and the comparisons with the control", body = ExperimentResults),
        ExperimentNotFound,
        StoreUnavailable,
    )
)]
pub async fn results(
    Caller { app, auth }: Caller,
    Path(id): Path<String>,
) -> Result<Json<ExperimentResults>, ApiError> {
    Ok(Json(
        service::results(&app, &auth.tenant, parse_id(&id)?).await?,
    ))
}
