//! What the `llm_summarize` stage records in a result: the generated narrative when
//! one was accepted, why none was otherwise, and every call made (model, tokens,
//! cost, latency, outcome, grounding) — and the pure rules it decides with: which
//! model first ([`hard_case`]) and whether an answer is accepted ([`evaluate`]).

use serde::{Deserialize, Serialize};

use super::grounding::{Facts, GroundingReport};
use super::input::SummaryInput;
use super::judge::JudgeScores;
use super::output::GeneratedSummary;
use super::scores::{TextScores, score};
use crate::config::LlmSettings;

/// How the stage ended for one analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NarrativeStatus {
    /// A generated narrative passed the schema and the grounding check.
    Accepted,
    /// Every answer failed (or no call answered): the deterministic narrative stands.
    Rejected,
    /// No call was made (`reason` says why, e.g. `budget_exhausted`).
    Skipped,
}

impl NarrativeStatus {
    /// The status as stored and serialised (`accepted`, `rejected`, `skipped`).
    pub fn as_str(self) -> &'static str {
        match self {
            NarrativeStatus::Accepted => "accepted",
            NarrativeStatus::Rejected => "rejected",
            NarrativeStatus::Skipped => "skipped",
        }
    }
}

/// The outcome of one call (the `outcome` label of the LLM call metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Ok,
    RejectedGrounding,
    InvalidSchema,
    Timeout,
    RateLimited,
    Error,
    CacheHit,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            CallOutcome::Ok => "ok",
            CallOutcome::RejectedGrounding => "rejected_grounding",
            CallOutcome::InvalidSchema => "invalid_schema",
            CallOutcome::Timeout => "timeout",
            CallOutcome::RateLimited => "rate_limited",
            CallOutcome::Error => "error",
            CallOutcome::CacheHit => "cache_hit",
        }
    }

    /// The outcome of a transport failure's label (`timeout`, `rate_limited`, `error`).
    pub fn of_transport(label: &str) -> Self {
        match label {
            "timeout" => CallOutcome::Timeout,
            "rate_limited" => CallOutcome::RateLimited,
            _ => CallOutcome::Error,
        }
    }
}

/// One call to a model (or its answer found in the cache).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmCall {
    pub model: String,
    pub outcome: CallOutcome,
    /// True when the answer came from the LLM cache (no call, no cost).
    pub cache_hit: bool,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_microdollars: u64,
    pub latency_ms: u64,
    /// Why the answer was not used.
    pub error: Option<String>,
    /// The grounding check of an answer that had the right shape.
    pub grounding: Option<GroundingReport>,
    /// Deterministic scores of an answer that had the right shape.
    #[serde(default)]
    pub scores: Option<TextScores>,
}

/// The judge's part of a result: its model and prompt version, the call, and the
/// verdict when the call answered with one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Judgement {
    pub model: String,
    pub prompt_version: String,
    /// `None` when the judge did not answer with a verdict (`call` says why).
    pub scores: Option<JudgeScores>,
    pub call: LlmCall,
}

impl Judgement {
    /// Whether the judge found the text inconsistent with the figures.
    pub fn flags_inconsistency(&self) -> bool {
        self.scores
            .as_ref()
            .is_some_and(|s| !s.consistent_with_figures)
    }
}

/// The `llm` part of a result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LlmNarrative {
    pub status: NarrativeStatus,
    /// Why nothing was accepted (`rejected`) or called (`skipped`).
    pub reason: Option<String>,
    pub prompt_version: String,
    /// The model whose text was accepted.
    pub model: Option<String>,
    /// The accepted text; `None` unless `status` is `accepted`.
    pub text: Option<GeneratedSummary>,
    /// Why the first model was skipped for the large one, when it was.
    pub hard_case: Option<String>,
    pub calls: Vec<LlmCall>,
    /// Totals over every call, the judge's included.
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub cost_microdollars: u64,
    /// The judge's verdict on the accepted text, when `[llm.judge]` is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub judge: Option<Judgement>,
}

