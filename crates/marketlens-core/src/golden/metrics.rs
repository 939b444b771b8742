//! A variant's figures over the golden set, added up from its cases' scores, and the
//! comparison with a baseline that `eval golden --baseline` fails on.
//!
//! - **grounding rate**: grounded claims over claims checked, all cases together;
//! - **key-point coverage**: key points stated over key points expected;
//! - **invention rate**: (ungrounded claims + forbidden claims stated) over (claims
//!   checked + forbidden claims stated);
//! - **clarity**: mean readability per narrative language ([`super::readability`]);
//! - **quality-check failures**: failed checks over every result;
//! - **outcome mismatches**: cases that completed when they should have failed (a
//!   `no_data` case), or failed when they should have completed;
//! - **latency** p50/p95 (nearest rank), **tokens** and **cost** summed;
//! - **judge** scores: the mean of each criterion, when a judge is configured.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{CaseScore, ReportText};

/// One case run by one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRun {
    pub case: String,
    /// `completed`, or the error type the analysis failed with.
    pub outcome: String,
    /// What the case expects: `completed`, or an error type.
    pub expected: String,
    /// The score of a completed result.
    pub score: Option<CaseScore>,
    pub latency_ms: f64,
    pub tokens: u64,
    pub cost_microdollars: u64,
    /// A judge's score per criterion (0–1), when one is configured.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub judge: BTreeMap<String, f64>,
    /// The report's words that were scored, for reading beside the figures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<ReportText>,
}

/// A variant's figures over the set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantMetrics {
    pub variant: String,
    pub cases: u32,
    pub outcome_mismatches: u32,
    pub grounding_rate: f64,
    pub key_point_coverage: f64,
    pub invention_rate: f64,
    /// Mean readability by narrative language (`en`, `fr`).
    pub readability: BTreeMap<String, f64>,
    pub quality_failures: u32,
    pub latency_p50_ms: f64,
    pub latency_p95_ms: f64,
    pub tokens: u64,
    pub cost_microdollars: u64,
    /// Mean judge score per criterion; empty without a judge.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub judge: BTreeMap<String, f64>,
}

/// Adds up `runs` of one variant.
pub fn aggregate(variant: &str, runs: &[CaseRun]) -> VariantMetrics {
    let scores: Vec<&CaseScore> = runs.iter().filter_map(|r| r.score.as_ref()).collect();
    let checked: u32 = scores.iter().map(|s| s.claims_checked).sum();
    let ungrounded: u32 = scores.iter().map(|s| s.ungrounded.len() as u32).sum();
    let forbidden: u32 = scores.iter().map(|s| s.forbidden_stated.len() as u32).sum();
    let expected: u32 = scores.iter().map(|s| s.key_points).sum();
    let missing: u32 = scores.iter().map(|s| s.missing.len() as u32).sum();
    let ratio = |n: u32, d: u32, empty: f64| {
        if d == 0 {
            empty
        } else {
            f64::from(n) / f64::from(d)
        }
    };
    let mut by_language: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for s in &scores {
        if s.readability.words > 0 {
            let e = by_language.entry(s.language.code().to_owned()).or_default();
            e.0 += s.readability.score;
            e.1 += 1;
        }
    }
    let mut latencies: Vec<f64> = runs.iter().map(|r| r.latency_ms).collect();
    latencies.sort_by(f64::total_cmp);
    let mut judge: BTreeMap<String, (f64, u32)> = BTreeMap::new();
    for (k, v) in runs.iter().flat_map(|r| &r.judge) {
        let e = judge.entry(k.clone()).or_default();
        e.0 += v;
        e.1 += 1;
    }
    VariantMetrics {
        variant: variant.to_owned(),
        cases: runs.len() as u32,
        outcome_mismatches: runs.iter().filter(|r| r.outcome != r.expected).count() as u32,
        grounding_rate: ratio(checked.saturating_sub(ungrounded), checked, 1.0),
        key_point_coverage: ratio(expected.saturating_sub(missing), expected, 1.0),
        invention_rate: ratio(ungrounded + forbidden, checked + forbidden, 0.0),
        readability: by_language
            .into_iter()
            .map(|(k, (sum, n))| (k, sum / f64::from(n)))
            .collect(),
        quality_failures: scores.iter().map(|s| s.quality_failures.len() as u32).sum(),
        latency_p50_ms: percentile(&latencies, 0.50),
        latency_p95_ms: percentile(&latencies, 0.95),
        tokens: runs.iter().map(|r| r.tokens).sum(),
        cost_microdollars: runs.iter().map(|r| r.cost_microdollars).sum(),
        judge: judge
            .into_iter()
            .map(|(k, (sum, n))| (k, sum / f64::from(n)))
            .collect(),
    }
}

