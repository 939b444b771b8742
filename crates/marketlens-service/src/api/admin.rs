//! Admin routes for agent configuration versions: `POST /v1/admin/agent-configs`
//! activates a configuration (its TOML, or an earlier version again), checked exactly
//! as `marketlens config validate` checks it, nothing activated when invalid;
//! `GET /v1/admin/agent-configs` lists the versions, newest first. Every API and worker
//! sharing the store uses the new version from its next analysis on.

use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use marketlens_core::ErrorType;
use marketlens_core::ports::AgentConfigVersion;
use serde::{Deserialize, Serialize};

use super::ApiError;
use super::handlers::{created_or_ok, json_rejection, page_limit};
use crate::live_config::{ActivateError, Activation, activate};
use crate::startup::App;

/// The body: exactly one of `toml` (a configuration) and `version` (an earlier one).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivateRequest {
    #[serde(default)]
    toml: Option<String>,
    #[serde(default)]
    version: Option<i64>,
    /// Who activates it, recorded with the version.
    #[serde(default)]
    activated_by: Option<String>,
}

#[derive(Serialize)]
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

/// `201 Created` with a new active version, `200 OK` when it was active already.
pub async fn activate_config(
    State(app): State<Arc<App>>,
    body: Result<Json<ActivateRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(json_rejection)?;
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
    let done = activate(app.store.as_ref(), &what, request.activated_by.as_deref()).await?;
    let view = ActivatedView {
        version: done.version,
        content_hash: done.content_hash,
        already_active: done.already_active,
    };
    Ok(created_or_ok(!view.already_active, view))
}

#[derive(Deserialize)]
pub struct HistoryParams {
    #[serde(default)]
    limit: Option<u32>,
}

#[derive(Serialize)]
pub struct HistoryView {
    items: Vec<AgentConfigVersion>,
}

/// `GET /v1/admin/agent-configs?limit=` (1–100, default 20).
pub async fn config_history(
    State(app): State<Arc<App>>,
    params: Result<Query<HistoryParams>, QueryRejection>,
) -> Result<Json<HistoryView>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::new(ErrorType::InvalidParameter, e.body_text()))?;
    let limit = page_limit(p.limit)?;
    Ok(Json(HistoryView {
        items: app.store.list_agent_configs(limit).await?,
    }))
}
