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
    ConditionToAvoid,
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
    out.extend(best_value(products, market, sentiment, t));
    out.extend(price_positioning(market, t));
    out.extend(sellers_to_avoid(sentiment, t));
    out.extend(conditions_to_avoid(market, t));
    out.extend(aspects_to_watch(sentiment, t));
    out
}

/// Best value: the market's Pareto front of (lowest price ↓, Bayesian star rating ↑),
/// cheapest first, keeping products rated at least `best_value_min_rating` (the
/// cheapest product is always on the front, however poorly rated). Text sentiment is
/// reported beside the rating, not used to rank.
fn best_value(
    products: &[Product],
    market: &MarketSummary,
    sentiment: &SentimentSummary,
    t: &Thresholds,
) -> Vec<Recommendation> {
    let Some(prior) = market.ratings.mean else {
        return Vec::new();
    };
    let c = market.currency;
    market
        .best_value
        .iter()
        .filter(|b| b.rated_reviews >= t.min_reviews && b.weighted_rating >= t.best_value_min_rating)
        .take(t.best_value_max as usize)
        .filter_map(|b| {
            let p = products.iter().find(|p| p.id == b.product_id)?;
            let rating = market
                .product_ratings
                .iter()
                .find(|r| r.product_id == b.product_id)?;
            let text = sentiment
                .per_product
                .iter()
                .find(|g| g.key == b.product_id)
                .map(|g| g.mean_score);
            let mut figures = named([
                ("lowest_price", b.price),
                ("weighted_rating", b.weighted_rating),
                ("mean_stars", rating.mean_stars),
                ("rated_reviews", f64::from(b.rated_reviews)),
                ("market_mean_rating", prior),
            ]);
            if let Some(score) = text {
                figures.insert("mean_text_sentiment".into(), score);
            }
            Some(Recommendation {
                kind: RecommendationKind::BestValue,
                title: format!("Best value: {}", p.title),
                detail: format!(
                    "From {:.2} {c}{} at {}; rated {:.2} stars after weighting ({:.2} raw over {} rated reviews{}). No cheaper product is rated better.",
                    b.price,
                    market
                        .compared_condition
                        .and_then(|c| c.price_note())
                        .map(|note| format!(" ({note})"))
                        .unwrap_or_default(),
                    b.seller,
                    b.weighted_rating,
                    rating.mean_stars,
                    b.rated_reviews,
                    text.map(|s| format!(", review text {s:+.2}")).unwrap_or_default()
                ),
                why: Explanation {
                    rule: "Pareto front of lowest price vs review-count-weighted (Bayesian) star rating, among products with enough rated reviews and a rating at or above the minimum".into(),
                    figures,
                    thresholds: named([
                        ("thresholds.min_reviews", f64::from(t.min_reviews)),
                        ("thresholds.best_value_min_rating", t.best_value_min_rating),
                        ("thresholds.best_value_max", f64::from(t.best_value_max)),
                        ("thresholds.bayesian_prior_weight", t.bayesian_prior_weight),
                    ]),
                    product_ids: vec![p.id.clone()],
                },
            })
        })
        .collect()
}

/// Conditions to avoid: a used or refurbished condition whose median discount against
/// new offers of the same products is below the threshold: the buyer takes the risk of
/// a second-hand item for (almost) nothing.
fn conditions_to_avoid(market: &MarketSummary, t: &Thresholds) -> Vec<Recommendation> {
    market
        .condition_discounts
        .iter()
        .filter(|d| d.products_compared > 0 && d.median_discount < t.condition_avoid_max_discount)
        .map(|d| Recommendation {
            kind: RecommendationKind::ConditionToAvoid,
            title: format!("Condition to avoid: {}", d.condition),
            detail: format!(
                "{} offers are a median {:.0}% cheaper than new offers of the same products ({} product{} compared): too little saving for a {} item.",
                capitalised(&d.condition),
                d.median_discount * 100.0,
                d.products_compared,
                if d.products_compared == 1 { "" } else { "s" },
                d.condition
            ),
            why: Explanation {
                rule: "Median discount of the condition against new offers of the same products below the threshold".into(),
                figures: named([
                    ("median_discount", d.median_discount),
                    ("products_compared", f64::from(d.products_compared)),
                ]),
                thresholds: named([(
                    "thresholds.condition_avoid_max_discount",
                    t.condition_avoid_max_discount,
                )]),
                product_ids: d.product_ids.clone(),
            },
        })
        .collect()
}