impl LlmNarrative {
    /// A narrative with no call made.
    pub fn skipped(prompt_version: &str, reason: &str) -> Self {
        Self::from_calls(prompt_version, None, Vec::new(), None)
            .with_status(NarrativeStatus::Skipped, Some(reason.to_owned()))
    }

    /// The narrative of a cascade: accepted when `accepted` holds the answer and its
    /// model, else rejected with each call's reason.
    pub fn from_calls(
        prompt_version: &str,
        accepted: Option<(String, GeneratedSummary)>,
        calls: Vec<LlmCall>,
        hard_case: Option<String>,
    ) -> Self {
        let reason = match &accepted {
            Some(_) => None,
            None => Some(
                calls
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {}",
                            c.model,
                            c.error.as_deref().unwrap_or(c.outcome.as_str())
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        };
        let (model, text) = match accepted {
            Some((m, t)) => (Some(m), Some(t)),
            None => (None, None),
        };
        LlmNarrative {
            status: if text.is_some() {
                NarrativeStatus::Accepted
            } else {
                NarrativeStatus::Rejected
            },
            reason,
            prompt_version: prompt_version.to_owned(),
            model,
            text,
            hard_case,
            prompt_tokens: calls.iter().map(|c| c.prompt_tokens).sum(),
            completion_tokens: calls.iter().map(|c| c.completion_tokens).sum(),
            cost_microdollars: calls.iter().map(|c| c.cost_microdollars).sum(),
            calls,
            judge: None,
        }
    }

    /// The narrative with the judge's verdict, its call counted in the totals.
    pub fn with_judge(mut self, judgement: Judgement) -> Self {
        self.prompt_tokens += judgement.call.prompt_tokens;
        self.completion_tokens += judgement.call.completion_tokens;
        self.cost_microdollars += judgement.call.cost_microdollars;
        self.judge = Some(judgement);
        self
    }

    fn with_status(mut self, status: NarrativeStatus, reason: Option<String>) -> Self {
        self.status = status;
        self.reason = reason;
        self
    }

    /// The models called, in order, each once (`small, large`).
    pub fn models(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in &self.calls {
            if !out.contains(&c.model.as_str()) {
                out.push(&c.model);
            }
        }
        out
    }
}

/// Why a case goes to the large model first, or `None` for the small one: at least
/// `hard_case_min_products` products, or (when configured) offers priced in several
/// currencies.
pub fn hard_case(input: &SummaryInput, settings: &LlmSettings) -> Option<String> {
    let products = input.statistics.product_count;
    if settings.hard_case_min_products > 0 && products >= settings.hard_case_min_products {
        return Some(format!(
            "{products} products (llm.hard_case_min_products = {})",
            settings.hard_case_min_products
        ));
    }
    let currencies = &input.statistics.offer_currencies;
    if settings.hard_case_mixed_currencies && currencies.len() > 1 {
        return Some(format!(
            "offers priced in {} currencies (llm.hard_case_mixed_currencies)",
            currencies.len()
        ));
    }
    None
}

/// How one answer was judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// `Ok`, `RejectedGrounding` or `InvalidSchema`.
    pub outcome: CallOutcome,
    /// The answer, when accepted.
    pub accepted: Option<GeneratedSummary>,
    /// Why it was not accepted.
    pub reason: Option<String>,
    /// For an answer of the right shape.
    pub grounding: Option<GroundingReport>,
    pub scores: Option<TextScores>,
}

