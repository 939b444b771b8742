//! `marketlens eval matching`: the entity-resolution pair decision on labelled
//! product pairs, and the training of its pair model.
//!
//! Pair files ([`load`]) in any of these layouts, records with common field names
//! (`name`/`title`, `description`, `brand`/`manufacturer`, `modelno`/`model`/`mpn`,
//! `category`, `price`, `gtin`/`ean`/`upc`):
//! - JSONL, one pair a line: `{"left": {…}, "right": {…}, "label": 0|1}` with optional
//!   `left_id` / `right_id` (Abt-Buy as distributed here);
//! - CSV with `left_…` / `right_…` (or `ltable_…` / `rtable_…`) columns and `label`;
//! - the Magellan / DeepMatcher layout: a folder with `tableA.csv`, `tableB.csv` and
//!   `train.csv` / `valid.csv` / `test.csv` of `ltable_id,rtable_id,label` (the folder
//!   reads its `--split`, default `test`), or one of those pair files directly.
//!
//! - `eval matching [FILE]` scores every pair with the pipeline's own decision
//!   (`Resolver::compare`: identifiers, then the pair model) and prints
//!   `f1=… precision=… recall=…`; `--model FILE` scores with another weights file.
//! - `--train` fits the pair model on `--pairs` files and/or `--synthetic` pairs
//!   generated from a catalogue ([`super::matching_synthetic`]), prints its F1 on the
//!   training pairs and writes the weights to `--model-out`. Deterministic.
//! - `--bench` times the normalisation (parse, convert, resolve) of `--offers`
//!   deterministic synthetic offers on one thread.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use marketlens_core::config::{AgentConfig, MatchingSettings};
use marketlens_core::domain::{AnalysisRequest, CollectedOffer, CollectedProduct};
use marketlens_core::normalize::currency::RateTable;
use marketlens_core::normalize::gtin::normalize_gtin;
use marketlens_core::normalize::normalize_with;
use marketlens_core::normalize::pair_model::{FEATURES, PairModel, TrainingPair, feature_vector};
use marketlens_core::normalize::resolve::{Record, Resolver};
use marketlens_sources::extract::score::Counts;
use serde_json::Value;

use super::matching_synthetic;
use crate::stdout::outln;

/// Labelled pairs over the records of one file.
pub struct PairSet {
    pub records: Vec<Record>,
    /// (left record, right record, label)
    pub pairs: Vec<(usize, usize, bool)>,
}

/// Field names shops and benchmarks use for each record field, most common first.
const TITLE: &[&str] = &["title", "name", "product_name"];
const DESCRIPTION: &[&str] = &["description", "desc"];
const BRAND: &[&str] = &["brand", "manufacturer", "maker"];
const MODEL: &[&str] = &["modelno", "model", "model_number", "model_no"];
const MPN: &[&str] = &["mpn", "part_number"];
const CATEGORY: &[&str] = &["category", "categories", "product_type"];
const PRICE: &[&str] = &["price"];
const GTIN: &[&str] = &["gtin", "ean", "upc", "gtin13", "gtin12"];

/// A record from a field lookup (`get(name)` gives the field's text, if any).
pub fn record_from(get: impl Fn(&str) -> Option<String>) -> Record {
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| get(n))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty() && v != "nan" && v != "null")
    };
    Record {
        title: first(TITLE).unwrap_or_default(),
        description: first(DESCRIPTION),
        brand: first(BRAND),
        model: first(MODEL),
        mpn: first(MPN),
        category: first(CATEGORY),
        gtin: first(GTIN).and_then(|g| normalize_gtin(&g)),
        price: first(PRICE).and_then(|p| parse_price(&p)),
    }
}

/// The first number of a price text (`$1,299.99`, `49.0`, `12.99 USD`).
fn parse_price(text: &str) -> Option<f64> {
    let start = text.find(|c: char| c.is_ascii_digit())?;
    let digits: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ','))
        .filter(|c| *c != ',')
        .collect();
    digits
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite() && *p > 0.0)
}