/// Figures or thresholds by name, as an [`Explanation`] lists them.
fn named<const N: usize>(values: [(&str, f64); N]) -> BTreeMap<String, f64> {
    values
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Price bands from the quartiles: budget below Q1, mid-range Q1–Q3, premium above Q3;
/// quartiles of fewer than `min_sample_size` offers are not bands.
fn price_positioning(market: &MarketSummary, t: &Thresholds) -> Option<Recommendation> {
    let s = market.price.as_ref()?;
    if s.count < t.min_sample_size.max(4) {
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
            figures: named([
                ("q1", s.q1),
                ("median", s.median),
                ("q3", s.q3),
                ("offer_count", f64::from(s.count)),
            ]),
            thresholds: named([("thresholds.min_sample_size", f64::from(t.min_sample_size))]),
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
                figures: named([
                    ("mean_sentiment", g.mean_score),
                    ("review_count", f64::from(g.review_count)),
                ]),
                thresholds: named([
                    (
                        "thresholds.seller_avoid_sentiment",
                        t.seller_avoid_sentiment,
                    ),
                    ("thresholds.min_reviews", f64::from(t.min_reviews)),
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
                figures: named([
                    ("negative_share", a.negative_share),
                    ("mentions", f64::from(a.mentions)),
                    ("mean_sentiment", a.mean_score),
                ]),
                thresholds: named([
                    (
                        "thresholds.aspect_watch_negative_share",
                        t.aspect_watch_negative_share,
                    ),
                    ("thresholds.min_reviews", f64::from(t.min_reviews)),
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
    fn best_value_uses_the_weighted_rating_and_keeps_text_sentiment_as_a_figure() {
        let r = testing::result();
        let best = of_kind(&r.recommendations, RecommendationKind::BestValue);
        let why = &best[0].why;
        let rating = &r.market.product_ratings;
        let p100 = rating
            .iter()
            .find(|p| p.product_id == "catalog:100")
            .unwrap();
        assert_eq!(why.figures["weighted_rating"], p100.weighted_rating);
        assert!(why.figures.contains_key("mean_text_sentiment"));
        // A minimum rating above every product's leaves no best value.
        let mut t = crate::config::AgentConfig::builtin().thresholds;
        t.best_value_min_rating = 5.0;
        let recs = recommend(&r.products, &r.market, &r.sentiment, &t);
        assert!(of_kind(&recs, RecommendationKind::BestValue).is_empty());
    }

    #[test]
    fn a_condition_with_a_negligible_discount_is_flagged() {
        use crate::analysis::market::ConditionDiscount;
        let mut r = testing::result();
        r.market.condition_discounts = vec![
            ConditionDiscount {
                condition: "used".into(),
                products_compared: 2,
                median_discount: 0.04,
                product_ids: vec!["catalog:100".into(), "catalog:300".into()],
            },
            ConditionDiscount {
                condition: "refurbished".into(),
                products_compared: 1,
                median_discount: 0.25,
                product_ids: vec!["catalog:200".into()],
            },
        ];
        let t = crate::config::AgentConfig::builtin().thresholds;
        let recs = recommend(&r.products, &r.market, &r.sentiment, &t);
        let avoid = of_kind(&recs, RecommendationKind::ConditionToAvoid);
        assert_eq!(avoid.len(), 1);
        assert_eq!(avoid[0].title, "Condition to avoid: used");
        assert_eq!(avoid[0].why.figures["median_discount"], 0.04);
        assert_eq!(avoid[0].why.product_ids, ["catalog:100", "catalog:300"]);
        assert!(
            avoid[0].detail.contains("median 4% cheaper"),
            "{}",
            avoid[0].detail
        );
        r.recommendations = recs;
        assert_explanations_reference_the_result(&r);
    }

    /// Every figure of every explanation is a number of the result document (outside
    /// the recommendations), every threshold is the agent config's value under its key,
    /// and every product id is a product of the result.
    fn assert_explanations_reference_the_result(r: &crate::report::AnalysisResult) {
        fn numbers(v: &serde_json::Value, out: &mut Vec<f64>) {
            match v {
                serde_json::Value::Number(n) => out.extend(n.as_f64()),
                serde_json::Value::Array(a) => a.iter().for_each(|x| numbers(x, out)),
                serde_json::Value::Object(o) => o.values().for_each(|x| numbers(x, out)),
                _ => {}
            }
        }
        let mut doc = serde_json::to_value(r).unwrap();
        doc.as_object_mut().unwrap().remove("recommendations");
        let mut in_result = Vec::new();
        numbers(&doc, &mut in_result);
        let config = serde_json::to_value(crate::config::AgentConfig::builtin()).unwrap();
        assert!(!r.recommendations.is_empty());
        for rec in &r.recommendations {
            for (name, v) in &rec.why.figures {
                assert!(
                    in_result.contains(v),
                    "{:?} figure {name} = {v} is not in the result",
                    rec.kind
                );
            }
            for (key, v) in &rec.why.thresholds {
                let (section, name) = key.split_once('.').unwrap();
                assert_eq!(
                    config[section][name].as_f64(),
                    Some(*v),
                    "{:?} threshold {key}",
                    rec.kind
                );
            }
            for id in &rec.why.product_ids {
                assert!(r.products.iter().any(|p| &p.id == id), "{id}");
            }
        }
    }

    #[test]
    fn every_explanation_references_figures_of_the_result() {
        let r = testing::result();
        let kinds: Vec<_> = r.recommendations.iter().map(|x| x.kind).collect();
        for k in [
            RecommendationKind::BestValue,
            RecommendationKind::PricePositioning,
            RecommendationKind::SellerToAvoid,
        ] {
            assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
        }
        assert_explanations_reference_the_result(&r);
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
