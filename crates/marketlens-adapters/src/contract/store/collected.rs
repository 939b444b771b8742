//! The collected-products cache: one batch per source and fingerprint, kept with the
//! time it was stored; and the LLM answers (`llm_cache`), kept until they expire.

use chrono::{DateTime, TimeDelta, Utc};
use marketlens_core::ports::Store;
use serde_json::json;
use uuid::Uuid;

use super::fresh_fingerprint;
use crate::contract::now_us;

pub async fn a_collected_batch_is_overwritten_with_its_date(store: &dyn Store) {
    let be = store.backend();
    let fp = fresh_fingerprint();
    assert!(store.get_collected("catalog", &fp).await.unwrap().is_none());
    let t1 = now_us();
    store
        .put_collected("catalog", &fp, &json!({ "products": [1] }), t1)
        .await
        .expect("put_collected");
    assert_eq!(
        store.get_collected("catalog", &fp).await.unwrap(),
        Some((json!({ "products": [1] }), t1)),
        "[{be}] a batch and its date round-trip"
    );
    let t2 = t1 + TimeDelta::seconds(5);
    let second = json!({ "products": [2], "notice": "n" });
    store
        .put_collected("catalog", &fp, &second, t2)
        .await
        .unwrap();
    assert_eq!(
        store.get_collected("catalog", &fp).await.unwrap(),
        Some((second, t2)),
        "[{be}] put_collected overwrites the batch and its date"
    );
}

pub async fn collected_batches_are_kept_per_source(store: &dyn Store) {
    let be = store.backend();
    let fp = fresh_fingerprint();
    let at = now_us();
    store
        .put_collected("catalog", &fp, &json!({ "products": [1] }), at)
        .await
        .unwrap();
    assert!(
        store.get_collected("other", &fp).await.unwrap().is_none(),
        "[{be}] another source has no batch"
    );
    store
        .put_collected("other", &fp, &json!({ "products": [9] }), at)
        .await
        .unwrap();
    assert_eq!(
        store.get_collected("catalog", &fp).await.unwrap(),
        Some((json!({ "products": [1] }), at)),
        "[{be}] a batch of another source leaves this one alone"
    );
}

/// The LLM answer stored under `key` that is still valid at `at`.
async fn llm_output(store: &dyn Store, key: &str, at: DateTime<Utc>) -> Option<serde_json::Value> {
    store.get_llm_output(key, at).await.expect("get_llm_output")
}

/// An LLM answer reads back under its key until it expires; writing the key again
/// replaces it.
pub async fn an_llm_answer_is_kept_until_it_expires(store: &dyn Store) {
    let be = store.backend();
    let now = now_us();
    let key = format!("fp-{}:summarize-v1:model:hash", Uuid::new_v4());
    assert_eq!(
        llm_output(store, &key, now).await,
        None,
        "[{be}] unknown key"
    );
    // Each write, valid for longer, replaces the one before.
    let writes = [
        (
            json!({"content": "{\"summary\": []}", "prompt_tokens": 12}),
            1,
            "written",
        ),
        (json!({"content": "{}", "prompt_tokens": 3}), 2, "replaced"),
    ];
    for (answer, valid_hours, why) in writes {
        let expires_at = now + TimeDelta::hours(valid_hours);
        store
            .put_llm_output(&key, &answer, expires_at)
            .await
            .expect("put_llm_output");
        assert_eq!(
            llm_output(store, &key, now).await,
            Some(answer),
            "[{be}] {why}"
        );
    }
    assert_eq!(
        llm_output(store, &key, now + TimeDelta::hours(3)).await,
        None,
        "[{be}] expired"
    );
}
