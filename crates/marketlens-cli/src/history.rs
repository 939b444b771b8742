//! `history`, `show` and `open`: past analyses, read from the local data directory
//! (the store the other commands use) or, with `--api URL`, from a marketlens server.
//! Either way an analysis is the API's view of it (`GET /v1/analyses/{id}`), so
//! `--json` prints the same shape from both.

use std::process::ExitCode;
use std::sync::Arc;

use clap::Args;
use marketlens_core::ports::QueryStatus;
use marketlens_service::api::AnalysisView;
use marketlens_service::startup::App;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::location::Location;
use crate::stdout::outln;
use crate::{AppArgs, EXIT_ANALYSIS_FAILED, EXIT_BAD_INPUT, EXIT_FAILED, TenantArg, open};
use marketlens_core::domain::TenantId;

/// Where past analyses are read.
#[derive(Args)]
pub struct SourceArgs {
    /// Read from this marketlens server (`http://127.0.0.1:8080`) instead of the local
    /// data directory.
    #[arg(long, value_name = "URL", env = "MARKETLENS_API")]
    api: Option<url::Url>,
    /// The API key to send to --api (`Authorization: Bearer`).
    #[arg(long, env = "MARKETLENS_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Whose analyses to read in the local data directory (with --api, the key's).
    #[command(flatten)]
    tenant: TenantArg,
    #[command(flatten)]
    app: AppArgs,
}

