//! Small statistics shared by the analyses and the evaluation commands: quantiles,
//! Pearson and Spearman correlation, ranks with ties. Pure functions on `f64` slices.

/// Linear-interpolation quantile (type 7, as R and NumPy default) of sorted values.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// Pearson correlation of two equally long series; `None` when there are fewer than two
/// pairs, the lengths differ, a value is not finite, or either series is constant (the
/// correlation is then undefined, not zero).
pub fn pearson(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || xs.len() < 2 {
        return None;
    }
    if !xs.iter().chain(ys).all(|v| v.is_finite()) {
        return None;
    }
    let n = xs.len() as f64;
    let mx = xs.iter().sum::<f64>() / n;
    let my = ys.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in xs.iter().zip(ys) {
        let (dx, dy) = (x - mx, y - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return None;
    }
    Some((sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0))
}

/// Ranks from 1, ties sharing the mean of the ranks they span ("fractional" ranking,
/// which keeps Spearman's rho equal to Pearson's r on the ranks).
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) hold equal values: ranks i+1 ..= j+1, mean below.
        let rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = rank;
        }
        i = j + 1;
    }
    ranks
}

/// Spearman rank correlation: Pearson's r on the average ranks. Same `None` cases as
/// [`pearson`].
pub fn spearman(xs: &[f64], ys: &[f64]) -> Option<f64> {
    if xs.len() != ys.len() || !xs.iter().chain(ys).all(|v| v.is_finite()) {
        return None;
    }
    pearson(&average_ranks(xs), &average_ranks(ys))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interpolates() {
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.5), 1.5);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn pearson_of_hand_computed_series() {
        // x = 1,2,3 and y = 2,4,7: means 2 and 13/3; Sxy = 5, Sxx = 2, Syy = 38/3,
        // r = 5 / sqrt(2 · 38/3) = 0.99339…
        let r = pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 7.0]).unwrap();
        assert!(
            (r - 5.0 / (2.0f64 * 38.0 / 3.0).sqrt()).abs() < 1e-12,
            "{r}"
        );
        assert_eq!(pearson(&[1.0, 2.0], &[2.0, 1.0]), Some(-1.0));
    }

    #[test]
    fn pearson_is_undefined_for_empty_single_constant_or_mismatched_input() {
        assert_eq!(pearson(&[], &[]), None);
        assert_eq!(pearson(&[1.0], &[1.0]), None);
        assert_eq!(pearson(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(pearson(&[1.0, 2.0], &[1.0]), None);
        assert_eq!(pearson(&[1.0, f64::NAN], &[1.0, 2.0]), None);
    }

    #[test]
    fn ties_share_their_mean_rank() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 10.0, 5.0]),
            [2.5, 4.0, 2.5, 1.0]
        );
        assert_eq!(average_ranks(&[]), Vec::<f64>::new());
        assert_eq!(average_ranks(&[7.0, 7.0, 7.0]), [2.0, 2.0, 2.0]);
    }

    #[test]
    fn spearman_sees_monotonic_relations_and_ignores_outliers() {
        // Monotonic but far from linear: rho is exactly 1, r is not.
        let x = [1.0, 2.0, 3.0, 4.0, 1000.0];
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(spearman(&x, &y), Some(1.0));
        assert!(pearson(&x, &y).unwrap() < 0.8);
        // Reversed order: -1.
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        // Hand-computed with a tie: x ranks 1,2,3,4; y = 1,3,3,2 ranks 1,3.5,3.5,2;
        // Pearson on ranks: Sxy = 1.5, Sxx = 5, Syy = 4.5 → 1.5 / sqrt(22.5).
        let rho = spearman(&[1.0, 2.0, 3.0, 4.0], &[1.0, 3.0, 3.0, 2.0]).unwrap();
        assert!((rho - 1.5 / 22.5f64.sqrt()).abs() < 1e-12, "{rho}");
        assert_eq!(spearman(&[5.0, 5.0], &[1.0, 2.0]), None);
    }
}
