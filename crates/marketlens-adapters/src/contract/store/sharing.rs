//! Work shared between identical queries: a cache hit reads an earlier result, a fresh
//! result is found by fingerprint, and a query joins an identical one in flight
//! (atomically, even across processes).

use chrono::{DateTime, TimeDelta, Utc};
use marketlens_core::ErrorType;
use marketlens_core::domain::{Fingerprint, TenantId};
use marketlens_core::ports::{NewQuery, QueryStatus, Recorded, Store, StoreError};
use uuid::Uuid;

use super::{
    StoreFixture, completed_query, fresh_config, fresh_fingerprint, new_query, recorded_query,
    result_for, scalar,
};
use crate::contract::now_us;

pub async fn a_cache_hit_is_born_completed_and_reads_the_original_result(store: &dyn Store) {
    let be = store.backend();
    let (original, result) = completed_query(store, "original").await;
    let hit_at = now_us();
    let mut hit = new_query(&original.fingerprint, original.agent_config_version, hit_at);
    hit.answered_by = Some(original.id);
    store.insert_query(&hit).await.expect("insert cache hit");
    let h = store.get_query(hit.id).await.unwrap().unwrap();
    assert_eq!(
        h.status,
        QueryStatus::Completed,
        "[{be}] a cache hit is completed"
    );
    assert!(h.cache_hit);
    assert_eq!(h.result_query_id, Some(original.id));
    assert_eq!((h.started_at, h.finished_at), (Some(hit_at), Some(hit_at)));
    assert_eq!(
        h,
        hit.recorded(),
        "[{be}] the stored cache hit is the record a submitter answers without reading it back"
    );
    assert_eq!(
        store.get_result(hit.id).await.unwrap(),
        Some(result),
        "[{be}] get_result of a cache hit follows result_query_id"
    );
}

/// The query [`Store::find_inflight`] finds.
async fn in_flight_since(store: &dyn Store, fp: &Fingerprint, t: DateTime<Utc>) -> Option<Uuid> {
    store
        .find_inflight(&TenantId::local(), fp, t)
        .await
        .expect("find_inflight")
}

/// The query [`Store::find_fresh_result`] finds.
async fn fresh_since(store: &dyn Store, fp: &Fingerprint, t: DateTime<Utc>) -> Option<Uuid> {
    store
        .find_fresh_result(&TenantId::local(), fp, t)
        .await
        .expect("find_fresh_result")
}

/// Two completed queries with one fingerprint, the older result 20 minutes old, and a
/// cache hit answered by the newer: (newer query, its result's time).
async fn two_results(store: &dyn Store) -> (NewQuery, DateTime<Utc>) {
    let (newer, result) = completed_query(store, "newer").await;
    let (fp, config) = (&newer.fingerprint, newer.agent_config_version);
    let t0 = now_us();
    let older = new_query(fp, config, t0 - TimeDelta::minutes(30));
    store.insert_query(&older).await.unwrap();
    let older_result = result_for(older.id, config, t0 - TimeDelta::minutes(20), "older");
    assert!(store.complete_query(&older_result).await.unwrap());
    let mut hit = new_query(fp, config, now_us());
    hit.answered_by = Some(newer.id);
    store.insert_query(&hit).await.unwrap();
    (newer, result.created_at)
}

pub async fn the_fresh_result_is_the_newest_original(store: &dyn Store) {
    let be = store.backend();
    let (newer, _) = two_results(store).await;
    assert_eq!(
        fresh_since(store, &newer.fingerprint, now_us() - TimeDelta::hours(1)).await,
        Some(newer.id),
        "[{be}] find_fresh_result returns the newest result (not the cache hit)"
    );
    assert_eq!(
        fresh_since(store, &fresh_fingerprint(), now_us() - TimeDelta::days(1)).await,
        None,
        "[{be}] another fingerprint has no fresh result"
    );
}

