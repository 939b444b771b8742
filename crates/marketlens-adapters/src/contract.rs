//! Contract tests: the behaviour every backend of a port must show.
//!
//! Each function drives a backend through the port only and panics with a message
//! naming the broken rule. A new backend (PostgreSQL, Redis, S3…) proves itself by
//! calling these from its tests (enable feature `contract`).
//!
//! The store contract does not need an empty store: it uses fresh ids, fingerprints and
//! config hashes, and dates its history rows in the future so they sort first. The
//! queue contract does need an empty queue with `max_attempts = 2`, as it checks counts.
//! Timestamps are compared at microsecond precision, the coarsest a backend may keep.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use marketlens_core::ErrorType;
use marketlens_core::domain::{AnalysisParams, CurrencyCode, Fingerprint, Market};
use marketlens_core::ports::{
    BlobError, BlobStore, Cache, CacheLevel, ClaimedJob, JobFate, JobPayload, JobQueue, NewQuery,
    PriceObservation, QueryStatus, QueueError, StageProgress, StageState, Store, StoreError,
    StoredResult,
};
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

fn now_us() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(TimeDelta::microseconds(1))
        .expect("truncating now to microseconds")
}

fn fresh_fingerprint() -> Fingerprint {
    Fingerprint::from_stored(Uuid::new_v4().simple().to_string())
}

fn params() -> AnalysisParams {
    AnalysisParams {
        currency: CurrencyCode::EUR,
        market: Market::parse("FR").expect("valid market"),
        max_products: 20,
        sources: Vec::new(),
        condition: None,
        min_price: Some(Decimal::new(1999, 2)),
        max_price: None,
        language: None,
    }
}

fn new_query(fingerprint: &Fingerprint, config: i64, created_at: DateTime<Utc>) -> NewQuery {
    NewQuery {
        id: Uuid::new_v4(),
        text: "Casque Bluetooth".into(),
        normalized_text: "casque bluetooth".into(),
        params: params(),
        fingerprint: fingerprint.clone(),
        agent_config_version: config,
        trace_id: None,
        created_at,
        answered_by: None,
    }
}

fn result_for(query_id: Uuid, config: i64, created_at: DateTime<Utc>, tag: &str) -> StoredResult {
    StoredResult {
        query_id,
        result: json!({ "tag": tag, "products": [1, 2, 3] }),
        market_summary: json!({ "median": "19.99" }),
        sentiment_summary: json!({ "positive_share": 0.5 }),
        products: json!([{ "id": "p1" }]),
        recommendations: json!([]),
        quality_checks: json!([{ "name": "enough_products", "passed": true }]),
        quality_passed: true,
        report_key: format!("reports/{query_id}/report.html"),
        report_uri: format!("file:///tmp/reports/{query_id}/report.html"),
        report_size: 1234,
        crate_version: "0.1.0".into(),
        git_sha: "abc123".into(),
        prompt_version: None,
        model: Some("none".into()),
        agent_config_version: config,
        created_at,
    }
}

