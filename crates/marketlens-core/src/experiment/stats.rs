//! The estimates and tests experiment results are read with.
//!
//! Conventions: intervals are two-sided at [`CONFIDENCE_LEVEL`]; tests are two-sided and
//! a difference is significant when its p-value is below [`SIGNIFICANCE_LEVEL`];
//! differences are always *treatment − control*. Every function returns `None` where
//! the quantity is undefined (too few values, a non-finite value, a zero standard error)
//! rather than a made-up number. Reference values in the tests come from SciPy and
//! statsmodels; the one-liner that produced each is in a comment beside it.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Confidence level of every interval.
pub const CONFIDENCE_LEVEL: f64 = 0.95;
/// A difference whose two-sided p-value is below this is significant.
pub const SIGNIFICANCE_LEVEL: f64 = 0.05;
/// Below this many observations in either variant, a comparison names no winner.
///
/// Why 100: under it, the normal approximations behind the z test and the Wilson
/// interval are rough, and a 5%-level test has little power against the differences
/// worth acting on (about 20 points of useful-rate, or 0.4 of a 1–5 rating), so an
/// early "winner" would mostly be noise.
pub const MIN_SAMPLES_PER_VARIANT: u64 = 100;

/// A mean with its Student t confidence interval.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MeanEstimate {
    pub n: u64,
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator).
    pub std_dev: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A rate (successes / trials) with its Wilson score interval.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RateEstimate {
    pub successes: u64,
    pub trials: u64,
    pub rate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// A two-sided test of treatment − control.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DifferenceTest {
    /// Treatment − control (of the means, or of the rates).
    pub difference: f64,
    /// The t (Welch) or z (two proportions) statistic.
    pub statistic: f64,
    /// Welch–Satterthwaite degrees of freedom; `None` for the z test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degrees_of_freedom: Option<f64>,
    pub p_value: f64,
    /// `p_value < SIGNIFICANCE_LEVEL`.
    pub significant: bool,
}

/// Which way a metric improves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Ratings, useful-rate.
    HigherIsBetter,
    /// Quality-check failures, latency, cost.
    LowerIsBetter,
}

/// What a comparison concludes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Verdict {
    /// A variant has fewer than `min_per_variant` observations: no winner is named.
    NotEnoughData { min_per_variant: u64 },
    /// Enough data, but no significant difference (or the test is undefined, e.g. both
    /// variants gave the same answer every time).
    NoSignificantDifference,
    /// The named variant is significantly better.
    Winner { variant: String },
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::NotEnoughData { min_per_variant } => write!(
                f,
                "not enough data: at least {min_per_variant} observations per variant are needed"
            ),
            Verdict::NoSignificantDifference => f.write_str("no significant difference"),
            Verdict::Winner { variant } => write!(f, "{variant} is significantly better"),
        }
    }
}

/// A control and a treatment compared on one metric.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comparison {
    pub control: String,
    pub treatment: String,
    /// The verdict in words ("not enough data: …", "no significant difference", …).
    pub summary: String,
    /// `None` when there is not enough data or the test is undefined.
    pub test: Option<DifferenceTest>,
    pub verdict: Verdict,
}

/// One side of a comparison: the variant's name and its observations.
#[derive(Debug, Clone, Copy)]
pub struct Arm<'a, T> {
    pub name: &'a str,
    pub data: T,
}

/// Mean with its t interval; `None` under two values or with a non-finite value.
pub fn mean_with_interval(values: &[f64]) -> Option<MeanEstimate> {
    let (n, mean, variance) = mean_and_variance(values)?;
    let std_dev = variance.sqrt();
    let half_width = if std_dev == 0.0 {
        0.0
    } else {
        let t = StudentsT::new(0.0, 1.0, (n - 1) as f64).ok()?;
        t.inverse_cdf(upper_quantile()) * std_dev / (n as f64).sqrt()
    };
    Some(MeanEstimate {
        n,
        mean,
        std_dev,
        ci_low: mean - half_width,
        ci_high: mean + half_width,
    })
}