fn json_field(v: &Value, k: &str) -> Option<String> {
    match &v[k] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn label_of(text: &str) -> Option<bool> {
    match text.trim() {
        "1" | "1.0" | "true" | "True" => Some(true),
        "0" | "0.0" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Reads a pair file or Magellan folder (see the module documentation); `split`
/// names the pair file of a folder.
pub fn load(path: &Path, split: &str) -> Result<PairSet, String> {
    if path.is_dir() {
        return load_magellan(&path.join(format!("{split}.csv")));
    }
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let header = csv_rows(path)?.0;
        if header.iter().any(|h| h == "ltable_id") && header.iter().any(|h| h == "rtable_id") {
            load_magellan(path)
        } else {
            load_wide_csv(path)
        }
    } else {
        load_jsonl(path)
    }
}

fn load_jsonl(path: &Path) -> Result<PairSet, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut set = PairSet {
        records: Vec::new(),
        pairs: Vec::new(),
    };
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let row: Value =
            serde_json::from_str(line).map_err(|e| format!("{}:{}: {e}", path.display(), n + 1))?;
        let mut side = |side: &str, id_key: &str| -> Result<usize, String> {
            if !row[side].is_object() {
                return Err(format!("{}:{}: no {side} record", path.display(), n + 1));
            }
            // Without ids every line's records are their own.
            let id = match &row[id_key] {
                Value::Null => format!("{side}:line{n}"),
                v => format!("{side}:{v}"),
            };
            Ok(*index.entry(id).or_insert_with(|| {
                set.records.push(record_from(|k| json_field(&row[side], k)));
                set.records.len() - 1
            }))
        };
        let l = side("left", "left_id")?;
        let r = side("right", "right_id")?;
        let label = match &row["label"] {
            Value::Bool(b) => Some(*b),
            Value::Number(x) => label_of(&x.to_string()),
            Value::String(x) => label_of(x),
            _ => None,
        }
        .ok_or_else(|| format!("{}:{}: label must be 0 or 1", path.display(), n + 1))?;
        set.pairs.push((l, r, label));
    }
    Ok(set)
}

/// A CSV file's header (lower-cased, trimmed) and rows.
type CsvRows = (Vec<String>, Vec<Vec<String>>);

fn csv_rows(path: &Path) -> Result<CsvRows, String> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("{}: {e}", path.display()))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let mut rows = Vec::new();
    for (n, row) in reader.records().enumerate() {
        let row = row.map_err(|e| format!("{}:{}: {e}", path.display(), n + 2))?;
        rows.push(row.iter().map(str::to_owned).collect());
    }
    Ok((header, rows))
}

fn column(header: &[String], name: &str) -> Option<usize> {
    header.iter().position(|h| h == name)
}

fn load_wide_csv(path: &Path) -> Result<PairSet, String> {
    let (header, rows) = csv_rows(path)?;
    let label_col =
        column(&header, "label").ok_or_else(|| format!("{}: no label column", path.display()))?;
    let prefixes = [("left_", "right_"), ("ltable_", "rtable_"), ("l_", "r_")];
    let (lp, rp) = prefixes
        .into_iter()
        .find(|(l, r)| {
            TITLE
                .iter()
                .any(|t| column(&header, &format!("{l}{t}")).is_some())
                && TITLE
                    .iter()
                    .any(|t| column(&header, &format!("{r}{t}")).is_some())
        })
        .ok_or_else(|| {
            format!(
                "{}: no left_/right_ (or ltable_/rtable_) title or name columns",
                path.display()
            )
        })?;
    let mut set = PairSet {
        records: Vec::new(),
        pairs: Vec::new(),
    };
    for (n, row) in rows.iter().enumerate() {
        let get = |prefix: &str| {
            let row = &row;
            let header = &header;
            let prefix = prefix.to_owned();
            move |k: &str| column(header, &format!("{prefix}{k}")).and_then(|i| row.get(i).cloned())
        };
        let label = row
            .get(label_col)
            .and_then(|v| label_of(v))
            .ok_or_else(|| format!("{}:{}: label must be 0 or 1", path.display(), n + 2))?;
        set.records.push(record_from(get(lp)));
        set.records.push(record_from(get(rp)));
        let r = set.records.len() - 1;
        set.pairs.push((r - 1, r, label));
    }
    Ok(set)
}

/// Records of a Magellan table by their `id`.
fn table(path: &Path) -> Result<HashMap<String, Record>, String> {
    let (header, rows) = csv_rows(path)?;
    let id = column(&header, "id").ok_or_else(|| format!("{}: no id column", path.display()))?;
    let mut out = HashMap::new();
    for row in &rows {
        let Some(key) = row.get(id) else { continue };
        let r = record_from(|k| column(&header, k).and_then(|i| row.get(i).cloned()));
        out.insert(key.trim().to_owned(), r);
    }
    Ok(out)
}

