//! Live sources in the pipeline, against the demo shop on a local port: a live fetch,
//! the stale cache when the shop goes down, the configured fallback source, and
//! `no_data` when nothing is left.

mod support;

use std::sync::Arc;
use std::time::Duration;

use marketlens_core::ErrorType;
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::PriceObservation;
use marketlens_service::in_process::{InProcessError, analyze_in_process};
use marketlens_service::pipeline::NoProgress;
use marketlens_service::startup::App;
use serde_json::Value;
use tokio::sync::oneshot;

/// The demo shop on a random port; dropping the sender stops it.
async fn demo_shop() -> (String, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(marketlens_sources::demo_shop::serve(listener, async {
        let _ = rx.await;
    }));
    (base, tx)
}

/// HTTP settings of a source reading the demo shop on 127.0.0.1.
const LOCAL_HTTP: &str = "[sources.settings.http]\nallow_private_hosts = [\"127.0.0.1\"]\n\
                          min_interval_ms = 0\nmax_retries = 1\nretry_base_delay_ms = 1\n\
                          connect_timeout_ms = 500\n";

/// The built-in configuration plus `sources` (TOML `[[sources]]` entries), with a
/// collected-products TTL of `ttl_secs`.
async fn app_with(dir: &std::path::Path, ttl_secs: u64, sources: &str) -> Arc<App> {
    let toml = marketlens_core::config::DEFAULT_AGENT_TOML.replace(
        "collected_products_ttl_secs = 900",
        &format!("collected_products_ttl_secs = {ttl_secs}"),
    ) + sources;
    support::app_with_config(&toml, dir).await
}

/// A `schema_org` source named `shop` scraping the demo shop at `base`, with `extra`
/// entry settings (such as a fallback).
fn shop_source(base: &str, extra: &str) -> String {
    format!(
        "\n[[sources]]\nname = \"shop\"\nkind = \"schema_org\"\ntimeout_secs = 20\n{extra}\
         [sources.settings]\nsearch_url = \"{base}/search?q={{query}}&page={{page}}\"\n{LOCAL_HTTP}"
    )
}

/// The built-in configuration plus a `shop` source scraping `base`, a 1 s
/// collected-products TTL, and optionally `fallback = "catalog"`.
async fn app(dir: &std::path::Path, base: &str, fallback: bool) -> Arc<App> {
    let extra = if fallback {
        "fallback = \"catalog\"\n"
    } else {
        ""
    };
    app_with(dir, 1, &shop_source(base, extra)).await
}

async fn analyse(app: &Arc<App>, query: &str) -> Result<Value, InProcessError> {
    let request = AnalysisRequest {
        query: query.into(),
        sources: Some(vec!["shop".into()]),
        ..Default::default()
    };
    let done = analyze_in_process(app, &request, false, &NoProgress).await?;
    Ok(serde_json::to_value(&done.result).unwrap())
}

