//! The agent configuration: which sources run, thresholds, TTLs, queue policy.
//!
//! Parsed from TOML (the documented default is `config/agent.toml`, compiled in) and
//! validated as a whole before anything runs. Source-specific `settings` are validated
//! by the source implementation that owns them.

use serde::{Deserialize, Serialize};

// Parts of the configuration that are domain types, named here as well.
use crate::ErrorType;
use crate::domain::{MAX_PRODUCTS_LIMIT, Market};
pub use crate::domain::{RequestDefaults, TaxBasis};

/// Reads a TOML document and checks it once read: `syntax` wraps the parser's message
/// when the text is not a `T`, else `check` says whether the value can be used.
pub(crate) fn read_checked_toml<T: serde::de::DeserializeOwned, E>(
    text: &str,
    syntax: fn(String) -> E,
    check: impl FnOnce(&T) -> Result<(), E>,
) -> Result<T, E> {
    let value: T = toml::from_str(text).map_err(|e| syntax(e.to_string()))?;
    check(&value)?;
    Ok(value)
}

/// The built-in default configuration text.
pub const DEFAULT_AGENT_TOML: &str = include_str!("../../../config/agent.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration is not valid TOML or has unknown/mistyped keys: {0}")]
    Syntax(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentConfig {
    pub defaults: RequestDefaults,
    pub pipeline: PipelineSettings,
    pub cache: CacheTtls,
    pub queue: QueuePolicy,
    pub thresholds: Thresholds,
    pub matching: MatchingSettings,
    pub tax: TaxSettings,
    /// The optional `llm_summarize` stage; off unless configured.
    #[serde(default)]
    pub llm: LlmSettings,
    pub sources: Vec<SourceEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineSettings {
    pub source_timeout_secs: u64,
    pub analysis_timeout_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheTtls {
    pub collected_products_ttl_secs: u64,
    pub analysis_result_ttl_secs: u64,
    pub llm_output_ttl_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueuePolicy {
    pub max_attempts: u32,
    pub lease_secs: u64,
    pub retry_backoff_secs: u64,
    /// How old a `queued` or `running` query must be before the reconciler treats it
    /// as orphaned when the queue has no job for it (a broker restarted without
    /// persistence): it is then queued again, or failed when its attempts are spent.
    #[serde(default = "default_orphan_grace_secs")]
    pub orphan_grace_secs: u64,
}

fn default_orphan_grace_secs() -> u64 {
    120
}

impl QueuePolicy {
    /// Delay before retry number `attempt` (1-based): exponential, capped below the
    /// lease so a retry never waits longer than redelivery would.
    pub fn retry_delay_secs(&self, attempt: u32) -> u64 {
        let exp = self
            .retry_backoff_secs
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(16));
        exp.min(self.lease_secs.saturating_sub(1))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub sentiment_positive: f64,
    pub sentiment_negative: f64,
    pub outlier_robust_z: f64,
    pub min_reviews: u32,
    pub best_value_max: u32,
    pub seller_avoid_sentiment: f64,
    pub aspect_watch_negative_share: f64,
    /// Weight, in reviews, of the prior (the market's mean star rating) in a product's
    /// Bayesian rating `(C·m + Σ stars) / (C + n)`: a product with few reviews is pulled
    /// towards the market mean, one with many keeps its own.
    #[serde(default = "default_bayesian_prior_weight")]
    pub bayesian_prior_weight: f64,
    /// A best-value product must have at least this Bayesian rating (stars, 0–5).
    #[serde(default = "default_best_value_min_rating")]
    pub best_value_min_rating: f64,
    /// A used/refurbished condition is flagged when its median discount against new
    /// offers of the same products is below this share.
    #[serde(default = "default_condition_avoid_max_discount")]
    pub condition_avoid_max_discount: f64,
    /// Stored price observations a window needs before its trend is shown.
    #[serde(default = "default_history_min_observations")]
    pub history_min_observations: u32,
    /// Days between the first and last observation a window needs before its trend is
    /// shown.
    #[serde(default = "default_history_min_days")]
    pub history_min_days: u32,
    /// Values a statistic needs before the report shows it (offers for quartiles,
    /// mean, spread and the histogram; rated products for the price–rating
    /// correlation; reviews for the text-sentiment mean and shares; rated reviews for
    /// the mean star rating). Below it the report says there is too little data.
    #[serde(default = "default_min_sample_size")]
    pub min_sample_size: u32,
    /// Offers of one product in one condition needed before any of them can be
    /// called an outlier against the others (a robust z-score needs more than a
    /// handful of points).
    #[serde(default = "default_outlier_min_offers")]
    pub outlier_min_offers: u32,
}

// Defaults of the thresholds added after the first configuration format, so files
// written before them keep loading. They equal the values in `config/agent.toml`.
fn default_bayesian_prior_weight() -> f64 {
    5.0
}
fn default_best_value_min_rating() -> f64 {
    3.5
}
fn default_condition_avoid_max_discount() -> f64 {
    0.1
}
fn default_history_min_observations() -> u32 {
    3
}
fn default_history_min_days() -> u32 {
    3
}
fn default_min_sample_size() -> u32 {
    5
}
fn default_outlier_min_offers() -> u32 {
    5
}

/// Entity resolution: when two collected products are the same product.
///
/// Identifiers decide first (equal valid GTINs merge, different valid GTINs never
/// do; equal brand + MPN merge). Otherwise the pair model (`normalize::pair_model`,
/// weights trained with `marketlens eval matching --train`) weighs model numbers,
/// units, edition words, brands, title similarity and prices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchingSettings {
    /// A model-number or rare-title block larger than this is not used to compare
    /// (such a "model number" is a generic token); keeps resolution near-linear.
    pub max_block_size: u32,
}

/// How offers are brought to one tax basis.
///
/// A price's basis is what its text says (`TTC`, `incl. VAT` → included; `HT`,
/// `excl. VAT`, `+ VAT` → excluded); without a marker it follows the shop's market
/// convention: consumer prices include VAT everywhere except the markets listed in
/// `shelf_excludes_tax` (US and Canadian shelf prices are shown before sales tax).
/// An offer on the other basis than `basis` is adjusted with its market's rate; with
/// no rate for that market it is kept as shown and marked so.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaxSettings {
    /// Basis every converted price is put on: `included` or `excluded`.
    pub basis: TaxBasis,
    /// Markets (ISO 3166-1 alpha-2) whose prices without a marker exclude tax.
    pub shelf_excludes_tax: Vec<Market>,
    /// Standard VAT / sales-tax rate per market, in percent.
    pub rates_percent: std::collections::BTreeMap<String, f64>,
}

impl TaxSettings {
    /// The rate of `market` as an exact fraction (20 % → 0.2), when configured.
    pub fn rate(&self, market: &Market) -> Option<rust_decimal::Decimal> {
        let pct = *self.rates_percent.get(market.as_str())?;
        let pct = rust_decimal::Decimal::try_from(pct).ok()?.round_dp(4);
        Some(pct / rust_decimal::Decimal::ONE_HUNDRED)
    }

    /// Whether prices of `market` without a tax marker exclude tax.
    pub fn shelf_excludes(&self, market: &Market) -> bool {
        self.shelf_excludes_tax.contains(market)
    }
}

/// The optional `llm_summarize` stage: an OpenAI-compatible chat-completions
/// endpoint that rewrites the computed figures as prose, checked by the grounding
/// rules before anything reaches a report. Off by default: the deterministic
/// narrative needs no network, and an analysis with this off makes no call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmSettings {
    pub enabled: bool,
    /// Base URL of the API, up to and without `/chat/completions`
    /// (`https://api.openai.com/v1`, `http://127.0.0.1:11434/v1` for Ollama).
    pub base_url: String,
    /// Name of the environment variable holding the API key (never the key itself);
    /// empty: no `Authorization` header (local servers).
    pub api_key_env: String,
    /// Tried first.
    pub small_model: String,
    /// Tried when the small model's answer fails the schema or grounding, or the
    /// case is hard.
    pub large_model: String,
    /// Price of each model, per million tokens (US dollars). Every configured model
    /// needs one (0 for a local model), so each call's cost is known.
    pub prices: std::collections::BTreeMap<String, ModelPrice>,
    pub max_output_tokens: u32,
    pub temperature: f64,
    /// Per call, including reading the answer.
    pub timeout_secs: u64,
    /// Products the model sees (those behind recommendations first).
    pub top_k_products: u32,
    /// The language the generated text is written in: `query` (the query's, as the
    /// deterministic narrative's: French for a French query), or always `en` or `fr`.
    pub language: LanguageRule,
    /// Spending cap per UTC day across the deployment (US dollars); once reached the
    /// stage is skipped with reason `budget_exhausted`.
    pub daily_budget_usd: f64,
    /// How the answer's shape is asked for: `json_schema` (the schema in
    /// `response_format`: OpenAI, vLLM, recent Ollama), `json_object` (JSON mode
    /// only) or `none` (the prompt alone). The answer is validated either way.
    pub structured_output: StructuredOutput,
    /// A case with at least this many products goes to the large model first (0:
    /// never).
    pub hard_case_min_products: u32,
    /// A case whose offers were priced in more than one currency goes to the large
    /// model first.
    pub hard_case_mixed_currencies: bool,
    /// Retries of one call after a 429 (waiting its `Retry-After`) or a 5xx.
    pub max_retries: u32,
    /// Largest answer body read, in bytes; a larger one is an error.
    pub max_response_bytes: u64,
    /// The prompt, as data (`[llm.prompt]`: `prompt_version`, `system`, `user`);
    /// absent: the built-in `config/prompts/summarize-v1.toml`. Being part of the
    /// configuration, a prompt is recorded in `agent_configs` with its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<PromptTemplate>,
    /// The optional judge (`[llm.judge]`): a second model that rates each accepted
    /// text's coherence and clarity (1-5) and says whether it is consistent with the
    /// figures. Absent: no judge call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judge: Option<JudgeSettings>,
}

/// The judge of `[llm.judge]`: on the same endpoint as `[llm]`, with its own model
/// (priced in `llm.prices` like the others) and prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeSettings {
    pub model: String,
    #[serde(default = "JudgeSettings::default_max_output_tokens")]
    pub max_output_tokens: u32,
    /// The judge's prompt (`[llm.judge.prompt]`; placeholders `{input_json}` and
    /// `{summary_json}`); absent: the built-in `config/prompts/judge-v1.toml`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<PromptTemplate>,
}

