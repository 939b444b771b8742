//! Builds the whole application from settings: the agent configuration, the adapters
//! behind each port, and the sources. Everything above this module sees only ports.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use marketlens_adapters::secrets::redact_url;
use marketlens_adapters::{
    LayeredCache, LocalDirBlobStore, MemoryCache, OpenAiCompatClient, OpenAiCompatSettings,
    PgStore, RedisCache, RedisStreamsQueue, S3BlobStore, SqliteDb, SqliteIntake, SqliteJobQueue,
    SqliteStore, StoreThenQueue,
};
use marketlens_core::ErrorType;
use marketlens_core::config::{AgentConfig, LlmSettings};
use marketlens_core::normalize::currency::{RateError, RateTable};
use marketlens_core::ports::{BlobStore, Cache, Intake, JobQueue, LlmClient, Source, Store};

use crate::live_config::{LiveConfig, RunConfig};

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
/// embedded adapter, so a laptop needs none of them. Its `Debug` masks passwords.
#[derive(Clone, Default, PartialEq, Eq)]
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

impl std::fmt::Debug for Backends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let url = |u: &Option<String>| u.as_deref().map(redact_url);
        f.debug_struct("Backends")
            .field("database_url", &url(&self.database_url))
            .field("redis_url", &url(&self.redis_url))
            .field("queue_url", &url(&self.queue_url))
            .field("blob_url", &url(&self.blob_url))
            .field("redis_prefix", &self.redis_prefix)
            .finish()
    }
}

/// An error from an adapter or client that start-up only reports, kept whole as the
/// error's source.
pub type BackendError = Box<dyn std::error::Error + Send + Sync>;

/// Why the application could not start. A setting this build cannot use is
/// `invalid_config`; a backend or directory that does not answer is `unavailable`.
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
    /// A backend URL of a kind this build has no adapter for.
    #[error("backend: {setting} {url:?}: expected {expected}")]
    UnsupportedBackend {
        setting: &'static str,
        /// Credentials redacted.
        url: String,
        expected: &'static str,
    },
    /// A configured backend that could not be reached or set up; `backend` names the
    /// setting (and, for the database, its redacted URL).
    #[error("backend: {backend}: {source}")]
    Backend {
        backend: String,
        source: BackendError,
    },
    #[error("cannot open the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: BackendError },
    #[error(transparent)]
    Rates(#[from] RatesError),
    /// `[llm]` is on and names a key variable that is not set.
    #[error(
        "llm.api_key_env: the environment variable {variable} is not set (set it, or use \"\" for an endpoint without a key)"
    )]
    LlmKeyMissing { variable: String },
}

impl StartupError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            StartupError::ConfigRead { .. }
            | StartupError::Config(_)
            | StartupError::Source(_)
            | StartupError::UnsupportedBackend { .. }
            | StartupError::LlmKeyMissing { .. } => ErrorType::InvalidConfig,
            StartupError::Backend { .. } | StartupError::DataDir { .. } => ErrorType::Unavailable,
            StartupError::Rates(e) => e.error_type(),
        }
    }

    fn backend(backend: impl Into<String>, source: impl Into<BackendError>) -> Self {
        StartupError::Backend {
            backend: backend.into(),
            source: source.into(),
        }
    }
}

/// Why the imported rate file of a data directory cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RatesError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Invalid { path: PathBuf, source: RateError },
}

impl RatesError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            RatesError::Read { .. } => ErrorType::Unavailable,
            RatesError::Invalid { .. } => ErrorType::InvalidConfig,
        }
    }
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
    /// The configuration this process started with. Analyses run with the version
    /// their query recorded, from [`App::configs`]; this one gives what is fixed for
    /// the life of the process (the queue's attempts and lease).
    pub config: Arc<AgentConfig>,
    /// Version of `config` in `agent_configs`.
    pub config_version: i64,
    pub config_hash: String,
    /// Every configuration version, the active one first of all (see
    /// [`crate::live_config`]).
    pub configs: LiveConfig,
    pub store: Arc<dyn Store>,
    pub queue: Arc<dyn JobQueue>,
    /// The submit path's write: records a submission and queues its job (one
    /// transaction on the embedded database, which holds both).
    pub intake: Arc<dyn Intake>,
    pub cache: Arc<dyn Cache>,
    pub blob: Arc<dyn BlobStore>,
    /// The sources of `config`.
    pub sources: Vec<Arc<dyn Source>>,
    pub rates: Arc<RateTable>,
    /// What in this set-up will not work as a deployment of several processes
    /// expects ([`deployment_warnings`]): logged when the API or a worker starts, and
    /// listed by `/readyz` and `/healthz`.
    pub warnings: Vec<String>,
    /// Whether LLM answers are also kept in the store's `llm_cache` table: without
    /// Redis it is the only cache level the processes of a deployment share.
    pub llm_cache_in_store: bool,
}

