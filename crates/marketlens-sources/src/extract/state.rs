//! Embedded state JSON: what JavaScript shops ship to hydrate the page —
//! `<script id="__NEXT_DATA__">`, `window.__INITIAL_STATE__ = {…}`,
//! `window.__NUXT__`, `__PRELOADED_STATE__`, Shopify's product JSON
//! (`<script type="application/json" data-product-json>`, `ShopifyAnalytics.meta`),
//! `dataLayer` e-commerce items, and `data-product*` attributes holding JSON.
//!
//! The JSON is walked for product-like objects (a name and a price, a SKU, stock…),
//! whatever the keys are called; the best-scoring object gives the candidates.

use rust_decimal::Decimal;
use std::sync::LazyLock;

use scraper::{Html, Selector};
use serde_json::{Map, Value};

use super::Syntax;
use super::best::{Candidates, FieldName};

/// Parsed once: selector parsing costs more than a small page's search.
static SCRIPT: LazyLock<Option<Selector>> = LazyLock::new(|| Selector::parse("script").ok());
static DATA_PRODUCT: LazyLock<Option<Selector>> = LazyLock::new(|| {
    Selector::parse(
        "[data-product],[data-product-json],[data-product_variations],[data-product-info],[data-product-data]",
    )
    .ok()
});

const MAX_SCRIPTS: usize = 200;
const MAX_SCRIPT_BYTES: usize = 4 * 1024 * 1024;
const MAX_DEPTH: usize = 40;
const MAX_NODES: usize = 200_000;
/// Markers of state assigned in inline JavaScript.
const MARKERS: &[&str] = &[
    "__INITIAL_STATE__",
    "__PRELOADED_STATE__",
    "__NUXT__",
    "__APOLLO_STATE__",
    "__PRODUCT__",
    "__STATE__",
    "ShopifyAnalytics.meta",
    "var meta =",
    "var meta=",
    "window.product =",
    "var product =",
    "dataLayer.push(",
    "BCData =",
    "BCData=",
];

/// One JSON document found in the page, and what it says about prices.
struct Doc {
    value: Value,
    /// Shopify's Liquid `| json` writes prices as integer cents.
    cents: bool,
    /// How far this kind of source is trusted relative to the others.
    weight: f64,
}

pub(super) fn candidates(doc: &Html, title: Option<&str>, c: &mut Candidates) {
    let (docs, shop_currency) = documents(doc);
    if let Some(cur) = &shop_currency {
        c.add(FieldName::Currency, cur, Syntax::ScriptState, 0.6);
    }
    let mut best: Option<(f64, Found)> = None;
    let mut budget = MAX_NODES;
    for d in &docs {
        let mut found = Vec::new();
        walk(&d.value, d.cents, 0, &mut budget, &mut found);
        for f in found {
            let score = f.score(title) * d.weight;
            if best.as_ref().is_none_or(|(s, _)| score > *s + 1e-6) {
                best = Some((score, f));
            }
        }
    }
    let Some((score, f)) = best else { return };
    if score < 4.0 {
        return;
    }
    let conf = (0.45 + 0.035 * score).min(Syntax::ScriptState.base_confidence() + 0.05);
    let from = Syntax::ScriptState;
    if let Some(cur) = &f.currency {
        c.add(FieldName::Currency, cur, from, conf);
    }
    for (field, v) in [
        (FieldName::Name, &f.name),
        (FieldName::Brand, &f.brand),
        (FieldName::Sku, &f.sku),
        (FieldName::Gtin, &f.gtin),
        (FieldName::Mpn, &f.mpn),
        (FieldName::Availability, &f.availability),
    ] {
        if let Some(v) = v {
            c.add(field, v, from, conf);
        }
    }
    if f.sku.is_none()
        && let Some(m) = &f.mpn
    {
        c.add(FieldName::Sku, m, from, conf * 0.5);
    }
    for (field, v) in [
        (FieldName::Price, &f.price),
        (FieldName::PreviousPrice, &f.previous_price),
    ] {
        match v {
            Some(Amount::Number(d)) => c.add_amount(field, *d, from, conf),
            Some(Amount::Text(t)) => c.add(field, t, from, conf),
            None => {}
        }
    }
}

