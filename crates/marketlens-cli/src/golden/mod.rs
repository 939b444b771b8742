//! The golden set: representative queries with frozen source data, run offline
//! through the whole pipeline and scored against what each must (and must not) say.
//!
//! A set is a directory (`golden/` at the repository root) of cases, one directory
//! each under `cases/`:
//!
//! ```text
//! cases/<id>/case.toml           the request, the sources, the expectations
//! cases/<id>/sources/<name>/     each source's frozen data (a `replay` source reads it)
//! ```
//!
//! `marketlens golden record` writes a case from a live run ([`record`]);
//! `marketlens eval golden` runs every case for each variant and compares them
//! ([`eval`]). Scoring itself is pure: [`marketlens_core::golden`].

pub mod eval;
mod page;
pub mod record;
mod variant;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use marketlens_core::config::{AgentConfig, SourceEntry};
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::golden::metrics::CaseRun;
use marketlens_core::golden::{Expectations, score_case};
use marketlens_core::report::AnalysisResult;
use marketlens_service::in_process::{InProcessError, analyze_in_process};
use marketlens_service::pipeline::NoProgress;
use marketlens_service::startup::{App, Settings};
use marketlens_sources::files::FileError;
use serde::{Deserialize, Serialize};

pub use variant::Variant;

/// The file describing a case, in its directory.
pub const CASE_FILE: &str = "case.toml";
/// Where a case keeps its sources' frozen data.
pub const SOURCES_DIR: &str = "sources";

/// One source of a case, answered from `sources/<name>/`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaseSource {
    pub name: String,
    /// Another source of the case asked when this one fails (as in the agent config).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
}

/// `case.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoldenCase {
    /// What the case stands for, in a sentence.
    pub description: String,
    /// The sample category it draws from (`headphones`, `espresso-machines`, … or
    /// `none`).
    pub category: String,
    /// Edge cases it covers (`fr`, `one-offer`, `mixed-currencies`, `fallback` …).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub request: AnalysisRequest,
    pub sources: Vec<CaseSource>,
    #[serde(default)]
    pub expect: Expectations,
    /// The case's directory name (not in the file).
    #[serde(skip)]
    pub id: String,
    /// The case's directory (not in the file).
    #[serde(skip)]
    pub dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// A case's file, a baseline or an output: they fail as frozen data does.
    #[error(transparent)]
    File(#[from] FileError),
    #[error("{0}")]
    Config(String),
}

impl GoldenCase {
    /// Reads `dir/case.toml` and checks it: its claims well-formed, each source's
    /// frozen data present, fallbacks naming sources of the case.
    pub fn read(dir: &Path) -> Result<Self, GoldenError> {
        let path = dir.join(CASE_FILE);
        let text = std::fs::read_to_string(&path).map_err(FileError::io(&path))?;
        let invalid = |message: String| GoldenError::from(FileError::invalid(&path, message));
        let mut case: GoldenCase = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        case.expect.check().map_err(|e| invalid(e.to_string()))?;
        if case.sources.is_empty() {
            return Err(invalid("a case needs at least one source".into()));
        }
        for s in &case.sources {
            if !dir.join(SOURCES_DIR).join(&s.name).is_dir() {
                return Err(invalid(format!(
                    "source {:?} has no frozen data in {SOURCES_DIR}/{}",
                    s.name, s.name
                )));
            }
            if let Some(f) = &s.fallback
                && !case.sources.iter().any(|o| &o.name == f)
            {
                return Err(invalid(format!(
                    "source {:?}: fallback {f:?} is not a source of the case",
                    s.name
                )));
            }
        }
        case.id = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        case.dir = dir.to_path_buf();
        Ok(case)
    }

    pub fn write(&self) -> Result<(), GoldenError> {
        let path = self.dir.join(CASE_FILE);
        let text = toml::to_string(self).map_err(|e| FileError::invalid(&path, e.to_string()))?;
        std::fs::write(&path, text).map_err(FileError::io(&path))?;
        Ok(())
    }

    /// What the case expects as an outcome: `completed`, or an error type.
    pub fn expected_outcome(&self) -> String {
        self.expect
            .error_type
            .clone()
            .unwrap_or_else(|| "completed".into())
    }

    /// `config` with this case's sources: each a `replay` source of its frozen data.
    pub fn config_for(&self, config: &AgentConfig) -> AgentConfig {
        let mut config = config.clone();
        config.sources = self
            .sources
            .iter()
            .map(|s| {
                let mut settings = toml::Table::new();
                let path = self.dir.join(SOURCES_DIR).join(&s.name);
                let path = std::path::absolute(&path).unwrap_or(path);
                settings.insert(
                    "path".into(),
                    toml::Value::String(path.display().to_string()),
                );
                SourceEntry {
                    name: s.name.clone(),
                    kind: "replay".into(),
                    enabled: true,
                    timeout_secs: None,
                    fallback: s.fallback.clone(),
                    settings,
                }
            })
            .collect();
        config
    }
}

