//! What the `llm_summarize` stage gives the model: the computed figures of one
//! result, rounded as a report shows them, and nothing else.
//!
//! Only computed figures go in — statistics, recommendations with their figures and
//! products, the aspect summary, the top-K products — so every figure the model may
//! write is one of these (the [`super::grounding`] check holds it to that). Review
//! bodies and pages never go in: they are untrusted text, and their numbers are not
//! figures of the result.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{CurrencyCode, Language, Product};
use crate::recommend::{Recommendation, RecommendationKind};

/// Brands listed in the statistics (largest share first).
const TOP_BRANDS: usize = 3;
/// Aspects listed (most mentioned first).
const TOP_ASPECTS: usize = 8;

/// Everything the model sees of one analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryInput {
    pub query: String,
    /// The language the text is written in (the query's, as the deterministic
    /// narrative's, unless `llm.language` fixes one).
    pub language: Language,
    /// Every price below is in this currency.
    pub currency: CurrencyCode,
    /// The day the result was computed.
    pub analysis_date: NaiveDate,
    pub statistics: Statistics,
    /// In the result's order; `index` is how the answer refers to each.
    pub recommendations: Vec<RecommendationFacts>,
    pub aspects: Vec<AspectFacts>,
    pub top_products: Vec<ProductFacts>,
}