/// Judges one answer: accepted when it has the schema's shape and every claim is
/// grounded; a well-shaped answer is also scored, accepted or not.
pub fn evaluate(content: &str, input: &SummaryInput, facts: &Facts) -> Judged {
    let summary = match GeneratedSummary::parse(content, input.recommendations.len()) {
        Ok(s) => s,
        Err(e) => {
            return Judged {
                outcome: CallOutcome::InvalidSchema,
                accepted: None,
                reason: Some(e.to_string()),
                grounding: None,
                scores: None,
            };
        }
    };
    let grounding = facts.check_summary(&summary);
    let scores = Some(score(&summary, &grounding, input, facts));
    let passed = grounding.passed();
    Judged {
        outcome: if passed {
            CallOutcome::Ok
        } else {
            CallOutcome::RejectedGrounding
        },
        reason: (!passed).then(|| format!("ungrounded: {}", grounding.reason())),
        accepted: passed.then_some(summary),
        grounding: Some(grounding),
        scores,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    fn answer(summary: &str, input: &SummaryInput) -> String {
        let recs: Vec<serde_json::Value> = (0..input.recommendations.len())
            .map(|i| serde_json::json!({"index": i, "explanation": "See the figures."}))
            .collect();
        serde_json::json!({"summary": [summary], "recommendations": recs, "key_points": ["Compare offers."]})
            .to_string()
    }

    #[test]
    fn an_answer_is_accepted_only_with_the_shape_and_every_claim_grounded() {
        let input = testing::summary_input(5);
        let facts = Facts::from_input(&input);
        let median = input.statistics.price.as_ref().unwrap().median;
        let ok = answer(&format!("The median price is {median:.2} EUR."), &input);
        let judged = evaluate(&ok, &input, &facts);
        assert_eq!(judged.outcome, CallOutcome::Ok);
        assert!(judged.accepted.is_some() && judged.scores.is_some());

        let invented = answer("The median price is 12345.67 EUR.", &input);
        let judged = evaluate(&invented, &input, &facts);
        assert_eq!(judged.outcome, CallOutcome::RejectedGrounding);
        let reason = judged.reason.unwrap();
        assert!(reason.contains("12345.67 EUR"), "{reason}");
        assert!(!judged.grounding.unwrap().passed());
        assert!(judged.accepted.is_none());
        assert!(judged.scores.unwrap().grounding_rate < 1.0);

        let judged = evaluate("{\"summary\": []}", &input, &facts);
        assert_eq!(judged.outcome, CallOutcome::InvalidSchema);
        assert_eq!((judged.grounding, judged.scores), (None, None));
    }

    #[test]
    fn a_case_is_hard_by_its_product_count_or_mixed_currencies_as_configured() {
        let mut input = testing::summary_input(5);
        let mut s = LlmSettings {
            hard_case_min_products: 0,
            ..LlmSettings::default()
        };
        assert_eq!(hard_case(&input, &s), None);
        s.hard_case_min_products = input.statistics.product_count;
        assert!(hard_case(&input, &s).unwrap().contains("products"));
        s.hard_case_min_products = 0;
        s.hard_case_mixed_currencies = true;
        input.statistics.offer_currencies = vec![
            crate::domain::CurrencyCode::EUR,
            crate::domain::CurrencyCode::USD,
        ];
        assert!(hard_case(&input, &s).unwrap().contains("2 currencies"));
    }

    #[test]
    fn a_rejected_cascade_says_why_for_each_model_and_sums_its_costs() {
        let call = |model: &str, cost| LlmCall {
            model: model.into(),
            outcome: CallOutcome::RejectedGrounding,
            cache_hit: false,
            prompt_tokens: 100,
            completion_tokens: 10,
            cost_microdollars: cost,
            latency_ms: 5,
            error: Some(format!("ungrounded in {model}")),
            grounding: None,
            scores: None,
        };
        let n =
            LlmNarrative::from_calls("v1", None, vec![call("small", 3), call("large", 40)], None);
        assert_eq!(n.status, NarrativeStatus::Rejected);
        assert_eq!(n.cost_microdollars, 43);
        assert_eq!(n.prompt_tokens, 200);
        assert_eq!(n.models(), ["small", "large"]);
        let reason = n.reason.unwrap();
        assert!(reason.contains("small: ungrounded in small") && reason.contains("large:"));
        let s = LlmNarrative::skipped("v1", "budget_exhausted");
        assert_eq!(
            (s.status, s.reason.as_deref()),
            (NarrativeStatus::Skipped, Some("budget_exhausted"))
        );
    }
}
