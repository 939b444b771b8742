//! The learned pair model: how likely two listings are one product, from the pair
//! features of [`super::pair_features::PairFeatures`].
//!
//! The score is a logistic regression over the features plus a small ensemble of
//! gradient-boosted trees fitted to what the linear part misses (a feature that
//! matters only with another: numbers in one title only weigh differently when the
//! titles are a short name and a long description). The weights shipped with the
//! binary (`pair_model.json`) are trained with `marketlens eval matching --train`
//! (see the README for the exact command and its data); [`PairModel::train`] is
//! deterministic, so the same pairs give the same file. The linear weights are
//! fitted by Newton's method (iteratively reweighted least squares) with an L2
//! penalty, the trees by second-order boosting on the logistic loss (depth
//! [`TREE_DEPTH`], shrinkage [`LEARNING_RATE`]); the probability threshold is the
//! one with the best mean F1 over the training sources.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::pair_features::{CodeAgreement, PairFeatures};

/// The model's inputs, in order; a weights file names them so a file trained for
/// another feature list is refused.
pub const FEATURE_NAMES: [&str; FEATURES] = [
    "title_cosine",
    "title_containment",
    "code_agree",
    "code_conflict",
    "code_one_side",
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

pub const FEATURES: usize = 21;

/// The feature vector of a pair: every entry is bounded (counts are capped), so no
/// scaling is needed and one odd pair cannot dominate.
pub fn feature_vector(f: &PairFeatures) -> [f64; FEATURES] {
    let b = |x: bool| if x { 1.0 } else { 0.0 };
    let (agree, conflict, one_side, unknown) = match f.code {
        CodeAgreement::Agree(s) => (s, 0.0, 0.0, 0.0),
        CodeAgreement::Conflict => (0.0, 1.0, 0.0, 0.0),
        CodeAgreement::OneSide => (0.0, 0.0, 1.0, 0.0),
        CodeAgreement::Unknown => (0.0, 0.0, 0.0, 1.0),
    };
    let cap = |n: u32, max: u32| f64::from(n.min(max));
    [
        f.title_similarity,
        f.title_containment,
        agree,
        conflict,
        one_side,
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
        b(f.accessory_mismatch),
        b(f.figures_conflict),
        f.price_ratio.map_or(0.0, |r| r.ln().clamp(0.0, 3.0)),
        b(f.price_ratio.is_some()),
        f.category_similarity.unwrap_or(0.0),
        if agree > 0.0 { f.title_similarity } else { 0.0 },
    ]
}

/// A trained model: one weight per feature, a bias, boosted trees, and the
/// probability from which a pair is the same product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairModel {
    /// [`FEATURE_NAMES`], as trained.
    pub features: Vec<String>,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Added to the linear score.
    #[serde(default)]
    pub trees: Vec<Tree>,
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
    #[error("pair model tree {0} is malformed (a child before its parent, or out of range)")]
    Tree(usize),
}

/// One regression tree, nodes in creation order (the root first; children always
/// after their parent, so scoring ends).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

/// A split (`f`eature below `t` → `l`, else `r`) or a leaf `v`alue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Node {
    Split {
        f: usize,
        t: f64,
        l: usize,
        r: usize,
    },
    Leaf {
        v: f64,
    },
}

impl Tree {
    fn score(&self, x: &[f64; FEATURES]) -> f64 {
        let mut i = 0;
        loop {
            match self.nodes.get(i) {
                Some(Node::Split { f, t, l, r }) => i = if x[*f] < *t { *l } else { *r },
                Some(Node::Leaf { v }) => return *v,
                None => return 0.0,
            }
        }
    }

    fn is_well_formed(&self) -> bool {
        !self.nodes.is_empty()
            && self.nodes.iter().enumerate().all(|(i, n)| match n {
                Node::Split { f, t, l, r } => {
                    *f < FEATURES
                        && t.is_finite()
                        && *l > i
                        && *r > i
                        && *l < self.nodes.len()
                        && *r < self.nodes.len()
                }
                Node::Leaf { v } => v.is_finite(),
            })
    }
}

