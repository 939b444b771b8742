//! The `llm_summarize` stage end to end: real analyses of the sample catalogue, the
//! real HTTP client, and a local OpenAI-compatible server scripted per test (the
//! only stand-in). Off by default; with it on, the cascade, the grounding check,
//! transport failures, the cache and the costs.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use marketlens_core::domain::AnalysisRequest;
use marketlens_core::domain::Language;
use marketlens_core::llm::{CallOutcome, LlmNarrative, NarrativeStatus};
use marketlens_core::ports::JudgeColumns;
use marketlens_service::in_process::{Finished, analyze_in_process};
use marketlens_service::live_config::Activation;
use marketlens_service::pipeline::NoProgress;
use marketlens_service::startup::{App, Settings};
use support::llm_server::{
    LlmServer, Reply, agent_toml_with_llm, grounded, invents_a_brand, invents_a_price,
    judge_approves, judge_objects, ok, status,
};

const SMALL: &str = "small-model";
const LARGE: &str = "large-model";
const JUDGE: &str = "judge-model";
/// A judge on the test server, priced at $1 in and $2 out per million tokens.
const WITH_JUDGE: &str = "[llm.judge]\nmodel = \"judge-model\"\n[llm.prices.\"judge-model\"]\ninput_per_million_usd = 1.0\noutput_per_million_usd = 2.0\n";

/// The built-in configuration with `[llm]` on, pointed at `server`; `extra` lines
/// override settings.
fn config_text(server: &LlmServer, extra: &str) -> String {
    agent_toml_with_llm(server, SMALL, LARGE, extra)
}

struct Case {
    app: Arc<App>,
    server: LlmServer,
    _dir: tempfile::TempDir,
}

async fn case(extra: &str) -> Case {
    let server = LlmServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("agent.toml");
    std::fs::write(&config, config_text(&server, extra)).unwrap();
    let app = App::open(&Settings {
        data_dir: dir.path().join("data"),
        config_path: Some(config),
        ..Default::default()
    })
    .await
    .unwrap();
    Case {
        app,
        server,
        _dir: dir,
    }
}

/// A case (see [`case`]) whose models each answer once, as `answers` say, and one
/// analysis run on it.
async fn analyzed<const N: usize>(extra: &str, answers: [(&str, Reply); N]) -> (Case, Finished) {
    let c = case(extra).await;
    for (model, reply) in answers {
        c.server.script(model, [reply]);
    }
    let f = analyze(&c.app).await;
    (c, f)
}

async fn analyze(app: &Arc<App>) -> Finished {
    analyze_query(app, "wireless headphones").await
}

async fn analyze_query(app: &Arc<App>, query: &str) -> Finished {
    let request = AnalysisRequest {
        query: query.into(),
        ..Default::default()
    };
    // `--fresh`: each run is a new analysis (the LLM cache is what is under test).
    analyze_in_process(app, &request, false, &NoProgress)
        .await
        .unwrap()
}

fn llm(f: &Finished) -> &LlmNarrative {
    f.result.llm.as_ref().expect("the stage ran")
}

fn outcomes(n: &LlmNarrative) -> Vec<(String, CallOutcome)> {
    n.calls
        .iter()
        .map(|c| (c.model.clone(), c.outcome))
        .collect()
}

/// The first call ended with `outcome`, and its recorded error says `says`.
fn assert_first_call(n: &LlmNarrative, outcome: CallOutcome, says: &str) {
    assert_eq!(n.calls[0].outcome, outcome, "{:?}", n.calls);
    let error = n.calls[0].error.as_deref().unwrap_or("");
    assert!(error.contains(says), "{error}");
}

fn report_html(f: &Finished) -> String {
    let path = f.report.uri.strip_prefix("file://").unwrap();
    std::fs::read_to_string(path).unwrap()
}