/// The nearest-rank percentile `p` (0–1) of sorted values; 0 for none.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// How far a metric may move the wrong way before `--baseline` fails.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Tolerance {
    pub metric: &'static str,
    pub better: Better,
    /// Allowed change the wrong way, in the metric's unit.
    pub allowed: f64,
}

/// The stated tolerances. Latency is reported, never gated: it measures the machine
/// as much as the variant. Readability applies to each language's mean.
pub const TOLERANCES: &[Tolerance] = &[
    Tolerance {
        metric: "grounding_rate",
        better: Better::Higher,
        allowed: 0.01,
    },
    Tolerance {
        metric: "key_point_coverage",
        better: Better::Higher,
        allowed: 0.01,
    },
    Tolerance {
        metric: "invention_rate",
        better: Better::Lower,
        allowed: 0.005,
    },
    Tolerance {
        metric: "readability",
        better: Better::Higher,
        allowed: 2.0,
    },
    Tolerance {
        metric: "quality_failures",
        better: Better::Lower,
        allowed: 0.0,
    },
    Tolerance {
        metric: "outcome_mismatches",
        better: Better::Lower,
        allowed: 0.0,
    },
    Tolerance {
        metric: "cost_microdollars",
        better: Better::Lower,
        allowed: 0.0,
    },
];

/// A metric that moved the wrong way by more than its tolerance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regression {
    pub variant: String,
    /// The metric (`readability.fr` for one language's).
    pub metric: String,
    pub baseline: f64,
    pub current: f64,
    pub allowed: f64,
}

impl std::fmt::Display for Regression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} {:.4} → {:.4} (tolerance {})",
            self.variant, self.metric, self.baseline, self.current, self.allowed
        )
    }
}

/// The metrics of `current` that regressed against `baseline` beyond [`TOLERANCES`].
/// Cost is allowed 10 % more than the baseline's on top of its tolerance, as token
/// counts of a model vary from run to run.
pub fn regressions(current: &VariantMetrics, baseline: &VariantMetrics) -> Vec<Regression> {
    let mut out = Vec::new();
    for t in TOLERANCES {
        let pairs: Vec<(String, f64, f64)> = match t.metric {
            "readability" => baseline
                .readability
                .iter()
                .map(|(lang, b)| {
                    (
                        format!("readability.{lang}"),
                        *b,
                        current.readability.get(lang).copied().unwrap_or(0.0),
                    )
                })
                .collect(),
            name => vec![(
                name.to_owned(),
                scalar(baseline, name),
                scalar(current, name),
            )],
        };
        for (metric, b, c) in pairs {
            let allowed = if t.metric == "cost_microdollars" {
                t.allowed + b * 0.10
            } else {
                t.allowed
            };
            let worse = match t.better {
                Better::Higher => b - c,
                Better::Lower => c - b,
            };
            // A hair over the tolerance from float rounding is not a regression.
            if worse > allowed + 1e-9 {
                out.push(Regression {
                    variant: current.variant.clone(),
                    metric,
                    baseline: b,
                    current: c,
                    allowed,
                });
            }
        }
    }
    out
}