impl App {
    /// Opens the embedded backends under `settings.data_dir` and settles the
    /// configuration: a configuration file given in the settings is checked (sources
    /// built) and activated; without one, the version already active in the store is
    /// used, and the built-in default is activated only when none is — so a process
    /// started on the defaults never undoes an activation made with `config activate`.
    pub async fn open(settings: &Settings) -> Result<Arc<App>, StartupError> {
        let b = &settings.backends;
        // Checked before any backend is reached, so a bad file is reported as such.
        let explicit = match &settings.config_path {
            Some(path) => {
                let config = load_config(Some(path))?;
                Some(RunConfig::from_config(0, config)?)
            }
            None => None,
        };
        let data_err = |source: BackendError| StartupError::DataDir {
            path: settings.data_dir.clone(),
            source,
        };
        // The embedded database is opened only when the store or the queue uses it, so
        // a process on production backends keeps no state in its data directory.
        let mut embedded = EmbeddedDb::new(settings.data_dir.join("marketlens.db"));
        let store = build_store(settings, &mut embedded).await?;
        let startup = Arc::new(startup_config(store.as_ref(), explicit).await?);
        let config = &startup.config;
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
                    .map_err(|e| StartupError::backend("queue_url", e))?,
            ),
            Some(url) => {
                return Err(StartupError::UnsupportedBackend {
                    setting: "queue_url",
                    url: redact_url(url),
                    expected: "redis://host:port/db (Redis Streams)",
                });
            }
            None => Arc::new(SqliteJobQueue::new(
                embedded.open().await.map_err(data_err)?,
                config.queue.max_attempts,
            )),
        };
        let intake: Arc<dyn Intake> = match (&b.database_url, &b.queue_url) {
            // Both ports on the embedded database: one transaction for both writes.
            (None, None) => Arc::new(SqliteIntake::new(
                embedded.open().await.map_err(data_err)?,
                config.queue.max_attempts,
            )),
            _ => Arc::new(StoreThenQueue::new(store.clone(), queue.clone())),
        };
        let blob: Arc<dyn BlobStore> = match &b.blob_url {
            // Endpoint, credentials and region from the standard `AWS_*` variables.
            Some(url) if url.starts_with("s3://") => Arc::new(
                S3BlobStore::from_url(url).map_err(|e| StartupError::backend("blob_url", e))?,
            ),
            Some(url) => {
                return Err(StartupError::UnsupportedBackend {
                    setting: "blob_url",
                    url: redact_url(url),
                    expected: "s3://bucket/prefix",
                });
            }
            None => Arc::new(
                LocalDirBlobStore::new(settings.data_dir.join("reports"))
                    .map_err(|e| data_err(e.into()))?,
            ),
        };
        let memory = MemoryCache::new(64 * 1024 * 1024);
        let cache: Arc<dyn Cache> = match &b.redis_url {
            // Connects lazily: with Redis down the memory level serves alone and
            // readiness reports the cache degraded.
            Some(url) => Arc::new(LayeredCache::new(
                memory,
                RedisCache::new(url, redis_prefix)
                    .map_err(|e| StartupError::backend("redis_url", e))?,
            )),
            None => Arc::new(memory),
        };
        Ok(Arc::new(App {
            config: startup.config.clone(),
            config_version: startup.version,
            config_hash: startup.hash.clone(),
            sources: startup.sources.clone(),
            configs: LiveConfig::new(store.clone(), startup),
            store,
            queue,
            intake,
            cache,
            blob,
            rates: Arc::new(load_rates(&settings.data_dir)?.0),
            warnings: deployment_warnings(settings),
            llm_cache_in_store: b.redis_url.is_none(),
        }))
    }

    /// Logs each of [`App::warnings`]; called once by the API and by a worker process.
    pub fn log_warnings(&self) {
        for warning in &self.warnings {
            tracing::warn!("{warning}");
        }
    }
}