/// Depth of each boosted tree.
pub const TREE_DEPTH: usize = 3;
/// Shrinkage of each tree's leaf values.
pub const LEARNING_RATE: f64 = 0.1;
/// L2 penalty on leaf values (in hessian units).
const LEAF_L2: f64 = 1.0;
/// A split must leave at least this hessian weight on each side.
const MIN_CHILD_WEIGHT: f64 = 5.0;

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
        if let Some(i) = m.trees.iter().position(|t| !t.is_well_formed()) {
            return Err(PairModelError::Tree(i));
        }
        Ok(m)
    }

    /// The model as JSON (what `--train` writes).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn linear(&self, x: &[f64; FEATURES]) -> f64 {
        self.bias + self.weights.iter().zip(x).map(|(w, v)| w * v).sum::<f64>()
    }

    /// Probability that the pair with these features is one product.
    pub fn probability(&self, x: &[f64; FEATURES]) -> f64 {
        let z = self.linear(x) + self.trees.iter().map(|t| t.score(x)).sum::<f64>();
        sigmoid(z)
    }

    /// Trains on labelled feature vectors, each with a sample weight (so that one
    /// source of pairs does not outweigh another by its size) and the index of its
    /// source: the threshold is the one with the best mean F1 over the sources
    /// (weighted as the sources are), so that it suits each of them rather than the
    /// largest. Deterministic.
    pub fn train(samples: &[TrainingPair], l2: f64, trees: usize, trained_on: &str) -> PairModel {
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
            trees: Vec::new(),
            threshold: 0.5,
            trained_on: trained_on.to_owned(),
        };
        model.trees = boost(samples, &model, trees);
        let sources = samples.iter().map(|s| s.source + 1).max().unwrap_or(0);
        let mut scored: Vec<(f64, Vec<(f64, bool)>)> = vec![(0.0, Vec::new()); sources];
        for s in samples {
            scored[s.source].0 += s.weight;
            scored[s.source].1.push((model.probability(&s.x), s.same));
        }
        model.threshold = best_threshold(&scored);
        model
    }
}

/// Boosted trees fitted, one after the other, to the gradient of the logistic loss
/// of the model so far (starting from its linear part).
fn boost(samples: &[TrainingPair], linear: &PairModel, rounds: usize) -> Vec<Tree> {
    let n = samples.len();
    let mut margin: Vec<f64> = samples.iter().map(|s| linear.linear(&s.x)).collect();
    // Sample indices sorted by each feature, once.
    let sorted: Vec<Vec<usize>> = (0..FEATURES)
        .map(|f| {
            let mut idx: Vec<usize> = (0..n).collect();
            idx.sort_by(|&a, &b| samples[a].x[f].total_cmp(&samples[b].x[f]).then(a.cmp(&b)));
            idx
        })
        .collect();
    let mut trees = Vec::with_capacity(rounds);
    let mut grad = vec![0.0f64; n];
    let mut hess = vec![0.0f64; n];
    for _ in 0..rounds {
        for (i, s) in samples.iter().enumerate() {
            let p = sigmoid(margin[i]);
            let y = if s.same { 1.0 } else { 0.0 };
            grad[i] = s.weight * (p - y);
            hess[i] = s.weight * (p * (1.0 - p)).max(1e-9);
        }
        let tree = grow(samples, &sorted, &grad, &hess);
        for (i, s) in samples.iter().enumerate() {
            margin[i] += tree.score(&s.x);
        }
        trees.push(tree);
    }
    trees
}

