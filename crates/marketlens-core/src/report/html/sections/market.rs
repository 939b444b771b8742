//! Section `analyze_market`: key price figures, the histogram, breakdowns, outliers,
//! star ratings (plain and Bayesian), the price–rating correlation and the discounts
//! of used and refurbished offers. The price history has its own module
//! ([`super::history`]).

use super::history::history_view;
use crate::analysis::market::{GroupStats, MarketSummary, RatingSummary};
use crate::report::html::charts::{histogram_svg, ratings_svg};
use crate::report::html::format::{fmt_figure, fmt_money, fmt_pct, fmt_signed};
use crate::report::html::view::{
    Breakdown, ConditionDiscountRow, GroupRow, MarketView, OutlierRow, ProductIndex,
    ProductRatingRow, RatingsView, kv,
};

pub fn market_view(m: &MarketSummary, products: &ProductIndex<'_>) -> MarketView {
    let c = m.currency.to_string();
    let money = |v: f64| fmt_money(v, &c);
    let key_figures = m
        .price
        .as_ref()
        .map(|s| {
            vec![
                kv("Priced offers", s.count.to_string()),
                kv("Minimum", money(s.min)),
                kv("First quartile (Q1)", money(s.q1)),
                kv("Median", money(s.median)),
                kv("Mean", money(s.mean)),
                kv("Third quartile (Q3)", money(s.q3)),
                kv("Maximum", money(s.max)),
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
        product_count: m.product_count,
        offer_count: m.offer_count,
        seller_count: m.seller_count,
        key_figures,
        histogram: histogram_svg(&m.histogram, &c),
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
        })
        .collect(),
        outliers: m
            .outliers
            .iter()
            .map(|o| OutlierRow {
                product: products.reference(&o.product_id),
                offer_id: o.offer_id.clone(),
                seller: o.seller.clone(),
                price: money(o.price),
                robust_z: fmt_signed(o.robust_z),
            })
            .collect(),
        ratings: ratings_view(&m.ratings),
        product_ratings: m
            .product_ratings
            .iter()
            .map(|r| ProductRatingRow {
                product: products.reference(&r.product_id),
                rated_reviews: r.rated_reviews,
                mean_stars: format!("{:.2}", r.mean_stars),
                weighted_rating: format!("{:.2}", r.weighted_rating),
                lowest_price: r.lowest_price.map_or_else(|| "—".to_owned(), money),
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
        correlation: m.price_rating_correlation.as_ref().map(|c| {
            format!(
                "Spearman rank correlation between a product's lowest price and its weighted rating: {} over {} products.",
                fmt_signed(c.spearman_rho),
                c.n
            )
        }),
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

fn ratings_view(r: &RatingSummary) -> RatingsView {
    RatingsView {
        rated_reviews: r.rated_reviews,
        mean: r
            .mean
            .filter(|m| m.is_finite())
            .map_or_else(|| "—".to_owned(), |m| format!("{m:.2} / 5")),
        chart: ratings_svg(&r.distribution),
    }
}
