//! Submitting an analysis: parse the request, answer from a fresh result when one
//! exists, else record the query and queue it. Shared by the HTTP API and the CLI so
//! both validate and record identically.

use std::sync::Arc;

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::domain::{AnalysisRequest, Fingerprint, InvalidInput};
use marketlens_core::ports::{JobPayload, NewQuery, QueryRecord};
use uuid::Uuid;

use crate::startup::App;

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error("{0}")]
    Unavailable(String),
}

impl SubmitError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            SubmitError::Invalid(e) => e.error_type,
            SubmitError::Unavailable(_) => ErrorType::Unavailable,
        }
    }
}

/// How a submission was answered.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub query: QueryRecord,
    /// True when answered from an earlier fresh result (no new work).
    pub cache_hit: bool,
}

/// How to handle a new query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Put a job on the queue (server mode).
    Enqueue,
    /// Only record it; the caller runs the pipeline itself (CLI).
    RecordOnly,
}

/// A new W3C trace id (32 hex digits), stored on the query and carried by its job.
pub fn new_trace_id() -> String {
    Uuid::new_v4().simple().to_string()
}

pub async fn submit(
    app: &Arc<App>,
    request: &AnalysisRequest,
    dispatch: Dispatch,
    reuse_fresh: bool,
) -> Result<Submitted, SubmitError> {
    let (query, params) =
        request.parse(&app.config.defaults, &app.config.enabled_source_names())?;
    let fingerprint = Fingerprint::compute(&query, &params);
    let unavailable = |e: &dyn std::fmt::Display| SubmitError::Unavailable(e.to_string());
    let now = Utc::now();

    let answered_by = if reuse_fresh {
        let ttl = chrono::Duration::seconds(app.config.cache.analysis_result_ttl_secs as i64);
        app.store
            .find_fresh_result(&fingerprint, now - ttl)
            .await
            .map_err(|e| unavailable(&e))?
    } else {
        None
    };
    let trace_id = new_trace_id();
    let new = NewQuery {
        id: Uuid::now_v7(),
        text: query.raw().to_owned(),
        normalized_text: query.normalized().to_owned(),
        params,
        fingerprint,
        agent_config_version: app.config_version,
        trace_id: Some(trace_id.clone()),
        created_at: now,
        answered_by,
    };
    app.store
        .insert_query(&new)
        .await
        .map_err(|e| unavailable(&e))?;
    tracing::info!(
        query_id = %new.id,
        fingerprint = %new.fingerprint,
        cache_hit = answered_by.is_some(),
        "analysis submitted"
    );

    if answered_by.is_none() && dispatch == Dispatch::Enqueue {
        let payload = JobPayload {
            trace_context: [(
                "traceparent".to_owned(),
                format!(
                    "00-{trace_id}-{}-01",
                    &Uuid::new_v4().simple().to_string()[..16]
                ),
            )]
            .into(),
        };
        if let Err(e) = app.queue.enqueue(new.id, &payload).await {
            // Never leave a recorded query that no worker will ever pick up.
            let message = format!("could not queue the analysis: {e}");
            if let Err(store_err) = app
                .store
                .fail_query(new.id, ErrorType::Unavailable.as_str(), &message)
                .await
            {
                tracing::error!(query_id = %new.id, error = %store_err, "could not mark unqueued query failed");
            }
            return Err(SubmitError::Unavailable(message));
        }
    }
    let record = app
        .store
        .get_query(new.id)
        .await
        .map_err(|e| unavailable(&e))?
        .ok_or_else(|| SubmitError::Unavailable("query vanished after insert".into()))?;
    Ok(Submitted {
        query: record,
        cache_hit: answered_by.is_some(),
    })
}
