//! Reference values: computed once with SciPy 1.17 / statsmodels 0.15 / NumPy (the
//! one-liner beside each), pasted here as numbers so the tests need no Python.

use super::*;

fn close(actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{actual} is not within {tolerance} of {expected}"
    );
}

fn arm<T>(name: &str, data: T) -> Arm<'_, T> {
    Arm { name, data }
}

const RATINGS_CONTROL: [f64; 12] = [4.0, 5.0, 3.0, 4.0, 4.0, 2.0, 5.0, 4.0, 3.0, 5.0, 4.0, 4.0];
const RATINGS_TREATMENT: [f64; 11] = [3.0, 2.0, 4.0, 3.0, 3.0, 2.0, 1.0, 3.0, 4.0, 2.0, 3.0];

#[test]
fn mean_interval_matches_scipy_t_interval() {
    // a=RATINGS_CONTROL; st.t.interval(0.95, len(a)-1, loc=np.mean(a), scale=st.sem(a))
    //   -> (3.344620058883157, 4.488713274450176); np.std(a, ddof=1) -> 0.90033663737852
    let m = mean_with_interval(&RATINGS_CONTROL).expect("estimate");
    assert_eq!(m.n, 12);
    close(m.mean, 3.9166666666666665, 1e-12);
    close(m.std_dev, 0.90033663737852, 1e-12);
    close(m.ci_low, 3.344620058883157, 1e-8);
    close(m.ci_high, 4.488713274450176, 1e-8);
}

#[test]
fn mean_interval_is_undefined_without_two_finite_values_and_flat_for_constants() {
    assert!(mean_with_interval(&[]).is_none());
    assert!(mean_with_interval(&[4.0]).is_none());
    assert!(mean_with_interval(&[4.0, f64::NAN]).is_none());
    let flat = mean_with_interval(&[3.0, 3.0, 3.0]).expect("estimate");
    assert_eq!((flat.ci_low, flat.mean, flat.ci_high), (3.0, 3.0, 3.0));
}

#[test]
fn welch_matches_scipy_ttest_ind_unequal_variances() {
    // st.ttest_ind(RATINGS_TREATMENT, RATINGS_CONTROL, equal_var=False)
    //   -> statistic -3.1570945914881485, pvalue 0.004790613756529125, df 20.808834687646097
    let t = welch_t_test(&RATINGS_CONTROL, &RATINGS_TREATMENT).expect("test");
    close(t.statistic, -3.1570945914881485, 1e-10);
    close(t.p_value, 0.004790613756529125, 1e-9);
    close(t.degrees_of_freedom.expect("df"), 20.808834687646097, 1e-9);
    close(t.difference, 30.0 / 11.0 - 47.0 / 12.0, 1e-12);
    assert!(t.significant);
    // st.ttest_ind([1.0,1.05,0.9,1.2,1.1,0.85,1.0], [1.2,0.8,1.1,0.95,1.3], equal_var=False)
    //   -> statistic -0.5602384375355559, pvalue 0.5955525896430138, df 6.01437523237829
    let control = [1.2, 0.8, 1.1, 0.95, 1.3];
    let treatment = [1.0, 1.05, 0.9, 1.2, 1.1, 0.85, 1.0];
    let t = welch_t_test(&control, &treatment).expect("test");
    close(t.statistic, -0.5602384375355559, 1e-10);
    close(t.p_value, 0.5955525896430138, 1e-9);
    close(t.degrees_of_freedom.expect("df"), 6.01437523237829, 1e-9);
    assert!(!t.significant);
}

#[test]
fn welch_is_undefined_for_constant_or_tiny_samples() {
    assert!(welch_t_test(&[2.0, 2.0], &[3.0, 3.0]).is_none());
    assert!(welch_t_test(&[2.0], &[3.0, 4.0]).is_none());
    assert!(welch_t_test(&[2.0, f64::INFINITY], &[3.0, 4.0]).is_none());
}

#[test]
fn wilson_matches_statsmodels_proportion_confint() {
    // proportion_confint(s, n, alpha=0.05, method='wilson')
    let cases = [
        (37, 120, 0.23272736988916298, 0.39582997723800684),
        (0, 10, 0.0, 0.27753279986288926),
        (10, 10, 0.7224672001371106, 1.0),
        (1, 3, 0.06149194472039626, 0.7923403991979523),
    ];
    for (successes, trials, low, high) in cases {
        let r = wilson_interval(successes, trials).expect("estimate");
        close(r.rate, successes as f64 / trials as f64, 1e-15);
        close(r.ci_low, low, 1e-9);
        close(r.ci_high, high, 1e-9);
    }
    assert!(wilson_interval(0, 0).is_none());
    assert!(wilson_interval(4, 3).is_none());
}

