//! Metrics, in one place: every figure the pipeline, the worker and the API report
//! goes through the functions of this module, which feed both Prometheus (`GET
//! /metrics`, through the `metrics` facade and its Prometheus exporter) and the JSON
//! figures of `GET /v1/stats` (recent-window percentiles included). Call sites never
//! name a metric, so the two views cannot drift apart.
//!
//! **One global recorder per process, installed on first use.** The `metrics` macros
//! only ever reach the global recorder (a local recorder is thread-local and would not
//! follow an analysis across `tokio` tasks and the blocking pool), so a per-`App`
//! recorder would mean threading a handle through every call site. Installing lazily
//! and once (a `OnceLock`) makes it idempotent and test-friendly: the many `App`s a
//! test process creates share one registry, and tests assert on *differences* between
//! two scrapes rather than on absolute values. A process is one API or one worker, so
//! process-wide figures are exactly what a scrape of that process should show.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use marketlens_core::Stage;
use marketlens_core::ports::{CacheLevel, QueueStats};
use marketlens_core::report::SourceStatus;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use serde::Serialize;

use crate::startup::App;

// Metric names: also used by deploy/prometheus/rules and deploy/grafana/dashboards.
pub const ANALYSIS_DURATION: &str = "marketlens_analysis_duration_seconds";
pub const STAGE_DURATION: &str = "marketlens_stage_duration_seconds";
pub const SOURCE_FETCH_DURATION: &str = "marketlens_source_fetch_duration_seconds";
pub const ANALYSES_COMPLETED: &str = "marketlens_analyses_completed_total";
pub const ANALYSES_FAILED: &str = "marketlens_analyses_failed_total";
pub const ITEMS_ANALYSED: &str = "marketlens_items_analysed_total";
pub const REPORT_SIZE: &str = "marketlens_report_size_bytes";
pub const CACHE_REQUESTS: &str = "marketlens_cache_requests_total";
pub const SOURCE_OUTCOMES: &str = "marketlens_source_outcomes_total";
pub const QUALITY_CHECK_FAILURES: &str = "marketlens_quality_check_failures_total";
pub const QUEUE_JOBS: &str = "marketlens_queue_jobs";
pub const QUEUE_OLDEST_AGE: &str = "marketlens_queue_oldest_job_age_seconds";
pub const LLM_TOKENS: &str = "marketlens_llm_tokens_total";
/// Counters are integers in the `metrics` facade, so cost is counted in micro-dollars
/// (exact, and a dollar figure is one division away in PromQL).
pub const LLM_COST: &str = "marketlens_llm_cost_microdollars_total";
pub const FEEDBACK: &str = "marketlens_feedback_total";
pub const LLM_CALL_DURATION: &str = "marketlens_llm_call_duration_seconds";
pub const LLM_CALLS: &str = "marketlens_llm_calls_total";
pub const LLM_JUDGE_SCORE: &str = "marketlens_llm_judge_score";
pub const LLM_TEXT_SCORE: &str = "marketlens_llm_text_score";
pub const LLM_JUDGE_INCONSISTENT: &str = "marketlens_llm_judge_inconsistent_total";

/// Explicit buckets, so `histogram_quantile` has resolution where it matters: a whole
/// analysis takes from tens of milliseconds (cache) to minutes (slow live shops).
const ANALYSIS_BUCKETS: &[f64] = &[
    0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0,
];
/// Stages and source fetches: from sub-millisecond pure computations to source
/// timeouts.
const STAGE_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// LLM calls: a cached answer in milliseconds to a large model's minute.
const LLM_CALL_BUCKETS: &[f64] = &[
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0,
];
/// Judge scores are whole numbers from 1 to 5: one bucket each.
const JUDGE_SCORE_BUCKETS: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0];
/// Deterministic text scores are ratios from 0 to 1.
const TEXT_SCORE_BUCKETS: &[f64] = &[0.25, 0.5, 0.75, 0.9, 0.99, 1.0];
/// HTML report sizes: a few KB (one product) to megabytes (500 products with charts).
const REPORT_BUCKETS: &[f64] = &[
    10_000.0,
    25_000.0,
    50_000.0,
    100_000.0,
    250_000.0,
    500_000.0,
    1_000_000.0,
    2_500_000.0,
    5_000_000.0,
    10_000_000.0,
];

