//! Records out of rows, written once for both SQL stores.
//!
//! The two schemas keep the same columns in different types: SQLite stores ids,
//! timestamps, JSON documents and amounts as text and flags as integers (see its
//! migration); PostgreSQL has `uuid`, `timestamptz`, `jsonb`, `numeric` and `boolean`.
//! [`RowExt`] is where each dialect says how it reads one kind of value; the functions
//! below map columns to records on top of it. A value that does not read as its kind
//! is `StoreError::Corrupt` naming the column, never a panic.

use chrono::{DateTime, Utc};
use marketlens_core::domain::{
    CurrencyCode, Feedback, FeedbackComment, FeedbackRating, Fingerprint, Scopes, TenantId, UserId,
};
use marketlens_core::experiment::ExperimentAssignment;
use marketlens_core::ports::{
    AgentConfigVersion, ApiKeyRecord, AuditAction, AuditEvent, ExperimentFeedback,
    ExperimentObservation, ExperimentRecord, ExperimentStatus, FeedbackRecord, FeedbackSummary,
    FeedbackTally, JudgeColumns, LlmUsage, PriceObservation, QueryPage, QueryRecord, QueryStatus,
    RecordedFeedback, RuleFeedback, StoreError, StoredResult, TenantRecord, VariantFeedback,
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::corrupt;

/// Typed reads from a row of either dialect. Implemented for `SqliteRow` (in
/// `sqlite/row.rs`) and `PgRow` (in `postgres/row.rs`).
pub(crate) trait RowExt {
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    /// An integer column, whatever its width.
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_flag(&self, column: &str) -> Result<Option<bool>, StoreError>;
    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError>;
    fn opt_timestamp(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// A JSON document read into `T`; a document of the wrong shape is `Corrupt`.
    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, StoreError>;
    /// An exact amount.
    fn decimal(&self, column: &str) -> Result<Decimal, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn opt_decimal(&self, column: &str) -> Result<Option<Decimal>, StoreError>;

    fn text(&self, column: &str) -> Result<String, StoreError> {
        required(column, self.opt_text(column)?)
    }

    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        required(column, self.opt_flag(column)?)
    }

    fn uuid(&self, column: &str) -> Result<Uuid, StoreError> {
        required(column, self.opt_uuid(column)?)
    }

    fn timestamp(&self, column: &str) -> Result<DateTime<Utc>, StoreError> {
        required(column, self.opt_timestamp(column)?)
    }

    /// A signed column that must fit an unsigned field (attempts, sizes).
    fn unsigned<T: TryFrom<i64>>(&self, column: &str) -> Result<T, StoreError> {
        let n = self.int(column)?;
        T::try_from(n).map_err(|_| corrupt(column, format!("{n} out of range")))
    }
}

/// NULL where the schema promises a value: the row is not what the store wrote.
fn required<T>(column: &str, value: Option<T>) -> Result<T, StoreError> {
    value.ok_or_else(|| corrupt(column, "unexpected NULL"))
}

/// A `queries` row, as selected with [`super::QUERY_COLUMNS`].
pub(crate) fn query_record(row: &impl RowExt) -> Result<QueryRecord, StoreError> {
    let status = row.text("status")?;
    Ok(QueryRecord {
        id: row.uuid("id")?,
        tenant: tenant(row, "tenant")?,
        text: row.text("text")?,
        normalized_text: row.text("normalized_text")?,
        params: row.json("params")?,
        fingerprint: Fingerprint::from_stored(row.text("fingerprint")?),
        status: QueryStatus::parse(&status)
            .ok_or_else(|| corrupt("status", format!("{status:?}")))?,
        error_type: row.opt_text("error_type")?,
        error_message: row.opt_text("error_message")?,
        created_at: row.timestamp("created_at")?,
        started_at: row.opt_timestamp("started_at")?,
        finished_at: row.opt_timestamp("finished_at")?,
        attempts: row.unsigned("attempts")?,
        trace_id: row.opt_text("trace_id")?,
        agent_config_version: row.int("agent_config_version")?,
        cache_hit: row.flag("cache_hit")?,
        result_query_id: row.opt_uuid("result_query_id")?,
        progress: row.json("progress")?,
        user_id: row.opt_text("user_id")?,
        experiment: match (
            row.opt_uuid("experiment_id")?,
            row.opt_text("experiment_variant")?,
        ) {
            (Some(experiment_id), Some(variant)) => Some(ExperimentAssignment {
                experiment_id,
                variant,
            }),
            (Some(_), None) => return Err(corrupt("experiment_variant", "missing")),
            // A variant written without an experiment (by hand, or by the feedback
            // sums' own fixtures) names no assignment this code can use.
            (None, _) => None,
        },
    })
}

/// An `experiments` row, as selected with [`super::EXPERIMENT_COLUMNS`].
pub(crate) fn experiment_record(row: &impl RowExt) -> Result<ExperimentRecord, StoreError> {
    let status = row.text("status")?;
    Ok(ExperimentRecord {
        id: row.uuid("id")?,
        tenant: tenant(row, "tenant")?,
        name: row.text("name")?,
        salt: row.text("salt")?,
        variants: row.json("variants")?,
        status: ExperimentStatus::parse(&status)
            .ok_or_else(|| corrupt("status", format!("{status:?}")))?,
        created_at: row.timestamp("created_at")?,
        started_at: row.opt_timestamp("started_at")?,
        stopped_at: row.opt_timestamp("stopped_at")?,
    })
}

/// A feedback on an experiment's query (variant, rating, useful).
pub(crate) fn experiment_feedback(row: &impl RowExt) -> Result<ExperimentFeedback, StoreError> {
    let rating = row.int("rating")?;
    Ok(ExperimentFeedback {
        variant: row.text("variant")?,
        rating: u8::try_from(rating)
            .ok()
            .filter(|r| (1..=5).contains(r))
            .ok_or_else(|| corrupt("rating", format!("{rating} out of range")))?,
        useful: row.opt_flag("useful")?,
    })
}

/// A query of an experiment, as selected with [`super::EXPERIMENT_OBSERVATION_COLUMNS`].
pub(crate) fn experiment_observation(
    row: &impl RowExt,
) -> Result<ExperimentObservation, StoreError> {
    let status = row.text("status")?;
    Ok(ExperimentObservation {
        query_id: row.uuid("query_id")?,
        variant: row.text("variant")?,
        status: QueryStatus::parse(&status)
            .ok_or_else(|| corrupt("status", format!("{status:?}")))?,
        cache_hit: row.flag("cache_hit")?,
        started_at: row.opt_timestamp("started_at")?,
        finished_at: row.opt_timestamp("finished_at")?,
        quality_passed: row.opt_flag("quality_passed")?,
    })
}

/// A page of history: its rows, and the count of every query.
pub(crate) fn query_page(rows: &[impl RowExt], total: i64) -> Result<QueryPage, StoreError> {
    Ok(QueryPage {
        items: rows.iter().map(query_record).collect::<Result<_, _>>()?,
        total: u64::try_from(total).unwrap_or(0),
    })
}

/// An `analysis_results` row, as selected with [`super::RESULT_COLUMNS`].
pub(crate) fn stored_result(row: &impl RowExt) -> Result<StoredResult, StoreError> {
    Ok(StoredResult {
        query_id: row.uuid("query_id")?,
        result: row.json("result")?,
        market_summary: row.json("market_summary")?,
        sentiment_summary: row.json("sentiment_summary")?,
        products: row.json("products")?,
        recommendations: row.json("recommendations")?,
        quality_checks: row.json("quality_checks")?,
        quality_passed: row.flag("quality_passed")?,
        report_key: row.text("report_key")?,
        report_uri: row.text("report_uri")?,
        report_size: row.unsigned("report_size")?,
        crate_version: row.text("crate_version")?,
        git_sha: row.text("git_sha")?,
        prompt_version: row.opt_text("prompt_version")?,
        model: row.opt_text("model")?,
        llm_usage: llm_usage(row)?,
        llm_status: row.opt_text("llm_status")?,
        judge: judge_columns(row)?,
        agent_config_version: row.int("agent_config_version")?,
        created_at: row.timestamp("created_at")?,
    })
}

/// The LLM columns of a result row: all three set, or none (no LLM stage ran).
fn llm_usage(row: &impl RowExt) -> Result<Option<LlmUsage>, StoreError> {
    let unsigned = |column: &str, v: i64| {
        u64::try_from(v).map_err(|_| corrupt(column, format!("{v} out of range")))
    };
    match (
        row.opt_int("tokens_in")?,
        row.opt_int("tokens_out")?,
        row.opt_decimal("cost_usd")?,
    ) {
        (Some(tin), Some(tout), Some(cost)) => Ok(Some(LlmUsage {
            prompt_tokens: unsigned("tokens_in", tin)?,
            completion_tokens: unsigned("tokens_out", tout)?,
            cost_microdollars: microdollars(cost)
                .ok_or_else(|| corrupt("cost_usd", format!("{cost} out of range")))?,
        })),
        (None, None, None) => Ok(None),
        _ => Err(corrupt("tokens_in", "LLM columns partly set")),
    }
}

/// The judge's columns of a result row: all three set, or none (no verdict).
fn judge_columns(row: &impl RowExt) -> Result<Option<JudgeColumns>, StoreError> {
    let score = |column: &str, v: i64| {
        u8::try_from(v)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .ok_or_else(|| corrupt(column, format!("{v} is not a score from 1 to 5")))
    };
    match (
        row.opt_int("judge_coherence")?,
        row.opt_int("judge_clarity")?,
        row.opt_flag("judge_consistent")?,
    ) {
        (Some(coherence), Some(clarity), Some(consistent)) => Ok(Some(JudgeColumns {
            coherence: score("judge_coherence", coherence)?,
            clarity: score("judge_clarity", clarity)?,
            consistent_with_figures: consistent,
        })),
        (None, None, None) => Ok(None),
        _ => Err(corrupt("judge_coherence", "judge columns partly set")),
    }
}

/// The values of `llm_status`, `judge_coherence`, `judge_clarity` and
/// `judge_consistent` for a result.
pub(crate) fn outcome_columns(
    r: &StoredResult,
) -> (Option<&str>, Option<i64>, Option<i64>, Option<bool>) {
    let status = r.llm_status.as_deref();
    match r.judge {
        Some(j) => (
            status,
            Some(i64::from(j.coherence)),
            Some(i64::from(j.clarity)),
            Some(j.consistent_with_figures),
        ),
        None => (status, None, None, None),
    }
}

/// Dollars as micro-dollars (the unit costs are counted in).
pub(crate) fn microdollars(usd: Decimal) -> Option<u64> {
    use rust_decimal::prelude::ToPrimitive;
    (usd * Decimal::from(1_000_000)).round().to_u64()
}

/// The values of `tokens_in`, `tokens_out` and `cost_usd` for a result (all NULL
/// when no LLM stage ran).
pub(crate) fn llm_columns(usage: Option<LlmUsage>) -> (Option<i64>, Option<i64>, Option<Decimal>) {
    let int = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    match usage {
        Some(u) => (
            Some(int(u.prompt_tokens)),
            Some(int(u.completion_tokens)),
            Some(dollars(u.cost_microdollars)),
        ),
        None => (None, None, None),
    }
}

/// Micro-dollars as exact dollars (the `cost_usd` column).
pub(crate) fn dollars(microdollars: u64) -> Decimal {
    Decimal::from(microdollars) / Decimal::from(1_000_000)
}

/// A `price_observations` row, as selected with [`super::PRICE_OBSERVATION_COLUMNS`].
pub(crate) fn price_observation(row: &impl RowExt) -> Result<PriceObservation, StoreError> {
    let currency = row.text("currency")?;
    Ok(PriceObservation {
        query_id: row.uuid("query_id")?,
        product_id: row.text("product_id")?,
        offer_id: row.text("offer_id")?,
        source: row.text("source")?,
        seller: row.text("seller")?,
        amount: row.decimal("amount")?,
        currency: CurrencyCode::parse(&currency).map_err(|e| corrupt("currency", e.message))?,
        observed_at: row.timestamp("observed_at")?,
    })
}

/// A `collected_products_cache` row (`batch, stored_at`): the batch and when it was
/// stored.
pub(crate) fn collected_batch(
    row: &impl RowExt,
) -> Result<(serde_json::Value, DateTime<Utc>), StoreError> {
    Ok((row.json("batch")?, row.timestamp("stored_at")?))
}

/// A `feedback` row, as selected with [`super::FEEDBACK_COLUMNS`]. Values the API would
/// refuse (a rating of 9, a blank user id) are `Corrupt`.
pub(crate) fn feedback_record(row: &impl RowExt) -> Result<FeedbackRecord, StoreError> {
    let comment = row
        .opt_text("comment")?
        .map(FeedbackComment::try_from)
        .transpose()
        .map_err(|e| corrupt("comment", e.message))?;
    Ok(FeedbackRecord {
        id: row.uuid("id")?,
        query_id: row.uuid("query_id")?,
        feedback: Feedback {
            rating: FeedbackRating::new(row.int("rating")?)
                .map_err(|e| corrupt("rating", e.message))?,
            useful: row.opt_flag("useful")?,
            comment,
            user_id: row
                .opt_text("user_id")?
                .map(UserId::try_from)
                .transpose()
                .map_err(|e| corrupt("user_id", e.message))?,
        },
        created_at: row.timestamp("created_at")?,
        updated_at: row.timestamp("updated_at")?,
    })
}

/// The sums of a feedback aggregate, selected as [`super::FEEDBACK_TALLY_COLUMNS`].
fn feedback_tally(row: &impl RowExt) -> Result<FeedbackTally, StoreError> {
    Ok(FeedbackTally {
        count: row.unsigned("feedback_count")?,
        rating_sum: row.unsigned("rating_sum")?,
        rating_sq_sum: row.unsigned("rating_sq_sum")?,
        useful_answered: row.unsigned("useful_answered")?,
        useful_yes: row.unsigned("useful_yes")?,
    })
}

/// What a feedback upsert returned: the row, created when it kept `new_id` (an update
/// keeps the earlier row's id).
pub(crate) fn recorded_feedback(
    row: &impl RowExt,
    new_id: Uuid,
) -> Result<RecordedFeedback, StoreError> {
    let record = feedback_record(row)?;
    Ok(RecordedFeedback {
        created: record.id == new_id,
        record,
    })
}

/// The two aggregates of a [`FeedbackSummary`]: rows per variant
/// (`agent_config_version, prompt_version, experiment_variant` and the tally) and per
/// rule (`rule` and the tally).
pub(crate) fn feedback_summary(
    variants: &[impl RowExt],
    rules: &[impl RowExt],
) -> Result<FeedbackSummary, StoreError> {
    Ok(FeedbackSummary {
        by_variant: variants
            .iter()
            .map(|row| {
                Ok(VariantFeedback {
                    agent_config_version: row.int("agent_config_version")?,
                    prompt_version: row.opt_text("prompt_version")?,
                    experiment_variant: row.opt_text("experiment_variant")?,
                    tally: feedback_tally(row)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        by_rule: rules
            .iter()
            .map(|row| {
                Ok(RuleFeedback {
                    rule: row.text("rule")?,
                    tally: feedback_tally(row)?,
                })
            })
            .collect::<Result<_, StoreError>>()?,
    })
}

/// An `agent_configs` row, as selected with [`super::AGENT_CONFIG_COLUMNS`].
pub(crate) fn agent_config_version(row: &impl RowExt) -> Result<AgentConfigVersion, StoreError> {
    Ok(AgentConfigVersion {
        version: row.int("version")?,
        content_hash: row.text("content_hash")?,
        config_toml: row.text("config_toml")?,
        active: row.flag("active")?,
        activated_at: row.timestamp("created_at")?,
        activated_by: row.opt_text("activated_by")?,
    })
}

/// A tenant id column.
fn tenant(row: &impl RowExt, column: &str) -> Result<TenantId, StoreError> {
    let text = row.text(column)?;
    TenantId::parse(&text).map_err(|e| corrupt(column, e.message))
}

/// A `tenants` row.
pub(crate) fn tenant_record(row: &impl RowExt) -> Result<TenantRecord, StoreError> {
    Ok(TenantRecord {
        id: tenant(row, "id")?,
        created_at: row.timestamp("created_at")?,
    })
}

/// An `api_keys` row, as selected with [`super::API_KEY_COLUMNS`].
pub(crate) fn api_key_record(row: &impl RowExt) -> Result<ApiKeyRecord, StoreError> {
    let scopes = row.text("scopes")?;
    Ok(ApiKeyRecord {
        id: row.uuid("id")?,
        tenant: tenant(row, "tenant")?,
        user_id: row.text("user_id")?,
        scopes: Scopes::parse(&scopes).map_err(|e| corrupt("scopes", e.message))?,
        prefix: row.text("prefix")?,
        created_at: row.timestamp("created_at")?,
        expires_at: row.opt_timestamp("expires_at")?,
        revoked_at: row.opt_timestamp("revoked_at")?,
        last_used_at: row.opt_timestamp("last_used_at")?,
    })
}

/// The audit row both stores write with a new active config version, in the same
/// transaction.
pub(crate) fn config_activated(
    version: i64,
    content_hash: &str,
    activated_by: Option<&str>,
) -> AuditEvent {
    AuditEvent {
        at: Utc::now(),
        tenant: None,
        actor: activated_by.map(str::to_owned),
        action: AuditAction::ConfigActivated,
        subject: format!("agent config version {version}"),
        detail: Some(format!("content hash {content_hash}")),
    }
}

/// An `audit_log` row, as selected with [`super::AUDIT_COLUMNS`].
pub(crate) fn audit_event(row: &impl RowExt) -> Result<AuditEvent, StoreError> {
    let action = row.text("action")?;
    Ok(AuditEvent {
        at: row.timestamp("at")?,
        tenant: row
            .opt_text("tenant")?
            .map(|t| TenantId::parse(&t).map_err(|e| corrupt("tenant", e.message)))
            .transpose()?,
        actor: row.opt_text("actor")?,
        action: AuditAction::parse(&action)
            .ok_or_else(|| corrupt("action", format!("{action:?}")))?,
        subject: row.text("subject")?,
        detail: row.opt_text("detail")?,
    })
}