/// Rate with its Wilson score interval; `None` without trials or with more successes
/// than trials. Wilson rather than the textbook (Wald) interval: it stays inside [0, 1]
/// and keeps its coverage for small samples and rates near 0 or 1.
pub fn wilson_interval(successes: u64, trials: u64) -> Option<RateEstimate> {
    if trials == 0 || successes > trials {
        return None;
    }
    let z = standard_normal()?.inverse_cdf(upper_quantile());
    let n = trials as f64;
    let rate = successes as f64 / n;
    let z2 = z * z;
    let centre = (rate + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half_width = z / (1.0 + z2 / n) * (rate * (1.0 - rate) / n + z2 / (4.0 * n * n)).sqrt();
    Some(RateEstimate {
        successes,
        trials,
        rate,
        ci_low: (centre - half_width).max(0.0),
        ci_high: (centre + half_width).min(1.0),
    })
}

/// Welch's two-sided t test of mean(treatment) − mean(control), which does not assume
/// equal variances. `None` under two values on a side, with a non-finite value, or when
/// both sides are constant (the standard error is zero).
pub fn welch_t_test(control: &[f64], treatment: &[f64]) -> Option<DifferenceTest> {
    let (n_c, mean_c, var_c) = mean_and_variance(control)?;
    let (n_t, mean_t, var_t) = mean_and_variance(treatment)?;
    let (se2_c, se2_t) = (var_c / n_c as f64, var_t / n_t as f64);
    let se2 = se2_c + se2_t;
    if se2 <= 0.0 {
        return None;
    }
    let difference = mean_t - mean_c;
    let statistic = difference / se2.sqrt();
    let df = se2 * se2 / (se2_c * se2_c / (n_c - 1) as f64 + se2_t * se2_t / (n_t - 1) as f64);
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let p_value = (2.0 * t.sf(statistic.abs())).min(1.0);
    Some(DifferenceTest {
        difference,
        statistic,
        degrees_of_freedom: Some(df),
        p_value,
        significant: p_value < SIGNIFICANCE_LEVEL,
    })
}

/// Two-sided two-proportion z test of rate(treatment) − rate(control), with the pooled
/// rate in the standard error (the test of "no difference"). `None` without trials on a
/// side, with more successes than trials, or when the pooled rate is 0 or 1.
pub fn two_proportion_z_test(control: (u64, u64), treatment: (u64, u64)) -> Option<DifferenceTest> {
    let ((s_c, n_c), (s_t, n_t)) = (control, treatment);
    if n_c == 0 || n_t == 0 || s_c > n_c || s_t > n_t {
        return None;
    }
    let (n_c, n_t) = (n_c as f64, n_t as f64);
    let pooled = (s_c + s_t) as f64 / (n_c + n_t);
    let se = (pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t)).sqrt();
    if se <= 0.0 || !se.is_finite() {
        return None;
    }
    let difference = s_t as f64 / n_t - s_c as f64 / n_c;
    let statistic = difference / se;
    let p_value = (2.0 * standard_normal()?.sf(statistic.abs())).min(1.0);
    Some(DifferenceTest {
        difference,
        statistic,
        degrees_of_freedom: None,
        p_value,
        significant: p_value < SIGNIFICANCE_LEVEL,
    })
}

/// The `q` quantile (0–1) by linear interpolation (NumPy's default); `None` when empty
/// or when a value is not finite.
pub fn percentile(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() || !values.iter().all(|v| v.is_finite()) || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    // The definition of `analysis::stats::quantile_sorted`, written here because
    // `analysis` depends on `ports`, which depend on this module.
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    Some(sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64))
}

/// Compares the means of two variants with Welch's test.
pub fn compare_means(
    control: Arm<'_, &[f64]>,
    treatment: Arm<'_, &[f64]>,
    direction: Direction,
) -> Comparison {
    let sizes = (control.data.len() as u64, treatment.data.len() as u64);
    conclude(control.name, treatment.name, sizes, direction, || {
        welch_t_test(control.data, treatment.data)
    })
}

/// Compares the rates of two variants, each given as (successes, trials), with the
/// two-proportion z test.
pub fn compare_rates(
    control: Arm<'_, (u64, u64)>,
    treatment: Arm<'_, (u64, u64)>,
    direction: Direction,
) -> Comparison {
    let sizes = (control.data.1, treatment.data.1);
    conclude(control.name, treatment.name, sizes, direction, || {
        two_proportion_z_test(control.data, treatment.data)
    })
}

fn conclude(
    control: &str,
    treatment: &str,
    (n_control, n_treatment): (u64, u64),
    direction: Direction,
    test: impl FnOnce() -> Option<DifferenceTest>,
) -> Comparison {
    let (test, verdict) = if n_control.min(n_treatment) < MIN_SAMPLES_PER_VARIANT {
        let verdict = Verdict::NotEnoughData {
            min_per_variant: MIN_SAMPLES_PER_VARIANT,
        };
        (None, verdict)
    } else {
        let test = test();
        let verdict = match &test {
            Some(t) if t.significant => {
                let treatment_better = match direction {
                    Direction::HigherIsBetter => t.difference > 0.0,
                    Direction::LowerIsBetter => t.difference < 0.0,
                };
                let variant = if treatment_better { treatment } else { control };
                Verdict::Winner {
                    variant: variant.to_owned(),
                }
            }
            _ => Verdict::NoSignificantDifference,
        };
        (test, verdict)
    };
    Comparison {
        control: control.to_owned(),
        treatment: treatment.to_owned(),
        summary: verdict.to_string(),
        test,
        verdict,
    }
}

/// (n, mean, sample variance) of at least two finite values.
fn mean_and_variance(values: &[f64]) -> Option<(u64, f64, f64)> {
    if values.len() < 2 || !values.iter().all(|v| v.is_finite()) {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    Some((values.len() as u64, mean, variance))
}

/// The quantile that bounds a two-sided interval at the confidence level (0.975).
fn upper_quantile() -> f64 {
    1.0 - (1.0 - CONFIDENCE_LEVEL) / 2.0
}

fn standard_normal() -> Option<Normal> {
    Normal::new(0.0, 1.0).ok()
}

#[cfg(test)]
mod tests;
