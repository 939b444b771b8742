//! The schema.org reader shared by JSON-LD and microdata: finds `Product` nodes in a
//! JSON tree and reads their fields, offers, rating and reviews. Tolerant of what real
//! pages do: `schema:`/full-IRI property names, values as strings, numbers, arrays or
//! objects, `@id` references to nodes elsewhere in the page.

use std::collections::HashMap;

use serde_json::{Map, Value};
use url::Url;

use super::{
    ExtractedOffer, ExtractedProduct, ExtractedRating, ExtractedReview, Field, MAX_FIELD_CHARS,
    MAX_OFFERS, MAX_PRODUCTS, MAX_REVIEWS, OfferKind, Syntax, absolute, clean, decode_entities,
};

const MAX_DEPTH: usize = 48;
const MAX_NODES: usize = 50_000;
const PRODUCT_TYPES: &[&str] = &[
    "Product",
    "ProductGroup",
    "IndividualProduct",
    "ProductModel",
    "SomeProducts",
];

/// Reads every product in `roots` (JSON-LD documents, or microdata items as JSON).
pub(super) fn products(roots: &[Value], from: Syntax, base: Option<&Url>) -> Vec<ExtractedProduct> {
    let mut ids = HashMap::new();
    let mut budget = MAX_NODES;
    for r in roots {
        index_ids(r, 0, &mut ids, &mut budget);
    }
    let reader = Reader { ids, from, base };
    let mut out = Vec::new();
    let mut budget = MAX_NODES;
    for r in roots {
        reader.find(r, 0, &mut budget, &mut out);
    }
    out
}

fn index_ids<'a>(
    v: &'a Value,
    depth: usize,
    ids: &mut HashMap<String, &'a Value>,
    budget: &mut usize,
) {
    if depth > MAX_DEPTH || *budget == 0 {
        return;
    }
    *budget -= 1;
    match v {
        Value::Object(m) => {
            if let Some(Value::String(id)) = m.get("@id")
                && m.len() > 1
            {
                ids.entry(id.clone()).or_insert(v);
            }
            for child in m.values() {
                index_ids(child, depth + 1, ids, budget);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| index_ids(c, depth + 1, ids, budget)),
        _ => {}
    }
}

struct Reader<'a> {
    ids: HashMap<String, &'a Value>,
    from: Syntax,
    base: Option<&'a Url>,
}

