//! The `marketlens` command. Thin: parses arguments, builds the application through
//! `marketlens_service::startup`, and reports outcomes with clear exit codes.

mod access;
mod config_versions;
mod demo_shop;
mod eval;
mod experiments;
mod extract;
mod feedback;
mod golden;
mod history;
mod loadtest;
mod location;
mod rates;
mod stdout;
mod terminal;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand, ValueEnum};
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::ports::{StageProgress, StageState};
use marketlens_service::in_process::{InProcessError, analyze_in_process};
use marketlens_service::pipeline::ProgressSink;
use marketlens_service::startup::{App, Backends, Settings, build_sources, load_config};
use marketlens_service::submit::SubmitError;
use marketlens_service::telemetry::{self, LogFormat};
use rust_decimal::Decimal;

use crate::location::Location;
use crate::stdout::{out, outln};
use crate::terminal::{Shown, json_text, shown};

/// Exit codes.
const EXIT_FAILED: u8 = 1;
const EXIT_BAD_INPUT: u8 = 2;
const EXIT_ANALYSIS_FAILED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "marketlens",
    version,
    about = "E-commerce market analysis: products, prices, reviews, recommendations."
)]
struct Cli {
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, env = "MARKETLENS_LOG_FORMAT")]
    log_format: Option<Format>,
    #[command(subcommand)]
    command: Command,
}

// Each command takes only the options it uses (its `--help` lists nothing else): the
// groups below are flattened into the commands that need them.

/// The data directory, for the commands that keep files there.
#[derive(Args)]
struct DataDirArg {
    /// Directory for the embedded database, the reports and imported rates.
    #[arg(
        long,
        global = true,
        env = "MARKETLENS_DATA_DIR",
        default_value = "marketlens-data"
    )]
    data_dir: PathBuf,
}

/// The agent configuration, for the commands that read it.
#[derive(Args)]
struct ConfigArg {
    /// Agent configuration file (TOML); the built-in default when absent.
    #[arg(long, global = true, env = "MARKETLENS_CONFIG")]
    config: Option<PathBuf>,
}

/// Production backends, for the commands that open the application.
#[derive(Args)]
struct BackendArgs {
    /// PostgreSQL store instead of the embedded SQLite (`postgres://…`).
    #[arg(long, env = "MARKETLENS_DATABASE_URL")]
    database_url: Option<String>,
    /// Redis as a shared cache level (`redis://…`).
    #[arg(long, env = "MARKETLENS_REDIS_URL")]
    redis_url: Option<String>,
    /// Job queue broker instead of the embedded queue (`redis://…`: Redis Streams).
    #[arg(long, env = "MARKETLENS_QUEUE_URL")]
    queue_url: Option<String>,
    /// Report storage instead of the data directory (`s3://bucket/prefix`).
    #[arg(long, env = "MARKETLENS_BLOB_URL")]
    blob_url: Option<String>,
    /// Prefix of every Redis key, cache and queue (default `marketlens`).
    #[arg(long, env = "MARKETLENS_REDIS_PREFIX")]
    redis_prefix: Option<String>,
}

/// Where the store of record is, for the commands that only read or write it
/// (`config activate`, `config history`).
#[derive(Args)]
pub(crate) struct StoreArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(flatten)]
    backends: BackendArgs,
}

impl StoreArgs {
    pub(crate) fn settings(&self) -> Settings {
        Settings {
            data_dir: self.data_dir.data_dir.clone(),
            config_path: None,
            backends: self.backends.backends(),
        }
    }
}

impl BackendArgs {
    fn backends(&self) -> Backends {
        Backends {
            database_url: self.database_url.clone(),
            redis_url: self.redis_url.clone(),
            queue_url: self.queue_url.clone(),
            blob_url: self.blob_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
        }
    }
}

/// The tenant a command reads or changes, for the commands that work on the store
/// directly (which holds every tenant's analyses).
#[derive(Args)]
pub(crate) struct TenantArg {
    /// The tenant whose analyses and experiments to read or change.
    #[arg(long, env = "MARKETLENS_TENANT", default_value = "local", value_parser = parse_tenant)]
    pub(crate) tenant: marketlens_core::domain::TenantId,
}

