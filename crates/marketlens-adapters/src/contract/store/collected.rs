//! The collected-products cache: one batch per source and fingerprint, kept with the
//! time it was stored; and the LLM answers (`llm_cache`), kept until they expire.

use chrono::TimeDelta;
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

/// An LLM answer reads back under its key until it expires; writing the key again
/// replaces it.
pub async fn an_llm_answer_is_kept_until_it_expires(store: &dyn Store) {
    let be = store.backend();
    let now = now_us();
    let key = format!("fp-{}:summarize-v1:model:hash", Uuid::new_v4());
    let answer = json!({"content": "{\"summary\": []}", "prompt_tokens": 12});
    assert_eq!(
        store.get_llm_output(&key, now).await.unwrap(),
        None,
        "[{be}] unknown key"
    );
    store
        .put_llm_output(&key, &answer, now + TimeDelta::hours(1))
        .await
        .unwrap();
    assert_eq!(
        store.get_llm_output(&key, now).await.unwrap(),
        Some(answer),
        "[{be}]"
    );
    let newer = json!({"content": "{}", "prompt_tokens": 3});
    store
        .put_llm_output(&key, &newer, now + TimeDelta::hours(2))
        .await
        .unwrap();
    assert_eq!(
        store.get_llm_output(&key, now).await.unwrap(),
        Some(newer),
        "[{be}] replaced"
    );
    assert_eq!(
        store
            .get_llm_output(&key, now + TimeDelta::hours(3))
            .await
            .unwrap(),
        None,
        "[{be}] expired"
    );
}