/// Store semantics: query lifecycle, idempotent completion, cache hits, freshness,
/// in-flight coalescing (atomic under concurrent submissions), history order, agent config versions, collected-products cache, price history.
pub async fn store_contract(store: &dyn Store) {
    let be = store.backend();
    store.ping().await.expect("ping");

    // Agent configs: same hash, same version; a new hash, a new active version.
    let tag = Uuid::new_v4();
    let hash_a = format!("a-{tag}");
    let hash_b = format!("b-{tag}");
    let v1 = store
        .activate_agent_config(&hash_a, "# a")
        .await
        .expect("activate config a");
    let again = store.activate_agent_config(&hash_a, "# a").await.unwrap();
    assert_eq!(
        again, v1,
        "[{be}] re-activating the active config's hash must keep its version"
    );
    let v2 = store.activate_agent_config(&hash_b, "# b").await.unwrap();
    assert!(
        v2 > v1,
        "[{be}] a new config hash must get a new, greater version"
    );
    assert_eq!(
        store.activate_agent_config(&hash_b, "# b").await.unwrap(),
        v2
    );
    let v3 = store.activate_agent_config(&hash_a, "# a").await.unwrap();
    assert!(
        v3 > v2,
        "[{be}] going back to an older hash must activate a new version, the active one being b"
    );
    let config = v3;

    // A query's life: queued → running → queued (retry) → running → completed.
    let fp = fresh_fingerprint();
    let created = now_us();
    let mut nq = new_query(&fp, config, created);
    nq.trace_id = Some("trace-at-submit".into());
    store.insert_query(&nq).await.expect("insert_query");
    let q = store
        .get_query(nq.id)
        .await
        .unwrap()
        .expect("inserted query");
    assert_eq!(q.id, nq.id);
    assert_eq!(q.text, nq.text);
    assert_eq!(q.normalized_text, nq.normalized_text);
    assert_eq!(q.params, nq.params, "[{be}] params must round-trip");
    assert_eq!(q.fingerprint, fp);
    assert_eq!(q.status, QueryStatus::Queued);
    assert_eq!(
        q.created_at, created,
        "[{be}] created_at must round-trip (µs)"
    );
    assert_eq!((q.started_at, q.finished_at), (None, None));
    assert_eq!(q.attempts, 0);
    assert_eq!(q.trace_id.as_deref(), Some("trace-at-submit"));
    assert_eq!(q.agent_config_version, config);
    assert!(!q.cache_hit);
    assert_eq!(q.result_query_id, None);
    assert!(q.progress.is_empty());
    assert!(store.get_query(Uuid::new_v4()).await.unwrap().is_none());
    assert!(
        store.get_result(nq.id).await.unwrap().is_none(),
        "[{be}] no result yet"
    );

    store
        .start_query(nq.id, 1, None)
        .await
        .expect("start_query");
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!(q.status, QueryStatus::Running);
    assert_eq!(q.attempts, 1);
    assert!(
        q.started_at.is_some(),
        "[{be}] start_query must set started_at"
    );
    assert_eq!(
        q.trace_id.as_deref(),
        Some("trace-at-submit"),
        "[{be}] start_query without a trace id keeps the stored one"
    );

    let progress = vec![
        StageProgress {
            stage: "fetch_products".into(),
            state: StageState::Done,
            duration_ms: Some(12),
            detail: Some("3 sources".into()),
        },
        StageProgress {
            stage: "normalize".into(),
            state: StageState::Running,
            duration_ms: None,
            detail: None,
        },
    ];
    store
        .set_progress(nq.id, &progress)
        .await
        .expect("set_progress");
    assert_eq!(
        store.get_query(nq.id).await.unwrap().unwrap().progress,
        progress
    );

    store
        .requeue_query(nq.id, ErrorType::SourceTimeout, "catalog timed out")
        .await
        .expect("requeue_query");
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!(q.status, QueryStatus::Queued);
    assert_eq!(q.error_type.as_deref(), Some("source_timeout"));
    assert_eq!(q.error_message.as_deref(), Some("catalog timed out"));

    store.start_query(nq.id, 2, Some("trace-2")).await.unwrap();
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!((q.status, q.attempts), (QueryStatus::Running, 2));
    assert_eq!(q.trace_id.as_deref(), Some("trace-2"));

    // Completion is written once.
    let result_at = now_us();
    let first = result_for(nq.id, config, result_at, "first");
    assert!(
        store.complete_query(&first).await.expect("complete_query"),
        "[{be}] the first complete_query must write the result"
    );
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!(q.status, QueryStatus::Completed);
    assert!(
        q.finished_at.is_some(),
        "[{be}] completion sets finished_at"
    );
    assert_eq!(
        q.result_query_id,
        Some(nq.id),
        "[{be}] a result answers its own query"
    );
    assert_eq!(
        (q.error_type.as_deref(), q.error_message.as_deref()),
        (None, None),
        "[{be}] completion clears the retried error"
    );
    assert!(!q.cache_hit);
    let second = result_for(nq.id, config, now_us(), "second");
    assert!(
        !store.complete_query(&second).await.unwrap(),
        "[{be}] a second complete_query for the same query must return false"
    );
    let stored = store.get_result(nq.id).await.unwrap().expect("result");
    assert_eq!(
        stored, first,
        "[{be}] the first result stays, unchanged, and round-trips"
    );
    assert_eq!(store.get_query(nq.id).await.unwrap().unwrap(), q);

    // A completed query is final: late lifecycle calls do not move it.
    store.start_query(nq.id, 3, None).await.unwrap();
    store
        .fail_query(nq.id, ErrorType::Internal, "late")
        .await
        .unwrap();
    store
        .requeue_query(nq.id, ErrorType::Internal, "late")
        .await
        .unwrap();
    assert_eq!(
        store.get_query(nq.id).await.unwrap().unwrap(),
        q,
        "[{be}] start/fail/requeue must not change a completed query"
    );

    // Unknown ids.
    let ghost = Uuid::new_v4();
    assert!(
        matches!(
            store.start_query(ghost, 1, None).await,
            Err(StoreError::NotFound(_))
        ),
        "[{be}] start_query of an unknown id is NotFound"
    );
    assert!(matches!(
        store.fail_query(ghost, ErrorType::Internal, "x").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.set_progress(ghost, &progress).await,
        Err(StoreError::NotFound(_))
    ));

    // A permanent failure.
    let failing = new_query(&fresh_fingerprint(), config, now_us());
    store.insert_query(&failing).await.unwrap();
    store.start_query(failing.id, 1, None).await.unwrap();
    store
        .fail_query(failing.id, ErrorType::NoData, "no source returned products")
        .await
        .expect("fail_query");
    let f = store.get_query(failing.id).await.unwrap().unwrap();
    assert_eq!(f.status, QueryStatus::Failed);
    assert!(f.finished_at.is_some(), "[{be}] failure sets finished_at");
    assert_eq!(f.error_type.as_deref(), Some("no_data"));
    assert_eq!(
        f.error_message.as_deref(),
        Some("no source returned products")
    );
    assert!(store.get_result(failing.id).await.unwrap().is_none());

    // A cache hit is born completed and reads the original's result.
    let hit_at = now_us();
    let mut hit = new_query(&fp, config, hit_at);
    hit.answered_by = Some(nq.id);
    store.insert_query(&hit).await.expect("insert cache hit");
    let h = store.get_query(hit.id).await.unwrap().unwrap();
    assert_eq!(
        h.status,
        QueryStatus::Completed,
        "[{be}] a cache hit is completed"
    );
    assert!(h.cache_hit);
    assert_eq!(h.result_query_id, Some(nq.id));
    assert_eq!((h.started_at, h.finished_at), (Some(hit_at), Some(hit_at)));
    let via = store
        .get_result(hit.id)
        .await
        .unwrap()
        .expect("result via reference");
    assert_eq!(
        via, first,
        "[{be}] get_result of a cache hit follows result_query_id"
    );

    // Freshness: the newest original result created at or after not_before.
    let t0 = now_us();
    let older = new_query(&fp, config, t0 - TimeDelta::minutes(30));
    store.insert_query(&older).await.unwrap();
    let older_at = t0 - TimeDelta::minutes(20);
    assert!(
        store
            .complete_query(&result_for(older.id, config, older_at, "older"))
            .await
            .unwrap()
    );
    let found = |nb: DateTime<Utc>| store.find_fresh_result(&fp, nb);
    assert_eq!(
        found(t0 - TimeDelta::hours(1)).await.unwrap(),
        Some(nq.id),
        "[{be}] find_fresh_result returns the newest result (not the cache hit)"
    );
    assert_eq!(
        found(result_at).await.unwrap(),
        Some(nq.id),
        "[{be}] not_before is inclusive"
    );
    assert_eq!(
        found(result_at + TimeDelta::microseconds(1)).await.unwrap(),
        None,
        "[{be}] results older than not_before are not fresh"
    );
    store
        .insert_query(&new_query(&fp, config, now_us()))
        .await
        .unwrap();
    assert_eq!(
        found(result_at).await.unwrap(),
        Some(nq.id),
        "[{be}] a pending query has no result to offer"
    );
    assert_eq!(
        store
            .find_fresh_result(&fresh_fingerprint(), t0 - TimeDelta::days(1))
            .await
            .unwrap(),
        None
    );

    // In flight: identical new work joins the newest queued/running original.
    let ifp = fresh_fingerprint();
    let ti = now_us();
    let window = ti - TimeDelta::hours(1);
    assert_eq!(store.find_inflight(&ifp, window).await.unwrap(), None);
    let first_in = new_query(&ifp, config, ti - TimeDelta::minutes(2));
    assert_eq!(
        store
            .insert_query_unless_inflight(&first_in, window)
            .await
            .expect("insert_query_unless_inflight"),
        None,
        "[{be}] nothing in flight: the query is recorded"
    );
    let recorded = store
        .get_query(first_in.id)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(
        (recorded.status, recorded.cache_hit, recorded.fingerprint),
        (QueryStatus::Queued, false, ifp.clone())
    );
    let joiner = new_query(&ifp, config, ti);
    assert_eq!(
        store
            .insert_query_unless_inflight(&joiner, window)
            .await
            .unwrap(),
        Some(first_in.id),
        "[{be}] an identical query in flight is joined"
    );
    assert!(
        store.get_query(joiner.id).await.unwrap().is_none(),
        "[{be}] joining writes nothing"
    );
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        Some(first_in.id)
    );
    assert_eq!(
        store
            .find_inflight(&fresh_fingerprint(), window)
            .await
            .unwrap(),
        None,
        "[{be}] only the same fingerprint is in flight"
    );
    // Older than the window: not joined, a new query is recorded and is the newest.
    let late = new_query(&ifp, config, ti - TimeDelta::minutes(1));
    assert_eq!(
        store
            .insert_query_unless_inflight(&late, first_in.created_at + TimeDelta::microseconds(1))
            .await
            .unwrap(),
        None,
        "[{be}] a query in flight since before the window is not joined"
    );
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        Some(late.id),
        "[{be}] find_inflight returns the newest query in flight"
    );
    assert_eq!(
        store.find_inflight(&ifp, late.created_at).await.unwrap(),
        Some(late.id),
        "[{be}] not_before is inclusive"
    );
    // Running and retried queries are in flight; finished ones and cache hits are not.
    store.start_query(late.id, 1, None).await.unwrap();
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        Some(late.id)
    );
    store
        .requeue_query(late.id, ErrorType::Internal, "retry")
        .await
        .unwrap();
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        Some(late.id),
        "[{be}] a query queued again for a retry is in flight"
    );
    store
        .fail_query(late.id, ErrorType::NoData, "none")
        .await
        .unwrap();
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        Some(first_in.id),
        "[{be}] a failed query is not in flight"
    );
    assert!(
        store
            .complete_query(&result_for(first_in.id, config, now_us(), "inflight"))
            .await
            .unwrap()
    );
    let mut hit_in = new_query(&ifp, config, now_us());
    hit_in.answered_by = Some(first_in.id);
    store.insert_query(&hit_in).await.unwrap();
    assert_eq!(
        store.find_inflight(&ifp, window).await.unwrap(),
        None,
        "[{be}] completed queries and cache hits are not in flight"
    );
    // Concurrent identical submissions record exactly one query.
    let rfp = fresh_fingerprint();
    let racers: Vec<NewQuery> = (0..4).map(|_| new_query(&rfp, config, now_us())).collect();
    let (a, b, c, d) = tokio::join!(
        store.insert_query_unless_inflight(&racers[0], window),
        store.insert_query_unless_inflight(&racers[1], window),
        store.insert_query_unless_inflight(&racers[2], window),
        store.insert_query_unless_inflight(&racers[3], window),
    );
    let outcomes = [a.unwrap(), b.unwrap(), c.unwrap(), d.unwrap()];
    let winners: Vec<Uuid> = racers
        .iter()
        .zip(&outcomes)
        .filter(|(_, o)| o.is_none())
        .map(|(q, _)| q.id)
        .collect();
    assert_eq!(
        winners.len(),
        1,
        "[{be}] concurrent identical submissions must record one query: {outcomes:?}"
    );
    assert!(
        outcomes.iter().flatten().all(|id| *id == winners[0]),
        "[{be}] the others join the one recorded: {outcomes:?}"
    );

    // History, newest first, ties broken by id (descending), with the total. Earlier
    // rows may exist (even future-dated ones from an earlier run), so check the order of
    // the whole listing and where ours fall in it.
    let before = store.list_queries(1, 0).await.unwrap().total;
    let base = now_us() + TimeDelta::days(1);
    let h1 = new_query(&fresh_fingerprint(), config, base);
    let h2 = new_query(&fresh_fingerprint(), config, base + TimeDelta::seconds(1));
    let h3 = new_query(&fresh_fingerprint(), config, base + TimeDelta::seconds(1));
    for q in [&h1, &h2, &h3] {
        store.insert_query(q).await.unwrap();
    }
    let all = store
        .list_queries(u32::try_from(before + 3).unwrap_or(u32::MAX), 0)
        .await
        .expect("list_queries");
    assert_eq!(all.total, before + 3, "[{be}] total counts every query");
    assert_eq!(all.items.len() as u64, all.total);
    assert!(
        all.items
            .windows(2)
            .all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id)),
        "[{be}] list_queries is ordered by created_at, then id, both descending"
    );
    let (hi, lo) = if h2.id > h3.id {
        (h2.id, h3.id)
    } else {
        (h3.id, h2.id)
    };
    let ours: Vec<Uuid> = all
        .items
        .iter()
        .map(|q| q.id)
        .filter(|id| [h1.id, h2.id, h3.id].contains(id))
        .collect();
    assert_eq!(
        ours,
        [hi, lo, h1.id],
        "[{be}] newest first, then id descending"
    );
    let page = store.list_queries(2, 1).await.unwrap();
    assert_eq!(page.total, all.total);
    assert_eq!(
        page.items[..],
        all.items[1..3],
        "[{be}] limit and offset select a window"
    );
    assert_eq!(store.list_queries(0, 0).await.unwrap().items.len(), 0);
    assert!(
        store
            .list_queries(10, before + 3)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // Collected products: one batch per (source, fingerprint), overwritten.
    let cfp = fresh_fingerprint();
    assert!(
        store
            .get_collected("catalog", &cfp)
            .await
            .unwrap()
            .is_none()
    );
    let t1 = now_us();
    store
        .put_collected("catalog", &cfp, &json!({ "products": [1] }), t1)
        .await
        .expect("put_collected");
    assert_eq!(
        store.get_collected("catalog", &cfp).await.unwrap(),
        Some((json!({ "products": [1] }), t1))
    );
    let t2 = t1 + TimeDelta::seconds(5);
    store
        .put_collected(
            "catalog",
            &cfp,
            &json!({ "products": [2], "notice": "n" }),
            t2,
        )
        .await
        .unwrap();
    assert_eq!(
        store.get_collected("catalog", &cfp).await.unwrap(),
        Some((json!({ "products": [2], "notice": "n" }), t2)),
        "[{be}] put_collected overwrites the batch and its date"
    );
    assert!(store.get_collected("other", &cfp).await.unwrap().is_none());

    // Price history.
    let product = format!("product-{}", Uuid::new_v4());
    let obs = |offer: &str, cents: i64| PriceObservation {
        query_id: nq.id,
        product_id: product.clone(),
        offer_id: offer.into(),
        source: "catalog".into(),
        seller: "shop".into(),
        amount: Decimal::new(cents, 2),
        currency: CurrencyCode::EUR,
        observed_at: now_us(),
    };
    assert_eq!(store.count_price_observations(&product).await.unwrap(), 0);
    store
        .append_price_observations(&[])
        .await
        .expect("appending nothing");
    store
        .append_price_observations(&[obs("o1", 1999), obs("o2", 2450), obs("o3", 100_000)])
        .await
        .expect("append_price_observations");
    store
        .append_price_observations(&[obs("o1", 1899)])
        .await
        .unwrap();
    assert_eq!(store.count_price_observations(&product).await.unwrap(), 4);
    assert_eq!(
        store
            .count_price_observations("no-such-product")
            .await
            .unwrap(),
        0
    );

    // Reading history back: by product and time, oldest first, amounts exact.
    let other = format!("product-{}", Uuid::new_v4());
    let at = |days_ago: i64| now_us() - TimeDelta::days(days_ago);
    let old_obs = |product: &str, offer: &str, cents: i64, days_ago: i64| PriceObservation {
        product_id: product.to_owned(),
        offer_id: offer.into(),
        amount: Decimal::new(cents, 2),
        currency: CurrencyCode::USD,
        observed_at: at(days_ago),
        ..obs("x", 0)
    };
    let h1 = old_obs(&other, "h1", 12_345, 40);
    let h2 = old_obs(&other, "h2", 10_001, 10);
    let h3 = old_obs(&other, "h3", 9_999, 20);
    store
        .append_price_observations(&[h1.clone(), h2.clone(), h3.clone()])
        .await
        .unwrap();
    let since_30 = store
        .price_history(std::slice::from_ref(&other), at(30))
        .await
        .expect("price_history");
    assert_eq!(
        since_30,
        [h3.clone(), h2.clone()],
        "[{be}] observations since a time, oldest first, every field kept"
    );
    let both = store
        .price_history(&[other.clone(), product.clone()], at(365))
        .await
        .unwrap();
    assert_eq!(both.len(), 7, "[{be}] several products at once");
    assert_eq!(both[0], h1);
    assert!(
        both.windows(2)
            .all(|w| w[0].observed_at <= w[1].observed_at)
    );
    assert!(
        store.price_history(&[], at(365)).await.unwrap().is_empty(),
        "[{be}] no ids, no observations"
    );
    assert!(
        store
            .price_history(&["no-such-product".into()], at(365))
            .await
            .unwrap()
            .is_empty()
    );
}

