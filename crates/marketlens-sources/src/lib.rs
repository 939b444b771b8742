//! Product sources. Each source is one file with a documented config struct and
//! implements [`marketlens_core::ports::Source`]; adding a source means adding a file
//! and one line to [`build_source`]. Settings are checked when a source is built
//! ([`settings`]), so a bad configuration fails at start-up, never mid-analysis.

pub mod catalog;
pub mod demo_shop;
pub mod extract;
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
use crate::http::HttpClientError;
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
        "schema_org" => Arc::new(schema_org::SchemaOrgSource::build(name, settings(entry)?)?),
        "shopify" => Arc::new(shopify::ShopifySource::build(name, settings(entry)?)?),
        "woocommerce" => Arc::new(woocommerce::WooCommerceSource::build(
            name,
            settings(entry)?,
        )?),
        _ => return Err(BuildError::UnknownKind),
    })
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