#[tokio::test]
async fn off_by_default_an_analysis_has_no_llm_stage_and_no_client() {
    let dir = tempfile::tempdir().unwrap();
    let app = App::open(&Settings {
        data_dir: dir.path().to_owned(),
        ..Default::default()
    })
    .await
    .unwrap();
    let active = app.configs.active().await.unwrap();
    assert!(active.llm.is_none(), "no client is even built");
    let f = analyze(&app).await;
    assert!(f.result.llm.is_none());
    assert_eq!(f.result.traceability.model, None);
    let json = serde_json::to_value(&f.result).unwrap();
    assert!(
        json.get("llm").is_none(),
        "the result document is unchanged"
    );
    assert!(!f.result.narrative.is_empty());
}

#[tokio::test]
async fn a_grounded_answer_is_accepted_recorded_and_marked_in_the_report() {
    let (c, f) = analyzed("", [(SMALL, ok(grounded))]).await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted, "{:?}", n.reason);
    assert_eq!(n.model.as_deref(), Some(SMALL));
    assert_eq!(outcomes(n), [(SMALL.to_owned(), CallOutcome::Ok)]);
    // 1,000 prompt tokens at $0.15/M + 500 completion tokens at $0.60/M.
    assert_eq!((n.prompt_tokens, n.completion_tokens), (1_000, 500));
    assert_eq!(n.cost_microdollars, 150 + 300);
    assert!(n.calls[0].grounding.as_ref().unwrap().claims_checked >= 2);
    // Always-run scores: fully grounded, and it states the offer count and the median
    // (2 of the key figures).
    let scores = n.calls[0].scores.as_ref().unwrap();
    assert_eq!(scores.grounding_rate, 1.0);
    assert!(
        scores.key_figure_coverage > 0.0 && scores.key_figure_coverage < 1.0,
        "{scores:?}"
    );
    assert_eq!(
        f.result.traceability.prompt_version.as_deref(),
        Some("summarize-v2")
    );
    assert_eq!(f.result.traceability.model.as_deref(), Some(SMALL));
    let stored = c.app.store.get_result(f.query.id).await.unwrap().unwrap();
    assert_eq!(stored.prompt_version.as_deref(), Some("summarize-v2"));
    assert_eq!(stored.model.as_deref(), Some(SMALL));
    assert_eq!(stored.result["llm"]["status"], "accepted");
    assert!(
        !stored.result["narrative"].as_array().unwrap().is_empty(),
        "both narratives"
    );
    let html = report_html(&f);
    assert!(html.contains("Generated by the language model small-model (prompt summarize-v2)"));
    // The request asked for the answer's schema.
    let request = &c.server.requests()[0];
    assert_eq!(request["response_format"]["type"], "json_schema");
}

#[tokio::test]
async fn an_invented_price_is_rejected_and_the_large_model_answers() {
    let (_c, f) = analyzed("", [(SMALL, ok(invents_a_price)), (LARGE, ok(grounded))]).await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted);
    assert_eq!(n.model.as_deref(), Some(LARGE));
    assert_eq!(
        outcomes(n),
        [
            (SMALL.to_owned(), CallOutcome::RejectedGrounding),
            (LARGE.to_owned(), CallOutcome::Ok)
        ]
    );
    let why = n.calls[0].error.as_deref().unwrap();
    assert!(why.contains("1.23 EUR"), "{why}");
    // Small: 450 µ$; large: 1,000 × 2.5 + 500 × 10 = 7,500 µ$.
    assert_eq!(n.cost_microdollars, 450 + 7_500);
    assert!(
        !report_html(&f).contains("a bargain"),
        "the rejected text is not shown"
    );
}

#[tokio::test]
async fn when_both_models_invent_the_report_keeps_the_deterministic_narrative_and_says_why() {
    let (c, f) = analyzed(
        "",
        [(SMALL, ok(invents_a_price)), (LARGE, ok(invents_a_price))],
    )
    .await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Rejected);
    assert!(n.text.is_none(), "a rejected text is never kept as valid");
    let stored = c.app.store.get_result(f.query.id).await.unwrap().unwrap();
    assert_eq!(
        stored.llm_status.as_deref(),
        Some("rejected"),
        "the grounding outcome is a column"
    );
    assert_eq!(stored.judge, None);
    let reason = n.reason.as_deref().unwrap();
    assert!(
        reason.contains("small-model: ungrounded") && reason.contains("large-model: ungrounded"),
        "{reason}"
    );
    assert_eq!(
        f.result.traceability.model.as_deref(),
        Some("small-model,large-model")
    );
    let html = report_html(&f);
    assert!(html.contains("Generated summary rejected"));
    assert!(
        html.contains("1.23 EUR"),
        "the reason names the invented price"
    );
    assert!(
        !html.contains("a bargain"),
        "the rejected text is not shown"
    );
    assert!(
        html.contains(
            &f.result.narrative[0]
                .replace('\u{201c}', "")
                .chars()
                .take(3)
                .collect::<String>()
        )
    );
}

