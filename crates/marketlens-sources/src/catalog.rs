//! `catalog`: products, offers and reviews from local JSONL or CSV files — a user's
//! own exports, or the sample catalogue compiled into marketlens.
//!
//! A catalogue is a directory with three record files, each either `.jsonl` (one JSON
//! object per line) or `.csv` (header row):
//!
//! - `products`: `product_id`, `title`, `brand`, `model`, `category`, `gtin`, `mpn`,
//!   `keywords` (JSON array, or `|`-separated in CSV), `description`
//! - `offers`: `offer_id`, `product_id`, `shop`, `country`, `price_text` (as the shop
//!   writes it), `currency`, `condition`, `availability`, `url`
//! - `reviews`: `review_id`, `product_id`, `shop`, `author`, `rating` (1–5), `title`,
//!   `text`, `language`, `date` (YYYY-MM-DD)
//!
//! An optional `catalog.toml` (`name`, `sample`, `notice`) labels the data; the notice
//! is shown in every report built from it. Files are read and checked once, when the
//! source is built, so a bad file is reported at start-up with its line number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use marketlens_core::ErrorType;
use marketlens_core::domain::normalize_query;
use marketlens_core::domain::{CollectedOffer, CollectedProduct, CollectedReview};
use marketlens_core::ports::{SourceBatch, SourceError, SourceQuery};
use serde::{Deserialize, Serialize};

/// `path` value selecting the sample catalogue compiled into the binary.
pub const BUILTIN_SAMPLE: &str = "builtin:sample";

/// Settings of a `catalog` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogConfig {
    /// Directory holding `products`, `offers` and `reviews` files (`.jsonl` or `.csv`),
    /// or `builtin:sample` for the bundled sample catalogue.
    pub path: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{file} line {line}: {message}")]
    Record {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{0}")]
    Layout(String),
}

