//! The learned pair model: a logistic regression over the pair features of
//! [`super::resolve::PairFeatures`] that says how likely two listings are one product.
//!
//! The weights shipped with the binary (`pair_model.json`) are trained with
//! `marketlens eval matching --train` (see the README for the exact command and its
//! data); [`PairModel::train`] is deterministic, so the same pairs give the same
//! file. Training fits the weights by Newton's method (iteratively reweighted least
//! squares) with an L2 penalty, then picks the probability threshold with the best F1
//! on the training pairs.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::resolve::{CodeAgreement, PairFeatures};

/// The model's inputs, in order; a weights file names them so a file trained for
/// another feature list is refused.
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "title_cosine",
    "title_containment",
    "code_agree",
    "code_conflict",
    "code_unknown",
    "declared_model_equal",
    "declared_model_conflict",
    "brand_equal",
    "brand_in_title",
    "quantity_agree",
    "quantity_conflict",
    "edition_conflict",
    "edition_one_side",
    "number_mismatch",
    "accessory_mismatch",
    "figures_conflict",
    "log_price_ratio",
    "price_known",
    "category_similarity",
    "title_cosine_with_code",
];

pub const FEATURES: usize = 20;

/// The feature vector of a pair: every entry is bounded (counts are capped), so no
/// scaling is needed and one odd pair cannot dominate.
pub fn feature_vector(f: &PairFeatures) -> [f64; FEATURES] {
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let (agree, conflict, unknown) = match f.code {
        CodeAgreement::Agree(s) => (s, 0.0, 0.0),
        CodeAgreement::Conflict => (0.0, 1.0, 0.0),
        CodeAgreement::Unknown => (0.0, 0.0, 1.0),
    };
    let cap = |n: u32, max: u32| f64::from(n.min(max));
    [
        f.title_similarity,
        f.title_containment,
        agree,
        conflict,
        unknown,
        b(f.declared_model_equal == Some(true)),
        b(f.declared_model_equal == Some(false)),
        b(f.brand_equal),
        b(f.brand_in_title),
        cap(f.quantity_agree, 2),
        cap(f.quantity_conflict, 2),
        cap(f.edition_conflict, 2),
        cap(f.edition_one_side, 3),
        cap(f.number_mismatch, 4),
        cap(f.accessory_mismatch, 2),
        b(f.figures_conflict),
        f.price_ratio.map_or(0.0, |r| r.ln().clamp(0.0, 3.0)),
        b(f.price_ratio.is_some()),
        f.category_similarity.unwrap_or(0.0),
        if agree > 0.0 { f.title_similarity } else { 0.0 },
    ]
}

/// A trained model: one weight per feature, a bias, and the probability from which a
/// pair is the same product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairModel {
    /// [`FEATURE_NAMES`], as trained.
    pub features: Vec<String>,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Pairs with a probability at or above this are the same product.
    pub threshold: f64,
    /// What it was trained on, in words (pair files and counts).
    pub trained_on: String,
}

/// Why a weights file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum PairModelError {
    #[error("pair model is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("pair model features {found:?} are not this version's {expected:?}")]
    Features {
        found: Vec<String>,
        expected: Vec<String>,
    },
    #[error("pair model has {0} weights for {FEATURES} features")]
    Weights(usize),
    #[error("pair model has a weight, bias or threshold that is not a finite number")]
    NotFinite,
}

/// The weights shipped with the binary.
const BUILTIN: &str = include_str!("pair_model.json");

impl PairModel {
    /// The built-in model (parsed once; a unit test checks that it parses).
    pub fn builtin() -> &'static PairModel {
        static MODEL: OnceLock<PairModel> = OnceLock::new();
        MODEL.get_or_init(|| {
            PairModel::from_json(BUILTIN).expect("the bundled pair_model.json is checked by tests")
        })
    }

    /// Reads and checks a weights file's text.
    pub fn from_json(text: &str) -> Result<PairModel, PairModelError> {
        let m: PairModel = serde_json::from_str(text)?;
        if m.features.iter().map(String::as_str).ne(FEATURE_NAMES) {
            return Err(PairModelError::Features {
                found: m.features,
                expected: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
            });
        }
        if m.weights.len() != FEATURES {
            return Err(PairModelError::Weights(m.weights.len()));
        }
        if !m
            .weights
            .iter()
            .chain([&m.bias, &m.threshold])
            .all(|w| w.is_finite())
        {
            return Err(PairModelError::NotFinite);
        }
        Ok(m)
    }

    /// The model as pretty JSON (what `--train` writes).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Probability that the pair with these features is one product.
    pub fn probability(&self, x: &[f64; FEATURES]) -> f64 {
        let z = self.bias + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>();
        sigmoid(z)
    }

    /// Trains on labelled feature vectors, each with a sample weight (so that one
    /// source of pairs does not outweigh another by its size) and the index of its
    /// source: the threshold is the one with the best mean F1 over the sources, so
    /// that it suits each of them rather than the largest. Deterministic.
    pub fn train(samples: &[TrainingPair], l2: f64, trained_on: &str) -> PairModel {
        const D: usize = FEATURES + 1; // weights, then the bias
        let mut beta = [0.0f64; D];
        for _ in 0..50 {
            let mut grad = [0.0f64; D];
            let mut hess = [[0.0f64; D]; D];
            for TrainingPair {
                x,
                same: y,
                weight: w,
                ..
            } in samples
            {
                let mut xi = [1.0f64; D];
                xi[..FEATURES].copy_from_slice(x);
                let z: f64 = xi.iter().zip(&beta).map(|(a, b)| a * b).sum();
                let p = sigmoid(z);
                let target = if *y { 1.0 } else { 0.0 };
                let g = w * (p - target);
                let h = w * (p * (1.0 - p)).max(1e-9);
                for a in 0..D {
                    grad[a] += g * xi[a];
                    for b in 0..D {
                        hess[a][b] += h * xi[a] * xi[b];
                    }
                }
            }
            // The bias is not penalised.
            for a in 0..FEATURES {
                grad[a] += l2 * beta[a];
                hess[a][a] += l2;
            }
            hess[D - 1][D - 1] += 1e-9;
            let Some(step) = solve(hess, grad) else {
                break;
            };
            let mut moved = 0.0f64;
            for a in 0..D {
                beta[a] -= step[a];
                moved = moved.max(step[a].abs());
            }
            if moved < 1e-9 {
                break;
            }
        }
        let mut model = PairModel {
            features: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
            weights: beta[..FEATURES].iter().map(|w| round6(*w)).collect(),
            bias: round6(beta[D - 1]),
            threshold: 0.5,
            trained_on: trained_on.to_owned(),
        };
        let sources = samples.iter().map(|s| s.source + 1).max().unwrap_or(0);
        let mut scored: Vec<Vec<(f64, bool)>> = vec![Vec::new(); sources];
        for s in samples {
            scored[s.source].push((model.probability(&s.x), s.same));
        }
        model.threshold = best_threshold(&scored);
        model
    }
}