/// How much recent history `/v1/stats` computes percentiles over: the last
/// `WINDOW_SAMPLES` durations of a series, none older than `WINDOW_MAX_AGE`.
pub const WINDOW_SAMPLES: usize = 1000;
pub const WINDOW_MAX_AGE: Duration = Duration::from_secs(15 * 60);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same
/// handle) and describes every metric. Every recording function calls it, so no
/// figure is ever lost to the no-op recorder.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let mut builder = PrometheusBuilder::new();
        for (name, buckets) in [
            (ANALYSIS_DURATION, ANALYSIS_BUCKETS),
            (STAGE_DURATION, STAGE_BUCKETS),
            (SOURCE_FETCH_DURATION, STAGE_BUCKETS),
            (REPORT_SIZE, REPORT_BUCKETS),
            (LLM_CALL_DURATION, LLM_CALL_BUCKETS),
            (LLM_JUDGE_SCORE, JUDGE_SCORE_BUCKETS),
            (LLM_TEXT_SCORE, TEXT_SCORE_BUCKETS),
        ] {
            builder = builder
                .set_buckets_for_metric(Matcher::Full(name.to_owned()), buckets)
                .expect("bucket lists are non-empty constants");
        }
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Fails only if something else installed a recorder first; the handle then
        // still renders (empty), and that is preferable to refusing to start.
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("a metrics recorder was already installed; /metrics stays empty");
        }
        describe_all();
        handle
    })
}

fn describe_all() {
    describe_histogram!(
        ANALYSIS_DURATION,
        "End-to-end duration of an analysis run (all stages), by outcome."
    );
    describe_histogram!(STAGE_DURATION, "Duration of one pipeline stage, by stage.");
    describe_histogram!(
        SOURCE_FETCH_DURATION,
        "Duration of one source's fetch (cache, live, stale or fallback), by source."
    );
    describe_counter!(
        ANALYSES_COMPLETED,
        "Analyses that produced a stored result."
    );
    describe_counter!(ANALYSES_FAILED, "Analysis runs that failed, by error_type.");
    describe_counter!(
        ITEMS_ANALYSED,
        "Products, offers and reviews in completed analyses, by kind."
    );
    describe_histogram!(REPORT_SIZE, "Size of the generated HTML report in bytes.");
    describe_counter!(
        CACHE_REQUESTS,
        "Cache lookups by cache level and result (hit or miss)."
    );
    describe_counter!(
        SOURCE_OUTCOMES,
        "How each source answered: live, cache, stale, fallback or failed."
    );
    describe_counter!(
        QUALITY_CHECK_FAILURES,
        "Results stored with a failed quality check, by check."
    );
    describe_gauge!(QUEUE_JOBS, "Jobs in the analysis queue, by state.");
    describe_gauge!(
        QUEUE_OLDEST_AGE,
        "Age in seconds of the oldest queued job (0 when none waits)."
    );
    describe_counter!(LLM_TOKENS, "LLM tokens used, by kind (prompt, completion).");
    describe_counter!(LLM_COST, "LLM cost in millionths of a US dollar.");
    describe_counter!(
        FEEDBACK,
        "Feedback recorded on analyses, by rating (1-5), useful (true, false, unsaid) and \
         whether it replaced the same user's earlier feedback (action created or updated)."
    );
    describe_histogram!(
        LLM_CALL_DURATION,
        "Duration of one LLM call (retries included), by model."
    );
    describe_counter!(
        LLM_CALLS,
        "LLM stage outcomes, by outcome (ok, rejected_grounding, invalid_schema, timeout, rate_limited, error, budget_exhausted, cache_hit)."
    );
    describe_histogram!(
        LLM_JUDGE_SCORE,
        "Scores (1-5) the LLM judge gave accepted generated texts, by criterion (coherence, clarity)."
    );
    describe_histogram!(
        LLM_TEXT_SCORE,
        "Deterministic scores (0-1) of each accepted generated text, by score (grounding_rate, key_figure_coverage)."
    );
    describe_counter!(
        LLM_JUDGE_INCONSISTENT,
        "Accepted generated texts the LLM judge found inconsistent with the figures."
    );

    // Series that alerts divide by or take rates of exist from the start at zero, so a
    // fresh process reads 0 rather than "no data".
    counter!(ANALYSES_COMPLETED).absolute(0);
    for kind in ["prompt", "completion"] {
        counter!(LLM_TOKENS, "kind" => kind).absolute(0);
    }
    counter!(LLM_COST).absolute(0);
    counter!(LLM_JUDGE_INCONSISTENT).absolute(0);
    for state in ["queued", "running", "dead"] {
        gauge!(QUEUE_JOBS, "state" => state).set(0.0);
    }
    gauge!(QUEUE_OLDEST_AGE).set(0.0);
}

