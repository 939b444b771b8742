//! One analysis, start to end, in this process: submitted like any other (validated,
//! recorded, answered from a fresh identical result when allowed), run by the pipeline
//! here instead of by a worker, and its outcome recorded on the query. The CLI's
//! `analyze` is this; so is every test that needs a real analysis without a server.

use std::sync::Arc;

use marketlens_core::ErrorType;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{BlobLocation, QueryRecord, StageProgress, StoreError};
use marketlens_core::report::AnalysisResult;

use crate::pipeline::{AnalysisError, ProgressSink, StoreProgress, run_analysis};
use crate::startup::App;
use crate::submit::{Dispatch, SubmitError, submit};

/// A finished analysis.
#[derive(Debug)]
pub struct Finished {
    pub query: QueryRecord,
    /// True when answered from an earlier fresh result (nothing ran).
    pub cache_hit: bool,
    pub result: AnalysisResult,
    /// The HTML report, where the blob store put it.
    pub report: BlobLocation,
    /// Where the blob store put the JSON result (beside the report).
    pub result_uri: String,
}

#[derive(Debug, thiserror::Error)]
pub enum InProcessError {
    /// The request was refused, or could not be recorded.
    #[error(transparent)]
    Submit(#[from] SubmitError),
    /// The analysis ran and failed (recorded on the query).
    #[error("analysis failed ({}): {}", .error.error_type, .error.message)]
    Failed {
        query_id: uuid::Uuid,
        error: AnalysisError,
    },
    /// The store could not record the start or give the result back.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// A fresh result was found but is not a readable result document.
    #[error("the stored result of {query_id} cannot be read: {source}")]
    UnreadableResult {
        query_id: uuid::Uuid,
        source: serde_json::Error,
    },
    #[error("the result of {0} is missing")]
    MissingResult(uuid::Uuid),
}

impl InProcessError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            InProcessError::Submit(e) => e.error_type(),
            InProcessError::Failed { error, .. } => error.error_type,
            InProcessError::Store(_) => ErrorType::Unavailable,
            InProcessError::UnreadableResult { .. } | InProcessError::MissingResult(_) => {
                ErrorType::Internal
            }
        }
    }
}

/// Runs `request` here, reporting stage progress to `sink`. With `reuse_fresh`, a
/// fresh identical result answers instead (`cache_hit`).
pub async fn analyze_in_process(
    app: &Arc<App>,
    request: &AnalysisRequest,
    reuse_fresh: bool,
    sink: &dyn ProgressSink,
) -> Result<Finished, InProcessError> {
    let submitted = submit(app, request, Dispatch::RecordOnly, reuse_fresh).await?;
    let query = submitted.query;
    if submitted.cache_hit {
        return answered_from_store(app, query).await;
    }
    app.store
        .start_query(query.id, 1, query.trace_id.as_deref())
        .await?;
    // The stages go on the query row too, as a worker's do, so `show` and the API
    // list them for analyses run here.
    let sinks = Both(
        sink,
        &StoreProgress {
            app: app.clone(),
            query_id: query.id,
        },
    );
    match run_analysis(app, &query, &sinks).await {
        Ok(done) => Ok(Finished {
            query,
            cache_hit: false,
            result: done.result,
            report: done.report,
            result_uri: done.json.uri,
        }),
        Err(error) => {
            if let Err(e) = app
                .store
                .fail_query(query.id, error.error_type, &error.message)
                .await
            {
                tracing::warn!(query_id = %query.id, error = %e, "could not record the failure");
            }
            Err(InProcessError::Failed {
                query_id: query.id,
                error,
            })
        }
    }
}

/// Hands each update to two sinks, in order.
struct Both<'a>(&'a dyn ProgressSink, &'a dyn ProgressSink);

#[async_trait::async_trait]
impl ProgressSink for Both<'_> {
    async fn update(&self, progress: &[StageProgress]) {
        self.0.update(progress).await;
        self.1.update(progress).await;
    }
}

/// The stored result that answered a cache hit.
async fn answered_from_store(
    app: &Arc<App>,
    query: QueryRecord,
) -> Result<Finished, InProcessError> {
    let stored = app
        .store
        .get_result(query.id)
        .await?
        .ok_or(InProcessError::MissingResult(query.id))?;
    let result: AnalysisResult = serde_json::from_value(stored.result).map_err(|source| {
        InProcessError::UnreadableResult {
            query_id: query.id,
            source,
        }
    })?;
    Ok(Finished {
        query,
        cache_hit: true,
        result,
        // The JSON result is written beside the report (`<id>/result.json`).
        result_uri: sibling(&stored.report_uri, "result.json"),
        report: BlobLocation {
            key: stored.report_key,
            uri: stored.report_uri,
            size: stored.report_size,
        },
    })
}

/// `name` in the same folder as the blob at `uri` (`file:///…/x/report.html`,
/// `s3://bucket/x/report.html` → `…/x/name`).
fn sibling(uri: &str, name: &str) -> String {
    match uri.rsplit_once('/') {
        Some((folder, _)) => format!("{folder}/{name}"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::sibling;

    #[test]
    fn the_json_result_sits_beside_the_report() {
        assert_eq!(
            sibling("file:///srv/my%20data/r/1/report.html", "result.json"),
            "file:///srv/my%20data/r/1/result.json"
        );
        assert_eq!(
            sibling("s3://bucket/reports/1/report.html", "result.json"),
            "s3://bucket/reports/1/result.json"
        );
    }
}
