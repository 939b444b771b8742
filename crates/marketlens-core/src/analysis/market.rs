//! Stage `analyze_market`: price statistics over the offers, in the target currency.
//!
//! Prices are exact decimals up to here; statistics (means, deviations, quantiles) are
//! computed in `f64`, which is ample for figures shown to two decimals.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::history::PriceHistory;
use super::stats::{quantile_sorted, spearman};
use crate::config::Thresholds;
use crate::domain::{Condition, CurrencyCode, Offer, Product};

#[derive(Debug, Clone, PartialEq)]
pub struct MarketSettings {
    /// Robust z-score (|x - median| / (1.4826·MAD)) against the other offers of the
    /// same product in the same condition above which a price is an outlier.
    pub outlier_robust_z: f64,
    /// Offers of one product in one condition needed before outliers are looked for.
    pub outlier_min_offers: u32,
    /// Rated reviews a product needs before it can be a best-value offer.
    pub min_reviews: u32,
    /// Weight, in reviews, of the market mean in a product's Bayesian rating.
    pub bayesian_prior_weight: f64,
    /// Values a statistic needs before it is reported (`thresholds.min_sample_size`).
    pub min_sample_size: u32,
}

impl MarketSettings {
    pub fn from_thresholds(t: &Thresholds) -> Self {
        Self {
            outlier_robust_z: t.outlier_robust_z,
            outlier_min_offers: t.outlier_min_offers,
            min_reviews: t.min_reviews,
            bayesian_prior_weight: t.bayesian_prior_weight,
            min_sample_size: t.min_sample_size,
        }
    }
}

/// Summary statistics of a set of prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceStats {
    pub count: u32,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub median: f64,
    pub q1: f64,
    pub q3: f64,
    pub iqr: f64,
    /// Sample standard deviation (0 for a single price).
    pub std_dev: f64,
}

/// One histogram bin, `[lower, upper)` (the last bin includes `upper`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceBin {
    pub lower: f64,
    pub upper: f64,
    pub count: u32,
}

/// Statistics of one group (a source, a brand, a condition).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupStats {
    pub key: String,
    pub offer_count: u32,
    /// Share of all offers.
    pub share: f64,
    pub min: f64,
    pub median: f64,
    pub max: f64,
}

/// An offer priced far from the other offers of the same product in the same
/// condition: a possible pricing error or a deal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierOffer {
    pub product_id: String,
    pub offer_id: String,
    pub seller: String,
    pub price: f64,
    /// `(price - product_median) / max(1.4826·MAD, 5 % of the median)`.
    pub robust_z: f64,
    #[serde(default = "unknown_condition")]
    pub condition: Condition,
    /// Median price of the product's offers in that condition.
    #[serde(default)]
    pub product_median: f64,
    /// The product's offers in that condition the price was compared with.
    #[serde(default)]
    pub compared_offers: u32,
}

fn unknown_condition() -> Condition {
    Condition::Unknown
}

/// A price tier of the market, from the offer-price quartiles: budget below Q1,
/// mid-range from Q1 to Q3, premium above Q3.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTier {
    /// `budget`, `mid_range` or `premium`.
    pub tier: String,
    /// Lower bound (`None` for budget) and upper bound (`None` for premium).
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub offer_count: u32,
    /// Products with at least one offer in the tier.
    pub product_count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    /// Reviews with 1, 2, 3, 4, 5 stars (half stars rounded).
    pub distribution: [u32; 5],
    pub rated_reviews: u32,
    /// Mean stars over every rated review: the prior of the Bayesian ratings.
    pub mean: Option<f64>,
    /// The prior's weight in reviews (`thresholds.bayesian_prior_weight`).
    pub bayesian_prior_weight: f64,
}

/// A product's star rating, raw and review-count weighted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRating {
    pub product_id: String,
    pub rated_reviews: u32,
    pub mean_stars: f64,
    /// Bayesian average `(C·m + Σ stars) / (C + n)` with `m` the market mean and `C`
    /// the prior weight: three 5-star reviews do not outrank two hundred 4.8s.
    pub weighted_rating: f64,
    /// The product's cheapest offer in the compared condition
    /// ([`MarketSummary::compared_condition`]), in the target currency.
    pub lowest_price: Option<f64>,
}

/// Rank correlation between products' lowest price and their weighted rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankCorrelation {
    /// Spearman's rho in [-1, 1]: positive when dearer products are rated better.
    pub spearman_rho: f64,
    /// Products in the correlation.
    pub n: u32,
    /// Whether rho differs from 0 at the 5 % level (|rho|·√(n−1) ≥ 1.96, the normal
    /// approximation): only then does the report speak of a relation.
    #[serde(default)]
    pub significant: bool,
}

/// A product on the best-value (Pareto) front: no cheaper product has a better
/// weighted rating.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestValueOffer {
    pub product_id: String,
    pub offer_id: String,
    pub seller: String,
    pub price: f64,
    pub weighted_rating: f64,
    pub rated_reviews: u32,
}

