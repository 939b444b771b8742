//! Submitting an analysis: parse the request, answer from a fresh result when one
//! exists, join an identical analysis already in flight, else record the query and
//! queue it. Shared by the HTTP API and the CLI so both validate and record identically.
//!
//! Coalescing: in server mode a request whose fingerprint matches a query still
//! `queued` or `running` (submitted within `cache.analysis_result_ttl_secs`) is answered
//! with that query instead of a new one, so a burst of identical requests costs one job.
//! The check and the insert are one atomic store operation
//! (`Store::record_submission`, through `Intake::submit`, which also queues the new
//! query's job), so this holds across API processes too.
//! Only an analysis whose job exists is joined: one recorded more than a few seconds
//! ago that the queue has no job for (a CLI run killed mid-way, a broker restarted
//! without persistence) would never finish, so the request makes its own query and job
//! instead, and `reconcile` queues the orphan again or fails it. The window bounds how
//! long any query can absorb identical requests; past it a new job is made, which
//! costs work but is never wrong. The CLI runs its own pipeline and never joins
//! another process's job.
//!
//! Tenants: every query is its tenant's ([`Requester`]). A fresh result, and an
//! analysis in flight, are only ever those of the same tenant, so no tenant is
//! answered from, or waits on, another's analysis (and a result's report, keyed by its
//! query, is read only through that tenant's query). The collected-products cache, by
//! contrast, is shared: it holds what public shop pages and feeds returned for a
//! question, the same for whoever asks. A tenant has at most
//! [`Requester::max_inflight`] analyses queued or running: past it a new analysis is
//! refused (`tenant_queue_full`), though it may still join an identical one in flight.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use marketlens_adapters::intake::enqueue_or_fail;
use marketlens_core::ErrorType;
use marketlens_core::domain::{AnalysisRequest, Fingerprint, InvalidInput, TenantId};
use marketlens_core::experiment::{AssignmentKey, ExperimentAssignment, assign};
use marketlens_core::ports::{
    CacheLevel, IntakeError, JobPayload, NewQuery, QueryRecord, QueueError, Recorded, StoreError,
};
use uuid::Uuid;

use crate::live_config::ConfigLoadError;
use crate::startup::App;
use crate::telemetry::TraceParent;

/// A configuration that could not be loaded: the store out of reach, or the version
/// unknown or invalid.
fn config_error(e: ConfigLoadError) -> SubmitError {
    match e {
        ConfigLoadError::Store(e) => SubmitError::Store(e),
        other => SubmitError::Config(other),
    }
}

/// The request parsed against the defaults, sources and markets of `run`.
fn parse_with(
    request: &AnalysisRequest,
    run: &crate::live_config::RunConfig,
) -> Result<
    (
        marketlens_core::domain::QueryText,
        marketlens_core::domain::AnalysisParams,
    ),
    InvalidInput,
> {
    let config = &run.config;
    request.parse(
        &config.defaults,
        &config.enabled_source_names(),
        &config.known_markets(),
    )
}

/// The variant of the running experiment (if any) this request is assigned to: by its
/// user, or by the question's fingerprint when there is no user. A pure function of the
/// experiment's salt and the key, so every process assigns alike (see
/// `marketlens_core::experiment::assign`).
/// Also returns the agent config version the variant runs, when it names one.
async fn assign_running_experiment(
    app: &App,
    tenant: &TenantId,
    user_id: Option<&str>,
    fingerprint: &Fingerprint,
) -> Result<Option<(ExperimentAssignment, Option<i64>)>, StoreError> {
    let Some(experiment) = app.configs.running_experiment(tenant).await? else {
        return Ok(None);
    };
    let key = AssignmentKey::for_request(user_id, fingerprint.as_str());
    let variant = assign(&experiment.salt, key, &experiment.variants);
    let assignment = ExperimentAssignment {
        experiment_id: experiment.id,
        variant: variant.name.clone(),
    };
    Ok(Some((assignment, variant.agent_config_version)))
}

