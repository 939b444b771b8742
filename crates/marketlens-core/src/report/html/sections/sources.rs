//! Section `fetch_products`: each source's outcome (live, cache, stale, fallback,
//! failed), counts, duration, age and error.

use crate::report::html::format::{fmt_age, fmt_duration_ms};
use crate::report::html::view::SourceRow;
use crate::result::{SourceOutcome, SourceStatus};

pub fn source_row(s: &SourceOutcome) -> SourceRow {
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".to_owned());
    SourceRow {
        source: s.source.clone(),
        kind: s.kind.clone(),
        status: match s.status {
            SourceStatus::Live => "live",
            SourceStatus::Cache => "cache",
            SourceStatus::Stale => "stale",
            SourceStatus::Fallback => "fallback",
            SourceStatus::Failed => "failed",
        },
        products: s.product_count,
        offers: s.offer_count,
        duration: fmt_duration_ms(s.duration_ms),
        age: s.age_secs.map_or_else(|| "—".to_owned(), fmt_age),
        error_type: dash(&s.error_type),
        error_message: dash(&s.error_message),
        notice: dash(&s.notice),
    }
}