impl CatalogError {
    /// A catalogue that cannot be read is a configuration problem: its path or files.
    pub fn error_type(&self) -> ErrorType {
        ErrorType::InvalidConfig
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct ProductRecord {
    product_id: String,
    title: String,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    gtin: Option<String>,
    #[serde(default)]
    mpn: Option<String>,
    #[serde(default, deserialize_with = "keywords")]
    keywords: Vec<String>,
    #[serde(default)]
    description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct OfferRecord {
    offer_id: String,
    product_id: String,
    shop: String,
    #[serde(default)]
    country: Option<String>,
    price_text: String,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    availability: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
struct ReviewRecord {
    review_id: String,
    product_id: String,
    #[serde(default)]
    shop: Option<String>,
    #[serde(default)]
    author: Option<String>,
    #[serde(default)]
    rating: Option<f64>,
    #[serde(default)]
    title: Option<String>,
    text: String,
    #[serde(default)]
    language: Option<String>,
    #[serde(default)]
    date: Option<NaiveDate>,
}

impl From<OfferRecord> for CollectedOffer {
    fn from(o: OfferRecord) -> Self {
        CollectedOffer {
            offer_id: o.offer_id,
            seller: o.shop,
            price_text: o.price_text,
            currency_hint: o.currency,
            country: o.country,
            condition_text: o.condition,
            availability_text: o.availability,
            url: o.url,
        }
    }
}

impl From<ReviewRecord> for CollectedReview {
    fn from(r: ReviewRecord) -> Self {
        CollectedReview {
            review_id: r.review_id,
            seller: r.shop,
            author: r.author,
            rating: r.rating,
            title: r.title,
            text: r.text,
            language: r.language,
            date: r.date,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    #[serde(default)]
    #[allow(dead_code)]
    name: Option<String>,
    #[serde(default)]
    sample: bool,
    #[serde(default)]
    notice: Option<String>,
}

/// Keywords: a JSON array, or a `|`-separated string (CSV).
fn keywords<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Kw {
        List(Vec<String>),
        Text(String),
    }
    Ok(match Option::<Kw>::deserialize(d)? {
        None => Vec::new(),
        Some(Kw::List(v)) => v,
        Some(Kw::Text(s)) => s.split('|').map(|k| k.trim().to_owned()).collect(),
    })
}

/// One product ready for search: its record, offers, reviews and search tokens.
#[derive(Debug, Clone)]
struct Entry {
    product: CollectedProduct,
    /// Kept for [`CatalogSource::write_records`]: search reads them, products lack them.
    keywords: Vec<String>,
    description: Option<String>,
    title_tokens: Vec<String>,
    other_tokens: Vec<String>,
}

pub struct CatalogSource {
    name: String,
    entries: Vec<Entry>,
    notice: Option<String>,
}

/// A file's contents and name, as loaded.
struct RecordFile {
    name: String,
    text: String,
    csv: bool,
}

impl RecordFile {
    /// The line named in errors about the `index`-th record (after a CSV header).
    fn line(&self, index: usize) -> usize {
        index + 1 + usize::from(self.csv)
    }
}

mod sample {
    //! The sample catalogue, compiled in so `marketlens analyze` works from anywhere.
    pub const MANIFEST: &str = include_str!("../../../data/sample-catalog/catalog.toml");
    pub const PRODUCTS: &str = include_str!("../../../data/sample-catalog/products.jsonl");
    pub const OFFERS: &str = include_str!("../../../data/sample-catalog/offers.csv");
    pub const REVIEWS: &str = include_str!("../../../data/sample-catalog/reviews.jsonl");
}

impl CatalogSource {
    pub fn build(name: &str, config: &CatalogConfig) -> Result<Self, CatalogError> {
        if config.path == BUILTIN_SAMPLE {
            let file = |name: &str, text: &str, csv: bool| RecordFile {
                name: format!("{BUILTIN_SAMPLE}/{name}"),
                text: text.to_owned(),
                csv,
            };
            return Self::from_files(
                name,
                Some(sample::MANIFEST),
                file("products.jsonl", sample::PRODUCTS, false),
                file("offers.csv", sample::OFFERS, true),
                file("reviews.jsonl", sample::REVIEWS, false),
            );
        }
        let dir = Path::new(&config.path);
        if !dir.is_dir() {
            return Err(CatalogError::Layout(format!(
                "catalog path {} is not a directory",
                dir.display()
            )));
        }
        let manifest = match std::fs::read_to_string(dir.join("catalog.toml")) {
            Ok(t) => Some(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(CatalogError::Io {
                    path: dir.join("catalog.toml"),
                    source,
                });
            }
        };
        let products = read_record_file(dir, "products")?;
        let offers = read_record_file(dir, "offers")?;
        let reviews = match read_record_file(dir, "reviews") {
            Ok(f) => f,
            Err(CatalogError::Layout(_)) => RecordFile {
                name: "reviews".into(),
                text: String::new(),
                csv: false,
            },
            Err(e) => return Err(e),
        };
        Self::from_files(name, manifest.as_deref(), products, offers, reviews)
    }

    fn from_files(
        name: &str,
        manifest: Option<&str>,
        products: RecordFile,
        offers: RecordFile,
        reviews: RecordFile,
    ) -> Result<Self, CatalogError> {
        let manifest: Manifest = match manifest {
            Some(text) => toml::from_str(text).map_err(|e| CatalogError::Record {
                file: "catalog.toml".into(),
                line: 0,
                message: e.to_string(),
            })?,
            None => Manifest::default(),
        };
        let notice = manifest.notice.clone().or_else(|| {
            manifest
                .sample
                .then(|| "Sample data: not real market data.".to_owned())
        });

        let product_records: Vec<ProductRecord> = parse_records(&products)?;
        let offer_records: Vec<OfferRecord> = parse_records(&offers)?;
        let review_records: Vec<ReviewRecord> = parse_records(&reviews)?;

        let mut index: HashMap<String, usize> = HashMap::new();
        let mut entries: Vec<Entry> = Vec::with_capacity(product_records.len());
        for (i, p) in product_records.into_iter().enumerate() {
            if index.insert(p.product_id.clone(), entries.len()).is_some() {
                return Err(CatalogError::Record {
                    file: products.name.clone(),
                    line: products.line(i),
                    message: format!("duplicate product_id {:?}", p.product_id),
                });
            }
            let title_tokens = tokens(&p.title);
            let mut other = String::new();
            for part in [&p.brand, &p.model, &p.category, &p.mpn, &p.gtin]
                .into_iter()
                .flatten()
            {
                other.push_str(part);
                other.push(' ');
            }
            for k in &p.keywords {
                other.push_str(k);
                other.push(' ');
            }
            // Category slugs use dashes (`robot-vacuums`); search their words too.
            if let Some(c) = &p.category {
                other.push_str(&c.replace('-', " "));
            }
            entries.push(Entry {
                keywords: p.keywords.clone(),
                description: p.description.clone(),
                product: CollectedProduct {
                    source: name.to_owned(),
                    source_product_id: p.product_id,
                    title: p.title,
                    brand: p.brand,
                    model: p.model,
                    category: p.category,
                    gtin: p.gtin,
                    mpn: p.mpn,
                    url: None,
                    offers: Vec::new(),
                    reviews: Vec::new(),
                },
                title_tokens,
                other_tokens: tokens(&other),
            });
        }
        let lookup = |file: &RecordFile, i: usize, id: &str| {
            index.get(id).copied().ok_or_else(|| CatalogError::Record {
                file: file.name.clone(),
                line: file.line(i),
                message: format!("unknown product_id {id:?}"),
            })
        };
        for (i, o) in offer_records.into_iter().enumerate() {
            let at = lookup(&offers, i, &o.product_id)?;
            entries[at].product.offers.push(o.into());
        }
        for (i, r) in review_records.into_iter().enumerate() {
            let at = lookup(&reviews, i, &r.product_id)?;
            entries[at].product.reviews.push(r.into());
        }
        Ok(Self {
            name: name.to_owned(),
            entries,
            notice,
        })
    }

    /// Number of products loaded.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn read_record_file(dir: &Path, stem: &str) -> Result<RecordFile, CatalogError> {
    for (ext, csv) in [("jsonl", false), ("csv", true)] {
        let path = dir.join(format!("{stem}.{ext}"));
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                return Ok(RecordFile {
                    name: path.display().to_string(),
                    text,
                    csv,
                });
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(source) => return Err(CatalogError::Io { path, source }),
        }
    }
    Err(CatalogError::Layout(format!(
        "{} has no {stem}.jsonl or {stem}.csv",
        dir.display()
    )))
}

fn parse_records<T: serde::de::DeserializeOwned>(
    file: &RecordFile,
) -> Result<Vec<T>, CatalogError> {
    let err = |line: usize, message: String| CatalogError::Record {
        file: file.name.clone(),
        line,
        message,
    };
    if file.csv {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file.text.as_bytes());
        let headers = reader.headers().map_err(|e| err(1, e.to_string()))?.clone();
        let mut out = Vec::new();
        for (i, row) in reader.records().enumerate() {
            let row = row.map_err(|e| err(i + 2, e.to_string()))?;
            // Empty CSV cells mean "absent", not "empty string".
            let map: serde_json::Map<String, serde_json::Value> = headers
                .iter()
                .zip(row.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| {
                    let value = match k {
                        "rating" => v
                            .parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map(serde_json::Value::Number)
                            .unwrap_or_else(|| serde_json::Value::String(v.to_owned())),
                        _ => serde_json::Value::String(v.to_owned()),
                    };
                    (k.to_owned(), value)
                })
                .collect();
            out.push(
                serde_json::from_value(serde_json::Value::Object(map))
                    .map_err(|e| err(i + 2, e.to_string()))?,
            );
        }
        Ok(out)
    } else {
        file.text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| serde_json::from_str(l).map_err(|e| err(i + 1, e.to_string())))
            .collect()
    }
}

/// Words too common to require a match ("machine à café" → machine, cafe).
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "au", "aux", "avec", "de", "des", "du", "en", "et", "for", "la", "le", "les",
    "of", "pour", "the", "un", "une", "with",
];

/// Search tokens: normalised words, plurals reduced (`headphones` → `headphone`).
/// Shared with the live sources, which filter what a shop returns the same way.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    normalize_query(text)
        .split(' ')
        .filter(|t| !t.is_empty() && !STOPWORDS.contains(t))
        .map(stem)
        .collect()
}

