//! OpenGraph product tags: `og:*` with the `product:` namespace (Facebook/Meta
//! catalogue tags). A page is one product when `og:type` says product or a price tag
//! is present.

use std::collections::HashMap;
use std::sync::LazyLock;

use scraper::{Html, Selector};
use url::Url;

use super::{
    ExtractedOffer, ExtractedProduct, Field, MAX_FIELD_CHARS, OfferKind, Syntax, absolute, clean,
};

/// Parsed once: selector parsing costs more than a small page's search.
static META: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("meta").ok());

pub(super) fn extract(doc: &Html, base: Option<&Url>) -> Vec<ExtractedProduct> {
    let Some(selector) = META.as_ref() else {
        return Vec::new();
    };
    // First value wins (og:image may repeat; the first is the main one).
    let mut tags: HashMap<String, String> = HashMap::new();
    for m in doc.select(selector).take(5_000) {
        let e = m.value();
        let Some(key) = e.attr("property").or_else(|| e.attr("name")) else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        if !(key.starts_with("og:") || key.starts_with("product:")) {
            continue;
        }
        if let Some(v) = e.attr("content").and_then(|c| clean(c, MAX_FIELD_CHARS)) {
            tags.entry(key).or_insert(v);
        }
    }
    let get = |keys: &[&str]| keys.iter().find_map(|k| tags.get(*k).cloned());
    let price = get(&[
        "product:price:amount",
        "og:price:amount",
        "product:sale_price:amount",
    ]);
    let is_product = get(&["og:type"]).is_some_and(|t| t.to_ascii_lowercase().contains("product"));
    if !is_product && price.is_none() {
        return Vec::new();
    }
    let field = |keys: &[&str]| get(keys).map(|value| Field::new(value, Syntax::Opengraph));
    let url_field = |key: &str| {
        get(&[key])
            .and_then(|v| absolute(&v, base))
            .map(|value| Field::new(value, Syntax::Opengraph))
    };
    let mut p = ExtractedProduct::empty(Syntax::Opengraph);
    p.name = field(&["og:title"]);
    p.brand = field(&["product:brand", "og:brand"]);
    p.gtin = field(&["product:gtin", "product:ean", "product:upc", "product:isbn"]);
    p.mpn = field(&["product:mfr_part_no"]);
    p.sku = field(&["product:retailer_item_id", "product:retailer_part_no"]);
    p.category = field(&["product:category"]);
    p.description = field(&["og:description"]);
    p.url = url_field("og:url");
    p.image = url_field("og:image");
    if price.is_some() {
        p.offers.push(ExtractedOffer {
            from: Syntax::Opengraph,
            confidence: Syntax::Opengraph.base_confidence(),
            kind: OfferKind::Offer,
            price,
            low_price: None,
            high_price: None,
            currency: get(&[
                "product:price:currency",
                "og:price:currency",
                "product:sale_price:currency",
            ]),
            availability: get(&["product:availability", "og:availability"]),
            condition: get(&["product:condition"]),
            seller: get(&["og:site_name"]),
            sku: get(&["product:retailer_item_id"]),
            name: None,
            url: p.url.as_ref().map(|u| u.value.clone()),
            offer_count: None,
        });
    }
    vec![p]
}
