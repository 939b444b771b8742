//! Stage `analyze_market`: price statistics over the offers, in the target currency.
//!
//! Prices are exact decimals up to here; statistics (means, deviations, quantiles) are
//! computed in `f64`, which is ample for figures shown to two decimals.

use std::collections::BTreeMap;

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::domain::{Condition, CurrencyCode, Product};

#[derive(Debug, Clone, PartialEq)]
pub struct MarketSettings {
    /// Robust z-score (|x - median| / (1.4826·MAD)) above which a price is an outlier.
    pub outlier_robust_z: f64,
    /// Reviews a product needs before its rating counts.
    pub min_reviews: u32,
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlierOffer {
    pub product_id: String,
    pub offer_id: String,
    pub seller: String,
    pub price: f64,
    pub robust_z: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    /// Reviews with 1, 2, 3, 4, 5 stars (half stars rounded).
    pub distribution: [u32; 5],
    pub rated_reviews: u32,
    pub mean: Option<f64>,
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
    pub outliers: Vec<OutlierOffer>,
    pub by_source: Vec<GroupStats>,
    pub by_seller: Vec<GroupStats>,
    pub by_brand: Vec<GroupStats>,
    pub by_condition: Vec<GroupStats>,
    pub ratings: RatingSummary,
}

pub fn analyze_market(
    products: &[Product],
    currency: CurrencyCode,
    settings: &MarketSettings,
) -> MarketSummary {
    let offers: Vec<(&Product, &crate::domain::Offer, f64)> = products
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

    let mut outliers = Vec::new();
    if let Some(s) = &price {
        let mad = median_abs_deviation(&prices, s.median);
        if mad > 0.0 {
            for (p, o, v) in &offers {
                let z = (v - s.median) / (1.4826 * mad);
                if z.abs() > settings.outlier_robust_z {
                    outliers.push(OutlierOffer {
                        product_id: p.id.clone(),
                        offer_id: o.id.clone(),
                        seller: o.seller.clone(),
                        price: *v,
                        robust_z: z,
                    });
                }
            }
        }
    }

    let total = offers.len();
    let group = |key_of: &dyn Fn(&Product, &crate::domain::Offer) -> String| {
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
    let _ = settings.min_reviews;

    MarketSummary {
        currency,
        product_count: products.len() as u32,
        offer_count: total as u32,
        seller_count: by_seller.len() as u32,
        price,
        histogram,
        outliers,
        by_source,
        by_seller,
        by_brand,
        by_condition,
        ratings: RatingSummary {
            distribution,
            rated_reviews: rated,
            mean: (rated > 0).then(|| sum / rated as f64),
        },
    }
}

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

    #[test]
    fn quantile_interpolates() {
        assert_eq!(quantile_sorted(&[1.0, 2.0], 0.5), 1.5);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }
}
