//! Feedback routes: `POST /v1/analyses/{id}/feedback` records a user's rating of an
//! analysis, `GET /v1/feedback/summary` adds the ratings up per variant and per
//! recommendation rule.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::response::Response;
use marketlens_core::domain::FeedbackRequest;
use marketlens_core::ports::{FeedbackRecord, FeedbackTally, RuleFeedback, VariantFeedback};
use serde::Serialize;

use super::ApiError;
use super::error::ErrorBody;
use super::error::responses::{AnalysisNotFound, MalformedBody, StoreUnavailable};
use super::extract::{AnalysisId, Caller};
use super::handlers::{created_or_ok, json_rejection};
use crate::feedback::{FeedbackError, record_feedback};

impl From<FeedbackError> for ApiError {
    fn from(e: FeedbackError) -> Self {
        match e {
            FeedbackError::Invalid(inv) => inv.into(),
            FeedbackError::Store(e) => ApiError::unavailable(e),
            other => ApiError::new(other.error_type(), other.to_string()),
        }
    }
}

/// A recorded feedback, and whether this request created it (`false`: it replaced the
/// same user's earlier feedback).
#[derive(Serialize, utoipa::ToSchema)]
pub struct FeedbackView {
    #[serde(flatten)]
    pub feedback: FeedbackRecord,
    pub created: bool,
}

/// A user's feedback on a completed analysis: `201 Created` for a new feedback,
/// `200 OK` when it replaced the same user's earlier one.
#[utoipa::path(
    post,
    path = "/v1/analyses/{id}/feedback",
    tag = "feedback",
    params(AnalysisId),
    request_body = FeedbackRequest,
    responses(
        (status = 200, description = "Replaced this user's earlier feedback", body = FeedbackView),
        (status = 201, description = "Recorded", body = FeedbackView),
        MalformedBody,
        AnalysisNotFound,
        (status = 409, description = "The analysis is not completed", body = ErrorBody),
        (status = 422, description = "A field is invalid (`field` names it)", body = ErrorBody),
        StoreUnavailable,
    ),
)]
pub async fn post_feedback(
    Caller { app, auth }: Caller,
    // Taken as a `Result`: a malformed body is refused before an unknown id.
    id: Result<AnalysisId, ApiError>,
    body: Result<Json<FeedbackRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(request) = body.map_err(json_rejection)?;
    let AnalysisId(id) = id?;
    let recorded = record_feedback(&app, &auth.tenant, id, &request).await?;
    let view = FeedbackView {
        feedback: recorded.record,
        created: recorded.created,
    };
    Ok(created_or_ok(view.created, view))
}

/// A tally with its mean rating and useful rate worked out.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TallyView {
    #[serde(flatten)]
    pub tally: FeedbackTally,
    pub mean_rating: Option<f64>,
    pub useful_rate: Option<f64>,
}

impl From<FeedbackTally> for TallyView {
    fn from(tally: FeedbackTally) -> Self {
        TallyView {
            mean_rating: tally.mean_rating(),
            useful_rate: tally.useful_rate(),
            tally,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct VariantView {
    pub agent_config_version: i64,
    pub prompt_version: Option<String>,
    pub experiment_variant: Option<String>,
    #[serde(flatten)]
    pub feedback: TallyView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub rule: String,
    #[serde(flatten)]
    pub feedback: TallyView,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SummaryView {
    pub by_variant: Vec<VariantView>,
    pub by_rule: Vec<RuleView>,
}

/// Feedback on completed analyses added up per variant and per recommendation rule.
#[utoipa::path(
    get,
    path = "/v1/feedback/summary",
    tag = "feedback",
    responses(
        (status = 200, description = "Sums, mean rating and useful rate per group, over the caller's tenant's analyses", body = SummaryView),
        StoreUnavailable,
    ),
)]
pub async fn feedback_summary(Caller { app, auth }: Caller) -> Result<Json<SummaryView>, ApiError> {
    let summary = app.store.feedback_summary(&auth.tenant).await?;
    Ok(Json(SummaryView {
        by_variant: summary
            .by_variant
            .into_iter()
            .map(|v: VariantFeedback| VariantView {
                agent_config_version: v.agent_config_version,
                prompt_version: v.prompt_version,
                experiment_variant: v.experiment_variant,
                feedback: v.tally.into(),
            })
            .collect(),
        by_rule: summary
            .by_rule
            .into_iter()
            .map(|r: RuleFeedback| RuleView {
                rule: r.rule,
                feedback: r.tally.into(),
            })
            .collect(),
    }))
}
