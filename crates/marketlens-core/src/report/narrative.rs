//! The deterministic executive summary: sentences built only from computed figures,
//! so every number in it can be traced to the result document.

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::recommend::{Recommendation, RecommendationKind};

pub fn narrative(
    query: &str,
    market: &MarketSummary,
    sentiment: &SentimentSummary,
    recommendations: &[Recommendation],
) -> Vec<String> {
    let c = market.currency;
    let mut out = Vec::new();
    match &market.price {
        Some(p) => out.push(format!(
            "For \u{201c}{query}\u{201d}, {} offers for {} products from {} sellers were compared in {c}. \
             Prices range from {:.2} to {:.2} {c}, with a median of {:.2} {c} and half of the offers between {:.2} and {:.2} {c}.",
            market.offer_count, market.product_count, market.seller_count, p.min, p.max, p.median, p.q1, p.q3
        )),
        None => out.push(format!("For \u{201c}{query}\u{201d}, no priced offer was found.")),
    }
    if let Some(top) = market.by_brand.first() {
        out.push(format!(
            "{} has the most offers ({} of {}, {:.0}%), at a median of {:.2} {c}.",
            top.key,
            top.offer_count,
            market.offer_count,
            top.share * 100.0,
            top.median
        ));
    }
    let h = &market.history;
    match h.headline() {
        Some((w, t)) => {
            let direction = if t.percent_change > 0.05 {
                "rose"
            } else if t.percent_change < -0.05 {
                "fell"
            } else {
                "held steady"
            };
            out.push(format!(
                "Over the last {} days, prices of the same products {direction} ({:+.1}%, {:+.2} {c} per day; {} observations, {} offers seen more than once, between {:.2} and {:.2} {c}).",
                w.window_days,
                t.percent_change,
                t.slope_per_day,
                w.observation_count,
                w.offers_with_history,
                t.min,
                t.max
            ));
        }
        None => out.push(format!(
            "Not enough price history for a trend yet: {} observations of these products (a trend needs at least {} over at least {} days).",
            h.observation_count, h.min_observations, h.min_days
        )),
    }
    if let Some(rc) = &market.price_rating_correlation {
        let relation = if rc.spearman_rho >= 0.3 {
            "dearer products tend to be rated better"
        } else if rc.spearman_rho <= -0.3 {
            "cheaper products tend to be rated better"
        } else {
            "price says little about rating"
        };
        out.push(format!(
            "Across {} rated products, {relation} (Spearman rank correlation of price and weighted rating {:+.2}).",
            rc.n, rc.spearman_rho
        ));
    }
    if !market.outliers.is_empty() {
        out.push(format!(
            "{} offer price(s) stand far from the rest and are flagged as outliers.",
            market.outliers.len()
        ));
    }
    match sentiment.mean_score {
        Some(mean) => {
            let d = &sentiment.distribution;
            let mood = if mean >= 0.3 {
                "clearly positive"
            } else if mean >= 0.05 {
                "mildly positive"
            } else if mean > -0.05 {
                "mixed"
            } else {
                "negative"
            };
            out.push(format!(
                "Across {} reviews, what customers write is {mood} (mean text score {mean:+.2}): \
                 {:.0}% positive, {:.0}% neutral, {:.0}% negative.",
                sentiment.review_count,
                d.positive * 100.0,
                d.neutral * 100.0,
                d.negative * 100.0
            ));
            let praised = sentiment
                .aspects
                .iter()
                .filter(|a| a.mean_score > 0.05)
                .max_by_key(|a| a.mentions);
            let criticised = sentiment
                .aspects
                .iter()
                .filter(|a| a.mean_score < -0.05)
                .max_by_key(|a| a.mentions);
            match (praised, criticised) {
                (Some(p), Some(n)) => out.push(format!(
                    "The most praised aspect is {} ({} mentions); the most criticised is {} ({} mentions).",
                    p.aspect, p.mentions, n.aspect, n.mentions
                )),
                (Some(p), None) => out.push(format!(
                    "The most discussed positive aspect is {} ({} mentions).",
                    p.aspect, p.mentions
                )),
                (None, Some(n)) => out.push(format!(
                    "The most criticised aspect is {} ({} mentions).",
                    n.aspect, n.mentions
                )),
                (None, None) => {}
            }
        }
        None => out.push("No review text was available to analyse.".into()),
    }
    let best: Vec<&str> = recommendations
        .iter()
        .filter(|r| r.kind == RecommendationKind::BestValue)
        .map(|r| r.title.trim_start_matches("Best value: "))
        .collect();
    if !best.is_empty() {
        out.push(format!("Best value: {}.", best.join("; ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::testing;

    /// Every number in the narrative appears in the result's figures (rounded as shown).
    #[test]
    fn narrative_uses_only_computed_figures() {
        let r = testing::result();
        let text = r.narrative.join(" ");
        let p = r.market.price.as_ref().unwrap();
        for figure in [p.min, p.max, p.median, p.q1, p.q3] {
            assert!(
                text.contains(&format!("{figure:.2}")),
                "{figure} missing from {text}"
            );
        }
        assert!(text.contains(&format!("{} offers", r.market.offer_count)));
        assert!(text.contains(&format!("{} reviews", r.sentiment.review_count)));
        assert!(text.contains("Best value: Acme Headphones 100"));
    }

    #[test]
    fn without_stored_history_the_summary_says_not_enough_history() {
        let r = testing::result();
        let text = r.narrative.join(" ");
        assert!(text.contains("Not enough price history"), "{text}");
        assert!(text.contains(&format!(
            "{} observations",
            r.market.history.observation_count
        )));
    }

    #[test]
    fn a_trend_is_told_with_its_figures() {
        use crate::analysis::history::{PriceTrend, TrendWindow};
        let mut r = testing::result();
        r.market.history.windows = vec![TrendWindow {
            window_days: 30,
            observation_count: 12,
            offers_with_history: 3,
            days_covered: 20.0,
            trend: Some(PriceTrend {
                slope_per_day: -0.5,
                percent_change: -7.26,
                start_level: 140.0,
                min: 99.0,
                max: 160.0,
            }),
            reason: None,
        }];
        let n = super::narrative("x", &r.market, &r.sentiment, &[]);
        let text = n.join(" ");
        assert!(
            text.contains("Over the last 30 days, prices of the same products fell (-7.3%"),
            "{text}"
        );
        assert!(text.contains("-0.50 EUR per day") && text.contains("12 observations"));
    }

    #[test]
    fn empty_market_says_so() {
        let mut r = testing::result();
        r.market.price = None;
        r.sentiment.mean_score = None;
        let n = super::narrative("x", &r.market, &r.sentiment, &[]);
        assert!(n[0].contains("no priced offer"));
        assert!(n.iter().any(|p| p.contains("No review text")));
    }
}
