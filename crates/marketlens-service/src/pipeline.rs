//! The analysis pipeline: `fetch_products` → `normalize` → (`analyze_market` ‖
//! `analyze_sentiment`) → `generate_report`.
//!
//! Each stage runs in a `tracing` span of the same name tagged with `query_id`,
//! `product_count`, `cache_hit` and, on failure, `error_type`; each source fetch is a
//! child span tagged with `source`. The pure computations run on the blocking pool so
//! a large analysis never stalls the async workers serving the API.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::future::join_all;
use marketlens_core::analysis::history::{
    HISTORY_LOOKBACK_DAYS, HistorySettings, observations_of, price_history,
};
use marketlens_core::analysis::market::{MarketSettings, analyze_market};
use marketlens_core::analysis::sentiment::{SentimentSettings, analyze_sentiment};
use marketlens_core::domain::{CollectedProduct, Fingerprint, Product, QueryText};
use marketlens_core::normalize::normalize_with;
use marketlens_core::ports::{
    BlobLocation, CacheLevel, PriceObservation, QueryRecord, Source, SourceBatch, SourceQuery,
    StageProgress, StageState, StoredResult,
};
use marketlens_core::report::html::render_html;
use marketlens_core::report::{
    AnalysisResult, ResultHead, SourceOutcome, SourceStatus, StageOutputs, Traceability,
    assemble_result,
};
use marketlens_core::{ErrorType, stage};
use tracing::{Instrument, field::Empty};

use crate::startup::App;

/// The span of a pipeline stage with the standard tags; `product_count` and
/// `cache_hit` may be `Empty` and recorded later, `error_type` is recorded on failure.
macro_rules! stage_span {
    ($name:literal, $query_id:expr, $product_count:expr) => {
        stage_span!($name, $query_id, $product_count, false)
    };
    ($name:literal, $query_id:expr, $product_count:expr, $cache_hit:expr) => {
        tracing::info_span!(
            $name,
            query_id = %$query_id,
            product_count = $product_count,
            cache_hit = $cache_hit,
            error_type = Empty
        )
    };
}

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

/// Receives stage progress as the analysis moves (the CLI prints it; the worker stores
/// it on the query).
#[async_trait::async_trait]
pub trait ProgressSink: Send + Sync {
    async fn update(&self, progress: &[StageProgress]);
}

/// Stores progress on the query row, best effort.
pub struct StoreProgress {
    pub app: Arc<App>,
    pub query_id: uuid::Uuid,
}

#[async_trait::async_trait]
impl ProgressSink for StoreProgress {
    async fn update(&self, progress: &[StageProgress]) {
        if let Err(e) = self.app.store.set_progress(self.query_id, progress).await {
            tracing::warn!(query_id = %self.query_id, error = %e, "could not store progress");
        }
    }
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

struct Progress<'a> {
    stages: Vec<StageProgress>,
    sink: &'a dyn ProgressSink,
    started: Option<Instant>,
}

impl<'a> Progress<'a> {
    fn new(sink: &'a dyn ProgressSink) -> Self {
        Self {
            stages: stage::ALL
                .iter()
                .map(|s| StageProgress {
                    stage: (*s).to_owned(),
                    state: StageState::Pending,
                    duration_ms: None,
                    detail: None,
                })
                .collect(),
            sink,
            started: None,
        }
    }

    /// Records a stage's failure on its span and in the progress; hands the error back.
    async fn fail(
        &mut self,
        name: &str,
        span: &tracing::Span,
        err: AnalysisError,
    ) -> AnalysisError {
        span.record("error_type", err.error_type.as_str());
        self.set(&[name], StageState::Failed, Some(err.message.clone()))
            .await;
        err
    }

    async fn set(&mut self, names: &[&str], state: StageState, detail: Option<String>) {
        let now = Instant::now();
        if state == StageState::Running {
            self.started = Some(now);
        }
        for s in self
            .stages
            .iter_mut()
            .filter(|s| names.contains(&s.stage.as_str()))
        {
            s.state = state;
            if state != StageState::Running {
                s.duration_ms = self
                    .started
                    .map(|t| now.duration_since(t).as_millis() as u64);
            }
            if detail.is_some() {
                s.detail.clone_from(&detail);
            }
        }
        self.sink.update(&self.stages).await;
    }
}