/// The last durations of one series, bounded by count and age.
#[derive(Default)]
struct Window(VecDeque<(Instant, f64)>);

impl Window {
    fn push(&mut self, now: Instant, seconds: f64) {
        if self.0.len() == WINDOW_SAMPLES {
            self.0.pop_front();
        }
        self.0.push_back((now, seconds));
    }

    fn summary(&self, now: Instant) -> LatencySummary {
        let mut recent: Vec<f64> = self
            .0
            .iter()
            .filter(|(t, _)| now.duration_since(*t) <= WINDOW_MAX_AGE)
            .map(|(_, s)| *s)
            .collect();
        recent.sort_by(f64::total_cmp);
        // Nearest rank: an actual observed duration, never an interpolation.
        let q = |p: f64| {
            (!recent.is_empty()).then(|| {
                let rank = (p * recent.len() as f64).ceil() as usize;
                recent[rank.clamp(1, recent.len()) - 1]
            })
        };
        LatencySummary {
            count: recent.len(),
            p50: q(0.50),
            p95: q(0.95),
            p99: q(0.99),
            max: recent.last().copied(),
        }
    }
}

/// Percentiles in seconds over the recent window (`None` with no sample).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LatencySummary {
    pub count: usize,
    pub p50: Option<f64>,
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct HitMiss {
    pub hits: u64,
    pub misses: u64,
    /// hits / (hits + misses); `None` before the first lookup.
    pub hit_rate: Option<f64>,
}

/// Totals since the process started, mirrored from what Prometheus counts.
#[derive(Default)]
struct Figures {
    completed: u64,
    failed: BTreeMap<String, u64>,
    items: BTreeMap<&'static str, u64>,
    reports: u64,
    report_bytes: u64,
    cache: BTreeMap<&'static str, HitMiss>,
    source_outcomes: BTreeMap<String, BTreeMap<String, u64>>,
    quality_failures: BTreeMap<String, u64>,
    llm_tokens: BTreeMap<&'static str, u64>,
    llm_cost_microdollars: u64,
    /// Feedback recorded, by rating.
    feedback: BTreeMap<u8, u64>,
    llm_outcomes: BTreeMap<&'static str, u64>,
    /// Texts the LLM judge gave a verdict on, and those it found inconsistent.
    judged: u64,
    judged_inconsistent: u64,
    end_to_end: Window,
    stages: BTreeMap<&'static str, Window>,
    sources: BTreeMap<String, Window>,
}

static FIGURES: LazyLock<Mutex<Figures>> = LazyLock::new(Default::default);
static STARTED: LazyLock<chrono::DateTime<chrono::Utc>> = LazyLock::new(chrono::Utc::now);

