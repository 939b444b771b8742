//! `marketlens eval golden`: every variant over every case of the golden set; a
//! markdown comparison on stdout, the same as JSON and as a self-contained HTML page
//! in `--out`, and with `--baseline` a non-zero exit when a metric regresses beyond
//! its tolerance ([`marketlens_core::golden::metrics::TOLERANCES`]).
//!
//! Everything but the timing section is deterministic for a deterministic variant:
//! two runs print the same quality table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use marketlens_core::golden::metrics::{
    CaseRun, Regression, TOLERANCES, Tolerance, VariantMetrics, aggregate, regressions,
};
use marketlens_sources::files::FileError;
use serde::{Deserialize, Serialize};

use super::{GoldenError, Judge, Variant, page, read_set, score};
use crate::stdout::out;

/// What one evaluation wrote: its figures per variant and every case's run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Evaluation {
    pub cases: u32,
    pub variants: Vec<VariantMetrics>,
    /// Each variant's runs, by label, in case order.
    pub runs: BTreeMap<String, Vec<CaseRun>>,
    #[serde(default)]
    pub tolerances: Vec<ToleranceRow>,
}

/// A tolerance as written in the JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToleranceRow {
    pub metric: String,
    pub better: String,
    pub allowed: f64,
}

impl From<&Tolerance> for ToleranceRow {
    fn from(t: &Tolerance) -> Self {
        Self {
            metric: t.metric.to_owned(),
            better: format!("{:?}", t.better).to_lowercase(),
            allowed: t.allowed,
        }
    }
}

pub struct EvalOptions {
    pub set: PathBuf,
    pub variants: Vec<Variant>,
    pub baseline: Option<PathBuf>,
    pub out: PathBuf,
}

