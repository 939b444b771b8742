//! Text holding NUL and other control characters, as hostile shop data carries it.
//!
//! PostgreSQL cannot hold NUL in `text` or `jsonb`; a store that passed it through
//! would fail every analysis whose data held one (and only on that backend). Every
//! store writes NUL as U+FFFD, the replacement character, and keeps every other
//! character, control or not, exactly: both backends answer the same.

use marketlens_core::ErrorType;
use marketlens_core::ports::Store;
use serde_json::json;

use super::{fresh_config, fresh_fingerprint, new_query, recorded_query, result_for};
use crate::contract::now_us;

/// NUL, a terminal title escape, BEL, DEL and a C1 control.
const WRITTEN: &str = "a\u{0}b\u{1b}]0;title\u{7}c\u{7f}\u{9b}";
/// What every store reads back.
const READ_BACK: &str = "a\u{fffd}b\u{1b}]0;title\u{7}c\u{7f}\u{9b}";

pub async fn text_with_nul_and_control_characters_is_stored(store: &dyn Store) {
    let be = store.backend();
    let mut query = new_query(&fresh_fingerprint(), fresh_config(store).await, now_us());
    query.text = WRITTEN.into();
    query.normalized_text = WRITTEN.into();
    store
        .insert_query(&query)
        .await
        .unwrap_or_else(|e| panic!("[{be}] a query text holding NUL is stored: {e}"));
    let record = store.get_query(query.id).await.unwrap().expect("recorded");
    assert_eq!(
        (record.text.as_str(), record.normalized_text.as_str()),
        (READ_BACK, READ_BACK),
        "[{be}] query text"
    );

    store.start_query(query.id, 1, None).await.unwrap();
    store
        .requeue_query(query.id, ErrorType::SourceFailed, WRITTEN)
        .await
        .unwrap_or_else(|e| panic!("[{be}] an error message holding NUL is stored: {e}"));
    let record = store.get_query(query.id).await.unwrap().expect("recorded");
    assert_eq!(
        record.error_message.as_deref(),
        Some(READ_BACK),
        "[{be}] error message"
    );

    store.start_query(query.id, 2, None).await.unwrap();
    let mut result = result_for(query.id, query.agent_config_version, now_us(), WRITTEN);
    result.products = json!([{ "title": WRITTEN, WRITTEN: [WRITTEN] }]);
    assert!(
        store
            .complete_query(&result)
            .await
            .unwrap_or_else(|e| panic!("[{be}] a result holding NUL is stored: {e}"))
    );
    let stored = store.get_result(query.id).await.unwrap().expect("stored");
    assert_eq!(stored.result["tag"], READ_BACK, "[{be}] result document");
    assert_eq!(
        stored.products,
        json!([{ "title": READ_BACK, READ_BACK: [READ_BACK] }]),
        "[{be}] JSON strings and keys"
    );

    let failed = recorded_query(store).await;
    store
        .fail_query(failed.id, ErrorType::NoData, WRITTEN)
        .await
        .unwrap_or_else(|e| panic!("[{be}] a failure message holding NUL is stored: {e}"));
    let record = store.get_query(failed.id).await.unwrap().expect("recorded");
    assert_eq!(record.error_message.as_deref(), Some(READ_BACK), "[{be}]");

    let fp = fresh_fingerprint();
    let at = now_us();
    store
        .put_collected(
            "shop",
            &fp,
            &json!({ "products": [{ "name": WRITTEN }] }),
            at,
        )
        .await
        .unwrap_or_else(|e| panic!("[{be}] a collected batch holding NUL is stored: {e}"));
    assert_eq!(
        store.get_collected("shop", &fp).await.unwrap(),
        Some((json!({ "products": [{ "name": READ_BACK }] }), at)),
        "[{be}] collected batch"
    );
}
