//! Entity resolution: which collected products are the same product.
//!
//! Shops name one product differently (`Sony WH-1000XM5 Black` / `sony wh1000xm5
//! casque`), so identity is decided in steps, from the most to the least reliable
//! evidence ([`decide`]):
//!
//! 1. **GTIN.** Two valid GTINs (check digit verified, UPC-A and EAN-13 forms made
//!    equal by [`super::gtin::normalize_gtin`]) decide alone: equal → same product,
//!    different → never the same, whatever the titles say.
//! 2. **Brand + MPN.** The same brand and manufacturer part number → same product.
//!    Two different known brands (after aliases: `Hewlett-Packard` is `HP`) → never
//!    the same; nor two titles naming different colours (EN/FR colour words): shops
//!    sell each colour as its own product; nor two different declared model numbers.
//! 3. **The pair model.** Otherwise [`super::pair_model`] weighs the pair's
//!    features ([`PairFeatures`]): whether model codes agree (shops print them with
//!    their own punctuation, `DAV-IS50/B` / `davis50b`, and colour suffixes,
//!    `NN-SD797S` / `nnsd797ss`), conflict (`KX-TG9344T` is not `KX-TG9342T`, nor
//!    `VM400B` `VM400S`) or are unknown; digit-only part numbers (`010-00718-40`),
//!    which confirm but never contradict; the TF-IDF cosine and IDF-weighted
//!    containment of the titles (IDF from the records being matched); quantities with
//!    units and edition words that must agree ([`super::match_features`]); brands;
//!    numbers in one title only; price ratio; category words. A pair at or above the
//!    model's threshold is the same product; below it, a pair with a contradiction
//!    (model numbers, sizes, editions) is different, else unsure.
//!
//! **Cost.** Products are only compared within blocks that share a key: GTIN, brand +
//! MPN, model-code stem, the digits of a model code, or one of the two rarest title
//! words. Blocks larger than `matching.max_block_size` are skipped (their key is
//! generic), so the number of comparisons grows with n × block size, not n².
//!
//! **Clustering.** Matched pairs are joined strongest rule first with union-find; a
//! join is refused when it would put two different valid GTINs, two contradicting
//! model numbers from the products' own model/MPN fields, or a pair already judged
//! different into one product. Each join keeps its rule and score (evidence).

use std::collections::{HashMap, HashSet};

use super::match_features::{
    BrandKey, Dimension, EditionKind, accessory_mismatch, accessory_words, canonical_brand,
    edition_agreement, edition_markers, quantities, quantity_agreement,
};
use super::pair_model::{PairModel, feature_vector};
use crate::config::MatchingSettings;

/// What is known about one collected product, for matching.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Record {
    pub title: String,
    /// Longer text; only searched for the other product's model code.
    pub description: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub mpn: Option<String>,
    /// The shop's category words (`Electronics > Headphones`); compared loosely, as
    /// every shop has its own taxonomy.
    pub category: Option<String>,
    /// A valid GTIN as 14 digits ([`super::gtin::normalize_gtin`]).
    pub gtin: Option<String>,
    /// A price in one currency for all records; only used to refuse merges.
    pub price: Option<f64>,
}

/// The rule that matched a pair, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    Gtin,
    BrandMpn,
    /// The pair model, with agreeing model numbers.
    ModelNumber,
    /// The pair model, without model numbers to go by.
    TitleSimilarity,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Gtin => "gtin",
            Rule::BrandMpn => "brand_mpn",
            Rule::ModelNumber => "model_number",
            Rule::TitleSimilarity => "title_similarity",
        }
    }
}

// The pair's features live in their own module, which the pair model reads too
// (resolve uses the model; the model must not depend on resolve).
pub use super::pair_features::{CodeAgreement, PairFeatures};

/// The decision on a pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    Same {
        rule: Rule,
        score: f64,
    },
    /// Evidence that they differ; such a pair never ends in one product.
    Different(&'static str),
    /// Not enough evidence to merge.
    Unsure,
}

impl Verdict {
    pub fn is_same(&self) -> bool {
        matches!(self, Verdict::Same { .. })
    }
}

