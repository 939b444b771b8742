//! The top of the report: the request's parameters and the banners (data notices,
//! sources that were stale, fell back or failed, failed quality checks).

use rust_decimal::Decimal;

use crate::report::html::format::{fmt_age, fmt_decimal};
use crate::report::html::view::{Banner, Kv, kv};
use crate::result::{AnalysisResult, SourceOutcome, SourceStatus};

/// Data notices, then sources that did not answer live, then failed quality checks.
pub fn banners(r: &AnalysisResult) -> Vec<Banner> {
    let mut banners: Vec<Banner> = r
        .data_notices
        .iter()
        .map(|n| Banner {
            class: "notice",
            heading: "Data notice".into(),
            text: n.clone(),
        })
        .collect();
    banners.extend(r.sources.iter().filter_map(source_banner));
    banners.extend(super::generated::generated_banner(r));
    let failed: Vec<&str> = r.quality.failed_checks().map(|c| c.name.as_str()).collect();
    if !r.quality.passed || !failed.is_empty() {
        banners.push(Banner {
            class: "quality",
            heading: "Quality checks failed".into(),
            text: if failed.is_empty() {
                "The result did not pass its quality checks.".into()
            } else {
                format!("Failed: {}. See the quality section.", failed.join(", "))
            },
        });
    }
    banners
}

pub fn params_view(r: &AnalysisResult) -> Vec<Kv> {
    let p = &r.params;
    let mut out = vec![
        kv("Currency", p.currency.to_string()),
        kv("Market", p.market.as_str()),
        kv("Max products", p.max_products.to_string()),
        kv(
            "Sources",
            if p.sources.is_empty() {
                "all enabled".to_owned()
            } else {
                p.sources
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        kv(
            "Condition",
            p.condition.map_or("any", |c| c.as_str()).to_owned(),
        ),
    ];
    if p.min_price.is_some() || p.max_price.is_some() {
        let bound = |d: Option<Decimal>| d.map_or_else(|| "…".to_owned(), fmt_decimal);
        out.push(kv(
            "Price range",
            format!(
                "{} – {} {}",
                bound(p.min_price),
                bound(p.max_price),
                p.currency
            ),
        ));
    }
    out.push(kv(
        "Review language",
        p.language.map_or("all", |l| l.code()).to_owned(),
    ));
    out
}

fn source_banner(s: &SourceOutcome) -> Option<Banner> {
    let err = || match (&s.error_type, &s.error_message) {
        (Some(t), Some(m)) => format!(" ({t}: {m})"),
        (Some(t), None) => format!(" ({t})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    };
    // The age of cached data, if known, between `before` and `after`.
    let age = |before: &str, after: &str| {
        s.age_secs
            .map(|a| format!("{before}{}{after}", fmt_age(a)))
            .unwrap_or_default()
    };
    let (class, heading, text) = match s.status {
        SourceStatus::Live | SourceStatus::Cache => return None,
        SourceStatus::Stale => (
            "stale",
            format!("Stale data from source {}", s.source),
            format!(
                "The live fetch failed{}; showing cached data{}.",
                err(),
                age(" that is ", " old")
            ),
        ),
        SourceStatus::Fallback => (
            "fallback",
            format!("Fallback data for source {}", s.source),
            format!(
                "This source failed{}; its data comes from the configured fallback source{}.",
                err(),
                age(" (data ", " old)")
            ),
        ),
        SourceStatus::Failed => (
            "failed",
            format!("Source {} failed", s.source),
            format!("No data from this source{}.", err()),
        ),
    };
    Some(Banner {
        class,
        heading,
        text,
    })
}