fn figures() -> std::sync::MutexGuard<'static, Figures> {
    LazyLock::force(&STARTED);
    // A panic while holding the lock leaves plain counters behind: still usable.
    FIGURES.lock().unwrap_or_else(|p| p.into_inner())
}

/// One analysis run ended: `Ok` with a stored result, or `Err(error_type)`.
pub fn analysis_finished(duration: Duration, outcome: Result<(), &str>) {
    install();
    let secs = duration.as_secs_f64();
    let mut f = figures();
    match outcome {
        Ok(()) => {
            counter!(ANALYSES_COMPLETED).increment(1);
            histogram!(ANALYSIS_DURATION, "outcome" => "completed").record(secs);
            f.completed += 1;
        }
        Err(error_type) => {
            counter!(ANALYSES_FAILED, "error_type" => error_type.to_owned()).increment(1);
            histogram!(ANALYSIS_DURATION, "outcome" => "failed").record(secs);
            *f.failed.entry(error_type.to_owned()).or_default() += 1;
        }
    }
    f.end_to_end.push(Instant::now(), secs);
}

/// Records a stage's duration when dropped, so a stage that fails or returns early
/// is measured too.
pub struct StageTimer {
    stage: &'static str,
    started: Instant,
}

/// Starts timing `stage`.
pub fn stage_timer(stage: Stage) -> StageTimer {
    StageTimer {
        stage: stage.as_str(),
        started: Instant::now(),
    }
}

impl Drop for StageTimer {
    fn drop(&mut self) {
        install();
        let secs = self.started.elapsed().as_secs_f64();
        histogram!(STAGE_DURATION, "stage" => self.stage).record(secs);
        figures()
            .stages
            .entry(self.stage)
            .or_default()
            .push(Instant::now(), secs);
    }
}

/// One source answered (live, cache, stale, fallback or failed).
pub fn source_fetched(source: &str, status: SourceStatus, duration: Duration) {
    install();
    let status = match status {
        SourceStatus::Live => "live",
        SourceStatus::Cache => "cache",
        SourceStatus::Stale => "stale",
        SourceStatus::Fallback => "fallback",
        SourceStatus::Failed => "failed",
    };
    let secs = duration.as_secs_f64();
    histogram!(SOURCE_FETCH_DURATION, "source" => source.to_owned()).record(secs);
    counter!(SOURCE_OUTCOMES, "source" => source.to_owned(), "status" => status.to_owned())
        .increment(1);
    let mut f = figures();
    *f.source_outcomes
        .entry(source.to_owned())
        .or_default()
        .entry(status.to_owned())
        .or_default() += 1;
    f.sources
        .entry(source.to_owned())
        .or_default()
        .push(Instant::now(), secs);
}

/// What a completed analysis covered.
pub fn items_analysed(products: u64, offers: u64, reviews: u64) {
    install();
    let mut f = figures();
    for (kind, n) in [
        ("products", products),
        ("offers", offers),
        ("reviews", reviews),
    ] {
        counter!(ITEMS_ANALYSED, "kind" => kind).increment(n);
        *f.items.entry(kind).or_default() += n;
    }
}

pub fn report_written(bytes: u64) {
    install();
    histogram!(REPORT_SIZE).record(bytes as f64);
    let mut f = figures();
    f.reports += 1;
    f.report_bytes += bytes;
}

/// A cache lookup at `level` (counted where the cache is asked, whatever the backend).
pub fn cache_lookup(level: CacheLevel, hit: bool) {
    install();
    let result = if hit { "hit" } else { "miss" };
    counter!(CACHE_REQUESTS, "level" => level.as_str(), "result" => result).increment(1);
    let mut f = figures();
    let e = f.cache.entry(level.as_str()).or_default();
    if hit {
        e.hits += 1;
    } else {
        e.misses += 1;
    }
    e.hit_rate = Some(e.hits as f64 / (e.hits + e.misses) as f64);
}

