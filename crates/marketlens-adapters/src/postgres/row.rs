//! PostgreSQL reads each kind of value in its native type (`uuid`, `timestamptz`,
//! `jsonb`, `numeric`, `boolean`): sqlx decodes them, and a value it cannot decode (a
//! `numeric` NaN has no `Decimal`) is `Corrupt` through the error mapping.

use chrono::{DateTime, Utc};
use marketlens_core::ports::StoreError;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use sqlx::postgres::PgRow;
use sqlx::types::Json;
use sqlx::{Column, Row, TypeInfo};
use uuid::Uuid;

use crate::sql::{RowExt, corrupt, store_error};

fn decoded<'r, T>(row: &'r PgRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(column).map_err(store_error)
}

impl RowExt for PgRow {
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        decoded(self, column)
    }

    fn int(&self, column: &str) -> Result<i64, StoreError> {
        // sqlx decodes an integer only at its column's width: `attempts` is INTEGER,
        // versions and sizes are BIGINT.
        let width = self.try_column(column).map_err(store_error)?.type_info();
        match width.name() {
            "INT2" => decoded::<i16>(self, column).map(i64::from),
            "INT4" => decoded::<i32>(self, column).map(i64::from),
            _ => decoded(self, column),
        }
    }

    fn opt_flag(&self, column: &str) -> Result<Option<bool>, StoreError> {
        decoded(self, column)
    }

    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        decoded(self, column)
    }

    fn opt_timestamp(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        decoded(self, column)
    }

    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        let Json(value): Json<serde_json::Value> = decoded(self, column)?;
        serde_json::from_value(value).map_err(|e| corrupt(column, e))
    }

    fn decimal(&self, column: &str) -> Result<Decimal, StoreError> {
        decoded(self, column)
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        decoded(self, column)
    }

    fn opt_decimal(&self, column: &str) -> Result<Option<Decimal>, StoreError> {
        decoded(self, column)
    }
}