pub async fn freshness_counts_from_not_before_inclusive(store: &dyn Store) {
    let be = store.backend();
    let (newer, result_at) = two_results(store).await;
    let fp = &newer.fingerprint;
    assert_eq!(
        fresh_since(store, fp, result_at).await,
        Some(newer.id),
        "[{be}] not_before is inclusive"
    );
    assert_eq!(
        fresh_since(store, fp, result_at + TimeDelta::microseconds(1)).await,
        None,
        "[{be}] results older than not_before are not fresh"
    );
}

pub async fn a_pending_query_offers_no_fresh_result(store: &dyn Store) {
    let be = store.backend();
    let (newer, result_at) = two_results(store).await;
    store
        .insert_query(&new_query(
            &newer.fingerprint,
            newer.agent_config_version,
            now_us(),
        ))
        .await
        .unwrap();
    assert_eq!(
        fresh_since(store, &newer.fingerprint, result_at).await,
        Some(newer.id),
        "[{be}] a pending query has no result to offer"
    );
    let pending = recorded_query(store).await;
    assert_eq!(
        fresh_since(store, &pending.fingerprint, now_us() - TimeDelta::days(1)).await,
        None,
        "[{be}] a fingerprint with only a pending query has no fresh result"
    );
}

pub async fn a_submission_is_answered_by_a_fresh_result_else_joined_else_inserted(
    store: &dyn Store,
) {
    let be = store.backend();
    let (newer, _) = two_results(store).await;
    let (fp, config) = (&newer.fingerprint, newer.agent_config_version);
    let hour_ago = now_us() - TimeDelta::hours(1);
    let asked = new_query(fp, config, now_us());
    assert_eq!(
        store
            .record_submission(&asked, Some(hour_ago), Some(hour_ago))
            .await
            .unwrap(),
        Recorded::Answered(newer.id),
        "[{be}] a fresh result answers the submission"
    );
    let hit = NewQuery {
        answered_by: Some(newer.id),
        ..asked
    };
    assert_eq!(
        store.get_query(hit.id).await.unwrap(),
        Some(hit.recorded()),
        "[{be}] recorded as a cache hit answered by the fresh result"
    );

    let new_work = new_query(fp, config, now_us());
    assert_eq!(
        store
            .record_submission(&new_work, None, Some(hour_ago))
            .await
            .unwrap(),
        Recorded::Inserted,
        "[{be}] without a fresh-result look-up and nothing in flight: new work"
    );
    assert_eq!(
        store.get_query(new_work.id).await.unwrap(),
        Some(new_work.recorded())
    );
    let joiner = new_query(fp, config, now_us());
    assert_eq!(
        store
            .record_submission(&joiner, Some(now_us()), Some(hour_ago))
            .await
            .unwrap(),
        Recorded::Joined(new_work.id),
        "[{be}] no result that fresh, and the identical query in flight is joined"
    );
    assert!(
        store.get_query(joiner.id).await.unwrap().is_none(),
        "[{be}] joining writes nothing"
    );
    let own = new_query(fp, config, now_us());
    assert_eq!(
        store.record_submission(&own, None, None).await.unwrap(),
        Recorded::Inserted,
        "[{be}] with neither look-up the query is inserted"
    );
    assert_eq!(store.get_query(own.id).await.unwrap(), Some(own.recorded()));
}

/// A fingerprint whose query was recorded two minutes ago through
/// `insert_query_unless_inflight`, and an hour-long window: (query, window).
async fn in_flight(store: &dyn Store) -> (NewQuery, DateTime<Utc>) {
    let be = store.backend();
    let now = now_us();
    let window = now - TimeDelta::hours(1);
    let first = new_query(
        &fresh_fingerprint(),
        fresh_config(store).await,
        now - TimeDelta::minutes(2),
    );
    assert_eq!(
        in_flight_since(store, &first.fingerprint, window).await,
        None
    );
    assert_eq!(
        store
            .insert_query_unless_inflight(&first, window)
            .await
            .expect("insert_query_unless_inflight"),
        None,
        "[{be}] nothing in flight: the query is recorded"
    );
    (first, window)
}

