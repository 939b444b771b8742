//! Stage `fetch_products`: every selected source at once, each through the fetch
//! policy of [`super::fetch_source`] (its own timeout, cache, stale copy and fallback).
//! The stage fails with `no_data` when no source has a product: retried when every
//! source failed (an outage may pass), final when they answered with nothing.

use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use marketlens_core::ErrorType;
use marketlens_core::analysis::history::FetchTimes;
use marketlens_core::config::AgentConfig;
use marketlens_core::domain::{CollectedProduct, QueryText};
use marketlens_core::ports::{Source, SourceBatch, SourceQuery};
use marketlens_core::report::{SourceOutcome, SourceStatus};
use tracing::Instrument;
use tracing::field::Empty;

use super::fetch_source::{SourceFetcher, TimedSource};
use super::runner::StageOutput;
use super::{Analysis, AnalysisError};

/// What the sources answered: one batch and one outcome per selected source.
pub(super) struct Fetched {
    pub(super) batches: Vec<SourceBatch>,
    pub(super) outcomes: Vec<SourceOutcome>,
}

impl Fetched {
    /// Products collected from every source together.
    pub(super) fn collected_count(&self) -> usize {
        self.batches.iter().map(|b| b.products.len()).sum()
    }

    /// When each source whose products this analysis fetched itself (a live or
    /// fallback answer) gave them, by the source name on its products; sources
    /// answered from a cached or stale copy are left out.
    pub(super) fn fetch_times(&self) -> FetchTimes {
        let mut times = FetchTimes::new();
        for (batch, outcome) in self.batches.iter().zip(&self.outcomes) {
            let fetched_here =
                matches!(outcome.status, SourceStatus::Live | SourceStatus::Fallback);
            if let (true, Some(at)) = (fetched_here, batch.fetched_at) {
                for p in &batch.products {
                    times.insert(p.source.clone(), at);
                }
            }
        }
        times
    }

    /// Every collected product, in source order.
    pub(super) fn products(&self) -> Vec<CollectedProduct> {
        self.batches
            .iter()
            .flat_map(|b| b.products.iter().cloned())
            .collect()
    }
}

impl StageOutput for Fetched {
    fn product_count(&self) -> Option<usize> {
        Some(self.collected_count())
    }
    fn cache_hit(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| o.status == SourceStatus::Cache)
    }
    fn detail(&self) -> Option<String> {
        Some(format!("{} products", self.collected_count()))
    }
}

/// Queries every selected source concurrently; `no_data` when none has a product.
pub(super) async fn fetch_products(
    Analysis { app, run, query }: Analysis<'_>,
    text: &QueryText,
) -> Result<Fetched, AnalysisError> {
    let selected: Vec<&Arc<dyn Source>> = run
        .sources
        .iter()
        .filter(|s| {
            query.params.sources.is_empty()
                || query.params.sources.iter().any(|n| n.as_str() == s.name())
        })
        .collect();
    let source_query = SourceQuery {
        query: text.clone(),
        params: query.params.clone(),
    };
    let fetcher = SourceFetcher {
        cache: app.cache.as_ref(),
        store: app.store.as_ref(),
        cache_ttl: Duration::from_secs(run.config.cache.collected_products_ttl_secs),
    };
    let results = join_all(selected.iter().map(|source| {
        let span = tracing::info_span!(
            "fetch_source",
            query_id = %query.id,
            source = source.name(),
            product_count = Empty,
            cache_hit = Empty,
            error_type = Empty
        );
        // The configured fallback, unless it already answers in this analysis (its
        // products would then be counted twice).
        let fallback = run
            .config
            .sources
            .iter()
            .find(|e| e.name == source.name())
            .and_then(|e| e.fallback.as_deref())
            .filter(|f| !selected.iter().any(|s| s.name() == *f))
            .and_then(|f| run.sources.iter().find(|s| s.name() == f))
            .map(|f| timed(&run.config, f.as_ref()));
        fetcher
            .fetch(
                timed(&run.config, source.as_ref()),
                fallback,
                &source_query,
                &query.fingerprint,
            )
            .instrument(span)
    }))
    .await;
    let (batches, outcomes) = results.into_iter().unzip();
    let fetched = Fetched { batches, outcomes };
    if fetched.collected_count() == 0 {
        return Err(no_data(&fetched, &query.text));
    }
    Ok(fetched)
}

/// A source with its own `timeout_secs`, else the pipeline's default.
fn timed<'a>(config: &AgentConfig, source: &'a dyn Source) -> TimedSource<'a> {
    let secs = config
        .sources
        .iter()
        .find(|s| s.name == source.name())
        .and_then(|s| s.timeout_secs)
        .unwrap_or(config.pipeline.source_timeout_secs);
    TimedSource {
        source,
        timeout: Duration::from_secs(secs),
    }
}

/// Why nothing was fetched: every source failed (retryable), or they answered with
/// no product matching the query (final).
fn no_data(fetched: &Fetched, query_text: &str) -> AnalysisError {
    let all_failed = fetched
        .outcomes
        .iter()
        .all(|o| o.status == SourceStatus::Failed);
    if all_failed {
        let detail: Vec<String> = fetched
            .outcomes
            .iter()
            .map(|o| {
                format!(
                    "{}: {}",
                    o.source,
                    o.error_message.as_deref().unwrap_or("failed")
                )
            })
            .collect();
        // No live answer, no cached copy, no fallback: there is no data (never
        // anything unrelated in its place). Retried, since an outage may pass.
        AnalysisError::new(
            ErrorType::NoData,
            format!(
                "no data: every source failed and none had a cached or fallback answer ({})",
                detail.join("; ")
            ),
            true,
        )
    } else {
        AnalysisError::new(
            ErrorType::NoData,
            format!("no source has products matching \u{201c}{query_text}\u{201d}"),
            false,
        )
    }
}