fn payload() -> JobPayload {
    JobPayload {
        trace_context: BTreeMap::from([(
            "traceparent".to_owned(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned(),
        )]),
    }
}

async fn claim(queue: &dyn JobQueue, worker: &str, lease: Duration) -> Option<ClaimedJob> {
    queue.claim(worker, lease).await.expect("claim")
}

async fn sleep(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

async fn assert_stats(queue: &dyn JobQueue, queued: u64, running: u64, dead: u64, when: &str) {
    let s = queue.stats().await.expect("stats");
    assert_eq!(
        (s.queued, s.running, s.dead),
        (queued, running, dead),
        "[{}] (queued, running, dead) {when}",
        queue.backend()
    );
}

fn lease_lost<T: std::fmt::Debug>(r: Result<T, QueueError>) -> bool {
    matches!(r, Err(QueueError::LeaseLost(_)))
}

/// Queue semantics. Needs an empty queue whose `max_attempts` is 2.
pub async fn queue_contract(queue: &dyn JobQueue) {
    let be = queue.backend();
    let long = Duration::from_secs(30);
    let short = Duration::from_millis(250);
    // Comfortably past `short`, so a slow machine does not make the test flaky.
    let past_short = 450;

    assert_eq!(
        queue.stats().await.unwrap(),
        Default::default(),
        "[{be}] empty queue"
    );
    assert!(
        claim(queue, "w1", long).await.is_none(),
        "[{be}] claim on an empty queue"
    );

    // Enqueueing twice while pending is one job.
    let q1 = Uuid::new_v4();
    queue.enqueue(q1, &payload()).await.expect("enqueue");
    queue.enqueue(q1, &payload()).await.expect("enqueue again");
    assert_stats(queue, 1, 0, 0, "after enqueueing one query twice").await;

    let job = claim(queue, "w1", short).await.expect("a job");
    assert_eq!(job.query_id, q1);
    assert_eq!(
        (job.attempt, job.max_attempts),
        (1, 2),
        "[{be}] first delivery"
    );
    assert_eq!(
        job.payload,
        payload(),
        "[{be}] the payload travels with the job"
    );
    assert_stats(queue, 0, 1, 0, "after a claim").await;
    queue.enqueue(q1, &payload()).await.unwrap();
    assert_stats(queue, 0, 1, 0, "enqueueing a query whose job is running").await;
    assert!(
        claim(queue, "w2", long).await.is_none(),
        "[{be}] a leased job is not delivered"
    );

    // Only the holder acts on a job.
    assert!(
        lease_lost(queue.complete(&job, "w2").await),
        "[{be}] w2 cannot complete w1's job"
    );
    assert!(lease_lost(queue.renew(&job, "w2", long).await));
    assert!(lease_lost(queue.fail(&job, "w2", "x", None).await));
    assert!(lease_lost(queue.release(&job, "w2").await));

    // The worker dies: the lease runs out and the job comes back as attempt 2.
    sleep(past_short).await;
    let again = claim(queue, "w2", short)
        .await
        .expect("redelivery after the lease expired");
    assert_eq!(
        (again.job_id, again.attempt),
        (job.job_id, 2),
        "[{be}] redelivered"
    );
    assert!(
        lease_lost(queue.complete(&job, "w1").await),
        "[{be}] the first worker lost the job when its lease expired"
    );
    // It dies again on its last attempt: delivered once more, past its bound, so the
    // consumer can record the failure; failing it then dead-letters it.
    sleep(past_short).await;
    let last = claim(queue, "w3", long)
        .await
        .expect("a job whose lease expired on its last attempt is delivered for the record");
    assert_eq!(
        (last.job_id, last.attempt, last.max_attempts),
        (job.job_id, 3, 2),
        "[{be}] delivery past the bound says so"
    );
    assert_eq!(
        queue
            .fail(&last, "w3", "worker lost", Some(Duration::from_millis(1)))
            .await
            .unwrap(),
        JobFate::DeadLettered,
        "[{be}] a job past its bound is dead-lettered even when a retry is asked"
    );
    assert_stats(
        queue,
        0,
        0,
        1,
        "after the lease expired on the last attempt",
    )
    .await;
    assert!(lease_lost(queue.complete(&again, "w2").await));

    // A retryable failure waits for its delay, then is delivered again.
    let q2 = Uuid::new_v4();
    queue.enqueue(q2, &payload()).await.unwrap();
    let job = claim(queue, "w1", long).await.expect("q2");
    assert_eq!(job.query_id, q2);
    let delay = Duration::from_millis(400);
    assert_eq!(
        queue
            .fail(&job, "w1", "source timed out", Some(delay))
            .await
            .unwrap(),
        JobFate::Retrying { delay }
    );
    assert_stats(queue, 1, 0, 1, "after a retryable failure").await;
    assert!(
        claim(queue, "w1", long).await.is_none(),
        "[{be}] a retried job is not delivered before its delay"
    );
    sleep(600).await;
    let job = claim(queue, "w1", long)
        .await
        .expect("retried job after its delay");
    assert_eq!((job.query_id, job.attempt), (q2, 2));
    assert_eq!(
        queue
            .fail(&job, "w1", "timed out again", Some(delay))
            .await
            .unwrap(),
        JobFate::DeadLettered,
        "[{be}] a failure on the last attempt dead-letters"
    );
    assert_stats(queue, 0, 0, 2, "after exhausting attempts").await;

    // A permanent failure dead-letters at once.
    let q3 = Uuid::new_v4();
    queue.enqueue(q3, &JobPayload::default()).await.unwrap();
    let job = claim(queue, "w1", long).await.expect("q3");
    assert_eq!(job.payload, JobPayload::default());
    assert_eq!(
        queue
            .fail(&job, "w1", "invalid config", None)
            .await
            .unwrap(),
        JobFate::DeadLettered
    );
    assert!(
        lease_lost(queue.complete(&job, "w1").await),
        "[{be}] a dead job is not held"
    );
    assert_stats(queue, 0, 0, 3, "after a permanent failure").await;

    // Releasing gives the job back without spending an attempt.
    let q4 = Uuid::new_v4();
    queue.enqueue(q4, &payload()).await.unwrap();
    let job = claim(queue, "w1", long).await.expect("q4");
    queue.release(&job, "w1").await.expect("release");
    assert!(
        lease_lost(queue.complete(&job, "w1").await),
        "[{be}] released means not held"
    );
    let job = claim(queue, "w2", long)
        .await
        .expect("released job is available at once");
    assert_eq!(
        (job.query_id, job.attempt),
        (q4, 1),
        "[{be}] release does not count"
    );
    queue.complete(&job, "w2").await.expect("complete");
    assert!(
        lease_lost(queue.complete(&job, "w2").await),
        "[{be}] completing twice"
    );
    assert_stats(queue, 0, 0, 3, "after completing").await;
    // Once done, the query may be enqueued again (a new job).
    queue.enqueue(q4, &payload()).await.unwrap();
    let job = claim(queue, "w1", long).await.expect("q4 again");
    assert_eq!((job.query_id, job.attempt), (q4, 1));
    queue.complete(&job, "w1").await.unwrap();

    // Renewing keeps the job past its first lease.
    let q5 = Uuid::new_v4();
    queue.enqueue(q5, &payload()).await.unwrap();
    let job = claim(queue, "w1", short).await.expect("q5");
    queue.renew(&job, "w1", long).await.expect("renew");
    sleep(past_short).await;
    assert!(
        claim(queue, "w2", long).await.is_none(),
        "[{be}] a renewed lease holds"
    );
    queue
        .complete(&job, "w1")
        .await
        .expect("complete after renew");

    // Oldest first, and the age of the oldest waiting job.
    let before = now_us();
    let (q6, q7) = (Uuid::new_v4(), Uuid::new_v4());
    queue.enqueue(q6, &payload()).await.unwrap();
    sleep(5).await;
    queue.enqueue(q7, &payload()).await.unwrap();
    let after = now_us() + TimeDelta::microseconds(1);
    let s = queue.stats().await.unwrap();
    assert_eq!(s.queued, 2);
    let oldest = s
        .oldest_queued_at
        .expect("oldest_queued_at with jobs waiting");
    assert!(
        before <= oldest && oldest <= after,
        "[{be}] oldest_queued_at {oldest} not within [{before}, {after}]"
    );
    let a = claim(queue, "w1", long).await.unwrap();
    let b = claim(queue, "w1", long).await.unwrap();
    assert_eq!(
        (a.query_id, b.query_id),
        (q6, q7),
        "[{be}] oldest job first"
    );
    assert_eq!(queue.stats().await.unwrap().oldest_queued_at, None);
    queue.complete(&a, "w1").await.unwrap();
    queue.complete(&b, "w1").await.unwrap();
    assert_stats(queue, 0, 0, 3, "at the end").await;
}

/// Cache semantics: hits, overwrites, levels kept apart, TTL per entry.
pub async fn cache_contract(cache: &dyn Cache) {
    let be = cache.backend();
    let key = format!("k-{}", Uuid::new_v4());
    let long = Duration::from_secs(60);
    assert_eq!(cache.get(CacheLevel::AnalysisResult, &key).await, None);
    cache
        .put(CacheLevel::AnalysisResult, &key, b"one".to_vec(), long)
        .await;
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"one"[..]),
        "[{be}] a put is read back"
    );
    cache
        .put(CacheLevel::AnalysisResult, &key, b"two".to_vec(), long)
        .await;
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"two"[..]),
        "[{be}] a put overwrites"
    );
    assert_eq!(
        cache.get(CacheLevel::CollectedProducts, &key).await,
        None,
        "[{be}] the same key at another level is another entry"
    );
    cache
        .put(CacheLevel::LlmOutput, &key, Vec::new(), long)
        .await;
    assert_eq!(
        cache.get(CacheLevel::LlmOutput, &key).await,
        Some(Vec::new())
    );

    let short = format!("short-{}", Uuid::new_v4());
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
            .is_some()
    );
    sleep(400).await;
    assert_eq!(
        cache.get(CacheLevel::CollectedProducts, &short).await,
        None,
        "[{be}] an entry expires after its own TTL"
    );
    assert_eq!(
        cache.get(CacheLevel::AnalysisResult, &key).await.as_deref(),
        Some(&b"two"[..]),
        "[{be}] a long-lived entry outlives a short one"
    );
}

