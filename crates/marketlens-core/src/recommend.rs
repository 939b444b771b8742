//! Explainable recommendations: each comes from a named rule whose thresholds live in
//! the agent config, and carries the figures it used and the products behind it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::config::Thresholds;
use crate::domain::Product;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationKind {
    BestValue,
    PricePositioning,
    SellerToAvoid,
    AspectToWatch,
}

/// Why a recommendation was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The rule, in words.
    pub rule: String,
    /// Figures the rule used, by name.
    pub figures: BTreeMap<String, f64>,
    /// Thresholds from the agent config, by config key.
    pub thresholds: BTreeMap<String, f64>,
    /// Products (ids) behind the recommendation.
    pub product_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub kind: RecommendationKind,
    pub title: String,
    pub detail: String,
    pub why: Explanation,
}

pub fn recommend(
    products: &[Product],
    market: &MarketSummary,
    sentiment: &SentimentSummary,
    t: &Thresholds,
) -> Vec<Recommendation> {
    let mut out = Vec::new();
    out.extend(best_value(products, sentiment, t));
    out.extend(price_positioning(market));
    out.extend(sellers_to_avoid(sentiment, t));
    out.extend(aspects_to_watch(sentiment, t));
    out
}

/// Best value: products on the Pareto front of (lowest price ↓, text sentiment ↑)
/// among those with at least `min_reviews` reviews, cheapest first.
fn best_value(
    products: &[Product],
    sentiment: &SentimentSummary,
    t: &Thresholds,
) -> Vec<Recommendation> {
    use rust_decimal::prelude::ToPrimitive;
    let score_of = |id: &str| {
        sentiment
            .per_product
            .iter()
            .find(|g| g.key == id && g.review_count >= t.min_reviews)
            .map(|g| g.mean_score)
    };
    let mut candidates: Vec<(&Product, f64, f64)> = products
        .iter()
        .filter_map(|p| {
            let price = p.lowest_offer()?.converted.money.amount.to_f64()?;
            Some((p, price, score_of(&p.id)?))
        })
        .collect();
    candidates.sort_by(|a, b| a.1.total_cmp(&b.1).then(b.2.total_cmp(&a.2)));
    let mut front: Vec<(&Product, f64, f64)> = Vec::new();
    let mut best_score = f64::NEG_INFINITY;
    for c in candidates {
        // Sorted by price: a product is on the front iff it beats every cheaper one.
        if c.2 > best_score {
            best_score = c.2;
            front.push(c);
        }
    }
    // Dominated-by-nothing products with negative sentiment are not "value".
    front.retain(|c| c.2 > t.sentiment_positive);
    front
        .into_iter()
        .take(t.best_value_max as usize)
        .map(|(p, price, score)| {
            let currency = p
                .lowest_offer()
                .map(|o| o.converted.money.currency.to_string())
                .unwrap_or_default();
            Recommendation {
                kind: RecommendationKind::BestValue,
                title: format!("Best value: {}", p.title),
                detail: format!(
                    "From {price:.2} {currency}; reviewers' text sentiment {score:+.2} over {} reviews. No cheaper product is rated better.",
                    p.reviews.len()
                ),
                why: Explanation {
                    rule: "Pareto front of lowest price vs mean review-text sentiment, products with enough reviews".into(),
                    figures: BTreeMap::from([
                        ("lowest_price".into(), price),
                        ("mean_sentiment".into(), score),
                        ("review_count".into(), p.reviews.len() as f64),
                    ]),
                    thresholds: BTreeMap::from([
                        ("thresholds.min_reviews".into(), f64::from(t.min_reviews)),
                        ("thresholds.sentiment_positive".into(), t.sentiment_positive),
                        ("thresholds.best_value_max".into(), f64::from(t.best_value_max)),
                    ]),
                    product_ids: vec![p.id.clone()],
                },
            }
        })
        .collect()
}

/// Price bands from the quartiles: budget below Q1, mid-range Q1–Q3, premium above Q3.
fn price_positioning(market: &MarketSummary) -> Option<Recommendation> {
    let s = market.price.as_ref()?;
    if s.count < 4 {
        return None;
    }
    let c = market.currency;
    Some(Recommendation {
        kind: RecommendationKind::PricePositioning,
        title: "Price positioning bands".into(),
        detail: format!(
            "Budget below {:.2} {c}, mid-range {:.2}–{:.2} {c}, premium above {:.2} {c} (median {:.2} {c}).",
            s.q1, s.q1, s.q3, s.q3, s.median
        ),
        why: Explanation {
            rule: "Bands are the offer-price quartiles: below Q1, Q1 to Q3, above Q3".into(),
            figures: BTreeMap::from([
                ("q1".into(), s.q1),
                ("median".into(), s.median),
                ("q3".into(), s.q3),
                ("offer_count".into(), f64::from(s.count)),
            ]),
            thresholds: BTreeMap::new(),
            product_ids: Vec::new(),
        },
    })
}