pub fn quality_check_failed(check: &str) {
    install();
    counter!(QUALITY_CHECK_FAILURES, "check" => check.to_owned()).increment(1);
    *figures()
        .quality_failures
        .entry(check.to_owned())
        .or_default() += 1;
}

/// One LLM call answered or failed (`model`, its outcome label, how long it took),
/// or one answer found in the LLM cache (`cache_hit`, no duration).
pub fn llm_call(model: &str, outcome: &'static str, duration: Option<Duration>) {
    install();
    counter!(LLM_CALLS, "outcome" => outcome).increment(1);
    // A budget refusal has no model and no duration.
    if let Some(d) = duration {
        histogram!(LLM_CALL_DURATION, "model" => model.to_owned()).record(d.as_secs_f64());
    }
    *figures().llm_outcomes.entry(outcome).or_default() += 1;
}

/// LLM usage of one call (tokens and cost from the configured price table).
pub fn llm_usage(prompt_tokens: u64, completion_tokens: u64, cost_microdollars: u64) {
    install();
    counter!(LLM_TOKENS, "kind" => "prompt").increment(prompt_tokens);
    counter!(LLM_TOKENS, "kind" => "completion").increment(completion_tokens);
    counter!(LLM_COST).increment(cost_microdollars);
    let mut f = figures();
    *f.llm_tokens.entry("prompt").or_default() += prompt_tokens;
    *f.llm_tokens.entry("completion").or_default() += completion_tokens;
    f.llm_cost_microdollars += cost_microdollars;
}

/// The deterministic scores of one accepted generated text: the share of its claims
/// grounded, and of the key figures it states.
pub fn text_scores(grounding_rate: f64, key_figure_coverage: f64) {
    install();
    histogram!(LLM_TEXT_SCORE, "score" => "grounding_rate").record(grounding_rate);
    histogram!(LLM_TEXT_SCORE, "score" => "key_figure_coverage").record(key_figure_coverage);
}

/// The judge's verdict on one accepted text: its two scores, and whether it found
/// the text inconsistent with the figures (counted).
pub fn judge_verdict(coherence: u8, clarity: u8, consistent_with_figures: bool) {
    install();
    histogram!(LLM_JUDGE_SCORE, "criterion" => "coherence").record(f64::from(coherence));
    histogram!(LLM_JUDGE_SCORE, "criterion" => "clarity").record(f64::from(clarity));
    let mut f = figures();
    f.judged += 1;
    if !consistent_with_figures {
        counter!(LLM_JUDGE_INCONSISTENT).increment(1);
        f.judged_inconsistent += 1;
    }
}

/// A feedback was recorded (`created`: new, else it replaced the same user's earlier
/// one).
pub fn feedback_recorded(rating: u8, useful: Option<bool>, created: bool) {
    install();
    let useful = match useful {
        Some(true) => "true",
        Some(false) => "false",
        None => "unsaid",
    };
    let action = if created { "created" } else { "updated" };
    counter!(FEEDBACK, "rating" => rating.to_string(), "useful" => useful, "action" => action)
        .increment(1);
    *figures().feedback.entry(rating).or_default() += 1;
}

/// Reads the queue's backlog into the gauges. Done at scrape time: always current,
/// and no background task to start or stop with each process.
async fn refresh_queue(app: &App) -> Option<QueueStats> {
    install();
    match app.queue.stats().await {
        Ok(s) => {
            gauge!(QUEUE_JOBS, "state" => "queued").set(s.queued as f64);
            gauge!(QUEUE_JOBS, "state" => "running").set(s.running as f64);
            gauge!(QUEUE_JOBS, "state" => "dead").set(s.dead as f64);
            gauge!(QUEUE_OLDEST_AGE).set(oldest_age_secs(&s));
            Some(s)
        }
        Err(e) => {
            // The gauges keep their last value; the error shows in /healthz.
            tracing::warn!(error = %e, "queue stats unavailable for metrics");
            None
        }
    }
}