/// Set-ups that start but do not do what a deployment of several processes expects.
/// A shared store (PostgreSQL) with the embedded queue: jobs wait in the SQLite file
/// of this data directory, so workers of other machines or directories, which see
/// the queries in the shared store, never receive them.
pub fn deployment_warnings(settings: &Settings) -> Vec<String> {
    let b = &settings.backends;
    let mut warnings = Vec::new();
    if b.database_url.is_some() && b.queue_url.is_none() {
        warnings.push(format!(
            "the store is shared (database_url) but the job queue is the embedded SQLite \
             queue of {}: only processes on this data directory run its jobs, and workers \
             elsewhere never will; set queue_url (--queue-url, MARKETLENS_QUEUE_URL) to a \
             shared queue",
            settings.data_dir.display()
        ));
    }
    warnings
}

/// The store of `settings` alone (the database URL, else the embedded database),
/// for commands that only read or write records (`config activate`, `config history`).
pub async fn open_store(settings: &Settings) -> Result<Arc<dyn Store>, StartupError> {
    let mut embedded = EmbeddedDb::new(settings.data_dir.join("marketlens.db"));
    build_store(settings, &mut embedded).await
}

/// The store: PostgreSQL for a `postgres://` database URL, else the embedded database.
async fn build_store(
    settings: &Settings,
    embedded: &mut EmbeddedDb,
) -> Result<Arc<dyn Store>, StartupError> {
    Ok(match &settings.backends.database_url {
        // Connecting also migrates (under sqlx's advisory lock, so processes starting
        // together apply each migration once). A database that is down at start-up
        // stops the process with the reason; later outages are ridden out by the pool.
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Arc::new(PgStore::open(url).await.map_err(|e| {
                StartupError::backend(format!("database_url {}", redact_url(url)), e)
            })?)
        }
        Some(url) => {
            return Err(StartupError::UnsupportedBackend {
                setting: "database_url",
                url: redact_url(url),
                expected: "postgres://user@host:port/database",
            });
        }
        None => Arc::new(SqliteStore::new(embedded.open().await.map_err(
            |source| StartupError::DataDir {
                path: settings.data_dir.clone(),
                source,
            },
        )?)),
    })
}

/// The configuration a process starts with: `explicit` (a file from the settings)
/// activated, else the active version, else the built-in default activated.
async fn startup_config(
    store: &dyn Store,
    explicit: Option<RunConfig>,
) -> Result<RunConfig, StartupError> {
    let store_err = |e| StartupError::backend("store", e);
    let mut config = match explicit {
        Some(config) => config,
        None => match store
            .active_agent_config_version()
            .await
            .map_err(store_err)?
        {
            Some(version) => {
                let stored = store
                    .get_agent_config(version)
                    .await
                    .map_err(store_err)?
                    .ok_or_else(|| {
                        StartupError::backend("store", format!("active version {version} vanished"))
                    })?;
                return RunConfig::build(version, &stored.config_toml);
            }
            None => RunConfig::from_config(0, AgentConfig::builtin())?,
        },
    };
    config.version = store
        .activate_agent_config(&config.hash, &config.config.to_toml())
        .await
        .map_err(store_err)?;
    Ok(config)
}

/// The LLM endpoint of `[llm]`, or `None` when the stage is off. The key is read
/// from the variable `api_key_env` names; a named variable that is not set stops
/// start-up rather than send unauthenticated calls.
pub fn build_llm_client(s: &LlmSettings) -> Result<Option<Arc<dyn LlmClient>>, StartupError> {
    if !s.enabled {
        return Ok(None);
    }
    let api_key = match s.api_key_env.trim() {
        "" => None,
        variable => match std::env::var(variable) {
            Ok(key) if !key.trim().is_empty() => Some(key.trim().to_owned()),
            _ => {
                return Err(StartupError::LlmKeyMissing {
                    variable: variable.to_owned(),
                });
            }
        },
    };
    let client = OpenAiCompatClient::new(OpenAiCompatSettings {
        base_url: s.base_url.clone(),
        api_key,
        timeout: std::time::Duration::from_secs(s.timeout_secs),
        max_retries: s.max_retries,
        max_response_bytes: s.max_response_bytes,
    })
    .map_err(|e| StartupError::backend("llm", e))?;
    Ok(Some(Arc::new(client)))
}

