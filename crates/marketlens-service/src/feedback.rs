//! Recording a user's feedback on an analysis. Shared by the HTTP API
//! (`POST /v1/analyses/{id}/feedback`) and the CLI (`marketlens feedback`) so both
//! validate and record identically.
//!
//! Order matters for "nothing written on error": the body is checked first (a bad
//! rating or comment never reaches the store), then the analysis must exist and be
//! completed (feedback rates a result someone has seen), and only then is the one row
//! written.

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::domain::{Feedback, FeedbackRequest, InvalidInput, TenantId};
use marketlens_core::ports::{NewFeedback, QueryStatus, RecordedFeedback, StoreError};
use uuid::Uuid;

use crate::startup::App;

/// Why feedback was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error("analysis {0} not found")]
    UnknownAnalysis(Uuid),
    /// Only a completed analysis can be rated.
    #[error("analysis {id} is {status}; feedback is taken once it is completed")]
    NotCompleted { id: Uuid, status: &'static str },
    #[error(transparent)]
    Store(StoreError),
}

impl FeedbackError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            FeedbackError::Invalid(e) => e.error_type,
            FeedbackError::UnknownAnalysis(_) => ErrorType::NotFound,
            FeedbackError::NotCompleted { .. } => ErrorType::NotReady,
            FeedbackError::Store(_) => ErrorType::Unavailable,
        }
    }
}

/// Validates `request` and records it on `tenant`'s analysis `query_id` (a user's
/// second feedback replaces the first; another tenant's analysis is unknown); counted
/// in the metrics.
pub async fn record_feedback(
    app: &App,
    tenant: &TenantId,
    query_id: Uuid,
    request: &FeedbackRequest,
) -> Result<RecordedFeedback, FeedbackError> {
    let feedback = Feedback::parse(request)?;
    let query = app
        .store
        .get_tenant_query(tenant, query_id)
        .await
        .map_err(FeedbackError::Store)?
        .ok_or(FeedbackError::UnknownAnalysis(query_id))?;
    if query.status != QueryStatus::Completed {
        return Err(FeedbackError::NotCompleted {
            id: query_id,
            status: query.status.as_str(),
        });
    }
    let recorded = app
        .store
        .record_feedback(&NewFeedback {
            id: Uuid::new_v4(),
            query_id,
            feedback,
            at: Utc::now(),
        })
        .await
        .map_err(|e| match e {
            // Deleted in between: as unknown as if it never existed.
            StoreError::NotFound(_) => FeedbackError::UnknownAnalysis(query_id),
            other => FeedbackError::Store(other),
        })?;
    let f = &recorded.record.feedback;
    crate::metrics::feedback_recorded(f.rating.get(), f.useful, recorded.created);
    tracing::info!(
        query_id = %query_id,
        rating = f.rating.get(),
        created = recorded.created,
        "feedback recorded"
    );
    Ok(recorded)
}
