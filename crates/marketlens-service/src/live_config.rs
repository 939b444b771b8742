//! Live agent configuration versions: which configuration an analysis runs with, and
//! activating a new one without restarting anything.
//!
//! The store's `agent_configs` table is the one place that says which version is
//! active. A process asks it when it records a new query, and the worker runs the
//! version recorded on the query, so an activation made by any process (`marketlens
//! config activate`, the admin API) reaches every API and worker with no message to
//! deliver and nothing to restart. The answer is kept for [`ACTIVE_VERSION_TTL`]: at
//! thousands of submissions a second, one read per request for a value that changes a
//! few times a day was a round trip on every request's path. So an activation made by
//! another process is seen within that time; one made through this process (the admin
//! API) at once, as it forgets the kept answer. What is expensive (parsing the TOML,
//! building the sources, which may load a catalogue) is cached here per version, and
//! versions never change once recorded, so that cache needs no invalidation: a new
//! activation is simply a version not cached yet.
//!
//! When a kept answer expires under load, one request asks the store and the others
//! go on with the answer kept (a moment past its second) until the new one is in:
//! without that, every request arriving during the read asked too, and the burst of
//! reads, once a second, held the connections the submissions were waiting for.
//!
//! A query records the version that was active when it was submitted, and its
//! analysis runs with exactly that version, retries included: the version on a query
//! is the one it ran with.
//!
//! The `[llm]` settings and the prompt are part of a version like any other setting:
//! a version with a new `[llm.prompt]` (a new `prompt_version`) or other models is
//! used by the next analysis submitted after its activation. A version whose `[llm]`
//! names a key variable this process lacks does not build here, as a version whose
//! catalogue is missing.
//!
//! Settings read once at start-up keep the start-up configuration until the process
//! restarts: the queue's `max_attempts` and lease, which the queue and the workers are
//! built with.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use marketlens_core::ErrorType;
use marketlens_core::config::AgentConfig;
use marketlens_core::domain::TenantId;
use marketlens_core::llm::PromptTemplate;
use marketlens_core::ports::{ExperimentRecord, LlmClient, Source, Store, StoreError};

use crate::startup::{StartupError, build_llm_client, build_sources};

/// How long the active version read from the store is trusted: the most an
/// activation made by another process waits before this one records it on new queries.
pub const ACTIVE_VERSION_TTL: Duration = Duration::from_secs(1);

/// How many tenants' running experiments a process keeps at once.
const KEPT_TENANTS: usize = 4096;

/// How many parsed versions a process keeps. Only the active version and those of
/// queries still being retried are in use; older ones are dropped first.
const CACHED_VERSIONS: usize = 8;

/// One configuration version, ready to run: parsed, checked, with its sources and
/// its LLM endpoint built. Everything an analysis reads of its configuration is here,
/// so activating a version changes the sources, thresholds, `[llm]` settings and
/// prompt (`prompt_version`) of the next analysis at once.
pub struct RunConfig {
    pub version: i64,
    pub hash: String,
    pub config: Arc<AgentConfig>,
    pub sources: Vec<Arc<dyn Source>>,
    /// The `llm_summarize` stage's endpoint; `None` when this version's `[llm]` is
    /// off, and then its analyses make no call for it.
    pub llm: Option<Arc<dyn LlmClient>>,
    /// The prompt the stage uses: the version's `[llm.prompt]`, else the built-in one.
    pub prompt: Arc<PromptTemplate>,
}

impl RunConfig {
    /// Parses and checks `toml` exactly as `marketlens config validate` does (sources
    /// built, so their settings and files are checked too).
    pub fn build(version: i64, toml: &str) -> Result<RunConfig, StartupError> {
        let config = AgentConfig::from_toml_str(toml)?;
        Self::from_config(version, config)
    }

    pub fn from_config(version: i64, config: AgentConfig) -> Result<RunConfig, StartupError> {
        let sources = build_sources(&config)?;
        let llm = build_llm_client(&config.llm)?;
        let prompt = config
            .llm
            .prompt
            .clone()
            .unwrap_or_else(PromptTemplate::builtin);
        Ok(RunConfig {
            version,
            hash: config.content_hash(),
            config: Arc::new(config),
            sources,
            llm,
            prompt: Arc::new(prompt),
        })
    }
}

/// Why the configuration of a version could not be had.
#[derive(Debug, thiserror::Error)]
pub enum ConfigLoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no agent config version is active")]
    NoneActive,
    #[error("agent config version {0} not found")]
    UnknownVersion(i64),
    /// A stored version that does not build here (say, a catalogue path this machine
    /// lacks).
    #[error("agent config version {version} cannot be used: {source}")]
    Invalid {
        version: i64,
        source: Box<StartupError>,
    },
}

impl ConfigLoadError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            ConfigLoadError::Store(_) => ErrorType::Unavailable,
            _ => ErrorType::InvalidConfig,
        }
    }
}

