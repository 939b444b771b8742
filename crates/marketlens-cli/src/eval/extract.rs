//! `marketlens eval extract [DIR] [--corpus DIR]`: the product extractor on the
//! repository's page corpus (`data/extract-corpus`: pages in the styles of common shop
//! platforms with expected fields; per-field precision, recall and F1 by method), and
//! on saved real pages
//! (`extruct_product_pages` of the datasets: extruct's own test samples and their
//! expected outputs, summarised in `product_facts.jsonl`), and `--bench`: extraction
//! throughput on one core.
//!
//! Each page's facts come from one upstream extractor (microdata, or OpenGraph for the
//! fye.com page), so they are compared with that syntax's own reading of the page,
//! field by field; the merged product (what the sources use) is scored as well. Prices
//! are compared as numbers, everything else as text (trimmed).

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use marketlens_sources::extract::score::{
    CorpusPage, Counts, JUDGED, best_using, load_corpus, method_sets,
};
use marketlens_sources::extract::{
    ExtractedOffer, ExtractedProduct, Field, FieldName, OfferKind, Syntax, extract,
    extract_thorough,
};
use serde_json::Value;

use crate::stdout::outln;
use crate::terminal::Shown;

#[derive(Default)]
struct Score {
    total: u32,
    right: u32,
    missed: Vec<String>,
}

impl Score {
    fn check(&mut self, what: &str, expected: Option<&str>, got: Option<&str>, number: bool) {
        let Some(expected) = expected else { return };
        self.total += 1;
        let same = match (got, number) {
            (Some(g), true) => match (g.trim().parse::<f64>(), expected.trim().parse::<f64>()) {
                (Ok(a), Ok(b)) => (a - b).abs() < 1e-9,
                _ => false,
            },
            (Some(g), false) => g.trim() == expected.trim(),
            (None, _) => false,
        };
        if same {
            self.right += 1;
        } else {
            self.missed
                .push(format!("{what}: expected {expected:?}, got {got:?}"));
        }
    }
}

fn field(f: &Option<Field>) -> Option<&str> {
    f.as_ref().map(|f| f.value.as_str())
}

/// Scores one product against one page's facts.
fn score(facts: &Value, p: Option<&ExtractedProduct>, s: &mut Score) {
    let fact = |k: &str| facts.get(k).and_then(Value::as_str);
    let p_field = |f: fn(&ExtractedProduct) -> &Option<Field>| p.and_then(|p| field(f(p)));
    s.check("name", fact("name"), p_field(|p| &p.name), false);
    s.check("brand", fact("brand"), p_field(|p| &p.brand), false);
    s.check("mpn", fact("mpn"), p_field(|p| &p.mpn), false);
    s.check("gtin", fact("gtin"), p_field(|p| &p.gtin), false);
    s.check(
        "retailer_item_id",
        fact("retailer_item_id"),
        p_field(|p| &p.sku),
        false,
    );
    let offers: &[ExtractedOffer] = p.map(|p| p.offers.as_slice()).unwrap_or(&[]);
    if let Some(price) = fact("price") {
        // OpenGraph facts: one offer.
        let o = offers.first();
        s.check("price", Some(price), offer_field(o, |o| &o.price), true);
        for (name, get) in OG_OFFER_FACTS {
            s.check(name, fact(name), offer_field(o, get), false);
        }
    }
    for (i, e) in facts
        .get("offers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ef = |k: &str| e.get(k).and_then(Value::as_str);
        let kind = match ef("type") {
            Some("AggregateOffer") => OfferKind::AggregateOffer,
            _ => OfferKind::Offer,
        };
        // The i-th offer of the same kind, in page order.
        let nth = facts["offers"]
            .as_array()
            .map(|a| {
                a[..i]
                    .iter()
                    .filter(|x| x.get("type") == e.get("type"))
                    .count()
            })
            .unwrap_or(0);
        let o = offers.iter().filter(|o| o.kind == kind).nth(nth);
        for (key, get, number) in MICRODATA_OFFER_FACTS {
            s.check(
                &format!("offers[{i}].{key}"),
                ef(key),
                offer_field(o, get),
                number,
            );
        }
    }
}

/// How an offer's text field is read.
type OfferField = fn(&ExtractedOffer) -> &Option<String>;

/// The OpenGraph facts of the one offer besides its price, by name.
const OG_OFFER_FACTS: [(&str, OfferField); 3] = [
    ("currency", |o| &o.currency),
    ("availability", |o| &o.availability),
    ("condition", |o| &o.condition),
];

/// The microdata facts of each offer, by schema.org property, and whether each is a
/// number.
const MICRODATA_OFFER_FACTS: [(&str, OfferField, bool); 8] = [
    ("price", |o| &o.price, true),
    ("lowPrice", |o| &o.low_price, true),
    ("highPrice", |o| &o.high_price, true),
    ("priceCurrency", |o| &o.currency, false),
    ("availability", |o| &o.availability, false),
    ("itemCondition", |o| &o.condition, false),
    ("sku", |o| &o.sku, false),
    ("name", |o| &o.name, false),
];