fn parse_tenant(s: &str) -> Result<marketlens_core::domain::TenantId, String> {
    marketlens_core::domain::TenantId::parse(s).map_err(|e| e.message)
}

/// What opening the application takes: `analyze`, `serve`, `worker` and `feedback`.
#[derive(Args)]
pub(crate) struct AppArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    backends: BackendArgs,
}

impl AppArgs {
    pub(crate) fn settings(&self) -> Settings {
        Settings {
            data_dir: self.data_dir.data_dir.clone(),
            config_path: self.config.config.clone(),
            backends: self.backends.backends(),
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Json,
    Text,
}

#[derive(Subcommand)]
enum Command {
    /// Run one analysis in this process and write its report.
    Analyze(AnalyzeArgs),
    /// Serve the HTTP API (with embedded workers unless --no-worker).
    Serve(ServeArgs),
    /// Run a worker that takes analyses from the queue.
    Worker(WorkerArgs),
    /// List past analyses, newest first.
    History(history::HistoryArgs),
    /// Show one analysis: status, stages, summary, report location.
    Show(history::ShowArgs),
    /// Print where an analysis's report is (`--launch` also opens it).
    Open(history::OpenArgs),
    /// Show or validate the agent configuration.
    Config {
        #[command(flatten)]
        config: ConfigArg,
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Rate an analysis (1-5), say whether it was useful, comment.
    Feedback(feedback::FeedbackArgs),
    /// Print, as JSON, the products/offers/ratings/reviews found in one page.
    Extract(extract::ExtractArgs),
    /// Serve the sample catalogue as a small web shop, for trying live sources offline.
    DemoShop(demo_shop::DemoShopArgs),
    /// Import or show the ECB reference rates used to convert prices.
    Rates {
        #[command(flatten)]
        data_dir: DataDirArg,
        #[command(subcommand)]
        action: rates::RatesAction,
    },
    /// Create, start, stop and list A/B experiments, and read their results.
    #[command(subcommand)]
    Experiments(experiments::ExperimentsAction),
    /// Record golden-set cases from live runs (`eval golden` runs the set).
    #[command(subcommand)]
    Golden(GoldenAction),
    /// Create and list tenants (whose analyses API keys give access to).
    #[command(subcommand)]
    Tenants(access::TenantsAction),
    /// Create, list and revoke API keys.
    #[command(subcommand)]
    Keys(access::KeysAction),
    /// Print the audit log, newest first: tenants and keys created, keys revoked and
    /// used, configurations activated.
    Audit(access::AuditArgs),
    /// Many analyses at once through the real API, on the demo shop with latency:
    /// throughput, latencies, queue depth, CPU and memory (JSON and SVG).
    Loadtest(loadtest::LoadtestArgs),
    /// Measure components on external datasets (figures as `name=value`), or compare
    /// pipeline variants on the golden set (`eval golden`).
    #[command(subcommand)]
    Eval(eval::EvalCommand),
}

#[derive(Subcommand)]
enum GoldenAction {
    /// Ask the request's sources live, freeze what they answered under
    /// SET/cases/ID/sources/, run the case offline and write its case.toml with the
    /// key points and forbidden claims proposed from that run (review them). A source's
    /// fallback is recorded with it.
    Record(GoldenRecordArgs),
}

#[derive(Args)]
struct GoldenRecordArgs {
    /// The case's id (its directory name): letters, digits, '-' and '_'.
    id: String,
    #[command(flatten)]
    request: RequestArgs,
    /// What the case stands for, in a sentence.
    #[arg(long, default_value = "")]
    description: String,
    /// The sample category it draws from.
    #[arg(long, default_value = "none")]
    category: String,
    /// Edge cases it covers (repeatable), e.g. fr, one-offer, fallback.
    #[arg(long = "tag")]
    tags: Vec<String>,
    /// The golden set's directory.
    #[arg(long, default_value = "golden")]
    set: PathBuf,
    /// Replace a case of the same id.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    config: ConfigArg,
}

/// What to analyse, for the commands that run an analysis (`analyze`, `golden record`).
#[derive(Args)]
struct RequestArgs {
    /// What to analyse, e.g. "wireless headphones".
    query: String,
    /// Target currency (ISO 4217).
    #[arg(long)]
    currency: Option<String>,
    /// Market, as a two-letter country code.
    #[arg(long)]
    market: Option<String>,
    #[arg(long)]
    max_products: Option<u32>,
    /// Only these sources (repeatable); all enabled sources by default.
    #[arg(long = "source")]
    sources: Vec<String>,
    /// new, used, refurbished or any.
    #[arg(long)]
    condition: Option<String>,
    #[arg(long)]
    min_price: Option<Decimal>,
    #[arg(long)]
    max_price: Option<Decimal>,
    /// Only analyse reviews in this language (en, fr).
    #[arg(long)]
    language: Option<String>,
}

impl RequestArgs {
    /// The request, asked by `user_id` when one is given.
    fn into_request(self, user_id: Option<String>) -> AnalysisRequest {
        AnalysisRequest {
            query: self.query,
            currency: self.currency,
            market: self.market,
            max_products: self.max_products,
            sources: (!self.sources.is_empty()).then_some(self.sources),
            condition: self.condition,
            min_price: self.min_price,
            max_price: self.max_price,
            language: self.language,
            user_id,
        }
    }
}

#[derive(Args)]
struct AnalyzeArgs {
    #[command(flatten)]
    request: RequestArgs,
    /// Who asks: places the analysis in a running experiment's variant for this user
    /// (without it, the question's fingerprint decides).
    #[arg(long)]
    user_id: Option<String>,
    /// Run again even if a fresh identical result exists.
    #[arg(long)]
    fresh: bool,
    /// Print a JSON summary on stdout instead of text.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    app: AppArgs,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "MARKETLENS_BIND", default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// Embedded workers in this process.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// API only: leave the analyses to separate `marketlens worker` processes.
    #[arg(long)]
    no_worker: bool,
    /// Connections served at once; more wait until one closes. Keep it under the
    /// process's open-file limit (`ulimit -n`), with room for the database and files.
    #[arg(long, env = "MARKETLENS_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Serve without API keys: every request acts for the `local` tenant with every
    /// scope. Refused unless --bind is a loopback address.
    #[arg(long)]
    no_auth: bool,
    /// Also serve `GET /metrics` and `GET /v1/stats` without a key on this address
    /// (e.g. `127.0.0.1:9091`, for a Prometheus scraper on a private network); on the
    /// API's own address they need a key with the `admin` scope.
    #[arg(long, value_name = "ADDR", env = "MARKETLENS_METRICS_BIND")]
    metrics_bind: Option<SocketAddr>,
    /// Requests per second each API key may make, sustained (0: no limit).
    #[arg(long, env = "MARKETLENS_RATE_LIMIT", default_value_t = 10.0)]
    rate_limit: f64,
    /// Requests each API key may make at once, above the sustained rate.
    #[arg(long, env = "MARKETLENS_RATE_BURST", default_value_t = 50)]
    rate_burst: u32,
    /// Analyses a tenant may have queued or running at once (0: no cap).
    #[arg(
        long,
        env = "MARKETLENS_MAX_INFLIGHT_PER_TENANT",
        default_value_t = 100
    )]
    max_inflight_per_tenant: u64,
    #[command(flatten)]
    app: AppArgs,
}

impl ServeArgs {
    /// How the server admits requests; `--no-auth` only on a loopback address.
    fn access(&self) -> Result<marketlens_service::access::AccessPolicy, String> {
        use marketlens_core::rate_limit::RateLimit;
        use marketlens_service::access::{AccessPolicy, AuthMode};
        if !(self.rate_limit.is_finite() && self.rate_limit >= 0.0) {
            return Err(format!(
                "--rate-limit must be a number of requests per second, 0 or more, not {}",
                self.rate_limit
            ));
        }
        let mode = if self.no_auth {
            if !self.bind.ip().is_loopback() {
                return Err(format!(
                    "--no-auth serves every analysis to whoever connects: it is refused on \
                     {} (bind to 127.0.0.1 or ::1, or create keys with `marketlens keys create`)",
                    self.bind
                ));
            }
            AuthMode::Open
        } else {
            AuthMode::Keys
        };
        Ok(AccessPolicy {
            mode,
            rate_limit: RateLimit {
                per_second: self.rate_limit,
                burst: self.rate_burst,
            },
            max_inflight_per_tenant: (self.max_inflight_per_tenant > 0)
                .then_some(self.max_inflight_per_tenant),
        })
    }
}

#[derive(Args)]
struct WorkerArgs {
    /// Jobs run concurrently by this process.
    #[arg(long, default_value_t = 1)]
    concurrency: usize,
    /// Serve `GET /metrics` (Prometheus) and `GET /v1/stats` on this address, e.g.
    /// `0.0.0.0:9091`; off by default.
    #[arg(long, value_name = "ADDR", env = "MARKETLENS_METRICS_BIND")]
    metrics_bind: Option<std::net::SocketAddr>,
    #[command(flatten)]
    app: AppArgs,
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print the effective configuration as TOML.
    Show,
    /// Check the configuration, sources included.
    Validate,
    /// Check a configuration (a TOML file, or an earlier version's number) as
    /// `validate` does and make it the active version: every API and worker uses it
    /// from its next analysis on, without a restart. Nothing is activated if invalid.
    Activate(config_versions::ActivateArgs),
    /// List the configuration versions, newest first: when each was activated, by
    /// whom when known, and which is active.
    History(config_versions::HistoryArgs),
}

/// mimalloc instead of the C library's allocator: the API allocates a little for
/// every request on every worker thread, and glibc's malloc (arenas, bins and their
/// consolidation) took about 12 % of its CPU under load.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let code = runtime.block_on(run(cli));
    if stdout::finish() {
        code
    } else {
        ExitCode::from(EXIT_FAILED)
    }
}

