//! The stages that compute on plain data — `normalize`, `analyze_market`,
//! `analyze_sentiment` — each a pure function of the core run on the blocking pool
//! (a large analysis never stalls the async workers serving the API). The only I/O
//! here is `analyze_market` reading the price history of earlier analyses.

use std::sync::Arc;

use chrono::Utc;
use marketlens_core::ErrorType;
use marketlens_core::analysis::history::{HISTORY_LOOKBACK_DAYS, HistorySettings, price_history};
use marketlens_core::analysis::market::{MarketSettings, MarketSummary, analyze_market};
use marketlens_core::analysis::sentiment::{
    SentimentSettings, SentimentSummary, analyze_sentiment,
};
use marketlens_core::domain::Product;
use marketlens_core::normalize::{Normalized, normalize_with};
use marketlens_core::ports::PriceObservation;

use super::fetch::Fetched;
use super::runner::{StageOutput, on_blocking_pool};
use super::{Analysis, AnalysisError};
use crate::live_config::RunConfig;

impl StageOutput for Normalized {
    fn product_count(&self) -> Option<usize> {
        Some(self.products.len())
    }
    fn detail(&self) -> Option<String> {
        Some(format!(
            "{} products, {} offers",
            self.products.len(),
            self.summary.offers_kept
        ))
    }
}

/// Stage `normalize`: prices, currencies, conditions, one product per real product.
/// `no_data` (final) when no offer survives the request's filters.
pub(super) async fn normalize(
    Analysis { app, run, query }: Analysis<'_>,
    fetched: &Fetched,
) -> Result<Normalized, AnalysisError> {
    let collected = fetched.products();
    let (params, rates, config) = (query.params.clone(), app.rates.clone(), run.config.clone());
    let normalized =
        on_blocking_pool(move || normalize_with(&collected, &params, &rates, &config)).await?;
    if normalized.products.is_empty() {
        return Err(AnalysisError::new(
            ErrorType::NoData,
            format!(
                "{} products were found but none has a usable offer under the requested filters ({} offers rejected, {} filtered out)",
                fetched.collected_count(),
                normalized.summary.offers_rejected.len(),
                normalized.summary.offers_filtered_out
            ),
            false,
        ));
    }
    Ok(normalized)
}

/// An analysis of the normalised products, with how many it covered.
pub(super) struct Analysed<T> {
    pub(super) summary: T,
    product_count: usize,
}

impl<T> StageOutput for Analysed<T> {
    fn product_count(&self) -> Option<usize> {
        Some(self.product_count)
    }
}

/// Stage `analyze_market`: price statistics and breakdowns, and the price trends of
/// the products from the prices earlier analyses stored.
pub(super) async fn market(
    Analysis { app, run, query }: Analysis<'_>,
    products: Arc<Vec<Product>>,
) -> Result<Analysed<MarketSummary>, AnalysisError> {
    let thresholds = &run.config.thresholds;
    let (market_settings, history_settings) = (
        MarketSettings::from_thresholds(thresholds),
        HistorySettings::from_thresholds(thresholds),
    );
    // Read before this analysis appends its own prices (that happens once the result
    // is recorded); a redelivered job's own earlier write is left out so its prices
    // never count twice.
    let observed_at = Utc::now();
    let product_ids: Vec<String> = products.iter().map(|p| p.id.clone()).collect();
    let since = observed_at - chrono::Duration::days(i64::from(HISTORY_LOOKBACK_DAYS));
    let earlier: Vec<PriceObservation> = app
        .store
        .price_history(&product_ids, since)
        .await
        .map_err(|e| {
            AnalysisError::new(
                ErrorType::Unavailable,
                format!("could not read price history: {e}"),
                true,
            )
        })?
        .into_iter()
        .filter(|o| o.query_id != query.id)
        .collect();
    let (currency, rates) = (query.params.currency, app.rates.clone());
    let product_count = products.len();
    let summary = on_blocking_pool(move || {
        let mut market = analyze_market(&products, currency, &market_settings);
        market.history = price_history(
            &earlier,
            &products,
            currency,
            &rates,
            observed_at,
            &history_settings,
        );
        market
    })
    .await?;
    Ok(Analysed {
        summary,
        product_count,
    })
}

/// Stage `analyze_sentiment`: what the review texts say, overall and per aspect.
pub(super) async fn sentiment(
    run: &RunConfig,
    products: Arc<Vec<Product>>,
) -> Result<Analysed<SentimentSummary>, AnalysisError> {
    let t = &run.config.thresholds;
    let settings = SentimentSettings {
        positive_threshold: t.sentiment_positive,
        negative_threshold: t.sentiment_negative,
        min_reviews: t.min_reviews,
    };
    let product_count = products.len();
    let summary = on_blocking_pool(move || analyze_sentiment(&products, &settings)).await?;
    Ok(Analysed {
        summary,
        product_count,
    })
}
