//! What the crate's unit tests share: a parsed query, and the demo shop on a random
//! local port with an HTTP configuration that may reach it.

use marketlens_core::config::RequestDefaults;
use marketlens_core::domain::{AnalysisRequest, CollectedOffer};
use marketlens_core::ports::{Source, SourceBatch, SourceQuery};

use crate::LiveSource;
use crate::http::HttpConfig;

/// `q` parsed as an API request with the default parameters.
pub(crate) fn query(q: &str) -> SourceQuery {
    let (query, params) = AnalysisRequest {
        query: q.into(),
        ..Default::default()
    }
    .parse(&RequestDefaults::default(), &[], &[])
    .unwrap();
    SourceQuery { query, params }
}

/// Starts the demo shop on a random port; returns its base URL.
pub(crate) async fn start_demo_shop() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(crate::demo_shop::serve(listener, std::future::pending()));
    format!("http://{addr}")
}

/// HTTP settings that may reach a server on 127.0.0.1, without pacing.
pub(crate) fn local_http() -> HttpConfig {
    HttpConfig {
        allow_private_hosts: vec!["127.0.0.1".into()],
        min_interval_ms: 0,
        per_host_concurrency: 8,
        ..HttpConfig::default()
    }
}

/// A live source of kind `S` reading the demo shop (started here), its TOML
/// `settings` completed with the shop's `base_url` and [`local_http`]'s `[http]` table.
pub(crate) async fn demo_shop_source<S: LiveSource>(name: &str, settings: &str) -> S {
    let base = start_demo_shop().await;
    let config: S::Config = toml::from_str(&format!(
        "base_url = \"{base}\"\n{settings}\n\
         [http]\nallow_private_hosts = [\"127.0.0.1\"]\nmin_interval_ms = 0\n"
    ))
    .unwrap();
    S::build(name, config, None).unwrap()
}

/// What `source` finds in the demo shop for `q`, checked offer by offer: the demo shop
/// is a marketplace, so every offer names its seller (never the shop's host) and its
/// condition. At least `min_offers` offers.
pub(crate) async fn search_demo_marketplace(
    source: &dyn Source,
    q: &str,
    min_offers: usize,
) -> SourceBatch {
    let batch = source.search(&query(q)).await.unwrap();
    let offers: Vec<&CollectedOffer> = batch.products.iter().flat_map(|p| &p.offers).collect();
    assert!(offers.len() >= min_offers, "{}", offers.len());
    for o in &offers {
        assert!(!o.seller.contains("127.0.0.1"), "{}", o.seller);
        assert!(o.condition_text.is_some(), "{}: no condition", o.offer_id);
    }
    batch
}
