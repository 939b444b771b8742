//! `GET /v1/analysis-options`: what a new analysis may ask for under the active
//! configuration (its enabled sources, markets, defaults) and this process's rate
//! table (the currencies it converts). The web UI builds its form from it; any client
//! can use it to offer valid choices before `POST /v1/analyses` judges them.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use marketlens_core::domain::{Language, MAX_PRODUCTS_LIMIT, MAX_QUERY_CHARS};
use serde::Serialize;

use super::ApiError;
use super::error::ErrorBody;
use super::error::responses::StoreUnavailable;
use crate::live_config::ConfigLoadError;
use crate::startup::App;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysisOptions {
    /// The active agent configuration version these options come from.
    pub agent_config_version: i64,
    /// What an absent parameter means.
    pub defaults: OptionDefaults,
    /// Enabled sources, in configuration order (none chosen: all of them).
    pub sources: Vec<String>,
    /// Markets a request may name (ISO 3166-1 alpha-2), sorted.
    pub markets: Vec<String>,
    /// Currencies the rate table converts (ISO 4217), sorted.
    pub currencies: Vec<String>,
    /// Values of `condition`.
    pub conditions: Vec<&'static str>,
    /// Values of `language` (review language; absent: every language).
    pub languages: Vec<&'static str>,
    pub max_products_limit: u32,
    pub max_query_chars: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OptionDefaults {
    pub currency: String,
    pub market: String,
    pub max_products: u32,
}

impl From<ConfigLoadError> for ApiError {
    fn from(e: ConfigLoadError) -> Self {
        match e {
            ConfigLoadError::Store(e) => ApiError::unavailable(e),
            other => ApiError::new(other.error_type(), other.to_string()),
        }
    }
}

/// The parameters a new analysis may take under the active configuration.
#[utoipa::path(
    get,
    path = "/v1/analysis-options",
    tag = "analyses",
    responses(
        (status = 200, description = "Sources, markets, currencies and defaults a request may use", body = AnalysisOptions),
        (status = 500, description = "The active configuration cannot be used here", body = ErrorBody),
        StoreUnavailable,
    )
)]
pub async fn analysis_options(
    State(app): State<Arc<App>>,
) -> Result<Json<AnalysisOptions>, ApiError> {
    let active = app.configs.active().await?;
    let config = &active.config;
    let mut currencies: Vec<String> = app
        .rates
        .currencies()
        .map(|c| c.as_str().to_owned())
        .collect();
    currencies.sort();
    currencies.dedup();
    Ok(Json(AnalysisOptions {
        agent_config_version: active.version,
        defaults: OptionDefaults {
            currency: config.defaults.currency.as_str().to_owned(),
            market: config.defaults.market.as_str().to_owned(),
            max_products: config.defaults.max_products,
        },
        sources: config.enabled_source_names(),
        markets: config
            .known_markets()
            .iter()
            .map(|m| m.as_str().to_owned())
            .collect(),
        currencies,
        conditions: vec!["any", "new", "used", "refurbished"],
        languages: Language::ALL.iter().map(|l| l.code()).collect(),
        max_products_limit: MAX_PRODUCTS_LIMIT,
        max_query_chars: MAX_QUERY_CHARS,
    }))
}
