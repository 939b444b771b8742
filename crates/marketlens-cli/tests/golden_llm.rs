//! `marketlens eval golden` with the LLM stage on: a variant whose generated narrative
//! is accepted is scored on that narrative, with its tokens and cost. The model is the
//! service tests' local chat-completions stand-in (a real HTTP server on a random
//! port, spoken to by the real client), scripted to write a short English summary.

mod support;

#[path = "../../marketlens-service/tests/support/llm_server.rs"]
mod llm_server;

use std::path::Path;

use llm_server::{LlmServer, Reply, judge_approves, ok, shaped};
use support::{copy_dir, marketlens, stdout_of, table_row as row};

/// A grounded English summary: the offer count and the median price of the input.
fn median_summary(input: &serde_json::Value) -> String {
    let s = &input["statistics"];
    shaped(
        input,
        &format!(
            "There are {} offers, with a median price of {} {}.",
            s["offer_count"],
            s["price"]["median"],
            input["currency"].as_str().unwrap_or("")
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_narrative_is_scored_with_its_tokens_and_cost() {
    let server = LlmServer::start().await;
    // One accepted answer per case (the small model answers first).
    server.script(
        "gpt-4o-mini",
        (0..2).map(|_| Reply::Content {
            content: median_summary,
            prompt_tokens: 1000,
            completion_tokens: 100,
        }),
    );
    // The variant's judge rates each accepted text: coherence 4, clarity 5, consistent.
    server.script("judge-model", (0..2).map(|_| ok(judge_approves)));
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("set");
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../golden/cases");
    for case in ["en-headphones-range", "fr-casque"] {
        let to = set.join("cases").join(case);
        copy_dir(&committed.join(case), &to);
    }
    let shown = marketlens().args(["config", "show"]).output().unwrap();
    let config = stdout_of(&shown)
        .replacen("enabled = false", "enabled = true", 1)
        .replace(
            "base_url = \"https://api.openai.com/v1\"",
            &format!("base_url = \"{}\"", server.base_url),
        )
        .replace("api_key_env = \"OPENAI_API_KEY\"", "api_key_env = \"\"")
        + "\n[llm.judge]\nmodel = \"judge-model\"\n[llm.prices.\"judge-model\"]\n\
           input_per_million_usd = 0.0\noutput_per_million_usd = 0.0\n";
    let llm = dir.path().join("llm.toml");
    std::fs::write(&llm, config).unwrap();
    let variants = format!("llm={}", llm.display());
    let out_dir = dir.path().join("out");
    let out = tokio::task::spawn_blocking(move || {
        marketlens()
            .args(["eval", "golden", "--variants", &variants, "--set"])
            .arg(&set)
            .arg("--out")
            .arg(&out_dir)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = stdout_of(&out);
    assert_eq!(
        server.models_called(),
        ["gpt-4o-mini", "judge-model", "gpt-4o-mini", "judge-model"]
    );
    // The pipeline's judge verdicts, on a 0–1 scale: (4 - 1) / 4 and (5 - 1) / 4.
    assert_eq!(row(&stdout, "judge: coherence"), ["0.750"]);
    assert_eq!(row(&stdout, "judge: clarity"), ["1.000"]);
    assert_eq!(row(&stdout, "judge: consistent_with_figures"), ["1.000"]);
    // 2 × (1000 + 100) tokens of the summaries at $0.15 and $0.60 per million, and the
    // judge's 2 × 1500 (the stand-in's default count), priced at nothing.
    assert_eq!(row(&stdout, "tokens"), ["5200"]);
    assert_eq!(row(&stdout, "cost (USD)"), ["0.0004"]);
    // The accepted text is grounded (the stage checked it) but states only two of
    // each case's key points, and the French case got English words.
    assert_eq!(row(&stdout, "grounding rate"), ["1.0000"]);
    let coverage: f64 = row(&stdout, "key-point coverage")[0].parse().unwrap();
    assert!(coverage > 0.0 && coverage < 0.5, "{stdout}");
    assert!(
        stdout.contains("llm / fr-casque: missing: cheapest offer"),
        "{stdout}"
    );
    assert!(
        stdout.contains("forbidden stated: English wording"),
        "{stdout}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/golden.json")).unwrap())
            .unwrap();
    let text = &json["runs"]["llm"][0]["text"][0]["text"];
    assert!(
        text.as_str().unwrap().starts_with("There are 57 offers"),
        "{text}"
    );
}