fn scalar(m: &VariantMetrics, name: &str) -> f64 {
    match name {
        "grounding_rate" => m.grounding_rate,
        "key_point_coverage" => m.key_point_coverage,
        "invention_rate" => m.invention_rate,
        "quality_failures" => f64::from(m.quality_failures),
        "outcome_mismatches" => f64::from(m.outcome_mismatches),
        "cost_microdollars" => m.cost_microdollars as f64,
        _ => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Language;
    use crate::golden::readability::Readability;
    use crate::golden::{CaseScore, Unsupported};

    fn score(checked: u32, ungrounded: usize, keys: u32, missing: usize) -> CaseScore {
        CaseScore {
            claims_checked: checked,
            ungrounded: (0..ungrounded)
                .map(|i| Unsupported {
                    field: format!("narrative[{i}]"),
                    kind: "price".into(),
                    claim: "1 EUR".into(),
                })
                .collect(),
            key_points: keys,
            missing: (0..missing).map(|i| format!("k{i}")).collect(),
            forbidden_stated: Vec::new(),
            language: Language::En,
            readability: Readability {
                words: 10,
                sentences: 1,
                syllables: 12,
                score: 60.0,
            },
            quality_failures: Vec::new(),
        }
    }

    fn run(case: &str, score: Option<CaseScore>, latency_ms: f64) -> CaseRun {
        CaseRun {
            case: case.into(),
            outcome: if score.is_some() {
                "completed".into()
            } else {
                "no_data".into()
            },
            expected: if score.is_some() {
                "completed".into()
            } else {
                "no_data".into()
            },
            score,
            latency_ms,
            tokens: 0,
            cost_microdollars: 0,
            judge: BTreeMap::new(),
            text: Vec::new(),
        }
    }

    #[test]
    fn rates_add_up_claims_and_key_points_over_every_case() {
        let runs = [
            run("a", Some(score(10, 1, 4, 1)), 30.0),
            run("b", Some(score(10, 0, 4, 0)), 10.0),
            run("c", None, 20.0),
        ];
        let m = aggregate("v", &runs);
        assert_eq!(m.cases, 3);
        assert_eq!(m.outcome_mismatches, 0);
        assert!((m.grounding_rate - 19.0 / 20.0).abs() < 1e-12);
        assert!((m.key_point_coverage - 7.0 / 8.0).abs() < 1e-12);
        assert!((m.invention_rate - 1.0 / 20.0).abs() < 1e-12);
        assert_eq!(m.readability.get("en"), Some(&60.0));
        assert_eq!((m.latency_p50_ms, m.latency_p95_ms), (20.0, 30.0));
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(percentile(&v, 0.5), 10.0);
        assert_eq!(percentile(&v, 0.95), 19.0);
        assert_eq!(percentile(&[7.0], 0.95), 7.0);
        assert_eq!(percentile(&[], 0.5), 0.0);
    }

    #[test]
    fn a_metric_past_its_tolerance_is_a_regression_and_one_within_is_not() {
        let base = aggregate("v", &[run("a", Some(score(100, 0, 10, 0)), 5.0)]);
        // 1 point of grounding and no key point lost: within tolerance.
        let ok = aggregate("v", &[run("a", Some(score(100, 1, 10, 0)), 500.0)]);
        let found = regressions(&ok, &base);
        assert!(
            found.iter().all(|r| r.metric == "invention_rate"),
            "{found:?}"
        );
        let within = aggregate("v", &[run("a", Some(score(200, 1, 10, 0)), 500.0)]);
        assert!(regressions(&within, &base).is_empty());
        // One key point in ten lost: coverage regresses by 0.1.
        let worse = aggregate("v", &[run("a", Some(score(100, 0, 10, 1)), 5.0)]);
        let r = regressions(&worse, &base);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].metric, "key_point_coverage");
        assert!(r[0].to_string().contains("1.0000 → 0.9000"), "{}", r[0]);
        // An expected failure that completes is an outcome mismatch.
        let mut mismatch = run("c", Some(score(1, 0, 0, 0)), 1.0);
        mismatch.expected = "no_data".into();
        let m = aggregate("v", &[run("a", Some(score(100, 0, 10, 0)), 5.0), mismatch]);
        assert!(
            regressions(&m, &base)
                .iter()
                .any(|r| r.metric == "outcome_mismatches")
        );
    }
}