/// The configuration versions this process has built, and the way to the active one.
pub struct LiveConfig {
    store: Arc<dyn Store>,
    versions: Mutex<BTreeMap<i64, Arc<RunConfig>>>,
    /// The active version as last read, and when.
    active: Mutex<Option<(i64, Instant)>>,
    /// Each tenant's running experiment (or none) as last read, and when.
    experiments: Mutex<HashMap<TenantId, (Option<ExperimentRecord>, Instant)>>,
    /// Held while the active version is read from the store.
    reading_active: tokio::sync::Mutex<()>,
    /// Held while a running experiment is read from the store.
    reading_experiments: tokio::sync::Mutex<()>,
}

/// The answer kept in `kept`, unless it was read [`ACTIVE_VERSION_TTL`] ago or more.
fn unexpired<T>(kept: &Option<(T, Instant)>) -> Option<&T> {
    kept.as_ref()
        .filter(|(_, read_at)| read_at.elapsed() < ACTIVE_VERSION_TTL)
        .map(|(answer, _)| answer)
}

/// What a request whose kept answer has expired does.
enum Turn<'a> {
    /// Read the store (having checked that no one did meanwhile).
    Read(tokio::sync::MutexGuard<'a, ()>),
    /// Go on with the expired answer: another request is reading the new one.
    KeepExpired,
}

impl<'a> Turn<'a> {
    /// With an expired answer at hand, it is used while another request reads;
    /// without one, the request waits for its turn to read.
    async fn take(reading: &'a tokio::sync::Mutex<()>, have_expired: bool) -> Turn<'a> {
        match reading.try_lock() {
            Ok(turn) => Turn::Read(turn),
            Err(_) if have_expired => Turn::KeepExpired,
            Err(_) => Turn::Read(reading.lock().await),
        }
    }
}

impl LiveConfig {
    /// Starts with the version this process opened with already built.
    pub fn new(store: Arc<dyn Store>, startup: Arc<RunConfig>) -> Self {
        let versions = BTreeMap::from([(startup.version, startup)]);
        Self {
            store,
            versions: Mutex::new(versions),
            active: Mutex::new(None),
            experiments: Mutex::new(HashMap::new()),
            reading_active: tokio::sync::Mutex::new(()),
            reading_experiments: tokio::sync::Mutex::new(()),
        }
    }

