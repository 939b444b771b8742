//! How the SQLite schema keeps each kind of value: ids, timestamps (see [`super::ts`]),
//! JSON documents and amounts as text, flags as 0/1 integers.

use chrono::{DateTime, Utc};
use marketlens_core::ports::StoreError;
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use uuid::Uuid;

use super::parse_ts;
use crate::sql::{RowExt, corrupt, store_error};

impl RowExt for SqliteRow {
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(store_error)
    }

    fn int(&self, column: &str) -> Result<i64, StoreError> {
        // SQLite integers are all 64-bit.
        self.try_get(column).map_err(store_error)
    }

    fn opt_flag(&self, column: &str) -> Result<Option<bool>, StoreError> {
        let value: Option<i64> = self.try_get(column).map_err(store_error)?;
        Ok(value.map(|v| v != 0))
    }

    fn opt_uuid(&self, column: &str) -> Result<Option<Uuid>, StoreError> {
        self.opt_text(column)?
            .map(|text| parse_uuid(column, &text))
            .transpose()
    }

    fn opt_timestamp(&self, column: &str) -> Result<Option<DateTime<Utc>>, StoreError> {
        self.opt_text(column)?
            .map(|text| parse_ts(column, &text))
            .transpose()
    }

    fn json<T: DeserializeOwned>(&self, column: &str) -> Result<T, StoreError> {
        serde_json::from_str(&self.text(column)?).map_err(|e| corrupt(column, e))
    }

    fn decimal(&self, column: &str) -> Result<Decimal, StoreError> {
        let text = self.text(column)?;
        text.parse()
            .map_err(|e| corrupt(column, format!("bad decimal {text:?}: {e}")))
    }

    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        self.try_get(column).map_err(store_error)
    }

    fn opt_decimal(&self, column: &str) -> Result<Option<Decimal>, StoreError> {
        match self.opt_text(column)? {
            None => Ok(None),
            Some(_) => self.decimal(column).map(Some),
        }
    }
}

/// An id stored as text.
pub(crate) fn parse_uuid(column: &str, text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| corrupt(column, format!("{text:?}: {e}")))
}
