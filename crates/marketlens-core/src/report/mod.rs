//! Stage `generate_report`: the result document (JSON) and its HTML rendering.

pub mod html;
pub mod narrative;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{AnalysisParams, Fingerprint, Product};
use crate::normalize::NormalizationSummary;
use crate::quality::QualityReport;
use crate::recommend::Recommendation;

/// Version of the result document's shape; bump on breaking changes.
///
/// 2: `market` gained `product_ratings` (Bayesian), `price_rating_correlation`,
/// `best_value`, `condition_discounts` and `history` (trends from stored prices);
/// `ratings` gained `bayesian_prior_weight`; recommendations gained the kind
/// `condition_to_avoid`.
pub const RESULT_SCHEMA_VERSION: u32 = 2;

/// How a source's data was obtained for this analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SourceStatus {
    /// Fetched now.
    Live,
    /// From the collected-products cache, within its TTL.
    Cache,
    /// From the cache past its TTL because the live fetch failed (`age_secs` says how old).
    Stale,
    /// From the configured secondary source because this one failed.
    Fallback,
    /// No data from this source.
    Failed,
}

/// The outcome of one source in `fetch_products`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceOutcome {
    pub source: String,
    pub kind: String,
    pub status: SourceStatus,
    pub product_count: u32,
    pub offer_count: u32,
    pub duration_ms: u64,
    /// Age of the data when it came from a cache.
    pub age_secs: Option<u64>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// A notice to show with this source's data (e.g. "sample data").
    pub notice: Option<String>,
}

/// Enough to reproduce a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Traceability {
    pub crate_version: String,
    pub git_sha: String,
    pub agent_config_version: i64,
    pub agent_config_hash: String,
    pub prompt_version: Option<String>,
    pub model: Option<String>,
    pub trace_id: Option<String>,
}

/// The complete result of one analysis: what the JSON endpoint returns and what the
/// HTML report renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalysisResult {
    pub schema_version: u32,
    pub query_id: Uuid,
    pub query: String,
    pub normalized_query: String,
    pub fingerprint: Fingerprint,
    pub params: AnalysisParams,
    pub generated_at: DateTime<Utc>,
    /// Notices about the data shown at the top of every report (sample data, stale
    /// cache, fallback).
    pub data_notices: Vec<String>,
    pub sources: Vec<SourceOutcome>,
    pub normalization: NormalizationSummary,
    pub products: Vec<Product>,
    pub market: MarketSummary,
    pub sentiment: SentimentSummary,
    pub recommendations: Vec<Recommendation>,
    /// Executive summary, one paragraph per entry, built only from computed figures.
    pub narrative: Vec<String>,
    pub quality: QualityReport,
    pub traceability: Traceability,
}

/// Identity of an analysis: everything in a result that does not come from the stages.
#[derive(Debug, Clone)]
pub struct ResultHead {
    pub query_id: Uuid,
    pub query: String,
    pub normalized_query: String,
    pub fingerprint: Fingerprint,
    pub params: AnalysisParams,
    pub generated_at: DateTime<Utc>,
    pub traceability: Traceability,
}

/// What the stages produced for one analysis.
#[derive(Debug, Clone)]
pub struct StageOutputs {
    pub sources: Vec<SourceOutcome>,
    pub normalization: NormalizationSummary,
    pub products: Vec<Product>,
    pub market: MarketSummary,
    pub sentiment: SentimentSummary,
}

/// Assembles the result document: recommendations, narrative and data notices from
/// the stage outputs, then the quality checks on the whole.
pub fn assemble_result(
    head: ResultHead,
    stages: StageOutputs,
    thresholds: &crate::config::Thresholds,
) -> AnalysisResult {
    let recommendations = crate::recommend::recommend(
        &stages.products,
        &stages.market,
        &stages.sentiment,
        thresholds,
    );
    let narrative = narrative::narrative(
        &head.query,
        &stages.market,
        &stages.sentiment,
        &recommendations,
    );
    let mut result = AnalysisResult {
        schema_version: RESULT_SCHEMA_VERSION,
        query_id: head.query_id,
        query: head.query,
        normalized_query: head.normalized_query,
        fingerprint: head.fingerprint,
        params: head.params,
        generated_at: head.generated_at,
        data_notices: data_notices(&stages.sources),
        sources: stages.sources,
        normalization: stages.normalization,
        products: stages.products,
        market: stages.market,
        sentiment: stages.sentiment,
        recommendations,
        narrative,
        quality: QualityReport::default(),
        traceability: head.traceability,
    };
    result.quality = crate::quality::run_checks(&result);
    result
}

/// Notices shown at the top of a report: each source's own notice (sample data) once,
/// and every source whose data is stale, from a fallback, or missing.
pub fn data_notices(sources: &[SourceOutcome]) -> Vec<String> {
    let mut notices: Vec<String> = Vec::new();
    for o in sources {
        if let Some(n) = &o.notice
            && !notices.contains(n)
        {
            notices.push(n.clone());
        }
        let error = o.error_type.as_deref().unwrap_or("error");
        match o.status {
            SourceStatus::Stale => notices.push(format!(
                "Source {} failed ({error}); its data comes from a cached copy {} old.",
                o.source,
                human_age(o.age_secs.unwrap_or(0))
            )),
            SourceStatus::Fallback => notices.push(format!(
                "Source {} failed ({error}); its data comes from its fallback source.",
                o.source
            )),
            SourceStatus::Failed => notices.push(format!(
                "Source {} failed ({error}) and contributed no data.",
                o.source
            )),
            SourceStatus::Live | SourceStatus::Cache => {}
        }
    }
    notices
}

/// An age in the largest unit that keeps it readable.
pub fn human_age(secs: u64) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(source: &str, status: SourceStatus, notice: Option<&str>) -> SourceOutcome {
        SourceOutcome {
            source: source.into(),
            kind: "catalog".into(),
            status,
            product_count: 0,
            offer_count: 0,
            duration_ms: 1,
            age_secs: Some(7_300),
            error_type: (status != SourceStatus::Live).then(|| "source_timeout".into()),
            error_message: None,
            notice: notice.map(Into::into),
        }
    }

    #[test]
    fn notices_name_sample_data_once_and_every_degraded_source() {
        let n = data_notices(&[
            outcome("a", SourceStatus::Live, Some("Sample data")),
            outcome("b", SourceStatus::Live, Some("Sample data")),
            outcome("c", SourceStatus::Stale, None),
            outcome("d", SourceStatus::Failed, None),
        ]);
        assert_eq!(n.len(), 3, "{n:?}");
        assert_eq!(n[0], "Sample data");
        assert!(
            n[1].contains("Source c") && n[1].contains("2 h old"),
            "{}",
            n[1]
        );
        assert!(n[2].contains("Source d failed (source_timeout)"));
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(human_age(59), "59 s");
        assert_eq!(human_age(600), "10 min");
        assert_eq!(human_age(7_300), "2 h");
        assert_eq!(human_age(3 * 86_400), "3 days");
    }
}