/// How much cheaper a non-new condition is than new offers of the same products.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConditionDiscount {
    pub condition: String,
    /// Products with both a new offer and an offer in this condition.
    pub products_compared: u32,
    /// Median over those products of `1 - cheapest(condition) / cheapest(new)`;
    /// negative when the condition costs more than new.
    pub median_discount: f64,
    pub product_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketSummary {
    pub currency: CurrencyCode,
    pub product_count: u32,
    pub offer_count: u32,
    pub seller_count: u32,
    /// `None` when there is no offer.
    pub price: Option<PriceStats>,
    pub histogram: Vec<PriceBin>,
    /// Offers priced far from the same product elsewhere (see [`OutlierOffer`]).
    pub outliers: Vec<OutlierOffer>,
    /// Product-and-condition groups with enough offers to look for outliers in.
    #[serde(default)]
    pub outlier_groups_checked: u32,
    /// Offers needed in a group before it is checked (`thresholds.outlier_min_offers`).
    #[serde(default)]
    pub outlier_min_offers: u32,
    /// Budget, mid-range and premium tiers; empty below `min_sample_size` offers.
    #[serde(default)]
    pub tiers: Vec<PriceTier>,
    pub by_source: Vec<GroupStats>,
    pub by_seller: Vec<GroupStats>,
    pub by_brand: Vec<GroupStats>,
    pub by_condition: Vec<GroupStats>,
    pub ratings: RatingSummary,
    /// Rated products, best weighted rating first.
    pub product_ratings: Vec<ProductRating>,
    /// `None` with fewer than `min_sample_size` rated, priced products or no
    /// variation.
    pub price_rating_correlation: Option<RankCorrelation>,
    /// Pareto front of (lowest price, weighted rating) among products with at least
    /// `min_reviews` rated reviews, cheapest first.
    pub best_value: Vec<BestValueOffer>,
    /// The one condition whose offers best value and the price–rating correlation
    /// compare, so that they compare like with like: `new` whenever the market has a
    /// new offer, else its most common condition (a used-only request compares used
    /// offers). Used and refurbished prices are set against new ones only within a
    /// product, in `condition_discounts`. `None` without offers.
    #[serde(default)]
    pub compared_condition: Option<Condition>,
    pub condition_discounts: Vec<ConditionDiscount>,
    /// Price trends from stored observations (filled by [`super::history`]; empty
    /// history when the analysis has none).
    #[serde(default)]
    pub history: PriceHistory,
    /// Values a statistic needs before the report shows it
    /// (`thresholds.min_sample_size`); 0 in results stored before it existed.
    #[serde(default)]
    pub min_sample_size: u32,
}

pub fn analyze_market(
    products: &[Product],
    currency: CurrencyCode,
    settings: &MarketSettings,
) -> MarketSummary {
    let offers: Vec<(&Product, &Offer, f64)> = products
        .iter()
        .flat_map(|p| {
            p.offers
                .iter()
                .filter_map(move |o| o.converted.money.amount.to_f64().map(|v| (p, o, v)))
        })
        .filter(|(_, _, v)| v.is_finite())
        .collect();
    let prices: Vec<f64> = offers.iter().map(|(_, _, v)| *v).collect();
    let price = price_stats(&prices);
    let histogram = price
        .as_ref()
        .map(|s| histogram(&prices, s))
        .unwrap_or_default();

    let (outliers, outlier_groups_checked) = outliers_within_products(&offers, settings);
    let tiers = price
        .as_ref()
        .filter(|s| s.count >= settings.min_sample_size)
        .map(|s| price_tiers(&offers, s))
        .unwrap_or_default();

    let total = offers.len();
    let group = |key_of: &dyn Fn(&Product, &Offer) -> String| {
        let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for (p, o, v) in &offers {
            groups.entry(key_of(p, o)).or_default().push(*v);
        }
        let mut out: Vec<GroupStats> = groups
            .into_iter()
            .filter_map(|(key, vals)| {
                let s = price_stats(&vals)?;
                Some(GroupStats {
                    key,
                    offer_count: s.count,
                    share: s.count as f64 / total as f64,
                    min: s.min,
                    median: s.median,
                    max: s.max,
                })
            })
            .collect();
        out.sort_by(|a, b| b.offer_count.cmp(&a.offer_count).then(a.key.cmp(&b.key)));
        out
    };
    let by_source = group(&|_, o| o.source.clone());
    let by_seller = group(&|_, o| o.seller.clone());
    let by_brand = group(&|p, _| p.brand.clone().unwrap_or_else(|| "(no brand)".into()));
    let by_condition = group(&|_, o| o.condition.as_str().to_owned());
    debug_assert!(Condition::ALL.len() == 4);

    let mut distribution = [0u32; 5];
    let mut sum = 0.0;
    let mut rated = 0u32;
    for r in products.iter().flat_map(|p| &p.reviews) {
        if let Some(stars) = r.rating.map(|r| r.stars()) {
            let bucket = (stars.round().clamp(1.0, 5.0) as usize) - 1;
            distribution[bucket] += 1;
            sum += stars;
            rated += 1;
        }
    }
    let prior = (rated > 0).then(|| sum / f64::from(rated));
    let compared_condition = compared_condition(offers.iter().map(|(_, o, _)| o.condition));
    let product_ratings = product_ratings(
        products,
        prior,
        settings.bayesian_prior_weight,
        compared_condition,
    );
    let price_rating_correlation =
        price_rating_correlation(&product_ratings, settings.min_sample_size);
    let best_value = best_value_front(
        products,
        &product_ratings,
        settings.min_reviews,
        compared_condition,
    );
    let condition_discounts = condition_discounts(products);

    MarketSummary {
        currency,
        product_count: products.len() as u32,
        offer_count: total as u32,
        seller_count: by_seller.len() as u32,
        price,
        histogram,
        outliers,
        outlier_groups_checked,
        outlier_min_offers: settings.outlier_min_offers,
        tiers,
        by_source,
        by_seller,
        by_brand,
        by_condition,
        ratings: RatingSummary {
            distribution,
            rated_reviews: rated,
            mean: prior,
            bayesian_prior_weight: settings.bayesian_prior_weight,
        },
        product_ratings,
        price_rating_correlation,
        best_value,
        compared_condition,
        condition_discounts,
        history: PriceHistory::default(),
        min_sample_size: settings.min_sample_size,
    }
}