pub async fn a_query_with_nothing_in_flight_is_recorded(store: &dyn Store) {
    let (first, window) = in_flight(store).await;
    let recorded = store.get_query(first.id).await.unwrap().expect("recorded");
    assert_eq!(
        (recorded.status, recorded.cache_hit, &recorded.fingerprint),
        (QueryStatus::Queued, false, &first.fingerprint)
    );
    assert_eq!(recorded.created_at, first.created_at);
    assert_eq!(
        in_flight_since(store, &first.fingerprint, window).await,
        Some(first.id)
    );
}

pub async fn an_identical_query_in_flight_is_joined(store: &dyn Store) {
    let be = store.backend();
    let (first, window) = in_flight(store).await;
    let joiner = new_query(&first.fingerprint, first.agent_config_version, now_us());
    assert_eq!(
        store
            .insert_query_unless_inflight(&joiner, window)
            .await
            .unwrap(),
        Some(first.id),
        "[{be}] an identical query in flight is joined"
    );
    assert!(
        store.get_query(joiner.id).await.unwrap().is_none(),
        "[{be}] joining writes nothing"
    );
    assert_eq!(
        in_flight_since(store, &fresh_fingerprint(), window).await,
        None,
        "[{be}] only the same fingerprint is in flight"
    );
}

pub async fn a_query_in_flight_since_before_the_window_is_not_joined(store: &dyn Store) {
    let be = store.backend();
    let (first, window) = in_flight(store).await;
    let late = new_query(
        &first.fingerprint,
        first.agent_config_version,
        now_us() - TimeDelta::minutes(1),
    );
    assert_eq!(
        store
            .insert_query_unless_inflight(&late, first.created_at + TimeDelta::microseconds(1))
            .await
            .unwrap(),
        None,
        "[{be}] a query in flight since before the window is not joined"
    );
    assert!(store.get_query(late.id).await.unwrap().is_some());
    assert_eq!(
        in_flight_since(store, &first.fingerprint, window).await,
        Some(late.id),
        "[{be}] find_inflight returns the newest query in flight"
    );
    assert_eq!(
        in_flight_since(store, &first.fingerprint, late.created_at).await,
        Some(late.id),
        "[{be}] not_before is inclusive"
    );
}

pub async fn running_and_requeued_queries_are_in_flight(store: &dyn Store) {
    let be = store.backend();
    let (first, window) = in_flight(store).await;
    let found = || in_flight_since(store, &first.fingerprint, window);
    store.start_query(first.id, 1, None).await.unwrap();
    assert_eq!(
        found().await,
        Some(first.id),
        "[{be}] a running query is in flight"
    );
    store
        .requeue_query(first.id, ErrorType::Internal, "retry")
        .await
        .unwrap();
    assert_eq!(
        found().await,
        Some(first.id),
        "[{be}] a query queued again for a retry is in flight"
    );
}

pub async fn failed_completed_and_cache_hit_queries_are_not_in_flight(store: &dyn Store) {
    let be = store.backend();
    let (first, window) = in_flight(store).await;
    let (fp, config) = (&first.fingerprint, first.agent_config_version);
    let failed = new_query(fp, config, now_us());
    store.insert_query(&failed).await.unwrap();
    store.start_query(failed.id, 1, None).await.unwrap();
    store
        .fail_query(failed.id, ErrorType::NoData, "none")
        .await
        .unwrap();
    assert_eq!(
        in_flight_since(store, fp, window).await,
        Some(first.id),
        "[{be}] a failed query is not in flight"
    );
    assert!(
        store
            .complete_query(&result_for(first.id, config, now_us(), "inflight"))
            .await
            .unwrap()
    );
    let mut hit = new_query(fp, config, now_us());
    hit.answered_by = Some(first.id);
    store.insert_query(&hit).await.unwrap();
    assert_eq!(
        in_flight_since(store, fp, window).await,
        None,
        "[{be}] completed queries and cache hits are not in flight"
    );
}