impl JudgeSettings {
    fn default_max_output_tokens() -> u32 {
        400
    }
}

/// A prompt template of the `llm_summarize` stage. Placeholders: `{input_json}`
/// (required in `user`), `{recommendation_count}`, `{currency}`. The version is
/// recorded with every result and keys the LLM cache: new wording, new version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromptTemplate {
    pub prompt_version: String,
    pub system: String,
    pub user: String,
}

/// Longest prompt version name.
const MAX_PROMPT_VERSION_LEN: usize = 64;

/// Why a prompt template cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptTemplateError {
    #[error("prompt_version {0:?} must be 1 to {MAX_PROMPT_VERSION_LEN} of A-Z a-z 0-9 - _ .")]
    Version(String),
    #[error("the user template must contain {{input_json}}")]
    NoInputPlaceholder,
}

impl PromptTemplateError {
    pub fn error_type(&self) -> ErrorType {
        ErrorType::InvalidConfig
    }
}

impl PromptTemplate {
    /// Why the template cannot be used, if it cannot.
    pub fn check(&self) -> Result<(), PromptTemplateError> {
        let v = &self.prompt_version;
        if v.is_empty()
            || v.len() > MAX_PROMPT_VERSION_LEN
            || !v
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(PromptTemplateError::Version(v.clone()));
        }
        if !self.user.contains("{input_json}") {
            return Err(PromptTemplateError::NoInputPlaceholder);
        }
        Ok(())
    }
}