#[test]
fn two_proportion_z_matches_statsmodels_proportions_ztest() {
    // proportions_ztest([52, 37], [120, 118]) -> (1.9093896418063985, 0.056211846009948205)
    let z = two_proportion_z_test((37, 118), (52, 120)).expect("test");
    close(z.statistic, 1.9093896418063985, 1e-10);
    close(z.p_value, 0.056211846009948205, 1e-10);
    assert!(z.degrees_of_freedom.is_none());
    assert!(!z.significant);
    // proportions_ztest([480, 520], [1000, 1000]) -> (-1.7888543819998333, 0.0736382701203024)
    let z = two_proportion_z_test((520, 1000), (480, 1000)).expect("test");
    close(z.statistic, -1.7888543819998333, 1e-10);
    close(z.p_value, 0.0736382701203024, 1e-10);
    close(z.difference, -0.04, 1e-12);
    assert!(two_proportion_z_test((0, 50), (0, 60)).is_none());
    assert!(two_proportion_z_test((50, 50), (60, 60)).is_none());
    assert!(two_proportion_z_test((1, 0), (3, 10)).is_none());
}

#[test]
fn percentiles_match_numpy_linear_interpolation() {
    // np.percentile([120,340,95,410,230,180,2750,260,150,310,205], [50, 95]) -> [230., 1580.]
    let latencies = [
        120.0, 340.0, 95.0, 410.0, 230.0, 180.0, 2750.0, 260.0, 150.0, 310.0, 205.0,
    ];
    close(percentile(&latencies, 0.5).expect("p50"), 230.0, 1e-9);
    close(percentile(&latencies, 0.95).expect("p95"), 1580.0, 1e-9);
    assert!(percentile(&[], 0.5).is_none());
    assert!(percentile(&[1.0, f64::NAN], 0.5).is_none());
    assert!(percentile(&[1.0], 1.5).is_none());
}

#[test]
fn under_the_minimum_sample_size_no_winner_is_named() {
    // A difference that is significant (p ≈ 0.005, above) but on 12 and 11 ratings.
    let c = compare_means(
        arm("control", &RATINGS_CONTROL[..]),
        arm("treatment", &RATINGS_TREATMENT[..]),
        Direction::HigherIsBetter,
    );
    assert_eq!(
        c.verdict,
        Verdict::NotEnoughData {
            min_per_variant: MIN_SAMPLES_PER_VARIANT
        }
    );
    assert!(c.test.is_none());
    assert!(c.summary.starts_with("not enough data"), "{}", c.summary);
    let rates = compare_rates(
        arm("control", (10, 99)),
        arm("treatment", (90, 1000)),
        Direction::HigherIsBetter,
    );
    assert!(matches!(rates.verdict, Verdict::NotEnoughData { .. }));
}

#[test]
fn with_enough_data_the_better_variant_wins_in_the_metrics_direction() {
    let control: Vec<f64> = RATINGS_CONTROL.iter().cycle().take(120).copied().collect();
    let treatment: Vec<f64> = RATINGS_TREATMENT
        .iter()
        .cycle()
        .take(110)
        .copied()
        .collect();
    // Control rates higher: it wins when higher is better, the treatment when lower is.
    for (direction, winner) in [
        (Direction::HigherIsBetter, "control"),
        (Direction::LowerIsBetter, "treatment"),
    ] {
        let c = compare_means(
            arm("control", &control[..]),
            arm("treatment", &treatment[..]),
            direction,
        );
        let expected = Verdict::Winner {
            variant: winner.into(),
        };
        assert_eq!(c.verdict, expected, "{direction:?}");
        assert!(c.test.as_ref().is_some_and(|t| t.p_value < 1e-6));
    }
    // proportions_ztest([480, 520], [1000, 1000]): p ≈ 0.074, not significant.
    let close_rates = compare_rates(
        arm("control", (520, 1000)),
        arm("treatment", (480, 1000)),
        Direction::HigherIsBetter,
    );
    assert_eq!(close_rates.verdict, Verdict::NoSignificantDifference);
    assert!(close_rates.test.is_some());
}
