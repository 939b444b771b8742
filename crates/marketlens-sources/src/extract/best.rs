//! The main product field by field: every method proposes candidate values with a
//! confidence, values are normalised (prices as plain decimals, availability as the
//! schema.org token) so that methods agreeing on a value can be counted together, and
//! the value with the highest combined confidence wins.

use marketlens_core::domain::{Availability, CurrencyCode};
use marketlens_core::normalize::condition::parse_availability;
use marketlens_core::normalize::price_text::scan_price;
use rust_decimal::Decimal;
use serde::Serialize;

use super::{ExtractedOffer, ExtractedProduct, Field, MAX_FIELD_CHARS, OfferKind, Syntax, clean};

/// Candidates kept per page (a hostile page could propose thousands).
const MAX_CANDIDATES: usize = 2_000;

/// The fields the fallbacks look for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldName {
    Name,
    Brand,
    Sku,
    Gtin,
    Mpn,
    Price,
    /// A struck-through, "was" or compare-at price: what the price was, never the price.
    PreviousPrice,
    Currency,
    Availability,
}

impl FieldName {
    pub const ALL: [FieldName; 9] = [
        FieldName::Name,
        FieldName::Brand,
        FieldName::Sku,
        FieldName::Gtin,
        FieldName::Mpn,
        FieldName::Price,
        FieldName::PreviousPrice,
        FieldName::Currency,
        FieldName::Availability,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldName::Name => "name",
            FieldName::Brand => "brand",
            FieldName::Sku => "sku",
            FieldName::Gtin => "gtin",
            FieldName::Mpn => "mpn",
            FieldName::Price => "price",
            FieldName::PreviousPrice => "previous_price",
            FieldName::Currency => "currency",
            FieldName::Availability => "availability",
        }
    }
}

/// One value proposed for one field of the main product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub field: FieldName,
    pub value: String,
    pub from: Syntax,
    pub confidence: f64,
}

/// A chosen value: the method that proposed it with the highest confidence, and the
/// combined confidence of every method that proposed it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    pub value: String,
    pub from: Syntax,
    pub confidence: f64,
}

/// The main product's fields, each the best candidate. Prices are plain decimals
/// (`1299.5`), currency an ISO 4217 code, availability `InStock`, `OutOfStock` or
/// `PreOrder`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BestFields {
    pub name: Option<Scored>,
    pub brand: Option<Scored>,
    pub sku: Option<Scored>,
    pub gtin: Option<Scored>,
    pub mpn: Option<Scored>,
    pub price: Option<Scored>,
    pub previous_price: Option<Scored>,
    pub currency: Option<Scored>,
    pub availability: Option<Scored>,
}

impl BestFields {
    pub fn get(&self, field: FieldName) -> Option<&Scored> {
        match field {
            FieldName::Name => self.name.as_ref(),
            FieldName::Brand => self.brand.as_ref(),
            FieldName::Sku => self.sku.as_ref(),
            FieldName::Gtin => self.gtin.as_ref(),
            FieldName::Mpn => self.mpn.as_ref(),
            FieldName::Price => self.price.as_ref(),
            FieldName::PreviousPrice => self.previous_price.as_ref(),
            FieldName::Currency => self.currency.as_ref(),
            FieldName::Availability => self.availability.as_ref(),
        }
    }

    fn slot(&mut self, field: FieldName) -> &mut Option<Scored> {
        match field {
            FieldName::Name => &mut self.name,
            FieldName::Brand => &mut self.brand,
            FieldName::Sku => &mut self.sku,
            FieldName::Gtin => &mut self.gtin,
            FieldName::Mpn => &mut self.mpn,
            FieldName::Price => &mut self.price,
            FieldName::PreviousPrice => &mut self.previous_price,
            FieldName::Currency => &mut self.currency,
            FieldName::Availability => &mut self.availability,
        }
    }
}

/// Candidates as the methods add them, normalised on the way in.
#[derive(Debug, Default)]
pub(super) struct Candidates {
    items: Vec<Candidate>,
    /// The currency the page declares, once a method found one: the hint for prices
    /// written with an ambiguous symbol or none.
    currency_hint: Option<CurrencyCode>,
}