#[tokio::test]
async fn malformed_and_schema_invalid_answers_are_invalid_schema() {
    let c = case("").await;
    c.server.script(
        SMALL,
        [ok(|_| "Sure! Here is your summary: prices vary.".into())],
    );
    c.server.script(
        LARGE,
        [ok(|_| {
            r#"{"summary": ["Prices vary."], "key_points": []}"#.into()
        })],
    );
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Rejected);
    assert_eq!(
        outcomes(n),
        [
            (SMALL.to_owned(), CallOutcome::InvalidSchema),
            (LARGE.to_owned(), CallOutcome::InvalidSchema)
        ]
    );
    assert!(n.calls[0].error.as_deref().unwrap().contains("not JSON"));
    assert!(
        n.calls[1]
            .error
            .as_deref()
            .unwrap()
            .contains("not JSON of the required shape")
    );
}

#[tokio::test]
async fn a_body_that_is_not_a_chat_completion_is_an_error() {
    let c = case("").await;
    c.server.script(
        SMALL,
        [status(
            200,
            vec![("content-type", "application/json".into())],
            "{\"oops\": true",
        )],
    );
    c.server.script(LARGE, [ok(grounded)]);
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_first_call(n, CallOutcome::Error, "not a chat-completions answer");
    assert_eq!(n.status, NarrativeStatus::Accepted);
}

#[tokio::test]
async fn a_call_past_its_timeout_is_a_timeout_in_bounded_time() {
    let c = case("timeout_secs = 1").await;
    let slow = || Reply::After(Duration::from_secs(4), Box::new(ok(grounded)));
    c.server.script(SMALL, [slow()]);
    c.server.script(LARGE, [slow()]);
    let started = Instant::now();
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_eq!(
        outcomes(n),
        [
            (SMALL.to_owned(), CallOutcome::Timeout),
            (LARGE.to_owned(), CallOutcome::Timeout)
        ]
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        f.result.llm.as_ref().unwrap().status,
        NarrativeStatus::Rejected
    );
}

#[tokio::test]
async fn a_stream_that_stalls_mid_body_is_a_timeout() {
    let c = case("timeout_secs = 1").await;
    c.server
        .script(SMALL, [Reply::Stalls(Duration::from_secs(4))]);
    c.server.script(LARGE, [ok(grounded)]);
    let started = Instant::now();
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_first_call(n, CallOutcome::Timeout, "no answer within 1s");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(
        n.status,
        NarrativeStatus::Accepted,
        "the large model answered"
    );
}

#[tokio::test]
async fn a_429_waits_its_retry_after_then_succeeds() {
    let c = case("").await;
    c.server.script(
        SMALL,
        [
            status(429, vec![("retry-after", "1".into())], "slow down"),
            ok(grounded),
        ],
    );
    let started = Instant::now();
    let f = analyze(&c.app).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(c.server.models_called(), [SMALL, SMALL]);
    assert_eq!(llm(&f).status, NarrativeStatus::Accepted);
}

#[tokio::test]
async fn a_429_asking_longer_than_the_timeout_is_rate_limited_at_once() {
    let c = case("timeout_secs = 2").await;
    c.server.script(
        SMALL,
        [status(429, vec![("retry-after", "3600".into())], "")],
    );
    c.server.script(
        LARGE,
        [status(429, vec![("retry-after", "3600".into())], "")],
    );
    let started = Instant::now();
    let f = analyze(&c.app).await;
    assert!(started.elapsed() < Duration::from_secs(5));
    let n = llm(&f);
    assert_first_call(n, CallOutcome::RateLimited, "retry after 3600s");
}

