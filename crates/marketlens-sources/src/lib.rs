//! Product sources. Each source is one file with a documented config struct and
//! implements [`marketlens_core::ports::Source`]; adding a source means adding a file
//! and one line to [`build_sources`].

pub mod catalog;
pub mod demo_shop;
pub mod extract;
pub mod http;
pub mod schema_org;
pub mod shopify;
pub mod woocommerce;

use std::sync::Arc;

use marketlens_core::config::{AgentConfig, SourceEntry};
use marketlens_core::ports::Source;

/// A source entry that cannot be built.
#[derive(Debug, thiserror::Error)]
#[error("source {name:?} (kind {kind:?}): {message}")]
pub struct SourceBuildError {
    pub name: String,
    pub kind: String,
    pub message: String,
}

/// The source kinds this build knows.
pub const KINDS: &[&str] = &["catalog", "schema_org", "shopify", "woocommerce"];

/// Builds one configured source, validating its settings.
pub fn build_source(entry: &SourceEntry) -> Result<Arc<dyn Source>, SourceBuildError> {
    let err = |message: String| SourceBuildError {
        name: entry.name.clone(),
        kind: entry.kind.clone(),
        message,
    };
    match entry.kind.as_str() {
        "catalog" => {
            let config: catalog::CatalogConfig = entry
                .settings
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| err(e.to_string()))?;
            let source = catalog::CatalogSource::build(&entry.name, &config)
                .map_err(|e| err(e.to_string()))?;
            Ok(Arc::new(source))
        }
        "schema_org" => {
            let config: schema_org::SchemaOrgConfig = settings(entry).map_err(err)?;
            Ok(Arc::new(
                schema_org::SchemaOrgSource::build(&entry.name, config).map_err(err)?,
            ))
        }
        "shopify" => {
            let config: shopify::ShopifyConfig = settings(entry).map_err(err)?;
            Ok(Arc::new(
                shopify::ShopifySource::build(&entry.name, config).map_err(err)?,
            ))
        }
        "woocommerce" => {
            let config: woocommerce::WooCommerceConfig = settings(entry).map_err(err)?;
            Ok(Arc::new(
                woocommerce::WooCommerceSource::build(&entry.name, config).map_err(err)?,
            ))
        }
        other => Err(err(format!(
            "unknown source kind {other:?}; known kinds: {}",
            KINDS.join(", ")
        ))),
    }
}

/// A kind's settings table as its config struct (unknown keys refused).
fn settings<T: serde::de::DeserializeOwned>(entry: &SourceEntry) -> Result<T, String> {
    entry
        .settings
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| e.to_string())
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

/// Checks a numeric setting against its allowed range, naming it in the error.
pub(crate) fn check_range<T>(
    name: &str,
    value: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<(), String>
where
    T: PartialOrd + std::fmt::Display,
{
    if range.contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "{name} = {value} is outside {}..={}",
            range.start(),
            range.end()
        ))
    }
}