fn oldest_age_secs(s: &QueueStats) -> f64 {
    s.oldest_queued_at
        .map(|t| ((chrono::Utc::now() - t).num_milliseconds().max(0) as f64) / 1000.0)
        .unwrap_or(0.0)
}

/// The Prometheus text exposition of this process' metrics.
pub async fn render(app: &App) -> String {
    refresh_queue(app).await;
    let handle = install();
    // Without the exporter's HTTP listener nothing runs upkeep; do it per scrape.
    handle.run_upkeep();
    handle.render()
}

/// This process's metrics for Prometheus: analyses and their stages, sources,
/// caches, the queue, feedback, LLM calls and their cost.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format 0.0.4", content_type = "text/plain", body = String))
)]
pub async fn metrics_handler(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&app).await,
    )
        .into_response()
}

/// The figures of `GET /v1/stats`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// When this process started counting; totals are since then.
    pub since: chrono::DateTime<chrono::Utc>,
    pub window: WindowInfo,
    pub analyses: AnalysesStats,
    pub stages: BTreeMap<String, LatencySummary>,
    pub sources: BTreeMap<String, SourceStats>,
    pub items_analysed: BTreeMap<String, u64>,
    pub reports: ReportStats,
    pub cache: BTreeMap<String, HitMiss>,
    pub quality_check_failures: BTreeMap<String, u64>,
    /// `None` when the queue does not answer.
    pub queue: Option<QueueFigures>,
    pub llm: LlmStats,
    /// Feedback recorded by this process, by rating (`"1"` … `"5"`).
    pub feedback_by_rating: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WindowInfo {
    pub max_samples: usize,
    pub max_age_secs: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AnalysesStats {
    pub completed: u64,
    pub failed: u64,
    pub failed_by_error_type: BTreeMap<String, u64>,
    /// failed / (completed + failed) since start; `None` before the first.
    pub error_rate: Option<f64>,
    pub latency_seconds: LatencySummary,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceStats {
    pub outcomes: BTreeMap<String, u64>,
    pub latency_seconds: LatencySummary,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportStats {
    pub count: u64,
    pub bytes_total: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QueueFigures {
    pub queued: u64,
    pub running: u64,
    pub dead: u64,
    pub oldest_job_age_seconds: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LlmStats {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_usd: f64,
    /// Calls and stage outcomes by label (`ok`, `rejected_grounding`, …).
    pub outcomes: BTreeMap<String, u64>,
    /// Accepted texts the judge (`[llm.judge]`) gave a verdict on.
    pub judged: u64,
    /// Of those, the texts it found inconsistent with the figures.
    pub judged_inconsistent: u64,
}

/// The same figures as `/metrics`, with percentiles over the recent window.
pub async fn stats(app: &App) -> Stats {
    let queue = refresh_queue(app).await.map(|s| QueueFigures {
        queued: s.queued,
        running: s.running,
        dead: s.dead,
        oldest_job_age_seconds: oldest_age_secs(&s),
    });
    let now = Instant::now();
    let f = figures();
    let failed: u64 = f.failed.values().sum();
    let total = f.completed + failed;
    let mut sources: BTreeMap<String, SourceStats> = BTreeMap::new();
    for (name, outcomes) in &f.source_outcomes {
        sources.insert(
            name.clone(),
            SourceStats {
                outcomes: outcomes.clone(),
                latency_seconds: f
                    .sources
                    .get(name)
                    .map_or_else(|| Window::default().summary(now), |w| w.summary(now)),
            },
        );
    }
    Stats {
        since: *STARTED,
        window: WindowInfo {
            max_samples: WINDOW_SAMPLES,
            max_age_secs: WINDOW_MAX_AGE.as_secs(),
        },
        analyses: AnalysesStats {
            completed: f.completed,
            failed,
            failed_by_error_type: f.failed.clone(),
            error_rate: (total > 0).then(|| failed as f64 / total as f64),
            latency_seconds: f.end_to_end.summary(now),
        },
        stages: f
            .stages
            .iter()
            .map(|(k, w)| ((*k).to_owned(), w.summary(now)))
            .collect(),
        sources,
        items_analysed: f.items.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect(),
        reports: ReportStats {
            count: f.reports,
            bytes_total: f.report_bytes,
        },
        cache: f
            .cache
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect(),
        quality_check_failures: f.quality_failures.clone(),
        queue,
        llm: LlmStats {
            prompt_tokens: f.llm_tokens.get("prompt").copied().unwrap_or(0),
            completion_tokens: f.llm_tokens.get("completion").copied().unwrap_or(0),
            cost_usd: f.llm_cost_microdollars as f64 / 1e6,
            outcomes: f
                .llm_outcomes
                .iter()
                .map(|(k, v)| ((*k).to_owned(), *v))
                .collect(),
            judged: f.judged,
            judged_inconsistent: f.judged_inconsistent,
        },
        feedback_by_rating: f
            .feedback
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
    }
}

/// `GET /v1/stats`.
#[utoipa::path(
    get,
    path = "/v1/stats",
    tag = "operations",
    responses((status = 200, description = "Throughput, error rate, latency percentiles, cache hit rates, queue", body = Stats))
)]
pub async fn stats_handler(State(app): State<Arc<App>>) -> Response {
    axum::Json(stats(&app).await).into_response()
}

/// The routes a worker process serves with `--metrics-bind` (the API has the same
/// routes among its own).
pub fn router(app: Arc<App>) -> Router {
    install();
    Router::new()
        .route("/metrics", get(metrics_handler))
        .route("/v1/stats", get(stats_handler))
        .with_state(app)
}

/// Serves [`router`] on `listener` until `shutdown` turns true (a worker's
/// `--metrics-bind`).
pub fn spawn_server(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let served = crate::connections::serve_connections(
            router(app),
            listener,
            crate::connections::ConnectionLimits::default(),
            shutdown,
        )
        .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "metrics endpoint failed");
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_percentiles_are_nearest_rank_and_bounded() {
        let mut w = Window::default();
        let now = Instant::now();
        assert_eq!(w.summary(now).p50, None);
        for i in 1..=100 {
            w.push(now, f64::from(i));
        }
        let s = w.summary(now);
        assert_eq!(
            (s.count, s.p50, s.p95, s.p99),
            (100, Some(50.0), Some(95.0), Some(99.0))
        );
        for i in 0..WINDOW_SAMPLES {
            w.push(now, 1000.0 + i as f64);
        }
        let s = w.summary(now);
        assert_eq!(s.count, WINDOW_SAMPLES, "bounded by count");
        assert_eq!(s.p50, Some(1000.0 + 499.0));
    }

    #[test]
    fn a_failed_quality_check_shows_in_prometheus_and_stats_figures() {
        // A check name no other test uses: the recorder is process-wide.
        quality_check_failed("unit_test_check");
        quality_check_failed("unit_test_check");
        let text = install().render();
        assert!(
            text.contains("marketlens_quality_check_failures_total{check=\"unit_test_check\"} 2"),
            "{text}"
        );
        assert!(text.contains("# TYPE marketlens_quality_check_failures_total counter"));
        assert_eq!(figures().quality_failures["unit_test_check"], 2);
    }

    #[test]
    fn window_forgets_old_samples() {
        let mut w = Window::default();
        let later = Instant::now() + WINDOW_MAX_AGE + Duration::from_secs(1);
        w.push(Instant::now(), 5.0);
        w.push(later, 1.0);
        let s = w.summary(later);
        assert_eq!((s.count, s.p99), (1, Some(1.0)));
    }
}
