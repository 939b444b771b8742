use marketlens_core::ports::Source;

use super::*;
use crate::test_support::{local_http, query, start_demo_shop as start};

fn demo_source(base: &str) -> SchemaOrgSource {
    SchemaOrgSource::build(
        "demo",
        SchemaOrgConfig {
            search_url: Some(format!("{base}/search?q={{query}}&page={{page}}")),
            max_product_pages: 40,
            http: local_http(),
            ..SchemaOrgConfig::default()
        },
        None,
    )
    .unwrap()
}

/// `config` reading the search pages of the server at `addr`, retrying once at once.
fn local_search_source(
    name: &str,
    addr: std::net::SocketAddr,
    config: SchemaOrgConfig,
) -> SchemaOrgSource {
    SchemaOrgSource::build(
        name,
        SchemaOrgConfig {
            search_url: Some(format!("http://{addr}/search?q={{query}}")),
            http: HttpConfig {
                max_retries: 1,
                retry_base_delay_ms: 1,
                ..local_http()
            },
            ..config
        },
        None,
    )
    .unwrap()
}

#[tokio::test]
async fn scrapes_search_results_and_product_pages_of_the_demo_shop() {
    let base = start().await;
    let source = demo_source(&base);
    let batch = source.search(&query("wireless headphones")).await.unwrap();
    let catalog = crate::catalog::CatalogSource::build(
        "c",
        &crate::catalog::CatalogConfig {
            path: crate::catalog::BUILTIN_SAMPLE.into(),
        },
    )
    .unwrap();
    let expected: Vec<&str> = catalog
        .find("wireless headphones", 40)
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    let mut got: Vec<&str> = batch.products.iter().map(|p| p.title.as_str()).collect();
    let mut want = expected.clone();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(batch.notice.is_none());
    let with_reviews = batch
        .products
        .iter()
        .filter(|p| !p.reviews.is_empty())
        .count();
    assert!(with_reviews > 0);
    for p in &batch.products {
        assert_eq!(p.source, "demo");
        assert!(!p.offers.is_empty(), "{}", p.title);
        assert!(p.url.as_deref().unwrap().starts_with(&base));
        for o in &p.offers {
            assert!(o.currency_hint.is_some(), "{}", p.title);
        }
    }
}

#[tokio::test]
async fn listing_pages_are_filtered_by_the_query() {
    let base = start().await;
    let source = SchemaOrgSource::build(
        "demo",
        SchemaOrgConfig {
            listing_urls: vec![format!("{base}/search?q=headphones")],
            max_pages: 5,
            http: local_http(),
            ..SchemaOrgConfig::default()
        },
        None,
    )
    .unwrap();
    let batch = source.search(&query("sony")).await.unwrap();
    assert!(!batch.products.is_empty());
    assert!(
        batch
            .products
            .iter()
            .all(|p| p.brand.as_deref() == Some("Sony") || p.title.to_lowercase().contains("sony"))
    );
    let none = source.search(&query("espresso machine")).await.unwrap();
    assert!(none.products.is_empty());
}

#[tokio::test]
async fn an_unreachable_shop_is_a_source_error() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let source = local_search_source("gone", addr, SchemaOrgConfig::default());
    let err = source.search(&query("headphones")).await.unwrap_err();
    assert_eq!(err.error_type, ErrorType::SourceFailed, "{err}");
}

#[test]
fn settings_are_validated_at_build() {
    let build = |toml_text: &str| {
        let c: SchemaOrgConfig = toml::from_str(toml_text).map_err(|e| e.to_string())?;
        SchemaOrgSource::build("s", c, None)
            .map(|_| ())
            .map_err(|e| e.to_string())
    };
    assert!(build("").unwrap_err().contains("search_url"));
    assert!(
        build("search_url = \"https://x.example/s?q=1\"")
            .unwrap_err()
            .contains("{query}")
    );
    assert!(build("search_url = \"ftp://x.example/{query}\"").is_err());
    assert!(build("search_url = \"https://x.example/s?q={query}\"\nmax_pages = 0").is_err());
    assert!(
        build("listing_urls = [\"https://x.example/c\"]\nproduct_link_selector = \"a[\"").is_err()
    );
    assert!(build("listing_urls = [\"https://x.example/c\"]\nbogus = 1").is_err());
    assert!(
        build("listing_urls = [\"https://x.example/c\"]\n[http]\ncontact = \"me@x.example\"")
            .is_ok()
    );
}

