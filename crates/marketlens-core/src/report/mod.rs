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
pub const RESULT_SCHEMA_VERSION: u32 = 1;

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