/// Submitters racing with identical queries, half through a second store on the same
/// data (another process): each round records one query and the others join it.
pub async fn inflight_queries_are_listed_newest_first_before_a_time(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    // Dated an hour back, a minute apart, so they sort among themselves.
    let base = now_us() - TimeDelta::hours(1);
    let at = |minutes: i64| base + TimeDelta::minutes(minutes);
    let record = |minutes| async move {
        let q = new_query(&fresh_fingerprint(), config, at(minutes));
        store.insert_query(&q).await.expect("insert_query");
        q.id
    };
    let queued = record(0).await;
    let running = record(1).await;
    store.start_query(running, 1, None).await.unwrap();
    let failed = record(2).await;
    store
        .fail_query(failed, ErrorType::NoData, "none")
        .await
        .unwrap();
    let too_new = record(10).await;

    let listed = |before: DateTime<Utc>| async move {
        let ids: Vec<Uuid> = store
            .inflight_created_before(before, 10_000)
            .await
            .expect("inflight_created_before")
            .into_iter()
            .map(|q| q.id)
            .filter(|id| [queued, running, failed, too_new].contains(id))
            .collect();
        ids
    };
    assert_eq!(
        listed(at(10)).await,
        [running, queued],
        "[{be}] in flight, created strictly before, newest first"
    );
    assert_eq!(listed(at(1)).await, [queued], "[{be}] the next page");
    let page = store.inflight_created_before(at(1), 1).await.unwrap();
    assert!(page.len() <= 1, "[{be}] at most `limit`");
}

pub async fn concurrent_identical_submissions_record_one_query(f: &StoreFixture) {
    let (one, other) = (&*f.store, &*f.second);
    let be = one.backend();
    let config = fresh_config(one).await;
    let window = now_us() - TimeDelta::hours(1);
    for round in 0..20 {
        let fp = fresh_fingerprint();
        let racers: Vec<NewQuery> = (0..4).map(|_| new_query(&fp, config, now_us())).collect();
        let (a, b, c, d) = tokio::join!(
            one.insert_query_unless_inflight(&racers[0], window),
            other.insert_query_unless_inflight(&racers[1], window),
            one.insert_query_unless_inflight(&racers[2], window),
            other.insert_query_unless_inflight(&racers[3], window),
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
            "[{be}] round {round}: concurrent identical submissions must record one query: {outcomes:?}"
        );
        assert!(
            outcomes.iter().flatten().all(|id| *id == winners[0]),
            "[{be}] round {round}: the others join the one recorded: {outcomes:?}"
        );
        let recorded = scalar::<i64>(
            f,
            &format!(
                "SELECT COUNT(*) FROM queries WHERE fingerprint = '{}'",
                fp.as_str()
            ),
        )
        .await;
        assert_eq!(recorded, 1, "[{be}] round {round}: one row");
    }
}