impl MarketSummary {
    /// The condition of the cheapest or dearest offer at `price` when it is not new
    /// (`None` when a new offer has that price): what a reader must be told beside the
    /// market's minimum and maximum.
    pub fn condition_at_extreme(&self, price: f64) -> Option<Condition> {
        let at: Vec<&GroupStats> = self
            .by_condition
            .iter()
            .filter(|g| g.min == price || g.max == price)
            .collect();
        if at.iter().any(|g| g.key == Condition::New.as_str()) {
            return None;
        }
        at.iter()
            .find_map(|g| Condition::ALL.into_iter().find(|c| c.as_str() == g.key))
    }
}

/// The groups tied for the most offers: the first group and every group with as many
/// offers (groups are sorted by offer count, largest first). Empty without groups.
pub fn leading_groups(groups: &[GroupStats]) -> &[GroupStats] {
    let top = groups.first().map_or(0, |g| g.offer_count);
    let tied = groups.iter().take_while(|g| g.offer_count == top).count();
    &groups[..tied]
}

/// The condition comparisons across products are made in: new when any offer is new,
/// else the most common condition (ties in the order of [`Condition::ALL`]).
fn compared_condition(conditions: impl Iterator<Item = Condition>) -> Option<Condition> {
    let mut counts = [0usize; Condition::ALL.len()];
    for c in conditions {
        if let Some(i) = Condition::ALL.iter().position(|x| *x == c) {
            counts[i] += 1;
        }
    }
    if counts[0] > 0 {
        return Some(Condition::New);
    }
    let most = *counts.iter().max()?;
    (most > 0)
        .then(|| counts.iter().position(|n| *n == most))
        .flatten()
        .map(|i| Condition::ALL[i])
}

/// A product's cheapest offer in `condition` (any condition when `None`).
fn cheapest_in(p: &Product, condition: Option<Condition>) -> Option<&Offer> {
    p.offers
        .iter()
        .filter(|o| condition.is_none_or(|c| o.condition == c))
        .filter(|o| offer_price(o).is_some())
        .min_by(|a, b| a.converted.money.amount.cmp(&b.converted.money.amount))
}

/// Converted amount of an offer as `f64` (finite), for statistics.
fn offer_price(o: &Offer) -> Option<f64> {
    o.converted.money.amount.to_f64().filter(|v| v.is_finite())
}