    /// The experiment assigning `tenant`'s new queries, if any, as the store said at
    /// most [`ACTIVE_VERSION_TTL`] ago (kept for the same reason as the active version;
    /// an experiment started or stopped through this process is seen at once).
    pub async fn running_experiment(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<ExperimentRecord>, StoreError> {
        let kept = self.kept_experiments().get(tenant).cloned();
        if let Some(running) = unexpired(&kept) {
            return Ok(running.clone());
        }
        let _turn = match Turn::take(&self.reading_experiments, kept.is_some()).await {
            Turn::KeepExpired => return Ok(kept.and_then(|(running, _)| running)),
            Turn::Read(turn) => turn,
        };
        // Someone may have read it while this request waited for its turn.
        if let Some(running) = unexpired(&self.kept_experiments().get(tenant).cloned()) {
            return Ok(running.clone());
        }
        let read_at = Instant::now();
        let running = self.store.running_experiment(tenant).await?;
        let mut kept = self.kept_experiments();
        // Bounded: tenants come and go; the kept answers are only ever a second old.
        if kept.len() >= KEPT_TENANTS {
            kept.retain(|_, (_, at)| at.elapsed() < ACTIVE_VERSION_TTL);
            if kept.len() >= KEPT_TENANTS {
                kept.clear();
            }
        }
        kept.insert(tenant.clone(), (running.clone(), read_at));
        Ok(running)
    }

    /// Forgets `tenant`'s running experiment read last: called when one is started or
    /// stopped through this process.
    pub fn forget_running_experiment(&self, tenant: &TenantId) {
        self.kept_experiments().remove(tenant);
    }

    fn kept_experiments(
        &self,
    ) -> std::sync::MutexGuard<'_, HashMap<TenantId, (Option<ExperimentRecord>, Instant)>> {
        // Entries are written whole: a panic elsewhere leaves the map usable.
        self.experiments.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The active version, as the store said at most [`ACTIVE_VERSION_TTL`] ago.
    pub async fn active(&self) -> Result<Arc<RunConfig>, ConfigLoadError> {
        let kept = *self.kept_active();
        if let Some(&version) = unexpired(&kept) {
            return self.version(version).await;
        }
        let turn = match Turn::take(&self.reading_active, kept.is_some()).await {
            Turn::KeepExpired => {
                let (version, _) = kept.expect("an expired answer");
                return self.version(version).await;
            }
            Turn::Read(turn) => turn,
        };
        // Someone may have read it while this request waited for its turn.
        let kept = *self.kept_active();
        let version = match unexpired(&kept) {
            Some(&version) => version,
            None => {
                let read_at = Instant::now();
                let version = self
                    .store
                    .active_agent_config_version()
                    .await?
                    .ok_or(ConfigLoadError::NoneActive)?;
                *self.kept_active() = Some((version, read_at));
                version
            }
        };
        drop(turn);
        self.version(version).await
    }

    /// [`activate`], made through this process: its next analysis runs the version
    /// activated, without waiting for [`ACTIVE_VERSION_TTL`].
    pub async fn activate(
        &self,
        what: &Activation,
        activated_by: Option<&str>,
    ) -> Result<Activated, ActivateError> {
        let done = activate(self.store.as_ref(), what, activated_by).await?;
        self.forget_active();
        Ok(done)
    }

    /// Forgets the active version read last: the next [`LiveConfig::active`] asks the
    /// store.
    fn forget_active(&self) {
        *self.kept_active() = None;
    }

    fn kept_active(&self) -> std::sync::MutexGuard<'_, Option<(i64, Instant)>> {
        // A plain value, written whole: a panic elsewhere leaves it usable.
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Version `version`, built once per process.
    pub async fn version(&self, version: i64) -> Result<Arc<RunConfig>, ConfigLoadError> {
        if let Some(built) = self.cached().get(&version) {
            return Ok(built.clone());
        }
        let stored = self
            .store
            .get_agent_config(version)
            .await?
            .ok_or(ConfigLoadError::UnknownVersion(version))?;
        let built = RunConfig::build(version, &stored.config_toml).map_err(|e| {
            ConfigLoadError::Invalid {
                version,
                source: Box::new(e),
            }
        })?;
        let built = Arc::new(built);
        let mut cached = self.cached();
        cached.insert(version, built.clone());
        while cached.len() > CACHED_VERSIONS {
            cached.pop_first();
        }
        tracing::info!(version, hash = %built.hash, "agent config version loaded");
        Ok(built)
    }

    fn cached(&self) -> std::sync::MutexGuard<'_, BTreeMap<i64, Arc<RunConfig>>> {
        // The map is replaced whole per insert: a panic elsewhere leaves it usable.
        self.versions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// What to activate: a configuration's TOML text, or an earlier version again.
#[derive(Debug, Clone)]
pub enum Activation {
    Toml(String),
    Version(i64),
}

/// An activation done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activated {
    pub version: i64,
    pub content_hash: String,
    /// The same configuration was already active: nothing changed.
    pub already_active: bool,
}

/// Why nothing was activated.
#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    /// The configuration does not validate; the message is `config validate`'s.
    #[error(transparent)]
    Invalid(#[from] StartupError),
    #[error("agent config version {0} not found")]
    UnknownVersion(i64),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ActivateError {
    pub fn error_type(&self) -> ErrorType {
        match self {
            ActivateError::Invalid(_) => ErrorType::InvalidConfig,
            ActivateError::UnknownVersion(_) => ErrorType::NotFound,
            ActivateError::Store(_) => ErrorType::Unavailable,
        }
    }
}

/// Validates `what` as `marketlens config validate` does and makes it the active
/// version (a new version unless it is the active one already), recording
/// `activated_by`. Invalid: nothing is written.
pub async fn activate(
    store: &dyn Store,
    what: &Activation,
    activated_by: Option<&str>,
) -> Result<Activated, ActivateError> {
    let toml = match what {
        Activation::Toml(text) => text.clone(),
        Activation::Version(v) => {
            store
                .get_agent_config(*v)
                .await?
                .ok_or(ActivateError::UnknownVersion(*v))?
                .config_toml
        }
    };
    let config = AgentConfig::from_toml_str(&toml).map_err(StartupError::from)?;
    build_sources(&config)?;
    let hash = config.content_hash();
    let before = store.active_agent_config_version().await?;
    let version = store
        .activate_agent_config_as(&hash, &config.to_toml(), activated_by)
        .await?;
    tracing::info!(version, hash = %hash, by = activated_by.unwrap_or(""), "agent config activated");
    Ok(Activated {
        version,
        content_hash: hash,
        already_active: before == Some(version),
    })
}

#[cfg(test)]
mod tests {
    use super::Turn;

    #[tokio::test]
    async fn an_expired_answer_is_read_again_by_one_request_while_the_others_keep_it() {
        let reading = tokio::sync::Mutex::new(());
        let first = Turn::take(&reading, true).await;
        assert!(
            matches!(first, Turn::Read(_)),
            "nobody reads: this one does"
        );
        assert!(
            matches!(Turn::take(&reading, true).await, Turn::KeepExpired),
            "someone reads: go on with the expired answer"
        );
        // Without an answer at hand, a request waits for the read in progress.
        let mut waiting = Box::pin(Turn::take(&reading, false));
        assert!(
            futures::poll!(waiting.as_mut()).is_pending(),
            "nothing to go on with: it waits"
        );
        drop(first);
        assert!(
            matches!(waiting.await, Turn::Read(_)),
            "then takes its turn"
        );
    }
}