#[derive(Args)]
pub struct HistoryArgs {
    /// Analyses to list, newest first.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    limit: u32,
    /// Only analyses in this status: queued, running, completed or failed.
    #[arg(long, value_parser = parse_status)]
    status: Option<QueryStatus>,
    /// Print the analyses as a JSON array (the API's view of each).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Args)]
pub struct ShowArgs {
    /// The analysis id.
    id: String,
    /// Print JSON: the API's view of the analysis, with `summary` and `report`.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    source: SourceArgs,
}

#[derive(Args)]
pub struct OpenArgs {
    /// The analysis id.
    id: String,
    /// Open the report with `$BROWSER` (else the desktop's opener) instead of only
    /// printing where it is.
    #[arg(long)]
    launch: bool,
    #[command(flatten)]
    source: SourceArgs,
}

fn parse_status(s: &str) -> Result<QueryStatus, String> {
    QueryStatus::parse(s).ok_or_else(|| {
        format!("unknown status {s:?}: expected queued, running, completed or failed")
    })
}

/// Why a command could not answer, with its exit code.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn new(code: u8, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    fn not_found(id: &str) -> Self {
        Self::new(EXIT_BAD_INPUT, format!("no analysis with id {id}"))
    }

    fn exit(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

/// Analyses per request when paging through history.
const PAGE: u32 = 100;

enum Analyses {
    Local(Arc<App>, TenantId),
    Api {
        client: reqwest::Client,
        base: url::Url,
    },
}

impl Analyses {
    async fn open(source: &SourceArgs) -> Result<Self, ExitCode> {
        match &source.api {
            Some(base) => {
                // reqwest is built with rustls and no provider of its own.
                marketlens_sources::http::install_crypto_provider();
                let mut headers = reqwest::header::HeaderMap::new();
                if let Some(key) = &source.api_key {
                    let mut value = reqwest::header::HeaderValue::from_str(&format!(
                        "Bearer {key}"
                    ))
                    .map_err(|_| {
                        Failure::new(EXIT_BAD_INPUT, "--api-key holds characters a header cannot")
                            .exit()
                    })?;
                    value.set_sensitive(true);
                    headers.insert(reqwest::header::AUTHORIZATION, value);
                }
                let client = reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(30))
                    .default_headers(headers)
                    .build()
                    .map_err(|e| Failure::new(EXIT_FAILED, format!("HTTP client: {e}")).exit())?;
                Ok(Analyses::Api {
                    client,
                    base: base.clone(),
                })
            }
            None => Ok(Analyses::Local(
                open(&source.app.settings()).await?,
                source.tenant.tenant.clone(),
            )),
        }
    }

    /// GETs `path` from the server: `None` on 404, the body on success, else the
    /// API's error message.
    async fn get(
        client: &reqwest::Client,
        base: &url::Url,
        path: &str,
    ) -> Result<Option<Value>, Failure> {
        let url = base
            .join(path)
            .map_err(|e| Failure::new(EXIT_BAD_INPUT, format!("--api {base}: {e}")))?;
        let response = client
            .get(url.clone())
            .send()
            .await
            .map_err(|e| Failure::new(EXIT_FAILED, format!("cannot reach {url}: {e}")))?;
        let status = response.status();
        let body: Value = response.json().await.map_err(|e| {
            Failure::new(
                EXIT_FAILED,
                format!("{url} answered {status} without JSON: {e}"),
            )
        })?;
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            let message = body["error"]["message"].as_str().unwrap_or("no message");
            return Err(Failure::new(
                EXIT_FAILED,
                format!("{url} answered {status}: {message}"),
            ));
        }
        Ok(Some(body))
    }

    /// One page of history, newest first, and the number of analyses in all.
    async fn page(&self, limit: u32, offset: u64) -> Result<(Vec<Value>, u64), Failure> {
        match self {
            Analyses::Local(app, tenant) => {
                let page = app
                    .store
                    .list_queries(tenant, limit, offset)
                    .await
                    .map_err(|e| Failure::new(EXIT_FAILED, format!("store: {e}")))?;
                let items = page.items.into_iter().map(view).collect();
                Ok((items, page.total))
            }
            Analyses::Api { client, base } => {
                let path = format!("/v1/analyses?limit={limit}&offset={offset}");
                let page = Self::get(client, base, &path).await?.ok_or_else(|| {
                    Failure::new(EXIT_FAILED, format!("{base} has no history route"))
                })?;
                let items = page["items"].as_array().cloned().unwrap_or_default();
                Ok((items, page["total"].as_u64().unwrap_or(0)))
            }
        }
    }

    async fn analysis(&self, id: &str) -> Result<Value, Failure> {
        // An id that is not a UUID names no analysis (as in the API).
        let uuid = Uuid::parse_str(id).map_err(|_| Failure::not_found(id))?;
        let found = match self {
            Analyses::Local(app, tenant) => app
                .store
                .get_tenant_query(tenant, uuid)
                .await
                .map_err(|e| Failure::new(EXIT_FAILED, format!("store: {e}")))?
                .map(view),
            Analyses::Api { client, base } => {
                Self::get(client, base, &format!("/v1/analyses/{uuid}")).await?
            }
        };
        found.ok_or_else(|| Failure::not_found(id))
    }

    /// The executive summary and the report's location of a completed analysis.
    async fn completed(&self, analysis: &Value) -> Result<(Vec<String>, String), Failure> {
        let id = analysis["id"].as_str().unwrap_or_default();
        let (result, report) = match self {
            Analyses::Local(app, _) => {
                let uuid = Uuid::parse_str(id).map_err(|_| Failure::not_found(id))?;
                let stored = app
                    .store
                    .get_result(uuid)
                    .await
                    .map_err(|e| Failure::new(EXIT_FAILED, format!("store: {e}")))?
                    .ok_or_else(|| {
                        Failure::new(EXIT_FAILED, format!("analysis {id} has no stored result"))
                    })?;
                (stored.result, Location::of(&stored.report_uri).to_string())
            }
            Analyses::Api { client, base } => {
                let link = |name: &str| {
                    analysis["links"][name]
                        .as_str()
                        .map(str::to_owned)
                        .unwrap_or_else(|| format!("/v1/analyses/{id}/{name}"))
                };
                let result = Self::get(client, base, &link("result"))
                    .await?
                    .ok_or_else(|| {
                        Failure::new(EXIT_FAILED, format!("analysis {id} has no result"))
                    })?;
                let report = base
                    .join(&link("report"))
                    .map_err(|e| Failure::new(EXIT_BAD_INPUT, format!("--api {base}: {e}")))?;
                (result, report.to_string())
            }
        };
        let summary = result["narrative"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_owned))
            .collect();
        Ok((summary, report))
    }
}

fn view(record: marketlens_core::ports::QueryRecord) -> Value {
    serde_json::to_value(AnalysisView::from(record)).unwrap_or(Value::Null)
}

fn field<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// A timestamp to the second, as a person reads it (`2026-11-30 10:51:28`).
fn when(v: &Value) -> String {
    v.as_str()
        .map(|s| s.chars().take(19).collect::<String>().replace('T', " "))
        .unwrap_or_else(|| "-".to_owned())
}