#[test]
fn product_links_come_from_anchors_and_json_ld_item_lists() {
    let page = Url::parse("https://shop.example/search?q=kettle").unwrap();
    let html = r#"<a href="/product/1#reviews">K1</a><a href="/about">About</a>
        <a href="https://other.example/product/9">elsewhere</a><a href="javascript:void(0)">x</a>
        <a href="https://shop.example:6379/product/8">another port</a>
        <script type="application/ld+json">{"@graph":[{"@type":"ItemList","itemListElement":[
          {"@type":"ListItem","position":1,"url":"/product/2"},
          {"@type":"ListItem","position":2,"item":{"@type":"Product","url":"https://shop.example/product/3"}},
          {"@type":"ListItem","position":3,"url":"http://shop.example/product/7"}]}]}</script>
        <link rel="next" href="/search?q=kettle&page=2">"#;
    let (links, next) = product_links(html, &page, &SchemaOrgConfig::default());
    let paths: Vec<&str> = links.iter().map(Url::path).collect();
    assert_eq!(paths, ["/product/1", "/product/2", "/product/3"]);
    assert_eq!(
        next.as_deref(),
        Some("https://shop.example/search?q=kettle&page=2")
    );
    // A next page on another port (or host) is not followed.
    let elsewhere = r#"<link rel="next" href="https://shop.example:8443/search?page=2">"#;
    let (_, next) = product_links(elsewhere, &page, &SchemaOrgConfig::default());
    assert_eq!(next, None);
}

#[tokio::test]
async fn hostile_and_failing_product_pages_leave_the_good_ones_and_a_notice() {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::response::Html as Page;
    use axum::routing::get;
    let app = Router::new()
        .route(
            "/search",
            get(|| async {
                Page(
                    "<a href=/product/graph>a</a><a href=/product/broken>b</a>\
                     <a href=/product/junk>c</a><a href=/product/down>d</a>",
                )
            }),
        )
        .route(
            "/product/graph",
            get(|| async {
                Page(
                    r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
                    {"@type":"Product","name":"Acme Kettle K1","sku":"k1","offers":{"@type":"Offer","price":"20.00","priceCurrency":"EUR"}},
                    {"@type":"Product","name":"Acme Kettle K2","sku":"k2","offers":{"@type":"Offer","price":"30.00","priceCurrency":"EUR"}},
                    {"@type":"Product","name":"Acme Toaster T1","sku":"t1","offers":{"@type":"Offer","price":"25.00","priceCurrency":"EUR"}}]}</script>"#,
                )
            }),
        )
        .route(
            "/product/broken",
            get(|| async {
                Page(
                    r#"<script type="application/ld+json">{"@type":"Product","name": </script>
                    <div itemscope itemtype="http://schema.org/Product"><h1 itemprop="name">Acme Kettle K3</h1>
                    <p itemprop="offers" itemscope itemtype="http://schema.org/Offer"><span itemprop="price">19,90 €</span><b>unclosed"#,
                )
            }),
        )
        .route("/product/junk", get(|| async { Page("<<<<>>>>\u{0}{{{") }))
        .route("/product/down", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let source = local_search_source(
        "shop",
        addr,
        SchemaOrgConfig {
            seller: Some("Acme Shop".into()),
            ..SchemaOrgConfig::default()
        },
    );
    let batch = source.search(&query("kettle")).await.unwrap();
    let mut titles: Vec<&str> = batch.products.iter().map(|p| p.title.as_str()).collect();
    titles.sort_unstable();
    // The shop's search is trusted (filter_search_results = false): the toaster from
    // the same page is kept too.
    assert_eq!(
        titles,
        [
            "Acme Kettle K1",
            "Acme Kettle K2",
            "Acme Kettle K3",
            "Acme Toaster T1"
        ]
    );
    let k3 = batch
        .products
        .iter()
        .find(|p| p.title.ends_with("K3"))
        .unwrap();
    assert_eq!(k3.offers[0].price_text, "19,90 €");
    assert_eq!(k3.offers[0].seller, "Acme Shop");
    assert_eq!(
        batch.notice.as_deref(),
        Some("1 of 4 product pages could not be fetched")
    );
    // With the filter on, only the kettles remain.
    let strict = SchemaOrgSource::build(
        "shop",
        SchemaOrgConfig {
            search_url: Some(format!("http://{addr}/search?q={{query}}")),
            filter_search_results: true,
            http: HttpConfig {
                max_retries: 0,
                ..local_http()
            },
            ..SchemaOrgConfig::default()
        },
        None,
    )
    .unwrap();
    let batch = strict.search(&query("kettle")).await.unwrap();
    assert_eq!(batch.products.len(), 3);
}