/// How a command logs: its default format and level and, for the commands that run
/// analyses, the service name its spans are exported under (to an OTLP endpoint, when
/// one is configured).
struct Logging {
    format: LogFormat,
    level: &'static str,
    otlp_service: Option<&'static str>,
}

impl Command {
    fn logging(&self) -> Logging {
        let text = |level| Logging {
            format: LogFormat::Text,
            level,
            otlp_service: None,
        };
        let service = |name| Logging {
            format: LogFormat::Json,
            level: "info",
            otlp_service: Some(name),
        };
        match self {
            Command::DemoShop(_) => text("info"),
            // The golden set replays shops that failed when they were recorded: their
            // warnings are the cases' subject, not news.
            Command::Eval(eval::EvalCommand::Golden { .. }) => text("error"),
            Command::Extract(_)
            | Command::Rates { .. }
            | Command::Loadtest(_)
            | Command::Eval(_)
            | Command::Golden(_)
            | Command::Tenants(_)
            | Command::Keys(_)
            | Command::Audit(_)
            | Command::Experiments(_)
            | Command::History(_)
            | Command::Show(_)
            | Command::Open(_)
            | Command::Config { .. }
            | Command::Feedback(_) => text("warn"),
            Command::Analyze(_) => Logging {
                otlp_service: Some("marketlens-cli"),
                ..text("warn")
            },
            Command::Serve(_) => service("marketlens-api"),
            Command::Worker(_) => service("marketlens-worker"),
        }
    }
}

