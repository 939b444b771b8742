//! Scoring extraction against expected values: per-field precision, recall and F1,
//! the way `marketlens eval extract` and the corpus tests count them. A field the
//! page has (expected value) and the extractor gets right is a true positive; a wrong
//! value is a false positive and a false negative; a value where the page has none
//! (expected `null`) is a false positive; nothing where the page has one is a false
//! negative.

use rust_decimal::Decimal;
use serde::Serialize;

use super::Syntax;
use super::best::{self, BestFields, Candidate, FieldName};

/// Whether an extracted value is the expected one: prices as numbers, availability as
/// its token, codes and names case-insensitively with whitespace collapsed.
pub fn same(field: FieldName, expected: &str, got: &str) -> bool {
    match field {
        FieldName::Price | FieldName::PreviousPrice => {
            match (
                expected.trim().parse::<Decimal>(),
                got.trim().parse::<Decimal>(),
            ) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            }
        }
        FieldName::Availability => {
            let e = best::normalize_availability(expected);
            e.is_some() && e == best::normalize_availability(got)
        }
        _ => {
            let norm = |s: &str| {
                s.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .to_lowercase()
            };
            norm(expected) == norm(got)
        }
    }
}

/// True and false positives and false negatives of one field.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
}

impl Counts {
    /// Counts one page: `expected` `None` means the page has no such value.
    pub fn add(&mut self, field: FieldName, expected: Option<&str>, got: Option<&str>) {
        match (expected, got) {
            (Some(e), Some(g)) if same(field, e, g) => self.tp += 1,
            (Some(_), Some(_)) => {
                self.fp += 1;
                self.fn_ += 1;
            }
            (Some(_), None) => self.fn_ += 1,
            (None, Some(_)) => self.fp += 1,
            (None, None) => {}
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
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

/// The best fields when only `methods` had run: how much each method (or a set of
/// them) finds on its own.
pub fn best_using(candidates: &[Candidate], methods: &[Syntax]) -> BestFields {
    let kept: Vec<Candidate> = candidates
        .iter()
        .filter(|c| methods.contains(&c.from))
        .cloned()
        .collect();
    best::choose(&kept)
}

/// The fields a corpus page's `expected.jsonl` line may give (a key left out is not
/// judged; `null` means the page has no such value).
pub const JUDGED: [FieldName; 6] = [
    FieldName::Price,
    FieldName::Sku,
    FieldName::Availability,
    FieldName::Currency,
    FieldName::PreviousPrice,
    FieldName::Name,
];

/// One page of an extraction corpus: its HTML and what a person reads on it.
#[derive(Debug, Clone)]
pub struct CorpusPage {
    pub page: String,
    pub platform: String,
    pub lang: String,
    /// Where the page keeps its data: `json-ld`, `microdata`, `meta`, `script-state`
    /// or `text` (visible text only).
    pub style: String,
    pub html: String,
    pub expected: Vec<(FieldName, Option<String>)>,
}

impl CorpusPage {
    pub fn expected(&self, field: FieldName) -> Option<Option<&str>> {
        self.expected
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v.as_deref())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CorpusError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path} line {line}: {reason}")]
    Line {
        path: String,
        line: usize,
        reason: String,
    },
}

/// Reads `dir/expected.jsonl` and each page it names under `dir/pages/`.
pub fn load_corpus(dir: &std::path::Path) -> Result<Vec<CorpusPage>, CorpusError> {
    let path = dir.join("expected.jsonl");
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|source| CorpusError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let bad = |reason: String| CorpusError::Line {
            path: shown.clone(),
            line: i + 1,
            reason,
        };
        let v: serde_json::Value = serde_json::from_str(line).map_err(|e| bad(e.to_string()))?;
        let s = |k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or("");
        let page = s("page");
        if page.is_empty() || page.contains("..") || page.contains('/') {
            return Err(bad("`page` must name a file in pages/".into()));
        }
        let html_path = dir.join("pages").join(page);
        let bytes = std::fs::read(&html_path).map_err(|source| CorpusError::Read {
            path: html_path.display().to_string(),
            source,
        })?;
        let mut expected = Vec::new();
        for field in JUDGED {
            match v.get(field.as_str()) {
                None => {}
                Some(serde_json::Value::Null) => expected.push((field, None)),
                Some(serde_json::Value::String(x)) => expected.push((field, Some(x.clone()))),
                Some(other) => {
                    return Err(bad(format!(
                        "`{}` must be a string or null: {other}",
                        field.as_str()
                    )));
                }
            }
        }
        out.push(CorpusPage {
            page: page.to_owned(),
            platform: s("platform").to_owned(),
            lang: s("lang").to_owned(),
            style: s("style").to_owned(),
            html: crate::http::body::decode(&bytes, None).0,
            expected,
        });
    }
    Ok(out)
}

/// Method sets measured on a corpus: everything, structured data alone (what the
/// extractor read before the fallbacks), then each fallback added in turn, and each
/// method on its own.
pub fn method_sets() -> Vec<(&'static str, Vec<Syntax>)> {
    use Syntax::*;
    vec![
        ("all", Syntax::ALL.to_vec()),
        ("structured", vec![JsonLd, Microdata, Opengraph]),
        (
            "structured+meta",
            vec![JsonLd, Microdata, Opengraph, MetaTags],
        ),
        (
            "structured+meta+state",
            vec![JsonLd, Microdata, Opengraph, MetaTags, ScriptState],
        ),
        ("only:json-ld", vec![JsonLd]),
        ("only:microdata", vec![Microdata]),
        ("only:opengraph", vec![Opengraph]),
        ("only:meta-tags", vec![MetaTags]),
        ("only:script-state", vec![ScriptState]),
        ("only:dom", vec![Dom]),
    ]
}