/// Price of one model per million tokens, in US dollars.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelPrice {
    pub input_per_million_usd: f64,
    pub output_per_million_usd: f64,
}

impl ModelPrice {
    /// Cost of a call in millionths of a dollar: tokens × dollars per million tokens
    /// is exactly that many micro-dollars.
    pub fn cost_microdollars(&self, prompt_tokens: u64, completion_tokens: u64) -> u64 {
        let cost = prompt_tokens as f64 * self.input_per_million_usd
            + completion_tokens as f64 * self.output_per_million_usd;
        cost.round().max(0.0) as u64
    }
}

/// Which language the generated text is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LanguageRule {
    /// The narrative's language: the query's, else the reviews' (English by default).
    Query,
    En,
    Fr,
}

impl LanguageRule {
    /// The language to write in, given the narrative's.
    pub fn pick(self, narrative: crate::domain::Language) -> crate::domain::Language {
        match self {
            LanguageRule::Query => narrative,
            LanguageRule::En => crate::domain::Language::En,
            LanguageRule::Fr => crate::domain::Language::Fr,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StructuredOutput {
    JsonSchema,
    JsonObject,
    None,
}

impl Default for LlmSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            base_url: "https://api.openai.com/v1".into(),
            api_key_env: "OPENAI_API_KEY".into(),
            small_model: "gpt-4o-mini".into(),
            large_model: "gpt-4o".into(),
            prices: std::collections::BTreeMap::from([
                (
                    "gpt-4o-mini".into(),
                    ModelPrice {
                        input_per_million_usd: 0.15,
                        output_per_million_usd: 0.6,
                    },
                ),
                (
                    "gpt-4o".into(),
                    ModelPrice {
                        input_per_million_usd: 2.5,
                        output_per_million_usd: 10.0,
                    },
                ),
            ]),
            max_output_tokens: 1200,
            temperature: 0.2,
            timeout_secs: 60,
            top_k_products: 10,
            language: LanguageRule::Query,
            daily_budget_usd: 5.0,
            structured_output: StructuredOutput::JsonSchema,
            hard_case_min_products: 200,
            hard_case_mixed_currencies: false,
            max_retries: 2,
            max_response_bytes: 1024 * 1024,
            prompt: None,
            judge: None,
        }
    }
}

