//! Section `normalize`: conversion rates, tax basis and counts, the rejected offers
//! with their reasons, and the merges of the same product across shops.

use crate::domain::Product;
use crate::normalize::NormalizationSummary;
use crate::report::html::view::{MergeRow, NormalizationView, ProductIndex, RejectedRow, kv};

pub fn normalization_view(
    n: &NormalizationSummary,
    products: &[Product],
    index: &ProductIndex<'_>,
) -> NormalizationView {
    NormalizationView {
        figures: vec![
            kv("Target currency", n.target_currency.to_string()),
            kv("Reference rates date", n.rates_date.to_string()),
            kv(
                "Rates used (ECB reference, per unit)",
                n.rates_used
                    .iter()
                    .map(|r| format!("{}→{} {} ({})", r.from, r.to, r.rate.normalize(), r.date))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            kv("Tax basis of prices", n.tax_basis.as_str().to_owned()),
            kv(
                "Offers adjusted to the tax basis",
                n.offers_tax_adjusted.to_string(),
            ),
            kv("Products collected", n.products_in.to_string()),
            kv("Products after merging", n.products_out.to_string()),
            kv(
                "Products merged into another",
                n.products_merged.to_string(),
            ),
            kv("Offers collected", n.offers_in.to_string()),
            kv("Offers kept", n.offers_kept.to_string()),
            kv(
                "Offers filtered out (condition / price range)",
                n.offers_filtered_out.to_string(),
            ),
            kv("Offers rejected", n.offers_rejected.len().to_string()),
            kv("Reviews collected", n.reviews_in.to_string()),
            kv("Reviews kept", n.reviews_kept.to_string()),
        ],
        rejected: n
            .offers_rejected
            .iter()
            .map(|o| RejectedRow {
                source: o.source.clone(),
                offer_id: o.offer_id.clone(),
                price_text: o.price_text.clone(),
                reason: o.reason.clone(),
            })
            .collect(),
        merges: products
            .iter()
            .filter(|p| p.merged_from.len() > 1)
            .flat_map(|p| {
                p.merged_from.iter().map(|m| MergeRow {
                    product: index.reference(&p.id),
                    from: format!("{}:{}", m.source, m.source_product_id),
                    rule: m.describe(),
                })
            })
            .collect(),
    }
}
