//! The worker against the embedded queue: redelivery after a worker dies mid-job,
//! bounded attempts, and agent config versions.

mod support;

use std::time::Duration;

use marketlens_core::config::DEFAULT_AGENT_TOML;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{ClaimedJob, QueryStatus};
use marketlens_service::startup::App;
use marketlens_service::submit::{Dispatch, submit};
use marketlens_service::worker::{WorkerOptions, process_job, run_worker};

/// An app on `config` with one "espresso machine" analysis enqueued.
async fn app_with_one_job(
    config: &str,
    dir: &std::path::Path,
) -> (std::sync::Arc<App>, marketlens_service::submit::Submitted) {
    let app = support::app_with_config(config, dir).await;
    let request = AnalysisRequest {
        query: "espresso machine".into(),
        ..Default::default()
    };
    let submitted = submit(&app, &request, Dispatch::Enqueue, false)
        .await
        .unwrap();
    (app, submitted)
}

/// The queued job, claimed for `lease` by a worker (`doomed`) that then vanishes: it
/// never renews nor acknowledges it.
async fn claimed_by_a_doomed_worker(app: &App, lease: Duration) -> ClaimedJob {
    app.queue
        .claim("doomed", lease)
        .await
        .unwrap()
        .expect("a job is queued")
}

fn short_lease() -> String {
    DEFAULT_AGENT_TOML
        .replace("lease_secs = 300", "lease_secs = 1")
        .replace("retry_backoff_secs = 5", "retry_backoff_secs = 0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_worker_died_mid_run_is_redelivered_and_completed_once() {
    let dir = tempfile::tempdir().unwrap();
    let (app, s) = app_with_one_job(&short_lease(), dir.path()).await;

    // A worker takes the job, marks the query running, then vanishes (no ack, no renew).
    let job = claimed_by_a_doomed_worker(&app, Duration::from_millis(300)).await;
    app.store
        .start_query(s.query.id, job.attempt, None)
        .await
        .unwrap();
    assert_eq!(
        app.store
            .get_query(s.query.id)
            .await
            .unwrap()
            .unwrap()
            .status,
        QueryStatus::Running
    );

    // A healthy worker picks it up once the lease has run out.
    let (tx, rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(run_worker(app.clone(), WorkerOptions::new("healthy"), rx));
    let mut q = None;
    for _ in 0..100 {
        let r = app.store.get_query(s.query.id).await.unwrap().unwrap();
        if r.status == QueryStatus::Completed {
            q = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tx.send(true).unwrap();
    worker.await.unwrap();
    let q = q.expect("redelivered job completed");
    assert_eq!(q.attempts, 2);
    assert!(app.store.get_result(s.query.id).await.unwrap().is_some());
    let stats = app.queue.stats().await.unwrap();
    assert_eq!((stats.queued, stats.running, stats.dead), (0, 0, 0));

    // The dead worker's late acknowledgement is refused: the job is not its any more.
    assert!(app.queue.complete(&job, "doomed").await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_workers_keep_dying_ends_failed_with_worker_lost() {
    let dir = tempfile::tempdir().unwrap();
    let config = short_lease().replace("max_attempts = 3", "max_attempts = 1");
    let (app, s) = app_with_one_job(&config, dir.path()).await;
    let _lost = claimed_by_a_doomed_worker(&app, Duration::from_millis(50)).await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    let job = app
        .queue
        .claim("next", Duration::from_secs(5))
        .await
        .unwrap()
        .expect("delivered past its bound for the record");
    assert!(job.attempt > job.max_attempts);
    process_job(&app, &job, &WorkerOptions::new("next")).await;
    let q = app.store.get_query(s.query.id).await.unwrap().unwrap();
    assert_eq!(q.status, QueryStatus::Failed);
    assert_eq!(q.error_type.as_deref(), Some("worker_lost"));
    assert_eq!(app.queue.stats().await.unwrap().dead, 1);
}

#[tokio::test]
async fn a_changed_configuration_becomes_a_new_active_version() {
    let dir = tempfile::tempdir().unwrap();
    let first = support::app_with_config(DEFAULT_AGENT_TOML, dir.path())
        .await
        .config_version;
    // Same settings, different comments and layout: same version.
    let reformatted = format!("# edited\n{DEFAULT_AGENT_TOML}\n\n");
    assert_eq!(
        support::app_with_config(&reformatted, dir.path())
            .await
            .config_version,
        first
    );
    let changed = DEFAULT_AGENT_TOML.replace("min_reviews = 3", "min_reviews = 4");
    let app = support::app_with_config(&changed, dir.path()).await;
    assert_eq!(app.config_version, first + 1);
    assert_eq!(app.config.thresholds.min_reviews, 4);

    // Queries record the version they ran with.
    let s = submit(
        &app,
        &AnalysisRequest {
            query: "laptop".into(),
            ..Default::default()
        },
        Dispatch::RecordOnly,
        false,
    )
    .await
    .unwrap();
    assert_eq!(s.query.agent_config_version, first + 1);
}
