//! Experiments as the API and the CLI run them: create one, start it, stop it, list
//! them, and read its results.
//!
//! While an experiment runs, every new query is assigned one of its variants at
//! submission (`submit.rs`), recorded on the query and carried into its result. The
//! results are computed here from the assigned queries and their users' feedback, with
//! the statistics of `marketlens_core::experiment`: per variant the queries assigned,
//! completed and failed, latency p50/p95 and mean with its interval, the quality-check
//! failure rate with its Wilson interval, the mean feedback rating with its t interval
//! and the useful-rate with its Wilson interval; the sample-ratio-mismatch check over
//! the assigned counts; and each variant compared with the first (the control) on
//! rating, useful-rate, quality-check failures and latency, naming no winner below the
//! minimum sample size.
//!
//! Not yet in the results: cost (LLM usage is recorded per call, not yet per query).

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::domain::{InvalidInput, TenantId};
use marketlens_core::experiment::{
    Arm, Comparison, Direction, MeanEstimate, RateEstimate, SampleRatioCheck, Variant, Variants,
    compare_means, compare_rates, mean_with_interval, percentile, sample_ratio_check,
    wilson_interval,
};
use marketlens_core::ports::{
    ExperimentFeedback, ExperimentObservation, ExperimentRecord, NewExperiment, QueryStatus,
    StoreError,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::live_config::ConfigLoadError;
use crate::startup::App;

/// Longest experiment name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// What creating an experiment takes (the body of `POST /v1/admin/experiments`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateExperiment {
    pub name: String,
    /// The first variant is the control.
    pub variants: Vec<Variant>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the operations on experiments answer.
pub type Result<T, E = ExperimentError> = std::result::Result<T, E>;

impl ExperimentError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            ExperimentError::Invalid(e) => e.error_type,
            ExperimentError::Store(StoreError::NotFound(_)) => ErrorType::NotFound,
            ExperimentError::Store(StoreError::Conflict(_)) => ErrorType::Conflict,
            ExperimentError::Store(_) => ErrorType::Unavailable,
        }
    }
}

/// Records a new experiment as a draft, with a fresh random salt (so its groups are
/// independent of every other experiment's).
pub async fn create(
    app: &App,
    tenant: &TenantId,
    request: CreateExperiment,
) -> Result<ExperimentRecord> {
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Err(InvalidInput::parameter(
            "name",
            format!("an experiment name is 1 to {MAX_NAME_CHARS} characters"),
        )
        .into());
    }
    let variants = Variants::parse(request.variants)?;
    // A variant runs its config version: refuse one this store does not have (or that
    // no longer builds) now rather than failing every analysis assigned to it.
    for variant in variants.as_slice() {
        if let Some(version) = variant.agent_config_version
            && let Err(e) = app.configs.version(version).await
        {
            return Err(match e {
                ConfigLoadError::Store(e) => ExperimentError::Store(e),
                other => InvalidInput::parameter(
                    "variants",
                    format!("variant {:?}: {other}", variant.name),
                )
                .into(),
            });
        }
    }
    let id = Uuid::now_v7();
    let experiment = NewExperiment {
        id,
        tenant: tenant.clone(),
        name: name.to_owned(),
        salt: Uuid::new_v4().simple().to_string(),
        variants,
        created_at: Utc::now(),
    };
    app.store.create_experiment(&experiment).await?;
    get(app, tenant, id).await
}

/// `tenant`'s experiment: another tenant's is as unknown as one that never existed.
pub async fn get(app: &App, tenant: &TenantId, id: Uuid) -> Result<ExperimentRecord> {
    app.store
        .get_experiment(id)
        .await?
        .filter(|e| &e.tenant == tenant)
        .ok_or_else(|| StoreError::NotFound(format!("experiment {id}")).into())
}

pub async fn list(app: &App, tenant: &TenantId) -> Result<Vec<ExperimentRecord>> {
    Ok(app.store.list_experiments(tenant).await?)
}

/// Starts assigning `tenant`'s new queries to the experiment's variants.
pub async fn start(app: &App, tenant: &TenantId, id: Uuid) -> Result<ExperimentRecord> {
    get(app, tenant, id).await?;
    app.store.start_experiment(id, Utc::now()).await?;
    app.configs.forget_running_experiment(tenant);
    get(app, tenant, id).await
}

/// Stops assigning (for good); its results stay readable.
pub async fn stop(app: &App, tenant: &TenantId, id: Uuid) -> Result<ExperimentRecord> {
    get(app, tenant, id).await?;
    app.store.stop_experiment(id, Utc::now()).await?;
    app.configs.forget_running_experiment(tenant);
    get(app, tenant, id).await
}

pub async fn results(app: &App, tenant: &TenantId, id: Uuid) -> Result<ExperimentResults> {
    let experiment = get(app, tenant, id).await?;
    let observations = app.store.experiment_observations(id).await?;
    let feedback = app.store.experiment_feedback(id).await?;
    Ok(summarize(experiment, &observations, &feedback))
}

/// What `GET /v1/experiments/{id}/results` answers.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ExperimentResults {
    pub experiment: ExperimentRecord,
    pub variants: Vec<VariantResults>,
    /// The split of assigned queries against the weights; `None` before any query.
    pub sample_ratio: Option<SampleRatioCheck>,
    /// Each variant after the first compared with the first (the control).
    pub comparisons: Vec<VariantComparison>,
}

