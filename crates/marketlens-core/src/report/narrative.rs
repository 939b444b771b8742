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
    fn empty_market_says_so() {
        let mut r = testing::result();
        r.market.price = None;
        r.sentiment.mean_score = None;
        let n = super::narrative("x", &r.market, &r.sentiment, &[]);
        assert!(n[0].contains("no priced offer"));
        assert!(n.iter().any(|p| p.contains("No review text")));
    }
}