/// Blob semantics: round trip, overwrite, missing keys, key validation, streamed reads
/// and the reachability check.
pub async fn blob_contract(blob: &dyn BlobStore) {
    let be = blob.backend();
    blob.ping().await.expect("ping a reachable store");
    let key = format!("reports/{}/report.html", Uuid::new_v4());
    assert_eq!(
        blob.get(&key).await.expect("get missing"),
        None,
        "[{be}] missing blob"
    );
    assert!(
        blob.get_stream(&key)
            .await
            .expect("stream missing")
            .is_none(),
        "[{be}] missing blob streams nothing"
    );
    let loc = blob
        .put(&key, b"<html>1</html>".to_vec())
        .await
        .expect("put");
    assert_eq!(loc.key, key);
    assert_eq!(loc.size, 14);
    assert!(!loc.uri.is_empty(), "[{be}] a put returns a URI");
    assert_eq!(
        blob.get(&key).await.unwrap().as_deref(),
        Some(&b"<html>1</html>"[..])
    );
    let loc2 = blob
        .put(&key, b"<html>two</html>".to_vec())
        .await
        .expect("overwrite");
    assert_eq!(
        (loc2.size, &loc2.uri),
        (16, &loc.uri),
        "[{be}] same key, same URI"
    );
    assert_eq!(
        blob.get(&key).await.unwrap().as_deref(),
        Some(&b"<html>two</html>"[..]),
        "[{be}] a put replaces the blob"
    );
    let empty = format!("reports/{}/empty.bin", Uuid::new_v4());
    assert_eq!(blob.put(&empty, Vec::new()).await.unwrap().size, 0);
    assert_eq!(blob.get(&empty).await.unwrap(), Some(Vec::new()));
    let streamed = blob.get_stream(&empty).await.unwrap().expect("empty blob");
    assert_eq!(streamed.size, Some(0));
    assert_eq!(streamed.collect().await.unwrap(), Vec::<u8>::new());
    // Big enough to arrive in several chunks from every backend; no byte pattern that a
    // reordering or a dropped chunk would leave intact.
    let large_key = format!("reports/{}/large.html", Uuid::new_v4());
    let large: Vec<u8> = (0..3_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    assert_eq!(
        blob.put(&large_key, large.clone()).await.unwrap().size,
        large.len() as u64
    );
    let streamed = blob
        .get_stream(&large_key)
        .await
        .unwrap()
        .expect("large blob");
    assert_eq!(
        streamed.size,
        Some(large.len() as u64),
        "[{be}] stream size"
    );
    assert!(
        streamed.collect().await.unwrap() == large,
        "[{be}] the stream yields the blob's bytes in order"
    );
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

/// Whether a test that needs an external service (`name`, e.g. "PostgreSQL at
/// 127.0.0.1:5432") may run. When the service is unreachable the test is skipped with
/// a clear message — unless `MARKETLENS_REQUIRE_SERVICES=1` (CI), where a missing
/// service is a failure.
pub fn service_available<E: std::fmt::Display>(name: &str, reachable: Result<(), E>) -> bool {
    match reachable {
        Ok(()) => true,
        Err(why) => {
            if std::env::var("MARKETLENS_REQUIRE_SERVICES").is_ok_and(|v| v == "1") {
                panic!("{name} is required (MARKETLENS_REQUIRE_SERVICES=1) but unreachable: {why}");
            }
            eprintln!(
                "skipped: {name} unreachable ({why}); set MARKETLENS_REQUIRE_SERVICES=1 to fail instead"
            );
            false
        }
    }
}