pub async fn history(args: HistoryArgs) -> ExitCode {
    let analyses = match Analyses::open(&args.source).await {
        Ok(a) => a,
        Err(code) => return code,
    };
    // The store lists every status; pages are read until enough match.
    let mut found = Vec::new();
    let mut offset = 0u64;
    loop {
        let want = if args.status.is_some() {
            PAGE
        } else {
            args.limit.min(PAGE)
        };
        let (items, total) = match analyses.page(want, offset).await {
            Ok(page) => page,
            Err(f) => return f.exit(),
        };
        let read = items.len() as u64;
        found.extend(items.into_iter().filter(|a| {
            args.status
                .is_none_or(|s| a["status"].as_str() == Some(s.as_str()))
        }));
        offset += read;
        if found.len() >= args.limit as usize || read == 0 || offset >= total {
            break;
        }
    }
    found.truncate(args.limit as usize);

    if args.json {
        outln!("{}", Value::Array(found));
        return ExitCode::SUCCESS;
    }
    if found.is_empty() {
        eprintln!("no analyses");
    }
    for a in &found {
        let error = a["error"]["error_type"]
            .as_str()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        outln!(
            "{}  {:<9}  {}  {}{error}",
            field(a, "id"),
            field(a, "status"),
            when(&a["created_at"]),
            field(a, "query"),
        );
    }
    ExitCode::SUCCESS
}

pub async fn show(args: ShowArgs) -> ExitCode {
    let analyses = match Analyses::open(&args.source).await {
        Ok(a) => a,
        Err(code) => return code,
    };
    let mut analysis = match analyses.analysis(&args.id).await {
        Ok(a) => a,
        Err(f) => return f.exit(),
    };
    let (summary, report) = if analysis["status"] == "completed" {
        match analyses.completed(&analysis).await {
            Ok((summary, report)) => (summary, Some(report)),
            Err(f) => return f.exit(),
        }
    } else {
        (Vec::new(), None)
    };

    if args.json {
        analysis["summary"] = json!(summary);
        analysis["report"] = json!(report);
        outln!("{analysis}");
        return ExitCode::SUCCESS;
    }
    outln!("id:       {}", field(&analysis, "id"));
    outln!("query:    {}", field(&analysis, "query"));
    outln!(
        "status:   {} (attempts: {})",
        field(&analysis, "status"),
        analysis["attempts"]
    );
    outln!("created:  {}", when(&analysis["created_at"]));
    outln!("started:  {}", when(&analysis["started_at"]));
    outln!("finished: {}", when(&analysis["finished_at"]));
    if analysis["cache_hit"] == true {
        outln!("answered from a fresh identical analysis");
    }
    if let Some(error) = analysis["error"].as_object() {
        outln!(
            "error:    {}: {}",
            error["error_type"].as_str().unwrap_or(""),
            error["message"].as_str().unwrap_or("")
        );
    }
    let stages = analysis["progress"].as_array().cloned().unwrap_or_default();
    if !stages.is_empty() {
        outln!("stages:");
    }
    for stage in &stages {
        let took = stage["duration_ms"]
            .as_u64()
            .map(|ms| format!("{ms} ms"))
            .unwrap_or_default();
        let detail = stage["detail"]
            .as_str()
            .map(|d| format!("  {d}"))
            .unwrap_or_default();
        outln!(
            "  {:<20} {:<8} {:>8}{detail}",
            field(stage, "stage"),
            field(stage, "state"),
            took
        );
    }
    if !summary.is_empty() {
        outln!("summary:");
        for paragraph in &summary {
            outln!("  {paragraph}");
        }
    }
    if let Some(report) = report {
        outln!("report:   {report}");
    }
    ExitCode::SUCCESS
}

pub async fn open_report(args: OpenArgs) -> ExitCode {
    let analyses = match Analyses::open(&args.source).await {
        Ok(a) => a,
        Err(code) => return code,
    };
    let analysis = match analyses.analysis(&args.id).await {
        Ok(a) => a,
        Err(f) => return f.exit(),
    };
    let status = field(&analysis, "status");
    if status != "completed" {
        let why = analysis["error"]["error_type"]
            .as_str()
            .map(|e| format!(" ({e})"))
            .unwrap_or_default();
        return Failure::new(
            EXIT_ANALYSIS_FAILED,
            format!("analysis {} is {status}{why}: no report", args.id),
        )
        .exit();
    }
    let report = match analyses.completed(&analysis).await {
        Ok((_, report)) => report,
        Err(f) => return f.exit(),
    };
    outln!("{report}");
    if args.launch {
        return launch(&report);
    }
    ExitCode::SUCCESS
}

/// Opens `report` with `$BROWSER`, else the desktop's opener.
fn launch(report: &str) -> ExitCode {
    let opener = std::env::var("BROWSER")
        .ok()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or_else(|| {
            if cfg!(target_os = "macos") {
                "open".to_owned()
            } else {
                "xdg-open".to_owned()
            }
        });
    match std::process::Command::new(&opener).arg(report).status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => Failure::new(EXIT_FAILED, format!("{opener} {report} exited with {s}")).exit(),
        Err(e) => Failure::new(EXIT_FAILED, format!("cannot run {opener}: {e}")).exit(),
    }
}
