//! Builds the whole application from settings: the agent configuration, the adapters
//! behind each port, and the sources. Everything above this module sees only ports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use marketlens_adapters::postgres::redact_url;
use marketlens_adapters::{
    LayeredCache, LocalDirBlobStore, MemoryCache, PgStore, RedisCache, RedisStreamsQueue,
    S3BlobStore, SqliteDb, SqliteJobQueue, SqliteStore,
};
use marketlens_core::config::AgentConfig;
use marketlens_core::normalize::currency::RateTable;
use marketlens_core::ports::{BlobStore, Cache, JobQueue, Source, Store};

/// Where the embedded backends keep their files, which agent config to load, and
/// which production backends replace the embedded ones.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Holds `marketlens.db` (SQLite: store and job queue) and `reports/`.
    pub data_dir: PathBuf,
    /// Agent configuration file; `None` uses the built-in default.
    pub config_path: Option<PathBuf>,
    /// Production backends; each `None` keeps the embedded default.
    pub backends: Backends,
}

/// Connection URLs of production backends (`MARKETLENS_*_URL`). Any left out uses the
/// embedded adapter, so a laptop needs none of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backends {
    /// `postgres://…`: PostgreSQL store (source of truth) instead of SQLite.
    pub database_url: Option<String>,
    /// `redis://…`: shared cache level behind the in-process one.
    pub redis_url: Option<String>,
    /// Job queue broker (`redis://…` for Redis Streams) instead of the SQLite queue.
    pub queue_url: Option<String>,
    /// `s3://bucket/prefix` (with `AWS_*` settings or an endpoint) for reports instead
    /// of the local directory.
    pub blob_url: Option<String>,
    /// Prefix of every Redis key (cache and queue); `None`: `marketlens`. Lets several
    /// deployments (or test runs) share one Redis without seeing each other's keys.
    pub redis_prefix: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot read configuration {path}: {source}")]
    ConfigRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Config(#[from] marketlens_core::config::ConfigError),
    #[error(transparent)]
    Source(#[from] marketlens_sources::SourceBuildError),
    #[error("backend: {0}")]
    Backend(String),
    #[error("cannot open the data directory {path}: {message}")]
    DataDir { path: PathBuf, message: String },
}

/// Reads and validates an agent configuration, sources included.
pub fn load_config(path: Option<&Path>) -> Result<AgentConfig, StartupError> {
    let config = match path {
        None => AgentConfig::builtin(),
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|source| StartupError::ConfigRead {
                path: p.to_owned(),
                source,
            })?;
            AgentConfig::from_toml_str(&text)?
        }
    };
    Ok(config)
}

/// The running application: configuration, ports and sources.
pub struct App {
    pub config: Arc<AgentConfig>,
    /// Version of `config` in `agent_configs`.
    pub config_version: i64,
    pub config_hash: String,
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn JobQueue>,
    pub cache: Arc<dyn Cache>,
    pub blob: Arc<dyn BlobStore>,
    pub sources: Vec<Arc<dyn Source>>,
    pub rates: Arc<RateTable>,
}

