use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use marketlens_core::domain::{AnalysisRequest, MAX_QUERY_CHARS};
use marketlens_core::ports::{BlobStream, QueryFilter, QueryRecord, QueryStatus, StoredResult};
use marketlens_core::report::html::render_html;
use marketlens_core::result::AnalysisResult;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiError;
use super::error::ErrorBody;
use super::error::responses::{AnalysisNotFound, MalformedBody};
use super::extract::{AnalysisId, Caller, JsonBody, QueryParams};
use super::health::{DependencyReport, check_dependencies};
use crate::access::{AccessPolicy, AuthContext};
use crate::startup::App;
use crate::submit::{Dispatch, Requester, SubmitError, submit_as};
use crate::telemetry::TraceParent;

/// A query as the API shows it.
#[derive(Serialize, utoipa::ToSchema)]
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
    pub experiment: Option<marketlens_core::experiment::ExperimentAssignment>,
    pub progress: Vec<marketlens_core::ports::StageProgress>,
    pub error: Option<ErrorView>,
    pub links: Links,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorView {
    pub error_type: String,
    pub message: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Links {
    #[serde(rename = "self")]
    pub self_: String,
    pub result: String,
    pub report: String,
}

/// The answer to `POST /v1/analyses`: the analysis, and whether it is an identical one
/// already in flight that this request joined (`coalesced`: same id, no new job; still
/// `202`, its `Location` is the shared analysis).
#[derive(Serialize, utoipa::ToSchema)]
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

/// Submits an analysis.
#[utoipa::path(
    post,
    path = "/v1/analyses",
    tag = "analyses",
    request_body = AnalysisRequest,
    responses(
        (status = 200, description = "A fresh identical result exists (`cache_hit: true`)", body = SubmittedView),
        (status = 202, description = "Queued, or joined an identical analysis still in flight (`coalesced: true`)", body = SubmittedView,
            headers(("Location" = String, description = "The analysis: `/v1/analyses/{id}`"))),
        MalformedBody,
        (status = 413, description = "Body over 64 KiB", body = ErrorBody),
        (status = 422, description = "A parameter is invalid (`field` names it)", body = ErrorBody),
        (status = 429, description = "The key's rate limit (`rate_limited`) or the tenant's cap on analyses in flight (`tenant_queue_full`) is reached", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
        (status = 503, description = "Store or queue unavailable", body = ErrorBody),
    ),
)]
pub async fn create_analysis(
    Caller { app, auth }: Caller,
    Extension(policy): Extension<AccessPolicy>,
    request_headers: HeaderMap,
    JsonBody(request): JsonBody<AnalysisRequest>,
) -> Result<Response, ApiError> {
    // A caller's W3C trace context: the analysis continues that trace through the
    // queue and the worker. A malformed one is ignored (W3C: start a new trace).
    let caller = request_headers
        .get("traceparent")
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse);
    let requester = Requester {
        tenant: auth.tenant,
        user_id: auth.user_id,
        max_inflight: policy.max_inflight_per_tenant,
    };
    let submitted = match submit_as(
        &app,
        &requester,
        &request,
        Dispatch::Enqueue,
        true,
        caller.as_ref(),
    )
    .await
    {
        Ok(submitted) => submitted,
        // Analyses take seconds to minutes: a client retries after a few seconds.
        Err(e @ SubmitError::TenantQueueFull { .. }) => {
            return Ok(crate::access::guard::rate_limited(
                ErrorType::TenantQueueFull,
                &e.to_string(),
                std::time::Duration::from_secs(5),
            ));
        }
        Err(e) => return Err(e.into()),
    };
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

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1 to 100 (default 20).
    #[serde(default)]
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// Items to skip (default 0).
    #[serde(default)]
    offset: Option<u64>,
}

