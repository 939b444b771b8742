//! Stage `generate_report` — the result document, its quality checks, the HTML report
//! and the JSON result written to the blob store — and, once every stage is done,
//! recording the result on the query.

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::analysis::history::{FetchTimes, observations_of};
use marketlens_core::llm::{LlmNarrative, NarrativeStatus};
use marketlens_core::ports::{BlobError, JudgeColumns, LlmUsage, StoredResult};
use marketlens_core::report::html::render_html;
use marketlens_core::report::{ResultHead, StageOutputs, Traceability, assemble_result};

use super::runner::StageOutput;
use super::{Analysis, AnalysisError, Completed};

impl StageOutput for Completed {
    fn product_count(&self) -> Option<usize> {
        Some(self.result.products.len())
    }
    fn detail(&self) -> Option<String> {
        Some(format!("{} bytes", self.report.size))
    }
}

/// Assembles the result from the stages' outputs (with the `llm_summarize` stage's
/// narrative when it ran) and writes the report and the JSON result to the blob
/// store.
pub(super) async fn generate_report(
    Analysis { app, run, query }: Analysis<'_>,
    stages: StageOutputs,
    generated: Option<LlmNarrative>,
) -> Result<Completed, AnalysisError> {
    let (prompt_version, model) = match &generated {
        Some(g) => (Some(g.prompt_version.clone()), models_of(g)),
        None => (None, None),
    };
    let head = ResultHead {
        query_id: query.id,
        query: query.text.clone(),
        normalized_query: query.normalized_text.clone(),
        fingerprint: query.fingerprint.clone(),
        params: query.params.clone(),
        generated_at: Utc::now(),
        traceability: Traceability {
            crate_version: crate::CRATE_VERSION.to_owned(),
            git_sha: crate::GIT_SHA.to_owned(),
            agent_config_version: query.agent_config_version,
            agent_config_hash: run.hash.clone(),
            prompt_version: prompt_version.clone(),
            model: model.clone(),
            trace_id: query.trace_id.clone(),
            experiment: query.experiment.clone(),
        },
    };
    let mut result = assemble_result(head, stages);
    result.llm = generated;
    for failed in result.quality.failed_checks() {
        tracing::warn!(query_id = %query.id, check = %failed.name, detail = %failed.detail, "quality check failed");
    }

    let html = render_html(&result);
    let json = serde_json::to_vec_pretty(&result).map_err(AnalysisError::internal)?;
    let blob_err = |e: BlobError| AnalysisError::new(ErrorType::Unavailable, e.to_string(), true);
    let report = app
        .blob
        .put(&format!("{}/report.html", query.id), html.into_bytes())
        .await
        .map_err(blob_err)?;
    let json_blob = app
        .blob
        .put(&format!("{}/result.json", query.id), json)
        .await
        .map_err(blob_err)?;

    let stored = StoredResult {
        query_id: query.id,
        result: to_value(&result),
        market_summary: to_value(&result.market),
        sentiment_summary: to_value(&result.sentiment),
        products: to_value(&result.products),
        recommendations: to_value(&result.recommendations),
        quality_checks: to_value(&result.quality),
        quality_passed: result.quality.passed,
        report_key: report.key.clone(),
        report_uri: report.uri.clone(),
        report_size: report.size,
        crate_version: crate::CRATE_VERSION.to_owned(),
        git_sha: crate::GIT_SHA.to_owned(),
        prompt_version,
        model,
        llm_usage: result.llm.as_ref().map(|g| LlmUsage {
            prompt_tokens: g.prompt_tokens,
            completion_tokens: g.completion_tokens,
            cost_microdollars: g.cost_microdollars,
        }),
        llm_status: result.llm.as_ref().map(|g| g.status.as_str().to_owned()),
        judge: result
            .llm
            .as_ref()
            .and_then(|g| g.judge.as_ref())
            .and_then(|j| j.scores.as_ref())
            .map(|s| JudgeColumns {
                coherence: s.coherence,
                clarity: s.clarity,
                consistent_with_figures: s.consistent_with_figures,
            }),
        agent_config_version: query.agent_config_version,
        created_at: result.generated_at,
    };
    Ok(Completed {
        result,
        stored,
        report,
        json: json_blob,
        written_now: false,
    })
}

/// Writes the result and marks the query completed (idempotent per query id), then
/// appends this analysis' price observations, once: the offers its sources gave it
/// live, each timed when fetched (`fetched`; copies from a cache add none). Returns
/// whether the result was written now (false when an earlier delivery of the same job
/// already wrote it).
pub(super) async fn record_result(
    Analysis { app, query, .. }: Analysis<'_>,
    completed: &Completed,
    fetched: &FetchTimes,
) -> Result<bool, AnalysisError> {
    let written_now = app
        .store
        .complete_query(&completed.stored)
        .await
        .map_err(|e| AnalysisError::new(ErrorType::Unavailable, e.to_string(), true))?;
    if written_now {
        // Price history grows once per analysis, never twice for a redelivered job.
        let result = &completed.result;
        let observations = observations_of(&result.products, query.id, fetched);
        if let Err(e) = app.store.append_price_observations(&observations).await {
            tracing::warn!(query_id = %query.id, error = %e, "could not record price observations");
        }
    }
    let products = &completed.result.products;
    crate::metrics::items_analysed(
        products.len() as u64,
        products.iter().map(|p| p.offers.len() as u64).sum(),
        products.iter().map(|p| p.reviews.len() as u64).sum(),
    );
    crate::metrics::report_written(completed.report.size);
    for failed in completed.result.quality.failed_checks() {
        crate::metrics::quality_check_failed(&failed.name);
    }
    Ok(written_now)
}

/// The model(s) behind a generated narrative: the one whose text was accepted, else
/// every model called, in order (`small,large`); `None` when none was called.
fn models_of(g: &LlmNarrative) -> Option<String> {
    match (&g.status, &g.model) {
        (NarrativeStatus::Accepted, Some(m)) => Some(m.clone()),
        _ => Some(g.models().join(",")).filter(|m| !m.is_empty()),
    }
}

/// Result parts are plain data: serialising them cannot fail.
fn to_value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
