//! The analysis pipeline: the stages of one analysis, in order, each one call of the
//! stage runner (`runner::Stages::run`) with the stage's function. Stage names come
//! from [`marketlens_core::Stage`], the same words in spans, metrics, progress and
//! report sections. `run_stages` reads:
//!
//! ```text
//! fetched    = stages.run(Stage::FetchProducts, fetch::fetch_products(..))      fetch.rs
//! normalized = stages.run(Stage::Normalize, compute::normalize(..))             compute.rs
//! (market, sentiment) = join!(                                                  compute.rs
//!     stages.run(Stage::AnalyzeMarket, compute::market(..)),
//!     stages.run(Stage::AnalyzeSentiment, compute::sentiment(..)))
//! llm        = stages.run(Stage::LlmSummarize, llm::summarize(..))            llm.rs
//!              (only with [llm] on; skipped with budget_exhausted over budget)
//! completed  = stages.run(Stage::GenerateReport, report::generate_report(..))   report.rs
//! record_result(..)  // the query is completed once every stage is done
//! ```
//!
//! The runner owns what every stage reports, so none of it is written by hand: the
//! span (a child of the `analysis` root, tagged `query_id`, `product_count`,
//! `cache_hit`, and `error_type` on failure), the duration metric, and the progress
//! (running → done with a detail, or failed with the error's message). Adding a stage
//! is one line here plus its function, an `async fn` returning
//! `Result<T, AnalysisError>` where `T` implements `runner::StageOutput` (its span tags
//! and progress detail), e.g. between the analyses and the report:
//!
//! ```text
//! let summary = stages.run(Stage::LlmSummarize, llm::summarize(analysis, &outputs)).await?;
//! ```
//!
//! An optional stage that does not run in an analysis is recorded with its reason
//! instead: `stages.skip(Stage::LlmSummarize, "no LLM configured").await`. Pure
//! computations run on the blocking pool (`runner::on_blocking_pool`), inside their
//! stage's span, so a large analysis never stalls the async workers serving the API.
//! Each source is fetched by the policy of `fetch_source` (fresh cache → live → stale
//! → fallback → failed).

mod compute;
mod fetch;
mod fetch_source;
mod llm;
mod progress;
mod report;
mod runner;

use std::sync::Arc;
use std::time::{Duration, Instant};

use marketlens_core::domain::QueryText;
use marketlens_core::llm::LlmNarrative;
use marketlens_core::ports::{BlobLocation, QueryRecord, StoredResult};
use marketlens_core::report::{AnalysisResult, StageOutputs};
use marketlens_core::{ErrorType, Stage};
use tracing::{Instrument, field::Empty};

pub use progress::{NoProgress, ProgressSink, StoreProgress};
use runner::Stages;

use crate::live_config::RunConfig;
use crate::startup::App;

/// Why an analysis failed.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct AnalysisError {
    pub error_type: ErrorType,
    pub message: String,
    /// Whether trying again later may succeed (a source or backend outage).
    pub retryable: bool,
}

impl AnalysisError {
    fn new(error_type: ErrorType, message: impl Into<String>, retryable: bool) -> Self {
        Self {
            error_type,
            message: message.into(),
            retryable,
        }
    }

    fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorType::Internal, message.to_string(), true)
    }
}

/// What every stage of one analysis works with: the application's ports, the
/// configuration version the query recorded (see `run_analysis`) and the query. Each
/// stage function takes it first, then its own input.
#[derive(Clone, Copy)]
struct Analysis<'a> {
    app: &'a Arc<App>,
    run: &'a RunConfig,
    query: &'a QueryRecord,
}

/// What a completed analysis produced.
pub struct Completed {
    pub result: AnalysisResult,
    pub stored: StoredResult,
    pub report: BlobLocation,
    pub json: BlobLocation,
    /// False when the result had already been written by an earlier delivery.
    pub written_now: bool,
}

