use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{QueryRecord, QueryStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiError;
use super::health::{DependencyReport, check_dependencies};
use crate::startup::App;
use crate::submit::{Dispatch, submit};

/// A query as the API shows it.
#[derive(Serialize)]
pub struct AnalysisView {
    pub id: Uuid,
    pub status: QueryStatus,
    pub query: String,
    pub normalized_query: String,
    pub fingerprint: String,
    pub params: marketlens_core::domain::AnalysisParams,
    pub cache_hit: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    pub attempts: u32,
    pub trace_id: Option<String>,
    pub agent_config_version: i64,
    /// The experiment and variant it was assigned to, when one was running.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub experiment: Option<marketlens_core::experiment::ExperimentAssignment>,
    pub progress: Vec<marketlens_core::ports::StageProgress>,
    pub error: Option<ErrorView>,
    pub links: Links,
}

#[derive(Serialize)]
pub struct ErrorView {
    pub error_type: String,
    pub message: String,
}

#[derive(Serialize)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: String,
    pub result: String,
    pub report: String,
}

/// The answer to `POST /v1/analyses`: the analysis, and whether it is an identical one
/// already in flight that this request joined (`coalesced`: same id, no new job; still
/// `202`, its `Location` is the shared analysis).
#[derive(Serialize)]
pub struct SubmittedView {
    #[serde(flatten)]
    pub analysis: AnalysisView,
    pub coalesced: bool,
}

impl From<QueryRecord> for AnalysisView {
    fn from(q: QueryRecord) -> Self {
        let base = format!("/v1/analyses/{}", q.id);
        AnalysisView {
            id: q.id,
            status: q.status,
            query: q.text,
            normalized_query: q.normalized_text,
            fingerprint: q.fingerprint.as_str().to_owned(),
            params: q.params,
            cache_hit: q.cache_hit,
            created_at: q.created_at,
            started_at: q.started_at,
            finished_at: q.finished_at,
            attempts: q.attempts,
            trace_id: q.trace_id,
            agent_config_version: q.agent_config_version,
            experiment: q.experiment,
            progress: q.progress,
            error: q.error_type.map(|error_type| ErrorView {
                error_type,
                message: q.error_message.unwrap_or_default(),
            }),
            links: Links {
                result: format!("{base}/result"),
                report: format!("{base}/report"),
                self_: base,
            },
        }
    }
}

pub async fn create_analysis(
    State(app): State<Arc<App>>,
    body: Result<Json<AnalysisRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(json_rejection)?;
    let submitted = submit(&app, &request, Dispatch::Enqueue, true).await?;
    let view = SubmittedView {
        analysis: AnalysisView::from(submitted.query),
        coalesced: submitted.coalesced,
    };
    let location = view.analysis.links.self_.clone();
    let status = if submitted.cache_hit {
        StatusCode::OK
    } else {
        StatusCode::ACCEPTED
    };
    let mut headers = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&location) {
        headers.insert(header::LOCATION, v);
    }
    Ok((status, headers, Json(view)).into_response())
}

pub(super) fn json_rejection(rejection: JsonRejection) -> ApiError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            ErrorType::PayloadTooLarge,
            format!(
                "request body is larger than {} bytes",
                super::MAX_BODY_BYTES
            ),
        );
    }
    let message = match &rejection {
        JsonRejection::JsonDataError(e) => {
            format!("request body does not match the schema: {}", e.body_text())
        }
        JsonRejection::JsonSyntaxError(e) => {
            format!("request body is not valid JSON: {}", e.body_text())
        }
        JsonRejection::MissingJsonContentType(_) => {
            "expected a JSON body with `Content-Type: application/json`".to_owned()
        }
        other => other.body_text(),
    };
    ApiError::new(ErrorType::MalformedRequest, message)
}

#[derive(Deserialize)]
pub struct PageParams {
    #[serde(default)]
    limit: Option<u32>,
    #[serde(default)]
    offset: Option<u64>,
}

#[derive(Serialize)]
pub struct PageView {
    items: Vec<AnalysisView>,
    total: u64,
    limit: u32,
    offset: u64,
}

pub async fn list_analyses(
    State(app): State<Arc<App>>,
    params: Result<Query<PageParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<PageView>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::new(ErrorType::InvalidParameter, e.body_text()))?;
    let limit = p.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::new(
            ErrorType::InvalidParameter,
            "limit must be between 1 and 100",
        ));
    }
    let offset = p.offset.unwrap_or(0);
    let page = app.store.list_queries(limit, offset).await?;
    Ok(Json(PageView {
        items: page.items.into_iter().map(AnalysisView::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

/// Ids that are not UUIDs cannot exist: they are "not found", like unknown ones.
fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found("analysis"))
}

async fn load(app: &App, id: &str) -> Result<QueryRecord, ApiError> {
    let id = parse_id(id)?;
    app.store
        .get_query(id)
        .await?
        .ok_or_else(|| ApiError::not_found("analysis"))
}

pub async fn get_analysis(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<AnalysisView>, ApiError> {
    Ok(Json(load(&app, &id).await?.into()))
}

fn not_ready(q: &QueryRecord) -> ApiError {
    match q.status {
        QueryStatus::Failed => ApiError::new(
            ErrorType::NotReady,
            format!(
                "analysis failed ({}): {}",
                q.error_type.as_deref().unwrap_or("error"),
                q.error_message.as_deref().unwrap_or("")
            ),
        ),
        s => ApiError::new(
            ErrorType::NotReady,
            format!("analysis is {}; poll /v1/analyses/{}", s.as_str(), q.id),
        ),
    }
}

/// The stored result of a completed analysis (a cache hit's points to the original).
async fn completed_result(
    app: &App,
    id: &str,
) -> Result<marketlens_core::ports::StoredResult, ApiError> {
    let q = load(app, id).await?;
    if q.status != QueryStatus::Completed {
        return Err(not_ready(&q));
    }
    app.store
        .get_result(q.id)
        .await?
        .ok_or_else(|| ApiError::not_found("result"))
}

pub async fn get_result(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(Json(completed_result(&app, &id).await?.result).into_response())
}

pub async fn get_report(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let stored = completed_result(&app, &id).await?;
    // Streamed from the blob store: a large report never sits whole in the API's memory.
    let report = app
        .blob
        .get_stream(&stored.report_key)
        .await
        .map_err(ApiError::unavailable)?
        .ok_or_else(|| ApiError::not_found("report"))?;
    let mut response = axum::body::Body::from_stream(report.chunks).into_response();
    if let Some(size) = report.size {
        response
            .headers_mut()
            .insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // The report is self-contained: forbid every external load and all script,
            // as a second line of defence behind escaping.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        response,
    )
        .into_response())
}

/// Liveness and each dependency: the same checks and status as `/readyz`, with the
/// version of this build.
#[derive(Serialize)]
pub struct Health {
    #[serde(flatten)]
    dependencies: DependencyReport,
    version: &'static str,
}

pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let dependencies = check_dependencies(&app).await;
    let code = status_code(&dependencies);
    let health = Health {
        dependencies,
        version: crate::CRATE_VERSION,
    };
    (code, Json(health)).into_response()
}

/// Readiness: 200 when the store and the queue answer (requests can be recorded and
/// queued), else 503; `degraded` when an optional dependency is down.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let dependencies = check_dependencies(&app).await;
    (status_code(&dependencies), Json(dependencies)).into_response()
}

fn status_code(dependencies: &DependencyReport) -> StatusCode {
    if dependencies.ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    }
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}
