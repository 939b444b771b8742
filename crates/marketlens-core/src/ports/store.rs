use async_trait::async_trait;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::access::{ApiKeyRecord, AuditEvent, NewApiKey, TenantRecord};
use crate::domain::{AnalysisParams, CurrencyCode, Feedback, Fingerprint, TenantId};
use crate::error::ErrorType;
use crate::experiment::{ExperimentAssignment, Variants};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("{0} not found")]
    NotFound(String),
    /// The change conflicts with the stored state (a name taken, a transition that
    /// the current status does not allow).
    #[error("{0}")]
    Conflict(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QueryStatus {
    Queued,
    Running,
    Completed,
    Failed,
}

impl QueryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryStatus::Queued => "queued",
            QueryStatus::Running => "running",
            QueryStatus::Completed => "completed",
            QueryStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => QueryStatus::Queued,
            "running" => QueryStatus::Running,
            "completed" => QueryStatus::Completed,
            "failed" => QueryStatus::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StageState {
    Pending,
    Running,
    Done,
    Failed,
}

/// Progress of one pipeline stage, shown by `GET /v1/analyses/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StageProgress {
    pub stage: String,
    pub state: StageState,
    pub duration_ms: Option<u64>,
    pub detail: Option<String>,
}

/// A query to record (`queries` row).
#[derive(Debug, Clone, PartialEq)]
pub struct NewQuery {
    pub id: Uuid,
    /// Whose query it is: only this tenant reads it, its result and its report.
    pub tenant: TenantId,
    pub text: String,
    pub normalized_text: String,
    pub params: AnalysisParams,
    pub fingerprint: Fingerprint,
    pub agent_config_version: i64,
    pub trace_id: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Set when the query is answered from an earlier query's fresh result: the row is
    /// then written `completed` with `cache_hit = true`.
    pub answered_by: Option<Uuid>,
    /// Who asked, when the request said.
    pub user_id: Option<String>,
    /// The running experiment's variant this query was assigned to.
    pub experiment: Option<ExperimentAssignment>,
}

impl NewQuery {
    /// The row as the store writes it for this query (`queued`, or `completed` as a
    /// cache hit when `answered_by` is set): what reading it back right after the
    /// insert returns, without the read. Timestamps are kept to the microsecond, as
    /// every store does, so `created_at` should be too.
    pub fn recorded(&self) -> QueryRecord {
        let (status, started_at, finished_at) = match self.answered_by {
            Some(_) => (
                QueryStatus::Completed,
                Some(self.created_at),
                Some(self.created_at),
            ),
            None => (QueryStatus::Queued, None, None),
        };
        QueryRecord {
            id: self.id,
            tenant: self.tenant.clone(),
            text: self.text.clone(),
            normalized_text: self.normalized_text.clone(),
            params: self.params.clone(),
            fingerprint: self.fingerprint.clone(),
            status,
            error_type: None,
            error_message: None,
            created_at: self.created_at,
            started_at,
            finished_at,
            attempts: 0,
            trace_id: self.trace_id.clone(),
            agent_config_version: self.agent_config_version,
            cache_hit: self.answered_by.is_some(),
            result_query_id: self.answered_by,
            progress: Vec::new(),
            user_id: self.user_id.clone(),
            experiment: self.experiment.clone(),
        }
    }
}

/// How [`Store::record_submission`] recorded a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// A fresh result answers it: the query is recorded as a cache hit answered by
    /// this (completed) query.
    Answered(Uuid),
    /// This identical query is in flight: nothing was written.
    Joined(Uuid),
    /// The query is recorded as new work (`queued`).
    Inserted,
}

/// A `queries` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    pub id: Uuid,
    pub tenant: TenantId,
    pub text: String,
    pub normalized_text: String,
    pub params: AnalysisParams,
    pub fingerprint: Fingerprint,
    pub status: QueryStatus,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub attempts: u32,
    pub trace_id: Option<String>,
    pub agent_config_version: i64,
    pub cache_hit: bool,
    /// The query whose result answers this one (itself unless a cache hit).
    pub result_query_id: Option<Uuid>,
    pub progress: Vec<StageProgress>,
    pub user_id: Option<String>,
    pub experiment: Option<ExperimentAssignment>,
}

