//! Admin routes for agent configuration versions: `POST /v1/admin/agent-configs`
//! activates a configuration (its TOML, or an earlier version again), checked exactly
//! as `marketlens config validate` checks it, nothing activated when invalid;
//! `GET /v1/admin/agent-configs` lists the versions, newest first. Every API and worker
//! sharing the store uses the new version from its next analysis on.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use marketlens_core::ErrorType;
use marketlens_core::ports::AgentConfigVersion;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::error::ErrorBody;
use super::error::responses::StoreUnavailable;
use super::extract::{Caller, JsonBody, QueryParams};
use super::handlers::{created_or_ok, page_limit};
use crate::live_config::{ActivateError, Activation};
use crate::startup::App;

/// The body: exactly one of `toml` (a configuration) and `version` (an earlier one).
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    /// Who activates it, recorded with the version (and in the audit log); the API
    /// key's user when absent.
    #[serde(default)]
    activated_by: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ActivatedView {
    version: i64,
    content_hash: String,
    already_active: bool,
}

impl From<ActivateError> for ApiError {
    fn from(e: ActivateError) -> Self {
        match e {
            // A request carrying a bad configuration: the caller's to fix (422), with
            // `config validate`'s message.
            ActivateError::Invalid(_) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                error_type: ErrorType::InvalidConfig,
                message: e.to_string(),
                field: Some("toml"),
            },
            ActivateError::UnknownVersion(_) => ApiError::new(ErrorType::NotFound, e.to_string()),
            ActivateError::Store(e) => ApiError::unavailable(e),
        }
    }
}

/// Activates a configuration (`toml`) or an earlier `version`: every API and worker
/// sharing the store uses it from its next analysis on. `201 Created` with a new
/// active version, `200 OK` when it was active already.
#[utoipa::path(
    post,
    path = "/v1/admin/agent-configs",
    tag = "admin",
    request_body = ActivateRequest,
    responses(
        (status = 200, description = "Already the active version", body = ActivatedView),
        (status = 201, description = "Activated as a new version", body = ActivatedView),
        (status = 400, description = "Not JSON, unknown field, or neither or both of `toml` and `version`", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody),
        (status = 422, description = "The configuration is invalid (`config validate`'s message); nothing activated", body = ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn activate_config(
    Caller { app, auth }: Caller,
    JsonBody(request): JsonBody<ActivateRequest>,
) -> Result<Response, ApiError> {
    let what = match (request.toml, request.version) {
        (Some(toml), None) => Activation::Toml(toml),
        (None, Some(version)) => Activation::Version(version),
        _ => {
            return Err(ApiError::new(
                ErrorType::MalformedRequest,
                "give exactly one of `toml` (a configuration) and `version` (an earlier one)",
            ));
        }
    };
    let by = request.activated_by.or_else(|| auth.user_id.clone());
    let done = app.configs.activate(&what, by.as_deref()).await?;
    tracing::info!(version = done.version, by = %auth.actor(), "agent config activated");
    let view = ActivatedView {
        version: done.version,
        content_hash: done.content_hash,
        already_active: done.already_active,
    };
    Ok(created_or_ok(!view.already_active, view))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryParams {
    /// Versions, newest first, 1 to 100 (default 20).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct HistoryView {
    items: Vec<AgentConfigVersion>,
}

/// The configuration versions, newest first.
#[utoipa::path(
    get,
    path = "/v1/admin/agent-configs",
    tag = "admin",
    params(HistoryParams),
    responses(
        (status = 200, description = "Versions, newest first; `active` marks the active one", body = HistoryView),
        (status = 422, description = "`limit` out of range", body = ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn config_history(
    State(app): State<Arc<App>>,
    QueryParams(p): QueryParams<HistoryParams>,
) -> Result<Json<HistoryView>, ApiError> {
    let limit = page_limit(p.limit)?;
    Ok(Json(HistoryView {
        items: app.store.list_agent_configs(limit).await?,
    }))
}
