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
use crate::domain::{AnalysisParams, Fingerprint, Language, Product};
use crate::llm::LlmNarrative;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SourceOutcome {
    pub source: String,
    pub kind: String,
    pub status: SourceStatus,
    pub product_count: u32,
    pub offer_count: u32,
    pub duration_ms: u64,
    /// Age of the data when it came from a cache.
    pub age_secs: Option<u64>,
    /// When the source gave the data used: this analysis' fetch for `live` and
    /// `fallback`, the original fetch for a `cache` or `stale` copy (none when unknown
    /// or `failed`). Only live and fallback answers add price observations.
    #[serde(default)]
    pub fetched_at: Option<chrono::DateTime<chrono::Utc>>,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    /// A notice to show with this source's data (e.g. "sample data").
    pub notice: Option<String>,
}

/// Enough to reproduce a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Traceability {
    pub crate_version: String,
    pub git_sha: String,
    pub agent_config_version: i64,
    pub agent_config_hash: String,
    pub prompt_version: Option<String>,
    pub model: Option<String>,
    pub trace_id: Option<String>,
    /// The experiment variant the query ran in, when an experiment was running.
    /// (`default`: results stored before experiments existed read as none.)
    #[serde(default)]
    pub experiment: Option<crate::experiment::ExperimentAssignment>,
}

/// Results stored before the narrative followed the query's language are English.
fn english() -> Language {
    Language::En
}

/// The complete result of one analysis: what the JSON endpoint returns and what the
/// HTML report renders.
///
/// Its OpenAPI schema details every top-level field; the sections the analysis stages
/// fill (`normalization`, `products`, `market`, `sentiment`, `recommendations`) are
/// described there as objects, their fields being those of the stages' own types.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AnalysisResult {
    pub schema_version: u32,
    pub query_id: Uuid,
    pub query: String,
    pub normalized_query: String,
    #[schema(value_type = String)]
    pub fingerprint: Fingerprint,
    pub params: AnalysisParams,
    pub generated_at: DateTime<Utc>,
    /// Notices about the data shown at the top of every report (sample data, stale
    /// cache, fallback).
    pub data_notices: Vec<String>,
    pub sources: Vec<SourceOutcome>,
    /// What `normalize` did: prices parsed, converted, merged products.
    #[schema(value_type = Object)]
    pub normalization: NormalizationSummary,
    /// The products after entity resolution, each with its offers and reviews.
    #[schema(value_type = Vec<Object>)]
    pub products: Vec<Product>,
    /// Price statistics, tiers, outliers, breakdowns, ratings, best value, history.
    #[schema(value_type = Object)]
    pub market: MarketSummary,
    /// Review sentiment overall and per aspect.
    #[schema(value_type = Object)]
    pub sentiment: SentimentSummary,
    /// Each recommendation with its kind, reasons, figures and products.
    #[schema(value_type = Vec<Object>)]
    pub recommendations: Vec<Recommendation>,
    /// Executive summary, one paragraph per entry, built only from computed figures.
    /// Always present: it is what the report shows when no generated text passes.
    pub narrative: Vec<String>,
    /// The language the narrative is written in: the query's (English or French).
    #[serde(default = "english")]
    #[schema(value_type = String, example = "en")]
    pub narrative_language: Language,
    /// The optional `llm_summarize` stage: the generated narrative (accepted, or
    /// rejected and why, or skipped and why) with every call's model, tokens, cost
    /// and grounding. Absent when the stage is not configured (an additive field:
    /// results without it keep schema version 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub llm: Option<LlmNarrative>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct QualityCheck {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

/// The outcome of the quality checks, part of every result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct QualityReport {
    pub passed: bool,
    pub checks: Vec<QualityCheck>,
}

impl QualityReport {
    pub fn failed_checks(&self) -> impl Iterator<Item = &QualityCheck> {
        self.checks.iter().filter(|c| !c.passed)
    }
}
