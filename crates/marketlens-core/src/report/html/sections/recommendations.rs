//! Section `recommendations`: each recommendation with its reason (rule, figures,
//! thresholds) and links to the products it names.

use std::collections::BTreeMap;

use crate::recommend::{Recommendation, RecommendationKind};
use crate::report::html::format::fmt_figure;
use crate::report::html::view::{Kv, ProductIndex, RecommendationView, kv};

pub fn recommendation_view(
    rec: &Recommendation,
    products: &ProductIndex<'_>,
) -> RecommendationView {
    RecommendationView {
        kind: kind_label(rec.kind),
        title: rec.title.clone(),
        detail: rec.detail.clone(),
        rule: rec.why.rule.clone(),
        figures: figures_view(&rec.why.figures),
        thresholds: figures_view(&rec.why.thresholds),
        products: rec
            .why
            .product_ids
            .iter()
            .map(|id| products.reference(id))
            .collect(),
    }
}

fn kind_label(k: RecommendationKind) -> &'static str {
    match k {
        RecommendationKind::BestValue => "Best value",
        RecommendationKind::PricePositioning => "Price positioning",
        RecommendationKind::SellerToAvoid => "Seller to avoid",
        RecommendationKind::ConditionToAvoid => "Condition to avoid",
        RecommendationKind::AspectToWatch => "Aspect to watch",
    }
}

fn figures_view(m: &BTreeMap<String, f64>) -> Vec<Kv> {
    m.iter()
        .map(|(k, v)| kv(k.clone(), fmt_figure(*v)))
        .collect()
}