/// Which queries a history listing keeps. The default keeps every query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryFilter {
    /// Text the query must contain, case-insensitively: compared, lower-cased, with
    /// the query as asked and with its normalised form (see
    /// [`normalize_query`](crate::domain::normalize_query)). Empty keeps every query.
    pub text: Option<String>,
    pub status: Option<QueryStatus>,
}

impl QueryFilter {
    /// The search text as the stores compare it: trimmed and lower-cased (against
    /// the query as asked), and normalised (against its normalised form, so `ecran`
    /// finds `Écran` whatever the database's idea of lower case); `None` when there
    /// is nothing to search for. The normalised form is `None` when nothing of it is
    /// left (punctuation only): only the first comparison applies then.
    pub fn search_text(&self) -> Option<(String, Option<String>)> {
        let lower = self.text.as_deref()?.trim().to_lowercase();
        if lower.is_empty() {
            return None;
        }
        let normalized = crate::domain::normalize_query(&lower);
        let normalized = Some(normalized.trim().to_owned()).filter(|n| !n.is_empty());
        Some((lower, normalized))
    }

    /// The status as stored, when filtered on.
    pub fn status_text(&self) -> Option<&'static str> {
        self.status.map(QueryStatus::as_str)
    }
}

/// One page of history, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryPage {
    pub items: Vec<QueryRecord>,
    pub total: u64,
}

/// An `analysis_results` row. The summaries are JSON documents of the result schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredResult {
    pub query_id: Uuid,
    /// The whole result document (what `GET /v1/analyses/{id}/result` returns).
    pub result: serde_json::Value,
    pub market_summary: serde_json::Value,
    pub sentiment_summary: serde_json::Value,
    pub products: serde_json::Value,
    pub recommendations: serde_json::Value,
    pub quality_checks: serde_json::Value,
    pub quality_passed: bool,
    pub report_key: String,
    pub report_uri: String,
    pub report_size: u64,
    pub crate_version: String,
    pub git_sha: String,
    pub prompt_version: Option<String>,
    pub model: Option<String>,
    /// What the `llm_summarize` stage used, when it ran (the daily budget sums it).
    pub llm_usage: Option<LlmUsage>,
    /// How the generated text ended when the stage ran (column `llm_status`):
    /// `accepted` (schema and grounding passed), `rejected` or `skipped`, as
    /// `marketlens_core::llm::NarrativeStatus::as_str` writes it.
    #[serde(default)]
    pub llm_status: Option<String>,
    /// The judge's scores of the accepted text, when `[llm.judge]` gave a verdict
    /// (columns `judge_coherence`, `judge_clarity`, `judge_consistent`).
    #[serde(default)]
    pub judge: Option<JudgeColumns>,
    pub agent_config_version: i64,
    pub created_at: DateTime<Utc>,
}

/// Tokens and cost of an analysis' LLM calls (columns `tokens_in`, `tokens_out`,
/// `cost_usd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LlmUsage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_microdollars: u64,
}

/// The judge's verdict as a result row keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeColumns {
    /// 1 to 5.
    pub coherence: u8,
    /// 1 to 5.
    pub clarity: u8,
    pub consistent_with_figures: bool,
}

/// One observed price (history for trends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceObservation {
    pub query_id: Uuid,
    pub product_id: String,
    pub offer_id: String,
    pub source: String,
    pub seller: String,
    pub amount: Decimal,
    pub currency: CurrencyCode,
    pub observed_at: DateTime<Utc>,
}

/// Where an experiment is in its life: created (`draft`), assigning new queries
/// (`running`, at most one experiment at a time), or over (`stopped`, final).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExperimentStatus {
    Draft,
    Running,
    Stopped,
}