fn stem(t: &str) -> String {
    let n = t.chars().count();
    if n > 3 && (t.ends_with('s') || t.ends_with('x')) && !t.ends_with("ss") {
        t[..t.len() - 1].to_owned()
    } else {
        t.to_owned()
    }
}

/// The record files of a catalogue directory, as [`CatalogSource::write_records`]
/// writes them (JSON Lines each, plus `catalog.toml`).
const RECORD_FILES: [&str; 3] = ["products.jsonl", "offers.jsonl", "reviews.jsonl"];

impl CatalogSource {
    /// Writes the catalogue records of `products` (found by this source, matched by
    /// `source_product_id`; others are skipped), with their offers and reviews and this
    /// catalogue's notice, as a catalogue directory `dir`: a catalogue built from it
    /// finds the same products with the same offers and reviews. Products keep their
    /// keywords and description, which the search reads.
    pub fn write_records(
        &self,
        products: &[CollectedProduct],
        dir: &Path,
    ) -> Result<(), CatalogError> {
        let io = |path: PathBuf| move |source| CatalogError::Io { path, source };
        std::fs::create_dir_all(dir).map_err(io(dir.to_path_buf()))?;
        let mut lines: [String; 3] = Default::default();
        let mut push = |file: usize, value: serde_json::Value| {
            lines[file].push_str(&value.to_string());
            lines[file].push('\n');
        };
        for wanted in products {
            let Some(e) = self
                .entries
                .iter()
                .find(|e| e.product.source_product_id == wanted.source_product_id)
            else {
                continue;
            };
            let p = &e.product;
            push(
                0,
                record_json(&ProductRecord {
                    product_id: p.source_product_id.clone(),
                    title: p.title.clone(),
                    brand: p.brand.clone(),
                    model: p.model.clone(),
                    category: p.category.clone(),
                    gtin: p.gtin.clone(),
                    mpn: p.mpn.clone(),
                    keywords: e.keywords.clone(),
                    description: e.description.clone(),
                }),
            );
            for o in &p.offers {
                push(
                    1,
                    record_json(&OfferRecord {
                        offer_id: o.offer_id.clone(),
                        product_id: p.source_product_id.clone(),
                        shop: o.seller.clone(),
                        country: o.country.clone(),
                        price_text: o.price_text.clone(),
                        currency: o.currency_hint.clone(),
                        condition: o.condition_text.clone(),
                        availability: o.availability_text.clone(),
                        url: o.url.clone(),
                    }),
                );
            }
            for r in &p.reviews {
                push(
                    2,
                    record_json(&ReviewRecord {
                        review_id: r.review_id.clone(),
                        product_id: p.source_product_id.clone(),
                        shop: r.seller.clone(),
                        author: r.author.clone(),
                        rating: r.rating,
                        title: r.title.clone(),
                        text: r.text.clone(),
                        language: r.language.clone(),
                        date: r.date,
                    }),
                );
            }
        }
        for (name, text) in RECORD_FILES.iter().zip(&lines) {
            let path = dir.join(name);
            std::fs::write(&path, text).map_err(io(path.clone()))?;
        }
        let mut manifest = toml::Table::new();
        if let Some(notice) = &self.notice {
            manifest.insert("notice".into(), toml::Value::String(notice.clone()));
        }
        let path = dir.join("catalog.toml");
        std::fs::write(&path, toml::to_string(&manifest).unwrap_or_default())
            .map_err(io(path.clone()))?;
        Ok(())
    }
}

