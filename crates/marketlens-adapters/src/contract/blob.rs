//! The rules of [`BlobStore`], one function each: round trip, overwrite, missing keys,
//! key validation, streamed reads and the reachability check. Each rule gets a fresh
//! store (a new directory or bucket).

use marketlens_core::ports::{BlobError, BlobStore};
use uuid::Uuid;

/// Generates one test per blob rule in a module `blob`. `$runner` (a path from the
/// crate root) is an async function taking a
/// [`Rule`](crate::contract::Rule)`<dyn BlobStore>` that runs it on a fresh store.
#[macro_export]
macro_rules! blob_contract_tests {
    ($runner:path) => {
        mod blob {
            $crate::__contract_tests!(
                $runner, blob, dyn $crate::contract::BlobStore;
                a_reachable_store_answers_ping,
                a_missing_blob_reads_and_streams_nothing,
                a_put_is_read_back_with_its_location,
                a_put_replaces_the_blob_at_the_same_uri,
                an_empty_blob_round_trips,
                a_large_blob_streams_in_order,
                unsafe_keys_are_refused,
            );
        }
    };
}

fn fresh_key(name: &str) -> String {
    format!("reports/{}/{name}", Uuid::new_v4())
}

/// Asserts what `blob` holds at `key`; `rule` says why.
async fn assert_holds(blob: &dyn BlobStore, key: &str, expected: Option<&[u8]>, rule: &str) {
    let found = blob.get(key).await.expect("get");
    assert_eq!(found.as_deref(), expected, "[{}] {rule}", blob.backend());
}

pub async fn a_reachable_store_answers_ping(blob: &dyn BlobStore) {
    blob.ping().await.expect("ping a reachable store");
}

pub async fn a_missing_blob_reads_and_streams_nothing(blob: &dyn BlobStore) {
    let be = blob.backend();
    let key = fresh_key("report.html");
    assert_holds(blob, &key, None, "missing blob").await;
    assert!(
        blob.get_stream(&key)
            .await
            .expect("stream missing")
            .is_none(),
        "[{be}] missing blob streams nothing"
    );
}

pub async fn a_put_is_read_back_with_its_location(blob: &dyn BlobStore) {
    let be = blob.backend();
    let key = fresh_key("report.html");
    let loc = blob
        .put(&key, b"<html>1</html>".to_vec())
        .await
        .expect("put");
    assert_eq!(loc.key, key);
    assert_eq!(loc.size, 14);
    assert!(!loc.uri.is_empty(), "[{be}] a put returns a URI");
    assert_holds(blob, &key, Some(b"<html>1</html>"), "a put is read back").await;
}

pub async fn a_put_replaces_the_blob_at_the_same_uri(blob: &dyn BlobStore) {
    let be = blob.backend();
    let key = fresh_key("report.html");
    let loc = blob.put(&key, b"<html>1</html>".to_vec()).await.unwrap();
    let loc2 = blob
        .put(&key, b"<html>two</html>".to_vec())
        .await
        .expect("overwrite");
    assert_eq!(
        (loc2.size, &loc2.uri),
        (16, &loc.uri),
        "[{be}] same key, same URI"
    );
    assert_holds(
        blob,
        &key,
        Some(b"<html>two</html>"),
        "a put replaces the blob",
    )
    .await;
}

pub async fn an_empty_blob_round_trips(blob: &dyn BlobStore) {
    let be = blob.backend();
    let empty = fresh_key("empty.bin");
    assert_eq!(blob.put(&empty, Vec::new()).await.unwrap().size, 0);
    assert_holds(blob, &empty, Some(b""), "an empty blob exists").await;
    let streamed = blob.get_stream(&empty).await.unwrap().expect("empty blob");
    assert_eq!(streamed.size, Some(0), "[{be}] an empty stream's size");
    assert_eq!(streamed.collect().await.unwrap(), Vec::<u8>::new());
}

pub async fn a_large_blob_streams_in_order(blob: &dyn BlobStore) {
    let be = blob.backend();
    // Big enough to arrive in several chunks from every backend; no byte pattern that a
    // reordering or a dropped chunk would leave intact.
    let key = fresh_key("large.html");
    let large: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(
        blob.put(&key, large.clone()).await.unwrap().size,
        large.len() as u64
    );
    let streamed = blob.get_stream(&key).await.unwrap().expect("large blob");
    assert_eq!(
        streamed.size,
        Some(large.len() as u64),
        "[{be}] stream size"
    );
    assert!(
        streamed.collect().await.unwrap() == large,
        "[{be}] the stream yields the blob's bytes in order"
    );
}

pub async fn unsafe_keys_are_refused(blob: &dyn BlobStore) {
    let be = blob.backend();
    for bad in [
        "",
        "/etc/passwd",
        "../escape",
        "reports/../../x",
        "a//b",
        "a b",
    ] {
        assert!(
            matches!(
                blob.put(bad, b"x".to_vec()).await,
                Err(BlobError::InvalidKey(_))
            ),
            "[{be}] put must refuse key {bad:?}"
        );
        assert!(
            matches!(blob.get(bad).await, Err(BlobError::InvalidKey(_))),
            "[{be}] get must refuse key {bad:?}"
        );
        assert!(
            matches!(blob.get_stream(bad).await, Err(BlobError::InvalidKey(_))),
            "[{be}] get_stream must refuse key {bad:?}"
        );
    }
}
