//! `marketlens eval matching`: the entity-resolution pair rule on labelled product
//! pairs (Abt-Buy format: `{"left": {name, description, price}, "right": {…},
//! "left_id", "right_id", "label"}` per line).
//!
//! - `eval matching [FILE]` scores every pair with the pipeline's own decision
//!   (`Resolver::compare`, thresholds from the built-in agent configuration) over the
//!   records of that file, and prints `f1=… precision=… recall=…`.
//! - `--fit TRAIN VALID` chooses the thresholds with the highest F1 on TRAIN by grid
//!   search, prints the F1 on VALID for them, and the `[matching]` lines that go into
//!   `config/agent.toml`. Deterministic: same files, same output.
//! - `--bench` times the normalisation (parse, convert, resolve) of `--offers`
//!   deterministic synthetic offers on one thread.

use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use marketlens_core::config::{AgentConfig, MatchingSettings};
use marketlens_core::domain::{AnalysisRequest, CollectedOffer, CollectedProduct};
use marketlens_core::normalize::currency::RateTable;
use marketlens_core::normalize::normalize_with;
use marketlens_core::normalize::resolve::{PairFeatures, Record, Resolver, decide};
use serde_json::Value;

use crate::stdout::outln;

/// Labelled pairs over the records of one file.
struct PairSet {
    records: Vec<Record>,
    /// (left record, right record, label)
    pairs: Vec<(usize, usize, bool)>,
}

fn record(v: &Value) -> Record {
    let s = |k: &str| v[k].as_str().map(str::to_owned);
    Record {
        title: s("name").unwrap_or_default(),
        description: s("description"),
        price: v["price"]
            .as_str()
            .and_then(|p| p.trim().parse::<f64>().ok()),
        ..Default::default()
    }
}

fn load(path: &Path) -> Result<PairSet, String> {
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
            let id = match &row[id_key] {
                Value::Null => return Err(format!("{}:{}: no {id_key}", path.display(), n + 1)),
                v => format!("{side}:{v}"),
            };
            Ok(*index.entry(id).or_insert_with(|| {
                set.records.push(record(&row[side]));
                set.records.len() - 1
            }))
        };
        let l = side("left", "left_id")?;
        let r = side("right", "right_id")?;
        let label = match row["label"].as_u64() {
            Some(1) => true,
            Some(0) => false,
            _ => {
                return Err(format!(
                    "{}:{}: label must be 0 or 1",
                    path.display(),
                    n + 1
                ));
            }
        };
        set.pairs.push((l, r, label));
    }
    Ok(set)
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tp: u32,
    fp: u32,
    fn_: u32,
}

impl Counts {
    fn add(&mut self, predicted: bool, label: bool) {
        match (predicted, label) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, true) => self.fn_ += 1,
            (false, false) => {}
        }
    }
    fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }
    fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }
    fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

fn score(set: &PairSet, settings: &MatchingSettings) -> Counts {
    let resolver = Resolver::new(&set.records, settings);
    let mut c = Counts::default();
    for &(l, r, label) in &set.pairs {
        c.add(resolver.compare(l, r).is_same(), label);
    }
    c
}

pub fn run(path: &Path, settings: &MatchingSettings, verbose: bool) -> ExitCode {
    let set = match load(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let c = score(&set, settings);
    if verbose {
        let resolver = Resolver::new(&set.records, settings);
        for &(l, r, label) in &set.pairs {
            let verdict = resolver.compare(l, r);
            if verdict.is_same() != label {
                outln!(
                    "error={} verdict={verdict:?} features={:?} left={:?} right={:?}",
                    if label { "fn" } else { "fp" },
                    resolver.features(l, r),
                    set.records[l].title,
                    set.records[r].title
                );
            }
        }
    }
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
    ExitCode::SUCCESS
}

/// Grid searched by `--fit` (inclusive ranges, fixed steps: reproducible).
fn grid(base: &MatchingSettings) -> Vec<MatchingSettings> {
    let mut out = Vec::new();
    for m in 0..=30 {
        for t in 30..=95 {
            for ratio in [1.5, 2.0, 3.0, 5.0, 10.0, 1000.0] {
                out.push(MatchingSettings {
                    model_title_min: f64::from(m) * 0.02,
                    title_threshold: f64::from(t) * 0.01,
                    max_price_ratio: ratio,
                    ..base.clone()
                });
            }
        }
    }
    out
}

pub fn fit(train: &Path, valid: &Path, base: &MatchingSettings) -> ExitCode {
    let (train_set, valid_set) = match (load(train), load(valid)) {
        (Ok(t), Ok(v)) => (t, v),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // Features do not depend on the fitted thresholds: compute them once.
    let resolver = Resolver::new(&train_set.records, base);
    let features: Vec<(PairFeatures, bool)> = train_set
        .pairs
        .iter()
        .map(|&(l, r, label)| (resolver.features(l, r), label))
        .collect();
    let mut best: Option<(f64, MatchingSettings)> = None;
    for s in grid(base) {
        let mut c = Counts::default();
        for (f, label) in &features {
            c.add(decide(f, &s).is_same(), *label);
        }
        let f1 = c.f1();
        // Strictly better only: the first (lowest) thresholds win ties.
        if best.as_ref().is_none_or(|(b, _)| f1 > *b + 1e-12) {
            best = Some((f1, s));
        }
    }
    let Some((train_f1, chosen)) = best else {
        eprintln!("error: empty grid");
        return ExitCode::FAILURE;
    };
    let v = score(&valid_set, &chosen);
    outln!(
        "fit train_f1={train_f1:.4} valid_f1={:.4} valid_precision={:.4} valid_recall={:.4}",
        v.f1(),
        v.precision(),
        v.recall()
    );
    outln!("[matching]");
    outln!("model_title_min = {:.2}", chosen.model_title_min);
    outln!("title_threshold = {:.2}", chosen.title_threshold);
    outln!("max_price_ratio = {:.1}", chosen.max_price_ratio);
    outln!("max_block_size = {}", chosen.max_block_size);
    ExitCode::SUCCESS
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
