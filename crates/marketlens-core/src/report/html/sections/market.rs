//! Section `analyze_market`: key price figures, the histogram, breakdowns, outliers,
//! star ratings (plain and Bayesian), the price–rating correlation and the discounts
//! of used and refurbished offers. The price history has its own module
//! ([`super::history`]).

use super::history::history_view;
use crate::analysis::market::{
    GroupStats, MarketSummary, RatingSummary, correlated_product_count, leading_groups,
};
use crate::domain::{Condition, Language};
use crate::report::html::charts::{histogram_svg, ratings_svg};
use crate::report::html::format::{fmt_figure, fmt_money, fmt_pct, fmt_price_in, fmt_signed};
use crate::report::html::view::{
    Breakdown, ConditionDiscountRow, GroupRow, MarketView, OutlierRow, ProductIndex,
    ProductRatingRow, RatingsView, TierRow, kv,
};

pub fn market_view(m: &MarketSummary, products: &ProductIndex<'_>) -> MarketView {
    let c = m.currency.to_string();
    let money = |v: f64| fmt_money(v, &c);
    let min = m.min_sample_size;
    // The market's cheapest and dearest offers carry their condition when not new.
    let extreme = |v: f64| match m.condition_at_extreme(v) {
        Some(condition) => fmt_price_in(v, &c, condition),
        None => money(v),
    };
    let key_figures = m
        .price
        .as_ref()
        .map(|s| {
            if s.count < min {
                return vec![
                    kv("Priced offers", s.count.to_string()),
                    kv("Minimum", extreme(s.min)),
                    kv("Maximum", extreme(s.max)),
                ];
            }
            vec![
                kv("Priced offers", s.count.to_string()),
                kv("Minimum", extreme(s.min)),
                kv("First quartile (Q1)", money(s.q1)),
                kv("Median", money(s.median)),
                kv("Mean", money(s.mean)),
                kv("Third quartile (Q3)", money(s.q3)),
                kv("Maximum", extreme(s.max)),
                kv("Interquartile range (IQR)", money(s.iqr)),
                kv("Standard deviation", money(s.std_dev)),
            ]
        })
        .unwrap_or_default();
    let group_rows = |g: &[GroupStats]| -> Vec<GroupRow> {
        g.iter()
            .map(|g| GroupRow {
                key: g.key.clone(),
                offer_count: g.offer_count,
                share: fmt_pct(g.share),
                min: money(g.min),
                median: money(g.median),
                max: money(g.max),
            })
            .collect()
    };
    MarketView {
        currency: c.clone(),
        counts: [
            (m.product_count, "product", "products"),
            (m.offer_count, "offer", "offers"),
            (m.seller_count, "seller", "sellers"),
        ]
        .map(|(n, one, other)| Language::En.count(n.into(), one, other))
        .join(", "),
        key_figures,
        too_little_price_data: m.price.as_ref().filter(|s| s.count < min).map(|s| {
            too_little_data(
                "median, quartiles, mean, spread or histogram",
                Language::En.count(s.count.into(), "priced offer", "priced offers"),
                min,
            )
        }),
        histogram: m
            .price
            .as_ref()
            .filter(|s| s.count >= min)
            .and_then(|_| histogram_svg(&m.histogram, &c)),
        breakdowns: [
            ("By source", "Source", &m.by_source),
            ("By seller", "Seller", &m.by_seller),
            ("By brand", "Brand", &m.by_brand),
            ("By condition", "Condition", &m.by_condition),
        ]
        .into_iter()
        .map(|(title, key_label, groups)| Breakdown {
            title,
            key_label,
            rows: group_rows(groups),
            tie_note: tie_note(groups),
        })
        .collect(),
        outliers: m
            .outliers
            .iter()
            .map(|o| OutlierRow {
                product: products.reference(&o.product_id),
                offer_id: o.offer_id.clone(),
                seller: o.seller.clone(),
                price: fmt_price_in(o.price, &c, o.condition),
                product_median: format!(
                    "{} ({})",
                    money(o.product_median),
                    Language::En.count(o.compared_offers.into(), "offer", "offers")
                ),
                difference: if o.product_median > 0.0 {
                    format!("{:+.0}%", (o.price / o.product_median - 1.0) * 100.0)
                } else {
                    "—".to_owned()
                },
                robust_z: fmt_signed(o.robust_z),
            })
            .collect(),
        outliers_note: outliers_note(m),
        tiers: m
            .tiers
            .iter()
            .map(|t| TierRow {
                tier: match t.tier.as_str() {
                    "budget" => "Budget",
                    "mid_range" => "Mid-range",
                    _ => "Premium",
                },
                range: match (t.lower, t.upper) {
                    (None, Some(u)) => format!("below {}", money(u)),
                    (Some(l), Some(u)) => format!("{} – {}", money(l), money(u)),
                    (Some(l), None) => format!("above {}", money(l)),
                    (None, None) => "any price".to_owned(),
                },
                offers: t.offer_count,
                products: t.product_count,
            })
            .collect(),
        ratings: ratings_view(&m.ratings, min),
        product_ratings: m
            .product_ratings
            .iter()
            .map(|r| ProductRatingRow {
                product: products.reference(&r.product_id),
                rated_reviews: r.rated_reviews,
                mean_stars: format!("{:.2}", r.mean_stars),
                weighted_rating: format!("{:.2}", r.weighted_rating),
                lowest_price: r.lowest_price.map_or_else(
                    || "—".to_owned(),
                    |v| match m.compared_condition {
                        Some(condition) => fmt_price_in(v, &c, condition),
                        None => money(v),
                    },
                ),
                best_value: m.best_value.iter().any(|b| b.product_id == r.product_id),
            })
            .collect(),
        rating_prior: match m.ratings.mean.filter(|v| v.is_finite()) {
            Some(mean) => format!(
                "Weighted rating = (C × m + sum of the product's stars) / (C + its rated reviews), with m = {mean:.2} (the mean over all rated reviews) and C = {} (thresholds.bayesian_prior_weight).",
                fmt_figure(m.ratings.bayesian_prior_weight)
            ),
            None => String::new(),
        },
        compared_condition_note: compared_condition_note(m),
        correlation: match &m.price_rating_correlation {
            Some(c) => Some(format!(
                "Spearman rank correlation between a product's lowest price and its weighted rating: {} over {} products ({}).",
                fmt_signed(c.spearman_rho),
                c.n,
                if c.significant {
                    "significant at the 5% level"
                } else {
                    "not significant at the 5% level"
                }
            )),
            None => {
                let n = correlated_product_count(&m.product_ratings);
                (n >= 1).then(|| {
                    too_little_data(
                        "price–rating correlation",
                        Language::En.count(n.into(), "rated product", "rated products"),
                        min,
                    )
                })
            }
        },
        condition_discounts: m
            .condition_discounts
            .iter()
            .map(|d| ConditionDiscountRow {
                condition: d.condition.clone(),
                products_compared: d.products_compared,
                median_discount: fmt_pct(d.median_discount),
            })
            .collect(),
        history: history_view(&m.history, &c),
    }
}