impl<'a> Reader<'a> {
    fn find(
        &self,
        v: &'a Value,
        depth: usize,
        budget: &mut usize,
        out: &mut Vec<ExtractedProduct>,
    ) {
        if depth > MAX_DEPTH || *budget == 0 || out.len() >= MAX_PRODUCTS {
            return;
        }
        *budget -= 1;
        match v {
            Value::Object(m) => {
                if has_type(m, PRODUCT_TYPES) {
                    out.push(self.product(m));
                    // A ProductGroup's variants are products too; other products nested
                    // in a product (isRelatedTo, isSimilarTo) are not this page's offer.
                    if let Some(variants) = prop(m, "hasVariant") {
                        self.find(variants, depth + 1, budget, out);
                    }
                    return;
                }
                for child in m.values() {
                    self.find(child, depth + 1, budget, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|c| self.find(c, depth + 1, budget, out)),
            _ => {}
        }
    }

    /// An `{"@id": …}` reference replaced by the node it names.
    fn deref(&self, v: &'a Value) -> &'a Value {
        if let Value::Object(m) = v
            && m.len() == 1
            && let Some(Value::String(id)) = m.get("@id")
            && let Some(node) = self.ids.get(id)
        {
            return node;
        }
        v
    }

    /// The objects a property holds (one object, or an array of them), references resolved.
    fn objects(&self, v: Option<&'a Value>) -> Vec<&'a Map<String, Value>> {
        let items: Vec<&Value> = match v {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(other) => vec![other],
            None => vec![],
        };
        items
            .into_iter()
            .filter_map(|i| self.deref(i).as_object())
            .collect()
    }

    fn text(&self, v: Option<&'a Value>) -> Option<String> {
        self.text_max(v, MAX_FIELD_CHARS)
    }

    fn text_max(&self, v: Option<&'a Value>, max: usize) -> Option<String> {
        self.text_at(v, max, 0)
    }

    /// `depth` bounds the walk: `@id` references can form cycles
    /// (`{"@id":"a","name":{"@id":"a"}}`).
    fn text_at(&self, v: Option<&'a Value>, max: usize, depth: usize) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match self.deref(v?) {
            // JSON-LD sits in <script>, where entities are not decoded by the parser.
            Value::String(s) if self.from == Syntax::JsonLd => clean(&decode_entities(s), max),
            Value::String(s) => clean(s, max),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Array(a) => a
                .iter()
                .take(100)
                .find_map(|i| self.text_at(Some(i), max, depth + 1)),
            Value::Object(m) => self
                .text_at(m.get("@value"), max, depth + 1)
                .or_else(|| self.text_at(prop(m, "name"), max, depth + 1)),
            Value::Null => None,
        }
    }

    fn field(&self, m: &'a Map<String, Value>, keys: &[&str]) -> Option<Field> {
        keys.iter()
            .find_map(|k| self.text(prop(m, k)))
            .map(|value| Field::new(value, self.from))
    }

    fn url_field(&self, m: &'a Map<String, Value>, keys: &[&str]) -> Option<Field> {
        keys.iter()
            .find_map(|k| {
                let v = prop(m, k)?;
                // ImageObject: its url or contentUrl.
                let raw = match self.deref(v) {
                    Value::Object(o) => self
                        .text(prop(o, "url"))
                        .or_else(|| self.text(prop(o, "contentUrl"))),
                    _ => self.text(Some(v)),
                }?;
                absolute(&raw, self.base)
            })
            .map(|value| Field::new(value, self.from))
    }

    fn product(&self, m: &'a Map<String, Value>) -> ExtractedProduct {
        let mut p = ExtractedProduct::empty(self.from);
        p.name = self.field(m, &["name"]);
        p.brand = self.field(m, &["brand", "manufacturer"]);
        p.gtin = self.field(
            m,
            &["gtin13", "gtin", "gtin12", "gtin14", "gtin8", "isbn", "ean"],
        );
        p.mpn = self.field(m, &["mpn"]);
        p.sku = self.field(m, &["sku", "productID"]);
        p.category = self.field(m, &["category"]);
        p.description = self.field(m, &["description"]);
        p.url = self.url_field(m, &["url"]);
        p.image = self.url_field(m, &["image"]);
        let default_condition = self.text(prop(m, "itemCondition"));
        for o in self.objects(prop(m, "offers")) {
            self.offer(o, 0, &mut p.offers);
        }
        for o in &mut p.offers {
            if o.condition.is_none() {
                o.condition.clone_from(&default_condition);
            }
        }
        p.rating = self
            .objects(prop(m, "aggregateRating"))
            .first()
            .map(|r| ExtractedRating {
                from: self.from,
                value: number(self.text(prop(r, "ratingValue"))),
                count: count(
                    self.text(prop(r, "reviewCount"))
                        .or_else(|| self.text(prop(r, "ratingCount"))),
                ),
                best: number(self.text(prop(r, "bestRating"))),
                worst: number(self.text(prop(r, "worstRating"))),
            });
        for key in ["review", "reviews"] {
            for r in self.objects(prop(m, key)) {
                if p.reviews.len() >= MAX_REVIEWS {
                    break;
                }
                let rating = self.objects(prop(r, "reviewRating"));
                let rating = rating.first();
                p.reviews.push(ExtractedReview {
                    from: self.from,
                    author: self.text(prop(r, "author")),
                    rating: rating.and_then(|x| number(self.text(prop(x, "ratingValue")))),
                    best_rating: rating.and_then(|x| number(self.text(prop(x, "bestRating")))),
                    title: self
                        .text(prop(r, "name"))
                        .or_else(|| self.text(prop(r, "headline"))),
                    body: self
                        .text_max(prop(r, "reviewBody"), 4 * MAX_FIELD_CHARS)
                        .or_else(|| self.text_max(prop(r, "description"), 4 * MAX_FIELD_CHARS)),
                    date: self
                        .text(prop(r, "datePublished"))
                        .or_else(|| self.text(prop(r, "dateCreated"))),
                });
            }
        }
        p
    }

    /// An Offer, or an AggregateOffer followed by the offers it holds.
    fn offer(&self, o: &'a Map<String, Value>, depth: usize, out: &mut Vec<ExtractedOffer>) {
        if out.len() >= MAX_OFFERS || depth > 4 {
            return;
        }
        let aggregate = has_type(o, &["AggregateOffer"]);
        // Price and currency may sit in a priceSpecification instead.
        let specs = self.objects(prop(o, "priceSpecification"));
        let spec = specs.first();
        let price = self
            .text(prop(o, "price"))
            .or_else(|| spec.and_then(|s| self.text(prop(s, "price"))));
        let currency = self
            .text(prop(o, "priceCurrency"))
            .or_else(|| spec.and_then(|s| self.text(prop(s, "priceCurrency"))));
        out.push(ExtractedOffer {
            from: self.from,
            confidence: self.from.base_confidence(),
            kind: if aggregate {
                OfferKind::AggregateOffer
            } else {
                OfferKind::Offer
            },
            price,
            low_price: self.text(prop(o, "lowPrice")),
            high_price: self.text(prop(o, "highPrice")),
            currency: currency.clone(),
            availability: self.text(prop(o, "availability")),
            condition: self.text(prop(o, "itemCondition")),
            seller: self.text(prop(o, "seller")),
            sku: self.text(prop(o, "sku")),
            name: self.text(prop(o, "name")),
            url: self
                .text(prop(o, "url"))
                .and_then(|u| absolute(&u, self.base)),
            offer_count: count(self.text(prop(o, "offerCount"))),
        });
        if aggregate {
            for inner in self.objects(prop(o, "offers")) {
                let before = out.len();
                self.offer(inner, depth + 1, out);
                // Nested offers inherit the aggregate's currency when they omit it.
                for x in &mut out[before..] {
                    if x.currency.is_none() {
                        x.currency.clone_from(&currency);
                    }
                }
            }
        }
    }
}

/// A property by its schema.org name, also as `schema:name` or a full IRI.
pub(super) fn prop<'v>(m: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if let Some(v) = m.get(key) {
        return Some(v);
    }
    m.iter().find_map(|(k, v)| {
        let local = k
            .strip_prefix("schema:")
            .or_else(|| k.strip_prefix("http://schema.org/"))
            .or_else(|| k.strip_prefix("https://schema.org/"))?;
        (local == key).then_some(v)
    })
}

/// Whether `@type` (a string or an array, possibly a full IRI) names one of `types`.
fn has_type(m: &Map<String, Value>, types: &[&str]) -> bool {
    let matches = |t: &str| {
        let local = t.rsplit(['/', '#', ':']).next().unwrap_or(t);
        types.iter().any(|x| x.eq_ignore_ascii_case(local))
    };
    match m.get("@type") {
        Some(Value::String(t)) => matches(t),
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).any(matches),
        _ => false,
    }
}

/// A number written with a dot or a decimal comma ("4,5").
pub(super) fn number(text: Option<String>) -> Option<f64> {
    let t = text?;
    let t = t.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn count(text: Option<String>) -> Option<u64> {
    let t = text?;
    let digits: String = t.chars().filter(char::is_ascii_digit).take(18).collect();
    digits.parse().ok()
}