/// Submissions made at the same moment may be written together (one transaction or
/// one statement): each still gets its own answer, and one the database refuses (an
/// unknown config version) costs the others nothing.
pub async fn concurrent_submissions_are_answered_each_on_its_own(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    let hour_ago = now_us() - TimeDelta::hours(1);
    let shared = fresh_fingerprint();
    let mut submissions: Vec<NewQuery> = (0..6)
        .map(|_| new_query(&fresh_fingerprint(), config, now_us()))
        .collect();
    // Two identical questions among them, and one naming a version that does not
    // exist.
    submissions.push(new_query(&shared, config, now_us()));
    submissions.push(new_query(&shared, config, now_us()));
    submissions.push(new_query(&fresh_fingerprint(), i64::MAX, now_us()));
    let answers = futures::future::join_all(
        submissions
            .iter()
            .map(|q| store.record_submission(q, Some(hour_ago), Some(hour_ago))),
    )
    .await;
    for (q, answer) in submissions[..6].iter().zip(&answers) {
        assert_eq!(
            answer.as_ref().ok(),
            Some(&Recorded::Inserted),
            "[{be}] a new question is inserted: {answer:?}"
        );
        assert_eq!(store.get_query(q.id).await.unwrap(), Some(q.recorded()));
    }
    let (first, second) = (&submissions[6], &submissions[7]);
    let pair = (answers[6].as_ref().ok(), answers[7].as_ref().ok());
    assert!(
        matches!(pair, (Some(Recorded::Inserted), Some(Recorded::Joined(id))) if *id == first.id)
            || matches!(pair, (Some(Recorded::Joined(id)), Some(Recorded::Inserted)) if *id == second.id),
        "[{be}] of two identical questions one is inserted and the other joins it: {pair:?}"
    );
    assert!(
        matches!(answers[8], Err(StoreError::NotFound(_))),
        "[{be}] the one naming an unknown config version is refused: {:?}",
        answers[8]
    );
    assert!(
        store.get_query(submissions[8].id).await.unwrap().is_none(),
        "[{be}] and not written"
    );
}

/// Submissions in flight at once (a batching store writes them together), none
/// refused: each is answered as if they had come one after another — a fresh result
/// answers, a query in flight is joined, new questions are inserted, and of two
/// identical new questions the second joins the first.
pub async fn concurrent_submissions_are_answered_as_one_after_another(store: &dyn Store) {
    let be = store.backend();
    let (newer, _) = two_results(store).await;
    let (inflight, window) = in_flight(store).await;
    let config = newer.agent_config_version;
    let shared = fresh_fingerprint();
    let submissions = [
        new_query(&newer.fingerprint, config, now_us()),
        new_query(&inflight.fingerprint, config, now_us()),
        new_query(&fresh_fingerprint(), config, now_us()),
        new_query(&shared, config, now_us()),
        new_query(&fresh_fingerprint(), config, now_us()),
        new_query(&shared, config, now_us()),
        new_query(&fresh_fingerprint(), config, now_us()),
    ];
    // The last one asks for neither look-up.
    let answers = futures::future::join_all(submissions.iter().enumerate().map(|(i, q)| {
        let guard = (i < submissions.len() - 1).then_some(window);
        store.record_submission(q, guard, guard)
    }))
    .await;
    let answers: Vec<Recorded> = answers
        .into_iter()
        .map(|a| a.expect("no submission is refused"))
        .collect();
    assert_eq!(
        answers[0],
        Recorded::Answered(newer.id),
        "[{be}] a fresh result answers"
    );
    let hit = NewQuery {
        answered_by: Some(newer.id),
        ..submissions[0].clone()
    };
    assert_eq!(
        store.get_query(hit.id).await.unwrap(),
        Some(hit.recorded()),
        "[{be}] recorded as a cache hit"
    );
    assert_eq!(
        answers[1],
        Recorded::Joined(inflight.id),
        "[{be}] the query in flight is joined"
    );
    assert!(store.get_query(submissions[1].id).await.unwrap().is_none());
    for i in [2, 4, 6] {
        assert_eq!(answers[i], Recorded::Inserted, "[{be}] new question {i}");
        assert_eq!(
            store.get_query(submissions[i].id).await.unwrap(),
            Some(submissions[i].recorded()),
            "[{be}] new question {i} reads back as written"
        );
    }
    let (first, second) = (&submissions[3], &submissions[5]);
    let pair = (&answers[3], &answers[5]);
    assert!(
        matches!(pair, (Recorded::Inserted, Recorded::Joined(id)) if *id == first.id)
            || matches!(pair, (Recorded::Joined(id), Recorded::Inserted) if *id == second.id),
        "[{be}] of two identical new questions one is inserted and the other joins it: {pair:?}"
    );
}