/// The pair rule (see the module documentation).
pub fn decide(f: &PairFeatures, model: &PairModel) -> Verdict {
    match f.gtin_equal {
        Some(true) => {
            return Verdict::Same {
                rule: Rule::Gtin,
                score: 1.0,
            };
        }
        Some(false) => return Verdict::Different("different GTINs"),
        None => {}
    }
    if f.brand_mpn_equal {
        return Verdict::Same {
            rule: Rule::BrandMpn,
            score: 1.0,
        };
    }
    if f.brand_conflict {
        return Verdict::Different("different brands");
    }
    if f.colour_conflict {
        return Verdict::Different("different colours");
    }
    if f.declared_model_equal == Some(false) {
        return Verdict::Different("different model numbers");
    }
    let p = model.probability(&feature_vector(f));
    if p >= model.threshold {
        let rule = match f.code {
            CodeAgreement::Agree(_) => Rule::ModelNumber,
            _ => Rule::TitleSimilarity,
        };
        return Verdict::Same {
            rule,
            score: round3(p),
        };
    }
    if f.code == CodeAgreement::Conflict {
        Verdict::Different("different model numbers")
    } else if f.quantity_conflict > 0 {
        Verdict::Different("different sizes or capacities")
    } else if f.edition_conflict > 0 {
        Verdict::Different("different editions")
    } else {
        Verdict::Unsure
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Lower case, letters and digits only: `DAV-IS50/B` → `davis50b`.
pub fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Title words: lower-case alphanumeric runs.
fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// Units that follow a number (`40gb`, `1080p`, `4x`, `2.4ghz`): such tokens are
/// specifications, not model numbers.
const UNITS: &[&str] = &[
    "a", "ah", "b", "bit", "c", "cc", "ch", "cm", "cu", "d", "db", "f", "ft", "g", "gb", "ghz",
    "h", "hp", "hr", "hrs", "hz", "i", "in", "k", "kb", "kbps", "kg", "khz", "kw", "l", "lb",
    "lbs", "m", "mah", "mb", "mbps", "mhz", "min", "mins", "ml", "mm", "mp", "ms", "mw", "nd",
    "nm", "oz", "p", "pc", "pcs", "pk", "pack", "px", "qt", "rd", "rpm", "s", "sec", "st", "tb",
    "th", "v", "va", "w", "wh", "x", "yr", "yrs",
];

/// Model-number codes of a text: whitespace-separated pieces that, without
/// punctuation, hold letters and digits (at least 4 characters) and are not a number
/// with a unit.
pub fn model_codes(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(text) {
        let code = squash(piece);
        if code.chars().count() < 4
            || !code.chars().any(|c| c.is_ascii_digit())
            || !code.chars().any(char::is_alphabetic)
        {
            continue;
        }
        // A number then a unit or a word (`40gb`, `24port`, `2line`): a figure.
        let unit = code.trim_start_matches(|c: char| c.is_ascii_digit());
        if code.starts_with(|c: char| c.is_ascii_digit())
            && unit.chars().all(char::is_alphabetic)
            && (UNITS.contains(&unit) || unit.chars().count() >= 3)
        {
            continue;
        }
        if !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

fn pieces(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')'))
}

/// Part numbers made of digits only, at least 5 once dashes are removed
/// (`010-00718-40`, `960-000254`). Weaker than [`model_codes`]: they can confirm a
/// match but not contradict one (a shop's own SKU looks the same).
pub fn part_numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(text) {
        if piece.contains('.') || piece.contains(':') {
            continue; // 2.0, 15,000:1 are figures
        }
        let code = squash(piece);
        if code.len() >= 5 && code.bytes().all(|b| b.is_ascii_digit()) && !out.contains(&code) {
            out.push(code);
        }
    }
    out
}

/// Colour words (English and French) and the colour each names. Shops sell each
/// colour of a model as its own product (own GTIN), often without a colour suffix on
/// the model code.
const COLOURS: &[(&str, &str)] = &[
    ("argent", "silver"),
    ("beige", "beige"),
    ("black", "black"),
    ("blanc", "white"),
    ("blanche", "white"),
    ("bleu", "blue"),
    ("bleue", "blue"),
    ("blk", "black"),
    ("blue", "blue"),
    ("bronze", "bronze"),
    ("brown", "brown"),
    ("gold", "gold"),
    ("graphite", "graphite"),
    ("gray", "grey"),
    ("green", "green"),
    ("grey", "grey"),
    ("gris", "grey"),
    ("grise", "grey"),
    ("jaune", "yellow"),
    ("marron", "brown"),
    ("noir", "black"),
    ("noire", "black"),
    ("orange", "orange"),
    ("pink", "pink"),
    ("plum", "plum"),
    ("purple", "purple"),
    ("red", "red"),
    ("rose", "pink"),
    ("rouge", "red"),
    ("silver", "silver"),
    ("vert", "green"),
    ("verte", "green"),
    ("violet", "purple"),
    ("white", "white"),
    ("wht", "white"),
    ("yellow", "yellow"),
];

fn colours(text: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for w in words(text) {
        if let Ok(i) = COLOURS.binary_search_by(|(k, _)| k.cmp(&w.as_str()))
            && !out.contains(&COLOURS[i].1)
        {
            out.push(COLOURS[i].1);
        }
    }
    out
}

/// Version-like tokens of a title: numbers standing as words (`2007`, `(3`, `15.6"`,
/// `32GB`; `v2` and `ver.2` as `2`) and short letter-digit codes (`cs3`, `x5`, `s24`)
/// too short to be model numbers; without duplicates.
fn numbers(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(text) {
        let word = piece.trim_matches(|c: char| !c.is_alphanumeric());
        let lower = word.to_lowercase();
        let unversioned = ["version", "ver.", "ver", "v.", "v"]
            .iter()
            .find_map(|p| lower.strip_prefix(p))
            .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
            .unwrap_or(&lower);
        let t = unversioned
            .trim_matches(|c: char| !c.is_ascii_digit())
            .replace(',', ".");
        let token = if unversioned.starts_with(|c: char| c.is_ascii_digit())
            && !t.is_empty()
            && t.bytes().all(|c| c.is_ascii_digit() || c == b'.')
        {
            t
        } else if (2..=3).contains(&lower.chars().count())
            && lower.chars().all(|c| c.is_ascii_alphanumeric())
            && lower.chars().any(|c| c.is_ascii_digit())
            && lower.chars().any(|c| c.is_ascii_alphabetic())
        {
            lower.clone()
        } else {
            continue;
        };
        if !out.contains(&token) {
            out.push(token);
        }
    }
    out
}

/// Decimal figures of a title (`2.0`, `5.6`): sizes and capacities.
fn decimal_figures(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for piece in pieces(text) {
        let t = piece.trim_matches(|c: char| !c.is_ascii_digit());
        if let Some((a, b)) = t.split_once('.')
            && !a.is_empty()
            && !b.is_empty()
            && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit())
        {
            let f = t.to_owned();
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    out
}

/// The code without trailing letters (colour or region suffixes): `nnsd797ss` →
/// `nnsd797`. `None` when that leaves fewer than 3 characters.
fn stem(code: &str) -> Option<&str> {
    let s = code.trim_end_matches(|c: char| c.is_alphabetic());
    (s.chars().count() >= 3 && s != code).then_some(s)
}

/// Whether `needle` occurs in `hay` not glued to other digits (`f460` is not in
/// `f4600`).
fn contains_code(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return false;
    }
    hay.match_indices(needle).any(|(i, m)| {
        let before = hay[..i].chars().next_back();
        let after = hay[i + m.len()..].chars().next();
        let glued = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
        let leading_digit = needle.starts_with(|c: char| c.is_ascii_digit());
        let glued_after = glued(after);
        let glued_before = leading_digit && glued(before);
        !(glued_after || glued_before)
    })
}

fn model_fields(r: &Record) -> String {
    [r.model.as_deref(), r.mpn.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

struct Prepared {
    gtin: Option<String>,
    brand: Option<String>,
    mpn: Option<String>,
    /// Model codes of the title, model and MPN fields (generic ones left out).
    codes: Vec<String>,
    /// Codes of the model and MPN fields only: the product's own statement.
    declared: Vec<String>,
    /// Digit-only part numbers of the title and fields.
    parts: Vec<String>,
    /// Decimal figures of the title.
    figures: Vec<String>,
    /// Colours named in the title.
    colours: Vec<&'static str>,
    brand_key: Option<BrandKey>,
    quantities: Vec<(Dimension, f64)>,
    editions: Vec<(EditionKind, String)>,
    /// Number tokens of the title.
    numbers: Vec<String>,
    accessories: Vec<&'static str>,
    /// Lower-case category words, sorted, without duplicates.
    category: Vec<String>,
    title_sq: String,
    desc_sq: String,
    /// TF-IDF vector, sorted by term id, unit length.
    vector: Vec<(u32, f64)>,
    /// Sum of the IDF of the title's distinct terms.
    idf_total: f64,
    /// Term ids of the title words, for blocking.
    terms: Vec<u32>,
    price: Option<f64>,
}

/// Records prepared for comparison: vocabulary, IDF and codes computed over the set
/// (no labels), as TF-IDF needs the collection.
pub struct Resolver<'s> {
    items: Vec<Prepared>,
    settings: &'s MatchingSettings,
    model: &'s PairModel,
    doc_freq: Vec<u32>,
    idf: Vec<f64>,
}

impl<'s> Resolver<'s> {
    /// With the built-in pair model.
    pub fn new(records: &[Record], settings: &'s MatchingSettings) -> Self {
        Resolver::with_model(records, settings, PairModel::builtin())
    }

    pub fn with_model(
        records: &[Record],
        settings: &'s MatchingSettings,
        model: &'s PairModel,
    ) -> Self {
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let mut doc_freq: Vec<u32> = Vec::new();
        let mut term_lists: Vec<Vec<(u32, u32)>> = Vec::with_capacity(records.len());
        let mut code_freq: HashMap<String, u32> = HashMap::new();
        let mut raw_codes: Vec<(Vec<String>, Vec<String>)> = Vec::with_capacity(records.len());
        for r in records {
            let mut counts: HashMap<u32, u32> = HashMap::new();
            let model_text = model_fields(r);
            // Words, plus model codes as one term each: `WH-1000XM5` and `wh1000xm5`
            // then share a term.
            let code_terms = model_codes(&r.title)
                .into_iter()
                .chain(model_codes(&model_text));
            let mut seen_terms: HashSet<String> = HashSet::new();
            let all_words: Vec<String> = words(&r.title).chain(words(&model_text)).collect();
            let extra: Vec<String> = code_terms
                .filter(|c| !all_words.contains(c) && seen_terms.insert(c.clone()))
                .collect();
            for w in all_words.into_iter().chain(extra) {
                let next = vocab.len() as u32;
                let id = *vocab.entry(w).or_insert(next);
                if id as usize == doc_freq.len() {
                    doc_freq.push(0);
                }
                *counts.entry(id).or_insert(0) += 1;
            }
            for id in counts.keys() {
                doc_freq[*id as usize] += 1;
            }
            let mut terms: Vec<(u32, u32)> = counts.into_iter().collect();
            terms.sort_unstable();
            term_lists.push(terms);
            let mut declared = model_codes(&model_text);
            for field in [r.model.as_deref(), r.mpn.as_deref()].into_iter().flatten() {
                // A model field is a code even without digits (`Zenbook`), if specific.
                let sq = squash(field);
                if sq.chars().count() >= 4 && !declared.contains(&sq) {
                    declared.push(sq);
                }
            }
            let mut codes = model_codes(&r.title);
            for c in &declared {
                if !codes.contains(c) {
                    codes.push(c.clone());
                }
            }
            for c in &codes {
                *code_freq.entry(c.clone()).or_insert(0) += 1;
            }
            raw_codes.push((codes, declared));
        }
        let n = records.len() as f64;
        let idf: Vec<f64> = doc_freq
            .iter()
            .map(|&df| ((n + 1.0) / (f64::from(df) + 1.0)).ln() + 1.0)
            .collect();
        let generic = |c: &String| code_freq.get(c).copied().unwrap_or(0) > settings.max_block_size;
        let items = records
            .iter()
            .zip(term_lists)
            .zip(raw_codes)
            .map(|((r, terms), (codes, declared))| {
                let mut vector: Vec<(u32, f64)> = terms
                    .iter()
                    .map(|&(id, tf)| (id, f64::from(tf) * idf[id as usize]))
                    .collect();
                let norm = vector.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
                if norm > 0.0 {
                    for (_, w) in &mut vector {
                        *w /= norm;
                    }
                }
                let clean = |s: Option<&str>| s.map(squash).filter(|s| !s.is_empty());
                let mut category: Vec<String> = r
                    .category
                    .as_deref()
                    .map(|c| words(c).collect())
                    .unwrap_or_default();
                category.sort_unstable();
                category.dedup();
                let quantity_text = format!("{} {}", r.title, model_fields(r));
                Prepared {
                    gtin: r.gtin.clone(),
                    brand: r.brand.as_deref().and_then(canonical_brand),
                    mpn: clean(r.mpn.as_deref()),
                    codes: codes.into_iter().filter(|c| !generic(c)).collect(),
                    declared,
                    parts: part_numbers(&format!("{} {}", r.title, model_fields(r))),
                    figures: decimal_figures(&r.title),
                    colours: colours(&r.title),
                    brand_key: r.brand.as_deref().and_then(BrandKey::new),
                    quantities: quantities(&quantity_text),
                    editions: edition_markers(&r.title),
                    numbers: numbers(&r.title),
                    accessories: accessory_words(&r.title),
                    category,
                    idf_total: terms.iter().map(|&(id, _)| idf[id as usize]).sum(),
                    title_sq: squash(&r.title),
                    desc_sq: r.description.as_deref().map(squash).unwrap_or_default(),
                    terms: terms.iter().map(|&(id, _)| id).collect(),
                    vector,
                    price: r.price.filter(|p| p.is_finite() && *p > 0.0),
                }
            })
            .collect();
        Resolver {
            items,
            settings,
            model,
            doc_freq,
            idf,
        }
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The features of pair `(i, j)`.
    pub fn features(&self, i: usize, j: usize) -> PairFeatures {
        let (a, b) = (&self.items[i], &self.items[j]);
        let gtin_equal = match (&a.gtin, &b.gtin) {
            (Some(x), Some(y)) => Some(x == y),
            _ => None,
        };
        let brand_mpn_equal = matches!((&a.brand, &b.brand, &a.mpn, &b.mpn),
            (Some(ba), Some(bb), Some(ma), Some(mb)) if ba == bb && ma == mb && ma.chars().count() >= 3);
        let brand_conflict = match (&a.brand_key, &b.brand_key) {
            (Some(x), Some(y)) => !x.compatible(y),
            _ => false,
        };
        let brand_equal = a.brand.is_some() && b.brand.is_some() && !brand_conflict;
        let brand_in_title = match (&a.brand, &b.brand) {
            (Some(x), None) => x.chars().count() >= 2 && b.title_sq.contains(x.as_str()),
            (None, Some(y)) => y.chars().count() >= 2 && a.title_sq.contains(y.as_str()),
            _ => false,
        };
        let price_ratio = match (a.price, b.price) {
            (Some(x), Some(y)) => Some(x.max(y) / x.min(y)),
            _ => None,
        };
        let declared_model_equal = (!a.declared.is_empty() && !b.declared.is_empty()).then(|| {
            a.declared
                .iter()
                .any(|x| b.declared.iter().any(|y| codes_compatible(x, y)))
        });
        let (quantity_agree, quantity_conflict) = quantity_agreement(&a.quantities, &b.quantities);
        let (edition_conflict, edition_one_side) = edition_agreement(&a.editions, &b.editions);
        let number_mismatch = a.numbers.iter().filter(|n| !b.numbers.contains(n)).count()
            + b.numbers.iter().filter(|n| !a.numbers.contains(n)).count();
        let category_similarity = (!a.category.is_empty() && !b.category.is_empty()).then(|| {
            let shared = a.category.iter().filter(|w| b.category.contains(w)).count();
            shared as f64 / (a.category.len() + b.category.len() - shared) as f64
        });
        PairFeatures {
            gtin_equal,
            brand_mpn_equal,
            brand_equal,
            brand_conflict,
            brand_in_title,
            code: code_agreement(a, b),
            declared_model_equal,
            title_similarity: cosine(&a.vector, &b.vector),
            title_containment: self.containment(a, b),
            quantity_agree,
            quantity_conflict,
            edition_conflict,
            edition_one_side,
            number_mismatch: u32::try_from(number_mismatch).unwrap_or(u32::MAX),
            accessory_mismatch: accessory_mismatch(&a.accessories, &b.accessories),
            colour_conflict: !a.colours.is_empty()
                && !b.colours.is_empty()
                && !a.colours.iter().any(|c| b.colours.contains(c)),
            figures_conflict: !a.figures.is_empty()
                && !b.figures.is_empty()
                && !a.figures.iter().any(|f| b.figures.contains(f)),
            price_ratio,
            category_similarity,
        }
    }

    /// IDF weight of the terms two titles share over that of the lighter title.
    fn containment(&self, a: &Prepared, b: &Prepared) -> f64 {
        let lighter = a.idf_total.min(b.idf_total);
        if lighter <= 0.0 {
            return 0.0;
        }
        let (mut i, mut j, mut shared) = (0, 0, 0.0);
        while i < a.terms.len() && j < b.terms.len() {
            match a.terms[i].cmp(&b.terms[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    shared += self.idf[a.terms[i] as usize];
                    i += 1;
                    j += 1;
                }
            }
        }
        (shared / lighter).clamp(0.0, 1.0)
    }

    /// The pipeline's decision on pair `(i, j)`.
    pub fn compare(&self, i: usize, j: usize) -> Verdict {
        decide(&self.features(i, j), self.model)
    }

    /// Candidate pairs `(i, j)`, `i < j`, sharing a block (see the module docs).
    pub fn candidate_pairs(&self) -> Vec<(usize, usize)> {
        let max = self.settings.max_block_size as usize;
        let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in self.items.iter().enumerate() {
            for key in self.block_keys(p) {
                blocks.entry(key).or_default().push(i);
            }
        }
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        let mut keys: Vec<&String> = blocks.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let members = &blocks[key];
            if members.len() < 2 {
                continue;
            }
            let exact = key.starts_with("g:") || key.starts_with("m:");
            if exact {
                // Equal GTINs (or brand + MPN) need no all-pairs comparison: linking
                // each to the first is enough for clustering.
                for &j in &members[1..] {
                    seen.insert((members[0].min(j), members[0].max(j)));
                }
            } else if members.len() <= max {
                for (x, &i) in members.iter().enumerate() {
                    for &j in &members[x + 1..] {
                        if i != j {
                            seen.insert((i.min(j), i.max(j)));
                        }
                    }
                }
            }
        }
        let mut pairs: Vec<(usize, usize)> = seen.into_iter().collect();
        pairs.sort_unstable();
        pairs
    }

    fn block_keys(&self, p: &Prepared) -> Vec<String> {
        let mut keys = Vec::new();
        if let Some(g) = &p.gtin {
            keys.push(format!("g:{g}"));
        }
        if let (Some(b), Some(m)) = (&p.brand, &p.mpn) {
            keys.push(format!("m:{b}|{m}"));
        }
        for c in &p.codes {
            keys.push(format!("c:{}", stem(c).unwrap_or(c)));
            // The digits of a code catch `coolpixp6000bk` vs `p6000`.
            let mut run = String::new();
            for ch in c.chars().chain(std::iter::once(' ')) {
                if ch.is_ascii_digit() {
                    run.push(ch);
                } else {
                    if run.len() >= 3 {
                        keys.push(format!("d:{run}"));
                    }
                    run.clear();
                }
            }
        }
        for p in &p.parts {
            keys.push(format!("p:{p}"));
        }
        // The two rarest title words shared with at least one other record.
        let mut rare: Vec<(u32, u32)> = p
            .terms
            .iter()
            .map(|&t| (self.doc_freq[t as usize], t))
            .filter(|&(df, _)| df >= 2)
            .collect();
        rare.sort_unstable();
        for &(_, t) in rare.iter().take(2) {
            keys.push(format!("t:{t}"));
        }
        keys.sort_unstable();
        keys.dedup();
        keys
    }

    /// Resolves the records into clusters (indices, first member first, clusters in
    /// the order of their first member), with the evidence that joined each member.
    pub fn resolve(&self) -> Vec<Cluster> {
        let n = self.items.len();
        let mut edges: Vec<(Rule, f64, usize, usize)> = Vec::new();
        let mut uf = UnionFind::new(n, &self.items);
        for (i, j) in self.candidate_pairs() {
            match self.compare(i, j) {
                Verdict::Same { rule, score } => edges.push((rule, score, i, j)),
                Verdict::Different(_) => uf.cannot_link(i, j),
                Verdict::Unsure => {}
            }
        }
        // Strongest rule first, then highest score; ties by index for determinism.
        edges.sort_by(|a, b| {
            a.0.cmp(&b.0)
                .then(b.1.total_cmp(&a.1))
                .then((a.2, a.3).cmp(&(b.2, b.3)))
        });
        let mut tree: Vec<Vec<(usize, Rule, f64)>> = vec![Vec::new(); n];
        for (rule, score, i, j) in edges {
            if uf.union(i, j) {
                tree[i].push((j, rule, score));
                tree[j].push((i, rule, score));
            }
        }
        let mut by_root: HashMap<usize, Vec<usize>> = HashMap::new();
        for i in 0..n {
            by_root.entry(uf.find(i)).or_default().push(i);
        }
        let mut clusters: Vec<Cluster> = by_root
            .into_values()
            .map(|members| {
                // Walk the join tree from the first member: each other member keeps
                // the join that reached it.
                let first = members[0];
                let mut out = vec![Member {
                    index: first,
                    joined: None,
                }];
                let mut visited: HashSet<usize> = HashSet::from([first]);
                let mut queue = std::collections::VecDeque::from([first]);
                while let Some(x) = queue.pop_front() {
                    let mut next = tree[x].clone();
                    next.sort_by_key(|e| e.0);
                    for (y, rule, score) in next {
                        if visited.insert(y) {
                            out.push(Member {
                                index: y,
                                joined: Some(Join {
                                    with: x,
                                    rule,
                                    score,
                                }),
                            });
                            queue.push_back(y);
                        }
                    }
                }
                out.sort_by_key(|m| m.index);
                Cluster { members: out }
            })
            .collect();
        clusters.sort_by_key(|c| c.members[0].index);
        clusters
    }
}

/// One resolved product: the records it is made of.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// In record order; the first has `joined: None`.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub index: usize,
    pub joined: Option<Join>,
}

/// The match that brought a member into its cluster.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Join {
    /// The member it matched.
    pub with: usize,
    pub rule: Rule,
    pub score: f64,
}

