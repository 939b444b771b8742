//! [`Store`] on SQLite.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketlens_core::ErrorType;
use marketlens_core::domain::{CurrencyCode, Fingerprint};
use marketlens_core::ports::{
    NewQuery, PriceObservation, QueryPage, QueryRecord, QueryStatus, StageProgress, Store,
    StoreError, StoredResult,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use uuid::Uuid;

use super::{SqliteDb, parse_ts, store_error, ts, unavailable};

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

const QUERY_COLUMNS: &str = "id, text, normalized_text, params, fingerprint, status, \
     error_type, error_message, created_at, started_at, finished_at, attempts, trace_id, \
     agent_config_version, cache_hit, result_query_id, progress";

const RESULT_COLUMNS: &str = "r.query_id, r.result, r.market_summary, r.sentiment_summary, \
     r.products, r.recommendations, r.quality_checks, r.quality_passed, r.report_key, \
     r.report_uri, r.report_size, r.crate_version, r.git_sha, r.prompt_version, r.model, \
     r.agent_config_version, r.created_at";

fn to_json<T: Serialize + ?Sized>(what: &str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(format!("encoding {what}: {e}")))
}

fn get<'r, T>(row: &'r SqliteRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Sqlite> + sqlx::Type<sqlx::Sqlite>,
{
    row.try_get(column).map_err(store_error)
}

fn json_col<T: DeserializeOwned>(row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let text: String = get(row, column)?;
    serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
}

fn uuid_col(row: &SqliteRow, column: &str) -> Result<Uuid, StoreError> {
    let text: String = get(row, column)?;
    parse_uuid(column, &text)
}

fn parse_uuid(column: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("{column}: {text:?}: {e}")))
}

fn ts_col(row: &SqliteRow, column: &str) -> Result<DateTime<Utc>, StoreError> {
    let text: String = get(row, column)?;
    parse_ts(column, &text)
}

fn opt_ts_col(row: &SqliteRow, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
    let text: Option<String> = get(row, column)?;
    text.map(|t| parse_ts(column, &t)).transpose()
}

fn u_col<T: TryFrom<i64>>(row: &SqliteRow, column: &str) -> Result<T, StoreError> {
    let n: i64 = get(row, column)?;
    T::try_from(n).map_err(|_| StoreError::Corrupt(format!("{column}: {n} out of range")))
}

fn bool_col(row: &SqliteRow, column: &str) -> Result<bool, StoreError> {
    let n: i64 = get(row, column)?;
    Ok(n != 0)
}

fn query_record(row: &SqliteRow) -> Result<QueryRecord, StoreError> {
    let status: String = get(row, "status")?;
    Ok(QueryRecord {
        id: uuid_col(row, "id")?,
        text: get(row, "text")?,
        normalized_text: get(row, "normalized_text")?,
        params: json_col(row, "params")?,
        fingerprint: Fingerprint::from_stored(get(row, "fingerprint")?),
        status: QueryStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status: {status:?}")))?,
        error_type: get(row, "error_type")?,
        error_message: get(row, "error_message")?,
        created_at: ts_col(row, "created_at")?,
        started_at: opt_ts_col(row, "started_at")?,
        finished_at: opt_ts_col(row, "finished_at")?,
        attempts: u_col(row, "attempts")?,
        trace_id: get(row, "trace_id")?,
        agent_config_version: get(row, "agent_config_version")?,
        cache_hit: bool_col(row, "cache_hit")?,
        result_query_id: get::<Option<String>>(row, "result_query_id")?
            .map(|s| parse_uuid("result_query_id", &s))
            .transpose()?,
        progress: json_col(row, "progress")?,
    })
}

fn stored_result(row: &SqliteRow) -> Result<StoredResult, StoreError> {
    Ok(StoredResult {
        query_id: uuid_col(row, "query_id")?,
        result: json_col(row, "result")?,
        market_summary: json_col(row, "market_summary")?,
        sentiment_summary: json_col(row, "sentiment_summary")?,
        products: json_col(row, "products")?,
        recommendations: json_col(row, "recommendations")?,
        quality_checks: json_col(row, "quality_checks")?,
        quality_passed: bool_col(row, "quality_passed")?,
        report_key: get(row, "report_key")?,
        report_uri: get(row, "report_uri")?,
        report_size: u_col(row, "report_size")?,
        crate_version: get(row, "crate_version")?,
        git_sha: get(row, "git_sha")?,
        prompt_version: get(row, "prompt_version")?,
        model: get(row, "model")?,
        agent_config_version: get(row, "agent_config_version")?,
        created_at: ts_col(row, "created_at")?,
    })
}