async fn run(cli: Cli) -> ExitCode {
    let logging = cli.command.logging();
    let format = match cli.log_format {
        Some(Format::Json) => LogFormat::Json,
        Some(Format::Text) => LogFormat::Text,
        None => logging.format,
    };
    // The guard flushes the exported spans on exit.
    let _otlp = match logging.otlp_service {
        Some(service) => Some(telemetry::init_with_otlp(format, logging.level, service)),
        None => {
            telemetry::init(format, logging.level);
            None
        }
    };
    match cli.command {
        Command::Extract(args) => extract::run(args).await,
        Command::DemoShop(args) => demo_shop::run(args).await,
        Command::Rates { data_dir, action } => rates::run(&data_dir.data_dir, action),
        Command::Loadtest(args) => loadtest::run(args).await,
        Command::Eval(command) => eval::run(command).await,
        Command::Golden(GoldenAction::Record(args)) => golden_record(args).await,
        Command::Tenants(action) => access::tenants(action).await,
        Command::Keys(action) => access::keys(action).await,
        Command::Audit(args) => access::audit(args).await,
        Command::Experiments(action) => experiments::run(action).await,
        Command::History(args) => history::history(args).await,
        Command::Show(args) => history::show(args).await,
        Command::Open(args) => history::open_report(args).await,
        Command::Config { config, action } => {
            config_command(config.config.as_deref(), action).await
        }
        Command::Feedback(args) => match open(&args.app.settings()).await {
            Ok(app) => feedback::run(&app, args).await,
            Err(code) => code,
        },
        Command::Analyze(args) => {
            let settings = args.app.settings();
            analyze(&settings, args).await
        }
        Command::Serve(args) => serve(args).await,
        Command::Worker(args) => worker(args).await,
    }
}

