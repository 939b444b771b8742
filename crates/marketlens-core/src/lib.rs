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
//! - [`ports`]: the small traits behind which every backend sits.

pub mod analysis;
pub mod config;
pub mod domain;
pub mod error;
pub mod normalize;
pub mod ports;
pub mod quality;
pub mod recommend;
pub mod report;
pub mod result;

pub use error::ErrorType;

/// Names of the pipeline stages: the same words in spans, metrics, modules and reports.
pub mod stage {
    pub const FETCH_PRODUCTS: &str = "fetch_products";
    pub const NORMALIZE: &str = "normalize";
    pub const ANALYZE_MARKET: &str = "analyze_market";
    pub const ANALYZE_SENTIMENT: &str = "analyze_sentiment";
    pub const LLM_SUMMARIZE: &str = "llm_summarize";
    pub const GENERATE_REPORT: &str = "generate_report";
    /// In pipeline order (`llm_summarize` is optional and not yet enabled).
    pub const ALL: [&str; 5] = [
        FETCH_PRODUCTS,
        NORMALIZE,
        ANALYZE_MARKET,
        ANALYZE_SENTIMENT,
        GENERATE_REPORT,
    ];
}

/// Builds complete results from plain data for tests of the result-level modules.
#[cfg(test)]
pub(crate) mod testing;
