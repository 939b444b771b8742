use marketlens_core::ports::Source;

use super::*;
use crate::test_support::{demo_shop_source, query, search_demo_marketplace};

#[test]
fn minor_units_become_decimal_text() {
    assert_eq!(from_minor_units("1899", 2).as_deref(), Some("18.99"));
    assert_eq!(from_minor_units("5", 2).as_deref(), Some("0.05"));
    assert_eq!(from_minor_units("1500", 0).as_deref(), Some("1500"));
    assert_eq!(from_minor_units("12345", 3).as_deref(), Some("12.345"));
    assert_eq!(from_minor_units("-1", 2), None);
    assert_eq!(from_minor_units("", 2), None);
    assert_eq!(from_minor_units("1", 99), None);
}

#[tokio::test]
async fn woocommerce_reads_the_store_api_and_reviews() {
    let source: WooCommerceSource =
        demo_shop_source("woo", "page_size = 5\nreviews_per_product = 3").await;
    let batch = source.search(&query("wireless headphones")).await.unwrap();
    assert!(batch.products.len() >= 5, "{}", batch.products.len());
    for p in &batch.products {
        let o = &p.offers[0];
        assert_eq!(o.currency_hint.as_deref(), Some("EUR"));
        assert!(
            o.price_text.contains('.') && o.price_text.parse::<f64>().is_ok(),
            "{}",
            o.price_text
        );
        assert!(p.reviews.len() <= 3);
        assert!(
            p.reviews
                .iter()
                .all(|r| !r.text.contains("<p>") && r.date.is_some())
        );
    }
    assert!(batch.products.iter().any(|p| !p.reviews.is_empty()));
    assert!(
        WooCommerceSource::build(
            "x",
            toml::from_str("base_url = \"gopher://x\"").unwrap(),
            None
        )
        .is_err()
    );
}

#[tokio::test]
async fn sellers_and_conditions_come_from_product_attributes_never_the_host() {
    let source: WooCommerceSource =
        demo_shop_source("woo", "page_size = 10\nreviews_per_product = 0").await;
    search_demo_marketplace(&source, "headphones", 5).await;
}
