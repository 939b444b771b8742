//! Agent config versions, and a query from its insert through running, progress and
//! retries to its result or failure.

use std::future::Future;

use marketlens_core::ErrorType;
use marketlens_core::domain::TenantId;
use marketlens_core::ports::{
    JudgeColumns, LlmUsage, QueryRecord, QueryStatus, StageProgress, StageState, Store, StoreError,
};
use uuid::Uuid;

use super::{
    completed_query, fresh_config, fresh_fingerprint, new_query, not_found, recorded_query,
    result_for, running_query,
};
use crate::contract::now_us;

pub async fn a_reachable_store_answers_ping(store: &dyn Store) {
    store.ping().await.expect("ping");
}

pub async fn reactivating_the_active_config_keeps_its_version(store: &dyn Store) {
    let be = store.backend();
    let hash = format!("a-{}", Uuid::new_v4());
    let v1 = store
        .activate_agent_config(&hash, "# a")
        .await
        .expect("activate a config");
    assert_eq!(
        store.activate_agent_config(&hash, "# a").await.unwrap(),
        v1,
        "[{be}] re-activating the active config's hash must keep its version"
    );
}

pub async fn a_different_config_gets_a_new_greater_version(store: &dyn Store) {
    let be = store.backend();
    let tag = Uuid::new_v4();
    let (hash_a, hash_b) = (format!("a-{tag}"), format!("b-{tag}"));
    let v1 = store.activate_agent_config(&hash_a, "# a").await.unwrap();
    let v2 = store.activate_agent_config(&hash_b, "# b").await.unwrap();
    assert!(
        v2 > v1,
        "[{be}] a new config hash must get a new, greater version"
    );
    assert_eq!(
        store.activate_agent_config(&hash_b, "# b").await.unwrap(),
        v2,
        "[{be}] the new active config keeps its version when activated again"
    );
    let v3 = store.activate_agent_config(&hash_a, "# a").await.unwrap();
    assert!(
        v3 > v2,
        "[{be}] going back to an older hash must activate a new version, the active one being b"
    );
}

pub async fn an_unknown_agent_config_is_not_found(store: &dyn Store) {
    let be = store.backend();
    let unknown = i64::MAX;
    let query = new_query(&fresh_fingerprint(), unknown, now_us());
    assert!(
        not_found(store.insert_query(&query).await),
        "[{be}] a query naming an unknown config version is NotFound"
    );
    assert!(
        not_found(
            store
                .complete_query(&result_for(Uuid::new_v4(), unknown, now_us(), "x"))
                .await
        ),
        "[{be}] a result for an unknown query and config is NotFound"
    );
}

pub async fn an_inserted_query_reads_back(store: &dyn Store) {
    let be = store.backend();
    let config = fresh_config(store).await;
    let created = now_us();
    let mut nq = new_query(&fresh_fingerprint(), config, created);
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
    assert_eq!(q.fingerprint, nq.fingerprint);
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
    assert_eq!((&q.error_type, &q.error_message), (&None, &None));
    assert_eq!(
        q,
        nq.recorded(),
        "[{be}] the stored query is the record a submitter answers without reading it back"
    );
}

pub async fn an_unknown_query_has_no_record_and_no_result(store: &dyn Store) {
    let be = store.backend();
    let unknown = Uuid::new_v4();
    assert!(store.get_query(unknown).await.unwrap().is_none());
    assert!(store.get_result(unknown).await.unwrap().is_none());
    let queued = recorded_query(store).await;
    assert!(
        store.get_result(queued.id).await.unwrap().is_none(),
        "[{be}] a queued query has no result yet"
    );
}

pub async fn starting_a_query_marks_it_running(store: &dyn Store) {
    let be = store.backend();
    let mut nq = new_query(&fresh_fingerprint(), fresh_config(store).await, now_us());
    nq.trace_id = Some("trace-at-submit".into());
    store.insert_query(&nq).await.unwrap();
    store
        .start_query(nq.id, 1, None)
        .await
        .expect("start_query");
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!((q.status, q.attempts), (QueryStatus::Running, 1));
    assert!(
        q.started_at.is_some(),
        "[{be}] start_query must set started_at"
    );
    assert_eq!(
        q.trace_id.as_deref(),
        Some("trace-at-submit"),
        "[{be}] start_query without a trace id keeps the stored one"
    );
    store.start_query(nq.id, 2, Some("trace-2")).await.unwrap();
    let q = store.get_query(nq.id).await.unwrap().unwrap();
    assert_eq!((q.status, q.attempts), (QueryStatus::Running, 2));
    assert_eq!(
        q.trace_id.as_deref(),
        Some("trace-2"),
        "[{be}] start_query with a trace id replaces the stored one"
    );
}

fn two_stages() -> Vec<StageProgress> {
    vec![
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
    ]
}

