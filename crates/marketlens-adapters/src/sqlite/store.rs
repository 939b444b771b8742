//! [`Store`] on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketlens_core::ErrorType;
use marketlens_core::domain::{Fingerprint, TenantId};
use marketlens_core::ports::{
    AgentConfigVersion, ApiKeyRecord, AuditEvent, ExperimentFeedback, ExperimentObservation,
    ExperimentRecord, FeedbackRecord, FeedbackSummary, NewApiKey, NewExperiment, NewFeedback,
    NewQuery, PriceObservation, QueryFilter, QueryPage, QueryRecord, QueryStatus, Recorded,
    RecordedFeedback, StageProgress, Store, StoreError, StoredResult, TenantRecord,
};
use serde::Serialize;
use sqlx::sqlite::SqliteConnection;
use uuid::Uuid;

use super::row::parse_uuid;
use super::{SqliteDb, ts};
use crate::sql::{
    self, AGENT_CONFIG_COLUMNS, API_KEY_COLUMNS, AUDIT_COLUMNS, EXPERIMENT_COLUMNS,
    EXPERIMENT_OBSERVATION_COLUMNS, FEEDBACK_COLUMNS, FEEDBACK_TALLY_COLUMNS,
    PRICE_OBSERVATION_COLUMNS, QUERY_COLUMNS, RESULT_COLUMNS, RowExt, encoding_error,
    storable_json, storable_text, store_error, unavailable,
};

/// The store of record on the embedded database.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    db: SqliteDb,
}

impl SqliteStore {
    pub fn new(db: SqliteDb) -> Self {
        Self { db }
    }

    pub fn db(&self) -> &SqliteDb {
        &self.db
    }
}

/// Encodes a value for a JSON text column.
pub(super) fn to_json<T: Serialize + ?Sized>(column: &str, v: &T) -> Result<String, StoreError> {
    serde_json::to_value(v)
        .map(storable_json)
        .and_then(|v| serde_json::to_string(&v))
        .map_err(|e| encoding_error(column, e))
}

/// Writes the `queries` row of a new query (on a pooled connection or inside a
/// transaction).
pub(super) async fn insert_query_row(
    conn: &mut SqliteConnection,
    q: &NewQuery,
) -> Result<(), StoreError> {
    insert_query_row_unless(conn, q, InsertGuards::default())
        .await
        .map(|_| ())
}

/// What keeps [`insert_query_row_unless`] from inserting: a fresh result of the
/// query's tenant and fingerprint since `fresh_since`, an identical query in flight
/// since `inflight_since`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct InsertGuards {
    pub fresh_since: Option<DateTime<Utc>>,
    pub inflight_since: Option<DateTime<Utc>>,
}

/// Inserts `q` as [`insert_query_row`] does, unless one of `guards` holds: one
/// statement, so the look-ups cost no round trip of their own. Whether the row was
/// inserted.
pub(super) async fn insert_query_row_unless(
    conn: &mut SqliteConnection,
    q: &NewQuery,
    guards: InsertGuards,
) -> Result<bool, StoreError> {
    const COLUMNS: &str = "INSERT INTO queries (id, tenant, text, normalized_text, params, \
         fingerprint, status, created_at, started_at, finished_at, attempts, trace_id, \
         agent_config_version, cache_hit, result_query_id, progress, user_id, \
         experiment_id, experiment_variant)";
    const VALUES: &str = "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, '[]', ?, ?, ?";
    let created = ts(q.created_at);
    let (status, cache_hit, result_query_id, started) = match q.answered_by {
        Some(other) => (
            QueryStatus::Completed,
            1i64,
            Some(other.to_string()),
            Some(created.clone()),
        ),
        None => (QueryStatus::Queued, 0, None, None),
    };
    let guarded: Vec<(Lookup, DateTime<Utc>)> = [
        (Lookup::Fresh, guards.fresh_since),
        (Lookup::InFlight, guards.inflight_since),
    ]
    .into_iter()
    .filter_map(|(sql, since)| Some((sql, since?)))
    .collect();
    let sql = if guarded.is_empty() {
        format!("{COLUMNS} VALUES ({VALUES})")
    } else {
        let unless: Vec<String> = guarded
            .iter()
            .map(|(lookup, _)| format!("NOT EXISTS (SELECT 1 {})", lookup.source_and_filter()))
            .collect();
        format!("{COLUMNS} SELECT {VALUES} WHERE {}", unless.join(" AND "))
    };
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(q.id.to_string())
        .bind(q.tenant.as_str())
        .bind(storable_text(&q.text).into_owned())
        .bind(storable_text(&q.normalized_text).into_owned())
        .bind(to_json("params", &q.params)?)
        .bind(q.fingerprint.as_str())
        .bind(status.as_str())
        .bind(&created)
        .bind(started.clone())
        .bind(started)
        .bind(q.trace_id.as_deref())
        .bind(q.agent_config_version)
        .bind(cache_hit)
        .bind(result_query_id)
        .bind(q.user_id.as_deref())
        .bind(q.experiment.as_ref().map(|a| a.experiment_id.to_string()))
        .bind(q.experiment.as_ref().map(|a| a.variant.as_str()));
    for (_, since) in guarded {
        insert = insert
            .bind(q.fingerprint.as_str())
            .bind(q.tenant.as_str())
            .bind(ts(since));
    }
    let done = insert
        .execute(&mut *conn)
        .await
        .map_err(|e| sql::query_insert_error(e, q))?;
    Ok(done.rows_affected() == 1)
}

