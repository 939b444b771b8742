//! The step most reads of both stores end with: run the statement, report a database
//! failure as [`store_error`] says, and read each row into its record.

use marketlens_core::ports::StoreError;
use sqlx::{Database, Execute, Executor};

use super::store_error;

/// The record of the row `query` returns, if it returns one.
pub(crate) async fn fetch_record<'q, 'c, DB: Database, T>(
    query: impl Execute<'q, DB> + 'q,
    executor: impl Executor<'c, Database = DB>,
    record: impl FnOnce(&DB::Row) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    let row = executor.fetch_optional(query).await.map_err(store_error)?;
    row.as_ref().map(record).transpose()
}

/// The records of every row `query` returns, in its order.
pub(crate) async fn fetch_records<'q, 'c, DB: Database, T>(
    query: impl Execute<'q, DB> + 'q,
    executor: impl Executor<'c, Database = DB>,
    record: impl FnMut(&DB::Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    executor
        .fetch_all(query)
        .await
        .map_err(store_error)?
        .iter()
        .map(record)
        .collect()
}