/// Price observations stored for the products of `result`.
async fn observations(app: &Arc<App>, result: &Value) -> Vec<PriceObservation> {
    let ids: Vec<String> = result["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    app.store.price_history(&ids, since).await.unwrap()
}

fn shop_outcome(result: &Value) -> &Value {
    result["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "shop")
        .unwrap()
}

#[tokio::test]
async fn shop_down_serves_the_stale_entry_with_its_age_then_no_data_without_cache() {
    let dir = tempfile::tempdir().unwrap();
    let (base, stop) = demo_shop().await;
    let app = app(dir.path(), &base, false).await;

    let live = analyse(&app, "wireless headphones").await.unwrap();
    let o = shop_outcome(&live);
    assert_eq!(o["status"], "live");
    let live_count = o["product_count"].as_u64().unwrap();
    assert!(live_count >= 5, "{o}");
    let recorded = observations(&app, &live).await.len();
    assert!(recorded > 0);

    drop(stop);
    tokio::time::sleep(Duration::from_millis(2_100)).await;

    let stale = analyse(&app, "wireless headphones").await.unwrap();
    let o = shop_outcome(&stale);
    assert_eq!(o["status"], "stale", "{o}");
    assert_eq!(o["product_count"].as_u64().unwrap(), live_count);
    assert!(o["age_secs"].as_u64().unwrap() >= 2, "{o}");
    assert_eq!(o["error_type"], "source_failed");
    let notices = stale["data_notices"].to_string();
    assert!(notices.contains("shop"), "{notices}");
    // The stale copy says when it was fetched, and adds no price observation.
    assert_eq!(o["fetched_at"], shop_outcome(&live)["fetched_at"], "{o}");
    assert_eq!(observations(&app, &stale).await.len(), recorded);

    // Never asked before: nothing cached, nothing to fall back on.
    let err = analyse(&app, "espresso machine").await.unwrap_err();
    assert_eq!(err.error_type(), ErrorType::NoData, "{err}");
}

#[tokio::test]
async fn shop_down_without_cache_answers_from_the_configured_fallback() {
    let dir = tempfile::tempdir().unwrap();
    let (base, stop) = demo_shop().await;
    drop(stop);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let app = app(dir.path(), &base, true).await;
    let result = analyse(&app, "wireless headphones").await.unwrap();
    let o = shop_outcome(&result);
    assert_eq!(o["status"], "fallback", "{o}");
    assert_eq!(o["error_type"], "source_failed");
    assert!(o["product_count"].as_u64().unwrap() >= 5);
    assert!(o["notice"].as_str().unwrap().contains("catalog"), "{o}");
    // The products say where they really came from.
    let products = result["products"].as_array().unwrap();
    assert!(!products.is_empty());
    assert!(result.to_string().contains("\"catalog\""));
}

#[tokio::test]
async fn one_shop_read_through_its_pages_and_its_shopify_feed_counts_each_offer_once() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = demo_shop().await;
    let app = app_with(
        dir.path(),
        900,
        &format!(
            "{}\n[[sources]]\nname = \"shop-api\"\nkind = \"shopify\"\ntimeout_secs = 20\n\
             [sources.settings]\nbase_url = \"{base}\"\ncurrency = \"EUR\"\n{LOCAL_HTTP}",
            shop_source(&base, "")
        ),
    )
    .await;
    let request = AnalysisRequest {
        query: "wireless headphones".into(),
        sources: Some(vec!["shop".into(), "shop-api".into()]),
        ..Default::default()
    };
    let done = analyze_in_process(&app, &request, false, &NoProgress)
        .await
        .unwrap();
    let n = &done.result.normalization;
    assert!(n.offers_seen_in_several_sources >= 10, "{n:?}");
    assert_eq!(
        n.offers_kept
            + n.offers_seen_in_several_sources
            + n.offers_filtered_out
            + n.offers_rejected.len() as u32,
        n.offers_in
    );
    let fold = |s: &str| s.to_lowercase();
    for p in &done.result.products {
        for (i, a) in p.offers.iter().enumerate() {
            // Every sighting is another source's, with its own id.
            for seen in &a.also_from {
                assert_ne!(seen.source, a.source, "{}", a.id);
            }
            // No offer of one source repeats another source's offer.
            for b in &p.offers[i + 1..] {
                assert!(
                    a.source == b.source
                        || fold(&a.seller) != fold(&b.seller)
                        || a.condition != b.condition
                        || a.price != b.price,
                    "{} and {} are one offer of {}",
                    a.id,
                    b.id,
                    a.seller
                );
            }
        }
    }
    assert_eq!(done.result.market.offer_count as u32, n.offers_kept);
}

#[tokio::test]
async fn prices_are_observed_when_fetched_and_a_cached_copy_adds_no_observation() {
    let dir = tempfile::tempdir().unwrap();
    let (base, _stop) = demo_shop().await;
    let app = app_with(dir.path(), 900, &shop_source(&base, "")).await;
    let live = analyse(&app, "wireless headphones").await.unwrap();
    let o = shop_outcome(&live);
    assert_eq!(o["status"], "live");
    let fetched_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(o["fetched_at"].clone()).unwrap();
    let generated_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(live["generated_at"].clone()).unwrap();
    assert!(fetched_at < generated_at);
    let first = observations(&app, &live).await;
    assert_eq!(
        first.len() as u64,
        live["market"]["offer_count"].as_u64().unwrap()
    );
    // Each observation is timed when its price was fetched, not when the run ended.
    for obs in &first {
        let gap = (obs.observed_at - fetched_at).num_milliseconds().abs();
        assert!(
            gap < 1,
            "{obs:?} observed at {} vs {fetched_at}",
            obs.observed_at
        );
    }

    // The same question again within the cache's TTL: the cached copy, no new prices.
    let cached = analyse(&app, "wireless headphones").await.unwrap();
    let o = shop_outcome(&cached);
    assert_eq!(o["status"], "cache", "{o}");
    assert_eq!(o["fetched_at"], shop_outcome(&live)["fetched_at"]);
    assert_eq!(observations(&app, &cached).await.len(), first.len());
}