#[tokio::test]
async fn a_500_is_retried_then_reported_as_an_error() {
    let c = case("").await;
    let e500 = || status(500, vec![], "internal error");
    c.server.script(SMALL, [e500(), e500()]);
    c.server.script(LARGE, [e500(), ok(grounded)]);
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_eq!(c.server.models_called(), [SMALL, SMALL, LARGE, LARGE]);
    assert_eq!(n.calls[0].outcome, CallOutcome::Error);
    assert!(n.calls[0].error.as_deref().unwrap().contains("HTTP 500"));
    assert_eq!(
        n.status,
        NarrativeStatus::Accepted,
        "the large model's retry answered"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let c = case("max_response_bytes = 2048").await;
    let huge = "x".repeat(10_000);
    c.server.script(
        SMALL,
        [status(
            200,
            vec![("content-type", "application/json".into())],
            &huge,
        )],
    );
    c.server.script(LARGE, [ok(grounded)]);
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_first_call(n, CallOutcome::Error, "larger than 2048 bytes");
}

#[tokio::test]
async fn a_second_identical_analysis_makes_no_call() {
    let c = case("").await;
    c.server.script(SMALL, [ok(invents_a_price)]);
    c.server.script(LARGE, [ok(grounded)]);
    let first = analyze(&c.app).await;
    assert_eq!(c.server.requests().len(), 2);
    let second = analyze(&c.app).await;
    assert_ne!(second.query.id, first.query.id, "a new analysis ran");
    assert_eq!(c.server.requests().len(), 2, "zero calls the second time");
    let n = llm(&second);
    assert_eq!(n.status, NarrativeStatus::Accepted);
    assert!(n.calls.iter().all(|call| call.cache_hit));
    assert_eq!(n.cost_microdollars, 0, "a cached answer costs nothing");
    assert_eq!(n.text, llm(&first).text);
}

#[tokio::test]
async fn a_hard_case_goes_to_the_large_model_first() {
    let (c, f) = analyzed("hard_case_min_products = 1", [(LARGE, ok(grounded))]).await;
    let n = llm(&f);
    assert_eq!(c.server.models_called(), [LARGE]);
    assert!(n.hard_case.as_deref().unwrap().contains("products"));
    assert_eq!(n.model.as_deref(), Some(LARGE));
}

#[tokio::test]
async fn over_the_daily_budget_the_stage_is_skipped_and_the_report_says_so() {
    // 400 micro-dollars a day; one call costs 450.
    let c = case("daily_budget_usd = 0.0004").await;
    c.server.script(SMALL, [ok(grounded)]);
    let first = analyze(&c.app).await;
    assert_eq!(llm(&first).status, NarrativeStatus::Accepted);
    let stored = c
        .app
        .store
        .get_result(first.query.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.llm_usage.unwrap().cost_microdollars,
        450,
        "recorded with the result"
    );

    let second = analyze(&c.app).await;
    let n = llm(&second);
    assert_eq!(n.status, NarrativeStatus::Skipped);
    assert_eq!(n.reason.as_deref(), Some("budget_exhausted"));
    assert!(n.calls.is_empty());
    assert_eq!(c.server.requests().len(), 1, "no call over budget");
    assert!(report_html(&second).contains("Generated summary skipped"));
    assert!(report_html(&second).contains("budget_exhausted"));
}

#[tokio::test]
async fn the_metrics_see_the_llm_series() {
    let c = case("").await;
    c.server.script(SMALL, [ok(invents_a_price)]);
    c.server.script(LARGE, [ok(grounded)]);
    analyze(&c.app).await;
    support::assert_scrape_has(&[
        "marketlens_llm_calls_total{outcome=\"rejected_grounding\"}",
        "marketlens_llm_calls_total{outcome=\"ok\"}",
        "marketlens_llm_call_duration_seconds_bucket{model=\"large-model\"",
        "marketlens_llm_tokens_total{kind=\"prompt\"}",
        "marketlens_llm_cost_microdollars_total",
        "marketlens_llm_text_score_bucket{score=\"grounding_rate\",le=\"1\"}",
        "marketlens_llm_text_score_bucket{score=\"key_figure_coverage\"",
    ]);
}

#[tokio::test]
async fn without_redis_another_process_finds_the_answer_in_the_database() {
    let c = case("").await;
    c.server.script(SMALL, [ok(grounded)]);
    analyze(&c.app).await;
    assert_eq!(c.server.requests().len(), 1);
    // A second process on the same data directory: its memory cache is empty.
    let other = App::open(&Settings {
        data_dir: c._dir.path().join("data"),
        config_path: Some(c._dir.path().join("agent.toml")),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(other.llm_cache_in_store);
    let f = analyze(&other).await;
    assert_eq!(
        c.server.requests().len(),
        1,
        "answered from the llm_cache table"
    );
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted);
    assert!(n.calls[0].cache_hit);
}

#[tokio::test]
async fn a_prompt_in_the_configuration_is_used_recorded_and_keys_the_cache() {
    let prompt = "[llm.prompt]\nprompt_version = \"summarize-v2\"\nsystem = \"Answer in JSON, {currency}.\"\nuser = \"Figures: {input_json}\"";
    let (c, f) = analyzed(prompt, [(SMALL, ok(grounded))]).await;
    assert_eq!(llm(&f).prompt_version, "summarize-v2");
    assert_eq!(
        f.result.traceability.prompt_version.as_deref(),
        Some("summarize-v2")
    );
    let sent = &c.server.requests()[0];
    assert_eq!(sent["messages"][0]["content"], "Answer in JSON, EUR.");
    assert!(
        sent["messages"][1]["content"]
            .as_str()
            .unwrap()
            .starts_with("Figures: {")
    );
    // The prompt is part of the configuration recorded as its version.
    assert!(c.app.config.to_toml().contains("summarize-v2"));
    assert_eq!(c.app.config_hash, c.app.config.content_hash());
}

#[tokio::test]
async fn a_brand_invented_at_a_sentence_start_is_rejected() {
    let (_c, f) = analyzed("", [(SMALL, ok(invents_a_brand)), (LARGE, ok(grounded))]).await;
    let n = llm(&f);
    assert_first_call(n, CallOutcome::RejectedGrounding, "Grado");
    assert_eq!(n.model.as_deref(), Some(LARGE));
    assert!(!report_html(&f).contains("Grado"));
}

#[tokio::test]
async fn a_french_query_gets_a_french_narrative_and_a_french_generated_text() {
    let c = case("").await;
    c.server.script(SMALL, [ok(grounded)]);
    let f = analyze_query(&c.app, "casque sans fil").await;
    assert_eq!(f.result.narrative_language, Language::Fr);
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted, "{:?}", n.reason);
    let request = &c.server.requests()[0];
    let system = request["messages"][0]["content"].as_str().unwrap();
    assert!(system.contains("Write every text in French."), "{system}");
    let summary = &n.text.as_ref().unwrap().summary[0];
    assert!(summary.contains("offres ont été comparées"), "{summary}");
    // `llm.language` may fix the language whatever the query's.
    let c = case("language = \"en\"").await;
    c.server.script(SMALL, [ok(grounded)]);
    let f = analyze_query(&c.app, "casque sans fil").await;
    let summary = &llm(&f).text.as_ref().unwrap().summary[0];
    assert!(summary.contains("offers were compared"), "{summary}");
}

#[tokio::test]
async fn a_configured_judge_rates_the_accepted_text_stored_shown_and_exported() {
    let (c, f) = analyzed(
        WITH_JUDGE,
        [(SMALL, ok(grounded)), (JUDGE, ok(judge_approves))],
    )
    .await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted);
    let judge = n.judge.as_ref().expect("judged");
    assert_eq!(
        (judge.model.as_str(), judge.prompt_version.as_str()),
        (JUDGE, "judge-v1")
    );
    let scores = judge.scores.as_ref().unwrap();
    assert_eq!((scores.coherence, scores.clarity), (4, 5));
    assert!(scores.consistent_with_figures);
    // The judge's call is priced and counted: 1,000 × $1 + 500 × $2 per million.
    assert_eq!(judge.call.cost_microdollars, 2_000);
    assert_eq!(n.cost_microdollars, 450 + 2_000);
    assert_eq!((n.prompt_tokens, n.completion_tokens), (2_000, 1_000));
    // The judge read the figures and the accepted text, at temperature 0.
    let sent = &c.server.requests()[1];
    assert_eq!(sent["model"], JUDGE);
    assert_eq!(sent["temperature"], 0.0);
    assert_eq!(
        sent["response_format"]["json_schema"]["name"],
        "summary_review"
    );
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.contains(&n.text.as_ref().unwrap().summary[0]));
    // Stored with the analysis, and recorded as its cost.
    let stored = c.app.store.get_result(f.query.id).await.unwrap().unwrap();
    assert_eq!(stored.result["llm"]["judge"]["scores"]["coherence"], 4);
    assert_eq!(stored.llm_status.as_deref(), Some("accepted"));
    assert_eq!(
        stored.judge,
        Some(JudgeColumns {
            coherence: 4,
            clarity: 5,
            consistent_with_figures: true
        })
    );
    assert_eq!(stored.llm_usage.unwrap().cost_microdollars, 2_450);
    assert!(report_html(&f).contains("coherence 4/5, clarity 5/5"));
    support::assert_scrape_has(&[
        "marketlens_llm_judge_score_bucket{criterion=\"coherence\",le=\"4\"}",
        "marketlens_llm_judge_score_bucket{criterion=\"clarity\",le=\"5\"}",
        "marketlens_llm_judge_inconsistent_total",
        "marketlens_llm_call_duration_seconds_bucket{model=\"judge-model\"",
    ]);

    // A second identical analysis asks neither the model nor the judge.
    let again = analyze(&c.app).await;
    assert_eq!(c.server.requests().len(), 2, "zero calls the second time");
    let judge = llm(&again).judge.as_ref().unwrap();
    assert!(judge.call.cache_hit);
    assert_eq!(judge.scores.as_ref().unwrap().coherence, 4);
}

