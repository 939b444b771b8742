//! marketlens-service: the runtime around the pure core.
//!
//! - [`startup`]: builds the application (config, adapters, sources) from settings.
//! - [`live_config`]: agent config versions: the active one for each new analysis,
//!   activation without a restart.
//! - [`submit`]: turns a request into a recorded, queued query (shared by API and CLI).
//! - [`pipeline`]: runs the stages of one analysis, each through one stage runner.
//! - [`feedback`]: records a user's feedback on an analysis (shared by API and CLI).
//! - [`in_process`]: one analysis start to end in this process (the CLI, tests).
//! - [`worker`]: takes jobs from the queue and runs the pipeline on them.
//! - [`reconcile`]: queues again (or fails) analyses whose job the queue lost.
//! - [`api`]: the HTTP API (thin: validate, record, enqueue, read).
//! - [`server`]: serving the API with embedded workers; [`connections`]: the accept
//!   loop and what one client may hold (connection cap, timeouts).
//! - [`telemetry`]: logging and tracing set-up.
//! - [`metrics`]: Prometheus metrics and the `/v1/stats` figures.

pub mod access;
pub mod api;
pub mod connections;
pub mod experiments;
pub mod feedback;
pub mod in_process;
pub mod live_config;
pub mod metrics;
pub mod pipeline;
pub mod reconcile;
pub mod server;
pub mod startup;
pub mod submit;
pub mod telemetry;
pub mod worker;

/// Version of this build, recorded on every result.
pub const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Commit this build came from (`unknown` outside a git checkout).
pub const GIT_SHA: &str = env!("MARKETLENS_GIT_SHA");
