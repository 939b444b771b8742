//! Deterministic quality checks run on every result before it is stored. A failing
//! check does not hide the result: it is stored, shown in the API and the report,
//! and counted.

use crate::result::AnalysisResult;
pub use crate::result::{QualityCheck, QualityReport};

/// Runs every check on `result` (its own `quality` field is ignored).
pub fn run_checks(result: &AnalysisResult) -> QualityReport {
    let mut checks = Vec::new();
    let mut check = |name: &str, passed: bool, detail: String| {
        checks.push(QualityCheck {
            name: name.to_owned(),
            passed,
            detail,
        })
    };

    // Schema: the document serialises and reads back into the same shape.
    let schema = serde_json::to_value(result)
        .map_err(|e| e.to_string())
        .and_then(|v| serde_json::from_value::<AnalysisResult>(v).map_err(|e| e.to_string()));
    check(
        "schema_valid",
        schema.is_ok(),
        schema
            .err()
            .unwrap_or_else(|| "result round-trips through its JSON schema".into()),
    );

    let m = &result.market;
    match &m.price {
        Some(s) => {
            let ordered = s.min <= s.q1 && s.q1 <= s.median && s.median <= s.q3 && s.q3 <= s.max;
            check(
                "price_order",
                ordered,
                format!(
                    "min {:.2} ≤ q1 {:.2} ≤ median {:.2} ≤ q3 {:.2} ≤ max {:.2}",
                    s.min, s.q1, s.median, s.q3, s.max
                ),
            );
            let finite = [s.min, s.max, s.mean, s.median, s.q1, s.q3, s.iqr, s.std_dev]
                .iter()
                .all(|v| v.is_finite());
            check(
                "no_nan_or_inf",
                finite && json_is_finite(result),
                "every figure is a finite number".into(),
            );
        }
        None => check(
            "no_nan_or_inf",
            json_is_finite(result),
            "every figure is a finite number".into(),
        ),
    }

    let offers: usize = result.products.iter().map(|p| p.offers.len()).sum();
    let hist: u32 = m.histogram.iter().map(|b| b.count).sum();
    let by_condition: u32 = m.by_condition.iter().map(|g| g.offer_count).sum();
    let counts_ok = m.offer_count as usize == offers
        && m.product_count as usize == result.products.len()
        && (m.histogram.is_empty() || hist == m.offer_count)
        && by_condition == m.offer_count
        && m.price.as_ref().map_or(0, |s| s.count) == m.offer_count
        && result.normalization.offers_kept == m.offer_count;
    check(
        "counts_consistent",
        counts_ok,
        format!(
            "{offers} offers in products, {} in market summary, {hist} in histogram, {by_condition} by condition",
            m.offer_count
        ),
    );

    let s = &result.sentiment;
    let sum = s.distribution.positive + s.distribution.neutral + s.distribution.negative;
    let shares_ok = if s.review_count == 0 {
        sum == 0.0
    } else {
        (sum - 1.0).abs() < 1e-9
    };
    check(
        "sentiment_shares_sum_to_one",
        shares_ok,
        format!("shares sum to {sum:.6} over {} reviews", s.review_count),
    );
    let reviews: usize = result.products.iter().map(|p| p.reviews.len()).sum();
    check(
        "review_counts_consistent",
        reviews == s.review_count as usize && s.reviews.len() == reviews,
        format!("{reviews} reviews in products, {} scored", s.review_count),
    );

    let currency_ok = result.products.iter().flat_map(|p| &p.offers).all(|o| {
        o.converted.money.currency == result.params.currency
            && !o.price.currency.as_str().is_empty()
    });
    check(
        "every_offer_has_currency",
        currency_ok,
        format!(
            "every offer has an ISO currency and a price in {}",
            result.params.currency
        ),
    );

    let passed = checks.iter().all(|c| c.passed);
    QualityReport { passed, checks }
}

/// serde_json turns NaN/inf into `null`; look for numbers that became null where the
/// serialised stats expect numbers by checking the typed figures instead.
fn json_is_finite(result: &AnalysisResult) -> bool {
    let s = &result.sentiment;
    let m = &result.market;
    s.mean_score.is_none_or(f64::is_finite)
        && s.reviews.iter().all(|r| r.score.is_finite())
        && s.aspects.iter().all(|a| a.mean_score.is_finite())
        && m.histogram
            .iter()
            .all(|b| b.lower.is_finite() && b.upper.is_finite())
        && m.ratings.mean.is_none_or(f64::is_finite)
        && m.product_ratings
            .iter()
            .all(|r| r.weighted_rating.is_finite() && r.mean_stars.is_finite())
        && m.price_rating_correlation
            .as_ref()
            .is_none_or(|c| c.spearman_rho.is_finite())
        && m.history
            .daily
            .iter()
            .all(|d| d.median.is_finite() && d.min.is_finite() && d.max.is_finite())
        && m.history.windows.iter().all(|w| {
            w.days_covered.is_finite()
                && w.trend.as_ref().is_none_or(|t| {
                    [
                        t.slope_per_day,
                        t.percent_change,
                        t.start_level,
                        t.min,
                        t.max,
                    ]
                    .iter()
                    .all(|v| v.is_finite())
                })
        })
        && result
            .recommendations
            .iter()
            .all(|r| r.why.figures.values().all(|v| v.is_finite()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn failed(r: &AnalysisResult) -> Vec<String> {
        run_checks(r)
            .failed_checks()
            .map(|c| c.name.clone())
            .collect()
    }

    #[test]
    fn a_consistent_result_passes_every_check() {
        let r = testing::result();
        assert!(r.quality.passed, "{:?}", r.quality);
        assert_eq!(r.quality.checks.len(), 7);
    }

    #[test]
    fn each_inconsistency_fails_its_check() {
        let mut r = testing::result();
        let p = r.market.price.as_mut().unwrap();
        p.median = p.max + 1.0;
        assert_eq!(failed(&r), ["price_order"]);

        let mut r = testing::result();
        r.market.price.as_mut().unwrap().std_dev = f64::NAN;
        // JSON has no NaN: it becomes null, so the document no longer reads back either.
        assert_eq!(failed(&r), ["schema_valid", "no_nan_or_inf"]);

        let mut r = testing::result();
        r.market.offer_count += 1;
        assert_eq!(failed(&r), ["counts_consistent"]);

        let mut r = testing::result();
        r.sentiment.distribution.neutral += 0.1;
        assert_eq!(failed(&r), ["sentiment_shares_sum_to_one"]);

        let mut r = testing::result();
        r.sentiment.reviews.pop();
        assert_eq!(failed(&r), ["review_counts_consistent"]);

        let mut r = testing::result();
        r.products[0].offers[0].converted.money.currency = crate::domain::CurrencyCode::USD;
        assert_eq!(failed(&r), ["every_offer_has_currency"]);
    }
}
