//! An API and a worker that share the store and the queue but not the report store
//! (each on its own data directory with the local report store): the API still
//! serves the report of a completed analysis, rendered from the result in the store
//! of record, identical to the one the worker wrote.

mod support;

use std::sync::Arc;

use marketlens_adapters::LocalDirBlobStore;
use marketlens_core::ports::BlobStore;
use marketlens_service::live_config::LiveConfig;
use marketlens_service::startup::App;
use marketlens_service::worker::{WorkerOptions, run_worker};
use support::TestApp;
use tokio::sync::watch;

#[tokio::test]
async fn a_report_written_to_another_data_directory_is_served_from_the_stored_result() {
    let api = TestApp::spawn(0).await;
    // The worker's own data directory holds its reports; everything else is shared,
    // as with PostgreSQL and a Redis queue between machines.
    let elsewhere = tempfile::tempdir().unwrap();
    let worker_blob = Arc::new(LocalDirBlobStore::new(elsewhere.path().join("reports")).unwrap());
    let shared = &api.app;
    let worker_app = Arc::new(App {
        config: shared.config.clone(),
        config_version: shared.config_version,
        config_hash: shared.config_hash.clone(),
        configs: LiveConfig::new(shared.store.clone(), shared.configs.active().await.unwrap()),
        store: shared.store.clone(),
        queue: shared.queue.clone(),
        intake: shared.intake.clone(),
        cache: shared.cache.clone(),
        blob: worker_blob.clone(),
        sources: shared.sources.clone(),
        rates: shared.rates.clone(),
        warnings: Vec::new(),
        llm_cache_in_store: shared.llm_cache_in_store,
    });
    let (stop_worker, stopped) = watch::channel(false);
    let worker = tokio::spawn(run_worker(
        worker_app,
        WorkerOptions::new("worker-elsewhere"),
        stopped,
    ));

    let created: serde_json::Value = api
        .post(&serde_json::json!({"query": "wireless headphones"}))
        .await
        .json()
        .await
        .unwrap();
    let location = format!("/v1/analyses/{}", created["id"].as_str().unwrap());
    let done = api.wait_done(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    let id = created["id"].as_str().unwrap().parse().unwrap();
    let stored = api.app.store.get_result(id).await.unwrap().unwrap();
    assert_eq!(
        api.app.blob.get(&stored.report_key).await.unwrap(),
        None,
        "the report is only in the worker's report store"
    );
    let written = worker_blob.get(&stored.report_key).await.unwrap().unwrap();

    let res = api.get(&format!("{location}/report")).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/html; charset=utf-8",
        "{:?}",
        res.headers()
    );
    let served = res.bytes().await.unwrap();
    assert!(
        served == written.as_slice(),
        "the served report is the one the worker wrote"
    );

    let _ = stop_worker.send(true);
    let _ = worker.await;
    api.stop().await;
}
