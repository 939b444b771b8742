//! `marketlens loadtest`: many analyses at once through the real API, on live sources
//! with latency.
//!
//! Unless `--api` names a running server, it starts, as separate processes of this
//! same executable: the demo shop with `--latency-ms` (the live source), the API
//! (`serve --no-worker`) and `--workers` worker processes, each with `--concurrency`,
//! on the embedded store and queue or the backends given (`--database-url`,
//! `--queue-url`, …). It submits `--analyses` analyses over HTTP (distinct
//! fingerprints, except the `--repeat-share` that repeat an earlier one), samples the
//! queue's depth and the workers' memory while they run, waits for every analysis,
//! and writes `loadtest.json` and `loadtest.svg` into `--out`.
//!
//! Exit codes: 0 every analysis completed; 3 some failed, were refused, or did not
//! finish in time; 2 bad options; 1 the harness itself could not run.

mod procs;
mod report;
mod svg;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use clap::Args;
use marketlens_service::startup::load_config;

use self::procs::{ProcessUsage, Started, free_port};
use self::report::{
    HitsMisses, Outcomes, ProcessReport, Report, Sample, Settings, Submissions, Summary,
};
use crate::BackendArgs;
use crate::stdout::{out, outln};

/// Queries the sample catalogue (and so the demo shop) has products for. The
/// fingerprints are made distinct by `max_price`, which leaves the work the same.
const QUERIES: [&str; 7] = [
    "wireless headphones",
    "earbuds",
    "smartphone",
    "espresso machine",
    "smartwatch",
    "laptop",
    "robot vacuum",
];

/// The demo shop's source in the configuration the harness writes.
const SHOP_SOURCE: &str = "demo-shop";

#[derive(Args)]
pub struct LoadtestArgs {
    /// Analyses to submit.
    #[arg(long, default_value_t = 200)]
    analyses: usize,
    /// Share (0 to 1) of the submissions that repeat an earlier one's parameters: each
    /// joins the analysis in flight (coalesced) or reuses its fresh result.
    #[arg(long, default_value_t = 0.0)]
    repeat_share: f64,
    /// Worker processes to start.
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Analyses each worker runs at once.
    #[arg(long, default_value_t = 200)]
    concurrency: usize,
    /// Delay of every demo-shop answer, in milliseconds.
    #[arg(long, default_value_t = 200)]
    latency_ms: u64,
    /// A further delay drawn per answer from 0 to this, in milliseconds.
    #[arg(long, default_value_t = 0)]
    jitter_ms: u64,
    /// Share (0 to 1) of demo-shop answers that are `503`.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Product pages each analysis reads from the shop (besides its search page).
    #[arg(long, default_value_t = 6)]
    product_pages: u32,
    /// Requests to the shop each worker has in flight at once (per host).
    #[arg(long, default_value_t = 64)]
    shop_connections: u32,
    /// POSTs in flight at once.
    #[arg(long, default_value_t = 16)]
    submit_concurrency: usize,
    /// Use this running API instead of starting one (with its own workers and sources;
    /// no processes are started, so no CPU or memory figures).
    #[arg(long, value_name = "URL")]
    api: Option<url::Url>,
    /// Sources each analysis asks for (repeatable); `demo-shop` when the harness starts
    /// the API, the server's defaults with `--api`.
    #[arg(long = "source")]
    sources: Vec<String>,
    /// Stop waiting for the analyses after this many seconds.
    #[arg(long, default_value_t = 600)]
    timeout_secs: u64,
    /// How often the queue and the workers' memory are sampled, in milliseconds.
    #[arg(long, default_value_t = 250)]
    sample_ms: u64,
    /// Where `loadtest.json`, `loadtest.svg` and the started processes' logs go.
    #[arg(long, default_value = "loadtest-out")]
    out: PathBuf,
    #[command(flatten)]
    backends: BackendArgs,
}