impl App {
    /// Opens the embedded backends under `settings.data_dir`, builds the sources and
    /// records the configuration as the active version.
    pub async fn open(settings: &Settings) -> Result<Arc<App>, StartupError> {
        let b = &settings.backends;
        let config = load_config(settings.config_path.as_deref())?;
        let sources = marketlens_sources::build_sources(&config)?;
        let data_err = |message: String| StartupError::DataDir {
            path: settings.data_dir.clone(),
            message,
        };
        // The embedded database is opened only when the store or the queue uses it, so
        // a process on production backends keeps no state in its data directory.
        let db = if b.database_url.is_none() || b.queue_url.is_none() {
            Some(
                SqliteDb::open(&settings.data_dir.join("marketlens.db"))
                    .await
                    .map_err(|e| data_err(e.to_string()))?,
            )
        } else {
            None
        };
        let embedded = |db: &Option<SqliteDb>| {
            db.clone()
                .ok_or_else(|| data_err("embedded database not opened".into()))
        };
        let store: Arc<dyn Store> = match &b.database_url {
            // Connecting also migrates (under sqlx's advisory lock, so processes starting
            // together apply each migration once). A database that is down at start-up
            // stops the process with the reason; later outages are ridden out by the pool.
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Arc::new(PgStore::open(url).await.map_err(|e| {
                    StartupError::Backend(format!("database_url {}: {e}", redact_url(url)))
                })?)
            }
            Some(url) => {
                return Err(StartupError::Backend(format!(
                    "database_url {:?}: expected postgres://user@host:port/database",
                    redact_url(url)
                )));
            }
            None => Arc::new(SqliteStore::new(embedded(&db)?)),
        };
        let redis_prefix = b
            .redis_prefix
            .as_deref()
            .unwrap_or(marketlens_adapters::redis::DEFAULT_PREFIX);
        let queue: Arc<dyn JobQueue> = match &b.queue_url {
            // Unlike the cache, jobs cannot be skipped: a queue that is down at
            // start-up stops the process with the reason.
            Some(url) if url.starts_with("redis://") => Arc::new(
                RedisStreamsQueue::connect(url, redis_prefix, config.queue.max_attempts)
                    .await
                    .map_err(|e| StartupError::Backend(format!("queue_url: {e}")))?,
            ),
            Some(url) => {
                return Err(StartupError::Backend(format!(
                    "queue_url {url:?}: expected redis://host:port/db (Redis Streams)"
                )));
            }
            None => Arc::new(SqliteJobQueue::new(
                embedded(&db)?,
                config.queue.max_attempts,
            )),
        };
        let blob: Arc<dyn BlobStore> = match &b.blob_url {
            // Endpoint, credentials and region from the standard `AWS_*` variables.
            Some(url) if url.starts_with("s3://") => Arc::new(
                S3BlobStore::from_url(url)
                    .map_err(|e| StartupError::Backend(format!("blob_url: {e}")))?,
            ),
            Some(url) => {
                return Err(StartupError::Backend(format!(
                    "blob_url {url:?}: expected s3://bucket/prefix"
                )));
            }
            None => Arc::new(
                LocalDirBlobStore::new(settings.data_dir.join("reports"))
                    .map_err(|e| data_err(e.to_string()))?,
            ),
        };
        let memory = MemoryCache::new(64 * 1024 * 1024);
        let cache: Arc<dyn Cache> = match &b.redis_url {
            // Connects lazily: with Redis down the memory level serves alone and
            // readiness reports the cache degraded.
            Some(url) => Arc::new(LayeredCache::new(
                memory,
                RedisCache::new(url, redis_prefix)
                    .map_err(|e| StartupError::Backend(format!("redis_url: {e}")))?,
            )),
            None => Arc::new(memory),
        };
        let config_hash = config.content_hash();
        let config_version = store
            .activate_agent_config(&config_hash, &config.to_toml())
            .await
            .map_err(|e| data_err(e.to_string()))?;
        Ok(Arc::new(App {
            config: Arc::new(config),
            config_version,
            config_hash,
            store,
            queue,
            cache,
            blob,
            sources,
            rates: Arc::new(load_rates(&settings.data_dir).map_err(data_err)?.0),
        }))
    }
}

/// Builds the enabled sources of a configuration (checks their settings and files).
pub fn build_sources(config: &AgentConfig) -> Result<Vec<Arc<dyn Source>>, StartupError> {
    Ok(marketlens_sources::build_sources(config)?)
}

/// Where `marketlens rates import` keeps the imported ECB reference-rate file.
pub fn rates_file(data_dir: &Path) -> PathBuf {
    data_dir.join("rates").join("eurofxref.xml")
}

/// The rates analyses convert with: the imported ECB file of the data directory when
/// there is one (with its path), else the snapshot bundled with the binary. An
/// imported file that no longer parses is an error, not a silent fallback.
pub fn load_rates(data_dir: &Path) -> Result<(RateTable, Option<PathBuf>), String> {
    let path = rates_file(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(xml) => RateTable::from_ecb_xml(&xml)
            .map(|t| (t, Some(path.clone())))
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((RateTable::bundled(), None)),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