impl LlmSettings {
    /// The price of `model` (validated to exist for both configured models).
    pub fn price_of(&self, model: &str) -> Option<&ModelPrice> {
        self.prices.get(model)
    }

    /// The daily budget in micro-dollars.
    pub fn daily_budget_microdollars(&self) -> u64 {
        (self.daily_budget_usd * 1e6).round().max(0.0) as u64
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(format!("llm.{m}")));
        for (model, p) in &self.prices {
            let ok = |v: f64| v.is_finite() && (0.0..=10_000.0).contains(&v);
            if !ok(p.input_per_million_usd) || !ok(p.output_per_million_usd) {
                return bad(format!(
                    "prices.{model:?}: prices must be within 0..10000 dollars per million tokens"
                ));
            }
        }
        if !(self.daily_budget_usd.is_finite() && self.daily_budget_usd >= 0.0) {
            return bad("daily_budget_usd must be 0 or more".into());
        }
        if !(self.temperature.is_finite() && (0.0..=2.0).contains(&self.temperature)) {
            return bad("temperature must be within 0..2".into());
        }
        if !(1..=32_768).contains(&self.max_output_tokens) {
            return bad("max_output_tokens must be between 1 and 32768".into());
        }
        if !(1..=600).contains(&self.timeout_secs) {
            return bad("timeout_secs must be between 1 and 600".into());
        }
        if !(1..=100).contains(&self.top_k_products) {
            return bad("top_k_products must be between 1 and 100".into());
        }
        if self.max_retries > 5 {
            return bad("max_retries must be at most 5".into());
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.max_response_bytes) {
            return bad("max_response_bytes must be between 1 KiB and 64 MiB".into());
        }
        if let Some(p) = &self.prompt {
            p.check().or_else(|m| bad(format!("prompt: {m}")))?;
        }
        if let Some(j) = &self.judge {
            if j.model.trim().is_empty() {
                return bad("judge.model must name a model".into());
            }
            if !(1..=4096).contains(&j.max_output_tokens) {
                return bad("judge.max_output_tokens must be between 1 and 4096".into());
            }
            if let Some(p) = &j.prompt {
                p.check().or_else(|m| bad(format!("judge.prompt: {m}")))?;
                if !p.user.contains("{summary_json}") {
                    return bad(
                        "judge.prompt: the user template must contain {summary_json}".into(),
                    );
                }
            }
        }
        if !self.enabled {
            return Ok(());
        }
        // What only matters once calls are made.
        let url = self.base_url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.contains(char::is_whitespace)
        {
            return bad(format!(
                "base_url {url:?} must be an http:// or https:// URL"
            ));
        }
        if self
            .api_key_env
            .contains(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        {
            return bad(format!(
                "api_key_env {:?} must be the NAME of an environment variable (letters, digits, _), never the key",
                self.api_key_env
            ));
        }
        let judge = self.judge.as_ref().map(|j| ("judge.model", &j.model));
        for (setting, model) in [
            ("small_model", &self.small_model),
            ("large_model", &self.large_model),
        ]
        .into_iter()
        .chain(judge)
        {
            if model.trim().is_empty() {
                return bad(format!("{setting} must name a model"));
            }
            if self.price_of(model).is_none() {
                return bad(format!(
                    "prices has no entry for {setting} {model:?} (0 for a free local model)"
                ));
            }
        }
        Ok(())
    }
}