impl ExperimentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ExperimentStatus::Draft => "draft",
            ExperimentStatus::Running => "running",
            ExperimentStatus::Stopped => "stopped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => ExperimentStatus::Draft,
            "running" => ExperimentStatus::Running,
            "stopped" => ExperimentStatus::Stopped,
            _ => return None,
        })
    }
}

/// An experiment to record (`experiments` row, status `draft`).
#[derive(Debug, Clone, PartialEq)]
pub struct NewExperiment {
    pub id: Uuid,
    /// The tenant whose queries it assigns.
    pub tenant: TenantId,
    pub name: String,
    /// Hashed with each user to assign them; random per experiment so two experiments
    /// on the same variants get independent groups.
    pub salt: String,
    pub variants: Variants,
    pub created_at: DateTime<Utc>,
}

/// An `experiments` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExperimentRecord {
    pub id: Uuid,
    #[schema(value_type = String)]
    pub tenant: TenantId,
    pub name: String,
    pub salt: String,
    pub variants: Variants,
    pub status: ExperimentStatus,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub stopped_at: Option<DateTime<Utc>>,
}

/// One feedback on a query assigned to an experiment (a cache hit's feedback counts for
/// the variant the cache hit itself was assigned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentFeedback {
    pub variant: String,
    /// 1 to 5.
    pub rating: u8,
    pub useful: Option<bool>,
}

/// One query assigned to an experiment, with what its results are read from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentObservation {
    pub query_id: Uuid,
    pub variant: String,
    pub status: QueryStatus,
    pub cache_hit: bool,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether its result passed every quality check (`None`: no result of its own).
    pub quality_passed: Option<bool>,
}

/// An `agent_configs` row: one activation of a configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgentConfigVersion {
    pub version: i64,
    pub content_hash: String,
    pub config_toml: String,
    pub active: bool,
    /// When this version was recorded, which is when it was activated.
    pub activated_at: DateTime<Utc>,
    /// Who activated it, when known (`None` for a process recording its start-up
    /// configuration).
    pub activated_by: Option<String>,
}

/// Feedback to record on a query (`feedback` row).
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeedback {
    /// The row's id when it is new; an update keeps the stored row's id.
    pub id: Uuid,
    pub query_id: Uuid,
    pub feedback: Feedback,
    pub at: DateTime<Utc>,
}

/// A `feedback` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedbackRecord {
    pub id: Uuid,
    pub query_id: Uuid,
    #[serde(flatten)]
    pub feedback: Feedback,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What [`Store::record_feedback`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedFeedback {
    pub record: FeedbackRecord,
    /// `false` when it replaced the same user's earlier feedback on the query.
    pub created: bool,
}

/// Feedback added up over a group of analyses. Sums rather than means, so groups add up
/// exactly and a mean, a variance or a rate is one division away.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FeedbackTally {
    /// Feedback rows.
    pub count: u64,
    pub rating_sum: u64,
    /// Sum of squared ratings (for a variance, hence a confidence interval).
    pub rating_sq_sum: u64,
    /// Rows that said whether the analysis was useful, and those that said yes.
    pub useful_answered: u64,
    pub useful_yes: u64,
}

impl FeedbackTally {
    pub fn mean_rating(&self) -> Option<f64> {
        (self.count > 0).then(|| self.rating_sum as f64 / self.count as f64)
    }

    /// Share of "useful" among the rows that answered.
    pub fn useful_rate(&self) -> Option<f64> {
        (self.useful_answered > 0).then(|| self.useful_yes as f64 / self.useful_answered as f64)
    }
}

/// Feedback on the analyses one variant of the pipeline produced: the agent config
/// version and prompt version that made the result, and the experiment variant of the
/// query that ran it (a cache hit counts for the analysis that answered it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantFeedback {
    pub agent_config_version: i64,
    pub prompt_version: Option<String>,
    pub experiment_variant: Option<String>,
    #[serde(flatten)]
    pub tally: FeedbackTally,
}

