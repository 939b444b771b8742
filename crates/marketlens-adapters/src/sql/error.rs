//! What a database error means for the caller of the store.

use marketlens_core::ports::{
    ExperimentRecord, NewApiKey, NewQuery, Store, StoreError, StoredResult,
};
use uuid::Uuid;

/// Decoding failures mean the stored data does not have the expected shape; anything
/// else is the database being out of reach.
pub(crate) fn store_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::ColumnDecode { .. }
        | sqlx::Error::Decode(_)
        | sqlx::Error::ColumnNotFound(_)
        | sqlx::Error::ColumnIndexOutOfBounds { .. }
        | sqlx::Error::TypeNotFound { .. } => StoreError::Corrupt(e.to_string()),
        other => StoreError::Unavailable(other.to_string()),
    }
}

/// For the steps that only talk to the database (a connection, a transaction's begin
/// or commit): whatever fails there, the database is out of reach.
pub(crate) fn unavailable(e: sqlx::Error) -> StoreError {
    StoreError::Unavailable(e.to_string())
}

/// Inserting a query: the rows it names (its config version, its experiment) may not
/// exist.
pub(crate) fn query_insert_error(e: sqlx::Error, q: &NewQuery) -> StoreError {
    unless_missing(e, || match &q.experiment {
        Some(a) => format!(
            "agent config version {} or experiment {}",
            q.agent_config_version, a.experiment_id
        ),
        None => format!("agent config version {}", q.agent_config_version),
    })
}

/// Inserting an API key: its tenant may not exist.
pub(crate) fn key_insert_error(e: sqlx::Error, k: &NewApiKey) -> StoreError {
    unless_missing(e, || format!("tenant {}", k.tenant))
}

/// A write refused by a unique index is `Conflict` with `what` (e.g. a name already
/// taken); any other failure as [`store_error`] says.
pub(crate) fn unless_conflict(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    let taken = matches!(&e, sqlx::Error::Database(d) if d.is_unique_violation());
    if taken {
        StoreError::Conflict(what())
    } else {
        store_error(e)
    }
}

/// Inserting a result: its query or its config version may not exist.
pub(crate) fn result_insert_error(e: sqlx::Error, r: &StoredResult) -> StoreError {
    unless_missing(e, || {
        format!(
            "query {} or agent config version {}",
            r.query_id, r.agent_config_version
        )
    })
}

/// A write that names a row which does not exist (a foreign key) is `NotFound` of
/// `what`; any other failure as [`store_error`] says.
fn unless_missing(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
    let missing = matches!(
        &e,
        sqlx::Error::Database(d) if d.kind() == sqlx::error::ErrorKind::ForeignKeyViolation
    );
    if missing {
        StoreError::NotFound(what())
    } else {
        store_error(e)
    }
}

/// A stored value that does not mean what its column should hold.
pub(crate) fn corrupt(column: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {detail}"))
}

/// A value that could not be encoded for its column (a JSON document that does not
/// serialise): reported with the column's name rather than as sqlx's connection-level
/// encode error.
pub(crate) fn encoding_error(column: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("encoding {column}: {e}"))
}

/// The outcome of an experiment status change (`change`, e.g. "started") that changed
/// `rows` rows: done, or refused because the experiment is unknown (`NotFound`) or its
/// status, read back through `store`, does not allow it (`Conflict`, naming the
/// status).
pub(crate) async fn experiment_changed(
    store: &impl Store,
    id: Uuid,
    rows: u64,
    change: &str,
) -> Result<(), StoreError> {
    if rows > 0 {
        return Ok(());
    }
    let found = store.get_experiment(id).await?;
    Err(experiment_transition_refused(id, found, change))
}

fn experiment_transition_refused(
    id: Uuid,
    found: Option<ExperimentRecord>,
    change: &str,
) -> StoreError {
    match found {
        None => StoreError::NotFound(format!("experiment {id}")),
        Some(e) => StoreError::Conflict(format!(
            "experiment {:?} is {}: it cannot be {change}",
            e.name,
            e.status.as_str()
        )),
    }
}