/// One configured source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceEntry {
    /// Name used in requests and reports.
    pub name: String,
    /// Implementation: `catalog`, `replay`, `schema_org`, `shopify` or `woocommerce`
    /// (checked when the sources are built, by `marketlens-sources`).
    pub kind: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Overrides `pipeline.source_timeout_secs` for this source.
    #[serde(default)]
    pub timeout_secs: Option<u64>,
    /// Another configured, enabled source asked the same question when this one fails
    /// and has no stale cached answer. One level only: a fallback's own fallback is
    /// not followed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// The kind's own settings, validated by the source implementation.
    #[serde(default)]
    pub settings: toml::Table,
}

fn yes() -> bool {
    true
}

impl AgentConfig {
    pub fn builtin() -> Self {
        Self::from_toml_str(DEFAULT_AGENT_TOML).expect("the built-in configuration is valid")
    }

    pub fn from_toml_str(text: &str) -> Result<Self, ConfigError> {
        read_checked_toml(text, ConfigError::Syntax, Self::validate)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if !(1..=MAX_PRODUCTS_LIMIT).contains(&self.defaults.max_products) {
            return bad(format!(
                "defaults.max_products must be between 1 and {MAX_PRODUCTS_LIMIT}"
            ));
        }
        if self.pipeline.source_timeout_secs == 0 || self.pipeline.analysis_timeout_secs == 0 {
            return bad("pipeline timeouts must be at least 1 second".into());
        }
        let c = &self.cache;
        if c.collected_products_ttl_secs == 0
            || c.analysis_result_ttl_secs == 0
            || c.llm_output_ttl_secs == 0
        {
            return bad("cache TTLs must be at least 1 second".into());
        }
        let q = &self.queue;
        if q.max_attempts == 0 || q.max_attempts > 20 {
            return bad("queue.max_attempts must be between 1 and 20".into());
        }
        if q.retry_backoff_secs >= q.lease_secs {
            return bad("queue.retry_backoff_secs must be shorter than queue.lease_secs".into());
        }
        if !(10..=86_400).contains(&q.orphan_grace_secs) {
            return bad("queue.orphan_grace_secs must be between 10 and 86400".into());
        }
        let t = &self.thresholds;
        let in_unit = |v: f64| v.is_finite() && (-1.0..=1.0).contains(&v);
        if !in_unit(t.sentiment_positive)
            || !in_unit(t.sentiment_negative)
            || t.sentiment_negative > t.sentiment_positive
        {
            return bad(
                "thresholds.sentiment_negative <= sentiment_positive, both within -1..1".into(),
            );
        }
        if !(t.outlier_robust_z.is_finite() && t.outlier_robust_z > 0.0) {
            return bad("thresholds.outlier_robust_z must be positive".into());
        }
        if !in_unit(t.seller_avoid_sentiment) {
            return bad("thresholds.seller_avoid_sentiment must be within -1..1".into());
        }
        if !(t.aspect_watch_negative_share.is_finite()
            && (0.0..=1.0).contains(&t.aspect_watch_negative_share))
        {
            return bad("thresholds.aspect_watch_negative_share must be within 0..1".into());
        }
        if t.best_value_max == 0 {
            return bad("thresholds.best_value_max must be at least 1".into());
        }
        if !(t.bayesian_prior_weight.is_finite()
            && (0.0..=1000.0).contains(&t.bayesian_prior_weight))
        {
            return bad("thresholds.bayesian_prior_weight must be within 0..1000".into());
        }
        if !(t.best_value_min_rating.is_finite() && (0.0..=5.0).contains(&t.best_value_min_rating))
        {
            return bad("thresholds.best_value_min_rating must be within 0..5 stars".into());
        }
        if !(t.condition_avoid_max_discount.is_finite()
            && (0.0..=1.0).contains(&t.condition_avoid_max_discount))
        {
            return bad("thresholds.condition_avoid_max_discount must be within 0..1".into());
        }
        if t.history_min_observations < 2 {
            // A trend is a slope: it needs two observations at the very least.
            return bad("thresholds.history_min_observations must be at least 2".into());
        }
        if !(1..=365).contains(&t.history_min_days) {
            return bad("thresholds.history_min_days must be between 1 and 365".into());
        }
        if t.outlier_min_offers < 4 {
            return bad("thresholds.outlier_min_offers must be at least 4".into());
        }
        if t.min_sample_size < 3 {
            // Two points always correlate at ±1 and have no spread worth the name.
            return bad("thresholds.min_sample_size must be at least 3".into());
        }
        let m = &self.matching;
        if m.max_block_size < 2 {
            return bad("matching.max_block_size must be at least 2".into());
        }
        for (market, pct) in &self.tax.rates_percent {
            Market::parse(market).map_err(|e| {
                ConfigError::Invalid(format!("tax.rates_percent.{market}: {}", e.message))
            })?;
            if market.as_str() != market.to_ascii_uppercase() {
                return bad(format!(
                    "tax.rates_percent.{market}: write the code in upper case"
                ));
            }
            if !(pct.is_finite() && (0.0..=100.0).contains(pct)) {
                return bad(format!("tax.rates_percent.{market} must be within 0..100"));
            }
        }
        self.llm.validate()?;
        let mut names = std::collections::HashSet::new();
        for s in &self.sources {
            crate::domain::SourceName::parse(&s.name)
                .map_err(|e| ConfigError::Invalid(format!("source name: {}", e.message)))?;
            if !names.insert(s.name.as_str()) {
                return bad(format!("source {:?} is configured twice", s.name));
            }
            if s.timeout_secs == Some(0) {
                return bad(format!(
                    "source {:?}: timeout_secs must be at least 1",
                    s.name
                ));
            }
        }
        if !self.sources.iter().any(|s| s.enabled) {
            return bad("at least one source must be enabled".into());
        }
        for s in &self.sources {
            if let Some(f) = &s.fallback {
                match self.sources.iter().find(|o| &o.name == f) {
                    _ if f == &s.name => {
                        return bad(format!("source {:?}: fallback cannot be itself", s.name));
                    }
                    None => {
                        return bad(format!(
                            "source {:?}: fallback {f:?} is not a configured source",
                            s.name
                        ));
                    }
                    Some(o) if !o.enabled => {
                        return bad(format!(
                            "source {:?}: fallback {f:?} is not enabled",
                            s.name
                        ));
                    }
                    Some(_) => {}
                }
            }
        }
        Ok(())
    }

