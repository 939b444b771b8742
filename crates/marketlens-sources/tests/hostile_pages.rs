//! Property suite: the page extractor never panics, whatever page it is given, and
//! answers in bounded time. Pages are generated from the pieces product pages are made
//! of — JSON-LD blocks with schema.org keys holding values of every JSON type,
//! microdata (`itemscope`/`itemprop`, nested and dangling), OpenGraph and product meta
//! tags, entities, unclosed and deeply nested elements — plus arbitrary text.
//!
//! "Bounded time" is a hang guard, not a speed target (`eval extract --bench` measures
//! speed): no case should come near it even in a debug build.

#[path = "../../marketlens-core/tests/support/hostile.rs"]
mod hostile;

use hostile::{json_scalar, within_guard};
use marketlens_sources::extract::extract;
use proptest::prelude::*;
use url::Url;

fn extract_within_guard(page: &str) {
    let base = Url::parse("https://shop.example/p/1").unwrap();
    within_guard("extract", page, || extract(page, Some(&base)));
}

const KEYS: &[&str] = &[
    "@context",
    "@type",
    "@graph",
    "@id",
    "name",
    "sku",
    "gtin13",
    "gtin",
    "mpn",
    "brand",
    "offers",
    "price",
    "priceCurrency",
    "lowPrice",
    "highPrice",
    "availability",
    "itemCondition",
    "priceSpecification",
    "aggregateRating",
    "ratingValue",
    "review",
    "reviewBody",
    "seller",
    "url",
    "image",
    "description",
    "category",
];
const VALUES: &[&str] = &[
    "Product",
    "Offer",
    "AggregateOffer",
    "https://schema.org/InStock",
    "InStock",
    "OutOfStock",
    "EUR",
    "USD",
    "19.99",
    "1.234,56",
    "€ 12",
    "-1",
    "1e308",
    "",
    " ",
    "NaN",
    "<script>alert(1)</script>",
    "a\u{0}b",
    "\u{1b}]0;x\u{7}",
    "https://schema.org",
    "\u{202e}evil",
    "Ünïcødé ☃",
    "http://[::1]:80/",
    "javascript:alert(1)",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    json_scalar(VALUES).prop_recursive(4, 32, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

/// One piece of a page.
fn piece() -> impl Strategy<Value = String> {
    let json_ld =
        json_value().prop_map(|v| format!(r#"<script type="application/ld+json">{v}</script>"#));
    let broken_json_ld = any::<String>().prop_map(|s| {
        format!(r#"<script type="application/ld+json">{{"@type":"Product",{s}</script>"#)
    });
    let meta = (
        prop::sample::select(vec![
            "og:title",
            "og:price:amount",
            "og:price:currency",
            "product:price:amount",
            "product:price:currency",
            "product:availability",
            "twitter:data1",
            "og:type",
        ]),
        prop::sample::select(VALUES),
    )
        .prop_map(|(p, c)| format!(r#"<meta property="{p}" content="{c}">"#));
    let microdata = (
        prop::sample::select(vec![
            "name", "price", "priceCurrency", "sku", "availability", "offers", "brand",
            "ratingValue", "review", "gtin13",
        ]),
        prop::sample::select(VALUES),
        any::<bool>(),
    )
        .prop_map(|(prop, value, scope)| {
            if scope {
                format!(
                    r#"<div itemscope itemtype="https://schema.org/Product"><span itemprop="{prop}" content="{value}">{value}</span>"#
                )
            } else {
                format!(r#"<span itemprop="{prop}">{value}</span></div>"#)
            }
        });
    let markup = prop::sample::select(vec![
        "<div>",
        "</div>",
        "<span class=\"price\">",
        "</span>",
        "<p>",
        "<table><tr><td>",
        "</td></tr></table>",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "&nbsp;",
        "&euro;",
        "<s>",
        "</s>",
        "<del>49,99 €</del>",
        "<button disabled>",
        "</button>",
        "<h1>",
        "</h1>",
        "<title>",
        "</title>",
        "<script>",
        "</script>",
        "<",
        ">",
        "\"",
        "'",
        "<svg><foreignObject>",
        "<template>",
        "<noscript>",
        "<iframe>",
    ])
    .prop_map(str::to_owned);
    prop_oneof![
        3 => json_ld,
        1 => broken_json_ld,
        2 => meta,
        2 => microdata,
        4 => markup,
        2 => any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn the_extractor_never_panics_on_generated_pages(pieces in prop::collection::vec(piece(), 0..40)) {
        extract_within_guard(&pieces.concat());
    }

    #[test]
    fn the_extractor_never_panics_on_any_text(text in any::<String>()) {
        extract_within_guard(&text);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Deep nesting and long repetitions: the shapes that make tree builders and
    /// recursive readers blow the stack or go quadratic.
    #[test]
    fn deep_and_long_pages_stay_in_bounded_time(
        open in prop::sample::select(vec!["<div>", "<span itemscope>", "<table>", "<a href=x>", "<b><i>"]),
        depth in 1usize..20_000,
        json_depth in 1usize..5_000,
    ) {
        let nested_json = format!(
            r#"<script type="application/ld+json">{}{{"@type":"Product","name":"x"}}{}</script>"#,
            "[".repeat(json_depth),
            "]".repeat(json_depth)
        );
        let page = format!("<html><body>{}{nested_json}</body></html>", open.repeat(depth));
        extract_within_guard(&page);
    }
}