/// The figures of one variant.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantResults {
    pub name: String,
    pub weight: u32,
    /// Queries assigned to it.
    pub assigned: u64,
    pub completed: u64,
    pub failed: u64,
    /// Queued or running.
    pub in_flight: u64,
    /// Answered from an earlier result (no run of their own: no latency, no checks).
    pub cache_hits: u64,
    /// Start to finish of the analyses it ran, in milliseconds.
    pub latency_ms: Option<VariantLatency>,
    /// Share of its results that failed a quality check.
    pub quality_check_failure_rate: Option<RateEstimate>,
    /// Feedback given on its analyses.
    pub feedback_count: u64,
    /// Mean rating (1–5) with its t interval (`None` under two ratings).
    pub rating: Option<MeanEstimate>,
    /// Share of "useful" among the feedback that said.
    pub useful_rate: Option<RateEstimate>,
}

/// End-to-end latency of a variant's analyses, in milliseconds.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantLatency {
    pub p50: f64,
    pub p95: f64,
    /// The mean with its t interval (`None` under two analyses).
    pub mean: Option<MeanEstimate>,
}

/// A treatment against the control, metric by metric.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct VariantComparison {
    pub variant: String,
    pub rating: Comparison,
    pub useful_rate: Comparison,
    pub quality_check_failure_rate: Comparison,
    pub latency_ms: Comparison,
}

/// The per-variant sample a comparison reads.
#[derive(Default)]
struct Sample {
    latencies_ms: Vec<f64>,
    /// (results that failed a check, results of its own)
    quality: (u64, u64),
    ratings: Vec<f64>,
    /// (said useful, said whether useful)
    useful: (u64, u64),
}

/// The results from the experiment and its assigned queries (pure).
pub fn summarize(
    experiment: ExperimentRecord,
    observations: &[ExperimentObservation],
    feedback: &[ExperimentFeedback],
) -> ExperimentResults {
    let declared = experiment.variants.as_slice();
    let mut figures: Vec<VariantResults> = declared
        .iter()
        .map(|v| VariantResults {
            name: v.name.clone(),
            weight: v.weight,
            assigned: 0,
            completed: 0,
            failed: 0,
            in_flight: 0,
            cache_hits: 0,
            latency_ms: None,
            quality_check_failure_rate: None,
            feedback_count: 0,
            rating: None,
            useful_rate: None,
        })
        .collect();
    let mut samples: Vec<Sample> = declared.iter().map(|_| Sample::default()).collect();
    for o in observations {
        // Assignment only names declared variants and variants never change, so an
        // unknown name cannot be counted anywhere meaningful: it is left out.
        let Some(i) = declared.iter().position(|v| v.name == o.variant) else {
            continue;
        };
        let (f, s) = (&mut figures[i], &mut samples[i]);
        f.assigned += 1;
        match o.status {
            QueryStatus::Completed => f.completed += 1,
            QueryStatus::Failed => f.failed += 1,
            QueryStatus::Queued | QueryStatus::Running => f.in_flight += 1,
        }
        if o.cache_hit {
            f.cache_hits += 1;
            continue;
        }
        if o.status == QueryStatus::Completed
            && let (Some(start), Some(end)) = (o.started_at, o.finished_at)
        {
            s.latencies_ms
                .push((end - start).num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0);
        }
        if let Some(passed) = o.quality_passed {
            s.quality.1 += 1;
            if !passed {
                s.quality.0 += 1;
            }
        }
    }
    for given in feedback {
        let Some(i) = declared.iter().position(|v| v.name == given.variant) else {
            continue;
        };
        figures[i].feedback_count += 1;
        let s = &mut samples[i];
        s.ratings.push(f64::from(given.rating));
        if let Some(useful) = given.useful {
            s.useful.1 += 1;
            if useful {
                s.useful.0 += 1;
            }
        }
    }
    for (f, s) in figures.iter_mut().zip(&samples) {
        f.latency_ms = latency_summary(&s.latencies_ms);
        f.quality_check_failure_rate = wilson_interval(s.quality.0, s.quality.1);
        f.rating = mean_with_interval(&s.ratings);
        f.useful_rate = wilson_interval(s.useful.0, s.useful.1);
    }
    let assigned: Vec<u64> = figures.iter().map(|f| f.assigned).collect();
    let sample_ratio = sample_ratio_check(&assigned, &experiment.variants.weights());
    let comparisons = match (declared.first(), samples.first()) {
        (Some(control), Some(control_sample)) => declared
            .iter()
            .zip(&samples)
            .skip(1)
            .map(|(variant, sample)| VariantComparison {
                variant: variant.name.clone(),
                rating: compare_means(
                    arm(&control.name, &control_sample.ratings[..]),
                    arm(&variant.name, &sample.ratings[..]),
                    Direction::HigherIsBetter,
                ),
                useful_rate: compare_rates(
                    arm(&control.name, control_sample.useful),
                    arm(&variant.name, sample.useful),
                    Direction::HigherIsBetter,
                ),
                quality_check_failure_rate: compare_rates(
                    arm(&control.name, control_sample.quality),
                    arm(&variant.name, sample.quality),
                    Direction::LowerIsBetter,
                ),
                latency_ms: compare_means(
                    arm(&control.name, &control_sample.latencies_ms[..]),
                    arm(&variant.name, &sample.latencies_ms[..]),
                    Direction::LowerIsBetter,
                ),
            })
            .collect(),
        _ => Vec::new(),
    };
    ExperimentResults {
        experiment,
        variants: figures,
        sample_ratio,
        comparisons,
    }
}

fn arm<T>(name: &str, data: T) -> Arm<'_, T> {
    Arm { name, data }
}

fn latency_summary(latencies_ms: &[f64]) -> Option<VariantLatency> {
    Some(VariantLatency {
        p50: percentile(latencies_ms, 0.5)?,
        p95: percentile(latencies_ms, 0.95)?,
        mean: mean_with_interval(latencies_ms),
    })
}

#[cfg(test)]
mod tests;