/// Feedback on the analyses whose result holds a recommendation of one rule (its
/// `kind`, e.g. `best_value`); a feedback counts once per rule however many
/// recommendations of that rule its result holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFeedback {
    pub rule: String,
    #[serde(flatten)]
    pub tally: FeedbackTally,
}

/// Every feedback on a completed analysis, added up per variant and per rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackSummary {
    /// Ordered by config version, prompt version, experiment variant (none first).
    pub by_variant: Vec<VariantFeedback>,
    /// Ordered by rule.
    pub by_rule: Vec<RuleFeedback>,
}

/// The source of truth: queries, results, agent configs, collected-products cache,
/// price history.
#[async_trait]
pub trait Store: Send + Sync {
    fn backend(&self) -> &'static str;
    async fn ping(&self) -> Result<(), StoreError>;

    async fn insert_query(&self, query: &NewQuery) -> Result<(), StoreError>;
    /// Any tenant's query: for the workers and the reconciler, which act for every
    /// tenant. What answers a caller uses [`Store::get_tenant_query`].
    async fn get_query(&self, id: Uuid) -> Result<Option<QueryRecord>, StoreError>;
    /// The query if it belongs to `tenant` (another tenant's is `None`, as unknown).
    async fn get_tenant_query(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<QueryRecord>, StoreError>;
    /// One page of `tenant`'s queries, newest first (`created_at`, then `id`,
    /// descending), and how many it has.
    async fn list_queries(
        &self,
        tenant: &TenantId,
        limit: u32,
        offset: u64,
    ) -> Result<QueryPage, StoreError> {
        self.find_queries(tenant, &QueryFilter::default(), limit, offset)
            .await
    }
    /// `tenant`'s history restricted to the queries `filter` keeps, in the same order;
    /// `total` counts the kept queries.
    async fn find_queries(
        &self,
        tenant: &TenantId,
        filter: &QueryFilter,
        limit: u32,
        offset: u64,
    ) -> Result<QueryPage, StoreError>;
    /// How many of `tenant`'s queries wait for or are in the hands of a worker
    /// (`queued` or `running`, cache hits aside): what the per-tenant queue cap counts.
    async fn count_inflight(&self, tenant: &TenantId) -> Result<u64, StoreError>;
    /// Marks the query running for delivery `attempt`.
    async fn start_query(
        &self,
        id: Uuid,
        attempt: u32,
        trace_id: Option<&str>,
    ) -> Result<(), StoreError>;
    async fn set_progress(&self, id: Uuid, progress: &[StageProgress]) -> Result<(), StoreError>;
    /// Writes the result and marks the query completed, in one transaction. Idempotent:
    /// if a result already exists for the query, nothing is written and `false` is
    /// returned.
    async fn complete_query(&self, result: &StoredResult) -> Result<bool, StoreError>;
    /// Marks the query failed (final) with its error, stored as
    /// [`ErrorType::as_str`].
    async fn fail_query(
        &self,
        id: Uuid,
        error_type: ErrorType,
        message: &str,
    ) -> Result<(), StoreError>;
    /// Puts a running query back to `queued` after a retryable failure or an
    /// interruption ([`ErrorType::Interrupted`]), keeping the error.
    async fn requeue_query(
        &self,
        id: Uuid,
        error_type: ErrorType,
        message: &str,
    ) -> Result<(), StoreError>;
    async fn get_result(&self, query_id: Uuid) -> Result<Option<StoredResult>, StoreError>;
    /// The most recent completed (non-cache-hit) query of `tenant` with this
    /// fingerprint whose result was created at or after `not_before`. Never another
    /// tenant's: results are not shared across tenants.
    async fn find_fresh_result(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError>;

    /// The newest query of `tenant` with this fingerprint that is still in flight
    /// (`queued` or `running`, not a cache hit) and was created at or after
    /// `not_before`. Never another tenant's: analyses are not shared across tenants.
    async fn find_inflight(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError>;
    /// Queries in flight (`queued` or `running`, not cache hits) created strictly before
    /// `before`, newest first, at most `limit`. The orphan reconciler pages through them
    /// (passing the last one's `created_at` as the next `before`) to find queries whose
    /// job the queue no longer has.
    async fn inflight_created_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueryRecord>, StoreError>;
    /// Records `query` unless an identical one is in flight: when [`Store::find_inflight`]
    /// finds a query of `query.tenant` for `query.fingerprint` created at or after `inflight_since`,
    /// nothing is written and that query's id is returned; otherwise `query` is
    /// inserted exactly as [`Store::insert_query`] does and `None` is returned.
    ///
    /// [`Store::record_submission`] without the fresh-result look-up, so as atomic.
    /// Meant for new work: a cache hit (`answered_by` set) shares nothing and is
    /// recorded as given.
    async fn insert_query_unless_inflight(
        &self,
        query: &NewQuery,
        inflight_since: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        // A cache hit shares nothing: recorded as given.
        if query.answered_by.is_some() {
            return self.insert_query(query).await.map(|()| None);
        }
        let recorded = self
            .record_submission(query, None, Some(inflight_since))
            .await?;
        Ok(match recorded {
            Recorded::Joined(existing) => Some(existing),
            Recorded::Inserted | Recorded::Answered(_) => None,
        })
    }
    /// Records a submission in one step, the way the submit path decides it: when
    /// `fresh_since` is given and [`Store::find_fresh_result`] finds a result since then,
    /// `query` is recorded as a cache hit answered by it ([`Recorded::Answered`]); else,
    /// when `inflight_since` is given and [`Store::find_inflight`] finds an identical
    /// query in flight since then, nothing is written ([`Recorded::Joined`]); else
    /// `query` is inserted ([`Recorded::Inserted`]). `query.answered_by` is ignored: the
    /// store decides it.
    ///
    /// The look-ups and the insert are atomic with respect to every other caller, in
    /// any process sharing the store, so concurrent identical submissions record one
    /// query (and so one job). One round trip where the backend allows it: it is the
    /// submit path's only write to the store.
    async fn record_submission(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
    ) -> Result<Recorded, StoreError>;

    /// Records `toml` as the active agent config unless the active one has the same
    /// hash; returns the active version number.
    async fn activate_agent_config(
        &self,
        content_hash: &str,
        toml: &str,
    ) -> Result<i64, StoreError> {
        self.activate_agent_config_as(content_hash, toml, None)
            .await
    }
    /// [`Store::activate_agent_config`], recording who activated it. Every activation
    /// of a config that is not the active one is a new, greater version (going back to
    /// an earlier config makes a new version with its content), so the versions, in
    /// order, are the history of activations. Each new version also writes a
    /// `config.activated` audit row, in the same transaction.
    async fn activate_agent_config_as(
        &self,
        content_hash: &str,
        toml: &str,
        activated_by: Option<&str>,
    ) -> Result<i64, StoreError>;
    /// The active version (`None` before the first activation). One indexed row: cheap
    /// enough to ask at every job start, which is how every process sees an activation
    /// made by another.
    async fn active_agent_config_version(&self) -> Result<Option<i64>, StoreError>;
    async fn get_agent_config(
        &self,
        version: i64,
    ) -> Result<Option<AgentConfigVersion>, StoreError>;
    /// The newest `limit` versions, newest first.
    async fn list_agent_configs(&self, limit: u32) -> Result<Vec<AgentConfigVersion>, StoreError>;

    /// `collected_products_cache`: the last batch a source returned for a fingerprint,
    /// with when it was stored (kept past its TTL for the stale fallback).
    async fn get_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(serde_json::Value, DateTime<Utc>)>, StoreError>;
    async fn put_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
        batch: &serde_json::Value,
        stored_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// Records a new experiment as `draft`. A name already used is
    /// `StoreError::Conflict`.
    async fn create_experiment(&self, experiment: &NewExperiment) -> Result<(), StoreError>;
    async fn get_experiment(&self, id: Uuid) -> Result<Option<ExperimentRecord>, StoreError>;
    /// Every experiment of `tenant`, newest first.
    async fn list_experiments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ExperimentRecord>, StoreError>;
    /// `draft` → `running`. `Conflict` when it is not a draft or another experiment is
    /// running in its tenant (at most one runs per tenant, whatever the callers race); `NotFound` when unknown.
    async fn start_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// `draft` or `running` → `stopped` (final). `Conflict` when already stopped;
    /// `NotFound` when unknown.
    async fn stop_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;
    /// The experiment assigning `tenant`'s new queries, if any.
    async fn running_experiment(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<ExperimentRecord>, StoreError>;
    /// Every query assigned to the experiment, oldest first, with its result's quality
    /// outcome.
    async fn experiment_observations(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentObservation>, StoreError>;

    /// Every feedback on the experiment's queries, oldest first.
    async fn experiment_feedback(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentFeedback>, StoreError>;

    async fn append_price_observations(&self, obs: &[PriceObservation]) -> Result<(), StoreError>;
    async fn count_price_observations(&self, product_id: &str) -> Result<u64, StoreError>;
    /// Observations of any of `product_ids` observed at or after `since`, oldest first
    /// (ties in insertion order). No ids: no observations.
    async fn price_history(
        &self,
        product_ids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<PriceObservation>, StoreError>;

    /// Records feedback on `feedback.query_id`. With a user id, a user's second
    /// feedback on the same query replaces the first (keeping its id and
    /// `created_at`); anonymous feedback is always a new row. An unknown query is
    /// `NotFound` and nothing is written.
    async fn record_feedback(&self, feedback: &NewFeedback)
    -> Result<RecordedFeedback, StoreError>;
    /// The feedback on one query, oldest first.
    async fn list_feedback(&self, query_id: Uuid) -> Result<Vec<FeedbackRecord>, StoreError>;
    /// Feedback on `tenant`'s completed analyses added up per variant and per
    /// recommendation rule (see [`FeedbackSummary`]); feedback on a query without a
    /// result is left out.
    async fn feedback_summary(&self, tenant: &TenantId) -> Result<FeedbackSummary, StoreError>;

    /// LLM cost, in micro-dollars, of `tenant`'s results recorded at or after `since`
    /// (the tenant's daily budget of the `llm_summarize` stage, shared by every
    /// process).
    async fn llm_cost_since(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError>;

    /// The LLM answer cached under `key`, unless it expired before `now` (table
    /// `llm_cache`: the `llm_output` level for deployments without Redis).
    async fn get_llm_output(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<serde_json::Value>, StoreError>;
    /// Caches (or replaces) an LLM answer until `expires_at`.
    async fn put_llm_output(
        &self,
        key: &str,
        answer: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Records a new tenant. An id already used is `Conflict`.
    async fn create_tenant(&self, tenant: &TenantRecord) -> Result<(), StoreError>;
    /// Every tenant, by id.
    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError>;

    /// Records a new API key (its hash only). An unknown tenant is `NotFound`.
    async fn create_api_key(&self, key: &NewApiKey) -> Result<(), StoreError>;
    /// The key whose hash is `key_hash`, revoked and expired ones included (the caller
    /// tells them apart, to say why a key is refused).
    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Every key, or `tenant`'s, oldest first.
    async fn list_api_keys(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<ApiKeyRecord>, StoreError>;
    /// Revokes the key at `at` (a key already revoked keeps its first revocation);
    /// the key after the change. An unknown key is `NotFound`.
    async fn revoke_api_key(&self, id: Uuid, at: DateTime<Utc>)
    -> Result<ApiKeyRecord, StoreError>;
    /// Records that the key was used at `at` (its `last_used_at`).
    async fn touch_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError>;

    /// Appends an audit row.
    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError>;
    /// The newest `limit` audit rows, newest first.
    async fn list_audit(&self, limit: u32) -> Result<Vec<AuditEvent>, StoreError>;
}
