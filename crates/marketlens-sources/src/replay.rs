//! `replay`: a source answered from frozen data, so an analysis runs again offline
//! with exactly the answers a recorded run got (the golden set, `golden/`).
//!
//! Its one setting, `path`, names a directory that [`Recorder::write`] wrote from a
//! live run of another source:
//!
//! - `source.toml`: the recorded source's `kind` and its `[settings]`;
//! - for a `catalog` source, the catalogue records of the products it found
//!   (`products.jsonl`, `offers.jsonl`, `reviews.jsonl`, `catalog.toml` with its
//!   notice), read back by a catalogue source;
//! - for a live source (`schema_org`, `shopify`, `woocommerce`), `tape.json`: every
//!   HTTP answer it got, pages and failures ([`crate::http::tape`]). The live source
//!   itself runs again on those answers, its parsing and filtering included; nothing
//!   goes on the network, and a URL the tape does not hold fails as an unreachable
//!   shop would.
//!
//! The replayed source answers under the `replay` entry's name, with the recorded
//! source's notice.

use std::path::Path;
use std::sync::Arc;

use marketlens_core::ErrorType;
use marketlens_core::config::SourceEntry;
use marketlens_core::domain::CollectedProduct;
use marketlens_core::ports::{Source, SourceBatch, SourceError, SourceQuery};
use serde::{Deserialize, Serialize};

use crate::catalog::{CatalogConfig, CatalogSource};
use crate::files::FileError;
use crate::http::TapeMode;
use crate::http::tape::Tape;
use crate::{BuildError, LIVE_KINDS, SourceBuildError, build_live, settings};

/// File naming the recorded source's kind and settings.
pub const SOURCE_FILE: &str = "source.toml";
/// File holding a live source's recorded HTTP answers.
pub const TAPE_FILE: &str = "tape.json";

/// Settings of a `replay` source (`[sources.settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayConfig {
    /// Directory of frozen data written by a recording (see the module).
    pub path: String,
}

