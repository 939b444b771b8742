//! Stage `llm_summarize` (optional; the last before the report, once every figure
//! exists): the computed figures rewritten as prose by an OpenAI-compatible model,
//! accepted only when the answer has the schema's shape and passes the grounding
//! check (`marketlens_core::llm`).
//!
//! The cascade: the small model first; the large one when the small answer fails the
//! schema or the grounding check, or straight away when the case is hard
//! (`llm.hard_case_*`). When no answer passes, the result keeps the deterministic
//! narrative and records why each was rejected. The stage never fails an analysis:
//! a timeout, a 429 or a broken answer is a rejected generation, not a failed report.
//!
//! With `[llm.judge]`, a second model rates the accepted text (coherence, clarity,
//! consistency with the figures): advisory, recorded and exported, never a reason
//! to reject.
//!
//! Every answer (the judge's too) is cached on the `llm_output` level under
//! fingerprint + `prompt_version` + model + a hash of the input, so a second
//! identical analysis makes no call. The settings, the endpoint and the prompt are
//! those of the query's configuration version (`RunConfig`). Every call is recorded
//! in the result (model, tokens, cost from the price table, latency, outcome,
//! grounding) and in the metrics.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use marketlens_core::config::{JudgeSettings, StructuredOutput};
use marketlens_core::domain::TenantId;
use marketlens_core::llm::judge::{judge_schema, text_hash};
use marketlens_core::llm::{
    CallOutcome, Facts, GeneratedSummary, JudgeScores, Judgement, LlmCall, LlmNarrative,
    NarrativeStatus, PromptTemplate, SummaryInput, evaluate, hard_case, output::output_schema,
};
use marketlens_core::ports::{
    CacheLevel, LlmClient, LlmRequest, LlmResponse, QueryRecord, ResponseFormat,
};
use marketlens_core::report::StageOutputs;
use marketlens_core::report::narrative::narrative_language;
use serde::{Deserialize, Serialize};

use super::runner::StageOutput;
use super::{Analysis, AnalysisError};
use crate::live_config::RunConfig;
use crate::startup::App;

impl StageOutput for LlmNarrative {
    fn cache_hit(&self) -> bool {
        !self.calls.is_empty() && self.calls.iter().all(|c| c.cache_hit)
    }
    fn detail(&self) -> Option<String> {
        Some(match self.status {
            NarrativeStatus::Accepted => format!(
                "accepted from {}",
                self.model.as_deref().unwrap_or("the model")
            ),
            NarrativeStatus::Rejected => "generated text rejected".to_owned(),
            NarrativeStatus::Skipped => {
                format!("skipped: {}", self.reason.as_deref().unwrap_or("no reason"))
            }
        })
    }
}

/// An answer as cached: what the endpoint returned, with what it cost then.
#[derive(Serialize, Deserialize)]
struct CachedAnswer {
    content: String,
    prompt_tokens: u64,
    completion_tokens: u64,
}

/// Why the stage must not call today: `budget_exhausted` once the tenant's recorded
/// LLM cost of the day (UTC) reaches `llm.daily_budget_usd` — each tenant has that
/// budget, so one team cannot spend another's (shared by every process on the store;
/// analyses running at once may each start the last call, so the cap can be passed
/// by those calls), or `budget_unknown` when the store cannot tell — spending is
/// never allowed blind.
pub(super) async fn over_budget(app: &App, run: &RunConfig, tenant: &TenantId) -> Option<String> {
    let midnight = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())?;
    let budget = run.config.llm.daily_budget_microdollars();
    match app.store.llm_cost_since(tenant, midnight).await {
        Ok(spent) if spent >= budget => {
            crate::metrics::llm_call("", "budget_exhausted", None);
            tracing::warn!(
                spent_microdollars = spent,
                budget_microdollars = budget,
                tenant = %tenant,
                "LLM daily budget exhausted"
            );
            Some("budget_exhausted".to_owned())
        }
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read today's LLM spending");
            Some(format!("budget_unknown ({e})"))
        }
    }
}

