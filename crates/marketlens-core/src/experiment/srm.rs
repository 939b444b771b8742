//! Sample-ratio mismatch: do the observed counts per variant fit the declared weights?
//!
//! Pearson's chi-square goodness-of-fit test, k − 1 degrees of freedom. A p-value below
//! [`SRM_P_VALUE_THRESHOLD`] (0.001, the usual SRM alarm level: strict, because the check
//! runs again every time results are read and a broken split is rare) flags the
//! experiment: assignment or recording is broken, and its comparisons are not to be
//! trusted whatever they say.

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// Below this p-value the split is flagged as a sample-ratio mismatch.
pub const SRM_P_VALUE_THRESHOLD: f64 = 0.001;

/// The outcome of the check.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SampleRatioCheck {
    /// Pearson's chi-square statistic.
    pub chi_square: f64,
    pub degrees_of_freedom: u32,
    pub p_value: f64,
    /// The threshold the p-value was compared with.
    pub threshold: f64,
    /// `p_value < threshold`: the split does not match the weights.
    pub mismatch: bool,
}

/// Checks `observed` counts (one per variant) against `weights` (same order, relative).
/// `None` when there is nothing to check: no observation, fewer than two variants,
/// lengths that differ, or a weight that is not positive and finite.
pub fn sample_ratio_check(observed: &[u64], weights: &[f64]) -> Option<SampleRatioCheck> {
    if observed.len() != weights.len() || observed.len() < 2 {
        return None;
    }
    if !weights.iter().all(|w| w.is_finite() && *w > 0.0) {
        return None;
    }
    let total: u64 = observed.iter().sum();
    if total == 0 {
        return None;
    }
    let weight_sum: f64 = weights.iter().sum();
    let chi_square: f64 = observed
        .iter()
        .zip(weights)
        .map(|(&o, w)| {
            let expected = total as f64 * w / weight_sum;
            let diff = o as f64 - expected;
            diff * diff / expected
        })
        .sum();
    let degrees_of_freedom = (observed.len() - 1) as u32;
    let p_value = ChiSquared::new(f64::from(degrees_of_freedom))
        .ok()?
        .sf(chi_square);
    Some(SampleRatioCheck {
        chi_square,
        degrees_of_freedom,
        p_value,
        threshold: SRM_P_VALUE_THRESHOLD,
        mismatch: p_value < SRM_P_VALUE_THRESHOLD,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) {
        assert!(
            (actual - expected).abs() <= tolerance,
            "{actual} is not within {tolerance} of {expected}"
        );
    }

    #[test]
    fn matches_scipy_chisquare() {
        // python -c "from scipy.stats import chisquare; print(chisquare([5100, 4900], [5000, 5000]))"
        let check = sample_ratio_check(&[5_100, 4_900], &[1.0, 1.0]).expect("check");
        close(check.chi_square, CHI2_5100_4900, 1e-9);
        close(check.p_value, P_5100_4900, 1e-9);
        assert_eq!(check.degrees_of_freedom, 1);
        assert!(!check.mismatch);
        // python -c "from scipy.stats import chisquare; print(chisquare([310, 590, 300], [300, 600, 300]))"
        let check = sample_ratio_check(&[310, 590, 300], &[1.0, 2.0, 1.0]).expect("check");
        close(check.chi_square, CHI2_THREE, 1e-9);
        close(check.p_value, P_THREE, 1e-9);
        assert_eq!(check.degrees_of_freedom, 2);
        // python -c "from scipy.stats import chisquare; print(chisquare([6000, 4000], [5000, 5000]))"
        let check = sample_ratio_check(&[6_000, 4_000], &[1.0, 1.0]).expect("check");
        close(check.chi_square, 400.0, 1e-9);
        assert!(check.mismatch && check.p_value < 1e-80, "{check:?}");
    }

    const CHI2_5100_4900: f64 = 4.0;
    const P_5100_4900: f64 = 0.04550026389635857;
    const CHI2_THREE: f64 = 0.5;
    const P_THREE: f64 = 0.7788007830714049;

    #[test]
    fn nothing_to_check_gives_none() {
        assert!(sample_ratio_check(&[], &[]).is_none());
        assert!(sample_ratio_check(&[3], &[1.0]).is_none());
        assert!(sample_ratio_check(&[0, 0], &[1.0, 1.0]).is_none());
        assert!(sample_ratio_check(&[3, 4], &[1.0]).is_none());
        assert!(sample_ratio_check(&[3, 4], &[1.0, 0.0]).is_none());
        assert!(sample_ratio_check(&[3, 4], &[1.0, f64::NAN]).is_none());
    }
}
