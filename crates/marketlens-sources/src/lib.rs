//! Product sources. Each source is one file with a documented config struct and
//! implements [`marketlens_core::ports::Source`]; adding a source means adding a file
//! and one line to [`build_source`] (for a kind that fetches over HTTP, a
//! [`LiveSource`], to `build_live`, which records and replays it too). Settings are
//! checked when a source is built ([`settings`]), so a bad configuration fails at
//! start-up, never mid-analysis.

/// Implements [`Source`] for a source type of one fixed `kind` whose configured name is
/// its `name` field and whose inherent `search_products` answers queries: the shape
/// every source here shares, written once.
macro_rules! impl_source {
    ($source:ty, kind = $kind:literal) => {
        #[async_trait::async_trait]
        impl marketlens_core::ports::Source for $source {
            fn name(&self) -> &str {
                &self.name
            }

            fn kind(&self) -> &str {
                $kind
            }

            async fn search(
                &self,
                query: &marketlens_core::ports::SourceQuery,
            ) -> Result<marketlens_core::ports::SourceBatch, marketlens_core::ports::SourceError>
            {
                self.search_products(query).await
            }
        }
    };
}

pub mod catalog;
pub mod demo_shop;
pub mod extract;
pub mod files;
pub mod html_depth;
pub mod http;
pub mod replay;
pub mod schema_org;
pub mod settings;
mod shop;
pub mod shopify;
pub mod woocommerce;

#[cfg(test)]
mod test_support;

use std::sync::Arc;

use marketlens_core::ErrorType;
use marketlens_core::config::{AgentConfig, SourceEntry};
use marketlens_core::ports::Source;

use crate::catalog::CatalogError;
use crate::http::{HttpClientError, TapeMode};
use crate::settings::SettingError;

/// Why a source cannot be built from its settings.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The settings table does not fit the kind's config struct (unknown key, wrong
    /// type, missing required key).
    #[error("{0}")]
    Table(#[from] toml::de::Error),
    #[error(transparent)]
    Setting(#[from] SettingError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Http(#[from] HttpClientError),
    #[error(transparent)]
    Replay(#[from] crate::replay::ReplayError),
    #[error("unknown source kind; known kinds: {}", KINDS.join(", "))]
    UnknownKind,
}

impl BuildError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            BuildError::Table(_) | BuildError::UnknownKind => ErrorType::InvalidConfig,
            BuildError::Setting(e) => e.error_type(),
            BuildError::Catalog(e) => e.error_type(),
            BuildError::Http(e) => e.error_type(),
            BuildError::Replay(e) => e.error_type(),
        }
    }
}

/// A source entry that cannot be built, with the entry's name and kind.
#[derive(Debug, thiserror::Error)]
#[error("source {name:?} (kind {kind:?}): {error}")]
pub struct SourceBuildError {
    pub name: String,
    pub kind: String,
    /// Boxed: a start-up error travels up through every caller's `Result`.
    #[source]
    pub error: Box<BuildError>,
}

impl SourceBuildError {
    pub fn error_type(&self) -> ErrorType {
        self.error.error_type()
    }
}

/// The source kinds this build knows.
pub const KINDS: &[&str] = &["catalog", "replay", "schema_org", "shopify", "woocommerce"];

/// Builds one configured source, validating its settings.
pub fn build_source(entry: &SourceEntry) -> Result<Arc<dyn Source>, SourceBuildError> {
    build_kind(entry).map_err(|error| SourceBuildError {
        name: entry.name.clone(),
        kind: entry.kind.clone(),
        error: Box::new(error),
    })
}

fn build_kind(entry: &SourceEntry) -> Result<Arc<dyn Source>, BuildError> {
    let name = entry.name.as_str();
    Ok(match entry.kind.as_str() {
        "catalog" => Arc::new(catalog::CatalogSource::build(name, &settings(entry)?)?),
        "replay" => Arc::new(replay::ReplaySource::build(name, &settings(entry)?)?),
        _ => build_live(entry, None)?,
    })
}

/// The kinds that fetch over HTTP (a recording keeps their answers as a tape).
const LIVE_KINDS: &[&str] = &["schema_org", "shopify", "woocommerce"];

/// A source of a kind that fetches over HTTP, its client recording on, or answering
/// from, `tape` ([`http::tape`]); without one, it fetches live.
fn build_live(entry: &SourceEntry, tape: Option<TapeMode>) -> Result<Arc<dyn Source>, BuildError> {
    match entry.kind.as_str() {
        "schema_org" => live::<schema_org::SchemaOrgSource>(entry, tape),
        "shopify" => live::<shopify::ShopifySource>(entry, tape),
        "woocommerce" => live::<woocommerce::WooCommerceSource>(entry, tape),
        _ => Err(BuildError::UnknownKind),
    }
}

fn live<S: LiveSource>(
    entry: &SourceEntry,
    tape: Option<TapeMode>,
) -> Result<Arc<dyn Source>, BuildError> {
    Ok(Arc::new(S::build(&entry.name, settings(entry)?, tape)?))
}

/// A source kind that fetches over HTTP: built from its settings table and, for a
/// recording or a replay, a tape.
pub trait LiveSource: Source + Sized + 'static {
    /// The kind's settings (`[sources.settings]`).
    type Config: serde::de::DeserializeOwned;

    /// Checks the settings and builds the source, its fetches recorded on `tape` or
    /// answered from it (none: fetched live).
    fn build(name: &str, config: Self::Config, tape: Option<TapeMode>) -> Result<Self, BuildError>;
}

/// A kind's settings table as its config struct (unknown keys refused).
fn settings<T: serde::de::DeserializeOwned>(entry: &SourceEntry) -> Result<T, toml::de::Error> {
    entry.settings.clone().try_into()
}

/// Builds every enabled source of the configuration.
pub fn build_sources(config: &AgentConfig) -> Result<Vec<Arc<dyn Source>>, SourceBuildError> {
    // Before anything in this process builds an HTTP client (see the function).
    http::install_crypto_provider();
    config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .map(build_source)
        .collect()
}