/// What the outlier check covered: outliers are judged only against the same product
/// in the same condition, and only with enough offers.
fn outliers_note(m: &MarketSummary) -> String {
    let en = Language::En;
    let min = m.outlier_min_offers;
    match (m.outlier_groups_checked, m.outliers.len()) {
        (0, _) => format!(
            "No product has at least {min} offers in one condition: too little data to tell a price that stands out from its own product."
        ),
        (checked, 0) => format!(
            "No offer stands out from the other offers of its product ({} with at least {min} offers checked).",
            en.count(checked.into(), "product", "products")
        ),
        (checked, _) => format!(
            "Offers priced far from the other offers of the same product in the same condition: possible pricing errors or deals ({} with at least {min} offers checked; robust z-score against the product's median).",
            en.count(checked.into(), "product", "products")
        ),
    }
}

/// Which offers the lowest prices, the best-value front and the correlation compare.
fn compared_condition_note(m: &MarketSummary) -> String {
    match m.compared_condition {
        Some(Condition::New) => "Lowest price is each product's cheapest new offer: best value and the price–rating correlation compare new offers with new offers only; used and refurbished prices are compared with new ones of the same product under Discount by condition.".to_owned(),
        Some(c) => format!(
            "This market has no new offer: lowest price, best value and the price–rating correlation compare {} only.",
            offers_in(c)
        ),
        None => String::new(),
    }
}

/// "used offers", "offers of unknown condition".
fn offers_in(c: Condition) -> String {
    match c {
        Condition::Unknown => "offers of unknown condition".to_owned(),
        c => format!("{} offers", c.as_str()),
    }
}

/// "Tied for the most offers: Bose and Sony (16 each)." when several groups share the
/// largest offer count; the table's order alone would make the first look the leader.
fn tie_note(groups: &[GroupStats]) -> Option<String> {
    let tied = leading_groups(groups);
    if tied.len() < 2 {
        return None;
    }
    let names: Vec<&str> = tied.iter().map(|g| g.key.as_str()).collect();
    let en = Language::En;
    let each = en.count(tied[0].offer_count.into(), "offer", "offers");
    Some(if tied.len() == groups.len() {
        format!("No leader: all {} have {each} each.", tied.len())
    } else {
        format!(
            "Tied for the most offers: {} ({each} each).",
            en.join_list(&names)
        )
    })
}

/// "Too little data for a price–rating correlation: 3 rated products (at least 5
/// needed)."
pub fn too_little_data(what: &str, have: String, min: u32) -> String {
    format!("Too little data for a {what}: {have} (at least {min} needed).")
}

fn ratings_view(r: &RatingSummary, min: u32) -> RatingsView {
    RatingsView {
        rated_reviews_label: Language::En.count(
            r.rated_reviews.into(),
            "rated review",
            "rated reviews",
        ),
        mean: r
            .mean
            .filter(|m| m.is_finite() && r.rated_reviews >= min)
            .map_or_else(
                || format!("— (too little data: at least {min} rated reviews needed)"),
                |m| format!("{m:.2} / 5"),
            ),
        chart: ratings_svg(&r.distribution),
    }
}