/// Stage `llm_summarize`: the cascade over the configured models.
pub(super) async fn summarize(
    Analysis { app, run, query }: Analysis<'_>,
    client: &Arc<dyn LlmClient>,
    outputs: &StageOutputs,
) -> Result<LlmNarrative, AnalysisError> {
    let settings = &run.config.llm;
    let prompt = run.prompt.clone();
    // The deterministic narrative's language (the query's), unless `llm.language`
    // fixes one.
    let language = settings
        .language
        .pick(narrative_language(&query.text, query.params.language));
    let input = SummaryInput::build(
        &query.text,
        language,
        Utc::now().date_naive(),
        &outputs.products,
        &outputs.market,
        &outputs.sentiment,
        &outputs.recommendations,
        settings.top_k_products as usize,
    );
    let facts = Facts::from_input(&input);
    let hard = hard_case(&input, settings);
    let mut models = vec![settings.small_model.as_str(), settings.large_model.as_str()];
    if hard.is_some() {
        models.remove(0);
    }
    models.dedup();
    let (system, user) = prompt.render(&input);
    let input_hash = input.content_hash();
    let mut calls = Vec::new();
    for model in models {
        let request = LlmRequest {
            model: model.to_owned(),
            system: system.clone(),
            user: user.clone(),
            max_output_tokens: settings.max_output_tokens,
            temperature: settings.temperature,
            response_format: response_format(
                settings.structured_output,
                "market_summary",
                output_schema,
            ),
        };
        let key = format!(
            "{}:{}:{model}:{input_hash}",
            query.fingerprint, prompt.prompt_version
        );
        let (answer, mut call) = answer_of(app, run, client.as_ref(), &request, &key).await;
        let accepted = answer.and_then(|content| {
            let judged = evaluate(&content, &input, &facts);
            call.outcome = judged.outcome;
            call.error = judged.reason;
            call.grounding = judged.grounding;
            call.scores = judged.scores;
            judged.accepted
        });
        if !call.cache_hit {
            crate::metrics::llm_call(
                model,
                call.outcome.as_str(),
                Some(Duration::from_millis(call.latency_ms)),
            );
        }
        tracing::info!(
            query_id = %query.id,
            model,
            outcome = call.outcome.as_str(),
            cache_hit = call.cache_hit,
            prompt_tokens = call.prompt_tokens,
            completion_tokens = call.completion_tokens,
            cost_microdollars = call.cost_microdollars,
            latency_ms = call.latency_ms,
            error = call.error.as_deref().unwrap_or(""),
            "llm call"
        );
        if accepted.is_some()
            && let Some(scores) = &call.scores
        {
            crate::metrics::text_scores(scores.grounding_rate, scores.key_figure_coverage);
        }
        calls.push(call);
        if let Some(summary) = accepted {
            // The judge (when configured) rates the accepted text; advisory only.
            let judgement = match &settings.judge {
                Some(judge) => {
                    let scope = JudgeScope {
                        query,
                        input: &input,
                        input_hash: &input_hash,
                    };
                    Some(judge_text(app, run, client.as_ref(), judge, &scope, &summary).await)
                }
                None => None,
            };
            let narrative = LlmNarrative::from_calls(
                &prompt.prompt_version,
                Some((model.to_owned(), summary)),
                calls,
                hard,
            );
            return Ok(match judgement {
                Some(j) => narrative.with_judge(j),
                None => narrative,
            });
        }
    }
    Ok(LlmNarrative::from_calls(
        &prompt.prompt_version,
        None,
        calls,
        hard,
    ))
}

/// How the answer's shape is asked for, by `structured_output`.
fn response_format(
    structured: StructuredOutput,
    name: &str,
    schema: fn() -> serde_json::Value,
) -> ResponseFormat {
    match structured {
        StructuredOutput::JsonSchema => ResponseFormat::JsonSchema {
            name: name.into(),
            schema: schema(),
        },
        StructuredOutput::JsonObject => ResponseFormat::JsonObject,
        StructuredOutput::None => ResponseFormat::Text,
    }
}

/// What a judgement is about: one analysis' input.
struct JudgeScope<'a> {
    query: &'a QueryRecord,
    input: &'a SummaryInput,
    input_hash: &'a str,
}

/// The judge's verdict on an accepted text (`[llm.judge]`): one call (or its cached
/// answer) on the stage's endpoint. Advisory: a judge that fails or answers out of
/// shape leaves the text accepted, with the judge's call saying why there is no
/// verdict. Its scores, and a verdict of inconsistency, go to the metrics.
async fn judge_text(
    app: &App,
    run: &RunConfig,
    client: &dyn LlmClient,
    judge: &JudgeSettings,
    scope: &JudgeScope<'_>,
    text: &GeneratedSummary,
) -> Judgement {
    let prompt = judge
        .prompt
        .clone()
        .unwrap_or_else(PromptTemplate::builtin_judge);
    let (system, user) = prompt.render_judge(scope.input, text);
    let request = LlmRequest {
        model: judge.model.clone(),
        system,
        user,
        max_output_tokens: judge.max_output_tokens,
        // A verdict should not depend on the draw.
        temperature: 0.0,
        response_format: response_format(
            run.config.llm.structured_output,
            "summary_review",
            judge_schema,
        ),
    };
    // The text is part of the key: another accepted text is judged anew.
    let key = format!(
        "judge:{}:{}:{}:{}:{}",
        scope.query.fingerprint,
        prompt.prompt_version,
        judge.model,
        scope.input_hash,
        text_hash(text)
    );
    let (answer, mut call) = answer_of(app, run, client, &request, &key).await;
    let scores = answer.and_then(|content| match JudgeScores::parse(&content) {
        Ok(scores) => Some(scores),
        Err(e) => {
            call.outcome = CallOutcome::InvalidSchema;
            call.error = Some(e.to_string());
            None
        }
    });
    if !call.cache_hit {
        crate::metrics::llm_call(
            &judge.model,
            call.outcome.as_str(),
            Some(Duration::from_millis(call.latency_ms)),
        );
    }
    if let Some(s) = &scores {
        crate::metrics::judge_verdict(s.coherence, s.clarity, s.consistent_with_figures);
    }
    tracing::info!(
        query_id = %scope.query.id,
        model = %judge.model,
        outcome = call.outcome.as_str(),
        cache_hit = call.cache_hit,
        coherence = scores.as_ref().map(|s| s.coherence),
        clarity = scores.as_ref().map(|s| s.clarity),
        consistent = scores.as_ref().map(|s| s.consistent_with_figures),
        error = call.error.as_deref().unwrap_or(""),
        "llm judge"
    );
    Judgement {
        model: judge.model.clone(),
        prompt_version: prompt.prompt_version.clone(),
        scores,
        call,
    }
}

