//! [`Store`] on PostgreSQL.

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
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::types::Json;
use uuid::Uuid;

use super::group_commit::GroupCommit;
use super::{check_reachable, connect_options, pool};
use crate::sql::{
    self, AGENT_CONFIG_COLUMNS, API_KEY_COLUMNS, AUDIT_COLUMNS, EXPERIMENT_COLUMNS,
    EXPERIMENT_OBSERVATION_COLUMNS, FEEDBACK_COLUMNS, FEEDBACK_TALLY_COLUMNS,
    PRICE_OBSERVATION_COLUMNS, QUERY_COLUMNS, RESULT_COLUMNS, encoding_error, storable_json,
    storable_text, store_error, unavailable,
};

/// The store of record on PostgreSQL. Cheap to clone (it is a connection pool).
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// The submit path's writes, batched (see [`super::group_commit`]).
    group_commit: GroupCommit,
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date. Several processes may start
    /// at once: sqlx's migrator holds an advisory lock while it applies migrations.
    pub async fn open(url: &str) -> Result<PgStore, StoreError> {
        let options = connect_options(url)?;
        check_reachable(&options).await?;
        let pool = pool(options);
        sqlx::migrate!("./migrations/postgres")
            .run(&pool)
            .await
            .map_err(|e| StoreError::Unavailable(format!("migrating the database: {e}")))?;
        Ok(PgStore {
            group_commit: GroupCommit::start(pool.clone()),
            pool,
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Closes every connection (waiting for those in use to be returned).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Encodes a value for a `jsonb` column. Encoding before binding keeps a serialisation
/// failure a `Corrupt` error with the column's name (sqlx would report it as a
/// connection-level encode error).
fn to_json<T: Serialize + ?Sized>(
    column: &str,
    v: &T,
) -> Result<Json<serde_json::Value>, StoreError> {
    serde_json::to_value(v)
        .map(|v| Json(storable_json(v)))
        .map_err(|e| encoding_error(column, e))
}

/// Writes the `queries` row of a new query (on a pooled connection or inside a
/// transaction).
async fn insert_query_row(conn: &mut PgConnection, q: &NewQuery) -> Result<(), StoreError> {
    let (status, cache_hit, started) = match q.answered_by {
        Some(_) => (QueryStatus::Completed, true, Some(q.created_at)),
        None => (QueryStatus::Queued, false, None),
    };
    sqlx::query(
        "INSERT INTO queries (id, text, normalized_text, params, fingerprint, status, \
         created_at, started_at, finished_at, attempts, trace_id, agent_config_version, \
         cache_hit, result_query_id, progress, user_id, experiment_id, experiment_variant, \
         tenant) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 0, $9, $10, $11, $12, '[]', $13, $14, $15, \
         $16)",
    )
    .bind(q.id)
    .bind(storable_text(&q.text).into_owned())
    .bind(storable_text(&q.normalized_text).into_owned())
    .bind(to_json("params", &q.params)?)
    .bind(q.fingerprint.as_str())
    .bind(status.as_str())
    .bind(q.created_at)
    .bind(started)
    .bind(q.trace_id.as_deref())
    .bind(q.agent_config_version)
    .bind(cache_hit)
    .bind(q.answered_by)
    .bind(q.user_id.as_deref())
    .bind(q.experiment.as_ref().map(|a| a.experiment_id))
    .bind(q.experiment.as_ref().map(|a| a.variant.as_str()))
    .bind(q.tenant.as_str())
    .execute(&mut *conn)
    .await
    .map_err(|e| sql::query_insert_error(e, q))?;
    Ok(())
}

/// Writes an `audit_log` row (on a pooled connection or inside a transaction).
async fn insert_audit_row(conn: &mut PgConnection, e: &AuditEvent) -> Result<(), StoreError> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO audit_log ({AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ));
    sqlx::query(sql)
        .bind(e.at)
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

/// See [`Store::find_inflight`]. Served by the `(tenant, fingerprint, status, created_at)`
/// index: the latest is picked by an aggregate, not `ORDER BY … LIMIT 1`, which a plan
/// made on a small table may serve by walking the tenant's queries by date (migration
/// 0010 says more).
async fn find_inflight_id(
    conn: &mut PgConnection,
    tenant: &TenantId,
    fingerprint: &Fingerprint,
    not_before: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    sqlx::query_scalar(
        "SELECT (array_agg(id ORDER BY created_at DESC, id DESC))[1] FROM queries \
         WHERE fingerprint = $1 AND status IN ('queued', 'running') AND NOT cache_hit \
         AND created_at >= $2 AND tenant = $3",
    )
    .bind(fingerprint.as_str())
    .bind(not_before)
    .bind(tenant.as_str())
    .fetch_one(&mut *conn)
    .await
    .map_err(store_error)
}

impl PgStore {
    /// Applies a status change to a query that is not completed yet. A completed query
    /// is final (its result is written), so a late redelivery or failure report cannot
    /// move it back; that case is a silent no-op, while an unknown id is `NotFound`.
    async fn transition(
        &self,
        id: Uuid,
        update: sqlx::query::Query<'_, sqlx::Postgres, sqlx::postgres::PgArguments>,
    ) -> Result<(), StoreError> {
        let done = update.execute(&self.pool).await.map_err(store_error)?;
        if done.rows_affected() == 0 && !self.exists(id).await? {
            return Err(StoreError::NotFound(format!("query {id}")));
        }
        Ok(())
    }

    async fn exists(&self, id: Uuid) -> Result<bool, StoreError> {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM queries WHERE id = $1)")
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)
    }
}

/// The condition of a history listing ([`QueryFilter`]): `$1` the status, `$2` the
/// lower-cased search text, `$3` its normalised form, each `NULL` when not filtered
/// on. `strpos`, not `LIKE`: the text is matched as it is, `%` and `_` included.
const FILTER_POSTGRES: &str = "($1::text IS NULL OR status = $1) \
     AND ($2::text IS NULL OR strpos(lower(text), $2) > 0 \
          OR strpos(normalized_text, $3) > 0)";

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(unavailable)
    }

    async fn insert_query(&self, q: &NewQuery) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        insert_query_row(&mut conn, q).await
    }

    async fn get_query(&self, id: Uuid) -> Result<Option<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {QUERY_COLUMNS} FROM queries WHERE id = $1"));
        let query = sqlx::query(sql).bind(id);
        sql::fetch_record(query, &self.pool, sql::query_record).await
    }

    async fn get_tenant_query(
        &self,
        tenant: &TenantId,
        id: Uuid,
    ) -> Result<Option<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries WHERE id = $1 AND tenant = $2"
        ));
        let query = sqlx::query(sql).bind(id).bind(tenant.as_str());
        sql::fetch_record(query, &self.pool, sql::query_record).await
    }

    async fn count_inflight(&self, tenant: &TenantId) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM queries \
             WHERE tenant = $1 AND status IN ('queued', 'running') AND NOT cache_hit",
        )
        .bind(tenant.as_str())
        .fetch_one(&self.pool)
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
        // One REPEATABLE READ transaction so the page and the total come from the same
        // snapshot (READ COMMITTED would take one per statement).
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(unavailable)?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM queries WHERE {FILTER_POSTGRES} AND tenant = $4"
        )))
        .bind(status)
        .bind(lower.clone())
        .bind(normalized.clone().flatten())
        .bind(tenant.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries WHERE {FILTER_POSTGRES} AND tenant = $6 \
             ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5"
        ));
        let rows = sqlx::query(sql)
            .bind(status)
            .bind(lower)
            .bind(normalized.flatten())
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .bind(tenant.as_str())
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
            "UPDATE queries SET status = 'running', started_at = $1, attempts = $2, \
             trace_id = COALESCE($3, trace_id) \
             WHERE id = $4 AND status <> 'completed'",
        )
        .bind(Utc::now())
        .bind(i32::try_from(attempt).unwrap_or(i32::MAX))
        .bind(trace_id.map(str::to_owned))
        .bind(id);
        self.transition(id, update).await
    }

    async fn set_progress(&self, id: Uuid, progress: &[StageProgress]) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE queries SET progress = $1 WHERE id = $2")
            .bind(to_json("progress", progress)?)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("query {id}")));
        }
        Ok(())
    }

    async fn complete_query(&self, r: &StoredResult) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // A concurrent completion of the same query waits on the primary key until the
        // first commits, then finds the conflict and writes nothing.
        let insert = sqlx::AssertSqlSafe(format!(
            "INSERT INTO analysis_results ({RESULT_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
             $21, $22, $23, $24) \
             ON CONFLICT (query_id) DO NOTHING"
        ));
        let (tokens_in, tokens_out, cost) = sql::llm_columns(r.llm_usage);
        let (llm_status, judge_coherence, judge_clarity, judge_consistent) =
            sql::outcome_columns(r);
        let inserted = sqlx::query(insert)
            .bind(r.query_id)
            .bind(to_json("result", &r.result)?)
            .bind(to_json("market_summary", &r.market_summary)?)
            .bind(to_json("sentiment_summary", &r.sentiment_summary)?)
            .bind(to_json("products", &r.products)?)
            .bind(to_json("recommendations", &r.recommendations)?)
            .bind(to_json("quality_checks", &r.quality_checks)?)
            .bind(r.quality_passed)
            .bind(&r.report_key)
            .bind(&r.report_uri)
            .bind(i64::try_from(r.report_size).unwrap_or(i64::MAX))
            .bind(&r.crate_version)
            .bind(&r.git_sha)
            .bind(r.prompt_version.as_deref())
            .bind(r.model.as_deref())
            .bind(r.agent_config_version)
            .bind(r.created_at)
            .bind(tokens_in)
            .bind(tokens_out)
            .bind(cost)
            .bind(llm_status)
            .bind(judge_coherence)
            .bind(judge_clarity)
            .bind(judge_consistent)
            .execute(&mut *tx)
            .await
            .map_err(|e| sql::result_insert_error(e, r))?;
        if inserted.rows_affected() == 0 {
            // Dropping the transaction rolls it back; nothing was written anyway.
            return Ok(false);
        }
        sqlx::query(
            "UPDATE queries SET status = 'completed', finished_at = $1, result_query_id = id, \
             error_type = NULL, error_message = NULL WHERE id = $2",
        )
        .bind(Utc::now())
        .bind(r.query_id)
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
        let update = sqlx::query(
            "UPDATE queries SET status = 'failed', finished_at = $1, error_type = $2, \
             error_message = $3 WHERE id = $4 AND status <> 'completed'",
        )
        .bind(Utc::now())
        .bind(error_type.as_str())
        .bind(storable_text(message).into_owned())
        .bind(id);
        self.transition(id, update).await
    }

    async fn requeue_query(
        &self,
        id: Uuid,
        error_type: ErrorType,
        message: &str,
    ) -> Result<(), StoreError> {
        let update = sqlx::query(
            "UPDATE queries SET status = 'queued', error_type = $1, error_message = $2 \
             WHERE id = $3 AND status <> 'completed'",
        )
        .bind(error_type.as_str())
        .bind(storable_text(message).into_owned())
        .bind(id);
        self.transition(id, update).await
    }

    async fn get_result(&self, query_id: Uuid) -> Result<Option<StoredResult>, StoreError> {
        // A cache hit points at the query whose result answers it.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESULT_COLUMNS} FROM analysis_results WHERE query_id = \
             (SELECT COALESCE(result_query_id, id) FROM queries WHERE id = $1)"
        ));
        let query = sqlx::query(sql).bind(query_id);
        sql::fetch_record(query, &self.pool, sql::stored_result).await
    }

    async fn find_fresh_result(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        sqlx::query_scalar(
            "SELECT (array_agg(q.id ORDER BY r.created_at DESC, q.id DESC))[1] \
             FROM queries q JOIN analysis_results r ON r.query_id = q.id \
             WHERE q.fingerprint = $1 AND q.status = 'completed' AND NOT q.cache_hit \
             AND r.created_at >= $2 AND q.tenant = $3",
        )
        .bind(fingerprint.as_str())
        .bind(not_before)
        .bind(tenant.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)
    }

    async fn find_inflight(
        &self,
        tenant: &TenantId,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        find_inflight_id(&mut conn, tenant, fingerprint, not_before).await
    }

    async fn inflight_created_before(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries \
             WHERE status IN ('queued', 'running') AND NOT cache_hit AND created_at < $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ));
        let query = sqlx::query(sql).bind(before).bind(i64::from(limit));
        sql::fetch_records(query, &self.pool, sql::query_record).await
    }

    async fn record_submission(
        &self,
        query: &NewQuery,
        fresh_since: Option<DateTime<Utc>>,
        inflight_since: Option<DateTime<Utc>>,
    ) -> Result<Recorded, StoreError> {
        // Batched with the process's other submissions in one statement and one
        // commit; migration 0009's function says why two concurrent identical
        // submissions cannot both insert.
        self.group_commit
            .record(query, fresh_since, inflight_since)
            .await
    }

    async fn activate_agent_config_as(
        &self,
        content_hash: &str,
        toml: &str,
        activated_by: Option<&str>,
    ) -> Result<i64, StoreError> {
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        // Processes starting together would otherwise both read the old active row,
        // both deactivate it and both insert, and the second insert would break the
        // one-active index. EXCLUSIVE mode still lets readers in.
        sqlx::query("LOCK TABLE agent_configs IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let active: Option<(i64, String)> =
            sqlx::query_as("SELECT version, content_hash FROM agent_configs WHERE active")
                .fetch_optional(&mut *tx)
                .await
                .map_err(store_error)?;
        if let Some((version, hash)) = active
            && hash == content_hash
        {
            return Ok(version);
        }
        sqlx::query("UPDATE agent_configs SET active = FALSE WHERE active")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO agent_configs \
             (content_hash, config_toml, active, created_at, activated_by) \
             VALUES ($1, $2, TRUE, $3, $4) RETURNING version",
        )
        .bind(content_hash.to_owned())
        .bind(toml.to_owned())
        .bind(Utc::now())
        .bind(activated_by.map(str::to_owned))
        .fetch_one(&mut *tx)
        .await
        .map_err(store_error)?;
        let audit = sql::config_activated(version, content_hash, activated_by);
        insert_audit_row(&mut tx, &audit).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(version)
    }

    async fn active_agent_config_version(&self) -> Result<Option<i64>, StoreError> {
        sqlx::query_scalar("SELECT version FROM agent_configs WHERE active")
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)
    }

    async fn get_agent_config(
        &self,
        version: i64,
    ) -> Result<Option<AgentConfigVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_CONFIG_COLUMNS} FROM agent_configs WHERE version = $1"
        ));
        let query = sqlx::query(sql).bind(version);
        sql::fetch_record(query, &self.pool, sql::agent_config_version).await
    }

    async fn list_agent_configs(&self, limit: u32) -> Result<Vec<AgentConfigVersion>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AGENT_CONFIG_COLUMNS} FROM agent_configs ORDER BY version DESC LIMIT $1"
        ));
        let query = sqlx::query(sql).bind(i64::from(limit));
        sql::fetch_records(query, &self.pool, sql::agent_config_version).await
    }

    async fn get_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(serde_json::Value, DateTime<Utc>)>, StoreError> {
        let query = sqlx::query(
            "SELECT batch, stored_at FROM collected_products_cache \
             WHERE source = $1 AND fingerprint = $2",
        )
        .bind(source.to_owned())
        .bind(fingerprint.as_str());
        sql::fetch_record(query, &self.pool, sql::collected_batch).await
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
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (source, fingerprint) \
             DO UPDATE SET batch = excluded.batch, stored_at = excluded.stored_at",
        )
        .bind(source.to_owned())
        .bind(fingerprint.as_str())
        .bind(to_json("batch", batch)?)
        .bind(stored_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn append_price_observations(&self, obs: &[PriceObservation]) -> Result<(), StoreError> {
        if obs.is_empty() {
            return Ok(());
        }
        // One statement for the whole batch (an analysis records hundreds of offers):
        // column arrays unnested together. Ordering by the arrays' position makes the
        // identity ids follow the slice, which is the tie order of `price_history`.
        let mut query_ids = Vec::with_capacity(obs.len());
        let mut product_ids = Vec::with_capacity(obs.len());
        let mut offer_ids = Vec::with_capacity(obs.len());
        let mut sources = Vec::with_capacity(obs.len());
        let mut sellers = Vec::with_capacity(obs.len());
        let mut amounts: Vec<Decimal> = Vec::with_capacity(obs.len());
        let mut currencies = Vec::with_capacity(obs.len());
        let mut observed = Vec::with_capacity(obs.len());
        for o in obs {
            query_ids.push(o.query_id);
            product_ids.push(o.product_id.clone());
            offer_ids.push(o.offer_id.clone());
            sources.push(o.source.clone());
            sellers.push(o.seller.clone());
            amounts.push(o.amount);
            currencies.push(o.currency.as_str().to_owned());
            observed.push(o.observed_at);
        }
        // The arrays in the order of the columns.
        let insert = sqlx::AssertSqlSafe(format!(
            "INSERT INTO price_observations ({PRICE_OBSERVATION_COLUMNS}) \
             SELECT {PRICE_OBSERVATION_COLUMNS} \
             FROM UNNEST($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], \
             $6::numeric[], $7::text[], $8::timestamptz[]) WITH ORDINALITY \
             AS o ({PRICE_OBSERVATION_COLUMNS}, n) \
             ORDER BY n"
        ));
        sqlx::query(insert)
            .bind(query_ids)
            .bind(product_ids)
            .bind(offer_ids)
            .bind(sources)
            .bind(sellers)
            .bind(amounts)
            .bind(currencies)
            .bind(observed)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn count_price_observations(&self, product_id: &str) -> Result<u64, StoreError> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM price_observations WHERE product_id = $1")
                .bind(product_id.to_owned())
                .fetch_one(&self.pool)
                .await
                .map_err(store_error)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn create_experiment(&self, e: &NewExperiment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO experiments (id, name, salt, variants, status, created_at, tenant) \
             VALUES ($1, $2, $3, $4, 'draft', $5, $6)",
        )
        .bind(e.id)
        .bind(&e.name)
        .bind(&e.salt)
        .bind(to_json("variants", &e.variants)?)
        .bind(e.created_at)
        .bind(e.tenant.as_str())
        .execute(&self.pool)
        .await
        .map_err(|err| {
            sql::unless_conflict(err, || format!("experiment name {:?} is taken", e.name))
        })?;
        Ok(())
    }

    async fn get_experiment(&self, id: Uuid) -> Result<Option<ExperimentRecord>, StoreError> {
        let sql = format!("SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE id = $1");
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id);
        sql::fetch_record(query, &self.pool, sql::experiment_record).await
    }

    async fn list_experiments(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<ExperimentRecord>, StoreError> {
        let sql = format!(
            "SELECT {EXPERIMENT_COLUMNS} FROM experiments WHERE tenant = $1 \
             ORDER BY created_at DESC, id DESC"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
        sql::fetch_records(query, &self.pool, sql::experiment_record).await
    }

    async fn start_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        // The partial unique index on running experiments refuses a second one, even
        // from a concurrent caller in another process.
        let done = sqlx::query(
            "UPDATE experiments SET status = 'running', started_at = $1 \
             WHERE id = $2 AND status = 'draft'",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(|e| sql::unless_conflict(e, || "another experiment is running".to_owned()))?;
        sql::experiment_changed(self, id, done.rows_affected(), "started").await
    }

    async fn stop_experiment(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        let done = sqlx::query(
            "UPDATE experiments SET status = 'stopped', stopped_at = $1 \
             WHERE id = $2 AND status IN ('draft', 'running')",
        )
        .bind(at)
        .bind(id)
        .execute(&self.pool)
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
             WHERE status = 'running' AND tenant = $1"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
        sql::fetch_record(query, &self.pool, sql::experiment_record).await
    }

    async fn experiment_observations(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentObservation>, StoreError> {
        let sql = format!(
            "SELECT {EXPERIMENT_OBSERVATION_COLUMNS} FROM queries q \
             LEFT JOIN analysis_results r ON r.query_id = q.id \
             WHERE q.experiment_id = $1 ORDER BY q.created_at, q.id"
        );
        let query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(experiment_id);
        sql::fetch_records(query, &self.pool, sql::experiment_observation).await
    }

    async fn experiment_feedback(
        &self,
        experiment_id: Uuid,
    ) -> Result<Vec<ExperimentFeedback>, StoreError> {
        let query = sqlx::query(
            "SELECT q.experiment_variant AS variant, f.rating AS rating, f.useful AS useful \
             FROM feedback f JOIN queries q ON q.id = f.query_id \
             WHERE q.experiment_id = $1 ORDER BY f.created_at, f.id",
        )
        .bind(experiment_id);
        sql::fetch_records(query, &self.pool, sql::experiment_feedback).await
    }

    async fn price_history(
        &self,
        product_ids: &[String],
        since: DateTime<Utc>,
    ) -> Result<Vec<PriceObservation>, StoreError> {
        if product_ids.is_empty() {
            return Ok(Vec::new());
        }
        // One array parameter, whatever the number of ids; the index on
        // (product_id, observed_at) serves `= ANY`.
        let select = sqlx::AssertSqlSafe(format!(
            "SELECT {PRICE_OBSERVATION_COLUMNS} FROM price_observations \
             WHERE product_id = ANY($1) AND observed_at >= $2 \
             ORDER BY observed_at, id"
        ));
        let query = sqlx::query(select).bind(product_ids).bind(since);
        sql::fetch_records(query, &self.pool, sql::price_observation).await
    }

    async fn record_feedback(&self, f: &NewFeedback) -> Result<RecordedFeedback, StoreError> {
        // One statement: the insert happens only for a known query (no row comes back
        // otherwise), and a user's second feedback updates the first in place.
        let sql = sqlx::AssertSqlSafe(format!(
            "INSERT INTO feedback ({FEEDBACK_COLUMNS}) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $7 \
             WHERE EXISTS (SELECT 1 FROM queries WHERE id = $2) \
             ON CONFLICT (query_id, user_id) DO UPDATE SET rating = excluded.rating, \
             useful = excluded.useful, comment = excluded.comment, \
             updated_at = excluded.updated_at \
             RETURNING {FEEDBACK_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(f.id)
            .bind(f.query_id)
            .bind(f.feedback.user_id.as_ref().map(|u| u.as_str().to_owned()))
            .bind(i16::from(f.feedback.rating.get()))
            .bind(f.feedback.useful)
            .bind(f.feedback.comment.as_ref().map(|c| c.as_str().to_owned()))
            .bind(f.at)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound(format!("query {}", f.query_id)))?;
        sql::recorded_feedback(&row, f.id)
    }

    async fn list_feedback(&self, query_id: Uuid) -> Result<Vec<FeedbackRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {FEEDBACK_COLUMNS} FROM feedback WHERE query_id = $1 \
             ORDER BY created_at, id"
        ));
        let query = sqlx::query(sql).bind(query_id);
        sql::fetch_records(query, &self.pool, sql::feedback_record).await
    }

    async fn feedback_summary(&self, tenant: &TenantId) -> Result<FeedbackSummary, StoreError> {
        // A feedback counts for the result its query reads (a cache hit's is the
        // original's), and for the variant of the query that produced that result.
        // REPEATABLE READ: both aggregates from one snapshot. Text sorts bytewise
        // (`C`), as SQLite's does, whatever the database's collation.
        let mut tx = self.pool.begin().await.map_err(unavailable)?;
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        let by_variant = sqlx::AssertSqlSafe(format!(
            "SELECT r.agent_config_version AS agent_config_version, \
             r.prompt_version AS prompt_version, oq.experiment_variant AS experiment_variant, \
             {FEEDBACK_TALLY_COLUMNS} \
             FROM feedback f JOIN queries q ON q.id = f.query_id \
             JOIN analysis_results r ON r.query_id = COALESCE(q.result_query_id, q.id) \
             JOIN queries oq ON oq.id = r.query_id \
             WHERE q.tenant = $1 \
             GROUP BY r.agent_config_version, r.prompt_version, oq.experiment_variant \
             ORDER BY r.agent_config_version, r.prompt_version COLLATE \"C\" NULLS FIRST, \
             oq.experiment_variant COLLATE \"C\" NULLS FIRST"
        ));
        let variants = sqlx::query(by_variant)
            .bind(tenant.as_str())
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        // One row per feedback and rule (DISTINCT), the rules read from the
        // recommendations array; anything stored that is not an array reads as none.
        let by_rule = sqlx::AssertSqlSafe(format!(
            "SELECT f.rule AS rule, {FEEDBACK_TALLY_COLUMNS} FROM ( \
               SELECT DISTINCT fb.id AS id, j.value ->> 'kind' AS rule, \
               fb.rating AS rating, fb.useful AS useful \
               FROM feedback fb JOIN queries q ON q.id = fb.query_id \
               JOIN analysis_results r ON r.query_id = COALESCE(q.result_query_id, q.id) \
               CROSS JOIN LATERAL jsonb_array_elements(CASE \
                 WHEN jsonb_typeof(r.recommendations) = 'array' THEN r.recommendations \
                 ELSE '[]'::jsonb END) AS j(value) \
               WHERE jsonb_typeof(j.value) = 'object' AND q.tenant = $1 \
             ) f WHERE f.rule IS NOT NULL GROUP BY f.rule ORDER BY f.rule COLLATE \"C\""
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
        let total: rust_decimal::Decimal = sqlx::query_scalar(
            "SELECT COALESCE(SUM(r.cost_usd), 0) FROM analysis_results r \
             JOIN queries q ON q.id = r.query_id \
             WHERE r.created_at >= $1 AND q.tenant = $2",
        )
        .bind(since)
        .bind(tenant.as_str())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        sql::microdollars(total).ok_or_else(|| sql::corrupt("cost_usd", "sum out of range"))
    }
    async fn get_llm_output(
        &self,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        let row =
            sqlx::query("SELECT answer FROM llm_cache WHERE cache_key = $1 AND expires_at > $2")
                .bind(key)
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(store_error)?;
        row.as_ref()
            .map(|r| sql::RowExt::json(r, "answer"))
            .transpose()
    }

    async fn put_llm_output(
        &self,
        key: &str,
        answer: &serde_json::Value,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO llm_cache (cache_key, answer, expires_at) VALUES ($1, $2, $3) \
             ON CONFLICT (cache_key) \
             DO UPDATE SET answer = excluded.answer, expires_at = excluded.expires_at",
        )
        .bind(key)
        .bind(to_json("answer", answer)?)
        .bind(expires_at)
        .execute(&self.pool)
        .await
        .map_err(store_error)?;
        Ok(())
    }
    async fn create_tenant(&self, t: &TenantRecord) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO tenants (id, created_at) VALUES ($1, $2)")
            .bind(t.id.as_str())
            .bind(t.created_at)
            .execute(&self.pool)
            .await
            .map_err(|e| sql::unless_conflict(e, || format!("tenant {} exists", t.id)))?;
        Ok(())
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        let query = sqlx::query("SELECT id, created_at FROM tenants ORDER BY id COLLATE \"C\"");
        sql::fetch_records(query, &self.pool, sql::tenant_record).await
    }

    async fn create_api_key(&self, k: &NewApiKey) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_keys (id, tenant, user_id, scopes, key_hash, prefix, created_at, \
             expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(k.id)
        .bind(k.tenant.as_str())
        .bind(storable_text(&k.user_id).into_owned())
        .bind(k.scopes.to_string())
        .bind(&k.key_hash)
        .bind(&k.prefix)
        .bind(k.created_at)
        .bind(k.expires_at)
        .execute(&self.pool)
        .await
        .map_err(|e| sql::key_insert_error(e, k))?;
        Ok(())
    }

    async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKeyRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"
        ));
        let query = sqlx::query(sql).bind(key_hash.to_owned());
        sql::fetch_record(query, &self.pool, sql::api_key_record).await
    }

    async fn list_api_keys(
        &self,
        tenant: Option<&TenantId>,
    ) -> Result<Vec<ApiKeyRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {API_KEY_COLUMNS} FROM api_keys WHERE ($1::text IS NULL OR tenant = $1) \
             ORDER BY created_at, id"
        ));
        let query = sqlx::query(sql).bind(tenant.map(|t| t.as_str().to_owned()));
        sql::fetch_records(query, &self.pool, sql::api_key_record).await
    }

    async fn revoke_api_key(
        &self,
        id: Uuid,
        at: DateTime<Utc>,
    ) -> Result<ApiKeyRecord, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2 \
             RETURNING {API_KEY_COLUMNS}"
        ));
        let row = sqlx::query(sql)
            .bind(at)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?
            .ok_or_else(|| StoreError::NotFound(format!("API key {id}")))?;
        sql::api_key_record(&row)
    }

    async fn touch_api_key(&self, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn append_audit(&self, event: &AuditEvent) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await.map_err(unavailable)?;
        insert_audit_row(&mut conn, event).await
    }

    async fn list_audit(&self, limit: u32) -> Result<Vec<AuditEvent>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {AUDIT_COLUMNS} FROM audit_log ORDER BY at DESC, id DESC LIMIT $1"
        ));
        let query = sqlx::query(sql).bind(i64::from(limit));
        sql::fetch_records(query, &self.pool, sql::audit_event).await
    }
}