/// Every case of the set in `dir` (`dir/cases/*`), sorted by id.
pub fn read_set(dir: &Path) -> Result<Vec<GoldenCase>, GoldenError> {
    let cases_dir = dir.join("cases");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .map_err(FileError::io(&cases_dir))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join(CASE_FILE).is_file())
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(FileError::invalid(
            &cases_dir,
            format!("no case (a directory with {CASE_FILE})"),
        )
        .into());
    }
    dirs.iter().map(|d| GoldenCase::read(d)).collect()
}

/// A case's analysis by one configuration, with how long it took.
pub struct Ran {
    pub outcome: Result<AnalysisResult, InProcessError>,
    pub latency_ms: f64,
}

/// Runs `case` once with `config` (its sources replaced by the case's), in a fresh
/// embedded data directory: nothing cached, nothing stored from an earlier run.
pub async fn run_case(case: &GoldenCase, config: &AgentConfig) -> Result<Ran, GoldenError> {
    let work = tempfile::tempdir().map_err(FileError::io(Path::new("temporary directory")))?;
    let config_path = work.path().join("agent.toml");
    let config = case.config_for(config);
    std::fs::write(&config_path, config.to_toml()).map_err(FileError::io(&config_path))?;
    let settings = Settings {
        data_dir: work.path().join("data"),
        config_path: Some(config_path),
        backends: Default::default(),
    };
    let app: Arc<App> = App::open(&settings)
        .await
        .map_err(|e| GoldenError::Config(format!("case {}: {e}", case.id)))?;
    let started = Instant::now();
    let outcome = analyze_in_process(&app, &case.request, false, &NoProgress)
        .await
        .map(|f| f.result);
    Ok(Ran {
        outcome,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
    })
}

/// A judge of a result's text, scoring criteria from 0 to 1, run by `eval golden`
/// itself. Without one, a variant whose configuration has an `[llm.judge]` is scored
/// by the verdict the pipeline's judge gave ([`pipeline_judge_scores`]).
#[async_trait::async_trait]
pub trait Judge: Send + Sync {
    async fn judge(
        &self,
        case: &GoldenCase,
        result: &AnalysisResult,
    ) -> Result<std::collections::BTreeMap<String, f64>, String>;
}

/// The verdict of the variant's own `[llm.judge]` on the accepted text, as scores
/// from 0 to 1: coherence and clarity (1–5 mapped linearly), and whether the text is
/// consistent with the figures (1 or 0). Empty when no judge ran or it gave no verdict.
pub fn pipeline_judge_scores(result: &AnalysisResult) -> std::collections::BTreeMap<String, f64> {
    let Some(scores) = result
        .llm
        .as_ref()
        .and_then(|l| l.judge.as_ref())
        .and_then(|j| j.scores.as_ref())
    else {
        return Default::default();
    };
    let unit = |grade: u8| (f64::from(grade.clamp(1, 5)) - 1.0) / 4.0;
    [
        ("coherence", unit(scores.coherence)),
        ("clarity", unit(scores.clarity)),
        (
            "consistent_with_figures",
            if scores.consistent_with_figures {
                1.0
            } else {
                0.0
            },
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

/// Runs and scores `case` with `variant`.
pub async fn score(
    case: &GoldenCase,
    variant: &Variant,
    judge: Option<&dyn Judge>,
) -> Result<CaseRun, GoldenError> {
    let ran = run_case(case, &variant.config).await?;
    let text = ran
        .outcome
        .as_ref()
        .map(marketlens_core::golden::report_text)
        .unwrap_or_default();
    let (outcome, score, tokens, cost, judged) = match &ran.outcome {
        Ok(result) => {
            let (tokens, cost) = result
                .llm
                .as_ref()
                .map(|l| (l.prompt_tokens + l.completion_tokens, l.cost_microdollars))
                .unwrap_or((0, 0));
            let judged = match judge {
                Some(j) => j.judge(case, result).await.unwrap_or_else(|e| {
                    eprintln!("warning: judge on case {}: {e}", case.id);
                    Default::default()
                }),
                None => pipeline_judge_scores(result),
            };
            (
                "completed".to_owned(),
                Some(score_case(result, &case.expect)),
                tokens,
                cost,
                judged,
            )
        }
        Err(InProcessError::Failed { error, .. }) => (
            error.error_type.as_str().to_owned(),
            None,
            0,
            0,
            Default::default(),
        ),
        Err(e) => {
            return Err(GoldenError::Config(format!("case {}: {e}", case.id)));
        }
    };
    Ok(CaseRun {
        case: case.id.clone(),
        outcome,
        expected: case.expected_outcome(),
        score,
        latency_ms: ran.latency_ms,
        tokens,
        cost_microdollars: cost,
        judge: judged,
        text,
    })
}
