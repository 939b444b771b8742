//! Stage `generate_report`: assembles the result document ([`crate::result`]) from the
//! stage outputs, with recommendations, narrative, data notices and quality checks,
//! and renders it as HTML ([`html`]).

pub mod html;
pub mod narrative;

use crate::analysis::market::MarketSummary;
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::Product;
use crate::normalize::NormalizationSummary;
use crate::recommend::Recommendation;
use crate::result::QualityReport;
// The document this stage assembles, where the stage's callers look for it.
pub use crate::result::{
    AnalysisResult, RESULT_SCHEMA_VERSION, ResultHead, SourceOutcome, SourceStatus, Traceability,
};

/// What the stages produced for one analysis.
#[derive(Debug, Clone)]
pub struct StageOutputs {
    pub sources: Vec<SourceOutcome>,
    pub normalization: NormalizationSummary,
    pub products: Vec<Product>,
    pub market: MarketSummary,
    pub sentiment: SentimentSummary,
    /// Derived from the analyses once ([`StageOutputs::new`]), so the
    /// `llm_summarize` stage explains exactly the recommendations the report shows.
    pub recommendations: Vec<Recommendation>,
}

impl StageOutputs {
    /// The analyses' outputs with the recommendations they lead to.
    pub fn new(
        sources: Vec<SourceOutcome>,
        normalization: NormalizationSummary,
        products: Vec<Product>,
        market: MarketSummary,
        sentiment: SentimentSummary,
        thresholds: &crate::config::Thresholds,
    ) -> Self {
        let recommendations =
            crate::recommend::recommend(&products, &market, &sentiment, thresholds);
        Self {
            sources,
            normalization,
            products,
            market,
            sentiment,
            recommendations,
        }
    }
}

/// Assembles the result document: narrative and data notices from the stage
/// outputs (recommendations included), then the quality checks on the whole.
pub fn assemble_result(head: ResultHead, stages: StageOutputs) -> AnalysisResult {
    let recommendations = stages.recommendations;
    let narrative_language = narrative::narrative_language(&head.query, head.params.language);
    let narrative = narrative::narrative(
        narrative_language,
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
        narrative_language,
        llm: None,
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
            fetched_at: None,
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