#[tokio::test]
async fn a_text_the_judge_finds_inconsistent_is_counted_and_the_report_says_so() {
    let c = case(WITH_JUDGE).await;
    c.server.script(SMALL, [ok(grounded)]);
    c.server.script(JUDGE, [ok(judge_objects)]);
    let before = marketlens_service::metrics::stats(&c.app).await.llm;
    let f = analyze(&c.app).await;
    let after = marketlens_service::metrics::stats(&c.app).await.llm;
    let n = llm(&f);
    assert!(n.judge.as_ref().unwrap().flags_inconsistency());
    // Advisory: the grounded text stays accepted, with the verdict beside it.
    assert_eq!(n.status, NarrativeStatus::Accepted);
    assert!(after.judged_inconsistent > before.judged_inconsistent);
    assert!(after.judged > before.judged);
    let html = report_html(&f);
    assert!(
        html.contains("inconsistent with the figures"),
        "verdict shown"
    );
    assert!(html.contains("the median is called typical of every shop"));
}

#[tokio::test]
async fn a_judge_that_fails_leaves_the_text_accepted_without_a_verdict() {
    let c = case(WITH_JUDGE).await;
    c.server.script(SMALL, [ok(grounded), ok(grounded)]);
    c.server.script(
        JUDGE,
        [
            status(500, vec![], "down"),
            status(500, vec![], "down"),
            ok(|_| "{\"coherence\": 9}".into()),
        ],
    );
    let f = analyze(&c.app).await;
    let n = llm(&f);
    assert_eq!(n.status, NarrativeStatus::Accepted);
    let judge = n.judge.as_ref().unwrap();
    assert_eq!(judge.scores, None);
    assert_eq!(judge.call.outcome, CallOutcome::Error);
    // An answer out of shape is no verdict either.
    let c2 = case(WITH_JUDGE).await;
    c2.server.script(SMALL, [ok(grounded)]);
    c2.server
        .script(JUDGE, [ok(|_| "{\"coherence\": 9}".into())]);
    let f = analyze(&c2.app).await;
    let judge = llm(&f).judge.clone().unwrap();
    assert_eq!(judge.call.outcome, CallOutcome::InvalidSchema);
    assert!(judge.call.error.unwrap().contains("judge's answer"));
    assert_eq!(llm(&f).status, NarrativeStatus::Accepted);
}

