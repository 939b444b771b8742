//! The rules of the `Source` port, one function each, checked on one kind through the
//! trait only. The port's documentation states the first ones: a source answers to its
//! configured name and its kind, and returns products matching the query, at most
//! `max_products`, with any notice for its data. The others are what the pipeline
//! relies on: nothing found is an empty batch (the analysis then says "no data"), not
//! an error; every product names its source (reports and caches group by it); a shop
//! that stops answering becomes a `source_timeout` error in bounded time; and neither
//! query text nor a shop's content can make a source panic.

use std::sync::Arc;
use std::time::{Duration, Instant};

use marketlens_core::ErrorType;
use marketlens_core::config::{RequestDefaults, SourceEntry};
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{Source, SourceBatch, SourceError, SourceQuery};
use marketlens_sources::{KINDS, SourceBuildError, build_source};
use toml::{Table, toml};

use crate::hostile;
use crate::kinds::{Kind, Live, ReadsContent};

/// The configured name of every source under test.
const NAME: &str = "compliance-source";
/// A query every working source has more than three products for.
pub const MATCHING: &str = "headphones";
/// A query no source has products for.
const NOTHING: &str = "zzqx unobtainium";
/// The longest a search may take before the suite calls it hung.
const HUNG: Duration = Duration::from_secs(60);

fn build(kind: &str, settings: &Table) -> Result<Arc<dyn Source>, SourceBuildError> {
    build_source(&SourceEntry {
        name: NAME.into(),
        kind: kind.into(),
        enabled: true,
        timeout_secs: None,
        fallback: None,
        settings: settings.clone(),
    })
}

fn query(text: &str, max_products: u32) -> SourceQuery {
    let (query, params) = AnalysisRequest {
        query: text.into(),
        max_products: Some(max_products),
        ..Default::default()
    }
    .parse(&RequestDefaults::default(), &[], &[])
    .unwrap_or_else(|e| panic!("{text:?} is a query the API accepts: {e}"));
    SourceQuery { query, params }
}

/// Runs one search on its own task, so a panic is reported with the input that
/// caused it, and a hang ends the test instead of holding it.
async fn search(
    source: &Arc<dyn Source>,
    text: &str,
    max_products: u32,
    input: &str,
) -> Result<SourceBatch, SourceError> {
    let source = source.clone();
    let q = query(text, max_products);
    let task = tokio::spawn(async move { source.search(&q).await });
    match tokio::time::timeout(HUNG, task).await {
        Err(_) => panic!("{input}: no answer within {HUNG:?}"),
        Ok(Err(join)) => panic!("{input}: the search panicked: {join}"),
        Ok(Ok(result)) => result,
    }
}

/// The working source of `kind`.
async fn working(kind: &impl Kind) -> (Arc<dyn Source>, crate::kinds::Setup) {
    let setup = kind.working().await;
    let source = build(kind.kind(), &setup.settings)
        .unwrap_or_else(|e| panic!("the working {} source builds: {e}", kind.kind()));
    (source, setup)
}

fn assert_named(batch: &SourceBatch, input: &str) {
    for p in &batch.products {
        assert_eq!(p.source, NAME, "{input}: product {:?}", p.title);
    }
}

pub async fn name_and_kind_are_the_configured_ones(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    assert_eq!(source.name(), NAME);
    assert_eq!(source.kind(), kind.kind());
    assert!(
        KINDS.contains(&source.kind()),
        "{} is not listed in KINDS",
        source.kind()
    );
}

pub async fn a_query_without_matches_is_an_empty_batch(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    let batch = search(&source, NOTHING, 50, NOTHING)
        .await
        .unwrap_or_else(|e| panic!("finding nothing is not an error: {e}"));
    assert!(
        batch.products.is_empty(),
        "{NOTHING:?} found {:?}",
        batch.products.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
}

pub async fn products_carry_their_source_name(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    let batch = search(&source, MATCHING, 50, MATCHING).await.unwrap();
    assert!(!batch.products.is_empty(), "{MATCHING:?} found nothing");
    assert_named(&batch, MATCHING);
}

pub async fn at_most_max_products(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    let all = search(&source, MATCHING, 50, MATCHING).await.unwrap();
    assert!(
        all.products.len() > 3,
        "{MATCHING:?} found {}",
        all.products.len()
    );
    let three = search(&source, MATCHING, 3, MATCHING).await.unwrap();
    assert_eq!(three.products.len(), 3);
}

pub async fn the_notice_comes_with_the_batch(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    let batch = search(&source, MATCHING, 50, MATCHING).await.unwrap();
    let notice = batch.notice.unwrap_or_default();
    assert!(
        notice.contains(kind.notice()),
        "notice {notice:?} lacks {:?}",
        kind.notice()
    );
}

pub async fn hostile_query_text_never_breaks_a_search(kind: &impl Kind) {
    let (source, _setup) = working(kind).await;
    for text in hostile::queries() {
        let input = format!("query {text:?}");
        let batch = search(&source, &text, 50, &input)
            .await
            .unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_named(&batch, &input);
    }
}

pub async fn hostile_content_never_panics(kind: &(impl ReadsContent + Sync)) {
    for content in hostile::contents() {
        let setup = kind.reading(&content).await;
        let input = format!("content {}", content.name);
        let source = match build(kind.kind(), &setup.settings) {
            Ok(source) => source,
            // A catalogue reads its files when built: refusing them is right.
            Err(e) => {
                assert_eq!(e.error_type(), ErrorType::InvalidConfig, "{input}: {e}");
                continue;
            }
        };
        match search(&source, MATCHING, 50, &input).await {
            Ok(batch) => assert_named(&batch, &input),
            Err(e) => assert_eq!(e.error_type, ErrorType::SourceFailed, "{input}: {e}"),
        }
    }
}

/// A request's time limit in the stalled-shop rule.
const STALL_REQUEST_TIMEOUT_MS: u64 = 300;

pub async fn a_stalled_shop_is_a_timely_source_timeout(kind: &impl Live) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    // Accepts every connection and never answers; held open until the test ends.
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut http = toml! {
        allow_private_hosts = ["127.0.0.1"]
        min_interval_ms = 0
        max_retries = 1
        retry_base_delay_ms = 10
    };
    http.insert(
        "request_timeout_ms".into(),
        (STALL_REQUEST_TIMEOUT_MS as i64).into(),
    );
    let source = build(kind.kind(), &kind.at(&base, http)).unwrap();
    let started = Instant::now();
    let err = search(&source, MATCHING, 50, "a stalled shop")
        .await
        .expect_err("a shop that never answers has no products");
    let took = started.elapsed();
    assert_eq!(err.error_type, ErrorType::SourceTimeout, "{err}");
    // A search asks a stalled shop a handful of times at most (two start pages, each
    // tried twice): ten request timeouts is ample, and far from "never".
    let bound = Duration::from_millis(10 * STALL_REQUEST_TIMEOUT_MS);
    assert!(took < bound, "gave up after {took:?}, more than {bound:?}");
}