/// One tree, grown level by level with the best gain split of each leaf.
fn grow(samples: &[TrainingPair], sorted: &[Vec<usize>], grad: &[f64], hess: &[f64]) -> Tree {
    let n = samples.len();
    // Leaves being grown: node index; every sample's node.
    let mut nodes: Vec<Node> = vec![Node::Leaf { v: 0.0 }];
    let mut node_of = vec![0usize; n];
    let mut frontier: Vec<usize> = vec![0];
    let leaf_value = |g: f64, h: f64| round6(-g / (h + LEAF_L2) * LEARNING_RATE);
    for _ in 0..TREE_DEPTH {
        let slots = nodes.len();
        let mut total_g = vec![0.0f64; slots];
        let mut total_h = vec![0.0f64; slots];
        for i in 0..n {
            total_g[node_of[i]] += grad[i];
            total_h[node_of[i]] += hess[i];
        }
        // Best split per frontier node: (gain, feature, threshold).
        let mut best: Vec<Option<(f64, usize, f64)>> = vec![None; slots];
        for (f, order) in sorted.iter().enumerate() {
            let mut acc_g = vec![0.0f64; slots];
            let mut acc_h = vec![0.0f64; slots];
            let mut last: Vec<Option<f64>> = vec![None; slots];
            for &i in order {
                let k = node_of[i];
                if !frontier.contains(&k) {
                    continue;
                }
                let v = samples[i].x[f];
                if let Some(prev) = last[k]
                    && v > prev
                {
                    let (gl, hl) = (acc_g[k], acc_h[k]);
                    let (gr, hr) = (total_g[k] - gl, total_h[k] - hl);
                    if hl >= MIN_CHILD_WEIGHT && hr >= MIN_CHILD_WEIGHT {
                        let gain = gl * gl / (hl + LEAF_L2) + gr * gr / (hr + LEAF_L2)
                            - total_g[k] * total_g[k] / (total_h[k] + LEAF_L2);
                        if best[k].is_none_or(|(b, _, _)| gain > b + 1e-12) {
                            best[k] = Some((gain, f, (prev + v) / 2.0));
                        }
                    }
                }
                acc_g[k] += grad[i];
                acc_h[k] += hess[i];
                last[k] = Some(v);
            }
        }
        let mut next = Vec::new();
        for &k in &frontier {
            match best[k] {
                Some((gain, f, t)) if gain > 1e-9 => {
                    let (l, r) = (nodes.len(), nodes.len() + 1);
                    nodes.push(Node::Leaf { v: 0.0 });
                    nodes.push(Node::Leaf { v: 0.0 });
                    nodes[k] = Node::Split { f, t, l, r };
                    next.push(l);
                    next.push(r);
                }
                _ => {
                    nodes[k] = Node::Leaf {
                        v: leaf_value(total_g[k], total_h[k]),
                    }
                }
            }
        }
        for i in 0..n {
            if let Node::Split { f, t, l, r } = nodes[node_of[i]] {
                node_of[i] = if samples[i].x[f] < t { l } else { r };
            }
        }
        frontier = next;
        if frontier.is_empty() {
            break;
        }
    }
    // The last level's leaves.
    let mut g = vec![0.0f64; nodes.len()];
    let mut h = vec![0.0f64; nodes.len()];
    for i in 0..n {
        g[node_of[i]] += grad[i];
        h[node_of[i]] += hess[i];
    }
    for k in frontier {
        nodes[k] = Node::Leaf {
            v: leaf_value(g[k], h[k]),
        };
    }
    Tree { nodes }
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
/// over the groups of scored pairs, each group weighted; the lowest wins ties.
pub fn best_threshold(groups: &[(f64, Vec<(f64, bool)>)]) -> f64 {
    let mut best = (f64::MIN, 0.5);
    for t in 5..=95 {
        let t = f64::from(t) * 0.01;
        let mut total = 0.0;
        for (weight, scored) in groups {
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
                total += weight * 2.0 * f64::from(tp) / f64::from(2 * tp + fp + fn_);
            }
        }
        let f1 = total;
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
                .replacen("\"bias\":", "\"bias\": 1e999, \"x\":", 1);
        assert!(PairModel::from_json(&text).is_err());
    }

    /// `n` pairs of weight 1 spread over `sources` sources; `label(i, x)` sets pair
    /// `i`'s features (zero otherwise) and says whether it is the same product.
    fn synthetic(
        n: u32,
        sources: u32,
        label: impl Fn(u32, &mut [f64; FEATURES]) -> bool,
    ) -> Vec<TrainingPair> {
        (0..n)
            .map(|i| {
                let mut x = [0.0; FEATURES];
                let same = label(i, &mut x);
                TrainingPair {
                    x,
                    same,
                    weight: 1.0,
                    source: (i % sources) as usize,
                }
            })
            .collect()
    }

    /// How many of `samples` the model classifies right.
    fn classified_right(m: &PairModel, samples: &[TrainingPair]) -> usize {
        samples
            .iter()
            .filter(|s| (m.probability(&s.x) >= m.threshold) == s.same)
            .count()
    }

    #[test]
    fn training_separates_a_learnable_rule_and_is_deterministic() {
        // Same product when the titles agree and no model numbers conflict.
        let samples = synthetic(400, 2, |i, x| {
            x[0] = f64::from(i % 20) / 20.0;
            x[3] = f64::from(u8::from(i % 7 == 0));
            x[0] >= 0.5 && x[3] == 0.0
        });
        let m = PairModel::train(&samples, 0.01, 0, "test");
        assert_eq!(m, PairModel::train(&samples, 0.01, 0, "test"));
        assert!(m.weights[0] > 0.0 && m.weights[3] < 0.0, "{m:?}");
        assert_eq!(classified_right(&m, &samples), samples.len());
    }

    #[test]
    fn trees_learn_what_a_linear_score_cannot() {
        // Same product only in a middle band of one feature: no linear score does it.
        let samples = synthetic(300, 1, |i, x| {
            x[0] = f64::from(i % 3) / 2.0;
            i % 3 == 1
        });
        let linear = PairModel::train(&samples, 0.01, 0, "test");
        let boosted = PairModel::train(&samples, 0.01, 30, "test");
        assert!(classified_right(&linear, &samples) < samples.len());
        assert_eq!(classified_right(&boosted, &samples), samples.len());
        assert_eq!(boosted, PairModel::train(&samples, 0.01, 30, "test"));
        // Its file reads back the same, and a tree pointing backwards is refused.
        assert_eq!(PairModel::from_json(&boosted.to_json()).unwrap(), boosted);
        let mut bad = boosted.clone();
        bad.trees[0].nodes[0] = Node::Split {
            f: 0,
            t: 0.5,
            l: 0,
            r: 0,
        };
        assert!(matches!(
            PairModel::from_json(&bad.to_json()),
            Err(PairModelError::Tree(0))
        ));
    }

    #[test]
    fn scoring_orders_pairs_by_evidence() {
        let m = PairModel::builtin();
        let mut weak = [0.0; FEATURES];
        weak[0] = 0.2;
        weak[5] = 1.0;
        let mut strong = weak;
        strong[0] = 0.9;
        strong[1] = 0.9;
        let p_weak = m.probability(&weak);
        let p_strong = m.probability(&strong);
        assert!(p_weak < p_strong, "{p_weak} {p_strong}");
        assert!((0.0..=1.0).contains(&p_weak));
    }
}