#[tokio::test]
async fn activating_a_new_prompt_version_changes_the_next_analysis_without_a_restart() {
    let c = case("").await;
    c.server.script(SMALL, [ok(grounded)]);
    let first = analyze(&c.app).await;
    assert_eq!(llm(&first).prompt_version, "summarize-v2");

    // A new version of the configuration: another prompt, and another small model.
    let prompt = "small_model = \"small-model-b\"\n[llm.prices.\"small-model-b\"]\ninput_per_million_usd = 0.0\noutput_per_million_usd = 0.0\n[llm.prompt]\nprompt_version = \"summarize-v3\"\nsystem = \"Answer in JSON ({currency}, {language}).\"\nuser = \"Figures: {input_json}\"";
    let text = config_text(&c.server, prompt).replace(&format!("small_model = \"{SMALL}\"\n"), "");
    let activated = c
        .app
        .configs
        .activate(&Activation::Toml(text), Some("test"))
        .await
        .unwrap();
    assert!(!activated.already_active);
    c.server.script("small-model-b", [ok(grounded)]);
    // The same process, not restarted: its next analysis runs the new version.
    let second = analyze(&c.app).await;
    let n = llm(&second);
    assert_eq!(n.status, NarrativeStatus::Accepted, "{:?}", n.reason);
    assert_eq!(n.prompt_version, "summarize-v3");
    assert_eq!(n.model.as_deref(), Some("small-model-b"));
    assert_eq!(n.cost_microdollars, 0, "the new version's price table");
    assert_eq!(
        second.result.traceability.agent_config_version,
        activated.version
    );
    assert_eq!(
        second.result.traceability.prompt_version.as_deref(),
        Some("summarize-v3")
    );
    let sent = c.server.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1]["messages"][0]["content"],
        "Answer in JSON (EUR, English)."
    );

    // Going back to the first version brings its prompt back, from the cache.
    c.app
        .configs
        .activate(
            &Activation::Version(first.result.traceability.agent_config_version),
            None,
        )
        .await
        .unwrap();
    let third = analyze(&c.app).await;
    assert_eq!(llm(&third).prompt_version, "summarize-v2");
    assert_eq!(c.server.requests().len(), 2, "the v2 answer was cached");
}