/// Runs the whole pipeline for a recorded query and stores its result.
pub async fn run_analysis(
    app: &Arc<App>,
    query: &QueryRecord,
    sink: &dyn ProgressSink,
) -> Result<Completed, AnalysisError> {
    let timeout = Duration::from_secs(app.config.pipeline.analysis_timeout_secs);
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
        && let Some(parent) = crate::telemetry::TraceParent::parse(&format!(
            "00-{trace_id}-{}-01",
            &uuid::Uuid::new_v4().simple().to_string()[..16]
        ))
    {
        parent.adopt(&root);
    }
    let started = Instant::now();
    let outcome = match tokio::time::timeout(timeout, run_stages(app, query, sink))
        .instrument(root.clone())
        .await
    {
        Ok(r) => r,
        Err(_) => Err(AnalysisError::new(
            ErrorType::SourceTimeout,
            format!("analysis did not finish within {}s", timeout.as_secs()),
            true,
        )),
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

async fn run_stages(
    app: &Arc<App>,
    query: &QueryRecord,
    sink: &dyn ProgressSink,
) -> Result<Completed, AnalysisError> {
    let qid = query.id;
    let text = QueryText::parse(&query.text)
        .map_err(|e| AnalysisError::new(e.error_type, e.message, false))?;
    let mut progress = Progress::new(sink);

    // fetch_products
    progress
        .set(&[stage::FETCH_PRODUCTS], StageState::Running, None)
        .await;
    let span = stage_span!("fetch_products", qid, Empty, Empty);
    let timer = crate::metrics::stage_timer(stage::FETCH_PRODUCTS);
    let fetched = fetch_products(app, query, &text)
        .instrument(span.clone())
        .await;
    drop(timer);
    let collected_count: usize = fetched.batches.iter().map(|b| b.products.len()).sum();
    span.record("product_count", collected_count);
    span.record(
        "cache_hit",
        fetched
            .outcomes
            .iter()
            .any(|o| o.status == SourceStatus::Cache),
    );
    if collected_count == 0 {
        let all_failed = fetched
            .outcomes
            .iter()
            .all(|o| o.status == SourceStatus::Failed);
        let err = if all_failed {
            let detail: Vec<String> = fetched
                .outcomes
                .iter()
                .map(|o| {
                    format!(
                        "{}: {}",
                        o.source,
                        o.error_message.as_deref().unwrap_or("failed")
                    )
                })
                .collect();
            // No live answer, no cached copy, no fallback: there is no data (never
            // anything unrelated in its place). Retried, since an outage may pass.
            AnalysisError::new(
                ErrorType::NoData,
                format!(
                    "no data: every source failed and none had a cached or fallback answer ({})",
                    detail.join("; ")
                ),
                true,
            )
        } else {
            AnalysisError::new(
                ErrorType::NoData,
                format!(
                    "no source has products matching \u{201c}{}\u{201d}",
                    query.text
                ),
                false,
            )
        };
        return Err(progress.fail(stage::FETCH_PRODUCTS, &span, err).await);
    }
    progress
        .set(
            &[stage::FETCH_PRODUCTS],
            StageState::Done,
            Some(format!("{collected_count} products")),
        )
        .await;

    // normalize
    progress
        .set(&[stage::NORMALIZE], StageState::Running, None)
        .await;
    let span = stage_span!("normalize", qid, Empty);
    let timer = crate::metrics::stage_timer(stage::NORMALIZE);
    let collected: Vec<CollectedProduct> = fetched
        .batches
        .iter()
        .flat_map(|b| b.products.iter().cloned())
        .collect();
    let normalized = {
        let (params, rates, span) = (query.params.clone(), app.rates.clone(), span.clone());
        let config = app.config.clone();
        tokio::task::spawn_blocking(move || {
            span.in_scope(|| normalize_with(&collected, &params, &rates, &config))
        })
        .await
        .map_err(AnalysisError::internal)?
    };
    drop(timer);
    span.record("product_count", normalized.products.len());
    if normalized.products.is_empty() {
        let err = AnalysisError::new(
            ErrorType::NoData,
            format!(
                "{} products were found but none has a usable offer under the requested filters ({} offers rejected, {} filtered out)",
                collected_count,
                normalized.summary.offers_rejected.len(),
                normalized.summary.offers_filtered_out
            ),
            false,
        );
        return Err(progress.fail(stage::NORMALIZE, &span, err).await);
    }
    progress
        .set(
            &[stage::NORMALIZE],
            StageState::Done,
            Some(format!(
                "{} products, {} offers",
                normalized.products.len(),
                normalized.summary.offers_kept
            )),
        )
        .await;

    // analyze_market ‖ analyze_sentiment
    progress
        .set(
            &[stage::ANALYZE_MARKET, stage::ANALYZE_SENTIMENT],
            StageState::Running,
            None,
        )
        .await;
    let products = Arc::new(normalized.products);
    let t = &app.config.thresholds;
    let market_settings = MarketSettings::from_thresholds(t);
    let history_settings = HistorySettings::from_thresholds(t);
    // Price history of these products from earlier analyses, read before this
    // analysis appends its own prices (a redelivered job's own earlier write is left
    // out so its prices never count twice).
    let observed_at = Utc::now();
    let product_ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    let since = observed_at - chrono::Duration::days(i64::from(HISTORY_LOOKBACK_DAYS));
    let earlier: Vec<PriceObservation> = match app.store.price_history(&product_ids, since).await {
        Ok(obs) => obs.into_iter().filter(|o| o.query_id != qid).collect(),
        Err(e) => {
            let err = AnalysisError::new(
                ErrorType::Unavailable,
                format!("could not read price history: {e}"),
                true,
            );
            progress
                .set(
                    &[stage::ANALYZE_MARKET, stage::ANALYZE_SENTIMENT],
                    StageState::Failed,
                    Some(err.message.clone()),
                )
                .await;
            return Err(err);
        }
    };
    let rates = app.rates.clone();
    let sentiment_settings = SentimentSettings {
        positive_threshold: t.sentiment_positive,
        negative_threshold: t.sentiment_negative,
        min_reviews: t.min_reviews,
    };
    let currency = query.params.currency;
    let market_task = blocking_stage(
        stage_span!("analyze_market", qid, products.len()),
        stage::ANALYZE_MARKET,
        products.clone(),
        move |p| {
            let mut market = analyze_market(p, currency, &market_settings);
            market.history = price_history(
                &earlier,
                p,
                currency,
                &rates,
                observed_at,
                &history_settings,
            );
            market
        },
    );
    let sentiment_task = blocking_stage(
        stage_span!("analyze_sentiment", qid, products.len()),
        stage::ANALYZE_SENTIMENT,
        products.clone(),
        move |p| analyze_sentiment(p, &sentiment_settings),
    );
    let (market, sentiment) = tokio::join!(market_task, sentiment_task);
    let market = market.map_err(AnalysisError::internal)?;
    let sentiment = sentiment.map_err(AnalysisError::internal)?;
    progress
        .set(
            &[stage::ANALYZE_MARKET, stage::ANALYZE_SENTIMENT],
            StageState::Done,
            None,
        )
        .await;

    // generate_report
    progress
        .set(&[stage::GENERATE_REPORT], StageState::Running, None)
        .await;
    let span = stage_span!("generate_report", qid, products.len());
    let timer = crate::metrics::stage_timer(stage::GENERATE_REPORT);
    let stages = StageOutputs {
        sources: fetched.outcomes,
        normalization: normalized.summary,
        products: Arc::try_unwrap(products).unwrap_or_else(|shared| (*shared).clone()),
        market,
        sentiment,
    };
    let generated = generate_report(app, query, stages)
        .instrument(span.clone())
        .await;
    drop(timer);
    let mut completed = match generated {
        Ok(c) => {
            progress
                .set(
                    &[stage::GENERATE_REPORT],
                    StageState::Done,
                    Some(format!("{} bytes", c.report.size)),
                )
                .await;
            c
        }
        Err(e) => {
            return Err(progress.fail(stage::GENERATE_REPORT, &span, e).await);
        }
    };
    // Recorded last, so that a query seen `completed` already shows every stage done.
    completed.written_now = record_result(app, query, &completed).await?;
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
    Ok(completed)
}

/// Runs a pure analysis stage on the blocking pool inside its span, timed on its own
/// (the two analysis stages run concurrently, so each is measured where it runs).
fn blocking_stage<T: Send + 'static>(
    span: tracing::Span,
    stage: &'static str,
    products: Arc<Vec<Product>>,
    work: impl FnOnce(&[Product]) -> T + Send + 'static,
) -> tokio::task::JoinHandle<T> {
    tokio::task::spawn_blocking(move || {
        let _timer = crate::metrics::stage_timer(stage);
        span.in_scope(|| work(&products))
    })
}

struct Fetched {
    batches: Vec<SourceBatch>,
    outcomes: Vec<SourceOutcome>,
}

/// Queries every selected source concurrently, each with its own timeout and cache.
async fn fetch_products(app: &Arc<App>, query: &QueryRecord, text: &QueryText) -> Fetched {
    let selected: Vec<&Arc<dyn Source>> = app
        .sources
        .iter()
        .filter(|s| {
            query.params.sources.is_empty()
                || query.params.sources.iter().any(|n| n.as_str() == s.name())
        })
        .collect();
    let source_query = SourceQuery {
        query: text.clone(),
        params: query.params.clone(),
    };
    let results = join_all(selected.iter().map(|source| {
        let span = tracing::info_span!(
            "fetch_source",
            query_id = %query.id,
            source = source.name(),
            product_count = Empty,
            cache_hit = Empty,
            error_type = Empty
        );
        // The configured fallback, unless it already answers in this analysis (its
        // products would then be counted twice).
        let fallback = app
            .config
            .sources
            .iter()
            .find(|e| e.name == source.name())
            .and_then(|e| e.fallback.as_deref())
            .filter(|f| !selected.iter().any(|s| s.name() == *f))
            .and_then(|f| app.sources.iter().find(|s| s.name() == f).cloned());
        fetch_one(
            app,
            Arc::clone(source),
            fallback,
            &source_query,
            &query.fingerprint,
        )
        .instrument(span)
    }))
    .await;
    let (batches, outcomes) = results.into_iter().unzip();
    Fetched { batches, outcomes }
}

/// One source: fresh cache → live fetch (then cached) → stale cache → configured
/// fallback source → failed.
async fn fetch_one(
    app: &Arc<App>,
    source: Arc<dyn Source>,
    fallback: Option<Arc<dyn Source>>,
    query: &SourceQuery,
    fingerprint: &Fingerprint,
) -> (SourceBatch, SourceOutcome) {
    let span = tracing::Span::current();
    let started = Instant::now();
    let name = source.name().to_owned();
    let cache_key = format!("{name}:{fingerprint}");
    let outcome = |status, batch: &SourceBatch, age_secs, error: Option<(ErrorType, String)>| {
        let product_count = batch.products.len() as u32;
        span.record("product_count", product_count);
        span.record(
            "cache_hit",
            matches!(status, SourceStatus::Cache | SourceStatus::Stale),
        );
        if let Some((t, _)) = &error {
            span.record("error_type", t.as_str());
        }
        crate::metrics::source_fetched(&name, status, started.elapsed());
        SourceOutcome {
            source: name.clone(),
            kind: source.kind().to_owned(),
            status,
            product_count,
            offer_count: batch.products.iter().map(|p| p.offers.len() as u32).sum(),
            duration_ms: started.elapsed().as_millis() as u64,
            age_secs,
            error_type: error.as_ref().map(|(t, _)| t.as_str().to_owned()),
            error_message: error.map(|(_, m)| m),
            notice: batch.notice.clone(),
        }
    };

    let cached = app
        .cache
        .get(CacheLevel::CollectedProducts, &cache_key)
        .await
        .and_then(|bytes| serde_json::from_slice::<SourceBatch>(&bytes).ok());
    // An entry that no longer parses is as good as absent: a miss.
    crate::metrics::cache_lookup(CacheLevel::CollectedProducts, cached.is_some());
    if let Some(batch) = cached {
        let o = outcome(SourceStatus::Cache, &batch, None, None);
        return (batch, o);
    }

    let timeout = Duration::from_secs(
        app.config
            .sources
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.timeout_secs)
            .unwrap_or(app.config.pipeline.source_timeout_secs),
    );
    let live = match tokio::time::timeout(timeout, source.search(query)).await {
        Ok(Ok(batch)) => Ok(batch),
        Ok(Err(e)) => Err((e.error_type, e.message)),
        Err(_) => Err((
            ErrorType::SourceTimeout,
            format!("no answer within {}s", timeout.as_secs()),
        )),
    };
    match live {
        Ok(batch) => {
            if let Ok(json) = serde_json::to_value(&batch) {
                let ttl = Duration::from_secs(app.config.cache.collected_products_ttl_secs);
                if let Ok(bytes) = serde_json::to_vec(&json) {
                    app.cache
                        .put(CacheLevel::CollectedProducts, &cache_key, bytes, ttl)
                        .await;
                }
                if let Err(e) = app
                    .store
                    .put_collected(&name, fingerprint, &json, Utc::now())
                    .await
                {
                    tracing::warn!(source = %name, error = %e, "could not store collected products");
                }
            }
            let o = outcome(SourceStatus::Live, &batch, None, None);
            (batch, o)
        }
        Err((error_type, message)) => {
            tracing::warn!(source = %name, %error_type, %message, "source failed");
            // Stale fallback: the last batch this source returned for the same question,
            // however old, clearly marked with its age.
            if let Ok(Some((json, stored_at))) = app.store.get_collected(&name, fingerprint).await
                && let Ok(batch) = serde_json::from_value::<SourceBatch>(json)
            {
                let age = (Utc::now() - stored_at).num_seconds().max(0) as u64;
                let o = outcome(
                    SourceStatus::Stale,
                    &batch,
                    Some(age),
                    Some((error_type, message)),
                );
                return (batch, o);
            }
            if let Some(fallback) = fallback {
                let fb_timeout = Duration::from_secs(
                    app.config
                        .sources
                        .iter()
                        .find(|s| s.name == fallback.name())
                        .and_then(|s| s.timeout_secs)
                        .unwrap_or(app.config.pipeline.source_timeout_secs),
                );
                // Asked the same question, so its answer is about the same products;
                // each product keeps the fallback's name as its source.
                match tokio::time::timeout(fb_timeout, fallback.search(query)).await {
                    Ok(Ok(mut batch)) => {
                        let from = format!("Answered by fallback source {:?}", fallback.name());
                        batch.notice = Some(match batch.notice.take() {
                            Some(n) => format!("{from}. {n}"),
                            None => from,
                        });
                        let o = outcome(
                            SourceStatus::Fallback,
                            &batch,
                            None,
                            Some((error_type, message)),
                        );
                        return (batch, o);
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(source = %name, fallback = fallback.name(), error = %e, "fallback failed");
                    }
                    Err(_) => {
                        tracing::warn!(source = %name, fallback = fallback.name(), "fallback timed out");
                    }
                }
            }
            let empty = SourceBatch::default();
            let o = outcome(
                SourceStatus::Failed,
                &empty,
                None,
                Some((error_type, message)),
            );
            (empty, o)
        }
    }
}

