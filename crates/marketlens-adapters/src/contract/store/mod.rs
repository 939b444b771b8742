//! The rules of [`Store`], one function each, and the fixture their tests run on.
//!
//! Most rules use the port alone. A few are about what a SQL store keeps underneath
//! (one active config row, a schema that refuses a second, corrupt rows read as errors,
//! exact amounts) or need two stores on the same data, as two processes would have:
//! those take the [`StoreFixture`]. No rule assumes an empty store: each uses fresh ids,
//! fingerprints and config hashes and dates its history rows in the future so they sort
//! first, and `rules_hold_on_a_store_already_in_use` runs every rule twice on one
//! store to keep it so.
//!
//! The rules by subject: `lifecycle` (agent configs, a query from insert to its result
//! or failure), `sharing` (cache hits, fresh results, work in flight), `history`
//! (listing queries), `collected` (the collected-products cache), `prices`
//! (observations and their history), `experiments` (A/B experiments and their
//! queries), `feedback` (users' feedback and its sums),
//! `rows` (what is stored underneath), `text` (text holding NUL and other control
//! characters), `tenants` (tenants, API keys, the audit log, and tenant isolation).

mod collected;
mod experiments;
mod feedback;
mod history;
mod lifecycle;
mod prices;
mod rows;
mod sharing;
mod tenants;
mod text;

pub use collected::*;
pub use experiments::*;
pub use feedback::*;
pub use history::*;
pub use lifecycle::*;
pub use prices::*;
pub use rows::*;
pub use sharing::*;
pub use tenants::*;
pub use text::*;

use chrono::{DateTime, Utc};
use marketlens_core::domain::{AnalysisParams, CurrencyCode, Fingerprint, Market, TenantId};
use marketlens_core::ports::{NewQuery, PriceObservation, Store, StoreError, StoredResult};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use super::now_us;

/// A store under test, with what the rules about stored rows need beyond the port.
pub struct StoreFixture {
    /// The store, on a fresh database.
    pub store: Box<dyn Store>,
    /// Another store on the same data, as a second process would have it (where the
    /// backend cannot have two, e.g. an in-memory database, the same one again).
    pub second: Box<dyn Store>,
    /// The database under `store`, for the rules that look at rows.
    pub database: Database,
    /// Damage that only this backend's column types let through, beyond what every
    /// backend's do (see [`corrupt_rows_are_errors_not_panics`]).
    pub backend_corruptions: Vec<Corruption>,
}