/// Why a request was not submitted: bad input (its own error type), or a backend
/// that could not record or queue it (`unavailable`).
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error(transparent)]
    Invalid(#[from] InvalidInput),
    /// The store could not record or read the query.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The queue refused the job; the query is recorded as failed (or not at all).
    #[error("could not queue the analysis: {0}")]
    Queue(#[from] QueueError),
    /// The active configuration version could not be built.
    #[error(transparent)]
    Config(ConfigLoadError),
    /// A query the store had just recorded (or joined) could not be read back.
    #[error("query {0} vanished from the store")]
    Vanished(Uuid),
    /// The tenant already has its cap of analyses queued or running.
    #[error(
        "tenant {tenant} already has {inflight} analyses queued or running (at most {cap}); \
         retry once some have finished"
    )]
    TenantQueueFull {
        tenant: TenantId,
        inflight: u64,
        cap: u64,
    },
}

impl From<IntakeError> for SubmitError {
    fn from(e: IntakeError) -> Self {
        match e {
            IntakeError::Store(e) => SubmitError::Store(e),
            IntakeError::Queue(e) => SubmitError::Queue(e),
        }
    }
}

impl SubmitError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            SubmitError::Invalid(e) => e.error_type,
            SubmitError::Store(_) | SubmitError::Queue(_) | SubmitError::Vanished(_) => {
                ErrorType::Unavailable
            }
            SubmitError::Config(e) => e.error_type(),
            SubmitError::TenantQueueFull { .. } => ErrorType::TenantQueueFull,
        }
    }
}

/// How a submission was answered.
#[derive(Debug, Clone)]
pub struct Submitted {
    pub query: QueryRecord,
    /// True when answered from an earlier fresh result (no new work).
    pub cache_hit: bool,
    /// True when an identical analysis was already queued or running: `query` is that
    /// analysis (no new query, no new job).
    pub coalesced: bool,
}

/// How to handle a new query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dispatch {
    /// Put a job on the queue (server mode).
    Enqueue,
    /// Only record it; the caller runs the pipeline itself (CLI).
    RecordOnly,
}

/// How long after its query was recorded a job may still be on its way to the queue
/// (another process records, then enqueues, each queue call bounded by 3 s): a young
/// query without a job is presumed to be getting one.
const ENQUEUE_GRACE: chrono::Duration = chrono::Duration::seconds(10);

/// Whether an in-flight query can be joined: its job exists, or it is too young to
/// tell.
async fn has_a_job(
    app: &App,
    query: &QueryRecord,
    now: DateTime<Utc>,
) -> Result<bool, SubmitError> {
    if query.created_at > now - ENQUEUE_GRACE {
        return Ok(true);
    }
    Ok(app.queue.has_job(query.id).await?)
}

/// Who submits: the tenant the query belongs to, the user recorded on it when the
/// request names none, and the tenant's cap on analyses in flight.
#[derive(Debug, Clone, PartialEq)]
pub struct Requester {
    pub tenant: TenantId,
    pub user_id: Option<String>,
    pub max_inflight: Option<u64>,
}

impl Requester {
    /// The default tenant, no user, no cap: the CLI and `serve --no-auth`.
    pub fn local() -> Self {
        Requester {
            tenant: TenantId::local(),
            user_id: None,
            max_inflight: None,
        }
    }
}

/// Submits `request` for the default tenant in a new trace.
pub async fn submit(
    app: &Arc<App>,
    request: &AnalysisRequest,
    dispatch: Dispatch,
    reuse_fresh: bool,
) -> Result<Submitted, SubmitError> {
    submit_in_trace(app, request, dispatch, reuse_fresh, None).await
}

/// Submits `request` for the default tenant; its analysis continues the caller's
/// trace when `caller` is the W3C `traceparent` the request came with.
pub async fn submit_in_trace(
    app: &Arc<App>,
    request: &AnalysisRequest,
    dispatch: Dispatch,
    reuse_fresh: bool,
    caller: Option<&TraceParent>,
) -> Result<Submitted, SubmitError> {
    submit_as(
        app,
        &Requester::local(),
        request,
        dispatch,
        reuse_fresh,
        caller,
    )
    .await
}