/// A record as one JSON object without its absent fields.
fn record_json<T: Serialize>(record: &T) -> serde_json::Value {
    let mut v = serde_json::to_value(record).unwrap_or_default();
    if let serde_json::Value::Object(map) = &mut v {
        map.retain(|_, field| !field.is_null() && field != &serde_json::json!([]));
    }
    v
}

impl_source!(CatalogSource, kind = "catalog");

impl CatalogSource {
    /// Products whose title, brand, model, category or keywords contain every word of
    /// the query; title matches rank first.
    async fn search_products(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        Ok(SourceBatch {
            products: self
                .find(query.query.normalized(), query.params.max_products as usize)
                .into_iter()
                .cloned()
                .collect(),
            notice: self.notice.clone(),
            fetched_at: None,
        })
    }
}

impl CatalogSource {
    /// Every product, in file order (the demo shop serves them).
    pub fn products(&self) -> impl Iterator<Item = &CollectedProduct> {
        self.entries.iter().map(|e| &e.product)
    }

    /// The notice shown with this catalogue's data.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// At most `limit` products matching `text` (see [`Source::search`]), best first.
    pub fn find(&self, text: &str, limit: usize) -> Vec<&CollectedProduct> {
        let wanted = tokens(text);
        let mut hits: Vec<(usize, &Entry)> = self
            .entries
            .iter()
            .filter_map(|e| {
                let mut score = 0;
                for w in &wanted {
                    if e.title_tokens.contains(w) {
                        score += 2;
                    } else if e.other_tokens.contains(w) {
                        score += 1;
                    } else {
                        return None;
                    }
                }
                (!wanted.is_empty()).then_some((score, e))
            })
            .collect();
        hits.sort_by(|a, b| {
            b.0.cmp(&a.0).then_with(|| {
                a.1.product
                    .source_product_id
                    .cmp(&b.1.product.source_product_id)
            })
        });
        hits.into_iter()
            .take(limit)
            .map(|(_, e)| &e.product)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use marketlens_core::ports::Source;

    use super::*;
    use crate::test_support::query;

    fn sample() -> CatalogSource {
        CatalogSource::build(
            "catalog",
            &CatalogConfig {
                path: BUILTIN_SAMPLE.into(),
            },
        )
        .unwrap()
    }

    #[tokio::test]
    async fn sample_catalogue_loads_and_is_labelled() {
        let s = sample();
        assert!(s.len() >= 60, "{} products", s.len());
        let offers: usize = s.entries.iter().map(|e| e.product.offers.len()).sum();
        assert!(offers >= 400, "{offers} offers");
        let batch = s.search(&query("wireless headphones")).await.unwrap();
        assert!(batch.notice.unwrap().to_lowercase().contains("sample"));
    }

    #[tokio::test]
    async fn every_query_word_must_match() {
        let s = sample();
        let batch = s.search(&query("wireless headphones")).await.unwrap();
        assert!(batch.products.len() >= 5);
        for p in &batch.products {
            assert_eq!(p.category.as_deref(), Some("headphones"), "{}", p.title);
        }
        let fr = s.search(&query("machine à café expresso")).await.unwrap();
        assert!(!fr.products.is_empty());
        assert!(
            fr.products
                .iter()
                .all(|p| p.category.as_deref() == Some("espresso-machines"))
        );
        let none = s.search(&query("zzzz unknown thing")).await.unwrap();
        assert!(none.products.is_empty());
    }

    #[tokio::test]
    async fn max_products_limits_results() {
        let s = sample();
        let mut q = query("headphones");
        q.params.max_products = 2;
        assert_eq!(s.search(&q).await.unwrap().products.len(), 2);
    }

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[tokio::test]
    async fn reads_csv_products_and_jsonl_offers_from_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "products.csv",
            "product_id,title,brand,keywords\np1,Acme Kettle K1,Acme,kettle|bouilloire\n",
        );
        write(
            dir.path(),
            "offers.jsonl",
            r#"{"offer_id":"o1","product_id":"p1","shop":"S","price_text":"29,99 €","currency":"EUR"}"#,
        );
        let s = CatalogSource::build(
            "mine",
            &CatalogConfig {
                path: dir.path().display().to_string(),
            },
        )
        .unwrap();
        let b = s.search(&query("bouilloire")).await.unwrap();
        assert_eq!(b.products.len(), 1);
        assert_eq!(b.products[0].offers[0].price_text, "29,99 €");
        assert!(b.notice.is_none());
    }

    #[test]
    fn bad_files_are_reported_with_their_line() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "products.jsonl",
            "{\"product_id\":\"p1\",\"title\":\"A\"}\nnot json\n",
        );
        write(
            dir.path(),
            "offers.csv",
            "offer_id,product_id,shop,price_text\n",
        );
        let cfg = CatalogConfig {
            path: dir.path().display().to_string(),
        };
        let err = CatalogSource::build("c", &cfg).err().unwrap().to_string();
        assert!(err.contains("line 2"), "{err}");

        write(
            dir.path(),
            "products.jsonl",
            "{\"product_id\":\"p1\",\"title\":\"A\"}\n",
        );
        write(
            dir.path(),
            "offers.csv",
            "offer_id,product_id,shop,price_text\no1,p9,S,1 €\n",
        );
        let err = CatalogSource::build("c", &cfg).err().unwrap().to_string();
        assert!(
            err.contains("unknown product_id") && err.contains("line 2"),
            "{err}"
        );

        let err = CatalogSource::build(
            "c",
            &CatalogConfig {
                path: "/nonexistent/dir".into(),
            },
        )
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("not a directory"), "{err}");
    }
}
