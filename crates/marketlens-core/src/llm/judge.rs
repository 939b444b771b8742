//! The optional judge (`[llm.judge]`): a second model reads an accepted generated
//! summary beside the figures it was written from and rates its coherence and
//! clarity from 1 to 5, with a short rationale, and says whether any statement is
//! inconsistent with the figures.
//!
//! The judge is advisory. The deterministic grounding check decides what is shown;
//! the verdict is stored with the analysis, shown beside the generated text, and
//! exported as metrics (a text the judge finds inconsistent is counted), so a prompt
//! or model change that reads worse is seen. Its prompt is data, like the summary's
//! (`config/prompts/judge-v1.toml`, or `[llm.judge.prompt]`).

use serde::{Deserialize, Serialize};

use super::input::SummaryInput;
use super::output::{GeneratedSummary, strip_fence};
use crate::config::PromptTemplate;

/// The built-in judge prompt.
pub const DEFAULT_JUDGE_PROMPT_TOML: &str =
    include_str!("../../../../config/prompts/judge-v1.toml");

/// Longest rationale kept, in characters.
pub const MAX_RATIONALE_CHARS: usize = 600;
/// Inconsistent statements kept, and the longest kept.
pub const MAX_INCONSISTENCIES: usize = 10;
pub const MAX_INCONSISTENCY_CHARS: usize = 300;

/// What the judge said of one text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeScores {
    /// 1 (poor) to 5 (excellent).
    pub coherence: u8,
    /// 1 (poor) to 5 (excellent).
    pub clarity: u8,
    pub rationale: String,
    pub consistent_with_figures: bool,
    /// The statements the judge found inconsistent with the figures.
    #[serde(default)]
    pub inconsistencies: Vec<String>,
}

/// Why a judge's answer is not a verdict.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum JudgeError {
    #[error("the judge's answer is not JSON of the required shape: {0}")]
    NotJson(String),
    #[error("the judge's answer breaks the schema: {0}")]
    Schema(String),
}

impl JudgeScores {
    /// Parses and checks a judge's answer (a fenced JSON block is accepted).
    pub fn parse(content: &str) -> Result<Self, JudgeError> {
        let parsed: JudgeScores = serde_json::from_str(strip_fence(content.trim()))
            .map_err(|e| JudgeError::NotJson(e.to_string()))?;
        let bad = |m: String| Err(JudgeError::Schema(m));
        for (name, v) in [("coherence", parsed.coherence), ("clarity", parsed.clarity)] {
            if !(1..=5).contains(&v) {
                return bad(format!("{name} must be 1 to 5, not {v}"));
            }
        }
        let rationale = parsed.rationale.trim();
        if rationale.is_empty() || rationale.chars().count() > MAX_RATIONALE_CHARS {
            return bad(format!(
                "rationale must have 1 to {MAX_RATIONALE_CHARS} characters"
            ));
        }
        if parsed.inconsistencies.len() > MAX_INCONSISTENCIES
            || parsed
                .inconsistencies
                .iter()
                .any(|s| s.chars().count() > MAX_INCONSISTENCY_CHARS)
        {
            return bad(format!(
                "inconsistencies must have at most {MAX_INCONSISTENCIES} statements of at most {MAX_INCONSISTENCY_CHARS} characters"
            ));
        }
        if [rationale]
            .into_iter()
            .chain(parsed.inconsistencies.iter().map(String::as_str))
            .any(|t| t.chars().any(|c| c.is_control() && c != '\n'))
        {
            return bad("the answer contains control characters".into());
        }
        Ok(JudgeScores {
            rationale: rationale.to_owned(),
            ..parsed
        })
    }
}

impl PromptTemplate {
    /// The built-in judge prompt.
    pub fn builtin_judge() -> Self {
        Self::from_toml_str(DEFAULT_JUDGE_PROMPT_TOML).expect("the built-in judge prompt is valid")
    }

    /// The judge's system and user messages for one input and the text to judge.
    pub fn render_judge(&self, input: &SummaryInput, text: &GeneratedSummary) -> (String, String) {
        let summary = serde_json::to_string(text).unwrap_or_default();
        let fill = |template: &str| {
            template
                .replace("{input_json}", &input.to_json())
                .replace("{summary_json}", &summary)
                .trim()
                .to_owned()
        };
        (fill(&self.system), fill(&self.user))
    }
}

/// A content hash of a text to judge (with the input's hash, the judge's cache key).
pub fn text_hash(text: &GeneratedSummary) -> String {
    let json = serde_json::to_string(text).unwrap_or_default();
    blake3::hash(json.as_bytes()).to_hex()[..32].to_owned()
}

/// The JSON schema of a judge's answer (strict subset, as [`super::output_schema`]).
pub fn judge_schema() -> serde_json::Value {
    let score = serde_json::json!({"type": "integer", "minimum": 1, "maximum": 5});
    serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["coherence", "clarity", "rationale", "consistent_with_figures", "inconsistencies"],
        "properties": {
            "coherence": score,
            "clarity": score,
            "rationale": {"type": "string", "minLength": 1, "maxLength": MAX_RATIONALE_CHARS},
            "consistent_with_figures": {"type": "boolean"},
            "inconsistencies": {
                "type": "array", "maxItems": MAX_INCONSISTENCIES,
                "items": {"type": "string", "maxLength": MAX_INCONSISTENCY_CHARS}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn a_verdict_has_two_scores_from_1_to_5_and_a_rationale() {
        let ok = JudgeScores::parse(
            "```json\n{\"coherence\": 4, \"clarity\": 5, \"rationale\": \" Clear. \", \"consistent_with_figures\": true, \"inconsistencies\": []}\n```",
        )
        .unwrap();
        assert_eq!((ok.coherence, ok.clarity), (4, 5));
        assert_eq!(ok.rationale, "Clear.");
        for (bad, says) in [
            ("not json", "not JSON"),
            (
                r#"{"coherence": 0, "clarity": 5, "rationale": "x", "consistent_with_figures": true}"#,
                "coherence must be 1 to 5",
            ),
            (
                r#"{"coherence": 3, "clarity": 6, "rationale": "x", "consistent_with_figures": true}"#,
                "clarity must be 1 to 5",
            ),
            (
                r#"{"coherence": 3, "clarity": 3, "rationale": " ", "consistent_with_figures": true}"#,
                "rationale",
            ),
            (
                r#"{"coherence": 3, "clarity": 3, "rationale": "x", "consistent_with_figures": true, "extra": 1}"#,
                "not JSON",
            ),
        ] {
            let e = JudgeScores::parse(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }

    #[test]
    fn the_judge_prompt_embeds_the_figures_and_the_text_to_judge() {
        let p = PromptTemplate::builtin_judge();
        assert_eq!(p.prompt_version, "judge-v1");
        let input = testing::summary_input(3);
        let text = GeneratedSummary {
            summary: vec!["Prices vary.".into()],
            recommendations: vec![],
            key_points: vec!["Compare offers.".into()],
        };
        let (system, user) = p.render_judge(&input, &text);
        assert!(system.contains("coherence") && system.contains("clarity"));
        assert!(user.contains(&input.to_json()));
        assert!(user.contains("\"summary\":[\"Prices vary.\"]"));
    }
}
