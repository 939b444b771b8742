//! Product extraction from one HTML page: pure (a string in, data out), no I/O.
//!
//! Three syntaxes are read, in this order of preference: **JSON-LD** (`<script
//! type="application/ld+json">`, including `@graph`, arrays, nested and referenced
//! offers), **microdata** (`itemscope`/`itemprop`, including `itemref`) and
//! **OpenGraph** product tags (`og:*`, `product:*`). JSON-LD and microdata are both
//! turned into the same JSON shape and read by one schema.org reader ([`schema`]), so
//! the two cannot drift apart. The products of each syntax are then merged: the most
//! preferred syntax gives the record, the others only fill fields it lacks, and every
//! field says which syntax it came from.
//!
//! Web pages are hostile input: nothing here panics on malformed HTML or JSON, and
//! every collection is bounded ([`MAX_PRODUCTS`], [`MAX_OFFERS`], [`MAX_REVIEWS`],
//! walk depth and node counts); markup nesting is bounded before parsing
//! ([`crate::html_depth`]), so a 50,000-deep page parses in linear time.

mod best;
mod dom;
mod jsonld;
mod meta;
mod microdata;
mod opengraph;
mod schema;
pub mod score;
mod state;

pub use best::{BestFields, Candidate, FieldName, Scored, normalize_amount};

use serde::Serialize;
use url::Url;

/// Products kept per page.
pub const MAX_PRODUCTS: usize = 200;
/// Offers kept per product.
pub const MAX_OFFERS: usize = 500;
/// Reviews kept per product.
pub const MAX_REVIEWS: usize = 500;
/// Longest text kept for one field (review bodies: 4×).
pub const MAX_FIELD_CHARS: usize = 2_000;

/// The markup a value was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Syntax {
    JsonLd,
    Microdata,
    Opengraph,
    /// Product meta tags outside OpenGraph (`twitter:label1`/`twitter:data1`,
    /// `itemprop` outside any `itemscope`, `<meta name="sku">`).
    MetaTags,
    /// A page's embedded state JSON (`__NEXT_DATA__`, `window.__INITIAL_STATE__`,
    /// Shopify product JSON, `data-product` attributes, …).
    ScriptState,
    /// Visible text and markup: the price near the title and the add-to-cart control,
    /// stock wording, `SKU:` labels.
    Dom,
}

impl Syntax {
    pub fn as_str(self) -> &'static str {
        match self {
            Syntax::JsonLd => "json-ld",
            Syntax::Microdata => "microdata",
            Syntax::Opengraph => "opengraph",
            Syntax::MetaTags => "meta-tags",
            Syntax::ScriptState => "script-state",
            Syntax::Dom => "dom",
        }
    }

    /// How far a value read this way is trusted when nothing else is known about it:
    /// structured data is written for machines, page text for people.
    pub fn base_confidence(self) -> f64 {
        match self {
            Syntax::JsonLd => 0.9,
            Syntax::Microdata => 0.85,
            Syntax::Opengraph => 0.75,
            Syntax::MetaTags => 0.7,
            Syntax::ScriptState => 0.7,
            Syntax::Dom => 0.5,
        }
    }

    pub const ALL: [Syntax; 6] = [
        Syntax::JsonLd,
        Syntax::Microdata,
        Syntax::Opengraph,
        Syntax::MetaTags,
        Syntax::ScriptState,
        Syntax::Dom,
    ];
}

/// A product-level value, where it came from and how far it is trusted (0–1).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Field {
    pub value: String,
    pub from: Syntax,
    pub confidence: f64,
}

