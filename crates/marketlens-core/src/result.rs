//! The result document of one analysis: what the JSON endpoint returns, what is stored
//! with the query and what the HTML report renders.
//!
//! Only the shape lives here. The stages fill it (`normalize`, `analysis`), the
//! `generate_report` stage assembles it ([`crate::report::assemble_result`]), and the
//! quality checks ([`crate::quality::run_checks`]) judge it; keeping the type apart
//! from both lets each depend on it without depending on the other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{AnalysisParams, Fingerprint, Product};
use crate::normalize::NormalizationSummary;
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
    /// The experiment variant the query ran in, when an experiment was running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<crate::experiment::ExperimentAssignment>,
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

/// Identity of an analysis: everything in a result that does not come from the stages
/// (the `generate_report` stage adds their outputs to it).
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

/// One quality check's outcome ([`crate::quality::run_checks`] runs them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityCheck {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// The outcome of the quality checks, part of every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct QualityReport {
    pub passed: bool,
    pub checks: Vec<QualityCheck>,
}

impl QualityReport {
    pub fn failed_checks(&self) -> impl Iterator<Item = &QualityCheck> {
        self.checks.iter().filter(|c| !c.passed)
    }
}