fn load_magellan(pairs: &Path) -> Result<PairSet, String> {
    let dir = pairs
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let left = table(&dir.join("tableA.csv"))?;
    let right = table(&dir.join("tableB.csv"))?;
    let (header, rows) = csv_rows(pairs)?;
    let col = |name: &str| {
        column(&header, name).ok_or_else(|| format!("{}: no {name} column", pairs.display()))
    };
    let (lc, rc, yc) = (col("ltable_id")?, col("rtable_id")?, col("label")?);
    let mut set = PairSet {
        records: Vec::new(),
        pairs: Vec::new(),
    };
    let mut index: HashMap<(bool, String), usize> = HashMap::new();
    for (n, row) in rows.iter().enumerate() {
        let at = |c: usize| row.get(c).map(|v| v.trim().to_owned()).unwrap_or_default();
        let mut side = |is_left: bool, id: String| -> Result<usize, String> {
            let t = if is_left { &left } else { &right };
            let r = t.get(&id).ok_or_else(|| {
                format!(
                    "{}:{}: id {id} not in table{}",
                    pairs.display(),
                    n + 2,
                    if is_left { "A" } else { "B" }
                )
            })?;
            Ok(*index.entry((is_left, id)).or_insert_with(|| {
                set.records.push(r.clone());
                set.records.len() - 1
            }))
        };
        let l = side(true, at(lc))?;
        let r = side(false, at(rc))?;
        let label = label_of(&at(yc))
            .ok_or_else(|| format!("{}:{}: label must be 0 or 1", pairs.display(), n + 2))?;
        set.pairs.push((l, r, label));
    }
    Ok(set)
}

/// Counts one pair judged the same (`predicted`) or not against its `label`, in the
/// precision/recall counts the extraction scores use too.
fn add_verdict(counts: &mut Counts, predicted: bool, label: bool) {
    match (predicted, label) {
        (true, true) => counts.tp += 1,
        (true, false) => counts.fp += 1,
        (false, true) => counts.fn_ += 1,
        (false, false) => {}
    }
}