impl Field {
    pub(crate) fn new(value: String, from: Syntax) -> Self {
        Self {
            value,
            from,
            confidence: from.base_confidence(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferKind {
    Offer,
    AggregateOffer,
}

/// An `Offer` or `AggregateOffer`, strings as the page wrote them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractedOffer {
    pub from: Syntax,
    /// How far the offer's price is trusted (0–1).
    pub confidence: f64,
    pub kind: OfferKind,
    pub price: Option<String>,
    pub low_price: Option<String>,
    pub high_price: Option<String>,
    pub currency: Option<String>,
    pub availability: Option<String>,
    pub condition: Option<String>,
    pub seller: Option<String>,
    pub sku: Option<String>,
    pub name: Option<String>,
    pub url: Option<String>,
    pub offer_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractedRating {
    pub from: Syntax,
    pub value: Option<f64>,
    pub count: Option<u64>,
    pub best: Option<f64>,
    pub worst: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractedReview {
    pub from: Syntax,
    pub author: Option<String>,
    pub rating: Option<f64>,
    /// The scale's top (`bestRating`), 5 when absent.
    pub best_rating: Option<f64>,
    pub title: Option<String>,
    pub body: Option<String>,
    /// As written (`datePublished`).
    pub date: Option<String>,
}

/// One product found in a page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExtractedProduct {
    /// The syntax of the record the others were merged into.
    pub from: Syntax,
    pub name: Option<Field>,
    pub brand: Option<Field>,
    pub gtin: Option<Field>,
    pub mpn: Option<Field>,
    pub sku: Option<Field>,
    pub category: Option<Field>,
    pub description: Option<Field>,
    pub url: Option<Field>,
    pub image: Option<Field>,
    pub offers: Vec<ExtractedOffer>,
    pub rating: Option<ExtractedRating>,
    pub reviews: Vec<ExtractedReview>,
}

impl ExtractedProduct {
    fn empty(from: Syntax) -> Self {
        Self {
            from,
            name: None,
            brand: None,
            gtin: None,
            mpn: None,
            sku: None,
            category: None,
            description: None,
            url: None,
            image: None,
            offers: Vec::new(),
            rating: None,
            reviews: Vec::new(),
        }
    }

    fn fields_mut(&mut self) -> [&mut Option<Field>; 9] {
        [
            &mut self.name,
            &mut self.brand,
            &mut self.gtin,
            &mut self.mpn,
            &mut self.sku,
            &mut self.category,
            &mut self.description,
            &mut self.url,
            &mut self.image,
        ]
    }

    fn has_content(&self) -> bool {
        self.name.is_some() || !self.offers.is_empty()
    }
}

/// Everything found in one page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Extraction {
    /// Products after merging the syntaxes.
    pub products: Vec<ExtractedProduct>,
    /// Each syntax's own reading, before merging.
    pub by_syntax: BySyntax,
    /// The page's main product, field by field: the value with the highest confidence
    /// among every method's candidates (values several methods agree on count more).
    pub best: BestFields,
    /// Every candidate value found for the main product, by field and method.
    pub candidates: Vec<Candidate>,
    /// Problems met (malformed JSON-LD, …), for people writing source configs.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BySyntax {
    pub json_ld: Vec<ExtractedProduct>,
    pub microdata: Vec<ExtractedProduct>,
    pub opengraph: Vec<ExtractedProduct>,
}

/// Extracts every product of `html`; relative URLs resolve against `base` when given.
///
/// Structured data (JSON-LD, microdata, OpenGraph) gives the products; the fallbacks
/// (other meta tags, embedded state JSON, visible text) add candidates for the main
/// product's fields. [`Extraction::best`] holds the winner of each field, and the main
/// product (the first) gets the fields and the priced offer its structured data
/// lacked; a page with no structured data at all gets its product from the fallbacks.
pub fn extract(html: &str, base: Option<&Url>) -> Extraction {
    extract_with(html, base, false)
}

/// [`extract`], with every method's candidates for every field: page text is read for
/// a price or SKU even where sure JSON-LD or microdata already settled it, so that
/// each method can be measured alone. [`extract`] skips that reading: page text alone
/// cannot outweigh sure structured data, and the pages where it could with another
/// method's support are rare next to the time it costs.
pub fn extract_thorough(html: &str, base: Option<&Url>) -> Extraction {
    extract_with(html, base, true)
}

fn extract_with(html: &str, base: Option<&Url>, thorough: bool) -> Extraction {
    let doc = crate::html_depth::parse_document(html);
    let mut warnings = Vec::new();
    let json_ld = jsonld::extract(&doc, base, &mut warnings);
    let microdata = microdata::extract(&doc, base);
    let opengraph = opengraph::extract(&doc, base);
    let mut products = merge(&json_ld, &microdata, &opengraph);
    let page = dom::read(&doc);
    let mut candidates = best::Candidates::default();
    for (syntax, list) in [
        (Syntax::JsonLd, &json_ld),
        (Syntax::Microdata, &microdata),
        (Syntax::Opengraph, &opengraph),
    ] {
        best::structured(&mut candidates, syntax, list, page.title.as_deref());
    }
    meta::candidates(&doc, &mut candidates);
    state::candidates(&doc, page.title.as_deref(), &mut candidates);
    dom::candidates(&page, &mut candidates, thorough);
    let candidates = candidates.into_vec();
    let best = best::choose(&candidates);
    best::complete_main(&mut products, &best, page.title.as_deref());
    Extraction {
        products,
        by_syntax: BySyntax {
            json_ld,
            microdata,
            opengraph,
        },
        best,
        candidates,
        warnings,
    }
}

/// The preferred syntax's products, completed from the others. A lower-preference
/// product joins one above it when it is the only candidate on both sides or shares
/// an identifier or name; otherwise a microdata product is a product of its own, and
/// an OpenGraph one (which describes "the page") is kept only when nothing else is.
fn merge(
    json_ld: &[ExtractedProduct],
    microdata: &[ExtractedProduct],
    opengraph: &[ExtractedProduct],
) -> Vec<ExtractedProduct> {
    let mut out: Vec<ExtractedProduct> = json_ld.to_vec();
    for (lower, keep_unmatched) in [(microdata, true), (opengraph, false)] {
        let was_empty = out.is_empty();
        for p in lower {
            let target = if out.len() == 1 && lower.len() == 1 {
                Some(0)
            } else {
                out.iter().position(|o| same_product(o, p))
            };
            match target {
                Some(i) => fill(&mut out[i], p),
                None if keep_unmatched || was_empty => out.push(p.clone()),
                None => {}
            }
        }
    }
    out.retain(ExtractedProduct::has_content);
    out.truncate(MAX_PRODUCTS);
    out
}

fn same_product(a: &ExtractedProduct, b: &ExtractedProduct) -> bool {
    let eq = |x: &Option<Field>, y: &Option<Field>| match (x, y) {
        (Some(x), Some(y)) => x.value.trim().eq_ignore_ascii_case(y.value.trim()),
        _ => false,
    };
    eq(&a.gtin, &b.gtin) || eq(&a.sku, &b.sku) || eq(&a.name, &b.name) || eq(&a.url, &b.url)
}

fn fill(into: &mut ExtractedProduct, from: &ExtractedProduct) {
    let mut src = from.clone();
    for (dst, val) in into.fields_mut().into_iter().zip(src.fields_mut()) {
        if dst.is_none() {
            *dst = val.take();
        }
    }
    if into.offers.is_empty() {
        into.offers = from.offers.clone();
    } else if let ([mine], [theirs]) = (into.offers.as_mut_slice(), from.offers.as_slice())
        && same_price(mine.price.as_deref(), theirs.price.as_deref())
    {
        // One offer on each side at the same price: the same offer, so the other
        // syntax may complete what this one left out.
        for (dst, val) in [
            (&mut mine.currency, &theirs.currency),
            (&mut mine.availability, &theirs.availability),
            (&mut mine.condition, &theirs.condition),
            (&mut mine.seller, &theirs.seller),
            (&mut mine.sku, &theirs.sku),
        ] {
            if dst.is_none() {
                dst.clone_from(val);
            }
        }
    }
    if into.rating.is_none() {
        into.rating = from.rating.clone();
    }
    if into.reviews.is_empty() {
        into.reviews = from.reviews.clone();
    }
}

fn same_price(a: Option<&str>, b: Option<&str>) -> bool {
    match (
        a.map(|x| x.trim().parse::<f64>()),
        b.map(|x| x.trim().parse::<f64>()),
    ) {
        (Some(Ok(a)), Some(Ok(b))) => (a - b).abs() < 1e-9,
        _ => false,
    }
}

/// Whitespace collapsed, trimmed, at most `max_chars` characters; `None` when empty.
pub fn clean(text: &str, max_chars: usize) -> Option<String> {
    let mut out = String::with_capacity(text.len().min(max_chars));
    let mut n = 0;
    for word in text.split_whitespace() {
        if n >= max_chars {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for c in word.chars() {
            if n >= max_chars {
                break;
            }
            out.push(c);
            n += 1;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// A URL as written, made absolute against `base` when possible.
pub(crate) fn absolute(raw: &str, base: Option<&Url>) -> Option<String> {
    let raw = clean(raw, MAX_FIELD_CHARS)?;
    match base {
        Some(b) => b.join(&raw).map(|u| u.to_string()).ok().or(Some(raw)),
        None => Some(raw),
    }
}

#[cfg(test)]
mod tests;

/// `text` with HTML character references decoded (`&amp;`, `&#39;`, `&#x20AC;`,
/// `&nbsp;`, …): JSON-LD and state JSON sit in `<script>`, where the HTML parser
/// leaves them alone, and shops often escape them anyway.
pub(crate) fn decode_entities(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('&') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .char_indices()
            .take(10)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i + 1);
        let decoded = end.and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "euro" => Some('€'),
                "pound" => Some('£'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            }?;
            Some((c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}