/// Submits `request` for `requester` (see [`submit_in_trace`]).
pub async fn submit_as(
    app: &Arc<App>,
    requester: &Requester,
    request: &AnalysisRequest,
    dispatch: Dispatch,
    reuse_fresh: bool,
    caller: Option<&TraceParent>,
) -> Result<Submitted, SubmitError> {
    let tenant = &requester.tenant;
    // The version active now, whichever process activated it: the query records it
    // and its analysis runs with it.
    let active = app.configs.active().await.map_err(config_error)?;
    let (query, params) = parse_with(request, &active)?;
    // The request may name the user it asks for (a service acting for its users);
    // else the key's user is recorded.
    let user_id = request
        .user_id()?
        .map(String::from)
        .or_else(|| requester.user_id.clone());
    let fingerprint = Fingerprint::compute(&query, &params);
    // The variant is chosen by the fingerprint under the active configuration's
    // defaults (when there is no user), so the same question keeps its variant.
    let assignment =
        assign_running_experiment(app, tenant, user_id.as_deref(), &fingerprint).await?;
    let (experiment, variant_version) = assignment.unzip();
    // A variant that names a config version runs with it: the query records that
    // version and the worker builds the analysis from it.
    let (active, query, params, fingerprint) = match variant_version.flatten() {
        Some(version) if version != active.version => {
            let run = app.configs.version(version).await.map_err(config_error)?;
            let (query, params) = parse_with(request, &run)?;
            let fingerprint = Fingerprint::compute(&query, &params);
            (run, query, params, fingerprint)
        }
        _ => (active.clone(), query, params, fingerprint),
    };
    let config = &active.config;
    // An analysis in an experiment is its variant's own: never answered by, or joined
    // to, another query's analysis, which may have run another variant.
    let reuse_fresh = reuse_fresh && experiment.is_none();
    // To the microsecond, as the stores keep it: the answer built from the new query
    // (below) then says exactly what reading the row back would.
    let now = Utc::now().trunc_subsecs(6);
    // Results newer than this are fresh, and queries newer than this may be joined.
    // A huge configured TTL means "since ever": the epoch, a date every store keeps.
    let window_start = i64::try_from(config.cache.analysis_result_ttl_secs)
        .ok()
        .and_then(chrono::Duration::try_seconds)
        .and_then(|ttl| now.checked_sub_signed(ttl))
        .unwrap_or(DateTime::UNIX_EPOCH)
        .max(DateTime::UNIX_EPOCH);

    // The analysis' trace starts here (a `submit` span, in the caller's trace if any);
    // its id is stored on the query and travels with the job so the worker continues it.
    let trace = crate::telemetry::new_trace(caller);
    let trace_id = trace.trace_id.clone();
    let new = NewQuery {
        id: Uuid::now_v7(),
        tenant: tenant.clone(),
        text: query.raw().to_owned(),
        normalized_text: query.normalized().to_owned(),
        params,
        fingerprint,
        agent_config_version: active.version,
        trace_id: Some(trace_id.clone()),
        created_at: now,
        answered_by: None,
        user_id,
        experiment,
    };
    // Only new work queued for a worker can be shared; a cache hit shares nothing and
    // the CLI (RecordOnly) runs the pipeline itself.
    let join = dispatch == Dispatch::Enqueue && new.experiment.is_none();
    let fresh_since = reuse_fresh.then_some(window_start);
    // The tenant's cap on analyses in flight, when it is reached (new work only).
    let at_cap = match requester.max_inflight {
        Some(cap) if dispatch == Dispatch::Enqueue => {
            let inflight = app.store.count_inflight(tenant).await?;
            (inflight >= cap).then_some((inflight, cap))
        }
        _ => None,
    };
    // Where new work is queued, its job travels with the submission (the intake).
    let payload = JobPayload {
        trace_context: [("traceparent".to_owned(), trace.traceparent.clone())].into(),
    };
    let recorded = match at_cap {
        // At the cap: no new work, but a fresh result still answers and an identical
        // analysis in flight may still be joined.
        Some((inflight, cap)) => {
            match answer_at_cap(app, &new, fresh_since, window_start, now).await? {
                AtCap::Answered(fresh) => Recorded::Answered(fresh),
                AtCap::Joined(submitted) => return Ok(*submitted),
                AtCap::Refused => {
                    return Err(SubmitError::TenantQueueFull {
                        tenant: tenant.clone(),
                        inflight,
                        cap,
                    });
                }
            }
        }
        None if dispatch == Dispatch::Enqueue => {
            app.intake
                .submit(&new, fresh_since, join.then_some(window_start), &payload)
                .await?
        }
        None => app.store.record_submission(&new, fresh_since, None).await?,
    };
    if reuse_fresh {
        // The stored fresh result is the analysis-result cache level.
        crate::metrics::cache_lookup(
            CacheLevel::AnalysisResult,
            matches!(recorded, Recorded::Answered(_)),
        );
    }
    let answered_by = match recorded {
        Recorded::Answered(fresh) => Some(fresh),
        Recorded::Inserted => None,
        Recorded::Joined(existing) => {
            let record = app
                .store
                .get_query(existing)
                .await?
                .ok_or(SubmitError::Vanished(existing))?;
            if has_a_job(app, &record, now).await? {
                tracing::info!(
                    query_id = %existing,
                    fingerprint = %new.fingerprint,
                    "analysis coalesced with an identical one in flight"
                );
                return Ok(Submitted {
                    query: record,
                    cache_hit: false,
                    coalesced: true,
                });
            }
            // Its job is lost: joining would wait forever. This request makes its own
            // query and job (which later identical requests join, being newer); the
            // reconciler deals with the orphan.
            tracing::warn!(
                query_id = %existing,
                fingerprint = %new.fingerprint,
                "identical analysis in flight has no job; not joining it"
            );
            app.store.insert_query(&new).await?;
            enqueue_or_fail(&*app.store, &*app.queue, new.id, &payload).await?;
            None
        }
    };
    let new = NewQuery { answered_by, ..new };
    tracing::info!(
        query_id = %new.id,
        fingerprint = %new.fingerprint,
        cache_hit = answered_by.is_some(),
        "analysis submitted"
    );

    // The row just written, as written (the stores' contract tests hold them to it):
    // no read back on the request's path.
    Ok(Submitted {
        query: new.recorded(),
        cache_hit: answered_by.is_some(),
        coalesced: false,
    })
}

