//! Product meta tags outside OpenGraph: `itemprop` attributes outside any
//! `itemscope` (a theme's microdata with its scope lost), `twitter:label1`/
//! `twitter:data1` pairs ("Price" / "$19.99"), and plain `<meta name="sku">`,
//! `name="price"` style tags.

use std::sync::LazyLock;

use scraper::{ElementRef, Html, Selector};

use super::best::{Candidates, FieldName};
use super::{MAX_FIELD_CHARS, Syntax, clean};

/// Parsed once: selector parsing costs more than a small page's search.
static ITEMPROP: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("[itemprop]").ok());
static META: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("meta").ok());

/// Elements looked at per kind.
const MAX_ELEMENTS: usize = 5_000;

pub(super) fn candidates(doc: &Html, c: &mut Candidates) {
    let base = Syntax::MetaTags.base_confidence();
    let mut found: Vec<(FieldName, String, f64)> = Vec::new();
    if let Some(sel) = ITEMPROP.as_ref() {
        for el in doc.select(sel).take(MAX_ELEMENTS) {
            if in_scope(el) {
                continue;
            }
            let Some(names) = el.value().attr("itemprop") else {
                continue;
            };
            for name in names.split_whitespace() {
                let field = match name.to_ascii_lowercase().as_str() {
                    "price" => FieldName::Price,
                    "pricecurrency" => FieldName::Currency,
                    "availability" => FieldName::Availability,
                    "sku" | "productid" => FieldName::Sku,
                    "mpn" => FieldName::Mpn,
                    "gtin" | "gtin13" | "gtin12" | "gtin14" | "gtin8" | "ean" => FieldName::Gtin,
                    "name" => FieldName::Name,
                    "brand" => FieldName::Brand,
                    _ => continue,
                };
                // The first of each: later ones are as often a related product's.
                if found.iter().any(|(f, _, _)| *f == field) {
                    continue;
                }
                // `productID` is as often an internal id (a UUID) as the SKU.
                let conf = if name.eq_ignore_ascii_case("productid") {
                    base * 0.6
                } else {
                    base
                };
                if let Some(v) = value(el) {
                    found.push((field, v, conf));
                }
            }
        }
    }
    if let Some(sel) = META.as_ref() {
        let mut labels: Vec<(String, String)> = Vec::new();
        let mut data: Vec<(String, String)> = Vec::new();
        for m in doc.select(sel).take(MAX_ELEMENTS) {
            let e = m.value();
            let Some(key) = e.attr("name").or_else(|| e.attr("property")) else {
                continue;
            };
            let Some(content) = e.attr("content").and_then(|v| clean(v, MAX_FIELD_CHARS)) else {
                continue;
            };
            let key = key.trim().to_ascii_lowercase();
            if let Some(n) = key.strip_prefix("twitter:label") {
                labels.push((n.to_owned(), content));
            } else if let Some(n) = key.strip_prefix("twitter:data") {
                data.push((n.to_owned(), content));
            } else {
                let field = match key.as_str() {
                    "price" | "product:price" | "product_price" => FieldName::Price,
                    "currency" | "product:currency" | "pricecurrency" => FieldName::Currency,
                    "sku" | "product:sku" | "product_sku" => FieldName::Sku,
                    "availability" | "product:stock" => FieldName::Availability,
                    "mpn" => FieldName::Mpn,
                    "gtin" | "ean" | "product:ean" => FieldName::Gtin,
                    _ => continue,
                };
                found.push((field, content, base * 0.9));
            }
        }
        for (n, label) in &labels {
            let Some((_, value)) = data.iter().find(|(m, _)| m == n) else {
                continue;
            };
            let l = label.to_lowercase();
            let field = if ["price", "prix", "preis", "precio", "prezzo"]
                .iter()
                .any(|w| l.contains(w))
            {
                FieldName::Price
            } else if ["availab", "stock", "disponib", "verfügbar", "lager"]
                .iter()
                .any(|w| l.contains(w))
            {
                FieldName::Availability
            } else if ["sku", "réf", "ref", "art"]
                .iter()
                .any(|w| l.starts_with(w))
            {
                FieldName::Sku
            } else {
                continue;
            };
            found.push((field, value.clone(), base * 0.9));
        }
    }
    // Currency first: the hint for prices written with "$" or no symbol.
    found.sort_by_key(|(f, _, _)| *f != FieldName::Currency);
    for (field, value, conf) in found {
        c.add(field, &value, Syntax::MetaTags, conf);
    }
}

/// Whether an ancestor (or the element itself) opens an item: then microdata read it.
fn in_scope(el: ElementRef<'_>) -> bool {
    if el.value().attr("itemscope").is_some() {
        return true;
    }
    el.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| a.value().attr("itemscope").is_some())
}

fn value(el: ElementRef<'_>) -> Option<String> {
    let e = el.value();
    e.attr("content")
        .or_else(|| e.attr("value"))
        .and_then(|v| clean(v, MAX_FIELD_CHARS))
        .or_else(|| match e.name() {
            "link" | "a" => e.attr("href").and_then(|v| clean(v, MAX_FIELD_CHARS)),
            _ => clean(&el.text().collect::<String>(), 200),
        })
}
