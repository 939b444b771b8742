//! Product sources. Each source is one file with a documented config struct and
//! implements [`marketlens_core::ports::Source`]; adding a source means adding a file
//! and one line to [`build_sources`].

pub mod catalog;

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
pub const KINDS: &[&str] = &["catalog"];

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
        other => Err(err(format!(
            "unknown source kind {other:?}; known kinds: {}",
            KINDS.join(", ")
        ))),
    }
}

/// Builds every enabled source of the configuration.
pub fn build_sources(config: &AgentConfig) -> Result<Vec<Arc<dyn Source>>, SourceBuildError> {
    config
        .sources
        .iter()
        .filter(|s| s.enabled)
        .map(build_source)
        .collect()
}
