//! Fingerprint coalescing through the HTTP API: identical requests while one is in
//! flight share its query and its single job; once it is done, a fresh result is
//! reused instead.

mod support;

use std::time::Duration;

use marketlens_service::worker::{WorkerOptions, process_job};
use serde_json::json;
use support::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_requests_in_flight_share_one_job() {
    // No worker: everything submitted stays queued until this test runs the job.
    let t = TestApp::spawn(0).await;
    let body = json!({"query": "wireless headphones", "currency": "EUR", "market": "FR"});

    let first = t.post(&body).await;
    assert_eq!(first.status(), 202);
    let location = first.headers()["location"].to_str().unwrap().to_owned();
    let first: serde_json::Value = first.json().await.unwrap();
    assert_eq!(first["coalesced"], false, "{first}");
    assert_eq!(first["status"], "queued");
    let id = first["id"].as_str().unwrap().to_owned();

    // The same question again, spelled differently (same fingerprint), and a burst of
    // concurrent copies: all answered with the first analysis.
    let again = t
        .post(&json!({"query": "  Wireless   HEADPHONES ", "currency": "EUR", "market": "FR"}))
        .await;
    assert_eq!(
        again.status(),
        202,
        "joined work is still accepted, not done"
    );
    assert_eq!(again.headers()["location"].to_str().unwrap(), location);
    let again: serde_json::Value = again.json().await.unwrap();
    assert_eq!(again["id"], id.as_str(), "{again}");
    assert_eq!(again["coalesced"], true, "{again}");
    assert_eq!(again["fingerprint"], first["fingerprint"]);
    let burst = futures::future::join_all((0..8).map(|_| t.post(&body))).await;
    for res in burst {
        assert_eq!(res.status(), 202);
        let v: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            (v["id"].as_str(), &v["coalesced"]),
            (Some(id.as_str()), &json!(true))
        );
    }
    let stats = t.app.queue.stats().await.unwrap();
    assert_eq!(
        stats.queued, 1,
        "one job for ten identical requests: {stats:?}"
    );
    assert_eq!(t.local_query_total().await, 1);

    // Different parameters are a different question: new query, new job.
    let other = t
        .post(&json!({"query": "wireless headphones", "currency": "USD", "market": "US"}))
        .await;
    assert_eq!(other.status(), 202);
    let other: serde_json::Value = other.json().await.unwrap();
    assert_ne!(other["id"], id.as_str());
    assert_eq!(other["coalesced"], false);
    assert_eq!(t.app.queue.stats().await.unwrap().queued, 2);

    // Run the shared job (and the other one) to completion.
    let options = WorkerOptions::new("test-worker");
    while let Some(job) = t
        .app
        .queue
        .claim(&options.worker_id, Duration::from_secs(60))
        .await
        .unwrap()
    {
        process_job(&t.app, &job, &options).await;
    }
    let done: serde_json::Value = t.get_json(&location).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["attempts"], 1, "the shared job ran once");

    // Done: the same request now reuses the fresh result (a cache hit of its own),
    // it does not join anything.
    let later = t.post(&body).await;
    assert_eq!(later.status(), 200);
    let later: serde_json::Value = later.json().await.unwrap();
    assert_eq!(later["cache_hit"], true, "{later}");
    assert_eq!(later["coalesced"], false);
    assert_ne!(later["id"], id.as_str());
    let stats = t.app.queue.stats().await.unwrap();
    assert_eq!((stats.queued, stats.running), (0, 0), "{stats:?}");
    t.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_analysis_is_not_joined() {
    let t = TestApp::spawn(0).await;
    // Nothing in the sample catalogue matches: the analysis fails with no_data.
    let body = json!({"query": "zzqx unobtainium flux capacitor"});
    let first: serde_json::Value = t.post_json(&body).await;
    let options = WorkerOptions::new("test-worker");
    let job = t
        .app
        .queue
        .claim(&options.worker_id, Duration::from_secs(60))
        .await
        .unwrap()
        .expect("the job");
    process_job(&t.app, &job, &options).await;
    let failed: serde_json::Value = t
        .get_json(&format!("/v1/analyses/{}", first["id"].as_str().unwrap()))
        .await;
    assert_eq!(failed["status"], "failed", "{failed}");

    // Asking again is new work, not a join onto the failure.
    let res = t.post(&body).await;
    assert_eq!(res.status(), 202);
    let retry: serde_json::Value = res.json().await.unwrap();
    assert_ne!(retry["id"], first["id"]);
    assert_eq!(retry["coalesced"], false);
    assert_eq!(t.app.queue.stats().await.unwrap().queued, 1);
    t.stop().await;
}