impl Candidates {
    /// Adds `raw` for `field` when it normalises to a value.
    pub(super) fn add(&mut self, field: FieldName, raw: &str, from: Syntax, confidence: f64) {
        if self.items.len() >= MAX_CANDIDATES || confidence <= 0.0 {
            return;
        }
        let value = match field {
            FieldName::Price | FieldName::PreviousPrice => {
                normalize_amount(raw, self.currency_hint)
            }
            FieldName::Currency => normalize_currency(raw),
            FieldName::Availability => normalize_availability(raw),
            FieldName::Sku | FieldName::Mpn | FieldName::Gtin => normalize_code(raw),
            FieldName::Name | FieldName::Brand => clean(&super::decode_entities(raw), 300),
        };
        let Some(value) = value else { return };
        if field == FieldName::Currency
            && self.currency_hint.is_none()
            && let Ok(c) = CurrencyCode::parse(&value)
        {
            self.currency_hint = Some(c);
        }
        self.items.push(Candidate {
            field,
            value,
            from,
            confidence: round3(confidence.clamp(0.0, 0.99)),
        });
    }

    /// Adds an already normalised amount (a price read from a number, not a text).
    pub(super) fn add_amount(&mut self, field: FieldName, amount: Decimal, from: Syntax, c: f64) {
        if amount.is_sign_negative() || self.items.len() >= MAX_CANDIDATES {
            return;
        }
        self.items.push(Candidate {
            field,
            value: amount.normalize().to_string(),
            from,
            confidence: round3(c.clamp(0.0, 0.99)),
        });
    }

    /// Whether structured data already gave `field` with its full trust (a sure
    /// JSON-LD or microdata value): then page-text guesses at it cannot win alone,
    /// and are not worth their time.
    pub(super) fn settled(&self, field: FieldName) -> bool {
        self.items.iter().any(|c| {
            c.field == field
                && matches!(c.from, Syntax::JsonLd | Syntax::Microdata)
                && c.confidence >= c.from.base_confidence() - 1e-9
        })
    }

    pub(super) fn currency_hint(&self) -> Option<CurrencyCode> {
        self.currency_hint
    }

    pub(super) fn into_vec(self) -> Vec<Candidate> {
        self.items
    }
}

/// A price text as a plain decimal (`"1.299,00 €"` → `1299`), `None` without one.
/// A machine-written number (`"1299.00"`) is read as it is; anything else goes
/// through the price-text parser, which knows decimal commas and thousands marks.
pub fn normalize_amount(raw: &str, hint: Option<CurrencyCode>) -> Option<String> {
    let t = super::decode_entities(raw);
    let t = t.trim();
    let amount = match t.parse::<Decimal>() {
        Ok(d) => d,
        Err(_) => scan_price(t, hint, None).amount?,
    };
    (!amount.is_sign_negative()).then(|| amount.normalize().to_string())
}

fn normalize_currency(raw: &str) -> Option<String> {
    let t = raw.trim();
    if let Ok(c) = CurrencyCode::parse(&t.to_ascii_uppercase()) {
        return Some(c.as_str().to_owned());
    }
    // A symbol ("€", "£") rather than a code.
    match scan_price(&format!("1 {t}"), None, None).currency {
        marketlens_core::normalize::price_text::CurrencyFinding::Found(c) => {
            Some(c.as_str().to_owned())
        }
        _ => None,
    }
}

/// Availability as its schema.org token; `None` when the text says nothing about stock.
pub(super) fn normalize_availability(raw: &str) -> Option<String> {
    // Catalogue-feed shorthands some OpenGraph tags use.
    match raw.trim().to_ascii_lowercase().as_str() {
        "oos" | "out_of_stock" => return Some("OutOfStock".into()),
        "available for order" | "available_for_order" => return Some("InStock".into()),
        _ => {}
    }
    match parse_availability(Some(raw)) {
        Availability::InStock => Some("InStock".into()),
        Availability::OutOfStock => Some("OutOfStock".into()),
        Availability::PreOrder => Some("PreOrder".into()),
        Availability::Unknown => None,
    }
}

/// An identifier as written, trimmed of a label ("SKU: 24-MB01" → "24-MB01").
fn normalize_code(raw: &str) -> Option<String> {
    let t = super::decode_entities(raw);
    let t = clean(&t, MAX_FIELD_CHARS)?;
    let t = t
        .trim_start_matches(|c: char| c == '#' || c == ':' || c.is_whitespace())
        .trim_end_matches(['.', ',', ';']);
    (!t.is_empty() && t.len() <= 64 && t.chars().any(|c| c.is_ascii_alphanumeric()))
        .then(|| t.to_owned())
}