/// The embedded SQLite database (store and job queue), opened the first time a port
/// needs it and shared by both.
struct EmbeddedDb {
    path: PathBuf,
    db: Option<SqliteDb>,
}

impl EmbeddedDb {
    fn new(path: PathBuf) -> Self {
        Self { path, db: None }
    }

    async fn open(&mut self) -> Result<SqliteDb, BackendError> {
        if let Some(db) = &self.db {
            return Ok(db.clone());
        }
        let db = SqliteDb::open(&self.path).await?;
        self.db = Some(db.clone());
        Ok(db)
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
pub fn load_rates(data_dir: &Path) -> Result<(RateTable, Option<PathBuf>), RatesError> {
    let path = rates_file(data_dir);
    match std::fs::read_to_string(&path) {
        Ok(xml) => match RateTable::from_ecb_xml(&xml) {
            Ok(table) => Ok((table, Some(path))),
            Err(source) => Err(RatesError::Invalid { path, source }),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((RateTable::bundled(), None)),
        Err(source) => Err(RatesError::Read { path, source }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn open_with(backends: Backends) -> StartupError {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().to_owned(),
            config_path: None,
            backends,
        };
        match App::open(&settings).await {
            Ok(_) => panic!("{:?} should be refused", settings.backends),
            Err(e) => e,
        }
    }

    /// Opening with `backends` is refused for the setting `named`, as invalid
    /// configuration, and the URL's password is not in the message.
    async fn assert_unsupported(backends: Backends, named: &str) -> StartupError {
        let e = open_with(backends).await;
        assert!(
            matches!(&e, StartupError::UnsupportedBackend { setting, .. } if *setting == named),
            "{e}"
        );
        assert_eq!(e.error_type(), ErrorType::InvalidConfig);
        assert!(!e.to_string().contains("s3cret"), "{e}");
        e
    }

    #[tokio::test]
    async fn a_backend_url_of_an_unknown_kind_is_invalid_config_without_its_password() {
        let e = assert_unsupported(
            Backends {
                database_url: Some("mysql://app:s3cret@db.internal/marketlens".into()),
                ..Default::default()
            },
            "database_url",
        )
        .await;
        assert!(e.to_string().contains("expected postgres://"), "{e}");
        assert_unsupported(
            Backends {
                queue_url: Some("amqp://app:s3cret@mq.internal".into()),
                ..Default::default()
            },
            "queue_url",
        )
        .await;
    }

    #[tokio::test]
    async fn a_redis_password_never_reaches_an_error_or_a_debug_print() {
        for backends in [
            Backends {
                queue_url: Some("redis://:s3cret@127.0.0.1:1/0".into()),
                ..Default::default()
            },
            Backends {
                redis_url: Some("redis://user:s3cret@127.0.0.1:notaport/0".into()),
                ..Default::default()
            },
        ] {
            assert!(!format!("{backends:?}").contains("s3cret"), "{backends:?}");
            let e = open_with(backends).await;
            assert!(!e.to_string().contains("s3cret"), "{e}");
            assert!(!format!("{e:?}").contains("s3cret"), "{e:?}");
        }
    }

    #[test]
    fn a_shared_store_with_the_embedded_queue_is_warned_about() {
        let mut settings = Settings {
            data_dir: PathBuf::from("/srv/marketlens"),
            ..Default::default()
        };
        assert_eq!(deployment_warnings(&settings), Vec::<String>::new());
        settings.backends.database_url = Some("postgres://db/marketlens".into());
        let warnings = deployment_warnings(&settings);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(
            warnings[0].contains("embedded SQLite queue of /srv/marketlens")
                && warnings[0].contains("--queue-url"),
            "{warnings:?}"
        );
        settings.backends.queue_url = Some("redis://queue:6379/".into());
        assert_eq!(deployment_warnings(&settings), Vec::<String>::new());
    }

    #[test]
    fn an_imported_rate_file_that_does_not_parse_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (_, origin) = load_rates(dir.path()).unwrap();
        assert_eq!(origin, None, "the bundled snapshot without an import");

        let path = rates_file(dir.path());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "<html>not rates</html>").unwrap();
        let e = load_rates(dir.path()).unwrap_err();
        assert!(matches!(e, RatesError::Invalid { .. }), "{e}");
        assert_eq!(e.error_type(), ErrorType::InvalidConfig);
        assert!(
            e.to_string().starts_with(&path.display().to_string()),
            "{e}"
        );
    }
}