/// What a history listing keeps.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HistoryFilter {
    /// Only analyses whose query contains this text, ignoring case and accents.
    #[serde(default)]
    q: Option<String>,
    /// Only analyses with this status: `queued`, `running`, `completed` or `failed`.
    #[serde(default)]
    #[param(value_type = Option<QueryStatus>)]
    status: Option<String>,
}

impl HistoryFilter {
    fn parse(self) -> Result<QueryFilter, ApiError> {
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(QueryStatus::parse(s).ok_or_else(|| ApiError {
                field: Some("status"),
                ..ApiError::new(
                    ErrorType::InvalidParameter,
                    format!("unknown status {s:?}: expected queued, running, completed or failed"),
                )
            })?),
        };
        if self
            .q
            .as_ref()
            .is_some_and(|q| q.chars().count() > MAX_QUERY_CHARS)
        {
            return Err(ApiError {
                field: Some("q"),
                ..ApiError::new(
                    ErrorType::InvalidParameter,
                    format!("q must be at most {MAX_QUERY_CHARS} characters"),
                )
            });
        }
        Ok(QueryFilter {
            text: self.q,
            status,
        })
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PageView {
    items: Vec<AnalysisView>,
    total: u64,
    limit: u32,
    offset: u64,
}

/// A listing's `limit`: 1 to 100, 20 when absent.
pub(super) fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::new(
            ErrorType::InvalidParameter,
            "limit must be between 1 and 100",
        ));
    }
    Ok(limit)
}

/// `201 Created` when a request made something new, else `200 OK`, with `body`.
pub(super) fn created_or_ok(created: bool, body: impl Serialize) -> Response {
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    (status, Json(body)).into_response()
}

/// History: analyses newest first, optionally only those matching a text or a status.
#[utoipa::path(
    get,
    path = "/v1/analyses",
    tag = "analyses",
    params(PageParams, HistoryFilter),
    responses(
        (status = 200, description = "One page of the analyses kept, newest first; `total` counts them", body = PageView),
        (status = 422, description = "`limit` or `offset` out of range, unknown `status`, `q` too long", body = ErrorBody),
        (status = 503, description = "Store or queue unavailable", body = ErrorBody),
    ),
)]
pub async fn list_analyses(
    Caller { app, auth }: Caller,
    QueryParams(p): QueryParams<PageParams>,
    QueryParams(filter): QueryParams<HistoryFilter>,
) -> Result<Json<PageView>, ApiError> {
    let filter = filter.parse()?;
    let limit = page_limit(p.limit)?;
    let offset = p.offset.unwrap_or(0);
    let page = app
        .store
        .find_queries(&auth.tenant, &filter, limit, offset)
        .await?;
    Ok(Json(PageView {
        items: page.items.into_iter().map(AnalysisView::from).collect(),
        total: page.total,
        limit,
        offset,
    }))
}

/// The caller's tenant's analysis: another tenant's is "not found", exactly like an
/// unknown id, so ids of other tenants cannot even be confirmed.
pub(super) async fn load(
    app: &App,
    auth: &AuthContext,
    AnalysisId(id): AnalysisId,
) -> Result<QueryRecord, ApiError> {
    app.store
        .get_tenant_query(&auth.tenant, id)
        .await?
        .ok_or_else(|| ApiError::not_found("analysis"))
}

/// An analysis: status, timestamps, attempts, per-stage progress, error.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}",
    tag = "analyses",
    params(AnalysisId),
    responses(
        (status = 200, description = "The analysis", body = AnalysisView),
        AnalysisNotFound,
        (status = 503, description = "Store or queue unavailable", body = ErrorBody),
    ),
)]
pub async fn get_analysis(
    Caller { app, auth }: Caller,
    id: AnalysisId,
) -> Result<Json<AnalysisView>, ApiError> {
    Ok(Json(load(&app, &auth, id).await?.into()))
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
    auth: &AuthContext,
    id: AnalysisId,
) -> Result<StoredResult, ApiError> {
    let q = load(app, auth, id).await?;
    if q.status != QueryStatus::Completed {
        return Err(not_ready(&q));
    }
    app.store
        .get_result(q.id)
        .await?
        .ok_or_else(|| ApiError::not_found("result"))
}

