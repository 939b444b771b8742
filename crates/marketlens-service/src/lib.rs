//! marketlens-service: the runtime around the pure core.
//!
//! - [`startup`]: builds the application (config, adapters, sources) from settings.
//! - [`submit`]: turns a request into a recorded, queued query (shared by API and CLI).
//! - [`pipeline`]: runs the stages of one analysis, each through one stage runner.
//! - [`in_process`]: one analysis start to end in this process (the CLI, tests).
//! - [`worker`]: takes jobs from the queue and runs the pipeline on them.
//! - [`api`]: the HTTP API (thin: validate, record, enqueue, read).
//! - [`telemetry`]: logging and tracing set-up.
//! - [`metrics`]: Prometheus metrics and the `/v1/stats` figures.

pub mod api;
pub mod experiments;
pub mod in_process;
pub mod metrics;
pub mod pipeline;
pub mod server;
pub mod startup;
pub mod submit;
pub mod telemetry;
pub mod worker;

/// Version of this build, recorded on every result.
pub const CRATE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// Commit this build came from (`unknown` outside a git checkout).
pub const GIT_SHA: &str = env!("MARKETLENS_GIT_SHA");