fn offer_field(offer: Option<&ExtractedOffer>, get: OfferField) -> Option<&str> {
    offer.and_then(|o| get(o).as_deref())
}

pub fn run(dir: &Path, verbose: bool) -> ExitCode {
    let facts_path = dir.join("product_facts.jsonl");
    let text = match std::fs::read_to_string(&facts_path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", facts_path.display());
            return ExitCode::from(2);
        }
    };
    let (mut by_syntax, mut merged) = (Score::default(), Score::default());
    let (mut bytes, mut pages) = (0usize, 0u32);
    let started = Instant::now();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let Ok(facts) = serde_json::from_str::<Value>(line) else {
            eprintln!("error: bad line in {}", facts_path.display());
            return ExitCode::from(2);
        };
        let Some(html_file) = facts["html_file"].as_str() else {
            continue;
        };
        let raw = match std::fs::read(dir.join(html_file)) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: {html_file}: {e}");
                return ExitCode::from(2);
            }
        };
        bytes += raw.len();
        pages += 1;
        let (html, _) = marketlens_sources::http::body::decode(&raw, None);
        let x = extract(&html, None);
        // Facts with a top-level price are OpenGraph's; the others are microdata's.
        let own = if facts.get("price").is_some() {
            x.by_syntax.opengraph.first()
        } else {
            x.by_syntax.microdata.first()
        };
        let (b0, m0) = (by_syntax.right, merged.right);
        let (bt, mt) = (by_syntax.total, merged.total);
        score(&facts, own, &mut by_syntax);
        score(&facts, x.products.first(), &mut merged);
        outln!(
            "page={html_file} fields={} right={} merged_right={}",
            by_syntax.total - bt,
            by_syntax.right - b0,
            merged.right - m0,
        );
        let _ = mt;
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    if verbose {
        for m in &by_syntax.missed {
            outln!("missed: {}", Shown(m));
        }
        for m in &merged.missed {
            outln!("merged differs: {}", Shown(m));
        }
    }
    let ratio = |s: &Score| {
        if s.total == 0 {
            0.0
        } else {
            f64::from(s.right) / f64::from(s.total)
        }
    };
    outln!(
        "pages={pages} fields={} fields_right={} field_accuracy={:.4} merged_field_accuracy={:.4} pages_per_s={:.1} mb_per_s={:.2}",
        by_syntax.total,
        by_syntax.right,
        ratio(&by_syntax),
        ratio(&merged),
        f64::from(pages) / secs,
        bytes as f64 / 1e6 / secs
    );
    ExitCode::SUCCESS
}

/// Extraction throughput on one core: the saved pages when `dir` is given, else the
/// demo shop's product pages (always available).
pub fn bench(dir: Option<&Path>, seconds: f64) -> ExitCode {
    let (corpus, pages): (&str, Vec<String>) = match dir {
        Some(d) => {
            let mut v = Vec::new();
            let facts = std::fs::read_to_string(d.join("product_facts.jsonl")).unwrap_or_default();
            for line in facts.lines() {
                let f: Value = serde_json::from_str(line).unwrap_or_default();
                if let Some(h) = f["html_file"].as_str()
                    && let Ok(raw) = std::fs::read(d.join(h))
                {
                    v.push(marketlens_sources::http::body::decode(&raw, None).0);
                }
            }
            ("saved_pages", v)
        }
        None => match marketlens_sources::demo_shop::product_pages() {
            Ok(v) => ("demo_shop", v),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        },
    };
    if pages.is_empty() {
        outln!("skipped: no pages to time");
        return ExitCode::SUCCESS;
    }
    time_pages(corpus, &pages, seconds);
    ExitCode::SUCCESS
}