fn cosine(a: &[(u32, f64)], b: &[(u32, f64)]) -> f64 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                dot += a[i].1 * b[j].1;
                i += 1;
                j += 1;
            }
        }
    }
    dot.clamp(0.0, 1.0)
}

/// A code's stem and letter suffix: `dscw150b` → (`dscw150`, `b`).
fn split_suffix(code: &str) -> (&str, &str) {
    match stem(code) {
        Some(s) => (s, &code[s.len()..]),
        None => (code, ""),
    }
}

fn code_agreement(a: &Prepared, b: &Prepared) -> CodeAgreement {
    // The same model in another variant (`dscw150b` / `dscw150n`, `vm400b` /
    // `vm400s`): suffixes that are not an extension of one another are different
    // products, whatever else agrees.
    for c in &a.codes {
        let (sc, xc) = split_suffix(c);
        for d in &b.codes {
            let (sd, xd) = split_suffix(d);
            if sc == sd
                && !xc.is_empty()
                && !xd.is_empty()
                && !xc.starts_with(xd)
                && !xd.starts_with(xc)
            {
                return CodeAgreement::Conflict;
            }
        }
    }
    let mut best: f64 = 0.0;
    for (x, y) in [(a, b), (b, a)] {
        for c in &x.codes {
            if y.codes.contains(c) {
                return CodeAgreement::Agree(1.0);
            }
            let long = c.chars().count() >= 5;
            if long && contains_code(&y.title_sq, c) {
                best = best.max(0.9);
            }
            if let Some(s) = stem(c)
                && (y.codes.iter().any(|d| stem(d).unwrap_or(d) == s)
                    || (s.chars().count() >= 4 && contains_code(&y.title_sq, s)))
            {
                best = best.max(0.8);
            }
            // A description lists compatible models too: only searched when its
            // title shows no model code of its own.
            if long && y.codes.is_empty() && contains_code(&y.desc_sq, c) {
                best = best.max(0.7);
            }
        }
        for p in &x.parts {
            if y.parts.contains(p) {
                best = best.max(0.9);
            } else if contains_code(&y.title_sq, p) {
                best = best.max(0.8);
            }
        }
    }
    if best > 0.0 {
        CodeAgreement::Agree(best)
    } else if !a.codes.is_empty() && !b.codes.is_empty() {
        CodeAgreement::Conflict
    } else if !a.codes.is_empty() || !b.codes.is_empty() {
        CodeAgreement::OneSide
    } else {
        CodeAgreement::Unknown
    }
}