/// The market and sentiment figures of the result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub product_count: u32,
    pub offer_count: u32,
    pub seller_count: u32,
    /// Currencies the shops priced offers in (before conversion).
    pub offer_currencies: Vec<CurrencyCode>,
    pub price: Option<PriceFigures>,
    pub top_brands: Vec<BrandFigures>,
    pub outlier_count: u32,
    pub review_count: u32,
    /// Mean review text score, −1…1.
    pub mean_text_score: Option<f64>,
    pub positive_review_percent: f64,
    pub neutral_review_percent: f64,
    pub negative_review_percent: f64,
    /// Mean star rating (0–5) of the rated reviews.
    pub mean_star_rating: Option<f64>,
    /// Spearman rank correlation of price and weighted rating, and the rated
    /// products it was computed over.
    pub price_rating_correlation: Option<f64>,
    pub correlation_product_count: Option<u32>,
    /// The longest window with a price trend, when stored history allows one. The
    /// count of stored observations is left out: it grows with every analysis, and
    /// would change the input (and miss the LLM cache) on every identical request.
    pub price_trend: Option<TrendFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceFigures {
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
    /// First and third quartiles: half of the offers lie between them.
    pub q1: f64,
    pub q3: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BrandFigures {
    pub brand: String,
    pub offer_count: u32,
    pub share_percent: f64,
    pub median_price: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendFigures {
    pub window_days: u32,
    pub percent_change: f64,
    pub change_per_day: f64,
    pub observation_count: u32,
    pub min: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationFacts {
    pub index: u32,
    pub kind: RecommendationKind,
    pub title: String,
    /// The deterministic explanation, as the report shows it.
    pub detail: String,
    pub figures: BTreeMap<String, f64>,
    pub thresholds: BTreeMap<String, f64>,
    /// Titles of the products behind it.
    pub products: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AspectFacts {
    pub aspect: String,
    pub mentions: u32,
    pub mean_score: f64,
    pub positive_percent: f64,
    pub negative_percent: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductFacts {
    pub title: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub lowest_price: Option<f64>,
    pub offer_count: u32,
    pub sellers: Vec<String>,
    /// Review-count-weighted (Bayesian) star rating.
    pub weighted_rating: Option<f64>,
    pub rated_reviews: u32,
}

/// Rounds a figure as a report shows it (2 decimals), so the model and the
/// grounding check see the same number.
fn r2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// A share (0…1) as a percentage with one decimal.
fn pct(share: f64) -> f64 {
    (share * 1000.0).round() / 10.0
}

impl SummaryInput {
    /// The input for one result: its figures, and at most `top_k` products (those
    /// behind recommendations first, then the most offered).
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        query: &str,
        language: Language,
        analysis_date: NaiveDate,
        products: &[Product],
        market: &MarketSummary,
        sentiment: &SentimentSummary,
        recommendations: &[Recommendation],
        top_k: usize,
    ) -> Self {
        let title_of = |id: &str| {
            products
                .iter()
                .find(|p| p.id == id)
                .map(|p| p.title.clone())
        };
        let offer_currencies: BTreeSet<CurrencyCode> = products
            .iter()
            .flat_map(|p| p.offers.iter().map(|o| o.price.currency))
            .collect();
        let statistics = Statistics {
            product_count: market.product_count,
            offer_count: market.offer_count,
            seller_count: market.seller_count,
            offer_currencies: offer_currencies.into_iter().collect(),
            price: market.price.as_ref().map(|p| PriceFigures {
                min: r2(p.min),
                max: r2(p.max),
                mean: r2(p.mean),
                median: r2(p.median),
                q1: r2(p.q1),
                q3: r2(p.q3),
            }),
            top_brands: market
                .by_brand
                .iter()
                .take(TOP_BRANDS)
                .map(|b| BrandFigures {
                    brand: b.key.clone(),
                    offer_count: b.offer_count,
                    share_percent: pct(b.share),
                    median_price: r2(b.median),
                })
                .collect(),
            outlier_count: market.outliers.len() as u32,
            review_count: sentiment.review_count,
            mean_text_score: sentiment.mean_score.map(r2),
            positive_review_percent: pct(sentiment.distribution.positive),
            neutral_review_percent: pct(sentiment.distribution.neutral),
            negative_review_percent: pct(sentiment.distribution.negative),
            mean_star_rating: market.ratings.mean.map(r2),
            price_rating_correlation: market
                .price_rating_correlation
                .as_ref()
                .map(|c| r2(c.spearman_rho)),
            correlation_product_count: market.price_rating_correlation.as_ref().map(|c| c.n),
            price_trend: market.history.headline().map(|(w, t)| TrendFigures {
                window_days: w.window_days,
                percent_change: (t.percent_change * 10.0).round() / 10.0,
                change_per_day: r2(t.slope_per_day),
                observation_count: w.observation_count,
                min: r2(t.min),
                max: r2(t.max),
            }),
        };
        let recommendations: Vec<RecommendationFacts> = recommendations
            .iter()
            .enumerate()
            .map(|(i, r)| RecommendationFacts {
                index: i as u32,
                kind: r.kind,
                title: r.title.clone(),
                detail: r.detail.clone(),
                figures: r
                    .why
                    .figures
                    .iter()
                    .map(|(k, v)| (k.clone(), r2(*v)))
                    .collect(),
                thresholds: r.why.thresholds.clone(),
                products: r
                    .why
                    .product_ids
                    .iter()
                    .filter_map(|id| title_of(id))
                    .collect(),
            })
            .collect();
        let mut aspects: Vec<AspectFacts> = sentiment
            .aspects
            .iter()
            .map(|a| AspectFacts {
                aspect: a.aspect.clone(),
                mentions: a.mentions,
                mean_score: r2(a.mean_score),
                positive_percent: pct(a.positive_share),
                negative_percent: pct(a.negative_share),
            })
            .collect();
        aspects.sort_by(|a, b| b.mentions.cmp(&a.mentions).then(a.aspect.cmp(&b.aspect)));
        aspects.truncate(TOP_ASPECTS);

        // Products behind a recommendation first (the answer explains them), then the
        // most offered; ties by title so the input (and its cache key) is stable.
        let recommended: BTreeSet<&str> = recommendations
            .iter()
            .flat_map(|r| r.products.iter().map(String::as_str))
            .collect();
        let mut ranked: Vec<&Product> = products.iter().collect();
        ranked.sort_by(|a, b| {
            let rec = |p: &Product| !recommended.contains(p.title.as_str());
            rec(a)
                .cmp(&rec(b))
                .then(b.offers.len().cmp(&a.offers.len()))
                .then(a.title.cmp(&b.title))
        });
        let top_products = ranked
            .into_iter()
            .take(top_k)
            .map(|p| {
                let rating = market.product_ratings.iter().find(|r| r.product_id == p.id);
                let mut sellers: Vec<String> = p.offers.iter().map(|o| o.seller.clone()).collect();
                sellers.sort();
                sellers.dedup();
                ProductFacts {
                    title: p.title.clone(),
                    brand: p.brand.clone(),
                    model: p.model.clone(),
                    lowest_price: p
                        .offers
                        .iter()
                        .filter_map(|o| o.converted.money.amount.to_f64())
                        .filter(|v| v.is_finite())
                        .min_by(f64::total_cmp)
                        .map(r2),
                    offer_count: p.offers.len() as u32,
                    sellers,
                    weighted_rating: rating.map(|r| r2(r.weighted_rating)),
                    rated_reviews: rating.map(|r| r.rated_reviews).unwrap_or(0),
                }
            })
            .collect();
        SummaryInput {
            query: query.to_owned(),
            language,
            currency: market.currency,
            analysis_date,
            statistics,
            recommendations,
            aspects,
            top_products,
        }
    }

    /// The input as the JSON the prompt embeds (also what its cache key hashes).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A content hash of the input: equal inputs, equal hashes.
    pub fn content_hash(&self) -> String {
        blake3::hash(self.to_json().as_bytes()).to_hex()[..32].to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn input(top_k: usize) -> SummaryInput {
        testing::summary_input(top_k)
    }

    #[test]
    fn the_input_carries_rounded_figures_and_at_most_top_k_products() {
        let i = input(2);
        let r = testing::result();
        assert_eq!(i.top_products.len(), 2);
        assert_eq!(i.statistics.offer_count, r.market.offer_count);
        assert_eq!(i.recommendations.len(), r.recommendations.len());
        let p = i.statistics.price.as_ref().unwrap();
        assert_eq!(
            p.min,
            (r.market.price.as_ref().unwrap().min * 100.0).round() / 100.0
        );
        assert!(i.statistics.offer_currencies.contains(&CurrencyCode::EUR));
    }

    #[test]
    fn recommended_products_come_first_and_the_hash_is_stable() {
        let i = input(1);
        let recommended: Vec<&String> = i
            .recommendations
            .iter()
            .flat_map(|r| r.products.iter())
            .collect();
        assert!(recommended.contains(&&i.top_products[0].title), "{i:?}");
        assert_eq!(input(1).content_hash(), i.content_hash());
        assert_ne!(input(3).content_hash(), i.content_hash());
    }
}