/// The result document of a completed analysis.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}/result",
    tag = "analyses",
    params(AnalysisId),
    responses(
        (status = 200, description = "The result document", body = marketlens_core::result::AnalysisResult),
        AnalysisNotFound,
        (status = 409, description = "The analysis is not completed (queued, running or failed)", body = ErrorBody),
        (status = 503, description = "Store or queue unavailable", body = ErrorBody),
    ),
)]
pub async fn get_result(
    Caller { app, auth }: Caller,
    id: AnalysisId,
) -> Result<Response, ApiError> {
    Ok(Json(completed_result(&app, &auth, id).await?.result).into_response())
}

/// The self-contained HTML report of a completed analysis.
#[utoipa::path(
    get,
    path = "/v1/analyses/{id}/report",
    tag = "analyses",
    params(AnalysisId),
    responses(
        (status = 200, description = "The HTML report", content_type = "text/html", body = String),
        (status = 404, description = "No analysis or report with this id in the caller's tenant", body = ErrorBody),
        (status = 409, description = "The analysis is not completed (queued, running or failed)", body = ErrorBody),
        (status = 503, description = "Store or blob store unavailable", body = ErrorBody),
    ),
)]
pub async fn get_report(
    Caller { app, auth }: Caller,
    id: AnalysisId,
) -> Result<Response, ApiError> {
    let stored = completed_result(&app, &auth, id).await?;
    // Streamed from the blob store: a large report never sits whole in the API's memory.
    let report = match app
        .blob
        .get_stream(&stored.report_key)
        .await
        .map_err(ApiError::unavailable)?
    {
        Some(report) => report,
        None => rendered_from_result(&app, &stored)?,
    };
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
            // as a second line of defence behind escaping. Only this API's own pages
            // (the web UI's report view) may frame it.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                 frame-ancestors 'self'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        response,
    )
        .into_response())
}

/// The report of a completed analysis that this process's report store does not
/// hold: the worker that wrote it keeps its reports somewhere this API cannot read
/// (the local report store of another data directory). The result in the store of
/// record is the document the worker rendered the report from, so it is rendered
/// again from it, and the set-up is logged: the API and the workers should share
/// the report store (the same `--data-dir`, or `--blob-url`).
fn rendered_from_result(app: &App, stored: &StoredResult) -> Result<BlobStream, ApiError> {
    let result: AnalysisResult = serde_json::from_value(stored.result.clone()).map_err(|e| {
        tracing::warn!(query_id = %stored.query_id, error = %e, "stored result cannot be rendered as a report");
        ApiError::not_found("report")
    })?;
    tracing::warn!(
        query_id = %stored.query_id,
        report_uri = %stored.report_uri,
        blob = app.blob.backend(),
        "report not in this process's report store, rendered from the stored result: \
         share the report store between the API and the workers (the same --data-dir, \
         or --blob-url)"
    );
    let html = Bytes::from(render_html(&result));
    Ok(BlobStream {
        size: Some(html.len() as u64),
        chunks: Box::pin(futures::stream::once(async move { Ok(html) })),
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    #[serde(flatten)]
    dependencies: DependencyReport,
    version: &'static str,
}

/// Liveness and each dependency: the same checks and status as `/readyz`, with the
/// version of this build.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready or degraded", body = Health),
        (status = 503, description = "A required dependency is down", body = Health),
    )
)]
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
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready (`ready`) or degraded (`degraded`)", body = DependencyReport),
        (status = 503, description = "Not ready: the store or the queue is down", body = DependencyReport),
    )
)]
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

/// A known route asked with a method it does not answer; the router adds `Allow`.
pub async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::new(
        ErrorType::MethodNotAllowed,
        format!("{method} is not allowed on this route (see the Allow header)"),
    )
}