/// Reads a weights file given with `--model`, else the built-in model.
fn model_from(path: Option<&Path>) -> Result<PairModel, String> {
    match path {
        None => Ok(PairModel::builtin().clone()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            PairModel::from_json(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
    }
}

fn print_counts(c: &Counts, set: &PairSet) {
    outln!(
        "f1={:.4} precision={:.4} recall={:.4} n={} positives={} tp={} fp={} fn={}",
        c.f1(),
        c.precision(),
        c.recall(),
        set.pairs.len(),
        set.pairs.iter().filter(|p| p.2).count(),
        c.tp,
        c.fp,
        c.fn_
    );
}

/// Where `run` reads its pairs.
pub enum PairSource<'a> {
    File {
        path: &'a Path,
        split: &'a str,
    },
    /// The synthetic pairs generated from a catalogue folder.
    Synthetic(&'a Path),
}

pub fn run(
    source: PairSource<'_>,
    model: Option<&Path>,
    settings: &MatchingSettings,
    verbose: bool,
) -> ExitCode {
    let set = match source {
        PairSource::File { path, split } => load(path, split),
        PairSource::Synthetic(dir) => matching_synthetic::pairs(dir),
    };
    let (set, model) = match (set, model_from(model)) {
        (Ok(s), Ok(m)) => (s, m),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let resolver = Resolver::with_model(&set.records, settings, &model);
    let mut c = Counts::default();
    for &(l, r, label) in &set.pairs {
        let verdict = resolver.compare(l, r);
        add_verdict(&mut c, verdict.is_same(), label);
        if verbose && verdict.is_same() != label {
            outln!(
                "error={} verdict={verdict:?} features={:?} left={:?} right={:?}",
                if label { "fn" } else { "fp" },
                resolver.features(l, r),
                set.records[l].title,
                set.records[r].title
            );
        }
    }
    print_counts(&c, &set);
    ExitCode::SUCCESS
}

/// What `--train` learns from.
pub struct TrainSpec<'a> {
    pub pair_files: &'a [PathBuf],
    /// Catalogue folder (`products.jsonl`) to generate synthetic pairs from.
    pub synthetic: Option<&'a Path>,
    pub model_out: Option<&'a Path>,
    /// Boosted trees on top of the linear score (0: logistic regression alone).
    pub trees: usize,
    /// Share of the total sample weight given to the synthetic pairs (the pair
    /// files share the rest equally); with no pair file it is all of it.
    pub synthetic_share: f64,
}

/// Feature vectors and labels of every pair of a set, IDF from the set's records.
fn samples(set: &PairSet, settings: &MatchingSettings) -> Vec<([f64; FEATURES], bool)> {
    let resolver = Resolver::new(&set.records, settings);
    set.pairs
        .iter()
        .map(|&(l, r, label)| (feature_vector(&resolver.features(l, r)), label))
        .collect()
}

pub fn train(spec: &TrainSpec<'_>, settings: &MatchingSettings) -> ExitCode {
    let mut sources: Vec<(String, PairSet)> = Vec::new();
    for f in spec.pair_files {
        match load(f, "train") {
            Ok(s) => sources.push((file_label(f), s)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(dir) = spec.synthetic {
        match matching_synthetic::pairs(dir) {
            Ok(s) => sources.push((format!("synthetic pairs from {}", file_label(dir)), s)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    if sources.is_empty() {
        eprintln!("error: nothing to train on: give --pairs FILE and/or --synthetic CATALOG_DIR");
        return ExitCode::from(2);
    }
    // Each source's pairs share its weight, whatever their number: the synthetic
    // pairs `synthetic_share` of the total, the pair files the rest equally.
    let total: usize = sources.iter().map(|(_, s)| s.pairs.len()).sum();
    let files = spec.pair_files.len();
    let share = |source: usize| {
        let synthetic = spec.synthetic.is_some() && source == files;
        match (synthetic, files) {
            (true, 0) => 1.0,
            (true, _) => spec.synthetic_share,
            (false, _) if spec.synthetic.is_some() => (1.0 - spec.synthetic_share) / files as f64,
            (false, _) => 1.0 / files as f64,
        }
    };
    let mut all: Vec<TrainingPair> = Vec::with_capacity(total);
    let mut described = Vec::new();
    for (source, (name, set)) in sources.iter().enumerate() {
        let weight = share(source) * total as f64 / set.pairs.len().max(1) as f64;
        let positives = set.pairs.iter().filter(|p| p.2).count();
        described.push(format!(
            "{name} ({} pairs, {positives} positives)",
            set.pairs.len()
        ));
        all.extend(
            samples(set, settings)
                .into_iter()
                .map(|(x, same)| TrainingPair {
                    x,
                    same,
                    weight,
                    source,
                }),
        );
    }
    let model = PairModel::train(&all, 1.0, spec.trees, &described.join(" + "));
    for (source, (name, _)) in sources.iter().enumerate() {
        let mut c = Counts::default();
        for s in all.iter().filter(|s| s.source == source) {
            add_verdict(&mut c, model.probability(&s.x) >= model.threshold, s.same);
        }
        outln!(
            "train source={name:?} f1={:.4} precision={:.4} recall={:.4} n={}",
            c.f1(),
            c.precision(),
            c.recall(),
            c.tp + c.fp + c.fn_
        );
    }
    outln!("threshold={}", model.threshold);
    for (name, w) in model.features.iter().zip(&model.weights) {
        outln!("weight {name}={w}");
    }
    outln!("weight bias={}", model.bias);
    if let Some(out) = spec.model_out {
        let tmp = out.with_extension("json.tmp");
        let written =
            std::fs::write(&tmp, model.to_json() + "\n").and_then(|()| std::fs::rename(&tmp, out));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            eprintln!("error: cannot write {}: {e}", out.display());
            return ExitCode::FAILURE;
        }
        outln!("wrote {}", out.display());
    }
    ExitCode::SUCCESS
}

/// A path as named in the model's `trained_on`: its last two components, so the
/// file does not record a machine's folders.
fn file_label(p: &Path) -> String {
    let parts: Vec<String> = p
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

/// Deterministic synthetic catalogue: `offers / 4` products, each sold by 4 shops
/// that write its title, model code and price their own way (some with a GTIN).
pub fn synthetic_catalogue(offers: usize) -> Vec<CollectedProduct> {
    const BRANDS: &[&str] = &[
        "Acme", "Zenith", "Orbis", "Nordik", "Helio", "Vanta", "Kestrel", "Lumo", "Prism",
        "Tessel", "Quanta", "Borealis", "Cobalt", "Dune", "Ember", "Fjord",
    ];
    const NOUNS: &[&str] = &[
        "headphones",
        "espresso machine",
        "blender",
        "smartphone",
        "laptop",
        "monitor",
        "speaker",
        "camera",
        "kettle",
        "toaster",
        "router",
        "tablet",
    ];
    const ADJS: &[&str] = &[
        "wireless", "compact", "pro", "ultra", "classic", "smart", "portable", "silent",
    ];
    const COLOURS: &[&str] = &["black", "white", "silver", "red", "blue"];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    let products = offers.div_ceil(4);
    let mut out = Vec::with_capacity(offers);
    for p in 0..products {
        let brand = BRANDS[next() % BRANDS.len()];
        let noun = NOUNS[next() % NOUNS.len()];
        let adj = ADJS[next() % ADJS.len()];
        let colour = COLOURS[next() % COLOURS.len()];
        let letters: String = (0..2)
            .map(|_| char::from(b'A' + (next() % 26) as u8))
            .collect();
        let code = format!("{letters}{}", 1000 + p);
        let cents = 1999 + (next() % 90_000);
        for shop in 0..4 {
            if out.len() == offers {
                break;
            }
            let title = match shop {
                0 => format!("{brand} {adj} {noun} {code} {colour}"),
                1 => format!(
                    "{} {}-{} {noun} {adj}",
                    brand.to_lowercase(),
                    &code[..2],
                    &code[2..]
                ),
                2 => format!("{noun} {brand} {adj} ({colour}) {}", code.to_lowercase()),
                _ => format!("{brand} {noun} {adj}"),
            };
            let (price_text, currency) = match shop {
                0 => (format!("{},{:02} €", cents / 100, cents % 100), None),
                1 => (format!("${}.{:02}", cents / 100, cents % 100), Some("USD")),
                2 => (format!("£{}.{:02}", cents / 100, cents % 100), None),
                _ => (format!("EUR {}.{:02} HT", cents / 100, cents % 100), None),
            };
            out.push(CollectedProduct {
                source: format!("shop{shop}"),
                source_product_id: format!("{p}"),
                title,
                brand: Some(brand.into()),
                model: (shop == 3).then(|| code.clone()),
                category: None,
                gtin: None,
                mpn: None,
                url: None,
                offers: vec![CollectedOffer {
                    offer_id: format!("{shop}-{p}"),
                    seller: format!("Shop {shop}"),
                    price_text,
                    currency_hint: currency.map(Into::into),
                    country: None,
                    condition_text: None,
                    availability_text: None,
                    url: None,
                }],
                reviews: Vec::new(),
            });
        }
    }
    out
}

pub fn bench(offers: usize, config: &AgentConfig) -> ExitCode {
    let catalogue = synthetic_catalogue(offers);
    let params = match (AnalysisRequest {
        query: "bench".into(),
        max_products: Some(marketlens_core::domain::MAX_PRODUCTS_LIMIT),
        ..Default::default()
    })
    .parse(
        &config.defaults,
        &config.enabled_source_names(),
        &config.known_markets(),
    ) {
        Ok((_, p)) => p,
        Err(e) => {
            eprintln!("error: {}", e.message);
            return ExitCode::FAILURE;
        }
    };
    let rates = RateTable::bundled();
    let start = Instant::now();
    let normalized = normalize_with(&catalogue, &params, &rates, config);
    let seconds = start.elapsed().as_secs_f64();
    // Resolution alone, on the same records, to report the number of products (the
    // normalisation keeps at most max_products of them).
    let records: Vec<Record> = catalogue
        .iter()
        .map(|c| Record {
            title: c.title.clone(),
            brand: c.brand.clone(),
            model: c.model.clone(),
            ..Default::default()
        })
        .collect();
    let start = Instant::now();
    let clusters = Resolver::new(&records, &config.matching).resolve();
    let resolve_seconds = start.elapsed().as_secs_f64();
    outln!(
        "offers={} seconds={seconds:.3} resolve_seconds={resolve_seconds:.3} products={} expected_products={} offers_kept={}",
        normalized.summary.offers_in,
        clusters.len(),
        offers.div_ceil(4),
        normalized.summary.offers_kept
    );
    ExitCode::SUCCESS
}