/// Whether two declared model codes can be the same product's.
fn codes_compatible(x: &str, y: &str) -> bool {
    x == y
        || stem(x).unwrap_or(x) == stem(y).unwrap_or(y)
        || (x.chars().count() >= 5 && y.contains(x))
        || (y.chars().count() >= 5 && x.contains(y))
}

/// Union-find whose roots carry what a cluster must stay consistent with.
struct UnionFind {
    parent: Vec<usize>,
    size: Vec<usize>,
    gtin: Vec<Option<String>>,
    declared: Vec<Vec<String>>,
    /// Members judged different from some member of this cluster.
    cannot: Vec<Vec<usize>>,
}

impl UnionFind {
    fn new(n: usize, items: &[Prepared]) -> Self {
        UnionFind {
            parent: (0..n).collect(),
            size: vec![1; n],
            gtin: items.iter().map(|p| p.gtin.clone()).collect(),
            declared: items.iter().map(|p| p.declared.clone()).collect(),
            cannot: vec![Vec::new(); n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn cannot_link(&mut self, i: usize, j: usize) {
        let (ri, rj) = (self.find(i), self.find(j));
        self.cannot[ri].push(j);
        self.cannot[rj].push(i);
    }

    /// Joins the clusters of `i` and `j` unless that creates a conflict; `true` when
    /// they were joined.
    fn union(&mut self, i: usize, j: usize) -> bool {
        let (mut a, mut b) = (self.find(i), self.find(j));
        if a == b {
            return false;
        }
        if let (Some(x), Some(y)) = (&self.gtin[a], &self.gtin[b])
            && x != y
        {
            return false;
        }
        let (da, db) = (&self.declared[a], &self.declared[b]);
        if !da.is_empty()
            && !db.is_empty()
            && !da.iter().any(|x| db.iter().any(|y| codes_compatible(x, y)))
        {
            return false;
        }
        for (from, other) in [(a, b), (b, a)] {
            let list = self.cannot[from].clone();
            if list.into_iter().any(|x| self.find(x) == other) {
                return false;
            }
        }
        if self.size[a] < self.size[b] {
            std::mem::swap(&mut a, &mut b);
        }
        self.parent[b] = a;
        self.size[a] += self.size[b];
        if self.gtin[a].is_none() {
            self.gtin[a] = self.gtin[b].take();
        }
        let moved = std::mem::take(&mut self.declared[b]);
        for c in moved {
            if !self.declared[a].contains(&c) {
                self.declared[a].push(c);
            }
        }
        let moved = std::mem::take(&mut self.cannot[b]);
        self.cannot[a].extend(moved);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::AgentConfig;

    fn settings() -> MatchingSettings {
        AgentConfig::builtin().matching
    }

    fn rec(title: &str) -> Record {
        Record {
            title: title.into(),
            ..Default::default()
        }
    }

    fn gtin(r: Record, g: &str) -> Record {
        Record {
            gtin: crate::normalize::gtin::normalize_gtin(g),
            ..r
        }
    }

    /// How records `i` and `j` compare among `records`.
    fn verdict(records: &[Record], i: usize, j: usize) -> Verdict {
        Resolver::new(records, &settings()).compare(i, j)
    }

    /// The rule records `i` and `j` merge by; `None` when they do not merge.
    fn merging_rule(records: &[Record], i: usize, j: usize) -> Option<Rule> {
        match verdict(records, i, j) {
            Verdict::Same { rule, .. } => Some(rule),
            Verdict::Different(_) | Verdict::Unsure => None,
        }
    }

    fn groups(records: &[Record]) -> Vec<Vec<usize>> {
        let s = settings();
        Resolver::new(records, &s)
            .resolve()
            .into_iter()
            .map(|c| c.members.iter().map(|m| m.index).collect())
            .collect()
    }

    #[test]
    fn model_codes_skip_units_and_short_tokens() {
        assert_eq!(
            model_codes("Sony 40gb 1080p HDR-SR10 camcorder 4x zoom, DAV-IS50/B"),
            ["hdrsr10", "davis50b"]
        );
        assert!(model_codes("2.0 cu. ft. microwave 300 cfm").is_empty());
    }

    #[test]
    fn version_numbers_read_alike_in_every_spelling() {
        assert_eq!(
            numbers("Spy Sweeper v4 CS3 32GB (2007) WH-1000XM5"),
            ["4", "cs3", "32", "2007"]
        );
        assert_eq!(numbers("spy sweeper version 4"), ["4"]);
        assert_eq!(numbers("Spy Sweeper Ver.4"), ["4"]);
    }

    #[test]
    fn different_valid_gtins_never_merge_even_with_equal_titles() {
        let a = gtin(rec("Acme Blender X100 red"), "036000291452");
        let b = gtin(rec("Acme Blender X100 red"), "4006381333931");
        assert_eq!(groups(&[a, b]), [[0], [1]]);
    }

    #[test]
    fn gtin_conflicts_are_not_bridged_through_a_third_product() {
        // c matches both by title, but a and b carry different GTINs.
        let a = gtin(rec("Acme Blender X100 red"), "036000291452");
        let b = gtin(rec("Acme Blender X100 red"), "4006381333931");
        let c = rec("Acme Blender X100 red");
        let g = groups(&[a, b, c]);
        assert_eq!(g.len(), 2);
        assert!(g.iter().all(|m| !(m.contains(&0) && m.contains(&1))));
    }

    #[test]
    fn upc_and_ean_forms_of_one_gtin_merge() {
        let a = gtin(rec("Coffee maker"), "036000291452");
        let b = gtin(rec("Cafetière programmable"), "0036000291452");
        let s = settings();
        let r = Resolver::new(&[a, b], &s);
        assert_eq!(
            r.compare(0, 1),
            Verdict::Same {
                rule: Rule::Gtin,
                score: 1.0
            }
        );
        let c = r.resolve();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].members[1].joined.unwrap().rule, Rule::Gtin);
    }

    #[test]
    fn brand_and_mpn_merge_different_titles() {
        let mk = |t: &str, b: &str, m: &str| Record {
            brand: Some(b.into()),
            mpn: Some(m.into()),
            ..rec(t)
        };
        let a = mk("Casque sans fil premium", "Sony", "WH1000XM5/B");
        let b = mk("Wireless over-ear headphones", "SONY", "wh-1000xm5-b");
        assert_eq!(merging_rule(&[a, b], 0, 1), Some(Rule::BrandMpn));
    }

    #[test]
    fn different_brands_never_merge() {
        let mk = |b: &str| Record {
            brand: Some(b.into()),
            ..rec("Wireless headphones WH-1000XM5 black")
        };
        assert_eq!(
            verdict(&[mk("Sony"), mk("Bose")], 0, 1),
            Verdict::Different("different brands")
        );
    }

    #[test]
    fn model_number_with_other_punctuation_and_suffix_merges() {
        let records = [
            rec("Sony Bravia Theater black micro system DAVIS50B"),
            rec("sony bravia dav-is50 / b home theater system"),
            rec("Panasonic NN-SD797S stainless steel microwave"),
            rec("panasonic nnsd797ss countertop microwave oven"),
        ];
        assert_eq!(groups(&records), [vec![0, 1], vec![2, 3]]);
        assert_eq!(merging_rule(&records, 0, 1), Some(Rule::ModelNumber));
    }

    #[test]
    fn close_but_different_model_numbers_do_not_merge() {
        let records = [
            rec("Panasonic DECT 6.0 cordless phone KX-TG9344T"),
            rec("Panasonic DECT 6.0 cordless phone KX-TG9342T"),
        ];
        assert_eq!(
            verdict(&records, 0, 1),
            Verdict::Different("different model numbers")
        );
        assert_eq!(groups(&records), [[0], [1]]);
    }

    #[test]
    fn colour_variants_and_suffix_variants_are_different_products() {
        let records = [
            rec("Sony Cyber-shot DSC-W150 digital camera silver"),
            rec("sony cyber-shot dscw150 digital camera noir"),
            rec("Sanus flat panel wall mount VM400B"),
            rec("sanus flat panel tv wall mount vm400s"),
        ];
        assert_eq!(
            verdict(&records, 0, 1),
            Verdict::Different("different colours")
        );
        assert_eq!(
            verdict(&records, 2, 3),
            Verdict::Different("different model numbers")
        );
    }

    #[test]
    fn digit_part_numbers_confirm_but_never_contradict() {
        let records = [
            rec("garmin nuvi 205w gps navigation system 0100071840"),
            rec("garmin nvi 205w automobile navigator 010-00718-40"),
            rec("Acme kettle 2000 W 123456"),
            rec("Acme kettle 2000 W 654321"),
        ];
        assert!(verdict(&records, 0, 1).is_same());
        // Different shop SKUs say nothing: the titles decide.
        assert!(verdict(&records, 2, 3).is_same());
    }

    #[test]
    fn similar_titles_merge_without_codes_unless_prices_disagree() {
        let mut records = vec![
            rec("Acme Espresso Machine Deluxe chrome"),
            rec("acme espresso machine deluxe - chrome"),
            rec("Zed kettle"),
        ];
        assert_eq!(groups(&records), [vec![0, 1], vec![2]]);
        records[0].price = Some(20.0);
        records[1].price = Some(200.0);
        assert_eq!(groups(&records), [[0], [1], [2]]);
    }

    #[test]
    fn blocking_does_not_compare_unrelated_products() {
        // More records than `max_block_size` share the word "model": too generic to
        // be a block.
        let records: Vec<Record> = (0..100)
            .map(|i| rec(&format!("Brand{i} gadget{i} model Q{i}Z{}", i * 7)))
            .collect();
        let s = settings();
        let r = Resolver::new(&records, &s);
        assert!(r.candidate_pairs().is_empty());
        let records = [
            rec("Acme toaster T2000"),
            rec("Acme T2000 toaster chrome"),
            rec("Other fridge F9"),
        ];
        let r = Resolver::new(&records, &s);
        assert_eq!(r.candidate_pairs(), [(0, 1)]);
    }

    #[test]
    fn declared_models_that_contradict_are_not_merged_by_titles() {
        let mk = |m: &str| Record {
            model: Some(m.into()),
            ..rec("Acme espresso machine deluxe chrome")
        };
        assert_eq!(groups(&[mk("EM-100"), mk("EM-200")]), [[0], [1]]);
        assert_eq!(groups(&[mk("EM-100"), mk("em100")]), [[0, 1]]);
    }

    #[test]
    fn evidence_names_rule_score_and_partner() {
        let records = [
            rec("Sony WH-1000XM5 wireless headphones"),
            rec("Casque Sony WH1000XM5 noir"),
        ];
        let s = settings();
        let c = Resolver::new(&records, &s).resolve();
        let j = c[0].members[1].joined.unwrap();
        assert_eq!(j.rule, Rule::ModelNumber);
        assert_eq!(j.with, 0);
        assert!(j.score > 0.0 && j.score <= 1.0);
        assert!(c[0].members[0].joined.is_none());
    }

    #[test]
    fn never_panics_on_odd_input() {
        let records = [
            rec(""),
            rec("   "),
            rec("---///"),
            rec("ééé ß 東京 1234"),
            rec(&"x1234 ".repeat(500)),
        ];
        let s = settings();
        let r = Resolver::new(&records, &s);
        let _ = r.resolve();
        for i in 0..records.len() {
            for j in 0..records.len() {
                let _ = r.compare(i, j);
            }
        }
    }
}