fn sellers_to_avoid(sentiment: &SentimentSummary, t: &Thresholds) -> Vec<Recommendation> {
    sentiment
        .per_seller
        .iter()
        .filter(|g| g.review_count >= t.min_reviews && g.mean_score < t.seller_avoid_sentiment)
        .map(|g| Recommendation {
            kind: RecommendationKind::SellerToAvoid,
            title: format!("Seller to avoid: {}", g.key),
            detail: format!(
                "Reviews of purchases from {} average a text sentiment of {:+.2} over {} reviews.",
                g.key, g.mean_score, g.review_count
            ),
            why: Explanation {
                rule:
                    "Seller's mean review-text sentiment below the threshold, with enough reviews"
                        .into(),
                figures: BTreeMap::from([
                    ("mean_sentiment".into(), g.mean_score),
                    ("review_count".into(), f64::from(g.review_count)),
                ]),
                thresholds: BTreeMap::from([
                    (
                        "thresholds.seller_avoid_sentiment".into(),
                        t.seller_avoid_sentiment,
                    ),
                    ("thresholds.min_reviews".into(), f64::from(t.min_reviews)),
                ]),
                product_ids: Vec::new(),
            },
        })
        .collect()
}

fn aspects_to_watch(sentiment: &SentimentSummary, t: &Thresholds) -> Vec<Recommendation> {
    sentiment
        .aspects
        .iter()
        .filter(|a| {
            a.mentions >= t.min_reviews && a.negative_share >= t.aspect_watch_negative_share
        })
        .map(|a| Recommendation {
            kind: RecommendationKind::AspectToWatch,
            title: format!("Aspect to watch: {}", a.aspect),
            detail: format!(
                "{:.0}% of {} mentions of {} are negative{}",
                a.negative_share * 100.0,
                a.mentions,
                a.aspect,
                a.negative_quote
                    .as_deref()
                    .map(|q| format!(", e.g. \u{201c}{q}\u{201d}"))
                    .unwrap_or_default()
            ),
            why: Explanation {
                rule: "Share of negative mentions of an aspect at or above the threshold".into(),
                figures: BTreeMap::from([
                    ("negative_share".into(), a.negative_share),
                    ("mentions".into(), f64::from(a.mentions)),
                    ("mean_sentiment".into(), a.mean_score),
                ]),
                thresholds: BTreeMap::from([
                    (
                        "thresholds.aspect_watch_negative_share".into(),
                        t.aspect_watch_negative_share,
                    ),
                    ("thresholds.min_reviews".into(), f64::from(t.min_reviews)),
                ]),
                product_ids: Vec::new(),
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn of_kind(r: &[Recommendation], kind: RecommendationKind) -> Vec<&Recommendation> {
        r.iter().filter(|x| x.kind == kind).collect()
    }

    #[test]
    fn best_value_is_the_cheapest_well_reviewed_product_and_explains_itself() {
        let r = testing::result();
        let best = of_kind(&r.recommendations, RecommendationKind::BestValue);
        // Product 100 is cheapest and loved; 200 is dearer and hated; 300 is dearer
        // still and not better liked than 100, so only 100 is on the front... unless 300
        // scores higher, in which case it joins the front after 100.
        assert!(!best.is_empty());
        assert_eq!(best[0].why.product_ids, ["catalog:100"]);
        assert!(best.iter().all(|b| b.why.product_ids != ["catalog:200"]));
        let why = &best[0].why;
        assert_eq!(why.figures["lowest_price"], 99.0);
        assert_eq!(why.thresholds["thresholds.min_reviews"], 3.0);
    }

    #[test]
    fn price_bands_are_the_quartiles() {
        let r = testing::result();
        let bands = of_kind(&r.recommendations, RecommendationKind::PricePositioning);
        let p = r.market.price.as_ref().unwrap();
        assert_eq!(bands.len(), 1);
        assert_eq!(bands[0].why.figures["q1"], p.q1);
        assert_eq!(bands[0].why.figures["q3"], p.q3);
    }

    #[test]
    fn a_seller_with_negative_reviews_is_flagged_with_its_figures() {
        let r = testing::result();
        let avoid = of_kind(&r.recommendations, RecommendationKind::SellerToAvoid);
        assert_eq!(avoid.len(), 1, "{:?}", r.sentiment.per_seller);
        assert_eq!(avoid[0].title, "Seller to avoid: Gamma");
        assert!(avoid[0].why.figures["mean_sentiment"] < -0.2);
    }

    #[test]
    fn thresholds_change_the_outcome() {
        let r = testing::result();
        let mut t = crate::config::AgentConfig::builtin().thresholds;
        t.seller_avoid_sentiment = -1.0;
        t.aspect_watch_negative_share = 1.0;
        t.min_reviews = 100;
        let recs = recommend(&r.products, &r.market, &r.sentiment, &t);
        assert!(of_kind(&recs, RecommendationKind::SellerToAvoid).is_empty());
        assert!(of_kind(&recs, RecommendationKind::BestValue).is_empty());
    }
}
