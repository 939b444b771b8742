//! marketlens-core: the pure heart of marketlens.
//!
//! Everything here works on plain data and performs no I/O, so every rule can be
//! tested with plain values. Adapters (databases, caches, queues, shops) live in other
//! crates and plug in through the traits in [`ports`].
//!
//! Map:
//! - [`domain`]: types parsed at the boundary (query text, parameters, money, products).
//! - [`config`]: the agent configuration (sources, thresholds, TTLs) and its validation.
//! - [`normalize`]: stage `normalize` — price text, currency conversion, condition,
//!   merging the same product across shops.
//! - [`analysis`]: stages `analyze_market` and `analyze_sentiment`.
//! - [`recommend`]: explainable recommendations built from the analyses.
//! - [`result`]: the result document of an analysis (what is stored, served and rendered).
//! - [`quality`]: deterministic checks run on every result.
//! - [`report`]: stage `generate_report` — assembling the result and its HTML rendering.
//! - [`llm`]: the optional stage `llm_summarize` — its input, answer schema and the
//!   grounding check every generated text must pass.
//! - [`experiment`]: A/B experiments — stable assignment of users to variants, the
//!   sample-ratio-mismatch check, and the statistics variants are compared with.
//! - [`golden`]: scoring a result of the golden set against its case's key points and
//!   forbidden claims, readability per language, and comparing variants.
//! - [`ports`]: the small traits behind which every backend sits.

/// `Display` for types whose text is their stable name, `as_str` (stages, error
/// types, …): logs, metrics and the API print the same word.
macro_rules! display_as_str {
    ($($t:ty),+ $(,)?) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )+};
}

pub mod analysis;
pub mod config;
pub mod domain;
pub mod error;
pub mod experiment;
pub mod golden;
pub mod llm;
pub mod normalize;
pub mod ports;
pub mod quality;
pub mod rate_limit;
pub mod recommend;
pub mod report;
pub mod result;

pub use error::ErrorType;

/// The stages of the analysis pipeline: the same words in spans, metrics, progress,
/// modules and reports.
pub mod stage {
    /// One stage of the analysis pipeline. Declared in pipeline order, so stages sort
    /// in the order they run.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
    pub enum Stage {
        FetchProducts,
        Normalize,
        AnalyzeMarket,
        AnalyzeSentiment,
        LlmSummarize,
        GenerateReport,
    }

    impl Stage {
        /// Every stage, in pipeline order.
        pub const ALL: [Stage; 6] = [
            Stage::FetchProducts,
            Stage::Normalize,
            Stage::AnalyzeMarket,
            Stage::AnalyzeSentiment,
            Stage::LlmSummarize,
            Stage::GenerateReport,
        ];

        /// The stage's name (`const`, so it can name a span).
        pub const fn as_str(self) -> &'static str {
            match self {
                Stage::FetchProducts => "fetch_products",
                Stage::Normalize => "normalize",
                Stage::AnalyzeMarket => "analyze_market",
                Stage::AnalyzeSentiment => "analyze_sentiment",
                Stage::LlmSummarize => "llm_summarize",
                Stage::GenerateReport => "generate_report",
            }
        }

        /// Whether an analysis may go without it: `llm_summarize` runs only when an
        /// LLM is configured (none is yet); every other stage runs in every analysis.
        pub const fn is_optional(self) -> bool {
            matches!(self, Stage::LlmSummarize)
        }

        /// The stages every analysis runs, in pipeline order.
        pub fn required() -> impl Iterator<Item = Stage> {
            Stage::ALL.into_iter().filter(|s| !s.is_optional())
        }
    }

    display_as_str!(Stage);

    #[cfg(test)]
    mod tests {
        use super::Stage;

        #[test]
        fn stages_are_listed_once_in_pipeline_order_under_distinct_names() {
            assert!(Stage::ALL.windows(2).all(|w| w[0] < w[1]));
            let mut names: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), Stage::ALL.len());
            let required: Vec<Stage> = Stage::required().collect();
            assert_eq!(required.len(), Stage::ALL.len() - 1);
            assert!(!required.contains(&Stage::LlmSummarize));
        }
    }
}

pub use stage::Stage;

/// Builds complete results from plain data for tests of the result-level modules, and
/// parses the literal values tests are written with.
#[cfg(test)]
pub(crate) mod testing;