fn is_foreign_key_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation)
}

/// Writes the `queries` row of a new query (on a pooled connection or inside a
/// transaction).
async fn insert_query_row(conn: &mut SqliteConnection, q: &NewQuery) -> Result<(), StoreError> {
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
    sqlx::query(
        "INSERT INTO queries (id, text, normalized_text, params, fingerprint, status, \
         created_at, started_at, finished_at, attempts, trace_id, agent_config_version, \
         cache_hit, result_query_id, progress) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, '[]')",
    )
    .bind(q.id.to_string())
    .bind(&q.text)
    .bind(&q.normalized_text)
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
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_foreign_key_violation(&e) {
            StoreError::NotFound(format!("agent config version {}", q.agent_config_version))
        } else {
            store_error(e)
        }
    })?;
    Ok(())
}

/// See [`Store::find_inflight`]. Served by the `(fingerprint, status)` index.
async fn find_inflight_id(
    conn: &mut SqliteConnection,
    fingerprint: &Fingerprint,
    not_before: DateTime<Utc>,
) -> Result<Option<Uuid>, StoreError> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT id FROM queries \
         WHERE fingerprint = ? AND status IN ('queued', 'running') AND cache_hit = 0 \
         AND created_at >= ? \
         ORDER BY created_at DESC, id DESC LIMIT 1",
    )
    .bind(fingerprint.as_str())
    .bind(ts(not_before))
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?;
    id.map(|s| parse_uuid("queries.id", &s)).transpose()
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
        let done = update.execute(self.db.pool()).await.map_err(store_error)?;
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
        let mut conn = self.db.pool().acquire().await.map_err(unavailable)?;
        insert_query_row(&mut conn, q).await
    }

    async fn get_query(&self, id: Uuid) -> Result<Option<QueryRecord>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("SELECT {QUERY_COLUMNS} FROM queries WHERE id = ?"));
        let row = sqlx::query(sql)
            .bind(id.to_string())
            .fetch_optional(self.db.pool())
            .await
            .map_err(store_error)?;
        row.as_ref().map(query_record).transpose()
    }

    async fn list_queries(&self, limit: u32, offset: u64) -> Result<QueryPage, StoreError> {
        // One read transaction so the page and the total come from the same snapshot.
        let mut tx = self.db.pool().begin().await.map_err(unavailable)?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM queries")
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {QUERY_COLUMNS} FROM queries \
             ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        ));
        let rows = sqlx::query(sql)
            .bind(i64::from(limit))
            .bind(i64::try_from(offset).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(unavailable)?;
        Ok(QueryPage {
            items: rows.iter().map(query_record).collect::<Result<_, _>>()?,
            total: u64::try_from(total).unwrap_or(0),
        })
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
            .execute(self.db.pool())
            .await
            .map_err(store_error)?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound(format!("query {id}")));
        }
        Ok(())
    }

    async fn complete_query(&self, r: &StoredResult) -> Result<bool, StoreError> {
        let mut tx = self
            .db
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        let inserted = sqlx::query(
            "INSERT INTO analysis_results (query_id, result, market_summary, \
             sentiment_summary, products, recommendations, quality_checks, quality_passed, \
             report_key, report_uri, report_size, crate_version, git_sha, prompt_version, \
             model, agent_config_version, created_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (query_id) DO NOTHING",
        )
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
        .execute(&mut *tx)
        .await
        .map_err(|e| {
            if is_foreign_key_violation(&e) {
                StoreError::NotFound(format!(
                    "query {} or agent config version {}",
                    r.query_id, r.agent_config_version
                ))
            } else {
                store_error(e)
            }
        })?;
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
        let update = sqlx::query(
            "UPDATE queries SET status = 'failed', finished_at = ?, error_type = ?, \
             error_message = ? WHERE id = ? AND status <> 'completed'",
        )
        .bind(ts(Utc::now()))
        .bind(error_type.as_str())
        .bind(message.to_owned())
        .bind(id.to_string());
        self.transition(id, update).await
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
        .bind(message.to_owned())
        .bind(id.to_string());
        self.transition(id, update).await
    }

    async fn get_result(&self, query_id: Uuid) -> Result<Option<StoredResult>, StoreError> {
        // A cache hit points at the query whose result answers it.
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT {RESULT_COLUMNS} FROM queries q \
             JOIN analysis_results r ON r.query_id = COALESCE(q.result_query_id, q.id) \
             WHERE q.id = ?"
        ));
        let row = sqlx::query(sql)
            .bind(query_id.to_string())
            .fetch_optional(self.db.pool())
            .await
            .map_err(store_error)?;
        row.as_ref().map(stored_result).transpose()
    }

    async fn find_fresh_result(
        &self,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let id: Option<String> = sqlx::query_scalar(
            "SELECT q.id FROM queries q JOIN analysis_results r ON r.query_id = q.id \
             WHERE q.fingerprint = ? AND q.status = 'completed' AND q.cache_hit = 0 \
             AND r.created_at >= ? \
             ORDER BY r.created_at DESC, q.id DESC LIMIT 1",
        )
        .bind(fingerprint.as_str())
        .bind(ts(not_before))
        .fetch_optional(self.db.pool())
        .await
        .map_err(store_error)?;
        id.map(|s| parse_uuid("queries.id", &s)).transpose()
    }

    async fn find_inflight(
        &self,
        fingerprint: &Fingerprint,
        not_before: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        let mut conn = self.db.pool().acquire().await.map_err(unavailable)?;
        find_inflight_id(&mut conn, fingerprint, not_before).await
    }

    async fn insert_query_unless_inflight(
        &self,
        query: &NewQuery,
        inflight_since: DateTime<Utc>,
    ) -> Result<Option<Uuid>, StoreError> {
        // IMMEDIATE takes the database's write lock before the look-up, so two
        // submitters (in any process) cannot both see "none in flight" and both insert.
        let mut tx = self
            .db
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        if let Some(existing) =
            find_inflight_id(&mut tx, &query.fingerprint, inflight_since).await?
        {
            return Ok(Some(existing));
        }
        insert_query_row(&mut tx, query).await?;
        tx.commit().await.map_err(unavailable)?;
        Ok(None)
    }

    async fn activate_agent_config(
        &self,
        content_hash: &str,
        toml: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self
            .db
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
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
            "INSERT INTO agent_configs (content_hash, config_toml, active, created_at) \
             VALUES (?, ?, 1, ?)",
        )
        .bind(content_hash.to_owned())
        .bind(toml.to_owned())
        .bind(ts(Utc::now()))
        .execute(&mut *tx)
        .await
        .map_err(store_error)?
        .last_insert_rowid();
        tx.commit().await.map_err(unavailable)?;
        Ok(version)
    }

    async fn get_collected(
        &self,
        source: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(serde_json::Value, DateTime<Utc>)>, StoreError> {
        let row = sqlx::query(
            "SELECT batch, stored_at FROM collected_products_cache \
             WHERE source = ? AND fingerprint = ?",
        )
        .bind(source.to_owned())
        .bind(fingerprint.as_str())
        .fetch_optional(self.db.pool())
        .await
        .map_err(store_error)?;
        row.map(|row| Ok((json_col(&row, "batch")?, ts_col(&row, "stored_at")?)))
            .transpose()
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
        .execute(self.db.pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    async fn append_price_observations(&self, obs: &[PriceObservation]) -> Result<(), StoreError> {
        if obs.is_empty() {
            return Ok(());
        }
        let mut tx = self
            .db
            .pool()
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(unavailable)?;
        for o in obs {
            sqlx::query(
                "INSERT INTO price_observations (query_id, product_id, offer_id, source, \
                 seller, amount, currency, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
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
                "SELECT id, query_id, product_id, offer_id, source, seller, amount, currency, \
                 observed_at FROM price_observations \
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
            for row in rows {
                let rowid: i64 = get(&row, "id")?;
                let amount: String = get(&row, "amount")?;
                let currency: String = get(&row, "currency")?;
                let observation = PriceObservation {
                    query_id: uuid_col(&row, "query_id")?,
                    product_id: get(&row, "product_id")?,
                    offer_id: get(&row, "offer_id")?,
                    source: get(&row, "source")?,
                    seller: get(&row, "seller")?,
                    amount: amount.parse().map_err(|e| {
                        StoreError::Corrupt(format!("amount: bad decimal {amount:?}: {e}"))
                    })?,
                    currency: CurrencyCode::parse(&currency)
                        .map_err(|e| StoreError::Corrupt(format!("currency: {}", e.message)))?,
                    observed_at: ts_col(&row, "observed_at")?,
                };
                out.push((rowid, observation));
            }
        }
        // Timestamps are fixed-width RFC 3339 in UTC, so this order matches the text
        // order SQLite would use; chunks are merged here.
        out.sort_by(|a, b| a.1.observed_at.cmp(&b.1.observed_at).then(a.0.cmp(&b.0)));
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }
}