/// Bayesian rating of every product with at least one rated review, best first (ties:
/// more reviews, then id). `prior` is the market mean, `weight` its weight in reviews;
/// the lowest price is the cheapest offer in `condition`.
pub fn product_ratings(
    products: &[Product],
    prior: Option<f64>,
    weight: f64,
    condition: Option<Condition>,
) -> Vec<ProductRating> {
    let Some(prior) = prior else {
        return Vec::new();
    };
    let mut out: Vec<ProductRating> = products
        .iter()
        .filter_map(|p| {
            let stars: Vec<f64> = p
                .reviews
                .iter()
                .filter_map(|r| r.rating.map(|r| r.stars()))
                .collect();
            if stars.is_empty() {
                return None;
            }
            let n = stars.len() as f64;
            let total: f64 = stars.iter().sum();
            Some(ProductRating {
                product_id: p.id.clone(),
                rated_reviews: stars.len() as u32,
                mean_stars: total / n,
                weighted_rating: bayesian_rating(total, n, prior, weight),
                lowest_price: cheapest_in(p, condition).and_then(offer_price),
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.weighted_rating
            .total_cmp(&a.weighted_rating)
            .then(b.rated_reviews.cmp(&a.rated_reviews))
            .then(a.product_id.cmp(&b.product_id))
    });
    out
}

/// `(C·m + Σ stars) / (C + n)`: the mean of the product's stars and `C` imaginary
/// reviews at the market mean `m`.
pub fn bayesian_rating(star_sum: f64, rated: f64, prior_mean: f64, prior_weight: f64) -> f64 {
    if rated + prior_weight <= 0.0 {
        return prior_mean;
    }
    (prior_weight * prior_mean + star_sum) / (prior_weight + rated)
}

/// Rated products with a price: what the price–rating correlation is computed over.
pub fn correlated_product_count(ratings: &[ProductRating]) -> u32 {
    ratings.iter().filter(|r| r.lowest_price.is_some()).count() as u32
}

fn price_rating_correlation(
    ratings: &[ProductRating],
    min_sample_size: u32,
) -> Option<RankCorrelation> {
    let (prices, stars): (Vec<f64>, Vec<f64>) = ratings
        .iter()
        .filter_map(|r| Some((r.lowest_price?, r.weighted_rating)))
        .unzip();
    // Two points always correlate at ±1, and a handful say little more.
    if prices.len() < (min_sample_size.max(3) as usize) {
        return None;
    }
    let rho = spearman(&prices, &stars)?;
    Some(RankCorrelation {
        spearman_rho: rho,
        n: prices.len() as u32,
        significant: rho.abs() * ((prices.len() - 1) as f64).sqrt() >= 1.96,
    })
}

/// Pareto front of (lowest price ↓, weighted rating ↑) over products with at least
/// `min_reviews` rated reviews: walking from the cheapest, a product is on the front
/// iff it is rated strictly better than every cheaper one. Prices are each product's
/// cheapest offer in `condition`, so a used offer never undercuts new ones.
fn best_value_front(
    products: &[Product],
    ratings: &[ProductRating],
    min_reviews: u32,
    condition: Option<Condition>,
) -> Vec<BestValueOffer> {
    let mut candidates: Vec<BestValueOffer> = ratings
        .iter()
        .filter(|r| r.rated_reviews >= min_reviews)
        .filter_map(|r| {
            let p = products.iter().find(|p| p.id == r.product_id)?;
            let o = cheapest_in(p, condition)?;
            Some(BestValueOffer {
                product_id: p.id.clone(),
                offer_id: o.id.clone(),
                seller: o.seller.clone(),
                price: offer_price(o)?,
                weighted_rating: r.weighted_rating,
                rated_reviews: r.rated_reviews,
            })
        })
        .collect();
    candidates.sort_by(|a, b| {
        a.price
            .total_cmp(&b.price)
            .then(b.weighted_rating.total_cmp(&a.weighted_rating))
            .then(a.product_id.cmp(&b.product_id))
    });
    let mut front = Vec::new();
    let mut best = f64::NEG_INFINITY;
    for c in candidates {
        if c.weighted_rating > best {
            best = c.weighted_rating;
            front.push(c);
        }
    }
    front
}

/// For each non-new condition (used, refurbished), the median discount against new
/// offers over the products sold in both. Comparing within a product keeps a cheap
/// used phone from looking like a discount on an expensive new one.
fn condition_discounts(products: &[Product]) -> Vec<ConditionDiscount> {
    let mut per_condition: BTreeMap<&'static str, Vec<(f64, String)>> = BTreeMap::new();
    for p in products {
        let cheapest = |c: Condition| {
            p.offers
                .iter()
                .filter(|o| o.condition == c)
                .filter_map(offer_price)
                .min_by(f64::total_cmp)
        };
        let Some(new) = cheapest(Condition::New).filter(|v| *v > 0.0) else {
            continue;
        };
        for c in [Condition::Used, Condition::Refurbished] {
            if let Some(v) = cheapest(c) {
                per_condition
                    .entry(c.as_str())
                    .or_default()
                    .push((1.0 - v / new, p.id.clone()));
            }
        }
    }
    per_condition
        .into_iter()
        .map(|(condition, rows)| {
            let mut discounts: Vec<f64> = rows.iter().map(|r| r.0).collect();
            discounts.sort_by(f64::total_cmp);
            ConditionDiscount {
                condition: condition.to_owned(),
                products_compared: rows.len() as u32,
                median_discount: quantile_sorted(&discounts, 0.5),
                product_ids: rows.into_iter().map(|r| r.1).collect(),
            }
        })
        .collect()
}

pub fn price_stats(values: &[f64]) -> Option<PriceStats> {
    if values.is_empty() {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len() as f64;
    let mean = sorted.iter().sum::<f64>() / n;
    let var = if sorted.len() > 1 {
        sorted.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    let q1 = quantile_sorted(&sorted, 0.25);
    let q3 = quantile_sorted(&sorted, 0.75);
    Some(PriceStats {
        count: sorted.len() as u32,
        min: sorted[0],
        max: sorted[sorted.len() - 1],
        mean,
        median: quantile_sorted(&sorted, 0.5),
        q1,
        q3,
        iqr: q3 - q1,
        std_dev: var.sqrt(),
    })
}

/// Offers priced far from the other offers of the same product in the same condition,
/// and how many such groups had at least `outlier_min_offers` offers to be checked.
///
/// Comparing a product with itself is what tells a pricing error or a deal from a
/// premium product: a market-wide z-score flags every offer of an expensive model. The
/// spread is floored at 5 % of the median so that a group of identical prices does
/// not turn a 2 % difference into an outlier.
fn outliers_within_products(
    offers: &[(&Product, &Offer, f64)],
    settings: &MarketSettings,
) -> (Vec<OutlierOffer>, u32) {
    let mut groups: BTreeMap<(&str, Condition), Vec<(&Offer, f64)>> = BTreeMap::new();
    for (p, o, v) in offers {
        groups
            .entry((p.id.as_str(), o.condition))
            .or_default()
            .push((o, *v));
    }
    let mut out = Vec::new();
    let mut checked = 0u32;
    for ((product_id, condition), group) in groups {
        if group.len() < settings.outlier_min_offers as usize {
            continue;
        }
        checked += 1;
        let mut prices: Vec<f64> = group.iter().map(|(_, v)| *v).collect();
        prices.sort_by(f64::total_cmp);
        let median = quantile_sorted(&prices, 0.5);
        let scale = (1.4826 * median_abs_deviation(&prices, median)).max(0.05 * median.abs());
        if scale <= 0.0 {
            continue;
        }
        for (o, v) in &group {
            let z = (v - median) / scale;
            if z.abs() > settings.outlier_robust_z {
                out.push(OutlierOffer {
                    product_id: product_id.to_owned(),
                    offer_id: o.id.clone(),
                    seller: o.seller.clone(),
                    price: *v,
                    robust_z: z,
                    condition,
                    product_median: median,
                    compared_offers: group.len() as u32,
                });
            }
        }
    }
    (out, checked)
}

/// Budget (below Q1), mid-range (Q1 to Q3) and premium (above Q3) tiers.
fn price_tiers(offers: &[(&Product, &Offer, f64)], s: &PriceStats) -> Vec<PriceTier> {
    let bands: [(&str, Option<f64>, Option<f64>); 3] = [
        ("budget", None, Some(s.q1)),
        ("mid_range", Some(s.q1), Some(s.q3)),
        ("premium", Some(s.q3), None),
    ];
    bands
        .into_iter()
        .map(|(tier, lower, upper)| {
            let inside = |v: f64| match (lower, upper) {
                (None, Some(u)) => v < u,
                (Some(l), Some(u)) => v >= l && v <= u,
                (Some(l), None) => v > l,
                (None, None) => true,
            };
            let in_tier: Vec<&(&Product, &Offer, f64)> =
                offers.iter().filter(|(_, _, v)| inside(*v)).collect();
            let products: std::collections::BTreeSet<&str> =
                in_tier.iter().map(|(p, _, _)| p.id.as_str()).collect();
            PriceTier {
                tier: tier.to_owned(),
                lower,
                upper,
                offer_count: in_tier.len() as u32,
                product_count: products.len() as u32,
            }
        })
        .collect()
}

fn median_abs_deviation(values: &[f64], median: f64) -> f64 {
    let mut dev: Vec<f64> = values.iter().map(|v| (v - median).abs()).collect();
    dev.sort_by(f64::total_cmp);
    quantile_sorted(&dev, 0.5)
}

/// Histogram with Freedman–Diaconis bin width (robust to outliers), between 1 and 12
/// bins, edges rounded to a "nice" step (1, 2 or 5 × 10ⁿ) so bands read naturally.
pub fn histogram(values: &[f64], stats: &PriceStats) -> Vec<PriceBin> {
    if values.is_empty() {
        return Vec::new();
    }
    let range = stats.max - stats.min;
    if range <= 0.0 {
        return vec![PriceBin {
            lower: stats.min,
            upper: stats.max,
            count: values.len() as u32,
        }];
    }
    let n = values.len() as f64;
    let fd = 2.0 * stats.iqr / n.cbrt();
    let raw_width = if fd > 0.0 {
        fd
    } else {
        range / n.sqrt().ceil()
    };
    let mut width = nice_step(raw_width.max(range / 12.0));
    let mut lower = (stats.min / width).floor() * width;
    let mut bins = ((stats.max - lower) / width).floor() as usize + 1;
    if bins > 12 {
        width = nice_step(range / 11.0);
        lower = (stats.min / width).floor() * width;
        bins = ((stats.max - lower) / width).floor() as usize + 1;
    }
    let mut out: Vec<PriceBin> = (0..bins)
        .map(|i| PriceBin {
            lower: lower + i as f64 * width,
            upper: lower + (i + 1) as f64 * width,
            count: 0,
        })
        .collect();
    for v in values {
        let i = (((v - lower) / width).floor() as usize).min(bins - 1);
        out[i].count += 1;
    }
    out
}

fn nice_step(x: f64) -> f64 {
    let exp = x.log10().floor();
    let base = 10f64.powf(exp);
    let m = x / base;
    let nice = if m <= 1.0 {
        1.0
    } else if m <= 2.0 {
        2.0
    } else if m <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * base
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_empty_and_single() {
        assert!(price_stats(&[]).is_none());
        let s = price_stats(&[42.0]).unwrap();
        assert_eq!(
            (s.min, s.max, s.median, s.q1, s.q3),
            (42.0, 42.0, 42.0, 42.0, 42.0)
        );
        assert_eq!(s.std_dev, 0.0);
        assert_eq!(s.iqr, 0.0);
    }

    #[test]
    fn stats_match_hand_computed_values() {
        // 1..=8: mean 4.5, median 4.5, type-7 quartiles 2.75 and 6.25, sd sqrt(6).
        let v: Vec<f64> = (1..=8).map(f64::from).rev().collect();
        let s = price_stats(&v).unwrap();
        assert_eq!(s.count, 8);
        assert_eq!(s.mean, 4.5);
        assert_eq!(s.median, 4.5);
        assert_eq!(s.q1, 2.75);
        assert_eq!(s.q3, 6.25);
        assert_eq!(s.iqr, 3.5);
        assert!((s.std_dev - 6f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn histogram_counts_every_value_once_with_nice_edges() {
        let v = [9.99, 19.5, 20.0, 35.0, 49.0, 51.0, 99.0, 250.0];
        let s = price_stats(&v).unwrap();
        let h = histogram(&v, &s);
        assert!(!h.is_empty() && h.len() <= 12);
        assert_eq!(h.iter().map(|b| b.count).sum::<u32>(), v.len() as u32);
        assert!(h[0].lower <= 9.99 && h.last().unwrap().upper >= 250.0);
        let w = h[0].upper - h[0].lower;
        let m = w / 10f64.powf(w.log10().floor());
        assert!(
            [1.0, 2.0, 5.0, 10.0].iter().any(|n| (m - n).abs() < 1e-9),
            "{w}"
        );
    }

    #[test]
    fn histogram_of_identical_prices_is_one_bin() {
        let v = [5.0, 5.0, 5.0];
        let h = histogram(&v, &price_stats(&v).unwrap());
        assert_eq!(h.len(), 1);
        assert_eq!(h[0].count, 3);
    }

    fn settings() -> MarketSettings {
        MarketSettings {
            outlier_robust_z: 3.5,
            outlier_min_offers: 5,
            min_reviews: 3,
            bayesian_prior_weight: 5.0,
            min_sample_size: 3,
        }
    }

    /// The shared test catalogue's products (100: 99 € and 105 €, stars 5 4 5; 200:
    /// 149 € and 155 €, stars 1 2 1; 300: 249 €, 259 € and 1999 €, stars 5 4 5).
    fn products() -> Vec<Product> {
        crate::testing::result().products
    }

    /// Sets offer `i` of `p` to `eur` euros in `condition`.
    fn set_offer(p: &mut Product, i: usize, eur: i64, condition: Condition) {
        let money =
            crate::domain::Money::new(rust_decimal::Decimal::new(eur, 0), CurrencyCode::EUR);
        p.offers[i].price = money;
        p.offers[i].converted.money = money;
        p.offers[i].condition = condition;
    }

    #[test]
    fn stats_of_all_equal_prices() {
        let s = price_stats(&[5.0, 5.0, 5.0, 5.0]).unwrap();
        assert_eq!((s.min, s.max, s.mean, s.median), (5.0, 5.0, 5.0, 5.0));
        assert_eq!((s.iqr, s.std_dev), (0.0, 0.0));
        // MAD is 0: no price can be called an outlier.
        let mut ps = products();
        for p in &mut ps {
            for i in 0..p.offers.len() {
                set_offer(p, i, 50, Condition::New);
            }
        }
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        assert!(m.outliers.is_empty());
        assert_eq!(m.histogram.len(), 1);
    }

    /// Gives `p` one new offer per price, at sellers S0, S1, …
    fn with_offers(p: &mut Product, eur: &[i64]) {
        let template = p.offers[0].clone();
        p.offers = eur
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let mut o = template.clone();
                o.id = format!("{}-{i}", p.id);
                o.seller = format!("S{i}");
                o
            })
            .collect();
        for (i, v) in eur.iter().enumerate() {
            set_offer(p, i, *v, Condition::New);
        }
    }

    #[test]
    fn outliers_are_prices_far_from_the_same_product_elsewhere() {
        let mut ps = products();
        // 100: five offers within 3 % and one at 55 € (an error or a deal). Median 100,
        // absolute deviations 45 1 0 0 1 2 → MAD 1; the spread is floored at 5 % of
        // the median (5), so 55 € has z = -45 / 5 = -9 and 102 € only 0.4.
        with_offers(&mut ps[0], &[100, 101, 99, 102, 100, 55]);
        // 300: a premium product, every offer near 2000 €: dear, but not an outlier.
        with_offers(&mut ps[2], &[1990, 2000, 2010, 2005, 1995]);
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        assert_eq!(m.outliers.len(), 1, "{:?}", m.outliers);
        let o = &m.outliers[0];
        assert_eq!((o.product_id.as_str(), o.price), ("catalog:100", 55.0));
        assert_eq!((o.product_median, o.compared_offers), (100.0, 6));
        assert_eq!((o.robust_z, o.condition), (-9.0, Condition::New));
        // 200 has two offers: not enough to judge; 100 and 300 were checked.
        assert_eq!((m.outlier_groups_checked, m.outlier_min_offers), (2, 5));
    }

    #[test]
    fn a_handful_of_offers_is_never_given_a_robust_z() {
        // The catalogue's 1999 € offer stands far from the market (z ≈ 22 against all
        // seven prices) but its product has three offers: nothing is computed.
        let m = analyze_market(&products(), CurrencyCode::EUR, &settings());
        assert!(m.outliers.is_empty(), "{:?}", m.outliers);
        assert_eq!(m.outlier_groups_checked, 0);
    }

    #[test]
    fn tiers_split_the_market_at_its_quartiles() {
        // Prices 99 105 149 155 249 259 1999: Q1 127, Q3 254.
        let m = analyze_market(&products(), CurrencyCode::EUR, &settings());
        let t: Vec<(&str, u32, u32)> = m
            .tiers
            .iter()
            .map(|t| (t.tier.as_str(), t.offer_count, t.product_count))
            .collect();
        assert_eq!(
            t,
            [("budget", 2, 1), ("mid_range", 3, 2), ("premium", 2, 1)]
        );
        assert_eq!((m.tiers[0].lower, m.tiers[0].upper), (None, Some(127.0)));
        assert_eq!((m.tiers[2].lower, m.tiers[2].upper), (Some(254.0), None));
        // Below the minimum sample there are no tiers.
        let few = MarketSettings {
            min_sample_size: 8,
            ..settings()
        };
        assert!(
            analyze_market(&products(), CurrencyCode::EUR, &few)
                .tiers
                .is_empty()
        );
    }

    #[test]
    fn bayesian_rating_is_pulled_towards_the_market_mean() {
        // Three 5-star reviews, market mean 3, weight 5: (5·3 + 15) / 8 = 3.75.
        assert_eq!(bayesian_rating(15.0, 3.0, 3.0, 5.0), 3.75);
        // No prior weight: the plain mean; no reviews: the prior.
        assert_eq!(bayesian_rating(15.0, 3.0, 3.0, 0.0), 5.0);
        assert_eq!(bayesian_rating(0.0, 0.0, 3.0, 5.0), 3.0);
        assert_eq!(bayesian_rating(0.0, 0.0, 3.0, 0.0), 3.0);
        // Market mean 32/9; product 100 sums 14 over 3 → (5·32/9 + 14) / 8.
        let m = analyze_market(&products(), CurrencyCode::EUR, &settings());
        let prior = 32.0 / 9.0;
        // Stars 5 4 5 / 1 2 1 / 5 4 5: two 1s, one 2, no 3, two 4s, four 5s.
        assert_eq!(m.ratings.distribution, [2, 1, 0, 2, 4]);
        assert_eq!(m.ratings.rated_reviews, 9);
        assert!((m.ratings.mean.unwrap() - prior).abs() < 1e-12);
        assert_eq!(m.ratings.bayesian_prior_weight, 5.0);
        let r: Vec<(&str, f64)> = m
            .product_ratings
            .iter()
            .map(|r| (r.product_id.as_str(), r.weighted_rating))
            .collect();
        assert_eq!(r.len(), 3);
        // Ties (100 and 300) are broken by id; 200 (sum 4) is last.
        assert_eq!(r[0].0, "catalog:100");
        assert_eq!(r[1].0, "catalog:300");
        assert_eq!(r[2].0, "catalog:200");
        assert!((r[0].1 - (5.0 * prior + 14.0) / 8.0).abs() < 1e-12);
        assert!((r[2].1 - (5.0 * prior + 4.0) / 8.0).abs() < 1e-12);
        assert_eq!(m.product_ratings[0].lowest_price, Some(99.0));
        assert!((m.product_ratings[0].mean_stars - 14.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn best_value_is_the_pareto_front_of_price_and_weighted_rating() {
        // 100 (99 €, best rating) dominates 200 (dearer, worse) and 300 (dearer, equal).
        let m = analyze_market(&products(), CurrencyCode::EUR, &settings());
        let front: Vec<&str> = m.best_value.iter().map(|b| b.product_id.as_str()).collect();
        assert_eq!(front, ["catalog:100"]);
        assert_eq!(m.best_value[0].offer_id, "a1");
        assert_eq!(m.best_value[0].price, 99.0);
        // 200 made the cheapest: it joins the front first, then 100 (rated better).
        let mut ps = products();
        let condition = ps[1].offers[0].condition;
        set_offer(&mut ps[1], 0, 10, condition);
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        let front: Vec<&str> = m.best_value.iter().map(|b| b.product_id.as_str()).collect();
        assert_eq!(front, ["catalog:200", "catalog:100"]);
        // Products with fewer rated reviews than min_reviews are left out.
        let strict = MarketSettings {
            min_reviews: 4,
            ..settings()
        };
        assert!(
            analyze_market(&ps, CurrencyCode::EUR, &strict)
                .best_value
                .is_empty()
        );
    }

    #[test]
    fn price_rating_rank_correlation_is_hand_checked() {
        // Lowest prices 99, 149, 249 (ranks 1 2 3); weighted ratings rank 2.5, 1, 2.5:
        // Sxy = (-1)(0.5) + 0 + (1)(0.5) = 0 → rho 0.
        let m = analyze_market(&products(), CurrencyCode::EUR, &settings());
        let c = m.price_rating_correlation.unwrap();
        assert_eq!((c.spearman_rho, c.n), (0.0, 3));
        // A fourth 5-star review makes 300 the best rated: ratings rank 2, 1, 3 against
        // prices 1, 2, 3; centred dx -1 0 1, dy 0 -1 1 → Sxy 1, Sxx 2, Syy 2 → 0.5.
        let mut ps = products();
        let extra = ps[2].reviews[0].clone();
        ps[2].reviews.push(extra);
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        assert_eq!(m.price_rating_correlation.unwrap().spearman_rho, 0.5);
        // Two products are not enough to speak of a correlation.
        let m = analyze_market(&products()[..2], CurrencyCode::EUR, &settings());
        assert!(m.price_rating_correlation.is_none());
        // Nor, by default, are three: the minimum sample is five.
        let defaults =
            MarketSettings::from_thresholds(&crate::config::AgentConfig::builtin().thresholds);
        assert_eq!(defaults.min_sample_size, 5);
        assert!(
            analyze_market(&ps, CurrencyCode::EUR, &defaults)
                .price_rating_correlation
                .is_none()
        );
        // Significance: |rho|·√(n−1) ≥ 1.96.
        let rated = |ratings: &[f64]| -> Vec<ProductRating> {
            ratings
                .iter()
                .enumerate()
                .map(|(i, r)| ProductRating {
                    product_id: format!("p{i}"),
                    rated_reviews: 5,
                    mean_stars: *r,
                    weighted_rating: *r,
                    lowest_price: Some(10.0 * (i + 1) as f64),
                })
                .collect()
        };
        // Perfectly ranked over 5: 1 · 2 ≥ 1.96.
        let c = price_rating_correlation(&rated(&[1.0, 2.0, 3.0, 4.0, 5.0]), 5).unwrap();
        assert!(c.significant && c.spearman_rho == 1.0);
        // Rank differences -1 1 -1 -1 2: rho = 1 - 6·8 / (5·24) = 0.6; 0.6 · 2 < 1.96.
        let c = price_rating_correlation(&rated(&[2.0, 1.0, 4.0, 5.0, 3.0]), 5).unwrap();
        assert!((c.spearman_rho - 0.6).abs() < 1e-12, "{c:?}");
        assert!(!c.significant);
        assert!(price_rating_correlation(&rated(&[1.0, 2.0, 3.0, 4.0]), 5).is_none());
    }

    #[test]
    fn condition_discounts_compare_each_product_with_its_own_new_price() {
        let mut ps = products();
        // 100: new 100 €, used 90 € → 10 % off. 200: new 200 €, used 100 € → 50 % off.
        set_offer(&mut ps[0], 0, 100, Condition::New);
        set_offer(&mut ps[0], 1, 90, Condition::Used);
        set_offer(&mut ps[1], 0, 200, Condition::New);
        set_offer(&mut ps[1], 1, 100, Condition::Used);
        // 300: refurbished dearer than new → a negative discount.
        set_offer(&mut ps[2], 0, 100, Condition::New);
        set_offer(&mut ps[2], 1, 110, Condition::Refurbished);
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        let d = &m.condition_discounts;
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].condition, "refurbished");
        assert_eq!(d[0].products_compared, 1);
        assert!((d[0].median_discount + 0.1).abs() < 1e-12);
        assert_eq!(d[1].condition, "used");
        assert_eq!(d[1].product_ids, ["catalog:100", "catalog:200"]);
        assert!((d[1].median_discount - 0.3).abs() < 1e-12, "{:?}", d[1]);
        // Without new offers nothing can be compared.
        let mut ps = products();
        set_offer(&mut ps[0], 1, 90, Condition::Used);
        let m = analyze_market(&ps, CurrencyCode::EUR, &settings());
        assert!(m.condition_discounts.is_empty());
    }

    #[test]
    fn empty_and_single_offer_markets() {
        let m = analyze_market(&[], CurrencyCode::EUR, &settings());
        assert!(m.price.is_none() && m.histogram.is_empty() && m.outliers.is_empty());
        assert!(m.product_ratings.is_empty() && m.best_value.is_empty());
        assert!(m.price_rating_correlation.is_none() && m.condition_discounts.is_empty());
        assert_eq!(m.ratings.mean, None);
        assert!(!m.history.has_trend);

        let mut one = products().remove(0);
        one.offers.truncate(1);
        one.reviews.truncate(1);
        let m = analyze_market(&[one], CurrencyCode::EUR, &settings());
        let p = m.price.unwrap();
        assert_eq!((p.count, p.min, p.max, p.std_dev), (1, 99.0, 99.0, 0.0));
        assert_eq!(m.by_brand[0].share, 1.0);
        // One 5-star review is its own market mean: weighted 5.
        assert_eq!(m.product_ratings[0].weighted_rating, 5.0);
        assert!(m.best_value.is_empty(), "one review is below min_reviews");
    }
}