/// Every JSON document of the page that may hold state, and the currency a Shopify
/// shop declares (`Shopify.currency = {"active":"USD"}`,
/// `ShopifyAnalytics.meta.currency = 'USD'`).
fn documents(doc: &Html) -> (Vec<Doc>, Option<String>) {
    let mut out = Vec::new();
    let mut currency = None;
    if let Some(sel) = SCRIPT.as_ref() {
        for s in doc.select(sel).take(MAX_SCRIPTS) {
            let e = s.value();
            let kind = e.attr("type").unwrap_or("").trim().to_ascii_lowercase();
            if kind.contains("ld+json") {
                continue;
            }
            let text: String = s.text().collect();
            if text.len() > MAX_SCRIPT_BYTES || text.trim().is_empty() {
                continue;
            }
            let id = e.attr("id").unwrap_or("");
            let shopify_attr = e.attrs().any(|(k, _)| k.starts_with("data-product"))
                || id.starts_with("ProductJson")
                || id.contains("product-json");
            if kind.contains("json") {
                if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
                    let known = id == "__NEXT_DATA__" || id == "__NUXT_DATA__" || shopify_attr;
                    out.push(Doc {
                        cents: shopify_attr || looks_shopify(&v),
                        value: v,
                        weight: if known { 1.0 } else { 0.9 },
                    });
                }
                continue;
            }
            if !kind.is_empty() && !kind.contains("javascript") && kind != "module" {
                continue;
            }
            if currency.is_none() {
                currency = shop_currency(&text);
            }
            for m in MARKERS {
                let mut from = 0;
                while let Some(at) = text[from..].find(m) {
                    let after = from + at + m.len();
                    from = after;
                    if let Some(v) = json_after(&text[after..]) {
                        let shopify = m.contains("meta") || m.contains("Shopify");
                        out.push(Doc {
                            cents: shopify || looks_shopify(&v),
                            value: v,
                            weight: if m.contains("dataLayer") { 0.9 } else { 1.0 },
                        });
                    }
                    if out.len() > MAX_SCRIPTS {
                        return (out, currency);
                    }
                }
            }
        }
    }
    if let Some(sel) = DATA_PRODUCT.as_ref() {
        for el in doc.select(sel).take(MAX_SCRIPTS) {
            for (k, raw) in el.value().attrs() {
                if !k.starts_with("data-product") {
                    continue;
                }
                let t = raw.trim();
                if !(t.starts_with('{') || t.starts_with('[')) || t.len() > MAX_SCRIPT_BYTES {
                    continue;
                }
                if let Ok(v) = serde_json::from_str::<Value>(t) {
                    out.push(Doc {
                        cents: looks_shopify(&v),
                        value: v,
                        weight: 1.0,
                    });
                }
            }
        }
    }
    (out, currency)
}

fn shop_currency(text: &str) -> Option<String> {
    if let Some(at) = text.find("Shopify.currency") {
        let rest = &text[at..];
        if let Some(v) = json_after(&rest["Shopify.currency".len()..])
            && let Some(a) = v.get("active").and_then(Value::as_str)
        {
            return Some(a.to_owned());
        }
    }
    let at = text.find("meta.currency")?;
    let rest = text[at + "meta.currency".len()..].trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    let rest = rest.strip_prefix(['\'', '"'])?;
    let code: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
    (code.len() == 3).then_some(code)
}

/// A Shopify product object (`handle` and `variants`) written by Liquid: prices in cents.
fn looks_shopify(v: &Value) -> bool {
    let obj = match v {
        Value::Object(m) => m.get("product").and_then(Value::as_object).unwrap_or(m),
        _ => return false,
    };
    obj.contains_key("handle") && obj.contains_key("variants")
}