/// The answer cached under `key`: from the cache port (memory, then Redis), else —
/// without Redis — from the store's `llm_cache` table, refilling the memory level.
async fn cached_answer(app: &App, key: &str, ttl: Duration) -> Option<CachedAnswer> {
    if let Some(bytes) = app.cache.get(CacheLevel::LlmOutput, key).await {
        return serde_json::from_slice(&bytes).ok();
    }
    if !app.llm_cache_in_store {
        return None;
    }
    match app.store.get_llm_output(key, Utc::now()).await {
        Ok(Some(value)) => {
            let answer: CachedAnswer = serde_json::from_value(value).ok()?;
            if let Ok(bytes) = serde_json::to_vec(&answer) {
                app.cache.put(CacheLevel::LlmOutput, key, bytes, ttl).await;
            }
            Some(answer)
        }
        Ok(None) => None,
        Err(e) => {
            // A cache never fails a request: a miss, and the model is asked.
            tracing::warn!(error = %e, "cannot read the LLM cache table");
            None
        }
    }
}

/// Caches an answer on the cache port and, without Redis, in the store.
async fn keep_answer(app: &App, key: &str, answer: &CachedAnswer, ttl: Duration) {
    if let Ok(bytes) = serde_json::to_vec(answer) {
        app.cache.put(CacheLevel::LlmOutput, key, bytes, ttl).await;
    }
    if app.llm_cache_in_store {
        let expires_at =
            Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(7));
        let stored = serde_json::to_value(answer).unwrap_or_default();
        if let Err(e) = app.store.put_llm_output(key, &stored, expires_at).await {
            tracing::warn!(error = %e, "cannot write the LLM cache table");
        }
    }
}

/// The model's answer to `request` — from the cache when an identical request was
/// answered before, else from the endpoint (then cached) — and the call's record
/// (outcome `ok` until the answer is judged).
async fn answer_of(
    app: &App,
    run: &RunConfig,
    client: &dyn LlmClient,
    request: &LlmRequest,
    key: &str,
) -> (Option<String>, LlmCall) {
    let record = |outcome, latency: Duration| LlmCall {
        model: request.model.clone(),
        outcome,
        cache_hit: false,
        prompt_tokens: 0,
        completion_tokens: 0,
        cost_microdollars: 0,
        latency_ms: latency.as_millis() as u64,
        error: None,
        grounding: None,
        scores: None,
    };
    let ttl = Duration::from_secs(run.config.cache.llm_output_ttl_secs);
    let cached = cached_answer(app, key, ttl).await;
    crate::metrics::cache_lookup(CacheLevel::LlmOutput, cached.is_some());
    if let Some(answer) = cached {
        crate::metrics::llm_call(&request.model, CallOutcome::CacheHit.as_str(), None);
        let mut call = record(CallOutcome::Ok, Duration::ZERO);
        call.cache_hit = true;
        return (Some(answer.content), call);
    }
    let started = Instant::now();
    let result = client.complete(request).await;
    let mut call = record(CallOutcome::Ok, started.elapsed());
    match result {
        Ok(LlmResponse {
            content,
            prompt_tokens,
            completion_tokens,
        }) => {
            let cost = run
                .config
                .llm
                .price_of(&request.model)
                .map_or(0, |p| p.cost_microdollars(prompt_tokens, completion_tokens));
            call.prompt_tokens = prompt_tokens;
            call.completion_tokens = completion_tokens;
            call.cost_microdollars = cost;
            crate::metrics::llm_usage(prompt_tokens, completion_tokens, cost);
            let cached = CachedAnswer {
                content: content.clone(),
                prompt_tokens,
                completion_tokens,
            };
            keep_answer(app, key, &cached, ttl).await;
            (Some(content), call)
        }
        Err(e) => {
            call.outcome = CallOutcome::of_transport(e.outcome());
            call.error = Some(e.to_string());
            (None, call)
        }
    }
}