/// `source.toml`: what was recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Recorded {
    kind: String,
    #[serde(default)]
    settings: toml::Table,
}

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// `source.toml`, the tape or the directory they are written in.
    #[error(transparent)]
    File(#[from] FileError),
    #[error("recorded source: {0}")]
    Recorded(#[source] Box<BuildError>),
}

impl ReplayError {
    /// Frozen data that cannot be read is a configuration problem: its path or files.
    pub fn error_type(&self) -> ErrorType {
        ErrorType::InvalidConfig
    }
}

/// A source answered from frozen data.
pub struct ReplaySource {
    name: String,
    inner: Arc<dyn Source>,
}

impl ReplaySource {
    pub fn build(name: &str, config: &ReplayConfig) -> Result<Self, ReplayError> {
        let dir = Path::new(&config.path);
        let file = dir.join(SOURCE_FILE);
        let text = std::fs::read_to_string(&file).map_err(FileError::io(&file))?;
        let recorded: Recorded =
            toml::from_str(&text).map_err(|e| FileError::invalid(&file, e.to_string()))?;
        let inner: Arc<dyn Source> = if recorded.kind == "catalog" {
            let catalog = CatalogConfig {
                path: dir.display().to_string(),
            };
            Arc::new(CatalogSource::build(name, &catalog).map_err(|e| boxed(e.into()))?)
        } else if LIVE_KINDS.contains(&recorded.kind.as_str()) {
            let tape = Tape::read(&dir.join(TAPE_FILE))?;
            let entry = SourceEntry {
                name: name.to_owned(),
                kind: recorded.kind.clone(),
                enabled: true,
                timeout_secs: None,
                fallback: None,
                settings: recorded.settings,
            };
            build_live(&entry, Some(TapeMode::Replay(Arc::new(tape)))).map_err(boxed)?
        } else {
            return Err(FileError::invalid(
                &file,
                format!(
                    "kind {:?} cannot be replayed; recorded kinds: catalog, {}",
                    recorded.kind,
                    LIVE_KINDS.join(", ")
                ),
            )
            .into());
        };
        Ok(Self {
            name: name.to_owned(),
            inner,
        })
    }
}

fn boxed(e: BuildError) -> ReplayError {
    ReplayError::Recorded(Box::new(e))
}

impl_source!(ReplaySource, kind = "replay");

impl ReplaySource {
    async fn search_products(&self, query: &SourceQuery) -> Result<SourceBatch, SourceError> {
        self.inner.search(query).await
    }
}

/// What a recording source keeps for [`Recorder::write`].
enum Kept {
    Tape(Arc<Tape>),
    Catalog(Arc<CatalogSource>),
}

/// The frozen data of one source of a live run.
pub struct Recorder {
    kind: String,
    settings: toml::Table,
    kept: Kept,
}

/// Builds `entry` (a `catalog` or live source) to run live while keeping what a
/// `replay` source needs to answer the same again.
pub fn build_recording(
    entry: &SourceEntry,
) -> Result<(Arc<dyn Source>, Recorder), SourceBuildError> {
    crate::http::install_crypto_provider();
    let failed = |error: BuildError| SourceBuildError {
        name: entry.name.clone(),
        kind: entry.kind.clone(),
        error: Box::new(error),
    };
    let (source, kept): (Arc<dyn Source>, Kept) = if entry.kind == "catalog" {
        let catalog = Arc::new(
            CatalogSource::build(&entry.name, &settings(entry).map_err(|e| failed(e.into()))?)
                .map_err(|e| failed(e.into()))?,
        );
        (catalog.clone(), Kept::Catalog(catalog))
    } else {
        let tape = Arc::new(Tape::default());
        let source = build_live(entry, Some(TapeMode::Record(tape.clone()))).map_err(failed)?;
        (source, Kept::Tape(tape))
    };
    let recorder = Recorder {
        kind: entry.kind.clone(),
        // A catalogue is read back from the records written beside `source.toml`.
        settings: match kept {
            Kept::Catalog(_) => toml::Table::new(),
            Kept::Tape(_) => entry.settings.clone(),
        },
        kept,
    };
    Ok((source, recorder))
}

impl Recorder {
    /// Writes the frozen data into `dir` (created): `source.toml`, then the tape, or
    /// the catalogue records of `found` (the products the catalogue answered).
    pub fn write(&self, dir: &Path, found: &[CollectedProduct]) -> Result<(), ReplayError> {
        std::fs::create_dir_all(dir).map_err(FileError::io(dir))?;
        let recorded = Recorded {
            kind: self.kind.clone(),
            settings: self.settings.clone(),
        };
        let file = dir.join(SOURCE_FILE);
        let text =
            toml::to_string(&recorded).map_err(|e| FileError::invalid(&file, e.to_string()))?;
        std::fs::write(&file, text).map_err(FileError::io(&file))?;
        match &self.kept {
            Kept::Tape(tape) => tape.write(&dir.join(TAPE_FILE))?,
            Kept::Catalog(catalog) => catalog
                .write_records(found, dir)
                .map_err(|e| boxed(e.into()))?,
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{local_http, query, start_demo_shop};

    fn entry(name: &str, kind: &str, settings: toml::Table) -> SourceEntry {
        SourceEntry {
            name: name.into(),
            kind: kind.into(),
            enabled: true,
            timeout_secs: None,
            fallback: None,
            settings,
        }
    }

    fn replay(name: &str, dir: &Path) -> ReplaySource {
        ReplaySource::build(
            name,
            &ReplayConfig {
                path: dir.display().to_string(),
            },
        )
        .unwrap()
    }

    fn offers(batch: &SourceBatch) -> Vec<(String, String, String)> {
        batch
            .products
            .iter()
            .flat_map(|p| {
                p.offers
                    .iter()
                    .map(|o| (p.title.clone(), o.seller.clone(), o.price_text.clone()))
            })
            .collect()
    }

    #[tokio::test]
    async fn a_recorded_catalogue_answers_the_same_products_offers_and_reviews() {
        let settings: toml::Table = toml::from_str("path = \"builtin:sample\"").unwrap();
        let (live, recorder) = build_recording(&entry("catalog", "catalog", settings)).unwrap();
        let q = query("machine à café expresso");
        let recorded = live.search(&q).await.unwrap();
        assert!(!recorded.products.is_empty());
        let dir = tempfile::tempdir().unwrap();
        recorder.write(dir.path(), &recorded.products).unwrap();

        let replayed = replay("catalog", dir.path());
        assert_eq!(replayed.kind(), "replay");
        let again = replayed.search(&q).await.unwrap();
        assert_eq!(
            serde_json::to_value(&again).unwrap(),
            serde_json::to_value(&recorded).unwrap()
        );
        // Only what the run found is frozen: another query finds nothing there.
        assert!(
            replayed
                .search(&query("wireless headphones"))
                .await
                .unwrap()
                .products
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_recorded_shop_is_replayed_offline_through_the_live_source_s_own_parsing() {
        let base = start_demo_shop().await;
        let mut settings: toml::Table =
            toml::from_str(&format!("base_url = \"{base}\"\nreviews_per_product = 2")).unwrap();
        settings.insert("http".into(), toml::Value::try_from(local_http()).unwrap());
        let (live, recorder) =
            build_recording(&entry("demo-woo", "woocommerce", settings)).unwrap();
        let q = query("wireless headphones");
        let recorded = live.search(&q).await.unwrap();
        assert!(!recorded.products.is_empty());
        let dir = tempfile::tempdir().unwrap();
        recorder.write(dir.path(), &recorded.products).unwrap();
        let tape = Tape::read(&dir.path().join(TAPE_FILE)).unwrap();
        assert!(tape.exchanges().iter().all(|e| e.url.starts_with(&base)));

        // The shop is not asked again: the replay answers from the tape alone.
        let replayed = replay("demo-woo", dir.path());
        let again = replayed.search(&q).await.unwrap();
        assert_eq!(offers(&again), offers(&recorded));
        assert_eq!(again.notice, recorded.notice);
        let reviews = |b: &SourceBatch| b.products.iter().map(|p| p.reviews.len()).sum::<usize>();
        assert_eq!(reviews(&again), reviews(&recorded));
        // A query the run never asked is a failed fetch, as an unreachable shop.
        let e = replayed
            .search(&query("robot vacuum"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("no recorded answer"), "{e}");
    }

    #[test]
    fn frozen_data_that_is_missing_or_of_an_unknown_kind_is_refused_clearly() {
        let dir = tempfile::tempdir().unwrap();
        let build = |d: &Path| {
            ReplaySource::build(
                "r",
                &ReplayConfig {
                    path: d.display().to_string(),
                },
            )
            .err()
            .unwrap()
            .to_string()
        };
        let e = build(dir.path());
        assert!(e.contains("source.toml"), "{e}");
        std::fs::write(dir.path().join(SOURCE_FILE), "kind = \"replay\"\n").unwrap();
        let e = build(dir.path());
        assert!(e.contains("cannot be replayed"), "{e}");
        std::fs::write(dir.path().join(SOURCE_FILE), "kind = \"shopify\"\n").unwrap();
        let e = build(dir.path());
        assert!(e.contains("tape.json"), "{e}");
    }
}