/// The JSON value assigned after a marker: `= {…}`, `= JSON.parse("…")`, `({…})`.
fn json_after(text: &str) -> Option<Value> {
    let t = text.trim_start();
    let t = t.strip_prefix('=').unwrap_or(t).trim_start();
    let t = t.strip_prefix('(').unwrap_or(t).trim_start();
    if let Some(rest) = t.strip_prefix("JSON.parse(") {
        let rest = rest.trim_start();
        if rest.starts_with('"') {
            let lit = balanced(rest, '"')?;
            let inner: String = serde_json::from_str(lit).ok()?;
            return serde_json::from_str(&inner).ok();
        }
        return None;
    }
    let start = t.find(['{', '['])?;
    if start > 3 {
        return None;
    }
    let t = &t[start..];
    let open = t.chars().next()?;
    let body = balanced(t, open)?;
    serde_json::from_str(body).ok()
}

/// The prefix of `t` up to the bracket closing its first (or the string closing its
/// opening quote when `open` is `"`), strings and escapes skipped.
fn balanced(t: &str, open: char) -> Option<&str> {
    let close = match open {
        '{' => '}',
        '[' => ']',
        '"' => '"',
        _ => return None,
    };
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    for (i, ch) in t.char_indices() {
        if open == '"' {
            if i == 0 {
                continue;
            }
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                return Some(&t[..=i]);
            }
            continue;
        }
        if in_str {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == '"' {
                in_str = false;
            }
            continue;
        }
        match ch {
            '"' => in_str = true,
            c if c == open || c == '{' || c == '[' => depth += 1,
            c if c == close || c == '}' || c == ']' => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(&t[..=i]);
                }
            }
            _ => {}
        }
    }
    None
}

enum Amount {
    Number(Decimal),
    Text(String),
}

/// What one product-like object says.
#[derive(Default)]
struct Found {
    name: Option<String>,
    brand: Option<String>,
    sku: Option<String>,
    gtin: Option<String>,
    mpn: Option<String>,
    currency: Option<String>,
    availability: Option<String>,
    price: Option<Amount>,
    previous_price: Option<Amount>,
}

impl Found {
    fn score(&self, title: Option<&str>) -> f64 {
        let mut s = 0.0;
        if self.name.is_some() {
            s += 2.0;
        }
        if self.price.is_some() {
            s += 3.0;
        }
        if self.sku.is_some() {
            s += 1.0;
        }
        if self.availability.is_some() {
            s += 1.0;
        }
        for v in [&self.currency, &self.brand, &self.gtin] {
            if v.is_some() {
                s += 0.5;
            }
        }
        if let (Some(n), Some(t)) = (&self.name, title) {
            let (n, t) = (n.to_lowercase(), t.to_lowercase());
            if n == t || (n.len() > 8 && t.contains(&n)) || (t.len() > 8 && n.contains(&t)) {
                s += 3.0;
            }
        }
        s
    }
}