fn time_pages(corpus: &str, pages: &[String], seconds: f64) {
    if pages.is_empty() {
        outln!("skipped: no pages to time");
        return;
    }
    let bytes_per_round: usize = pages.iter().map(String::len).sum();
    let started = Instant::now();
    let (mut n, mut bytes, mut products) = (0usize, 0usize, 0usize);
    // Whole rounds over the corpus until the time is up: every page weighs the same.
    while started.elapsed().as_secs_f64() < seconds {
        for p in pages {
            products += extract(p, None).products.len();
        }
        n += pages.len();
        bytes += bytes_per_round;
    }
    let secs = started.elapsed().as_secs_f64();
    outln!(
        "corpus={corpus} pages={n} products={products} seconds={secs:.2} pages_per_s={:.1} mb_per_s={:.2}",
        n as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

/// The corpus pages, or the exit code after saying why they cannot be read.
fn corpus(dir: &Path) -> Result<Vec<CorpusPage>, ExitCode> {
    load_corpus(dir).map_err(|e| {
        eprintln!("error: {}", Shown(&e.to_string()));
        ExitCode::from(2)
    })
}

/// Per-field F1 on the corpus: for every method set (all, structured data alone, each
/// fallback added in turn, each method alone), which method won each field, and
/// per page style.
pub fn run_corpus(dir: &Path, verbose: bool) -> ExitCode {
    let pages = match corpus(dir) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let sets = method_sets();
    let mut counts = vec![[Counts::default(); JUDGED.len()]; sets.len()];
    // Winning method of each field in the full extractor: (field, method) → counts.
    let mut wins: Vec<(FieldName, Syntax, Counts)> = Vec::new();
    let mut by_style: Vec<(String, [Counts; JUDGED.len()])> = Vec::new();
    let started = Instant::now();
    for page in &pages {
        // "all" is what the extractor gives; the method sets are measured on every
        // method's candidates (`extract_thorough`).
        let x = extract(&page.html, None);
        let every = extract_thorough(&page.html, None);
        for (si, (_, methods)) in sets.iter().enumerate() {
            let best = if si == 0 {
                x.best.clone()
            } else {
                best_using(&every.candidates, methods)
            };
            for (fi, field) in JUDGED.iter().enumerate() {
                let Some(expected) = page.expected(*field) else {
                    continue;
                };
                let got = best.get(*field);
                counts[si][fi].add(*field, expected, got.map(|g| g.value.as_str()));
                if si != 0 {
                    continue;
                }
                let style = match by_style.iter_mut().find(|(s, _)| *s == page.style) {
                    Some(s) => s,
                    None => {
                        by_style.push((page.style.clone(), [Counts::default(); JUDGED.len()]));
                        by_style.last_mut().expect("just pushed")
                    }
                };
                style.1[fi].add(*field, expected, got.map(|g| g.value.as_str()));
                if let Some(g) = got {
                    let mut one = Counts::default();
                    one.add(*field, expected, Some(&g.value));
                    match wins.iter_mut().find(|w| w.0 == *field && w.1 == g.from) {
                        Some(w) => {
                            w.2.tp += one.tp;
                            w.2.fp += one.fp;
                        }
                        None => wins.push((*field, g.from, Counts { fn_: 0, ..one })),
                    }
                }
                if verbose
                    && !got.is_some_and(|g| {
                        expected.is_some_and(|e| {
                            marketlens_sources::extract::score::same(*field, e, &g.value)
                        })
                    })
                    && (expected.is_some() || got.is_some())
                {
                    outln!(
                        "missed: page={} field={} expected={} got={} from={} confidence={}",
                        Shown(&page.page),
                        field.as_str(),
                        Shown(expected.unwrap_or("-")),
                        Shown(got.map_or("-", |g| g.value.as_str())),
                        got.map_or("-", |g| g.from.as_str()),
                        got.map_or(0.0, |g| g.confidence)
                    );
                }
            }
        }
    }
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let styles: Vec<&str> = {
        let mut v: Vec<&str> = pages.iter().map(|p| p.style.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let platforms = {
        let mut v: Vec<&str> = pages.iter().map(|p| p.platform.as_str()).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    outln!(
        "corpus={} pages={} platforms={platforms} styles={} langs={}",
        Shown(&dir.display().to_string()),
        pages.len(),
        styles.join(","),
        {
            let mut v: Vec<&str> = pages.iter().map(|p| p.lang.as_str()).collect();
            v.sort_unstable();
            v.dedup();
            v.join(",")
        }
    );
    for (si, (name, _)) in sets.iter().enumerate() {
        let mut line = format!("corpus methods={name}");
        for (fi, field) in JUDGED.iter().enumerate() {
            line.push_str(&format!(
                " {}_f1={:.3}",
                field.as_str(),
                counts[si][fi].f1()
            ));
        }
        outln!("{line}");
    }
    for (fi, field) in JUDGED.iter().enumerate() {
        let c = &counts[0][fi];
        outln!(
            "corpus field={} precision={:.3} recall={:.3} f1={:.3} tp={} fp={} fn={}",
            field.as_str(),
            c.precision(),
            c.recall(),
            c.f1(),
            c.tp,
            c.fp,
            c.fn_
        );
    }
    wins.sort_by_key(|w| (JUDGED.iter().position(|f| *f == w.0), w.1.as_str()));
    for (field, from, c) in &wins {
        outln!(
            "corpus won field={} method={} right={} wrong={}",
            field.as_str(),
            from.as_str(),
            c.tp,
            c.fp
        );
    }
    by_style.sort_by(|a, b| a.0.cmp(&b.0));
    for (style, c) in &by_style {
        let n = pages.iter().filter(|p| p.style == *style).count();
        let mut line = format!("corpus style={} pages={n}", Shown(style));
        for (fi, field) in JUDGED.iter().enumerate().take(3) {
            line.push_str(&format!(" {}_f1={:.3}", field.as_str(), c[fi].f1()));
        }
        outln!("{line}");
    }
    outln!(
        "corpus pages_per_s={:.1} (each page once, all method sets scored)",
        pages.len() as f64 / secs
    );
    ExitCode::SUCCESS
}

/// Extraction throughput on one core over the corpus pages.
pub fn bench_corpus(dir: &Path, seconds: f64) -> ExitCode {
    let pages = match corpus(dir) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let html: Vec<String> = pages.into_iter().map(|p| p.html).collect();
    time_pages("extract-corpus", &html, seconds);
    ExitCode::SUCCESS
}