/// The database a store keeps its rows in.
#[derive(Debug, Clone)]
pub enum Database {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Database {
    /// Asserts that the database records each migration of its backend as applied
    /// exactly once: what processes opening it at the same moment must leave.
    pub async fn assert_each_migration_applied_once(&self) {
        let count = sqlx::AssertSqlSafe("SELECT COUNT(*) FROM _sqlx_migrations");
        let (applied, migrations): (Result<i64, _>, _) = match self {
            Database::Sqlite(pool) => (
                sqlx::query_scalar(count).fetch_one(pool).await,
                sqlx::migrate!("./migrations/sqlite").migrations.len(),
            ),
            Database::Postgres(pool) => (
                sqlx::query_scalar(count).fetch_one(pool).await,
                sqlx::migrate!("./migrations/postgres").migrations.len(),
            ),
        };
        let applied = applied.expect("counting the applied migrations");
        assert_eq!(
            usize::try_from(applied).ok(),
            Some(migrations),
            "each migration applied once"
        );
    }
}

/// Runs one statement in the backend's own SQL; the rows it changed.
async fn execute(f: &StoreFixture, sql: &str) -> Result<u64, sqlx::Error> {
    // One statement text, two executors of different types: built in each arm.
    let sql = sqlx::AssertSqlSafe(sql);
    Ok(match &f.database {
        Database::Sqlite(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
        Database::Postgres(pool) => sqlx::query(sql).execute(pool).await?.rows_affected(),
    })
}

/// The single value `sql` answers (a count, a column of one row).
async fn scalar<T>(f: &StoreFixture, sql: &str) -> T
where
    T: Send + Unpin,
    T: for<'r> sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    let statement = sqlx::AssertSqlSafe(sql);
    match &f.database {
        Database::Sqlite(pool) => sqlx::query_scalar(statement).fetch_one(pool).await,
        Database::Postgres(pool) => sqlx::query_scalar(statement).fetch_one(pool).await,
    }
    .expect(sql)
}

/// A way to damage a stored row: an `UPDATE … SET …` without its `WHERE`, which the
/// rule adds to pick its own row.
#[derive(Debug, Clone, Copy)]
pub enum Corruption {
    /// On `queries`: reading the query (alone or in a listing) must fail as `Corrupt`.
    Query(&'static str),
    /// On `price_observations`: reading the history must fail as `Corrupt`.
    PriceObservation(&'static str),
    /// On `collected_products_cache`: reading the batch must fail as `Corrupt`.
    CollectedBatch(&'static str),
}

/// Generates one test per store rule, plus one that runs them all twice on one store,
/// in a module `store`. `$runner` (a path from the crate root, e.g.
/// `crate::with_sqlite_store`) is an async function taking a
/// [`Rule`](crate::contract::Rule)`<StoreFixture>` that runs it on a fresh store.
#[macro_export]
macro_rules! store_contract_tests {
    ($runner:path) => {
        mod store {
            $crate::__store_contract_tests!($runner;
                    a_reachable_store_answers_ping,
                    reactivating_the_active_config_keeps_its_version,
                    a_different_config_gets_a_new_greater_version,
                    an_unknown_agent_config_is_not_found,
                    the_active_version_and_its_history_read_back,
                    an_inserted_query_reads_back,
                    an_unknown_query_has_no_record_and_no_result,
                    starting_a_query_marks_it_running,
                    set_progress_replaces_the_stage_list,
                    requeueing_keeps_the_error_for_the_next_attempt,
                    completing_records_the_result_and_clears_the_error,
                    complete_query_is_idempotent,
                    a_completed_query_is_final,
                    lifecycle_calls_on_an_unknown_query_are_not_found,
                    failing_a_query_records_the_error,
                    a_cache_hit_is_born_completed_and_reads_the_original_result,
                    the_fresh_result_is_the_newest_original,
                    freshness_counts_from_not_before_inclusive,
                    a_pending_query_offers_no_fresh_result,
                    a_submission_is_answered_by_a_fresh_result_else_joined_else_inserted,
                    concurrent_submissions_are_answered_each_on_its_own,
                    concurrent_submissions_are_answered_as_one_after_another,
                    a_query_with_nothing_in_flight_is_recorded,
                    an_identical_query_in_flight_is_joined,
                    a_query_in_flight_since_before_the_window_is_not_joined,
                    running_and_requeued_queries_are_in_flight,
                    failed_completed_and_cache_hit_queries_are_not_in_flight,
                    inflight_queries_are_listed_newest_first_before_a_time,
                    history_is_newest_first_with_the_total,
                    history_pages_by_limit_and_offset,
                    history_is_filtered_by_status_and_text,
                    a_collected_batch_is_overwritten_with_its_date,
                    collected_batches_are_kept_per_source,
                    price_observations_are_counted_per_product,
                    price_history_is_oldest_first_since_a_time,
                    price_history_reads_several_products_at_once,
                    price_history_of_no_or_unknown_products_is_empty,
                    price_ties_keep_their_insertion_order,
                    an_experiment_reads_back_as_a_listed_draft,
                    an_experiment_name_is_used_once,
                    an_experiment_runs_once_and_stops_for_good,
                    one_experiment_runs_at_a_time,
                    assigned_queries_are_observed_with_their_variant_and_quality,
                    feedback_is_read_per_variant_of_the_experiment,
                    feedback_reads_back_on_its_query,
                    a_users_second_feedback_replaces_the_first,
                    feedback_from_other_users_and_anonymous_is_kept_apart,
                    feedback_on_an_unknown_query_is_not_found_and_writes_nothing,
                    feedback_adds_up_per_variant,
                    feedback_adds_up_per_recommendation_rule_once_per_feedback,
                    feedback_on_a_query_without_a_result_is_kept_but_not_summed,
                    text_with_nul_and_control_characters_is_stored,
                    llm_usage_round_trips_and_costs_sum_from_a_time,
                    an_llm_answer_is_kept_until_it_expires,
                    a_tenant_is_created_once_and_listed,
                    an_api_key_is_found_by_its_hash_and_revoked_for_good,
                    a_tenant_reads_only_its_own_queries,
                    feedback_sums_count_one_tenants_feedback,
                    experiments_run_one_per_tenant,
                    audit_rows_read_back_newest_first_with_config_activations;
                    concurrent_identical_submissions_record_one_query,
                    concurrent_completions_write_one_result,
                    exactly_one_agent_config_is_active,
                    corrupt_rows_are_errors_not_panics,
                    prices_are_stored_exactly,
                    feedback_is_split_by_experiment_variant,
                    the_schema_refuses_invalid_feedback,
            );
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __store_contract_tests {
    ($runner:path; $($rule:ident),+; $($fixture_rule:ident),+ $(,)?) => {
        $crate::__contract_tests!($runner, store, $crate::contract::store::StoreFixture, store;
            $($rule),+; $($fixture_rule),+);
        $crate::__contract_test!(rules_hold_on_a_store_already_in_use, $runner,
            |f: $crate::contract::store::StoreFixture| async move {
                for _ in 0..2 {
                    $( $crate::contract::store::$rule(&*f.store).await; )+
                    $( $crate::contract::store::$fixture_rule(f).await; )+
                }
            });
    };
}

pub(super) fn fresh_fingerprint() -> Fingerprint {
    Fingerprint::from_stored(Uuid::new_v4().simple().to_string())
}

fn params() -> AnalysisParams {
    AnalysisParams {
        currency: CurrencyCode::EUR,
        market: Market::parse("FR").expect("valid market"),
        max_products: 20,
        sources: Vec::new(),
        condition: None,
        min_price: Some(Decimal::new(1999, 2)),
        max_price: None,
        language: None,
    }
}

pub(super) fn new_query(
    fingerprint: &Fingerprint,
    config: i64,
    created_at: DateTime<Utc>,
) -> NewQuery {
    NewQuery {
        id: Uuid::new_v4(),
        tenant: TenantId::local(),
        text: "Casque Bluetooth".into(),
        normalized_text: "casque bluetooth".into(),
        params: params(),
        fingerprint: fingerprint.clone(),
        agent_config_version: config,
        trace_id: None,
        created_at,
        answered_by: None,
        user_id: None,
        experiment: None,
    }
}

pub(super) fn result_for(
    query_id: Uuid,
    config: i64,
    created_at: DateTime<Utc>,
    tag: &str,
) -> StoredResult {
    StoredResult {
        query_id,
        result: json!({ "tag": tag, "products": [1, 2, 3] }),
        market_summary: json!({ "median": "19.99" }),
        sentiment_summary: json!({ "positive_share": 0.5 }),
        products: json!([{ "id": "p1" }]),
        recommendations: json!([]),
        quality_checks: json!([{ "name": "enough_products", "passed": true }]),
        quality_passed: true,
        report_key: format!("reports/{query_id}/report.html"),
        report_uri: format!("file:///tmp/reports/{query_id}/report.html"),
        report_size: 1234,
        crate_version: "0.1.0".into(),
        git_sha: "abc123".into(),
        prompt_version: None,
        model: Some("none".into()),
        llm_usage: None,
        llm_status: None,
        judge: None,
        agent_config_version: config,
        created_at,
    }
}

fn observation(query_id: Uuid, product_id: &str, offer_id: &str, cents: i64) -> PriceObservation {
    PriceObservation {
        query_id,
        product_id: product_id.to_owned(),
        offer_id: offer_id.to_owned(),
        source: "catalog".into(),
        seller: "shop".into(),
        amount: Decimal::new(cents, 2),
        currency: CurrencyCode::EUR,
        observed_at: now_us(),
    }
}

fn fresh_product() -> String {
    format!("product-{}", Uuid::new_v4())
}

/// A config version of its own that queries can name.
pub(super) async fn fresh_config(store: &dyn Store) -> i64 {
    store
        .activate_agent_config(&format!("config-{}", Uuid::new_v4()), "# test")
        .await
        .expect("activate a config")
}

/// A query recorded (queued) under a fresh fingerprint and config.
async fn recorded_query(store: &dyn Store) -> NewQuery {
    let query = new_query(&fresh_fingerprint(), fresh_config(store).await, now_us());
    store.insert_query(&query).await.expect("insert_query");
    query
}

/// Records `count` new questions of the default tenant under a fresh config, submitted
/// all at once as concurrent requests would be (a batching store groups them).
pub async fn record_new_questions(store: &dyn Store, count: usize) {
    let config = fresh_config(store).await;
    let since = now_us() - chrono::TimeDelta::hours(1);
    let questions: Vec<NewQuery> = (0..count)
        .map(|_| new_query(&fresh_fingerprint(), config, now_us()))
        .collect();
    let answers = futures::future::join_all(
        questions
            .iter()
            .map(|q| store.record_submission(q, Some(since), Some(since))),
    )
    .await;
    for answer in answers {
        assert!(
            matches!(answer, Ok(marketlens_core::ports::Recorded::Inserted)),
            "a new question is recorded: {answer:?}"
        );
    }
}

/// A query recorded and started (attempt 1).
async fn running_query(store: &dyn Store) -> NewQuery {
    let query = recorded_query(store).await;
    store
        .start_query(query.id, 1, None)
        .await
        .expect("start_query");
    query
}

/// A query recorded, started and completed with the result tagged `tag`.
async fn completed_query(store: &dyn Store, tag: &str) -> (NewQuery, StoredResult) {
    let query = recorded_query(store).await;
    store
        .start_query(query.id, 1, None)
        .await
        .expect("start_query");
    let result = result_for(query.id, query.agent_config_version, now_us(), tag);
    assert!(store.complete_query(&result).await.expect("complete_query"));
    (query, result)
}

fn not_found<T: std::fmt::Debug>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::NotFound(_)))
}

fn corrupt<T: std::fmt::Debug>(r: &Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Corrupt(_)))
}
