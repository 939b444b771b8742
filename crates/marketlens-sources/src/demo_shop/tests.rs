use super::*;
use crate::extract::{Syntax, extract};
use crate::http::HttpClient;
use crate::test_support::{local_http, start_demo_shop as start};

#[tokio::test]
async fn every_product_page_is_extracted_with_its_markup() {
    let base = start().await;
    let client = HttpClient::new(local_http()).unwrap();
    let catalog = CatalogSource::build(
        "c",
        &CatalogConfig {
            path: BUILTIN_SAMPLE.into(),
        },
    )
    .unwrap();
    let mut seen = [0usize; 3];
    for (i, p) in catalog.products().enumerate() {
        let page = client
            .get(&format!("{base}/product/{}", p.source_product_id))
            .await
            .unwrap();
        let x = extract(&page.text, Some(&page.url));
        assert_eq!(x.products.len(), 1, "{}", p.source_product_id);
        let got = &x.products[0];
        let expected = match markup_of(i) {
            Markup::JsonLd => Syntax::JsonLd,
            Markup::Microdata => Syntax::Microdata,
            Markup::OpenGraph => Syntax::Opengraph,
        };
        assert_eq!(got.from, expected);
        seen[expected as usize] += 1;
        assert_eq!(got.name.as_ref().unwrap().value, p.title);
        if expected == Syntax::Opengraph {
            assert_eq!(got.offers.len(), 1);
        } else {
            assert_eq!(got.offers.len(), p.offers.len(), "{}", p.source_product_id);
            let with_text = p.reviews.iter().take(REVIEWS_SHOWN).count();
            assert_eq!(got.reviews.len(), with_text, "{}", p.source_product_id);
        }
    }
    assert!(seen.iter().all(|n| *n > 5), "{seen:?}");
    let missing = client
        .get(&format!("{base}/product/nope"))
        .await
        .unwrap_err();
    assert_eq!(missing.kind, crate::http::FetchErrorKind::Status(404));
}

#[tokio::test]
async fn search_paginates_and_products_json_pages() {
    let base = start().await;
    let client = HttpClient::new(local_http()).unwrap();
    let first = client
        .get(&format!("{base}/search?q=headphones"))
        .await
        .unwrap();
    assert!(first.text.contains("rel=\"next\""));
    assert!(first.text.contains("Sample data") || first.text.contains("sample"));
    let json = client
        .get(&format!("{base}/products.json?limit=10&page=2"))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&json.text).unwrap();
    let products = v["products"].as_array().unwrap();
    assert_eq!(products.len(), 10);
    assert_eq!(products[0]["id"], 11);
    let empty = client
        .get(&format!("{base}/products.json?limit=250&page=9"))
        .await
        .unwrap();
    assert!(empty.text.contains("\"products\":[]"));
}

/// The demo shop with `faults` on a random port; its base URL.
async fn start_with(faults: faults::Faults) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve_with(listener, faults, std::future::pending()));
    format!("http://{addr}")
}

#[tokio::test]
async fn injected_faults_fail_and_delay_pages_but_never_robots_txt() {
    let client = reqwest::Client::new();
    let failing = start_with(faults::Faults {
        error_rate: 1.0,
        ..Default::default()
    })
    .await;
    let status = async |url: String| client.get(url).send().await.unwrap().status();
    assert_eq!(status(format!("{failing}/search?q=headphones")).await, 503);
    assert_eq!(status(format!("{failing}/robots.txt")).await, 200);

    // A lower bound only: the answer cannot come before the injected delay.
    let slow = start_with(faults::Faults {
        latency: std::time::Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let started = std::time::Instant::now();
    assert_eq!(status(format!("{slow}/products.json")).await, 200);
    assert!(started.elapsed() >= std::time::Duration::from_millis(300));
}