pub async fn run(args: LoadtestArgs) -> ExitCode {
    if let Err(e) = check(&args) {
        eprintln!("error: {e}");
        return ExitCode::from(crate::EXIT_BAD_INPUT);
    }
    match execute(args).await {
        Ok(report) => {
            let a = &report.analyses;
            let refused: usize = report.submissions.refused_by_error_type.values().sum();
            if a.failed + a.unfinished + refused == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(crate::EXIT_ANALYSIS_FAILED)
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(crate::EXIT_FAILED)
        }
    }
}

fn check(args: &LoadtestArgs) -> Result<(), String> {
    within("--analyses", args.analyses, 1, 100_000)?;
    within("--repeat-share", args.repeat_share, 0.0, 1.0)?;
    within("--error-rate", args.error_rate, 0.0, 1.0)?;
    within("--workers", args.workers, 1, 64)?;
    within("--concurrency", args.concurrency, 1, 10_000)?;
    within("--product-pages", args.product_pages, 1, 500)?;
    within("--shop-connections", args.shop_connections, 1, 64)?;
    within("--submit-concurrency", args.submit_concurrency, 1, 1_024)?;
    if args.sample_ms == 0 || args.timeout_secs == 0 {
        return Err("--sample-ms and --timeout-secs must be positive".into());
    }
    Ok(())
}

/// `Err("OPTION must be between LOW and HIGH")` unless `low <= value <= high`.
fn within<T: PartialOrd + std::fmt::Display>(
    option: &str,
    value: T,
    low: T,
    high: T,
) -> Result<(), String> {
    if low <= value && value <= high {
        Ok(())
    } else {
        Err(format!("{option} must be between {low} and {high}"))
    }
}

/// Which distinct analysis each submission asks for, in order: `share` of them repeat
/// an earlier one (spread over those made so far), the rest are new. Deterministic, so
/// two runs submit the same sequence.
pub(crate) fn plan(submissions: usize, share: f64) -> Vec<usize> {
    let mut made = 0usize;
    (0..submissions)
        .map(|k| {
            let repeat = made > 0 && ((k + 1) as f64 * share).floor() > (k as f64 * share).floor();
            if repeat {
                (k * 7_919) % made
            } else {
                made += 1;
                made - 1
            }
        })
        .collect()
}

/// The request body of distinct analysis `i`.
fn body(i: usize, sources: &[String]) -> serde_json::Value {
    let mut body = serde_json::json!({
        "query": QUERIES[i % QUERIES.len()],
        // Above any price in the catalogue: a distinct fingerprint, the same work.
        "max_price": format!("{}", 100_000 + i),
    });
    if !sources.is_empty() {
        body["sources"] = serde_json::json!(sources);
    }
    body
}