/// Runs the evaluation (see the module); exit 0, 1 on a regression, 2 on bad input.
pub async fn run(options: EvalOptions) -> ExitCode {
    match evaluate(&options, None).await {
        Ok(evaluation) => finish(&options, &evaluation),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// Every variant over every case.
pub async fn evaluate(
    options: &EvalOptions,
    judge: Option<&dyn Judge>,
) -> Result<Evaluation, GoldenError> {
    let cases = read_set(&options.set)?;
    let mut runs = BTreeMap::new();
    let mut variants = Vec::new();
    for variant in &options.variants {
        if runs.contains_key(&variant.label) {
            return Err(GoldenError::Config(format!(
                "two variants are labelled {:?}; name them LABEL=…",
                variant.label
            )));
        }
        let mut done = Vec::with_capacity(cases.len());
        for case in &cases {
            done.push(score(case, variant, judge).await?);
        }
        variants.push(aggregate(&variant.label, &done));
        runs.insert(variant.label.clone(), done);
    }
    Ok(Evaluation {
        cases: cases.len() as u32,
        variants,
        runs,
        tolerances: TOLERANCES.iter().map(ToleranceRow::from).collect(),
    })
}

fn finish(options: &EvalOptions, evaluation: &Evaluation) -> ExitCode {
    let regressions = match &options.baseline {
        Some(path) => match read_baseline(path) {
            Ok(baseline) => Some(compare(evaluation, &baseline)),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    out!("{}", markdown(evaluation, regressions.as_deref()));
    if let Err(e) = write_outputs(&options.out, evaluation) {
        eprintln!("error: {e}");
        return ExitCode::from(1);
    }
    match regressions {
        Some(r) if !r.is_empty() => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

pub fn read_baseline(path: &Path) -> Result<Evaluation, GoldenError> {
    let text = std::fs::read_to_string(path).map_err(FileError::io(path))?;
    let evaluation = serde_json::from_str(&text)
        .map_err(|e| FileError::invalid(path, format!("not an eval golden JSON: {e}")))?;
    Ok(evaluation)
}

/// Each variant against the baseline's variant of the same label, else its first.
pub fn compare(current: &Evaluation, baseline: &Evaluation) -> Vec<Regression> {
    current
        .variants
        .iter()
        .filter_map(|v| {
            let base = baseline
                .variants
                .iter()
                .find(|b| b.variant == v.variant)
                .or_else(|| baseline.variants.first())?;
            Some(regressions(v, base))
        })
        .flatten()
        .collect()
}

/// Writes `golden.json` and `golden.html` into `dir`.
pub fn write_outputs(dir: &Path, evaluation: &Evaluation) -> Result<(), GoldenError> {
    std::fs::create_dir_all(dir).map_err(FileError::io(dir))?;
    let json = dir.join("golden.json");
    let text = serde_json::to_string_pretty(evaluation)
        .map_err(|e| FileError::invalid(&json, e.to_string()))?;
    std::fs::write(&json, text + "\n").map_err(FileError::io(&json))?;
    let html = dir.join("golden.html");
    std::fs::write(&html, page::render(evaluation)).map_err(FileError::io(&html))?;
    eprintln!("wrote {} and {}", json.display(), html.display());
    Ok(())
}

/// The rows of the quality table: label, and each variant's value as shown.
pub fn quality_rows(evaluation: &Evaluation) -> Vec<(String, Vec<String>)> {
    let vs = &evaluation.variants;
    let row = |label: &str, f: &dyn Fn(&VariantMetrics) -> String| {
        (label.to_owned(), vs.iter().map(f).collect::<Vec<_>>())
    };
    let mut rows = vec![
        row("cases", &|m| m.cases.to_string()),
        row("outcome mismatches", &|m| m.outcome_mismatches.to_string()),
        row("grounding rate", &|m| format!("{:.4}", m.grounding_rate)),
        row("key-point coverage", &|m| {
            format!("{:.4}", m.key_point_coverage)
        }),
        row("invention rate", &|m| format!("{:.4}", m.invention_rate)),
    ];
    let mut languages: Vec<&String> = vs.iter().flat_map(|m| m.readability.keys()).collect();
    languages.sort();
    languages.dedup();
    for lang in languages {
        let scale = match lang.as_str() {
            "fr" => "Kandel-Moles",
            _ => "Flesch",
        };
        rows.push(row(&format!("clarity {lang} ({scale})"), &|m| {
            m.readability
                .get(lang)
                .map(|v| format!("{v:.1}"))
                .unwrap_or_else(|| "–".into())
        }));
    }
    rows.push(row("quality-check failures", &|m| {
        m.quality_failures.to_string()
    }));
    rows.push(row("tokens", &|m| m.tokens.to_string()));
    rows.push(row("cost (USD)", &|m| {
        format!("{:.4}", m.cost_microdollars as f64 / 1e6)
    }));
    let mut criteria: Vec<&String> = vs.iter().flat_map(|m| m.judge.keys()).collect();
    criteria.sort();
    criteria.dedup();
    for c in criteria {
        rows.push(row(&format!("judge: {c}"), &|m| {
            m.judge
                .get(c)
                .map(|v| format!("{v:.3}"))
                .unwrap_or_else(|| "–".into())
        }));
    }
    rows
}

/// The timing rows (they vary from run to run).
pub fn timing_rows(evaluation: &Evaluation) -> Vec<(String, Vec<String>)> {
    let vs = &evaluation.variants;
    vec![
        (
            "latency p50 (ms)".into(),
            vs.iter()
                .map(|m| format!("{:.0}", m.latency_p50_ms))
                .collect(),
        ),
        (
            "latency p95 (ms)".into(),
            vs.iter()
                .map(|m| format!("{:.0}", m.latency_p95_ms))
                .collect(),
        ),
    ]
}

/// Per variant and case, what went wrong: missing key points, inventions, failed
/// quality checks, unexpected outcomes (deterministic, in case order).
pub fn findings(evaluation: &Evaluation) -> Vec<String> {
    let mut out = Vec::new();
    for v in &evaluation.variants {
        for r in evaluation.runs.get(&v.variant).into_iter().flatten() {
            let mut what = Vec::new();
            if r.outcome != r.expected {
                what.push(format!("outcome {} (expected {})", r.outcome, r.expected));
            }
            if let Some(s) = &r.score {
                if !s.missing.is_empty() {
                    what.push(format!("missing: {}", s.missing.join(", ")));
                }
                if !s.forbidden_stated.is_empty() {
                    what.push(format!(
                        "forbidden stated: {}",
                        s.forbidden_stated.join(", ")
                    ));
                }
                for u in &s.ungrounded {
                    what.push(format!(
                        "ungrounded {} “{}” in {}",
                        u.kind, u.claim, u.field
                    ));
                }
                if !s.quality_failures.is_empty() {
                    what.push(format!(
                        "quality checks failed: {}",
                        s.quality_failures.join(", ")
                    ));
                }
            }
            if !what.is_empty() {
                out.push(format!("{} / {}: {}", v.variant, r.case, what.join("; ")));
            }
        }
    }
    out
}

fn table(header: &[String], rows: &[(String, Vec<String>)]) -> String {
    let mut s = format!("| metric | {} |\n", header.join(" | "));
    s.push_str(&format!("|---|{}\n", "---:|".repeat(header.len())));
    for (label, values) in rows {
        s.push_str(&format!("| {label} | {} |\n", values.join(" | ")));
    }
    s
}

/// The markdown printed on stdout: the quality table, findings, the baseline's
/// verdict, then timing (the one part that varies between runs).
pub fn markdown(evaluation: &Evaluation, regressions: Option<&[Regression]>) -> String {
    let header: Vec<String> = evaluation
        .variants
        .iter()
        .map(|v| v.variant.clone())
        .collect();
    let mut s = format!(
        "## Golden set: {} cases, {} variant(s)\n\n",
        evaluation.cases,
        header.len()
    );
    s.push_str(&table(&header, &quality_rows(evaluation)));
    let found = findings(evaluation);
    if !found.is_empty() {
        s.push_str("\n### Findings\n\n");
        for f in &found {
            s.push_str(&format!("- {f}\n"));
        }
    }
    if let Some(r) = regressions {
        s.push_str("\n### Against the baseline\n\n");
        if r.is_empty() {
            s.push_str("No metric regressed beyond its tolerance.\n");
        } else {
            for x in r {
                s.push_str(&format!("- REGRESSION {x}\n"));
            }
        }
    }
    s.push_str("\n### Timing (varies between runs; not compared)\n\n");
    s.push_str(&table(&header, &timing_rows(evaluation)));
    s
}
