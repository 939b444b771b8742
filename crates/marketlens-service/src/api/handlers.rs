use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{QueryRecord, QueryStatus};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiError;
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

fn json_rejection(rejection: JsonRejection) -> ApiError {
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

/// The `{id}` of a path. Ids that are not UUIDs cannot exist, nor can ids that do not
/// even decode as UTF-8 (`%FF`): they are "not found", like unknown ones, in the same
/// JSON as every other error.
type IdPath = Result<Path<String>, PathRejection>;

fn parse_id(id: IdPath) -> Result<Uuid, ApiError> {
    let Path(id) = id.map_err(|_| ApiError::not_found("analysis"))?;
    Uuid::parse_str(&id).map_err(|_| ApiError::not_found("analysis"))
}

async fn load(app: &App, id: IdPath) -> Result<QueryRecord, ApiError> {
    let id = parse_id(id)?;
    app.store
        .get_query(id)
        .await?
        .ok_or_else(|| ApiError::not_found("analysis"))
}

pub async fn get_analysis(
    State(app): State<Arc<App>>,
    id: IdPath,
) -> Result<Json<AnalysisView>, ApiError> {
    Ok(Json(load(&app, id).await?.into()))
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
    id: IdPath,
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

pub async fn get_result(State(app): State<Arc<App>>, id: IdPath) -> Result<Response, ApiError> {
    Ok(Json(completed_result(&app, id).await?.result).into_response())
}

pub async fn get_report(State(app): State<Arc<App>>, id: IdPath) -> Result<Response, ApiError> {
    let stored = completed_result(&app, id).await?;
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
            // as a second line of defence behind escaping, and any page framing it.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                 frame-ancestors 'none'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        response,
    )
        .into_response())
}

#[derive(Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    checks: Vec<HealthCheck>,
}

#[derive(Serialize)]
pub struct HealthCheck {
    name: &'static str,
    backend: &'static str,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let store = app.store.ping().await;
    let queue = app.queue.stats().await;
    let blob = app.blob.ping().await;
    let checks = vec![
        HealthCheck {
            name: "store",
            backend: app.store.backend(),
            ok: store.is_ok(),
            error: store.err().map(|e| e.to_string()),
        },
        HealthCheck {
            name: "queue",
            backend: app.queue.backend(),
            ok: queue.is_ok(),
            error: queue.err().map(|e| e.to_string()),
        },
        HealthCheck {
            name: "cache",
            backend: app.cache.backend(),
            ok: true,
            error: None,
        },
        HealthCheck {
            name: "blob",
            backend: app.blob.backend(),
            ok: blob.is_ok(),
            error: blob.err().map(|e| e.to_string()),
        },
    ];
    let ok = checks.iter().all(|c| c.ok);
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(Health {
            status: if ok { "ok" } else { "degraded" },
            version: crate::CRATE_VERSION,
            checks,
        }),
    )
        .into_response()
}

/// How long one readiness check may take: a dependency slower than this counts as
/// down, so a probe never hangs on a dead connection.
const READY_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

#[derive(Serialize)]
pub struct Readiness {
    /// `ready`, `degraded` (ready, but an optional dependency is down) or `not_ready`.
    status: &'static str,
    checks: Vec<ReadyCheck>,
}

#[derive(Serialize)]
pub struct ReadyCheck {
    name: &'static str,
    backend: &'static str,
    /// `ok`, `degraded` (down, but the service works without it) or `down`.
    status: &'static str,
    /// Whether the service can take traffic without it.
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Why a dependency failed its readiness check.
#[derive(Debug, thiserror::Error)]
enum CheckFailure {
    #[error("{0}")]
    Error(Box<dyn std::error::Error + Send + Sync>),
    #[error("no answer within {READY_CHECK_TIMEOUT:?}")]
    TimedOut,
}

async fn bounded_check<E: Into<Box<dyn std::error::Error + Send + Sync>>>(
    check: impl std::future::Future<Output = Result<(), E>>,
) -> Result<(), CheckFailure> {
    match tokio::time::timeout(READY_CHECK_TIMEOUT, check).await {
        Ok(r) => r.map_err(|e| CheckFailure::Error(e.into())),
        Err(_) => Err(CheckFailure::TimedOut),
    }
}

/// Readiness: 200 when the store and the queue answer (requests can be recorded and
/// queued), else 503. The cache is optional: when it is down the service is ready
/// but `degraded`. The blob store is reported; reports are written by workers and
/// read on demand, so its outage fails those reads, not the intake.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let (store, queue, cache, blob) = tokio::join!(
        bounded_check(app.store.ping()),
        bounded_check(async { app.queue.stats().await.map(|_| ()) }),
        bounded_check(app.cache.ping()),
        bounded_check(app.blob.ping()),
    );
    let check = |name, backend, required: bool, result: Result<(), CheckFailure>| ReadyCheck {
        name,
        backend,
        status: match (&result, required) {
            (Ok(()), _) => "ok",
            (Err(_), false) => "degraded",
            (Err(_), true) => "down",
        },
        required,
        error: result.err().map(|e| e.to_string()),
    };
    let checks = vec![
        check("store", app.store.backend(), true, store),
        check("queue", app.queue.backend(), true, queue),
        check("cache", app.cache.backend(), false, cache),
        check("blob", app.blob.backend(), false, blob),
    ];
    let ready = checks.iter().all(|c| !c.required || c.status == "ok");
    let status = if !ready {
        "not_ready"
    } else if checks.iter().all(|c| c.status == "ok") {
        "ready"
    } else {
        "degraded"
    };
    let code = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(Readiness { status, checks })).into_response()
}

pub async fn not_found() -> ApiError {
    ApiError::not_found("route")
}

/// A known route asked with a method it does not answer; the router adds `Allow`.
pub async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::new(
        ErrorType::MethodNotAllowed,
        format!("{method} is not allowed on this route (see the Allow header)"),
    )
}