/// The submit path's two look-ups of one tenant's queries of one fingerprint, since a
/// time: a fresh result ([`Store::find_fresh_result`]) and an identical query in flight
/// ([`Store::find_inflight`]). Each binds fingerprint, tenant, time, in that order.
#[derive(Debug, Clone, Copy)]
pub(super) enum Lookup {
    Fresh,
    InFlight,
}

impl Lookup {
    /// `FROM … WHERE …`, the query aliased `q`, matching the bound fingerprint,
    /// tenant and time, in that order.
    fn source_and_filter(self) -> String {
        self.source_and_filter_on("?", "?", "?")
    }

    /// `FROM … WHERE …`, the query aliased `q`, matching `fingerprint`, `tenant` and
    /// `since`: each a `?` or a column of the enclosing statement. INDEXED BY: left
    /// to itself, the planner walks the tenant's recent (or completed) queries through
    /// `(tenant, created_at)` or `(tenant, status)` to spare a sort of a few rows, a
    /// cost that grows with the tenant's history (migration 0008).
    pub(super) fn source_and_filter_on(
        self,
        fingerprint: &str,
        tenant: &str,
        since: &str,
    ) -> String {
        match self {
            Lookup::Fresh => format!(
                "FROM queries q INDEXED BY queries_tenant_fingerprint \
                 JOIN analysis_results r ON r.query_id = q.id \
                 WHERE q.fingerprint = {fingerprint} AND q.status = 'completed' \
                 AND q.cache_hit = 0 AND q.tenant = {tenant} AND r.created_at >= {since}"
            ),
            Lookup::InFlight => format!(
                "FROM queries q INDEXED BY queries_tenant_fingerprint \
                 WHERE q.fingerprint = {fingerprint} AND q.status IN ('queued', 'running') \
                 AND q.cache_hit = 0 AND q.tenant = {tenant} AND q.created_at >= {since}"
            ),
        }
    }

    /// The newest match first.
    fn order(self) -> &'static str {
        match self {
            Lookup::Fresh => "r.created_at DESC, q.id DESC",
            Lookup::InFlight => "q.created_at DESC, q.id DESC",
        }
    }

    /// The newest matching query of `tenant` for `fingerprint` since `not_before`.
    pub(super) async fn find(
        self,
        conn: &mut SqliteConnection,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let sql = format!(
            "SELECT q.id {} ORDER BY {} LIMIT 1",
            self.source_and_filter(),
            self.order()
        );
        let id: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(fingerprint.as_str())
            .bind(tenant.as_str())
            .bind(ts(not_before))
            .fetch_optional(&mut *conn)
            .await
            .map_err(store_error)?;
        id.map(|s| parse_uuid("queries.id", &s)).transpose()
    }
}

/// Writes an `audit_log` row (on a pooled connection or inside a transaction).
async fn insert_audit_row(conn: &mut SqliteConnection, e: &AuditEvent) -> Result<(), StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    ));
    sqlx::query(sql)
        .bind(ts(e.at))
        .bind(e.tenant.as_ref().map(|t| t.as_str().to_owned()))
        .bind(e.actor.as_deref().map(|a| storable_text(a).into_owned()))
        .bind(e.action.as_str())
        .bind(storable_text(&e.subject).into_owned())
        .bind(e.detail.as_deref().map(|d| storable_text(d).into_owned()))
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

