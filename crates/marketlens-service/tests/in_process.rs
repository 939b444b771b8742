//! One analysis run start to end in this process, as the CLI runs it: the outcome is
//! recorded on the query, a fresh identical result answers a second request, and a
//! failure is stored with its error type.

mod support;

use marketlens_core::ErrorType;
use marketlens_core::ports::QueryStatus;
use marketlens_service::in_process::InProcessError;
use support::{analyze, embedded_app};

#[tokio::test]
async fn a_run_is_recorded_and_a_fresh_identical_result_answers_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let app = embedded_app(dir.path()).await;
    let first = analyze(&app, "wireless headphones", true).await.unwrap();
    assert!(!first.cache_hit);
    assert_eq!(first.result.query_id, first.query.id);
    assert!(
        first.report.uri.starts_with("file://"),
        "{}",
        first.report.uri
    );
    assert!(
        first.result_uri.ends_with("/result.json"),
        "{}",
        first.result_uri
    );
    let recorded = app.store.get_query(first.query.id).await.unwrap().unwrap();
    assert_eq!(recorded.status, QueryStatus::Completed);
    assert_eq!(recorded.attempts, 1);

    let second = analyze(&app, "wireless headphones", true).await.unwrap();
    assert!(second.cache_hit);
    assert_ne!(second.query.id, first.query.id, "a query of its own");
    // The earlier result, read back from the store as the result type.
    let (a, b) = (&first.result, &second.result);
    assert_eq!(b.query_id, a.query_id);
    assert_eq!(b.generated_at, a.generated_at);
    assert_eq!(b.market.offer_count, a.market.offer_count);
    assert_eq!(b.sentiment.review_count, a.sentiment.review_count);
    assert_eq!(b.narrative, a.narrative);
    assert_eq!(second.report, first.report);
    assert_eq!(second.result_uri, first.result_uri);

    // Without reuse, the pipeline runs again.
    let third = analyze(&app, "wireless headphones", false).await.unwrap();
    assert!(!third.cache_hit);
    assert_ne!(third.report.key, first.report.key);
}

#[tokio::test]
async fn a_failed_run_is_stored_on_its_query_and_bad_input_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let app = embedded_app(dir.path()).await;
    let err = analyze(&app, "flux capacitor", true).await.unwrap_err();
    let InProcessError::Failed { query_id, error } = &err else {
        panic!("expected a failed analysis: {err}");
    };
    assert_eq!(error.error_type, ErrorType::NoData);
    assert_eq!(err.error_type(), ErrorType::NoData);
    let recorded = app.store.get_query(*query_id).await.unwrap().unwrap();
    assert_eq!(recorded.status, QueryStatus::Failed);
    assert_eq!(recorded.error_type.as_deref(), Some("no_data"));

    let err = analyze(&app, "   ", true).await.unwrap_err();
    assert!(matches!(err, InProcessError::Submit(_)), "{err}");
    assert_eq!(err.error_type(), ErrorType::EmptyQuery);
    let page = app
        .store
        .list_queries(&marketlens_core::domain::TenantId::local(), 1, 0)
        .await
        .unwrap();
    assert_eq!(page.total, 1, "only the failed analysis was recorded");
}