/// One labelled pair for [`PairModel::train`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingPair {
    pub x: [f64; FEATURES],
    pub same: bool,
    /// Sample weight.
    pub weight: f64,
    /// Index of the pair's source (file or generator).
    pub source: usize,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The threshold (on a 0.01 grid) with the highest mean F1 of the positive class
/// over the groups of scored pairs; the lowest wins ties.
pub fn best_threshold(groups: &[Vec<(f64, bool)>]) -> f64 {
    let mut best = (f64::MIN, 0.5);
    for t in 5..=95 {
        let t = f64::from(t) * 0.01;
        let mut total = 0.0;
        for scored in groups {
            let (mut tp, mut fp, mut fn_) = (0u32, 0u32, 0u32);
            for &(p, y) in scored {
                match (p >= t, y) {
                    (true, true) => tp += 1,
                    (true, false) => fp += 1,
                    (false, true) => fn_ += 1,
                    _ => {}
                }
            }
            if tp > 0 {
                total += 2.0 * f64::from(tp) / f64::from(2 * tp + fp + fn_);
            }
        }
        let f1 = total / groups.len().max(1) as f64;
        if f1 > best.0 + 1e-12 {
            best = (f1, t);
        }
    }
    round6(best.1)
}

/// Solves `a x = b` by Gaussian elimination with partial pivoting; `None` when `a`
/// is singular.
fn solve<const D: usize>(mut a: [[f64; D]; D], mut b: [f64; D]) -> Option<[f64; D]> {
    for col in 0..D {
        let pivot = (col..D).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..D {
            let f = a[row][col] / a[col][col];
            if f != 0.0 {
                let pivot_row = a[col];
                for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= f * p;
                }
                b[row] -= f * b[col];
            }
        }
    }
    let mut x = [0.0f64; D];
    for row in (0..D).rev() {
        let s: f64 = (row + 1..D).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_model_loads_and_names_every_feature() {
        let m = PairModel::from_json(BUILTIN).unwrap();
        assert_eq!(m.weights.len(), FEATURES);
        assert!((0.0..1.0).contains(&m.threshold));
        assert_eq!(PairModel::builtin(), &m);
    }

    #[test]
    fn files_for_another_feature_list_are_refused() {
        let mut m = PairModel::builtin().clone();
        m.features.swap(0, 1);
        assert!(matches!(
            PairModel::from_json(&m.to_json()),
            Err(PairModelError::Features { .. })
        ));
        let mut m = PairModel::builtin().clone();
        m.weights.pop();
        assert!(matches!(
            PairModel::from_json(&m.to_json()),
            Err(PairModelError::Weights(_))
        ));
        assert!(PairModel::from_json("{").is_err());
        let text =
            PairModel::builtin()
                .to_json()
                .replacen("\"bias\": ", "\"bias\": 1e999, \"x\": ", 1);
        assert!(PairModel::from_json(&text).is_err());
    }

    #[test]
    fn training_separates_a_learnable_rule_and_is_deterministic() {
        // Same product when the titles agree and no model numbers conflict.
        let mut samples = Vec::new();
        for i in 0..400u32 {
            let mut x = [0.0; FEATURES];
            x[0] = f64::from(i % 20) / 20.0;
            x[3] = f64::from(u8::from(i % 7 == 0));
            let same = x[0] >= 0.5 && x[3] == 0.0;
            samples.push(TrainingPair {
                x,
                same,
                weight: 1.0,
                source: (i % 2) as usize,
            });
        }
        let m = PairModel::train(&samples, 0.01, "test");
        assert_eq!(m, PairModel::train(&samples, 0.01, "test"));
        assert!(m.weights[0] > 0.0 && m.weights[3] < 0.0, "{m:?}");
        let correct = samples
            .iter()
            .filter(|s| (m.probability(&s.x) >= m.threshold) == s.same)
            .count();
        assert_eq!(correct, samples.len());
    }

    #[test]
    fn scoring_orders_pairs_by_evidence() {
        let m = PairModel::builtin();
        let mut weak = [0.0; FEATURES];
        weak[0] = 0.2;
        weak[4] = 1.0;
        let mut strong = weak;
        strong[0] = 0.9;
        strong[1] = 0.9;
        let p_weak = m.probability(&weak);
        let p_strong = m.probability(&strong);
        assert!(p_weak < p_strong, "{p_weak} {p_strong}");
        assert!((0.0..=1.0).contains(&p_weak));
    }
}