/// Runs the whole pipeline for a recorded query and stores its result.
pub async fn run_analysis(
    app: &Arc<App>,
    query: &QueryRecord,
    sink: &dyn ProgressSink,
) -> Result<Completed, AnalysisError> {
    // The version the query recorded, whatever is active now: retries run the same.
    let config = app
        .configs
        .version(query.agent_config_version)
        .await
        .map_err(|e| {
            let retryable = e.error_type() == ErrorType::Unavailable;
            AnalysisError::new(e.error_type(), e.to_string(), retryable)
        })?;
    let timeout = Duration::from_secs(config.config.pipeline.analysis_timeout_secs);
    // The root of the analysis' span tree: every stage span is its child, and it
    // carries the trace id stored on the query (the one the API returned), so the
    // API → queue → worker hop stays one trace.
    let root = tracing::info_span!(
        "analysis",
        query_id = %query.id,
        trace_id = query.trace_id.as_deref().unwrap_or(""),
        error_type = Empty
    );
    // Run outside a job (the CLI), the root itself joins the query's trace; under a
    // job span it inherits the trace the job continued.
    if tracing::Span::current().is_none()
        && let Some(trace_id) = &query.trace_id
        && let Some(parent) = crate::telemetry::TraceParent::continuing(trace_id)
    {
        parent.adopt(&root);
    }
    let started = Instant::now();
    let stages = Stages::new(query.id, sink);
    let outcome = match tokio::time::timeout(timeout, run_stages(app, &config, query, &stages))
        .instrument(root.clone())
        .await
    {
        Ok(r) => r,
        Err(_) => {
            let err = AnalysisError::new(
                ErrorType::SourceTimeout,
                format!("analysis did not finish within {}s", timeout.as_secs()),
                true,
            );
            stages.interrupted(&err).await;
            Err(err)
        }
    };
    match &outcome {
        Ok(_) => crate::metrics::analysis_finished(started.elapsed(), Ok(())),
        Err(e) => {
            root.record("error_type", e.error_type.as_str());
            crate::metrics::analysis_finished(started.elapsed(), Err(e.error_type.as_str()));
        }
    }
    outcome
}

/// The stages, in order: one runner call each.
async fn run_stages(
    app: &Arc<App>,
    config: &RunConfig,
    query: &QueryRecord,
    stages: &Stages<'_>,
) -> Result<Completed, AnalysisError> {
    let text = QueryText::parse(&query.text)
        .map_err(|e| AnalysisError::new(e.error_type, e.message, false))?;
    let analysis = Analysis {
        app,
        run: config,
        query,
    };

    let fetched = stages
        .run(Stage::FetchProducts, fetch::fetch_products(analysis, &text))
        .await?;
    let normalized = stages
        .run(Stage::Normalize, compute::normalize(analysis, &fetched))
        .await?;
    let fetch_times = fetched.fetch_times();
    let products = Arc::new(normalized.products);
    let (market, sentiment) = tokio::join!(
        stages.run(
            Stage::AnalyzeMarket,
            compute::market(analysis, products.clone())
        ),
        stages.run(
            Stage::AnalyzeSentiment,
            compute::sentiment(config, products.clone())
        ),
    );
    let (market, sentiment) = (market?, sentiment?);
    // The recommendations are derived here, once: the LLM stage explains the same
    // ones, in the same order, as the report shows.
    let outputs = StageOutputs::new(
        fetched.outcomes,
        normalized.summary,
        Arc::try_unwrap(products).unwrap_or_else(|shared| (*shared).clone()),
        market.summary,
        sentiment.summary,
        &config.config.thresholds,
    );
    // Off (the default): not run, not listed, no network call. Over the daily
    // budget: skipped, and the result says so.
    // The endpoint, models and prompt are those of the query's configuration version,
    // so an activated version changes them from the next analysis on.
    let generated = match &config.llm {
        Some(client) => match llm::over_budget(app, config, &query.tenant).await {
            Some(reason) => {
                stages.skip(Stage::LlmSummarize, &reason).await;
                Some(LlmNarrative::skipped(
                    &config.prompt.prompt_version,
                    &reason,
                ))
            }
            None => Some(
                stages
                    .run(
                        Stage::LlmSummarize,
                        llm::summarize(analysis, client, &outputs),
                    )
                    .await?,
            ),
        },
        None => None,
    };
    let mut completed = stages
        .run(
            Stage::GenerateReport,
            report::generate_report(analysis, outputs, generated),
        )
        .await?;

    // Recorded last, so that a query seen `completed` already shows every stage done.
    completed.written_now = report::record_result(analysis, &completed, &fetch_times).await?;
    Ok(completed)
}