    /// Markets a request may name: those with tax rules (a rate, or a shelf-price
    /// convention) and the default market, sorted.
    pub fn known_markets(&self) -> Vec<Market> {
        let mut markets: Vec<Market> = self
            .tax
            .rates_percent
            .keys()
            .filter_map(|m| Market::parse(m).ok())
            .chain(self.tax.shelf_excludes_tax.iter().cloned())
            .chain(std::iter::once(self.defaults.market.clone()))
            .collect();
        markets.sort();
        markets.dedup();
        markets
    }

    /// Names of the enabled sources, in configuration order.
    pub fn enabled_source_names(&self) -> Vec<String> {
        self.sources
            .iter()
            .filter(|s| s.enabled)
            .map(|s| s.name.clone())
            .collect()
    }

    /// Content hash of the configuration's meaning (not its formatting or comments):
    /// two files that parse to the same settings share a version.
    pub fn content_hash(&self) -> String {
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        blake3::hash(&bytes).to_hex()[..16].to_owned()
    }

    /// The configuration as TOML (comments are not kept).
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CurrencyCode;

    #[test]
    fn builtin_config_is_valid_and_enables_catalog() {
        let c = AgentConfig::builtin();
        assert_eq!(c.enabled_source_names(), ["catalog"]);
        assert_eq!(c.defaults.currency, CurrencyCode::EUR);
    }