pub async fn set_progress_replaces_the_stage_list(store: &dyn Store) {
    let be = store.backend();
    let q = running_query(store).await;
    let progress = two_stages();
    store
        .set_progress(q.id, &progress)
        .await
        .expect("set_progress");
    assert_eq!(
        store.get_query(q.id).await.unwrap().unwrap().progress,
        progress,
        "[{be}] progress must round-trip"
    );
    store.set_progress(q.id, &progress[..1]).await.unwrap();
    assert_eq!(
        store.get_query(q.id).await.unwrap().unwrap().progress,
        progress[..1],
        "[{be}] set_progress replaces the whole list"
    );
}

/// A running query after `give_up` (a requeue or a failure, each with its error) was
/// applied to it, as it reads back.
async fn after_an_error<F>(store: &dyn Store, give_up: impl FnOnce(Uuid) -> F) -> QueryRecord
where
    F: Future<Output = Result<(), StoreError>>,
{
    let q = running_query(store).await;
    give_up(q.id).await.expect("recording the error");
    store
        .get_query(q.id)
        .await
        .expect("get_query")
        .expect("the query is stored")
}

pub async fn requeueing_keeps_the_error_for_the_next_attempt(store: &dyn Store) {
    let requeue = |id| store.requeue_query(id, ErrorType::SourceTimeout, "catalog timed out");
    let r = after_an_error(store, requeue).await;
    assert_eq!((r.status, r.attempts), (QueryStatus::Queued, 1));
    assert_eq!(r.error_type.as_deref(), Some("source_timeout"));
    assert_eq!(r.error_message.as_deref(), Some("catalog timed out"));
}

pub async fn completing_records_the_result_and_clears_the_error(store: &dyn Store) {
    let be = store.backend();
    let nq = running_query(store).await;
    store
        .requeue_query(nq.id, ErrorType::SourceTimeout, "catalog timed out")
        .await
        .unwrap();
    store.start_query(nq.id, 2, None).await.unwrap();
    let result = result_for(nq.id, nq.agent_config_version, now_us(), "first");
    assert!(
        store.complete_query(&result).await.expect("complete_query"),
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
    assert_eq!(
        store.get_result(nq.id).await.unwrap(),
        Some(result),
        "[{be}] the result round-trips"
    );
}

pub async fn complete_query_is_idempotent(store: &dyn Store) {
    let be = store.backend();
    let (nq, first) = completed_query(store, "first").await;
    let record = store.get_query(nq.id).await.unwrap().unwrap();
    let second = result_for(nq.id, nq.agent_config_version, now_us(), "second");
    assert!(
        !store.complete_query(&second).await.unwrap(),
        "[{be}] a second complete_query for the same query must return false"
    );
    assert_eq!(
        store.get_result(nq.id).await.unwrap(),
        Some(first),
        "[{be}] the first result stays, unchanged"
    );
    assert_eq!(store.get_query(nq.id).await.unwrap().unwrap(), record);
}

pub async fn a_completed_query_is_final(store: &dyn Store) {
    let be = store.backend();
    let (nq, _) = completed_query(store, "final").await;
    let record = store.get_query(nq.id).await.unwrap().unwrap();
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
        record,
        "[{be}] start/fail/requeue must not change a completed query"
    );
}

pub async fn lifecycle_calls_on_an_unknown_query_are_not_found(store: &dyn Store) {
    let be = store.backend();
    let ghost = Uuid::new_v4();
    assert!(
        not_found(store.start_query(ghost, 1, None).await),
        "[{be}] start_query of an unknown id is NotFound"
    );
    assert!(
        not_found(store.fail_query(ghost, ErrorType::Internal, "x").await),
        "[{be}] fail_query of an unknown id is NotFound"
    );
    assert!(
        not_found(store.requeue_query(ghost, ErrorType::Internal, "x").await),
        "[{be}] requeue_query of an unknown id is NotFound"
    );
    assert!(
        not_found(store.set_progress(ghost, &two_stages()).await),
        "[{be}] set_progress of an unknown id is NotFound"
    );
}

pub async fn failing_a_query_records_the_error(store: &dyn Store) {
    let be = store.backend();
    let fail = |id| store.fail_query(id, ErrorType::NoData, "no source returned products");
    let f = after_an_error(store, fail).await;
    assert_eq!(f.status, QueryStatus::Failed);
    assert!(f.finished_at.is_some(), "[{be}] failure sets finished_at");
    assert_eq!(f.error_type.as_deref(), Some("no_data"));
    assert_eq!(
        f.error_message.as_deref(),
        Some("no source returned products")
    );
    assert!(store.get_result(f.id).await.unwrap().is_none());
}

