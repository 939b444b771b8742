//! Analyses whose job the queue lost (a broker restarted without persistence): not
//! joined by identical requests, and queued again or failed by the reconciler.

mod support;

use chrono::{Duration, Utc};
use marketlens_core::ErrorType;
use marketlens_core::domain::{AnalysisRequest, Fingerprint};
use marketlens_core::ports::{JobPayload, NewQuery, QueryStatus};
use marketlens_service::reconcile::{Reconciled, reconcile_orphans};
use serde_json::json;
use support::TestApp;
use uuid::Uuid;

const QUERY: &str = "wireless headphones";

/// A query for [`QUERY`] recorded `age` ago, with no job on the queue: what a queue
/// that lost its jobs leaves behind.
async fn orphan(t: &TestApp, age: Duration) -> Uuid {
    let config = &t.app.config;
    let request = AnalysisRequest {
        query: QUERY.into(),
        ..Default::default()
    };
    let (query, params) = request
        .parse(
            &config.defaults,
            &config.enabled_source_names(),
            &config.known_markets(),
        )
        .unwrap();
    let new = NewQuery {
        id: Uuid::now_v7(),
        tenant: marketlens_core::domain::TenantId::local(),
        text: query.raw().to_owned(),
        normalized_text: query.normalized().to_owned(),
        fingerprint: Fingerprint::compute(&query, &params),
        params,
        agent_config_version: t.app.config_version,
        trace_id: None,
        created_at: Utc::now() - age,
        answered_by: None,
        user_id: None,
        experiment: None,
    };
    t.app.store.insert_query(&new).await.unwrap();
    new.id
}

#[tokio::test]
async fn an_identical_request_does_not_join_an_analysis_whose_job_is_lost() {
    let t = TestApp::spawn(0).await;
    let lost = orphan(&t, Duration::minutes(5)).await;

    let first: serde_json::Value = t.post_json(&json!({ "query": QUERY })).await;
    assert_eq!(first["coalesced"], false, "{first}");
    assert_ne!(first["id"], lost.to_string(), "joined the orphan");
    let id = Uuid::parse_str(first["id"].as_str().unwrap()).unwrap();
    assert!(t.app.queue.has_job(id).await.unwrap());

    // The next identical request joins the new analysis, which has a job.
    let second: serde_json::Value = t.post_json(&json!({ "query": QUERY })).await;
    assert_eq!(second["coalesced"], true, "{second}");
    assert_eq!(second["id"], first["id"]);
    t.stop().await;
}

#[tokio::test]
async fn the_reconciler_queues_orphans_again_and_fails_spent_ones() {
    let t = TestApp::spawn(0).await;
    let (store, queue) = (&t.app.store, &t.app.queue);
    let old = Duration::minutes(10);
    let queued = orphan(&t, old).await;
    let running = orphan(&t, old).await;
    store.start_query(running, 1, None).await.unwrap();
    let spent = orphan(&t, old).await;
    let max_attempts = t.app.config.queue.max_attempts;
    store.start_query(spent, max_attempts, None).await.unwrap();
    // Too young to tell, and one whose job exists: both left alone.
    let young = orphan(&t, Duration::seconds(1)).await;
    let with_job = orphan(&t, old).await;
    queue
        .enqueue(with_job, &JobPayload::default())
        .await
        .unwrap();

    let done = reconcile_orphans(&t.app, Utc::now()).await.unwrap();
    assert_eq!(
        done,
        Reconciled {
            checked: 4,
            requeued: 2,
            failed: 1
        }
    );
    for id in [queued, running, with_job] {
        assert!(queue.has_job(id).await.unwrap(), "{id} has a job");
        let q = store.get_query(id).await.unwrap().unwrap();
        assert_eq!(q.status, QueryStatus::Queued, "{id}");
    }
    let q = store.get_query(running).await.unwrap().unwrap();
    assert_eq!(
        q.error_type.as_deref(),
        Some(ErrorType::Interrupted.as_str())
    );
    let q = store.get_query(spent).await.unwrap().unwrap();
    assert_eq!(q.status, QueryStatus::Failed);
    assert_eq!(
        q.error_type.as_deref(),
        Some(ErrorType::WorkerLost.as_str())
    );
    assert!(!queue.has_job(spent).await.unwrap());
    assert!(
        !queue.has_job(young).await.unwrap(),
        "the young one is left alone"
    );
    assert_eq!(queue.stats().await.unwrap().queued, 3);

    // A second pass finds nothing left to do.
    let again = reconcile_orphans(&t.app, Utc::now()).await.unwrap();
    assert_eq!((again.requeued, again.failed), (0, 0));
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_requeued_orphan_completes() {
    let t = TestApp::spawn(1).await;
    let lost = orphan(&t, Duration::minutes(10)).await;
    reconcile_orphans(&t.app, Utc::now()).await.unwrap();
    let done = t.wait_done(&format!("/v1/analyses/{lost}")).await;
    assert_eq!(done["status"], "completed", "{done}");
    t.stop().await;
}