impl SqliteStore {
    /// Applies a status change to a query that is not completed yet. A completed query
    /// is final (its result is written), so a late redelivery or failure report cannot
    /// move it back; that case is a silent no-op, while an unknown id is `NotFound`.
    async fn transition(
        &self,
        id: Uuid,
        update: sqlx::query::Query<'_, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    ) -> Result<(), StoreError> {
        let done = update
            .execute(self.db.writer())
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 && !self.exists(id).await? {
            return Err(StoreError::NotFound(format!("query {id}")));
        }
        Ok(())
    }

    async fn exists(&self, id: Uuid) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queries WHERE id = ?")
            .bind(id.to_string())
            .fetch_one(self.db.pool())
            .await
            .map_err(store_error)?;
        Ok(n > 0)
    }
}

/// The condition of a history listing ([`QueryFilter`]), bound as: status twice,
/// the lower-cased search text twice, its normalised form (each `NULL` when not
/// filtered on). SQLite's `lower` folds ASCII only: the normalised comparison finds
/// the rest.
const FILTER_SQLITE: &str = "(? IS NULL OR status = ?) \
     AND (? IS NULL OR instr(lower(text), ?) > 0 OR instr(normalized_text, ?) > 0)";

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(self.db.pool())
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn insert_query(&self, q: &NewQuery) -> Result<(), StoreError> {
        let mut conn = self.db.writer().acquire().await.map_err(unavailable)?;
        insert_query_row(&mut conn, q).await
    }

    async fn get_query(&self, id: Uuid) -> Result<Option<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {QUERY_COLUMNS} FROM queries WHERE id = ?"));
        let query = sqlx::query(sql).bind(id.to_string());
        sql::fetch_record(query, self.db.pool(), sql::query_record).await
    }

    async fn get_tenant_query(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries WHERE id = ? AND tenant = ?"
        ));
        let query = sqlx::query(sql).bind(id.to_string()).bind(tenant.as_str());
        sql::fetch_record(query, self.db.pool(), sql::query_record).await
    }

    async fn count_inflight(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM queries \
             WHERE tenant = ? AND status IN ('queued', 'running') AND cache_hit = 0",
        )
        .bind(tenant.as_str())
        .fetch_one(self.db.pool())
        .await
        .map_err(store_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn find_queries(
        &self,
        tenant: &TenantId,
        filter: &QueryFilter,
        limit: u32,
        offset: u64,
    ) -> Result<QueryPage, StoreError> {
        let (lower, normalized) = filter.search_text().unzip();
        let status = filter.status_text();
        // One read transaction so the page and the total come from the same snapshot.
        let mut tx = self.db.pool().begin().await.map_err(unavailable)?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM queries WHERE tenant = ? AND {FILTER_SQLITE}"
        )))
        .bind(tenant.as_str())
        .bind(status)
        .bind(status)
        .bind(lower.clone())
        .bind(lower.clone())
        .bind(normalized.clone().flatten())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries WHERE tenant = ? AND {FILTER_SQLITE} \
             ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        ));
        let rows = sqlx::query(sql)
            .bind(tenant.as_str())
            .bind(status)
            .bind(status)
            .bind(lower.clone())
            .bind(lower)
            .bind(normalized.flatten())
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(unavailable)?;
        sql::query_page(&rows, total)
    }

    async fn start_query(
        &self,
        id: Uuid,
        attempt: u32,
        trace_id: Option<&str>,
    ) -> Result<(), StoreError> {
        let update = sqlx::query(
            "UPDATE queries SET status = 'running', started_at = ?, attempts = ?, \
             trace_id = COALESCE(?, trace_id) \
             WHERE id = ? AND status <> 'completed'",
        )
        .bind(ts(Utc::now()))
        .bind(i64::from(attempt))
        .bind(trace_id.map(str::to_owned))
        .bind(id.to_string());
        self.transition(id, update).await
    }

    async fn set_progress(&self, id: Uuid, progress: &[StageProgress]) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE queries SET progress = ? WHERE id = ?")
            .bind(to_json("progress", progress)?)
            .bind(id.to_string())
            .execute(self.db.writer())
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("query {id}")));
        }
        Ok(())
    }

    async fn complete_query(&self, r: &StoredResult) -> Result<bool, StoreError> {
        let mut tx = self.db.begin_write().await.map_err(unavailable)?;
        let insert = sqlx::AssertSqlSafe(format!(
            "INSERT INTO analysis_results ({RESULT_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (query_id) DO NOTHING"
        ));
        let (tokens_in, tokens_out, cost) = sql::llm_columns(r.llm_usage);
        let (llm_status, judge_coherence, judge_clarity, judge_consistent) =
            sql::outcome_columns(r);
        let inserted = sqlx::query(insert)
            .bind(r.query_id.to_string())
            .bind(to_json("result", &r.result)?)
            .bind(to_json("market_summary", &r.market_summary)?)
            .bind(to_json("sentiment_summary", &r.sentiment_summary)?)
            .bind(to_json("products", &r.products)?)
            .bind(to_json("recommendations", &r.recommendations)?)
            .bind(to_json("quality_checks", &r.quality_checks)?)
            .bind(i64::from(r.quality_passed))
            .bind(&r.report_key)
            .bind(&r.report_uri)
            .bind(i64::try_from(r.report_size).unwrap_or(i64::MAX))
            .bind(&r.crate_version)
            .bind(&r.git_sha)
            .bind(r.prompt_version.as_deref())
            .bind(r.model.as_deref())
            .bind(r.agent_config_version)
            .bind(ts(r.created_at))
            .bind(tokens_in)
            .bind(tokens_out)
            .bind(cost.map(|c| c.to_string()))
            .bind(llm_status)
            .bind(judge_coherence)
            .bind(judge_clarity)
            .bind(judge_consistent.map(i64::from))
            .execute(&mut *tx)
            .await
            .map_err(|e| sql::result_insert_error(e, r))?;
        if inserted.rows_affected() == 0 {
            // Dropping the transaction rolls it back; nothing was written anyway.
            return Ok(false);
        }
        sqlx::query(
            "UPDATE queries SET status = 'completed', finished_at = ?, result_query_id = id, \
             error_type = NULL, error_message = NULL WHERE id = ?",
        )
        .bind(ts(Utc::now()))
        .bind(r.query_id.to_string())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(true)
    }

    async fn fail_query(
        &self,
        id: Uuid,
        error_type: ErrorType,
        message: &str,
    ) -> Result<(), StoreError> {
        self.transition(id, fail_query_update(id, error_type, message))
            .await
    }

    async fn requeue_query(
        &self,
        id: Uuid,
        error_type: ErrorType,
        message: &str,
    ) -> Result<(), StoreError> {
        let update = sqlx::query(
            "UPDATE queries SET status = 'queued', error_type = ?, error_message = ? \
             WHERE id = ? AND status <> 'completed'",
        )
        .bind(error_type.as_str())
        .bind(storable_text(message).into_owned())
        .bind(id.to_string());
        self.transition(id, update).await
    }

    async fn get_result(&self, query_id: Uuid) -> Result<Option<StoredResult>, StoreError> {
        // A cache hit points at the query whose result answers it.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESULT_COLUMNS} FROM analysis_results WHERE query_id = \
             (SELECT COALESCE(result_query_id, id) FROM queries WHERE id = ?)"
        ));
        let query = sqlx::query(sql).bind(query_id.to_string());
        sql::fetch_record(query, self.db.pool(), sql::stored_result).await
    }

    async fn find_fresh_result(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut conn = self.db.pool().acquire().await.map_err(unavailable)?;
        Lookup::Fresh
            .find(&mut conn, tenant, fingerprint, not_before)
            .await
    }

    async fn find_inflight(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut conn = self.db.pool().acquire().await.map_err(unavailable)?;
        Lookup::InFlight
            .find(&mut conn, tenant, fingerprint, not_before)
            .await
    }

    async fn inflight_created_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries \
             WHERE status IN ('queued', 'running') AND cache_hit = 0 AND created_at < ? \
             ORDER BY created_at DESC, id DESC LIMIT ?"
        ));
        let query = sqlx::query(sql).bind(ts(before)).bind(i64::from(limit));
        sql::fetch_records(query, self.db.pool(), sql::query_record).await
    }

    async fn record_submission(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
    ) -> Result<Recorded, StoreError> {
        // In this process's writer task, batched with the other submissions waiting
        // (group commit). Its IMMEDIATE transaction takes the database's write lock
        // before the look-ups, so two submitters (in any process) cannot both see "none
        // in flight" and both insert.
        self.db
            .group_commit()
            .record(
                query,
                InsertGuards {
                    fresh_since,
                    inflight_since,
                },
            )
            .await
    }

    async fn activate_agent_config_as(
        &self,
        content_hash: &str,
        toml: &str,
        activated_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.db.begin_write().await.map_err(unavailable)?;
        let active: Option<(i64, String)> =
            sqlx::query_as("SELECT version, content_hash FROM agent_configs WHERE active = 1")
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if let Some((version, hash)) = active
            && hash == content_hash
        {
            return Ok(version);
        }
        sqlx::query("UPDATE agent_configs SET active = 0 WHERE active = 1")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let version = sqlx::query(
            "INSERT INTO agent_configs \
             (content_hash, config_toml, active, created_at, activated_by) \
             VALUES (?, ?, 1, ?, ?)",
        )
        .bind(content_hash.to_owned())
        .bind(toml.to_owned())
        .bind(ts(Utc::now()))
        .bind(activated_by.map(str::to_owned))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .last_insert_rowid();
        let audit = sql::config_activated(version, content_hash, activated_by);
        insert_audit_row(&mut tx, &audit).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(version)
    }

    async fn active_agent_config_version(&self) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT version FROM agent_configs WHERE active = 1")
            .fetch_optional(self.db.pool())
            .await
            .map_err(store_error)
    }

    async fn get_agent_config(
        &self,
        version: i64,
    ) -> Result<Option<AgentConfigVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_CONFIG_COLUMNS} FROM agent_configs WHERE version = ?"
        ));
        let query = sqlx::query(sql).bind(version);
        sql::fetch_record(query, self.db.pool(), sql::agent_config_version).await
    }

    async fn list_agent_configs(&self, limit: u32) -> Result<Vec<AgentConfigVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_CONFIG_COLUMNS} FROM agent_configs ORDER BY version DESC LIMIT ?"
        ));
        let query = sqlx::query(sql).bind(i64::from(limit));
        sql::fetch_records(query, self.db.pool(), sql::agent_config_version).await
    }

    async fn get_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(serde_json::Value, DateTime<Utc>)>, StoreError> {
        let query = sqlx::query(
            "SELECT batch, stored_at FROM collected_products_cache \
             WHERE source = ? AND fingerprint = ?",
        )
        .bind(source.to_owned())
        .bind(fingerprint.as_str());
        sql::fetch_record(query, self.db.pool(), sql::collected_batch).await
    }

    async fn put_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
        batch: &serde_json::Value,
        stored_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO collected_products_cache (source, fingerprint, batch, stored_at) \
             VALUES (?, ?, ?, ?) \
             ON CONFLICT (source, fingerprint) \
             DO UPDATE SET batch = excluded.batch, stored_at = excluded.stored_at",
        )
        .bind(source.to_owned())
        .bind(fingerprint.as_str())
        .bind(to_json("batch", batch)?)
        .bind(ts(stored_at))
        .execute(self.db.writer())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn append_price_observations(&self, obs: &[PriceObservation]) -> Result<(), StoreError> {
        if obs.is_empty() {
            return Ok(());
        }
        let mut tx = self.db.begin_write().await.map_err(unavailable)?;
        let insert = format!(
            "INSERT INTO price_observations ({PRICE_OBSERVATION_COLUMNS}) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        );
        for o in obs {
            sqlx::query(sqlx::AssertSqlSafe(insert.as_str()))
                .bind(o.query_id.to_string())
                .bind(&o.product_id)
                .bind(&o.offer_id)
                .bind(&o.source)
                .bind(&o.seller)
                .bind(o.amount.to_string())
                .bind(o.currency.as_str().to_owned())
                .bind(ts(o.observed_at))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        tx.commit().await.map_err(unavailable)?;
        Ok(())
    }

    async fn count_price_observations(&self, product_id: &str) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM price_observations WHERE product_id = ?")
                .bind(product_id.to_owned())
                .fetch_one(self.db.pool())
                .await
                .map_err(store_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_experiment(&self, e: &NewExperiment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO experiments (id, name, salt, variants, status, created_at, tenant) \
             VALUES (?1, ?2, ?3, ?4, 'draft', ?5, ?6)",
        )
        .bind(e.id.to_string())
        .bind(&e.name)
        .bind(&e.salt)
        .bind(to_json("variants", &e.variants)?)
        .bind(ts(e.created_at))
        .bind(e.tenant.as_str())
        .execute(self.db.writer())
        .await
        .map_err(|err| {
            sql::unless_conflict(err, || format!("experiment name {:?} is taken", e.name))
        })?;
        Ok(())
    }

    async fn get_experiment(&self, id: Uuid) -> Result<Option<ExperimentRecord>, StoreError> {
        let sql = format!("SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE id = ?1");
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id.to_string());
        sql::fetch_record(query, self.db.pool(), sql::experiment_record).await
    }

    async fn list_experiments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ExperimentRecord>, StoreError> {
        let sql = format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE tenant = ?1 \
             ORDER BY created_at DESC, id DESC"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
        sql::fetch_records(query, self.db.pool(), sql::experiment_record).await
    }

    async fn start_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        // The partial unique index on running experiments refuses a second one, even
        // from a concurrent caller in another process.
        let done = sqlx::query(
            "UPDATE experiments SET status = 'running', started_at = ?1 \
             WHERE id = ?2 AND status = 'draft'",
        )
        .bind(ts(at))
        .bind(id.to_string())
        .execute(self.db.writer())
        .await
        .map_err(|e| sql::unless_conflict(e, || "another experiment is running".to_owned()))?;
        sql::experiment_changed(self, id, done.rows_affected(), "started").await
    }

    async fn stop_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE experiments SET status = 'stopped', stopped_at = ?1 \
             WHERE id = ?2 AND status IN ('draft', 'running')",
        )
        .bind(ts(at))
        .bind(id.to_string())
        .execute(self.db.writer())
        .await
        .map_err(store_error)?;
        sql::experiment_changed(self, id, done.rows_affected(), "stopped").await
    }

    async fn running_experiment(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<ExperimentRecord>, StoreError> {
        let sql = format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM experiments \
             WHERE status = 'running' AND tenant = ?1"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
        sql::fetch_record(query, self.db.pool(), sql::experiment_record).await
    }

    async fn experiment_observations(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentObservation>, StoreError> {
        let sql = format!(
            "SELECT {EXPERIMENT_OBSERVATION_COLUMNS} FROM queries q \
             LEFT JOIN analysis_results r ON r.query_id = q.id \
             WHERE q.experiment_id = ?1 ORDER BY q.created_at, q.id"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(experiment_id.to_string());
        sql::fetch_records(query, self.db.pool(), sql::experiment_observation).await
    }

    async fn experiment_feedback(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentFeedback>, StoreError> {
        let query = sqlx::query(
            "SELECT q.experiment_variant AS variant, f.rating AS rating, f.useful AS useful \
             FROM feedback f JOIN queries q ON q.id = f.query_id \
             WHERE q.experiment_id = ?1 ORDER BY f.created_at, f.id",
        )
        .bind(experiment_id.to_string());
        sql::fetch_records(query, self.db.pool(), sql::experiment_feedback).await
    }

    async fn price_history(
        &self,
        product_ids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<PriceObservation>, StoreError> {
        // Chunked so the bound parameters stay far below SQLite's limit; the index on
        // (product_id, observed_at) serves each `IN` lookup.
        const CHUNK: usize = 500;
        let mut out = Vec::new();
        for ids in product_ids.chunks(CHUNK) {
            let placeholders = vec!["?"; ids.len()].join(", ");
            // Only `?` placeholders are formatted in; every value is bound.
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT id, {PRICE_OBSERVATION_COLUMNS} FROM price_observations \
                 WHERE product_id IN ({placeholders}) AND observed_at >= ?"
            ));
            let mut query = sqlx::query(sql);
            for id in ids {
                query = query.bind(id.clone());
            }
            let rows = query
                .bind(ts(since))
                .fetch_all(self.db.pool())
                .await
                .map_err(store_error)?;
            for row in &rows {
                out.push((row.int("id")?, sql::price_observation(row)?));
            }
        }
        // Timestamps are fixed-width RFC 3339 in UTC, so this order matches the text
        // order SQLite would use; chunks are merged here.
        out.sort_by(|a, b| a.1.observed_at.cmp(&b.1.observed_at).then(a.0.cmp(&b.0)));
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }

    async fn record_feedback(&self, f: &NewFeedback) -> Result<RecordedFeedback, StoreError> {
        // One statement: the insert happens only for a known query (no row comes back
        // otherwise), and a user's second feedback updates the first in place.
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO feedback ({FEEDBACK_COLUMNS}) \
             SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM queries WHERE id = ?) \
             ON CONFLICT (query_id, user_id) DO UPDATE SET rating = excluded.rating, \
             useful = excluded.useful, comment = excluded.comment, \
             updated_at = excluded.updated_at \
             RETURNING {FEEDBACK_COLUMNS}"
        ));
        let at = ts(f.at);
        let row = sqlx::query(sql)
            .bind(f.id.to_string())
            .bind(f.query_id.to_string())
            .bind(f.feedback.user_id.as_ref().map(|u| u.as_str().to_owned()))
            .bind(i64::from(f.feedback.rating))
            .bind(f.feedback.useful.map(i64::from))
            .bind(f.feedback.comment.as_ref().map(|c| c.as_str().to_owned()))
            .bind(&at)
            .bind(&at)
            .bind(f.query_id.to_string())
            .fetch_optional(self.db.writer())
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound(format!("query {}", f.query_id)))?;
        sql::recorded_feedback(&row, f.id)
    }

    async fn list_feedback(&self, query_id: Uuid) -> Result<Vec<FeedbackRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE query_id = ? \
             ORDER BY created_at, id"
        ));
        let query = sqlx::query(sql).bind(query_id.to_string());
        sql::fetch_records(query, self.db.pool(), sql::feedback_record).await
    }

    async fn feedback_summary(&self, tenant: &TenantId) -> Result<FeedbackSummary, StoreError> {
        // A feedback counts for the result its query reads (a cache hit's is the
        // original's), and for the variant of the query that produced that result.
        let mut tx = self.db.pool().begin().await.map_err(unavailable)?;
        let by_variant = sqlx::AssertSqlSafe(format!(
            "SELECT r.agent_config_version AS agent_config_version, \
             r.prompt_version AS prompt_version, oq.experiment_variant AS experiment_variant, \
             {FEEDBACK_TALLY_COLUMNS} \
             FROM feedback f JOIN queries q ON q.id = f.query_id \
             JOIN analysis_results r ON r.query_id = COALESCE(q.result_query_id, q.id) \
             JOIN queries oq ON oq.id = r.query_id \
             WHERE q.tenant = ? \
             GROUP BY r.agent_config_version, r.prompt_version, oq.experiment_variant \
             ORDER BY r.agent_config_version, r.prompt_version, oq.experiment_variant"
        ));
        let variants = sqlx::query(by_variant)
            .bind(tenant.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        // `json_each` lists the recommendations; DISTINCT keeps one row per feedback
        // and rule. Only object elements are read, so no other value reaches
        // json_extract.
        let by_rule = sqlx::AssertSqlSafe(format!(
            "SELECT f.rule AS rule, {FEEDBACK_TALLY_COLUMNS} FROM ( \
               SELECT DISTINCT fb.id AS id, json_extract(j.value, '$.kind') AS rule, \
               fb.rating AS rating, fb.useful AS useful \
               FROM feedback fb JOIN queries q ON q.id = fb.query_id \
               JOIN analysis_results r ON r.query_id = COALESCE(q.result_query_id, q.id), \
               json_each(r.recommendations) j \
               WHERE json_type(r.recommendations) = 'array' AND j.type = 'object' \
               AND q.tenant = ? \
             ) f WHERE f.rule IS NOT NULL GROUP BY f.rule ORDER BY f.rule"
        ));
        let rules = sqlx::query(by_rule)
            .bind(tenant.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(unavailable)?;
        sql::feedback_summary(&variants, &rules)
    }

    async fn llm_cost_since(
        &self,
        tenant: &TenantId,
        since: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        // Costs are exact decimal text: summed here as decimals, not as SQLite reals.
        let rows = sqlx::query(
            "SELECT r.cost_usd AS cost_usd FROM analysis_results r \
             JOIN queries q ON q.id = r.query_id \
             WHERE r.cost_usd IS NOT NULL AND r.created_at >= ? AND q.tenant = ?",
        )
        .bind(ts(since))
        .bind(tenant.as_str())
        .fetch_all(self.db.pool())
        .await
        .map_err(store_error)?;
        let mut total = rust_decimal::Decimal::ZERO;
        for row in &rows {
            total += row.decimal("cost_usd")?;
        }
        sql::microdollars(total).ok_or_else(|| sql::corrupt("cost_usd", "sum out of range"))
    }

    async fn get_llm_output(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row =
            sqlx::query("SELECT answer FROM llm_cache WHERE cache_key = ? AND expires_at > ?")
                .bind(key.to_owned())
                .bind(ts(now))
                .fetch_optional(self.db.pool())
                .await
                .map_err(store_error)?;
        row.as_ref().map(|r| r.json("answer")).transpose()
    }

    async fn put_llm_output(
        &self,
        key: &str,
        answer: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO llm_cache (cache_key, answer, expires_at) VALUES (?, ?, ?) \
             ON CONFLICT (cache_key) \
             DO UPDATE SET answer = excluded.answer, expires_at = excluded.expires_at",
        )
        .bind(key.to_owned())
        .bind(to_json("answer", answer)?)
        .bind(ts(expires_at))
        .execute(self.db.writer())
        .await
        .map_err(store_error)?;
        Ok(())
    }
    async fn create_tenant(&self, t: &TenantRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO tenants (id, created_at) VALUES (?, ?)")
            .bind(t.id.as_str())
            .bind(ts(t.created_at))
            .execute(self.db.pool())
            .await
            .map_err(|e| sql::unless_conflict(e, || format!("tenant {} exists", t.id)))?;
        Ok(())
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let query = sqlx::query("SELECT id, created_at FROM tenants ORDER BY id");
        sql::fetch_records(query, self.db.pool(), sql::tenant_record).await
    }

    async fn create_api_key(&self, k: &NewApiKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (id, tenant, user_id, scopes, key_hash, prefix, created_at, \
             expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(k.id.to_string())
        .bind(k.tenant.as_str())
        .bind(storable_text(&k.user_id).into_owned())
        .bind(k.scopes.to_string())
        .bind(&k.key_hash)
        .bind(&k.prefix)
        .bind(ts(k.created_at))
        .bind(k.expires_at.map(ts))
        .execute(self.db.pool())
        .await
        .map_err(|e| sql::key_insert_error(e, k))?;
        Ok(())
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?"
        ));
        let query = sqlx::query(sql).bind(key_hash.to_owned());
        sql::fetch_record(query, self.db.pool(), sql::api_key_record).await
    }

    async fn list_api_keys(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE (? IS NULL OR tenant = ?) \
             ORDER BY created_at, id"
        ));
        let tenant = tenant.map(|t| t.as_str().to_owned());
        let query = sqlx::query(sql).bind(tenant.clone()).bind(tenant);
        sql::fetch_records(query, self.db.pool(), sql::api_key_record).await
    }

    async fn revoke_api_key(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? \
             RETURNING {API_KEY_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(ts(at))
            .bind(id.to_string())
            .fetch_optional(self.db.pool())
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound(format!("API key {id}")))?;
        sql::api_key_record(&row)
    }

    async fn touch_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_at = ? WHERE id = ?")
            .bind(ts(at))
            .bind(id.to_string())
            .execute(self.db.pool())
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let mut conn = self.db.pool().acquire().await.map_err(unavailable)?;
        insert_audit_row(&mut conn, event).await
    }

    async fn list_audit(&self, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY at DESC, id DESC LIMIT ?"
        ));
        let query = sqlx::query(sql).bind(i64::from(limit));
        sql::fetch_records(query, self.db.pool(), sql::audit_event).await
    }
}

/// The `UPDATE` that records query `id` as failed (unless it completed meanwhile).
pub(super) fn fail_query_update(
    id: Uuid,
    error_type: ErrorType,
    message: &str,
) -> sqlx::query::Query<'static, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    sqlx::query(
        "UPDATE queries SET status = 'failed', finished_at = ?, error_type = ?, \
         error_message = ? WHERE id = ? AND status <> 'completed'",
    )
    .bind(ts(Utc::now()))
    .bind(error_type.as_str())
    .bind(storable_text(message).into_owned())
    .bind(id.to_string())
}
