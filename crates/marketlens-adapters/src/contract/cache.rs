//! The rules of [`Cache`], one function each: hits, overwrites, levels kept apart, a
//! TTL per entry. Each rule gets a fresh cache (a new key prefix where it is shared).

use std::time::Duration;

use marketlens_core::ports::{Cache, CacheLevel};
use uuid::Uuid;

use super::sleep;

/// Generates one test per cache rule in a module `cache`. `$runner` (a path from the
/// crate root) is an async function taking a
/// [`Rule`](crate::contract::Rule)`<dyn Cache>` that runs it on a fresh cache.
#[macro_export]
macro_rules! cache_contract_tests {
    ($runner:path) => {
        mod cache {
            $crate::__contract_tests!(
                $runner, cache, dyn $crate::contract::Cache;
                a_missing_key_is_a_miss,
                a_put_is_read_back,
                a_put_overwrites,
                levels_are_kept_apart,
                an_empty_value_is_a_hit,
                an_entry_expires_after_its_own_ttl,
            );
        }
    };
}

const LONG: Duration = Duration::from_secs(60);

fn fresh_key() -> String {
    format!("k-{}", Uuid::new_v4())
}

pub async fn a_missing_key_is_a_miss(cache: &dyn Cache) {
    let be = cache.backend();
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &fresh_key()).await,
        None,
        "[{be}] a key never put is a miss"
    );
}

pub async fn a_put_is_read_back(cache: &dyn Cache) {
    let be = cache.backend();
    let key = fresh_key();
    cache
        .put(CacheLevel::AnalysisResult, &key, b"one".to_vec(), LONG)
        .await;
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"one"[..]),
        "[{be}] a put is read back"
    );
}

pub async fn a_put_overwrites(cache: &dyn Cache) {
    let be = cache.backend();
    let key = fresh_key();
    for value in [&b"one"[..], &b"two"[..]] {
        cache
            .put(CacheLevel::AnalysisResult, &key, value.to_vec(), LONG)
            .await;
    }
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"two"[..]),
        "[{be}] a put overwrites"
    );
}

pub async fn levels_are_kept_apart(cache: &dyn Cache) {
    let be = cache.backend();
    let key = fresh_key();
    cache
        .put(CacheLevel::AnalysisResult, &key, b"result".to_vec(), LONG)
        .await;
    assert_eq!(
        cache.get(CacheLevel::CollectedProducts, &key).await,
        None,
        "[{be}] the same key at another level is another entry"
    );
    cache
        .put(CacheLevel::LlmOutput, &key, b"llm".to_vec(), LONG)
        .await;
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"result"[..]),
        "[{be}] a put at another level leaves this one alone"
    );
}

pub async fn an_empty_value_is_a_hit(cache: &dyn Cache) {
    let be = cache.backend();
    let key = fresh_key();
    cache
        .put(CacheLevel::LlmOutput, &key, Vec::new(), LONG)
        .await;
    assert_eq!(
        cache.get(CacheLevel::LlmOutput, &key).await,
        Some(Vec::new()),
        "[{be}] an empty value is a hit, not a miss"
    );
}

pub async fn an_entry_expires_after_its_own_ttl(cache: &dyn Cache) {
    let be = cache.backend();
    let (short, long) = (fresh_key(), fresh_key());
    cache
        .put(CacheLevel::AnalysisResult, &long, b"long".to_vec(), LONG)
        .await;
    cache
        .put(
            CacheLevel::CollectedProducts,
            &short,
            b"x".to_vec(),
            Duration::from_millis(150),
        )
        .await;
    assert!(
        cache
            .get(CacheLevel::CollectedProducts, &short)
            .await
            .is_some(),
        "[{be}] a short-lived entry is there before its TTL"
    );
    sleep(400).await;
    assert_eq!(
        cache.get(CacheLevel::CollectedProducts, &short).await,
        None,
        "[{be}] an entry expires after its own TTL"
    );
    assert_eq!(
        cache
            .get(CacheLevel::AnalysisResult, &long)
            .await
            .as_deref(),
        Some(&b"long"[..]),
        "[{be}] a long-lived entry outlives a short one"
    );
}
