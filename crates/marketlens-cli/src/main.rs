//! The `marketlens` command. Thin: parses arguments, builds the application through
//! `marketlens_service::startup`, and reports outcomes with clear exit codes.

mod demo_shop;
mod eval;
mod experiments;
mod extract;
mod location;
mod rates;
mod stdout;

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

/// What opening the application takes: `analyze`, `serve` and `worker`.
#[derive(Args)]
struct AppArgs {
    #[command(flatten)]
    data_dir: DataDirArg,
    #[command(flatten)]
    config: ConfigArg,
    #[command(flatten)]
    backends: BackendArgs,
}

impl AppArgs {
    fn settings(&self) -> Settings {
        let b = &self.backends;
        Settings {
            data_dir: self.data_dir.data_dir.clone(),
            config_path: self.config.config.clone(),
            backends: Backends {
                database_url: b.database_url.clone(),
                redis_url: b.redis_url.clone(),
                queue_url: b.queue_url.clone(),
                blob_url: b.blob_url.clone(),
                redis_prefix: b.redis_prefix.clone(),
            },
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
    /// Show or validate the agent configuration.
    Config {
        #[command(flatten)]
        config: ConfigArg,
        #[command(subcommand)]
        action: ConfigAction,
    },
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
    Experiments {
        #[command(subcommand)]
        action: experiments::ExperimentsAction,
    },
    /// Measure components on external datasets (figures as `name=value`).
    Eval {
        #[command(subcommand)]
        command: eval::EvalCommand,
    },
}

#[derive(Args)]
struct AnalyzeArgs {
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
    #[command(flatten)]
    app: AppArgs,
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
}

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

async fn run(cli: Cli) -> ExitCode {
    let format = |default: LogFormat| match cli.log_format {
        Some(Format::Json) => LogFormat::Json,
        Some(Format::Text) => LogFormat::Text,
        None => default,
    };
    match cli.command {
        Command::Extract(args) => {
            telemetry::init(format(LogFormat::Text), "warn");
            extract::run(args).await
        }
        Command::DemoShop(args) => {
            telemetry::init(format(LogFormat::Text), "info");
            demo_shop::run(args).await
        }
        Command::Rates { data_dir, action } => {
            telemetry::init(format(LogFormat::Text), "warn");
            rates::run(&data_dir.data_dir, action)
        }
        Command::Eval { command } => {
            telemetry::init(format(LogFormat::Text), "warn");
            eval::run(command)
        }
        Command::Experiments { action } => {
            telemetry::init(format(LogFormat::Text), "warn");
            experiments::run(action).await
        }
        Command::Config { config, action } => {
            telemetry::init(format(LogFormat::Text), "warn");
            config_command(config.config.as_deref(), action)
        }
        Command::Analyze(args) => {
            // Spans also go to an OTLP endpoint when one is configured; the guard
            // flushes them on exit.
            let _otlp =
                telemetry::init_with_otlp(format(LogFormat::Text), "warn", "marketlens-cli");
            let settings = args.app.settings();
            analyze(&settings, args).await
        }
        Command::Serve(args) => {
            // Spans also go to an OTLP endpoint when one is configured; the guard
            // flushes them on exit.
            let _otlp =
                telemetry::init_with_otlp(format(LogFormat::Json), "info", "marketlens-api");
            let settings = args.app.settings();
            let app = match open(&settings).await {
                Ok(app) => app,
                Err(code) => return code,
            };
            app.log_warnings();
            let listener = match tokio::net::TcpListener::bind(args.bind).await {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("error: cannot listen on {}: {e}", args.bind);
                    return ExitCode::from(EXIT_FAILED);
                }
            };
            let workers = if args.no_worker { 0 } else { args.workers };
            eprintln!(
                "marketlens API on http://{} ({} embedded worker(s), data in {})",
                listener
                    .local_addr()
                    .map(|a| a.to_string())
                    .unwrap_or_default(),
                workers,
                settings.data_dir.display()
            );
            let shutdown = marketlens_service::server::shutdown_on_signals();
            match marketlens_service::server::serve(app, listener, workers, shutdown).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: server failed: {e}");
                    ExitCode::from(EXIT_FAILED)
                }
            }
        }
        Command::Worker(args) => {
            // Spans also go to an OTLP endpoint when one is configured; the guard
            // flushes them on exit.
            let _otlp =
                telemetry::init_with_otlp(format(LogFormat::Json), "info", "marketlens-worker");
            let app = match open(&args.app.settings()).await {
                Ok(app) => app,
                Err(code) => return code,
            };
            app.log_warnings();
            let shutdown = marketlens_service::server::shutdown_on_signals();
            if let Some(addr) = args.metrics_bind {
                let listener = match tokio::net::TcpListener::bind(addr).await {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("error: cannot listen on {addr}: {e}");
                        return ExitCode::from(EXIT_FAILED);
                    }
                };
                eprintln!("marketlens worker metrics on http://{addr}/metrics");
                marketlens_service::metrics::spawn_server(app.clone(), listener, shutdown.clone());
            }
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
            ExitCode::SUCCESS
        }
    }
}

async fn open(settings: &Settings) -> Result<Arc<App>, ExitCode> {
    App::open(settings).await.map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::from(EXIT_BAD_INPUT)
    })
}

fn config_command(config_path: Option<&Path>, action: ConfigAction) -> ExitCode {
    let config = match load_config(config_path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    match action {
        ConfigAction::Show => {
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
        ConfigAction::Validate => match build_sources(&config) {
            Ok(sources) => {
                let n = sources.len();
                outln!(
                    "configuration is valid: {n} enabled source(s), content hash {}",
                    config.content_hash()
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
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
                            .map(|d| format!(" ({d})"))
                            .unwrap_or_default()
                    ),
                    StageState::Failed => format!("FAILED: {}", s.detail.as_deref().unwrap_or("")),
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
    let request = AnalysisRequest {
        query: args.query,
        currency: args.currency,
        market: args.market,
        max_products: args.max_products,
        sources: (!args.sources.is_empty()).then_some(args.sources),
        condition: args.condition,
        min_price: args.min_price,
        max_price: args.max_price,
        language: args.language,
        user_id: args.user_id,
    };
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
            eprintln!("error: {} ({}): {}", e.field, e.error_type, e.message);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
        Err(InProcessError::Failed { query_id, error }) => {
            if args.json {
                outln!(
                    "{}",
                    serde_json::json!({"id": query_id, "status": "failed", "error_type": error.error_type, "message": error.message})
                );
            } else {
                eprintln!("analysis failed ({}): {}", error.error_type, error.message);
            }
            return ExitCode::from(EXIT_ANALYSIS_FAILED);
        }
        Err(e) => {
            eprintln!("error: {e}");
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
        outln!("{summary}");
    } else {
        if finished.cache_hit {
            eprintln!("answered from a fresh identical analysis (use --fresh to run again)");
        }
        for notice in &r.data_notices {
            eprintln!("note: {notice}");
        }
        for paragraph in &r.narrative {
            outln!("{paragraph}");
        }
        if !r.quality.passed {
            eprintln!("warning: some quality checks failed (see the report)");
        }
        outln!();
        outln!("report: {report}");
        outln!("result: {result_json}");
    }
    ExitCode::SUCCESS
}