/// Keys compared lower-case with `_` and `-` dropped.
fn key_of(k: &str) -> String {
    k.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

const NAME: &[&str] = &[
    "name",
    "title",
    "productname",
    "producttitle",
    "displayname",
    "itemname",
];
const PRICE: &[&str] = &[
    "price",
    "saleprice",
    "finalprice",
    "currentprice",
    "priceamount",
    "specialprice",
    "offerprice",
    "sellingprice",
    "pricevalue",
    "displayprice",
    "pricegross",
    "grossprice",
    "pricev2",
    "unitprice",
    "priceincents",
    "pricecents",
];
const PREVIOUS: &[&str] = &[
    "compareatprice",
    "compareatpricev2",
    "regularprice",
    "listprice",
    "oldprice",
    "wasprice",
    "originalprice",
    "displayregularprice",
    "msrp",
    "strikeprice",
    "strikethroughprice",
    "crossedprice",
    "pricebefore",
    "referenceprice",
    "compareprice",
    "rrp",
    "uvp",
];
const CURRENCY: &[&str] = &["currency", "currencycode", "pricecurrency", "currencyiso"];
const SKU: &[&str] = &[
    "sku",
    "skuid",
    "productsku",
    "productcode",
    "articlenumber",
    "productnumber",
    "ordernumber",
    "itemid",
    "partnumber",
    "reference",
];
const MPN: &[&str] = &["mpn", "manufacturernumber", "manufacturerpartnumber"];
const GTIN: &[&str] = &["gtin", "gtin13", "ean", "ean13", "upc", "barcode"];
const BRAND: &[&str] = &["brand", "vendor", "manufacturer", "brandname", "itembrand"];
const AVAILABILITY: &[&str] = &[
    "availability",
    "available",
    "instock",
    "isinstock",
    "stockstatus",
    "availableforsale",
    "isavailable",
    "availabilitystatus",
    "soldout",
    "outofstock",
    "isoutofstock",
];

fn walk(v: &Value, cents: bool, depth: usize, budget: &mut usize, out: &mut Vec<Found>) {
    if depth > MAX_DEPTH || *budget == 0 || out.len() >= 1_000 {
        return;
    }
    *budget -= 1;
    match v {
        Value::Object(m) => {
            if let Some(f) = read_object(m, cents) {
                out.push(f);
            }
            for child in m.values() {
                walk(child, cents, depth + 1, budget, out);
            }
        }
        Value::Array(a) => {
            for child in a.iter().take(500) {
                walk(child, cents, depth + 1, budget, out);
            }
        }
        _ => {}
    }
}

/// A product-like object's fields; `None` when it has no price and no SKU.
fn read_object(m: &Map<String, Value>, cents: bool) -> Option<Found> {
    let mut f = Found::default();
    let shopify = cents || (m.contains_key("handle") && m.contains_key("variants"));
    for (k, v) in m {
        let key = key_of(k);
        let key = key.as_str();
        let text = || scalar_text(v);
        if f.name.is_none() && NAME.contains(&key) {
            f.name = text().filter(|t| t.chars().any(char::is_alphabetic));
        } else if f.price.is_none() && PRICE.contains(&key) {
            f.price = amount(v, key, shopify, 0);
        } else if f.previous_price.is_none() && PREVIOUS.contains(&key) {
            f.previous_price = amount(v, key, shopify, 0);
        } else if f.currency.is_none() && CURRENCY.contains(&key) {
            f.currency = text().filter(|t| t.len() <= 4);
        } else if f.sku.is_none() && SKU.contains(&key) {
            f.sku = text();
        } else if f.mpn.is_none() && MPN.contains(&key) {
            f.mpn = text();
        } else if f.gtin.is_none() && GTIN.contains(&key) {
            f.gtin = text().filter(|t| t.len() >= 8 && t.chars().all(|c| c.is_ascii_digit()));
        } else if f.brand.is_none() && BRAND.contains(&key) {
            f.brand = match v {
                Value::Object(b) => b.get("name").and_then(scalar_text),
                _ => text(),
            };
        } else if f.availability.is_none() && AVAILABILITY.contains(&key) {
            f.availability = availability(key, v);
        }
    }
    // A product whose price lives in its variants (Shopify, WooCommerce variations):
    // the first variant on sale, else the first.
    if let Some(Value::Array(vs)) = m.get("variants").or_else(|| m.get("variations")) {
        let vars: Vec<Found> = vs
            .iter()
            .take(100)
            .filter_map(Value::as_object)
            .filter_map(|o| read_object(o, shopify))
            .collect();
        let any_in_stock = vars
            .iter()
            .any(|v| v.availability.as_deref() == Some("InStock"));
        let chosen = vars
            .iter()
            .position(|v| v.availability.as_deref() == Some("InStock"))
            .or((!vars.is_empty()).then_some(0));
        if let Some(i) = chosen {
            let v = vars.into_iter().nth(i)?;
            if f.price.is_none() || shopify {
                f.price = v.price.or(f.price);
                f.previous_price = v.previous_price.or(f.previous_price);
            }
            if f.sku.is_none() {
                f.sku = v.sku;
            }
            if f.gtin.is_none() {
                f.gtin = v.gtin;
            }
            if f.currency.is_none() {
                f.currency = v.currency;
            }
            if f.availability.is_none() {
                f.availability = Some(
                    if any_in_stock {
                        "InStock"
                    } else {
                        "OutOfStock"
                    }
                    .into(),
                )
                .filter(|_| v.availability.is_some());
            }
        }
    }
    if f.currency.is_none() {
        f.currency = m
            .iter()
            .find(|(k, _)| PRICE.contains(&key_of(k).as_str()))
            .and_then(|(_, v)| nested_currency(v, 0));
    }
    (f.price.is_some() || f.sku.is_some()).then_some(f)
}

/// The currency written inside a price object (`{"value": 42, "currency": "EUR"}`).
fn nested_currency(v: &Value, depth: usize) -> Option<String> {
    let m = v.as_object()?;
    if depth > 2 {
        return None;
    }
    m.iter()
        .find(|(k, _)| CURRENCY.contains(&key_of(k).as_str()))
        .and_then(|(_, v)| v.as_str())
        .filter(|t| t.len() == 3)
        .map(str::to_owned)
        .or_else(|| m.values().find_map(|v| nested_currency(v, depth + 1)))
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => super::clean(s, 300),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn availability(key: &str, v: &Value) -> Option<String> {
    let negated = matches!(key, "soldout" | "outofstock" | "isoutofstock");
    let yes = match v {
        Value::Bool(b) => *b,
        Value::String(s) => return super::best::normalize_availability(s),
        Value::Number(n) => n.as_f64().is_some_and(|x| x > 0.0),
        _ => return None,
    };
    Some(
        if yes != negated {
            "InStock"
        } else {
            "OutOfStock"
        }
        .into(),
    )
}

/// A price value: a number (cents when the key or the shop says so), a text, or an
/// object holding one (`{"amount": "19.99"}`, `{"centAmount": 1999,
/// "fractionDigits": 2}`, `{"value": 19.99, "formattedValue": "19,99 €"}`).
fn amount(v: &Value, key: &str, shopify: bool, depth: usize) -> Option<Amount> {
    match v {
        Value::Number(n) => {
            let d = Decimal::from_str_exact(&n.to_string())
                .ok()
                .or_else(|| n.as_f64().and_then(|x| Decimal::try_from(x).ok()))?;
            let in_cents = key.contains("cent") || (shopify && n.is_u64());
            let d = if in_cents { d / Decimal::from(100) } else { d };
            (d > Decimal::ZERO).then_some(Amount::Number(d))
        }
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty() && t.chars().any(|c| c.is_ascii_digit()))
                .then(|| Amount::Text(t.to_owned()))
        }
        Value::Object(m) if depth < 2 => {
            if let Some(c) = m.get("centAmount").and_then(Value::as_i64) {
                let digits = m
                    .get("fractionDigits")
                    .and_then(Value::as_u64)
                    .unwrap_or(2)
                    .min(6);
                return Some(Amount::Number(Decimal::new(c, digits as u32)));
            }
            for k in [
                "amount",
                "value",
                "raw",
                "final",
                "current",
                "gross",
                "price",
                "sale",
                "with_tax",
                "without_tax",
            ] {
                if let Some(inner) = m.get(k)
                    && let Some(a) = amount(inner, key, shopify, depth + 1)
                {
                    return Some(a);
                }
            }
            ["formatted", "formattedValue", "formattedPrice", "display"]
                .iter()
                .find_map(|k| m.get(*k).and_then(Value::as_str))
                .map(|s| Amount::Text(s.to_owned()))
        }
        _ => None,
    }
}