/// What a request at its tenant's cap gets.
enum AtCap {
    /// A fresh result answers it (recorded as a cache hit).
    Answered(Uuid),
    /// It joins an identical analysis of the tenant in flight whose job exists.
    Joined(Box<Submitted>),
    /// Nothing: it would be new work.
    Refused,
}

/// At the tenant's cap, a request makes no new work: it is answered from a fresh
/// result, or joins an identical analysis of the tenant in flight whose job exists.
async fn answer_at_cap(
    app: &App,
    new: &NewQuery,
    fresh_since: Option<DateTime<Utc>>,
    window_start: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<AtCap, SubmitError> {
    if let Some(since) = fresh_since
        && let Some(fresh) = app
            .store
            .find_fresh_result(&new.tenant, &new.fingerprint, since)
            .await?
    {
        let hit = NewQuery {
            answered_by: Some(fresh),
            ..new.clone()
        };
        app.store.insert_query(&hit).await?;
        return Ok(AtCap::Answered(fresh));
    }
    if new.experiment.is_some() {
        return Ok(AtCap::Refused);
    }
    let Some(existing) = app
        .store
        .find_inflight(&new.tenant, &new.fingerprint, window_start)
        .await?
    else {
        return Ok(AtCap::Refused);
    };
    let Some(record) = app.store.get_query(existing).await? else {
        return Ok(AtCap::Refused);
    };
    if !has_a_job(app, &record, now).await? {
        return Ok(AtCap::Refused);
    }
    Ok(AtCap::Joined(Box::new(Submitted {
        query: record,
        cache_hit: false,
        coalesced: true,
    })))
}
