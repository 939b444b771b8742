//! `marketlens golden record`: a new golden case from a live run.
//!
//! The request's sources (and their fallbacks) are asked live, as an analysis would
//! ask them — a failing source's fallback included — each built to keep what it got
//! ([`marketlens_sources::replay::build_recording`]): a catalogue the records of the
//! products it found, a shop every HTTP answer. That frozen data goes under the
//! case's `sources/`, then the case is run once offline through the whole pipeline,
//! and its expectations are proposed from that result:
//!
//! - key points: the offer count, the cheapest, median and dearest prices, the review
//!   count, the most praised and most criticised aspects, the best-value product
//!   ([`marketlens_core::golden::proposed_key_points`]);
//! - forbidden claims: the other language's words for offers and sellers; each
//!   currency the shops priced in other than the result's; and, for a request with a
//!   condition or price filter, the cheapest, median and dearest prices of the same
//!   data without the filter that the filtered result cannot support;
//! - an analysis that fails (`no_data`) is expected to fail so, and should a variant
//!   complete it instead, its report must not name a best-value pick.
//!
//! Review the proposed `case.toml` before committing it: the expectations say what a
//! good report must say, not merely what this build said.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use marketlens_core::config::{AgentConfig, SourceEntry};
use marketlens_core::domain::{AnalysisRequest, CollectedProduct, Language};
use marketlens_core::golden::{Claim, Expectations, proposed_key_points, result_facts};
use marketlens_core::ports::{Source, SourceQuery};
use marketlens_core::report::AnalysisResult;
use marketlens_service::in_process::InProcessError;
use marketlens_sources::files::FileError;
use marketlens_sources::replay::{Recorder, build_recording};

use super::{CaseSource, GoldenCase, GoldenError, SOURCES_DIR, run_case};

pub struct RecordOptions {
    pub set: PathBuf,
    pub id: String,
    pub request: AnalysisRequest,
    pub config: AgentConfig,
    pub description: String,
    pub category: String,
    pub tags: Vec<String>,
    /// Replace an existing case of that id.
    pub force: bool,
}