async fn generate_report(
    app: &Arc<App>,
    query: &QueryRecord,
    stages: StageOutputs,
) -> Result<Completed, AnalysisError> {
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
            agent_config_hash: app.config_hash.clone(),
            prompt_version: None,
            model: None,
            trace_id: query.trace_id.clone(),
        },
    };
    let result = assemble_result(head, stages, &app.config.thresholds);
    for failed in result.quality.failed_checks() {
        tracing::warn!(query_id = %query.id, check = %failed.name, detail = %failed.detail, "quality check failed");
    }

    let html = render_html(&result);
    let json = serde_json::to_vec_pretty(&result).map_err(AnalysisError::internal)?;
    let blob_err = |e: marketlens_core::ports::BlobError| {
        AnalysisError::new(ErrorType::Unavailable, e.to_string(), true)
    };
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
        prompt_version: None,
        model: None,
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
/// appends this analysis' price observations, once. Returns whether the result was
/// written now (false when an earlier delivery of the same job already wrote it).
async fn record_result(
    app: &Arc<App>,
    query: &QueryRecord,
    completed: &Completed,
) -> Result<bool, AnalysisError> {
    let written_now = app
        .store
        .complete_query(&completed.stored)
        .await
        .map_err(|e| AnalysisError::new(ErrorType::Unavailable, e.to_string(), true))?;
    if written_now {
        // Price history grows once per analysis, never twice for a redelivered job.
        let result = &completed.result;
        let observations = observations_of(&result.products, query.id, result.generated_at);
        if let Err(e) = app.store.append_price_observations(&observations).await {
            tracing::warn!(query_id = %query.id, error = %e, "could not record price observations");
        }
    }
    Ok(written_now)
}

/// Result parts are plain data: serialising them cannot fail.
fn to_value<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