pub async fn the_active_version_and_its_history_read_back(store: &dyn Store) {
    let be = store.backend();
    let tag = Uuid::new_v4();
    let before = now_us();
    let v1 = store
        .activate_agent_config_as(&format!("a-{tag}"), "a = 1", Some("ops@example"))
        .await
        .unwrap();
    assert_eq!(
        store.active_agent_config_version().await.unwrap(),
        Some(v1),
        "[{be}] the version just activated is the active one"
    );
    let v2 = store
        .activate_agent_config(&format!("b-{tag}"), "b = 2")
        .await
        .unwrap();
    assert_eq!(store.active_agent_config_version().await.unwrap(), Some(v2));
    let first = store
        .get_agent_config(v1)
        .await
        .unwrap()
        .expect("v1 exists");
    assert_eq!(
        (
            first.version,
            first.content_hash.as_str(),
            first.config_toml.as_str(),
            first.active,
            first.activated_by.as_deref()
        ),
        (
            v1,
            format!("a-{tag}").as_str(),
            "a = 1",
            false,
            Some("ops@example")
        ),
        "[{be}] a version reads back with who activated it, no longer active"
    );
    assert!(first.activated_at >= before, "[{be}] activated_at is when");
    let second = store.get_agent_config(v2).await.unwrap().unwrap();
    assert!(second.active && second.activated_by.is_none());
    assert!(second.activated_at >= first.activated_at);
    let history = store.list_agent_configs(2).await.unwrap();
    assert_eq!(
        history.iter().map(|c| c.version).collect::<Vec<_>>(),
        [v2, v1],
        "[{be}] history is newest first, bounded by the limit"
    );
    assert_eq!(history[0], second);
    assert_eq!(
        store.get_agent_config(i64::MAX).await.unwrap(),
        None,
        "[{be}] an unknown version reads as none"
    );
}

/// A result's LLM usage reads back exactly, and the costs of the results recorded
/// from a time on add up (to the micro-dollar); results without one count nothing.
pub async fn llm_usage_round_trips_and_costs_sum_from_a_time(store: &dyn Store) {
    let be = store.backend();
    // A window of its own, ten years ahead: no other rule dates results there, and a
    // second run of this rule starts its window after this run's last result.
    let since = now_us() + chrono::Duration::days(3_650);
    let ms = chrono::Duration::milliseconds;
    let usage = |cost| LlmUsage {
        prompt_tokens: 1_234,
        completion_tokens: 56,
        cost_microdollars: cost,
    };
    let mut ids = Vec::new();
    for (at, cost) in [
        (since - ms(1), Some(1_000_000)),
        (since, Some(450)),
        (since + ms(1), Some(7_500)),
        (since + ms(2), None),
    ] {
        let nq = running_query(store).await;
        let mut result = result_for(nq.id, nq.agent_config_version, at, "llm");
        result.llm_usage = cost.map(usage);
        assert!(store.complete_query(&result).await.unwrap());
        ids.push((nq.id, result.llm_usage));
    }
    for (id, expected) in ids {
        let read = store.get_result(id).await.unwrap().unwrap();
        assert_eq!(read.llm_usage, expected, "[{be}] LLM usage round-trips");
        assert_eq!((read.llm_status, read.judge), (None, None));
    }
    // The generated text's outcome and the judge's verdict read back as written.
    for (status, judge) in [
        (
            "accepted",
            Some(JudgeColumns {
                coherence: 4,
                clarity: 5,
                consistent_with_figures: false,
            }),
        ),
        ("rejected", None),
        ("skipped", None),
    ] {
        let nq = running_query(store).await;
        let mut result = result_for(nq.id, nq.agent_config_version, now_us(), "judged");
        result.llm_status = Some(status.to_owned());
        result.judge = judge;
        assert!(store.complete_query(&result).await.unwrap());
        let read = store.get_result(nq.id).await.unwrap().unwrap();
        assert_eq!(
            (read.llm_status, read.judge),
            (Some(status.to_owned()), judge),
            "[{be}] LLM outcome round-trips"
        );
    }
    // Another tenant's spending is its own: each tenant has its daily budget.
    let other = super::tenants::fresh_tenant(store).await;
    let mut theirs = new_query(&fresh_fingerprint(), fresh_config(store).await, now_us());
    theirs.tenant = other.clone();
    store.insert_query(&theirs).await.unwrap();
    store.start_query(theirs.id, 1, None).await.unwrap();
    let mut result = result_for(theirs.id, theirs.agent_config_version, since + ms(3), "llm");
    result.llm_usage = Some(usage(99_000));
    assert!(store.complete_query(&result).await.unwrap());
    assert_eq!(
        store
            .llm_cost_since(&TenantId::local(), since)
            .await
            .unwrap(),
        450 + 7_500,
        "[{be}] the tenant's costs at or after the time, exactly"
    );
    assert_eq!(
        store.llm_cost_since(&other, since).await.unwrap(),
        99_000,
        "[{be}] another tenant's costs are counted apart"
    );
}