pub async fn run(options: RecordOptions) -> ExitCode {
    match record(&options).await {
        Ok(case) => {
            let e = &case.expect;
            eprintln!(
                "recorded {} ({} source(s)): {}, {} key point(s), {} forbidden claim(s)",
                case.dir.display(),
                case.sources.len(),
                e.error_type
                    .as_deref()
                    .map(|t| format!("expected to fail with {t}"))
                    .unwrap_or_else(|| "completes".into()),
                e.key_points.len(),
                e.forbidden.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// A source being recorded, and the products it answered (for a catalogue's records).
struct Recording {
    entry: SourceEntry,
    source: Arc<dyn Source>,
    recorder: Recorder,
    found: Vec<CollectedProduct>,
    /// Whether the source was asked (a fallback is only when its source fails).
    asked: bool,
}

pub async fn record(options: &RecordOptions) -> Result<GoldenCase, GoldenError> {
    let id = options.id.trim();
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(GoldenError::Config(format!(
            "case id {id:?}: use letters, digits, '-' and '_'"
        )));
    }
    let dir = options.set.join("cases").join(id);
    if dir.exists() {
        if !options.force {
            return Err(GoldenError::Config(format!(
                "case {} exists; --force replaces it",
                dir.display()
            )));
        }
        std::fs::remove_dir_all(&dir).map_err(FileError::io(&dir))?;
    }
    let config = &options.config;
    let (query, params) = options
        .request
        .parse(
            &config.defaults,
            &config.enabled_source_names(),
            &config.known_markets(),
        )
        .map_err(|e| GoldenError::Config(format!("request: {}", e.message)))?;
    let source_query = SourceQuery { query, params };
    let enabled: Vec<&SourceEntry> = config.sources.iter().filter(|s| s.enabled).collect();
    let selected: Vec<&SourceEntry> = match options.request.sources.as_deref() {
        Some(names) if !names.is_empty() => enabled
            .iter()
            .copied()
            .filter(|s| names.contains(&s.name))
            .collect(),
        _ => enabled.clone(),
    };
    // The selected sources and their fallbacks, each once.
    let mut recordings: Vec<Recording> = Vec::new();
    for entry in &selected {
        let fallback = entry
            .fallback
            .as_ref()
            .and_then(|f| enabled.iter().find(|s| &s.name == f));
        for e in std::iter::once(*entry).chain(fallback.copied()) {
            if recordings.iter().any(|r| r.entry.name == e.name) {
                continue;
            }
            let (source, recorder) =
                build_recording(e).map_err(|err| GoldenError::Config(err.to_string()))?;
            recordings.push(Recording {
                entry: e.clone(),
                source,
                recorder,
                found: Vec::new(),
                asked: false,
            });
        }
    }
    for entry in &selected {
        let timeout = Duration::from_secs(
            entry
                .timeout_secs
                .unwrap_or(config.pipeline.source_timeout_secs),
        );
        let answered = ask(&mut recordings, &entry.name, &source_query, timeout).await;
        if !answered && let Some(f) = &entry.fallback {
            eprintln!("source {}: failed; asking its fallback {f}", entry.name);
            ask(&mut recordings, f, &source_query, timeout).await;
        }
    }
    // A fallback its source did not need has nothing to replay.
    recordings.retain(|r| r.asked);
    let sources_dir = dir.join(SOURCES_DIR);
    for r in &recordings {
        r.recorder
            .write(&sources_dir.join(&r.entry.name), &r.found)
            .map_err(|e| GoldenError::Config(format!("source {}: {e}", r.entry.name)))?;
    }
    let mut request = options.request.clone();
    // A fallback is asked only when its source fails: the request names the others.
    if recordings.len() > selected.len() {
        request.sources = Some(selected.iter().map(|s| s.name.clone()).collect());
    }
    let mut case = GoldenCase {
        description: options.description.clone(),
        category: options.category.clone(),
        tags: options.tags.clone(),
        request,
        sources: recordings
            .iter()
            .map(|r| CaseSource {
                name: r.entry.name.clone(),
                fallback: r
                    .entry
                    .fallback
                    .clone()
                    .filter(|f| recordings.iter().any(|o| &o.entry.name == f)),
            })
            .collect(),
        expect: Expectations::default(),
        id: id.to_owned(),
        dir: dir.clone(),
    };
    case.expect = propose(&case, config).await?;
    case.write()?;
    Ok(case)
}

/// Asks one recording source; whether it answered.
async fn ask(
    recordings: &mut [Recording],
    name: &str,
    query: &SourceQuery,
    timeout: Duration,
) -> bool {
    let Some(r) = recordings.iter_mut().find(|r| r.entry.name == name) else {
        return false;
    };
    r.asked = true;
    match tokio::time::timeout(timeout, r.source.search(query)).await {
        Ok(Ok(batch)) => {
            r.found.extend(batch.products);
            true
        }
        Ok(Err(e)) => {
            eprintln!("source {name}: {e}");
            false
        }
        Err(_) => {
            eprintln!("source {name}: no answer within {}s", timeout.as_secs());
            false
        }
    }
}

/// The expectations proposed for `case` from its offline run (see the module).
async fn propose(case: &GoldenCase, config: &AgentConfig) -> Result<Expectations, GoldenError> {
    let result = match run_case(case, config).await?.outcome {
        Ok(result) => result,
        Err(InProcessError::Failed { error, .. }) => {
            return Ok(Expectations {
                error_type: Some(error.error_type.as_str().to_owned()),
                key_points: Vec::new(),
                forbidden: vec![Claim::words(
                    "a best-value pick",
                    &["best value", "meilleur rapport"],
                )],
            });
        }
        Err(e) => return Err(GoldenError::Config(format!("case {}: {e}", case.id))),
    };
    let mut forbidden = vec![match result.narrative_language {
        Language::En => Claim::words("French wording", &["offres", "vendeurs"]),
        Language::Fr => Claim::words("English wording", &["offers", "sellers"]),
    }];
    let target = result.market.currency.to_string();
    let mut others: Vec<String> = result
        .products
        .iter()
        .flat_map(|p| &p.offers)
        .map(|o| o.price.currency.to_string())
        .filter(|c| *c != target)
        .collect();
    others.sort();
    others.dedup();
    for c in others {
        forbidden.push(Claim::words(&format!("a price in {c}"), &[&c]));
    }
    let r = &case.request;
    let filtered = r.condition.as_deref().is_some_and(|c| c != "any")
        || r.min_price.is_some()
        || r.max_price.is_some();
    if filtered {
        let mut unfiltered = case.clone();
        unfiltered.request.condition = None;
        unfiltered.request.min_price = None;
        unfiltered.request.max_price = None;
        if let Ok(all) = run_case(&unfiltered, config).await?.outcome {
            forbidden.extend(unsupported_figures(&result, &all));
        }
    }
    Ok(Expectations {
        error_type: None,
        key_points: proposed_key_points(&result),
        forbidden,
    })
}

/// The cheapest, median and dearest prices of `all` (the same data without the
/// filter) that nothing in `filtered` supports.
fn unsupported_figures(filtered: &AnalysisResult, all: &AnalysisResult) -> Vec<Claim> {
    let Some(p) = &all.market.price else {
        return Vec::new();
    };
    let facts = result_facts(filtered);
    let currency = filtered.market.currency;
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    [
        ("cheapest offer without the filter", p.min),
        ("median price without the filter", p.median),
        ("dearest offer without the filter", p.max),
    ]
    .into_iter()
    .filter(|(_, v)| {
        let (_, bad) = facts.check_text(&format!("{v:.2} {currency}"));
        !bad.is_empty() && seen.insert(format!("{v:.2}"), ()).is_none()
    })
    .map(|(name, v)| Claim::price(name, v))
    .collect()
}
