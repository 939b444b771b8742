//! A/B experiments: who sees which variant, whether the split is healthy, and whether
//! one variant beats another.
//!
//! Everything here is pure: the store keeps experiments, the service records which
//! variant each query ran with, and these functions turn plain counts and samples into
//! decisions.
//!
//! - [`assign`]: the variants of an experiment (parsed once, weights included) and the
//!   stable assignment of a user, or of a query's fingerprint when there is no user, to
//!   one of them: a keyed hash, so every process agrees without sharing state.
//! - [`srm`]: the sample-ratio-mismatch check (chi-square goodness of fit of the
//!   observed counts against the weights): a split that drifts from its weights means
//!   assignment or logging is broken, and no comparison of that experiment can be trusted.
//! - [`stats`]: the estimates and tests the results compare variants with: means with a
//!   Student t interval, rates with a Wilson interval, Welch's t test and the
//!   two-proportion z test (two-sided p-values), and the minimum sample size below which
//!   no winner is named.

pub mod assign;
pub mod srm;
pub mod stats;

pub use assign::{AssignmentKey, ExperimentAssignment, Variant, Variants, assign};
pub use srm::{SRM_P_VALUE_THRESHOLD, SampleRatioCheck, sample_ratio_check};
pub use stats::{
    Arm, CONFIDENCE_LEVEL, Comparison, DifferenceTest, Direction, MIN_SAMPLES_PER_VARIANT,
    MeanEstimate, RateEstimate, SIGNIFICANCE_LEVEL, Verdict, compare_means, compare_rates,
    mean_with_interval, percentile, two_proportion_z_test, welch_t_test, wilson_interval,
};