async fn golden_record(args: GoldenRecordArgs) -> ExitCode {
    let config = match load_config(args.config.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    golden::record::run(golden::record::RecordOptions {
        set: args.set,
        id: args.id,
        request: args.request.into_request(None),
        config,
        description: args.description,
        category: args.category,
        tags: args.tags,
        force: args.force,
    })
    .await
}

async fn serve(args: ServeArgs) -> ExitCode {
    let settings = args.app.settings();
    // Checked before anything opens: an unsafe set-up never starts.
    let access = match args.access() {
        Ok(access) => access,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let app = match open_logging_warnings(&settings).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    let listener = match listen(args.bind).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let workers = if args.no_worker { 0 } else { args.workers };
    eprintln!(
        "marketlens API and web UI on http://{}/ ({} embedded worker(s), data in {}, {})",
        listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default(),
        workers,
        settings.data_dir.display(),
        match access.mode {
            marketlens_service::access::AuthMode::Keys => "API keys required",
            marketlens_service::access::AuthMode::Open =>
                "no API keys: every request acts for the local tenant",
        }
    );
    if access.mode == marketlens_service::access::AuthMode::Keys {
        // A newcomer's next step, so the UI's key field is not a dead end.
        eprintln!(
            "  a key for the UI and the API: marketlens keys create --tenant local \
             --user <you> (same --data-dir / MARKETLENS_DATABASE_URL); on a laptop, \
             `serve --no-auth` on 127.0.0.1 needs none"
        );
    }
    let shutdown = marketlens_service::server::shutdown_on_signals();
    if let Err(code) = serve_metrics(
        &app,
        args.metrics_bind,
        &shutdown,
        "marketlens",
        " (no key)",
    )
    .await
    {
        return code;
    }
    let limits = marketlens_service::connections::ConnectionLimits {
        max_connections: args.max_connections.max(1),
        ..Default::default()
    };
    match marketlens_service::server::serve_within(app, listener, workers, limits, access, shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: server failed: {}", shown(&e));
            ExitCode::from(EXIT_FAILED)
        }
    }
}

async fn worker(args: WorkerArgs) -> ExitCode {
    let app = match open_logging_warnings(&args.app.settings()).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    let shutdown = marketlens_service::server::shutdown_on_signals();
    if let Err(code) =
        serve_metrics(&app, args.metrics_bind, &shutdown, "marketlens worker", "").await
    {
        return code;
    }
    let reconciler = tokio::spawn(marketlens_service::reconcile::run_reconciler(
        app.clone(),
        shutdown.clone(),
    ));
    let handles: Vec<_> = (0..args.concurrency.max(1))
        .map(|_| {
            tokio::spawn(marketlens_service::worker::run_worker(
                app.clone(),
                marketlens_service::worker::WorkerOptions::new(
                    marketlens_service::worker::default_worker_id(),
                ),
                shutdown.clone(),
            ))
        })
        .collect();
    for h in handles {
        let _ = h.await;
    }
    let _ = reconciler.await;
    ExitCode::SUCCESS
}

async fn listen(addr: SocketAddr) -> Result<tokio::net::TcpListener, ExitCode> {
    tokio::net::TcpListener::bind(addr).await.map_err(|e| {
        eprintln!("error: cannot listen on {addr}: {e}");
        ExitCode::from(EXIT_FAILED)
    })
}

/// Serves `GET /metrics` and `GET /v1/stats` on `addr`, when one is given, until
/// shutdown, announced on stderr as `{who} metrics on http://{addr}/metrics{note}`.
async fn serve_metrics(
    app: &Arc<App>,
    addr: Option<SocketAddr>,
    shutdown: &tokio::sync::watch::Receiver<bool>,
    who: &str,
    note: &str,
) -> Result<(), ExitCode> {
    let Some(addr) = addr else {
        return Ok(());
    };
    let listener = listen(addr).await?;
    eprintln!("{who} metrics on http://{addr}/metrics{note}");
    marketlens_service::metrics::spawn_server(app.clone(), listener, shutdown.clone());
    Ok(())
}

/// Opens the application for a long-running process and logs what its set-up warns of.
async fn open_logging_warnings(settings: &Settings) -> Result<Arc<App>, ExitCode> {
    let app = open(settings).await?;
    app.log_warnings();
    Ok(app)
}

async fn open(settings: &Settings) -> Result<Arc<App>, ExitCode> {
    App::open(settings).await.map_err(|e| {
        eprintln!("error: {}", shown(&e));
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

async fn config_command(config_path: Option<&Path>, action: ConfigAction) -> ExitCode {
    // Versions live in the store; show and validate read only the file.
    let validate = match action {
        ConfigAction::Activate(args) => {
            let settings = args.store.settings();
            return config_versions::activate(&settings, args).await;
        }
        ConfigAction::History(args) => {
            let settings = args.store.settings();
            return config_versions::history(&settings, args).await;
        }
        ConfigAction::Show => false,
        ConfigAction::Validate => true,
    };
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match validate {
        false => {
            let origin = config_path
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "built-in default".into());
            outln!(
                "# marketlens agent configuration ({origin}), content hash {}",
                config.content_hash()
            );
            out!("{}", config.to_toml());
            ExitCode::SUCCESS
        }
        // Builds every enabled source so their settings (paths, files) are checked too.
        true => match build_sources(&config) {
            Ok(sources) => {
                let n = sources.len();
                outln!(
                    "configuration is valid: {n} enabled source(s), content hash {}",
                    config.content_hash()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {}", shown(&e));
                ExitCode::from(EXIT_BAD_INPUT)
            }
        },
    }
}

/// Prints stage transitions on stderr.
struct CliProgress {
    quiet: bool,
    last: std::sync::Mutex<Vec<(String, StageState)>>,
}

#[async_trait::async_trait]
impl ProgressSink for CliProgress {
    async fn update(&self, progress: &[StageProgress]) {
        let Ok(mut last) = self.last.lock() else {
            return;
        };
        let total = progress.len();
        for (i, s) in progress.iter().enumerate() {
            let changed = last
                .iter()
                .find(|(n, _)| n == &s.stage)
                .is_none_or(|(_, st)| *st != s.state);
            if !changed || s.state == StageState::Pending {
                continue;
            }
            if !self.quiet {
                let what = match s.state {
                    StageState::Running => "…".to_owned(),
                    StageState::Done => format!(
                        "done in {} ms{}",
                        s.duration_ms.unwrap_or(0),
                        s.detail
                            .as_deref()
                            .map(|d| format!(" ({})", Shown(d)))
                            .unwrap_or_default()
                    ),
                    StageState::Failed => {
                        format!("FAILED: {}", Shown(s.detail.as_deref().unwrap_or("")))
                    }
                    StageState::Pending => continue,
                };
                eprintln!("[{}/{}] {} {}", i + 1, total, s.stage, what);
            }
        }
        *last = progress
            .iter()
            .map(|s| (s.stage.clone(), s.state))
            .collect();
        let _ = std::io::stderr().flush();
    }
}

async fn analyze(settings: &Settings, args: AnalyzeArgs) -> ExitCode {
    let request = args.request.into_request(args.user_id);
    let app = match open(settings).await {
        Ok(app) => app,
        Err(code) => return code,
    };
    let sink = CliProgress {
        quiet: args.json,
        last: Default::default(),
    };
    let finished = match analyze_in_process(&app, &request, !args.fresh, &sink).await {
        Ok(finished) => finished,
        Err(InProcessError::Submit(SubmitError::Invalid(e))) => {
            eprintln!(
                "error: {} ({}): {}",
                Shown(e.field),
                e.error_type,
                Shown(&e.message)
            );
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(InProcessError::Failed { query_id, error }) => {
            if args.json {
                let summary = serde_json::json!({"id": query_id, "status": "failed", "error_type": error.error_type, "message": error.message});
                outln!("{}", json_text(&summary.to_string()));
            } else {
                eprintln!(
                    "analysis failed ({}): {}",
                    error.error_type,
                    Shown(&error.message)
                );
            }
            return ExitCode::from(EXIT_ANALYSIS_FAILED);
        }
        Err(e) => {
            eprintln!("error: {}", shown(&e));
            return ExitCode::from(EXIT_FAILED);
        }
    };
    let report = Location::of(&finished.report.uri);
    let result_json = Location::of(&finished.result_uri);
    let r = &finished.result;
    if args.json {
        let mut summary = serde_json::json!({
            "id": finished.query.id,
            "status": "completed",
            "cache_hit": finished.cache_hit,
            "fingerprint": finished.query.fingerprint,
            "report_uri": finished.report.uri,
            "result_uri": finished.result_uri,
            "quality_passed": r.quality.passed,
            "products": r.market.product_count,
            "offers": r.market.offer_count,
            "reviews": r.sentiment.review_count,
            "experiment_variant": finished.query.experiment.as_ref().map(|a| &a.variant),
        });
        // Paths only for files on this machine.
        if let (Some(report), Some(result)) = (report.path(), result_json.path()) {
            summary["report_path"] = serde_json::json!(report);
            summary["result_path"] = serde_json::json!(result);
        }
        outln!("{}", json_text(&summary.to_string()));
    } else {
        if finished.cache_hit {
            eprintln!("answered from a fresh identical analysis (use --fresh to run again)");
        }
        for notice in &r.data_notices {
            eprintln!("note: {}", Shown(notice));
        }
        for paragraph in &r.narrative {
            outln!("{}", Shown(paragraph));
        }
        // The optional LLM stage: its text only when it passed the grounding check,
        // always marked as generated.
        if let Some(llm) = &r.llm {
            use marketlens_core::llm::NarrativeStatus;
            let reason = llm.reason.as_deref().unwrap_or("");
            match (&llm.status, &llm.text) {
                (NarrativeStatus::Accepted, Some(text)) => {
                    println!();
                    println!(
                        "Generated summary ({}, prompt {}; every figure checked against the result):",
                        llm.model.as_deref().unwrap_or("model"),
                        llm.prompt_version
                    );
                    for paragraph in &text.summary {
                        println!("{paragraph}");
                    }
                    if let Some(judge) = &llm.judge
                        && let Some(s) = &judge.scores
                    {
                        eprintln!(
                            "note: judge {}: coherence {}/5, clarity {}/5{}: {}",
                            Shown(&judge.model),
                            s.coherence,
                            s.clarity,
                            if s.consistent_with_figures {
                                ""
                            } else {
                                ", inconsistent with the figures"
                            },
                            Shown(&s.rationale)
                        );
                    }
                }
                (NarrativeStatus::Skipped, _) => {
                    eprintln!("note: generated summary skipped: {reason}");
                }
                _ => eprintln!("note: generated summary rejected: {reason}"),
            }
        }
        if !r.quality.passed {
            eprintln!("warning: some quality checks failed (see the report)");
        }
        outln!();
        outln!("report: {}", shown(&report));
        outln!("result: {}", shown(&result_json));
    }
    ExitCode::SUCCESS
}