/// Candidates from one structured syntax's products. The main product is the only
/// one, or the one named like the page's title, or the first with a price; when a
/// syntax lists several products and none is picked out, its values count less.
pub(super) fn structured(
    c: &mut Candidates,
    from: Syntax,
    products: &[ExtractedProduct],
    title: Option<&str>,
) {
    let (main, sure) = match products {
        [] => return,
        [only] => (only, true),
        many => match title.and_then(|t| many.iter().find(|p| names_match(p, t))) {
            Some(p) => (p, true),
            None => (
                many.iter()
                    .find(|p| p.offers.iter().any(|o| o.price.is_some()))
                    .unwrap_or(&many[0]),
                false,
            ),
        },
    };
    let base = from.base_confidence() * if sure { 1.0 } else { 0.8 };
    let text = |f: &Option<Field>| f.as_ref().map(|f| f.value.clone());
    // Currency first: it is the hint for the prices.
    let offer = main_offer(&main.offers);
    if let Some(cur) = offer.and_then(|o| o.currency.as_deref()) {
        c.add(FieldName::Currency, cur, from, base);
    }
    for (field, value) in [
        (FieldName::Name, text(&main.name)),
        (FieldName::Brand, text(&main.brand)),
        (FieldName::Gtin, text(&main.gtin)),
        (FieldName::Mpn, text(&main.mpn)),
    ] {
        if let Some(v) = value {
            c.add(field, &v, from, base);
        }
    }
    // The SKU: the product's, else its offer's; a part number or barcode stands in
    // for it, trusted less (a shop's SKU is often its own code).
    if let Some(sku) = text(&main.sku) {
        c.add(FieldName::Sku, &sku, from, base);
    } else if let Some(sku) = offer.and_then(|o| o.sku.clone()) {
        c.add(FieldName::Sku, &sku, from, base * 0.95);
    } else if let Some(mpn) = text(&main.mpn) {
        c.add(FieldName::Sku, &mpn, from, base * 0.5);
    } else if let Some(gtin) = text(&main.gtin) {
        c.add(FieldName::Sku, &gtin, from, base * 0.4);
    }
    if let Some(o) = offer {
        let price = match o.kind {
            OfferKind::Offer => o.price.as_deref(),
            OfferKind::AggregateOffer => o.price.as_deref().or(o.low_price.as_deref()),
        };
        if let Some(p) = price {
            // A zero price is almost always a placeholder ("call for price").
            let zero = normalize_amount(p, c.currency_hint()).is_some_and(|v| v == "0");
            c.add(
                FieldName::Price,
                p,
                from,
                if zero { base * 0.3 } else { base },
            );
        }
        if let Some(a) = o.availability.as_deref() {
            c.add(FieldName::Availability, a, from, base);
        }
    }
}

/// The offer a buyer sees first: the first priced single offer, else the aggregate.
fn main_offer(offers: &[ExtractedOffer]) -> Option<&ExtractedOffer> {
    offers
        .iter()
        .find(|o| o.kind == OfferKind::Offer && o.price.is_some())
        .or_else(|| {
            offers
                .iter()
                .find(|o| o.price.is_some() || o.low_price.is_some())
        })
        .or_else(|| offers.first())
}

fn names_match(p: &ExtractedProduct, title: &str) -> bool {
    p.name.as_ref().is_some_and(|n| {
        let (a, b) = (n.value.to_lowercase(), title.to_lowercase());
        a == b || (a.len() > 8 && b.contains(&a)) || (b.len() > 8 && a.contains(&b))
    })
}

/// The winner of each field: candidates with the same value pool their confidence
/// (1 − Π(1 − cᵢ)), and the highest pool wins; on a tie the value proposed first
/// (structured data before fallbacks) stays.
pub(super) fn choose(candidates: &[Candidate]) -> BestFields {
    let mut best = BestFields::default();
    for field in FieldName::ALL {
        // (value, each method's highest confidence for it), in first-seen order.
        let mut pools: Vec<(&str, Vec<(Syntax, f64)>)> = Vec::new();
        for c in candidates.iter().filter(|c| c.field == field) {
            let pool = match pools.iter().position(|p| same_value(field, p.0, &c.value)) {
                Some(i) => &mut pools[i],
                None => {
                    pools.push((&c.value, Vec::new()));
                    pools.last_mut().expect("just pushed")
                }
            };
            // One method repeating a value (a price in a span in a div) is one vote.
            match pool.1.iter_mut().find(|(m, _)| *m == c.from) {
                Some(m) => m.1 = m.1.max(c.confidence),
                None => pool.1.push((c.from, c.confidence)),
            }
        }
        // A previous price is above the price; anything else is not one.
        let price: Option<Decimal> = best.price.as_ref().and_then(|p| p.value.parse().ok());
        let mut winner: Option<Scored> = None;
        for (value, votes) in &pools {
            if field == FieldName::PreviousPrice
                && let (Some(p), Ok(v)) = (price, value.parse::<Decimal>())
                && v <= p
            {
                continue;
            }
            let miss: f64 = votes.iter().map(|(_, c)| 1.0 - c).product();
            let confidence = round3(1.0 - miss);
            if winner
                .as_ref()
                .is_none_or(|w| confidence > w.confidence + 1e-6)
            {
                let from = votes
                    .iter()
                    .fold(votes[0], |a, b| if b.1 > a.1 { *b } else { a })
                    .0;
                winner = Some(Scored {
                    value: (*value).to_owned(),
                    from,
                    confidence,
                });
            }
        }
        *best.slot(field) = winner;
    }
    best
}