#[tokio::test]
async fn a_judge_prompt_in_the_configuration_is_used_and_recorded() {
    let extra = format!(
        "{WITH_JUDGE}[llm.judge.prompt]\nprompt_version = \"judge-v2\"\nsystem = \"Rate it.\"\nuser = \"Figures: {{input_json}} Text: {{summary_json}}\"\n"
    );
    let (c, f) = analyzed(&extra, [(SMALL, ok(grounded)), (JUDGE, ok(judge_approves))]).await;
    let judge = llm(&f).judge.as_ref().unwrap();
    assert_eq!(judge.prompt_version, "judge-v2");
    let sent = &c.server.requests()[1];
    assert_eq!(sent["messages"][0]["content"], "Rate it.");
    let user = sent["messages"][1]["content"].as_str().unwrap();
    assert!(user.starts_with("Figures: {") && user.contains(" Text: {\"summary\":"));
}

#[tokio::test]
async fn an_activated_version_whose_key_variable_is_unset_here_is_refused_with_its_name() {
    let c = case("").await;
    let variable = "MARKETLENS_TEST_LLM_KEY_NEVER_SET";
    let text = config_text(&c.server, "").replace(
        "api_key_env = \"\"",
        &format!("api_key_env = \"{variable}\""),
    );
    // Activation checks what `config validate` checks; the key is read where the
    // version runs.
    c.app
        .configs
        .activate(&Activation::Toml(text), None)
        .await
        .unwrap();
    let request = AnalysisRequest {
        query: "wireless headphones".into(),
        ..Default::default()
    };
    let Err(e) = analyze_in_process(&c.app, &request, false, &NoProgress).await else {
        panic!("no analysis without the key");
    };
    assert_eq!(e.error_type(), marketlens_core::ErrorType::InvalidConfig);
    assert!(e.to_string().contains(variable), "{e}");
    assert!(c.server.requests().is_empty(), "no unauthenticated call");
}
