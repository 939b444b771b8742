//! What the two SQL stores share: column lists, reading records out of rows, and what a
//! database error means for the caller.
//!
//! The statements stay with their dialect (`sqlite/store.rs`, `postgres/store.rs`):
//! placeholders, locking and types differ, and a reader should see each store's SQL
//! whole. What is the same in both lives here once:
//! - the column lists the statements select and insert, so both stores read and write
//!   the same columns in the same order;
//! - [`RowExt`]: how each dialect reads a kind of value (an id, a timestamp, a JSON
//!   document, an amount…) from its row type, and on top of it the mapping from columns
//!   to records ([`query_record`], [`query_page`], [`stored_result`],
//!   [`price_observation`], [`collected_batch`]), written once;
//! - the fetch-and-map step most reads end with ([`fetch_record`], [`fetch_records`]);
//! - the error mapping: a value that does not decode is `StoreError::Corrupt` naming
//!   its column, a missing referenced row is `NotFound`, anything else is the database
//!   being out of reach (`Unavailable`);
//! - text as both write it ([`storable_text`], [`storable_json`]): NUL, which
//!   PostgreSQL cannot hold, as U+FFFD;
//! - handing a submit-path write to the group-commit task ([`hand_to_writer`]).

mod error;
mod fetch;
mod records;
mod text;
mod writer;

pub(crate) use error::{
    corrupt, encoding_error, experiment_changed, key_insert_error, query_insert_error,
    result_insert_error, store_error, unavailable, unless_conflict,
};
pub(crate) use fetch::{fetch_record, fetch_records};
pub(crate) use records::{
    RowExt, agent_config_version, api_key_record, audit_event, collected_batch, config_activated,
    experiment_feedback, experiment_observation, experiment_record, feedback_record,
    feedback_summary, llm_columns, microdollars, outcome_columns, price_observation, query_page,
    query_record, recorded_feedback, stored_result, tenant_record,
};
pub(crate) use text::{storable_json, storable_text};
pub(crate) use writer::{hand_to_writer, spawn_writer};

/// Every column of `queries` a [`query_record`] reads, in table order.
pub(crate) const QUERY_COLUMNS: &str = "id, tenant, text, normalized_text, params, fingerprint, status, \
     error_type, error_message, created_at, started_at, finished_at, attempts, trace_id, \
     agent_config_version, cache_hit, result_query_id, progress, user_id, experiment_id, \
     experiment_variant";

/// Every column of `experiments` an [`experiment_record`] reads, in table order.
pub(crate) const EXPERIMENT_COLUMNS: &str =
    "id, tenant, name, salt, variants, status, created_at, started_at, stopped_at";

/// What [`experiment_observation`] reads: the assigned queries joined with their own
/// results (`r` on `q.id`, so a cache hit has none).
pub(crate) const EXPERIMENT_OBSERVATION_COLUMNS: &str = "q.id AS query_id, \
     q.experiment_variant AS variant, q.status AS status, q.cache_hit AS cache_hit, \
     q.started_at AS started_at, q.finished_at AS finished_at, \
     r.quality_passed AS quality_passed";

/// Every column of `analysis_results` a [`stored_result`] reads, which is also every
/// column a completion writes.
pub(crate) const RESULT_COLUMNS: &str = "query_id, result, market_summary, sentiment_summary, \
     products, recommendations, quality_checks, quality_passed, report_key, report_uri, \
     report_size, crate_version, git_sha, prompt_version, model, agent_config_version, \
     created_at, tokens_in, tokens_out, cost_usd, llm_status, judge_coherence, judge_clarity, \
     judge_consistent";

/// The columns of `price_observations` a [`price_observation`] reads and an append
/// writes (the row id is the store's own).
pub(crate) const PRICE_OBSERVATION_COLUMNS: &str =
    "query_id, product_id, offer_id, source, seller, amount, currency, observed_at";

/// Every column of `feedback`, as a [`feedback_record`] reads them and a new row is
/// written.
pub(crate) const FEEDBACK_COLUMNS: &str =
    "id, query_id, user_id, rating, useful, comment, created_at, updated_at";

/// The sums each row of a [`feedback_summary`] reads, over feedback rows aliased `f` (`useful` is
/// compared, not cast, so the text is the same for SQLite's 0/1 and PostgreSQL's
/// boolean).
pub(crate) const FEEDBACK_TALLY_COLUMNS: &str = "COUNT(*) AS feedback_count, \
     SUM(f.rating) AS rating_sum, SUM(f.rating * f.rating) AS rating_sq_sum, \
     COUNT(f.useful) AS useful_answered, \
     SUM(CASE WHEN f.useful = TRUE THEN 1 ELSE 0 END) AS useful_yes";

/// Every column of `agent_configs` an [`agent_config_version`] reads.
pub(crate) const AGENT_CONFIG_COLUMNS: &str =
    "version, content_hash, config_toml, active, created_at, activated_by";

/// Every column of `api_keys` an [`api_key_record`] reads (all but the hash).
pub(crate) const API_KEY_COLUMNS: &str = "id, tenant, user_id, scopes, prefix, created_at, \
     expires_at, revoked_at, last_used_at";

/// Every column of `audit_log` an [`audit_event`] reads and an append writes.
pub(crate) const AUDIT_COLUMNS: &str = "at, tenant, actor, action, subject, detail";