fn same_value(field: FieldName, a: &str, b: &str) -> bool {
    match field {
        FieldName::Name | FieldName::Brand => a.eq_ignore_ascii_case(b),
        FieldName::Sku | FieldName::Mpn | FieldName::Gtin => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

/// Gives the main product (the first) what its structured data lacked, from the best
/// fields; a page without structured products gets one when the fallbacks found a
/// name and a price or SKU.
pub(super) fn complete_main(
    products: &mut Vec<ExtractedProduct>,
    best: &BestFields,
    title: Option<&str>,
) {
    if products.is_empty() {
        let Some(name) = &best.name else { return };
        if best.price.is_none() && best.sku.is_none() {
            return;
        }
        let from = best.price.as_ref().map_or(name.from, |p| p.from);
        products.push(ExtractedProduct::empty(from));
    }
    // The product the page's title names comes first (a related product's JSON-LD
    // may come before it).
    if let Some(title) = title
        && !products.first().is_some_and(|p| names_match(p, title))
        && let Some(i) = products.iter().position(|p| names_match(p, title))
    {
        let main = products.remove(i);
        products.insert(0, main);
    }
    let main = &mut products[0];
    let field = |s: &Option<Scored>| {
        s.as_ref().map(|s| Field {
            value: s.value.clone(),
            from: s.from,
            confidence: s.confidence,
        })
    };
    for (dst, src) in [
        (&mut main.name, &best.name),
        (&mut main.brand, &best.brand),
        (&mut main.sku, &best.sku),
        (&mut main.gtin, &best.gtin),
        (&mut main.mpn, &best.mpn),
    ] {
        if dst.is_none() {
            *dst = field(src);
        }
    }
    let schema_url = |a: &Scored| format!("https://schema.org/{}", a.value);
    let priced_offers = main
        .offers
        .iter()
        .filter(|o| o.price.is_some() || o.low_price.is_some())
        .count();
    let first_priced = main
        .offers
        .iter()
        .position(|o| o.kind == OfferKind::Offer && o.price.is_some())
        .or_else(|| {
            main.offers
                .iter()
                .position(|o| o.price.is_some() || o.low_price.is_some())
        });
    match (first_priced, &best.price) {
        (Some(i), _) => {
            let o = &mut main.offers[i];
            // A lone offer whose own value lost to a better-supported one (a zero
            // placeholder, a stale price) takes the winner; with several offers
            // each keeps its own.
            let lone = priced_offers == 1;
            let written = o.price.clone().or_else(|| o.low_price.clone());
            let own = written.as_deref().and_then(|w| normalize_amount(w, None));
            let own_conf = if own.as_deref() == Some("0") {
                o.confidence * 0.3
            } else {
                o.confidence
            };
            if let Some(bp) = &best.price
                && lone
                && own.as_deref() != Some(bp.value.as_str())
                && bp.confidence > own_conf
            {
                o.price = Some(bp.value.clone());
                o.from = bp.from;
                o.confidence = bp.confidence;
            }
            let own_stock = o.availability.as_deref().and_then(normalize_availability);
            match &best.availability {
                Some(a) if o.availability.is_none() => o.availability = Some(schema_url(a)),
                Some(a)
                    if lone
                        && own_stock.as_deref() != Some(a.value.as_str())
                        && a.confidence > o.confidence =>
                {
                    o.availability = Some(schema_url(a));
                }
                _ => {}
            }
            if o.currency.is_none() {
                o.currency = best.currency.as_ref().map(|c| c.value.clone());
            }
        }
        (None, Some(price)) => {
            main.offers.insert(
                0,
                ExtractedOffer {
                    from: price.from,
                    confidence: price.confidence,
                    kind: OfferKind::Offer,
                    price: Some(price.value.clone()),
                    low_price: None,
                    high_price: None,
                    currency: best.currency.as_ref().map(|c| c.value.clone()),
                    availability: best.availability.as_ref().map(schema_url),
                    condition: None,
                    seller: None,
                    sku: best.sku.as_ref().map(|s| s.value.clone()),
                    name: None,
                    url: None,
                    offer_count: None,
                },
            );
        }
        (None, None) => {}
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