    #[test]
    fn thresholds_added_later_default_to_the_documented_values() {
        let older: String = DEFAULT_AGENT_TOML
            .lines()
            .filter(|l| {
                ![
                    "bayesian_prior_weight",
                    "best_value_min_rating",
                    "condition_avoid_max_discount",
                    "history_min_observations",
                    "history_min_days",
                    "min_sample_size",
                    "outlier_min_offers",
                ]
                .iter()
                .any(|k| l.starts_with(k))
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let c = AgentConfig::from_toml_str(&older).unwrap();
        assert_eq!(c, AgentConfig::builtin());
    }

    #[test]
    fn hash_ignores_comments_and_formatting() {
        let a = AgentConfig::builtin();
        let b = AgentConfig::from_toml_str(&a.to_toml()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.content_hash(), b.content_hash());
        let mut c = a.clone();
        c.thresholds.min_reviews += 1;
        assert_ne!(a.content_hash(), c.content_hash());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        // Each edit of the built-in file makes it invalid.
        let edits = [
            ("[defaults]", "[defaults]\ncolour = \"blue\""),
            ("currency = \"EUR\"", "currency = \"EURO\""),
            ("max_attempts = 3", "max_attempts = 0"),
            ("retry_backoff_secs = 5", "retry_backoff_secs = 500"),
            ("sentiment_negative = -0.05", "sentiment_negative = 0.5"),
            (
                "bayesian_prior_weight = 5.0",
                "bayesian_prior_weight = -1.0",
            ),
            ("best_value_min_rating = 3.5", "best_value_min_rating = 6.0"),
            (
                "condition_avoid_max_discount = 0.1",
                "condition_avoid_max_discount = 1.5",
            ),
            (
                "history_min_observations = 3",
                "history_min_observations = 1",
            ),
            ("history_min_days = 3", "history_min_days = 0"),
            ("min_sample_size = 5", "min_sample_size = 2"),
            ("outlier_min_offers = 5", "outlier_min_offers = 3"),
            ("enabled = true", "enabled = false"),
            ("name = \"catalog\"", "name = \"Bad Name\""),
            (
                "max_block_size = ",
                "title_threshold = 0.6\nmax_block_size = ",
            ),
            ("max_block_size = ", "max_block_size = 1 #"),
            ("basis = \"included\"", "basis = \"gross\""),
            ("FR = 20.0", "FR = 120.0"),
            ("FR = 20.0", "FRA = 20.0"),
        ];
        for (from, to) in edits {
            let text = DEFAULT_AGENT_TOML.replace(from, to);
            assert!(
                AgentConfig::from_toml_str(&text).is_err(),
                "{from:?} -> {to:?}"
            );
        }
        for text in [
            format!("{DEFAULT_AGENT_TOML}\n[[sources]]\nname = \"catalog\"\nkind = \"catalog\"\n"),
            "not toml at all [".to_string(),
        ] {
            assert!(AgentConfig::from_toml_str(&text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_fallback_must_name_another_enabled_source() {
        let with = |extra: &str| {
            AgentConfig::from_toml_str(&format!(
                "{DEFAULT_AGENT_TOML}\n[[sources]]\nname = \"shop\"\nkind = \"schema_org\"\n{extra}"
            ))
        };
        assert!(with("fallback = \"catalog\"").is_ok());
        for bad in ["fallback = \"shop\"", "fallback = \"nope\""] {
            let e = with(bad).unwrap_err().to_string();
            assert!(e.contains("fallback"), "{e}");
        }
        let off = DEFAULT_AGENT_TOML.replace("enabled = true", "enabled = false");
        let e = AgentConfig::from_toml_str(&format!(
            "{off}\n[[sources]]\nname = \"shop\"\nkind = \"x\"\nfallback = \"catalog\""
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("not enabled"), "{e}");
    }

    #[test]
    fn the_llm_stage_is_off_by_default_and_checked_when_on() {
        let c = AgentConfig::builtin();
        assert!(
            !c.llm.enabled,
            "the built-in configuration makes no LLM call"
        );
        let without = DEFAULT_AGENT_TOML
            .split("\n[llm]")
            .next()
            .unwrap()
            .to_owned()
            + &DEFAULT_AGENT_TOML[DEFAULT_AGENT_TOML.find("\n[[sources]]").unwrap()..];
        assert_eq!(
            AgentConfig::from_toml_str(&without).unwrap().llm,
            LlmSettings::default(),
            "a file without [llm] loads with the stage off"
        );
        // Unset keys take their defaults (the default prices included).
        let on = |extra: &str| {
            AgentConfig::from_toml_str(&format!("{without}\n[llm]\nenabled = true\n{extra}\n"))
        };
        assert!(on("").is_ok());
        let judged = on("[llm.judge]\nmodel = \"gpt-4o\"").unwrap();
        let judge = judged.llm.judge.as_ref().unwrap();
        assert_eq!(
            (judge.model.as_str(), judge.max_output_tokens),
            ("gpt-4o", 400)
        );
        assert_eq!(
            AgentConfig::from_toml_str(&judged.to_toml()).unwrap(),
            judged,
            "the judge is recorded with the configuration"
        );
        for (extra, says) in [
            ("base_url = \"ftp://x\"", "base_url"),
            (
                "api_key_env = \"sk-live-123\"",
                "NAME of an environment variable",
            ),
            ("small_model = \"unpriced\"", "no entry for small_model"),
            ("temperature = 3.0", "temperature"),
            ("timeout_secs = 0", "timeout_secs"),
            ("top_k_products = 0", "top_k_products"),
            ("daily_budget_usd = -1.0", "daily_budget_usd"),
            ("structured_output = \"xml\"", "structured_output"),
            ("language = \"de\"", "language"),
            (
                "[llm.prompt]\nprompt_version = \"v 1\"\nsystem = \"s\"\nuser = \"{input_json}\"",
                "llm.prompt: prompt_version",
            ),
            (
                "[llm.prompt]\nprompt_version = \"v2\"\nsystem = \"s\"\nuser = \"no input\"",
                "{input_json}",
            ),
            (
                "[llm.judge]\nmodel = \"unpriced\"",
                "no entry for judge.model",
            ),
            ("[llm.judge]\nmodel = \"\"", "judge.model must name a model"),
            (
                "[llm.judge]\nmodel = \"gpt-4o\"\nmax_output_tokens = 0",
                "judge.max_output_tokens",
            ),
            (
                "[llm.judge]\nmodel = \"gpt-4o\"\n[llm.judge.prompt]\nprompt_version = \"j2\"\nsystem = \"s\"\nuser = \"{input_json}\"",
                "{summary_json}",
            ),
        ] {
            let e = on(extra).unwrap_err().to_string();
            assert!(e.contains(says), "{extra}: {e}");
        }
    }

    #[test]
    fn a_call_costs_its_tokens_times_the_price_per_million() {
        let p = ModelPrice {
            input_per_million_usd: 0.15,
            output_per_million_usd: 0.6,
        };
        // 1,000 × 0.15 + 500 × 0.60 = 150 + 300 micro-dollars.
        assert_eq!(p.cost_microdollars(1_000, 500), 450);
        assert_eq!(p.cost_microdollars(0, 0), 0);
        let big = ModelPrice {
            input_per_million_usd: 2.5,
            output_per_million_usd: 10.0,
        };
        // 1 M prompt tokens at $2.50 = 2.5 M micro-dollars.
        assert_eq!(big.cost_microdollars(1_000_000, 1_000), 2_510_000);
    }

    #[test]
    fn retry_delay_doubles_and_stays_below_lease() {
        let q = QueuePolicy {
            max_attempts: 5,
            lease_secs: 60,
            retry_backoff_secs: 5,
            orphan_grace_secs: 120,
        };
        assert_eq!(q.retry_delay_secs(1), 5);
        assert_eq!(q.retry_delay_secs(2), 10);
        assert_eq!(q.retry_delay_secs(3), 20);
        assert_eq!(q.retry_delay_secs(10), 59);
    }
}
