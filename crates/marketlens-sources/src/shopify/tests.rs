use marketlens_core::ErrorType;
use marketlens_core::ports::Source;

use super::*;
use crate::test_support::{
    demo_shop_source, local_http, query, search_demo_marketplace, start_demo_shop as start,
};

#[tokio::test]
async fn shopify_reads_products_json_pages_and_variants() {
    let base = start().await;
    let source = ShopifySource::build(
        "demo-shopify",
        ShopifyConfig {
            base_url: base.clone(),
            currency: CurrencyCode::EUR,
            seller: Some("Demo".into()),
            country: Some(Market::parse("FR").unwrap()),
            max_pages: 10,
            page_size: 20,
            filter_by_query: true,
            notice: Some("Demo shop: sample data".into()),
            http: local_http(),
        },
        None,
    )
    .unwrap();
    let batch = source.search(&query("headphones")).await.unwrap();
    assert!(batch.products.len() >= 5, "{}", batch.products.len());
    for p in &batch.products {
        assert_eq!(p.category.as_deref(), Some("headphones"), "{}", p.title);
        for o in &p.offers {
            assert_eq!(o.currency_hint.as_deref(), Some("EUR"));
            assert!(o.price_text.parse::<f64>().is_ok(), "{}", o.price_text);
            assert!(o.url.as_deref().unwrap().contains("variant="));
        }
    }
    assert!(batch.products.iter().any(|p| !p.offers.is_empty()));
    assert_eq!(batch.notice.as_deref(), Some("Demo shop: sample data"));
}

#[tokio::test]
async fn sellers_and_conditions_come_from_variant_options_never_the_host() {
    let source: ShopifySource = demo_shop_source(
        "demo-shopify",
        "currency = \"EUR\"\nmax_pages = 10\npage_size = 20",
    )
    .await;
    // The demo shop is a marketplace: each variant names its seller and condition.
    let batch = search_demo_marketplace(&source, "headphones", 10).await;
    let offers: Vec<&CollectedOffer> = batch.products.iter().flat_map(|p| &p.offers).collect();
    let sellers: std::collections::BTreeSet<&str> =
        offers.iter().map(|o| o.seller.as_str()).collect();
    assert!(sellers.len() >= 3, "{sellers:?}");
    let conditions: std::collections::BTreeSet<_> = batch
        .products
        .iter()
        .flat_map(|p| {
            p.offers.iter().map(|o| {
                marketlens_core::normalize::condition::parse_condition(
                    o.condition_text.as_deref(),
                    &p.title,
                )
            })
        })
        .collect();
    assert!(
        conditions.contains(&marketlens_core::domain::Condition::New)
            && !conditions.contains(&marketlens_core::domain::Condition::Unknown),
        "{conditions:?}"
    );
}

#[test]
fn settings_are_parsed_and_checked_before_the_first_request() {
    let build = |toml_text: &str| -> Result<ShopifySource, BuildError> {
        let config: ShopifyConfig = toml::from_str(toml_text)?;
        ShopifySource::build("s", config, None)
    };
    let source =
        build("base_url = \"https://store.example\"\ncurrency = \"eur\"\ncountry = \"fr\"")
            .unwrap();
    assert_eq!(source.config.currency, CurrencyCode::EUR);
    assert_eq!(source.config.country, Some(Market::parse("FR").unwrap()));
    // The currency and the country are parsed when the configuration is read.
    for (settings, says) in [
        ("currency = \"euro\"", "ISO 4217"),
        ("currency = \"EUR\"\ncountry = \"FRA\"", "two-letter"),
    ] {
        let err = build(&format!("base_url = \"https://store.example\"\n{settings}"))
            .err()
            .expect("refused");
        assert!(matches!(err, BuildError::Table(_)), "{err}");
        assert!(err.to_string().contains(says), "{err}");
    }
    for (settings, named) in [
        ("base_url = \"ftp://store.example\"", "base_url"),
        (
            "base_url = \"https://store.example\"\npage_size = 251",
            "page_size",
        ),
    ] {
        let err = build(&format!("{settings}\ncurrency = \"EUR\""))
            .err()
            .expect("refused");
        assert!(matches!(err, BuildError::Setting(_)), "{err}");
        assert!(err.to_string().starts_with(named), "{err}");
        assert_eq!(err.error_type(), ErrorType::InvalidConfig);
    }
}
