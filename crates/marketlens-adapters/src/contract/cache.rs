//! The rules of [`Cache`], one function each: hits, overwrites, levels kept apart, a
//! TTL per entry. Each rule gets a fresh cache (a new key prefix where it is shared).

use std::time::Duration;

use marketlens_core::ports::Cache;
use marketlens_core::ports::CacheLevel::{self, AnalysisResult, CollectedProducts, LlmOutput};
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

/// Asserts what `cache` answers for `key` at `level`; `rule` says why.
async fn assert_holds(
    cache: &dyn Cache,
    (level, key): (CacheLevel, &str),
    expected: Option<&[u8]>,
    rule: &str,
) {
    let found = cache.get(level, key).await;
    assert_eq!(found.as_deref(), expected, "[{}] {rule}", cache.backend());
}

pub async fn a_missing_key_is_a_miss(cache: &dyn Cache) {
    let key = fresh_key();
    let why = "a key never put is a miss";
    assert_holds(cache, (AnalysisResult, &key), None, why).await;
}

pub async fn a_put_is_read_back(cache: &dyn Cache) {
    let key = fresh_key();
    cache.put(AnalysisResult, &key, b"one".to_vec(), LONG).await;
    let why = "a put is read back";
    assert_holds(cache, (AnalysisResult, &key), Some(b"one"), why).await;
}

pub async fn a_put_overwrites(cache: &dyn Cache) {
    let key = fresh_key();
    cache.put(AnalysisResult, &key, b"one".to_vec(), LONG).await;
    cache.put(AnalysisResult, &key, b"two".to_vec(), LONG).await;
    let why = "a put overwrites";
    assert_holds(cache, (AnalysisResult, &key), Some(b"two"), why).await;
}

pub async fn levels_are_kept_apart(cache: &dyn Cache) {
    let key = fresh_key();
    cache
        .put(AnalysisResult, &key, b"result".to_vec(), LONG)
        .await;
    let why = "the same key at another level is another entry";
    assert_holds(cache, (CollectedProducts, &key), None, why).await;
    cache.put(LlmOutput, &key, b"llm".to_vec(), LONG).await;
    let why = "a put at another level leaves this one alone";
    assert_holds(cache, (AnalysisResult, &key), Some(b"result"), why).await;
}

pub async fn an_empty_value_is_a_hit(cache: &dyn Cache) {
    let key = fresh_key();
    cache.put(LlmOutput, &key, Vec::new(), LONG).await;
    let why = "an empty value is a hit, not a miss";
    assert_holds(cache, (LlmOutput, &key), Some(b""), why).await;
}

pub async fn an_entry_expires_after_its_own_ttl(cache: &dyn Cache) {
    let (short, long) = (fresh_key(), fresh_key());
    cache
        .put(AnalysisResult, &long, b"long".to_vec(), LONG)
        .await;
    let ttl = Duration::from_millis(150);
    cache
        .put(CollectedProducts, &short, b"x".to_vec(), ttl)
        .await;
    let why = "a short-lived entry is there before its TTL";
    assert_holds(cache, (CollectedProducts, &short), Some(b"x"), why).await;
    sleep(400).await;
    let why = "an entry expires after its own TTL";
    assert_holds(cache, (CollectedProducts, &short), None, why).await;
    let why = "a long-lived entry outlives a short one";
    assert_holds(cache, (AnalysisResult, &long), Some(b"long"), why).await;
}