/// The processes a run started and where the API is.
struct Stack {
    api: url::Url,
    /// Kept so the processes live as long as the run (killed when dropped).
    shop: Option<Started>,
    api_process: Option<Started>,
    workers: Vec<(Started, u16)>,
    /// The temporary data directory, removed at the end.
    data_dir: Option<PathBuf>,
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.workers.clear();
        self.api_process = None;
        self.shop = None;
        if let Some(dir) = &self.data_dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Stack {
    fn processes(&self) -> Vec<&Started> {
        self.shop
            .iter()
            .chain(self.api_process.iter())
            .chain(self.workers.iter().map(|(w, _)| w))
            .collect()
    }

    /// An error naming the first started process that has exited.
    fn check_alive(&mut self, logs: &Path) -> anyhow::Result<()> {
        let shop = self.shop.iter_mut();
        let api = self.api_process.iter_mut();
        for p in shop
            .chain(api)
            .chain(self.workers.iter_mut().map(|(w, _)| w))
        {
            if let Some(status) = p.exited() {
                bail!(
                    "{} exited ({status}); see its log in {}",
                    p.role,
                    logs.display()
                );
            }
        }
        Ok(())
    }
}

fn backend_flags(b: &BackendArgs, prefix: &Option<String>) -> Vec<String> {
    let mut flags = Vec::new();
    for (flag, value) in [
        ("--database-url", &b.database_url),
        ("--redis-url", &b.redis_url),
        ("--queue-url", &b.queue_url),
        ("--blob-url", &b.blob_url),
        ("--redis-prefix", prefix),
    ] {
        if let Some(v) = value {
            flags.push(flag.to_owned());
            flags.push(v.clone());
        }
    }
    flags
}

/// The built-in configuration with the demo shop as a live source, paced for load:
/// no minimum interval, `shop_connections` requests at once per worker.
fn write_config(path: &Path, shop_port: u16, args: &LoadtestArgs) -> anyhow::Result<()> {
    let builtin = load_config(None).context("the built-in configuration")?;
    let text = format!(
        "{}\n[[sources]]\nname = \"{SHOP_SOURCE}\"\nkind = \"schema_org\"\ntimeout_secs = 120\n\
         [sources.settings]\nsearch_url = \"http://127.0.0.1:{shop_port}/search?q={{query}}&page={{page}}\"\n\
         max_product_pages = {}\nnotice = \"Demo shop: sample data, not real market data.\"\n\
         [sources.settings.http]\nallow_private_hosts = [\"127.0.0.1\"]\nmin_interval_ms = 0\n\
         per_host_concurrency = {}\n",
        builtin.to_toml(),
        args.product_pages,
        args.shop_connections,
    );
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

/// Waits until `url` answers `200` (a started process is ready), or fails after 60 s.
async fn wait_ready(
    client: &reqwest::Client,
    url: &str,
    stack: &mut Stack,
    logs: &Path,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(r) = client.get(url).send().await
            && r.status().is_success()
        {
            return Ok(());
        }
        stack.check_alive(logs)?;
        if Instant::now() > deadline {
            bail!(
                "{url} did not answer within 60 s; logs in {}",
                logs.display()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn start(
    args: &LoadtestArgs,
    client: &reqwest::Client,
    logs: &Path,
) -> anyhow::Result<Stack> {
    if let Some(api) = &args.api {
        return Ok(Stack {
            api: api.clone(),
            shop: None,
            api_process: None,
            workers: Vec::new(),
            data_dir: None,
        });
    }
    let data_dir = std::env::temp_dir().join(format!(
        "marketlens-loadtest-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let mut stack = Stack {
        api: url::Url::parse("http://127.0.0.1/").expect("a valid URL"),
        shop: None,
        api_process: None,
        workers: Vec::new(),
        data_dir: Some(data_dir.clone()),
    };
    // A shared Redis holds other runs' keys: this run's own prefix keeps them apart.
    let prefix = args.backends.redis_prefix.clone().or_else(|| {
        (args.backends.queue_url.is_some() || args.backends.redis_url.is_some())
            .then(|| format!("marketlens-loadtest-{}", uuid::Uuid::new_v4().simple()))
    });
    let backends = backend_flags(&args.backends, &prefix);

    let shop_port = free_port()?;
    let shop_args: Vec<String> = [
        "demo-shop".to_owned(),
        "--port".into(),
        shop_port.to_string(),
        "--latency-ms".into(),
        args.latency_ms.to_string(),
        "--jitter-ms".into(),
        args.jitter_ms.to_string(),
        "--error-rate".into(),
        args.error_rate.to_string(),
    ]
    .into();
    stack.shop = Some(Started::spawn(
        "demo-shop",
        &shop_args,
        &logs.join("demo-shop.log"),
    )?);
    wait_ready(
        client,
        &format!("http://127.0.0.1:{shop_port}/robots.txt"),
        &mut stack,
        logs,
    )
    .await?;

    let config = data_dir.join("loadtest-agent.toml");
    write_config(&config, shop_port, args)?;
    let common = |command: &str| -> Vec<String> {
        let mut v = vec![
            command.to_owned(),
            "--config".into(),
            config.display().to_string(),
            "--data-dir".into(),
            data_dir.display().to_string(),
        ];
        v.extend(backends.iter().cloned());
        v
    };
    let api_port = free_port()?;
    let mut api_args = common("serve");
    // On loopback without keys, and without the per-tenant cap on analyses in flight:
    // the harness measures analyses, not key look-ups or admission control.
    api_args.extend([
        "--no-auth".into(),
        "--max-inflight-per-tenant".into(),
        "0".into(),
        "--no-worker".into(),
        "--bind".into(),
        format!("127.0.0.1:{api_port}"),
    ]);
    stack.api_process = Some(Started::spawn("api", &api_args, &logs.join("api.log"))?);
    stack.api = url::Url::parse(&format!("http://127.0.0.1:{api_port}/"))?;
    wait_ready(
        client,
        &format!("http://127.0.0.1:{api_port}/readyz"),
        &mut stack,
        logs,
    )
    .await?;

    for w in 0..args.workers {
        let port = free_port()?;
        let mut worker_args = common("worker");
        worker_args.extend([
            "--concurrency".into(),
            args.concurrency.to_string(),
            "--metrics-bind".into(),
            format!("127.0.0.1:{port}"),
        ]);
        let role = format!("worker {w}");
        let log = logs.join(format!("worker{w}.log"));
        stack
            .workers
            .push((Started::spawn(&role, &worker_args, &log)?, port));
    }
    let ports: Vec<u16> = stack.workers.iter().map(|(_, p)| *p).collect();
    for port in ports {
        wait_ready(
            client,
            &format!("http://127.0.0.1:{port}/v1/stats"),
            &mut stack,
            logs,
        )
        .await?;
    }
    Ok(stack)
}

/// How one POST was answered.
struct Answer {
    status: u16,
    id: Option<String>,
    coalesced: bool,
    cache_hit: bool,
    error_type: Option<String>,
    latency: Duration,
}

async fn post(client: &reqwest::Client, url: &str, body: serde_json::Value) -> Answer {
    let started = Instant::now();
    let answer = async {
        let res = client.post(url).json(&body).send().await?;
        let status = res.status().as_u16();
        let v: serde_json::Value = res.json().await.unwrap_or(serde_json::Value::Null);
        Ok::<_, reqwest::Error>((status, v))
    }
    .await;
    let latency = started.elapsed();
    match answer {
        Ok((status, v)) => Answer {
            status,
            id: v["id"].as_str().map(str::to_owned),
            coalesced: v["coalesced"].as_bool().unwrap_or(false),
            cache_hit: v["cache_hit"].as_bool().unwrap_or(false),
            error_type: v["error"]["error_type"].as_str().map(str::to_owned),
            latency,
        },
        Err(e) => Answer {
            status: 0,
            id: None,
            coalesced: false,
            cache_hit: false,
            error_type: Some(if e.is_timeout() {
                "harness_timeout".into()
            } else {
                "harness_connection_error".into()
            }),
            latency,
        },
    }
}

/// The queue's depth from the API's `/v1/stats`.
async fn queue_depth(client: &reqwest::Client, api: &url::Url) -> (Option<u64>, Option<u64>) {
    let Ok(url) = api.join("v1/stats") else {
        return (None, None);
    };
    let Ok(res) = client.get(url).send().await else {
        return (None, None);
    };
    let v: serde_json::Value = res.json().await.unwrap_or_default();
    (
        v["queue"]["queued"].as_u64(),
        v["queue"]["running"].as_u64(),
    )
}

/// An analysis's final view, as far as the report needs it.
struct Finished {
    status: String,
    created_at: Option<DateTime<Utc>>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    error_type: Option<String>,
    stages: Vec<(String, f64)>,
}

fn finished_view(v: &serde_json::Value) -> Finished {
    let time = |field: &str| {
        v[field]
            .as_str()
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let stages = v["progress"]
        .as_array()
        .map(|stages| {
            stages
                .iter()
                .filter_map(|s| {
                    Some((
                        s["stage"].as_str()?.to_owned(),
                        s["duration_ms"].as_u64()? as f64,
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    Finished {
        status: v["status"].as_str().unwrap_or("").to_owned(),
        created_at: time("created_at"),
        started_at: time("started_at"),
        finished_at: time("finished_at"),
        error_type: v["error"]["error_type"].as_str().map(str::to_owned),
        stages,
    }
}

fn millis(d: chrono::Duration) -> f64 {
    d.num_microseconds().unwrap_or(i64::MAX) as f64 / 1000.0
}

fn outcomes(distinct: usize, finished: &[Finished], unfinished: usize) -> Outcomes {
    let mut o = Outcomes {
        distinct,
        unfinished,
        ..Default::default()
    };
    let mut e2e = Vec::new();
    let mut wait = Vec::new();
    let mut stages: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut first_created: Option<DateTime<Utc>> = None;
    let mut last_finished: Option<DateTime<Utc>> = None;
    for f in finished {
        if f.status == "completed" {
            o.completed += 1;
        } else {
            o.failed += 1;
            *o.failed_by_error_type
                .entry(f.error_type.clone().unwrap_or_else(|| "unknown".into()))
                .or_default() += 1;
        }
        if let Some(c) = f.created_at {
            first_created = Some(first_created.map_or(c, |t| t.min(c)));
            if let Some(s) = f.started_at {
                wait.push(millis(s - c));
            }
            if let Some(done) = f.finished_at
                && f.status == "completed"
            {
                e2e.push(millis(done - c));
                last_finished = Some(last_finished.map_or(done, |t| t.max(done)));
            }
        }
        if f.status == "completed" {
            for (stage, ms) in &f.stages {
                stages.entry(stage.clone()).or_default().push(*ms);
            }
        }
    }
    if let (Some(a), Some(b)) = (first_created, last_finished) {
        let secs = millis(b - a) / 1000.0;
        if secs > 0.0 {
            o.throughput_per_sec = Some(o.completed as f64 / secs);
        }
    }
    o.end_to_end_ms = Summary::of(&e2e);
    o.queue_wait_ms = Summary::of(&wait);
    o.stages_ms = stages
        .into_iter()
        .filter_map(|(k, v)| Some((k, Summary::of(&v)?)))
        .collect();
    o
}

async fn execute(args: LoadtestArgs) -> anyhow::Result<Report> {
    let logs = args.out.join("logs");
    std::fs::create_dir_all(&logs).with_context(|| format!("creating {}", logs.display()))?;
    // reqwest is built with rustls and no provider of its own.
    marketlens_sources::http::install_crypto_provider();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.submit_concurrency.max(16))
        .build()
        .context("HTTP client")?;
    let mut stack = start(&args, &client, &logs).await?;
    let sources = match (&args.api, args.sources.is_empty()) {
        (None, true) => vec![SHOP_SOURCE.to_owned()],
        _ => args.sources.clone(),
    };
    let settings = Settings {
        analyses: args.analyses,
        repeat_share: args.repeat_share,
        workers: args.api.is_none().then_some(args.workers),
        concurrency: args.api.is_none().then_some(args.concurrency),
        source_latency_ms: args.api.is_none().then_some(args.latency_ms),
        source_jitter_ms: args.api.is_none().then_some(args.jitter_ms),
        source_error_rate: args.api.is_none().then_some(args.error_rate),
        product_pages: args.api.is_none().then_some(args.product_pages),
        sources: sources.clone(),
        store: args.api.is_none().then(|| {
            args.backends
                .database_url
                .as_deref()
                .and_then(|u| u.split_once(':').map(|(s, _)| s.to_owned()))
                .unwrap_or_else(|| "sqlite".into())
        }),
        queue: args.api.is_none().then(|| {
            args.backends
                .queue_url
                .as_ref()
                .map(|_| "redis-streams".to_owned())
                .unwrap_or_else(|| "sqlite".into())
        }),
        api: stack.api.to_string(),
    };
    eprintln!(
        "load test: {} analyses against {} ({} worker process(es) × {}, source latency {} ms)",
        args.analyses, stack.api, args.workers, args.concurrency, args.latency_ms
    );

    // The time series, sampled in the background until the run ends.
    let run_started = Instant::now();
    let finished_count = Arc::new(AtomicUsize::new(0));
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let (stop_tx, mut stop_rx) = tokio::sync::watch::channel(false);
    let sampler = {
        let client = client.clone();
        let api = stack.api.clone();
        let worker_pids: Vec<u32> = stack.workers.iter().map(|(w, _)| w.pid()).collect();
        let finished_count = finished_count.clone();
        let samples = samples.clone();
        let every = Duration::from_millis(args.sample_ms);
        tokio::spawn(async move {
            loop {
                let (queued, running) = queue_depth(&client, &api).await;
                let sample = Sample {
                    t: run_started.elapsed().as_secs_f64(),
                    queued,
                    running,
                    finished: finished_count.load(Ordering::Relaxed),
                    worker_rss_bytes: worker_pids
                        .iter()
                        .map(|&pid| ProcessUsage::read(pid).map_or(0, |u| u.rss_bytes))
                        .collect(),
                };
                if let Ok(mut s) = samples.lock() {
                    s.push(sample);
                }
                tokio::select! {
                    _ = tokio::time::sleep(every) => {}
                    _ = stop_rx.changed() => break,
                }
            }
        })
    };

    // Submit.
    let post_url = stack.api.join("v1/analyses")?.to_string();
    let limit = Arc::new(tokio::sync::Semaphore::new(args.submit_concurrency));
    let mut posts = tokio::task::JoinSet::new();
    for i in plan(args.analyses, args.repeat_share) {
        let permit = limit.clone().acquire_owned().await?;
        let client = client.clone();
        let url = post_url.clone();
        let body = body(i, &sources);
        posts.spawn(async move {
            let answer = post(&client, &url, body).await;
            drop(permit);
            answer
        });
    }
    let mut submissions = Submissions::default();
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut post_latencies = Vec::new();
    while let Some(answer) = posts.join_next().await {
        let a = answer?;
        submissions.posted += 1;
        post_latencies.push(a.latency.as_secs_f64() * 1000.0);
        match (a.status, a.id) {
            (202, Some(id)) => {
                submissions.accepted += 1;
                submissions.coalesced += usize::from(a.coalesced);
                ids.insert(id);
            }
            (200, Some(_)) if a.cache_hit => submissions.cache_hits += 1,
            (status, _) => {
                let kind = a.error_type.unwrap_or_else(|| format!("http_{status}"));
                *submissions.refused_by_error_type.entry(kind).or_default() += 1;
            }
        }
    }
    submissions.seconds = run_started.elapsed().as_secs_f64();
    submissions.post_latency_ms = Summary::of(&post_latencies);
    eprintln!(
        "submitted {} in {:.1} s; waiting for {} analyses",
        submissions.posted,
        submissions.seconds,
        ids.len()
    );

    // Wait for every analysis (their own timestamps give the latencies).
    let deadline = Instant::now() + Duration::from_secs(args.timeout_secs);
    let mut pending: Vec<String> = ids.iter().cloned().collect();
    let mut finished: Vec<Finished> = Vec::new();
    let mut last_note = Instant::now();
    while !pending.is_empty() && Instant::now() < deadline {
        stack.check_alive(&logs)?;
        let mut polls = tokio::task::JoinSet::new();
        // A few at a time and once a second: the polling is load on the API too.
        let limit = Arc::new(tokio::sync::Semaphore::new(8));
        for id in pending.drain(..) {
            let client = client.clone();
            let url = stack.api.join(&format!("v1/analyses/{id}"))?;
            let limit = limit.clone();
            polls.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let view = match client.get(url).send().await {
                    Ok(r) if r.status().is_success() => r.json::<serde_json::Value>().await.ok(),
                    _ => None,
                };
                (id, view)
            });
        }
        while let Some(polled) = polls.join_next().await {
            let (id, view) = polled?;
            match view {
                Some(v) if matches!(v["status"].as_str(), Some("completed" | "failed")) => {
                    finished.push(finished_view(&v));
                    finished_count.fetch_add(1, Ordering::Relaxed);
                }
                _ => pending.push(id),
            }
        }
        if last_note.elapsed() > Duration::from_secs(10) {
            eprintln!("{} of {} finished", finished.len(), ids.len());
            last_note = Instant::now();
        }
        if !pending.is_empty() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    let wall_seconds = run_started.elapsed().as_secs_f64();

    // The processes' figures before they are stopped.
    let processes: Vec<ProcessReport> = stack
        .processes()
        .into_iter()
        .map(|p| ProcessReport {
            role: p.role.clone(),
            pid: p.pid(),
            usage: p.usage(),
        })
        .collect();
    let mut worker_cache: BTreeMap<String, HitsMisses> = BTreeMap::new();
    for (_, port) in &stack.workers {
        let Ok(res) = client
            .get(format!("http://127.0.0.1:{port}/v1/stats"))
            .send()
            .await
        else {
            continue;
        };
        let v: serde_json::Value = res.json().await.unwrap_or_default();
        if let Some(levels) = v["cache"].as_object() {
            for (level, hm) in levels {
                let e = worker_cache.entry(level.clone()).or_default();
                e.hits += hm["hits"].as_u64().unwrap_or(0);
                e.misses += hm["misses"].as_u64().unwrap_or(0);
            }
        }
    }
    let _ = stop_tx.send(true);
    let _ = sampler.await;
    // One last sample, so the chart ends where the run did.
    let (queued, running) = queue_depth(&client, &stack.api).await;
    let mut samples = std::mem::take(
        &mut *samples
            .lock()
            .map_err(|_| anyhow::anyhow!("sampler panicked"))?,
    );
    samples.push(Sample {
        t: wall_seconds,
        queued,
        running,
        finished: finished.len(),
        worker_rss_bytes: stack
            .workers
            .iter()
            .map(|(w, _)| w.usage().map_or(0, |u| u.rss_bytes))
            .collect(),
    });
    drop(stack);

    let analyses = outcomes(ids.len(), &finished, pending.len());
    let worker_cpu: f64 = processes
        .iter()
        .filter(|p| p.role.starts_with("worker"))
        .filter_map(|p| p.usage.map(|u| u.cpu_seconds))
        .sum();
    let report = Report {
        worker_cpu_ms_per_analysis: (analyses.completed > 0 && args.api.is_none())
            .then(|| worker_cpu * 1000.0 / analyses.completed as f64),
        peak_running: samples.iter().filter_map(|s| s.running).max(),
        peak_queued: samples.iter().filter_map(|s| s.queued).max(),
        settings,
        wall_seconds,
        submissions,
        analyses,
        processes,
        worker_cache,
        samples,
    };
    let json_path = args.out.join("loadtest.json");
    let svg_path = args.out.join("loadtest.svg");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("writing {}", json_path.display()))?;
    std::fs::write(&svg_path, svg::render(&report))
        .with_context(|| format!("writing {}", svg_path.display()))?;
    out!("{}", report.text());
    outln!("wrote {} and {}", json_path.display(), svg_path.display());
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_repeats_the_share_asked() {
        let p = plan(100, 0.25);
        assert_eq!(p.len(), 100);
        let distinct: BTreeSet<usize> = p.iter().copied().collect();
        assert_eq!(distinct.len(), 75);
        // New analyses are numbered in order; a repeat names one made before it.
        let mut made = 0;
        for &i in &p {
            assert!(i <= made);
            if i == made {
                made += 1;
            }
        }
        assert_eq!(plan(10, 0.0), (0..10).collect::<Vec<_>>());
        assert_eq!(plan(3, 1.0), vec![0, 0, 0]);
    }

    #[test]
    fn bodies_differ_by_fingerprint() {
        let a = body(0, &[]);
        let b = body(QUERIES.len(), &[SHOP_SOURCE.to_owned()]);
        assert_eq!(a["query"], b["query"]);
        assert_ne!(a["max_price"], b["max_price"]);
        assert_eq!(b["sources"][0], SHOP_SOURCE);
        assert!(a.get("sources").is_none());
    }
}
