//! What the model must answer: summary paragraphs, one explanation per
//! recommendation, key points — as JSON of one fixed shape.
//!
//! The schema ([`output_schema`]) is sent with the request to endpoints that accept
//! one (`response_format: json_schema`); every answer is parsed and validated here
//! whatever the endpoint promised, so an endpoint that ignores the schema cannot slip
//! a malformed answer through.

use serde::{Deserialize, Serialize};

/// Summary paragraphs an answer may have.
pub const MAX_PARAGRAPHS: usize = 6;
/// Key points an answer may have.
pub const MAX_KEY_POINTS: usize = 8;
/// Longest paragraph or explanation, in characters.
pub const MAX_PARAGRAPH_CHARS: usize = 1_200;
/// Longest key point, in characters.
pub const MAX_KEY_POINT_CHARS: usize = 300;

/// A generated narrative that has the right shape (not yet grounded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GeneratedSummary {
    /// Executive summary, one paragraph per entry.
    pub summary: Vec<String>,
    /// One per recommendation of the input, by its `index`.
    pub recommendations: Vec<RecommendationText>,
    pub key_points: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecommendationText {
    pub index: u32,
    pub explanation: String,
}

/// Why an answer does not have the required shape.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutputError {
    #[error("the answer is not JSON of the required shape: {0}")]
    NotJson(String),
    #[error("the answer breaks the schema: {0}")]
    Schema(String),
}

impl GeneratedSummary {
    /// Parses a model's answer and checks it against the schema and the input's
    /// recommendation count. A fenced block (```json … ```) is accepted: models that
    /// were not given the schema often wrap their JSON so.
    pub fn parse(content: &str, recommendation_count: usize) -> Result<Self, OutputError> {
        let body = strip_fence(content.trim());
        let parsed: GeneratedSummary =
            serde_json::from_str(body).map_err(|e| OutputError::NotJson(e.to_string()))?;
        parsed.validate(recommendation_count)?;
        Ok(parsed)
    }

    fn validate(&self, recommendation_count: usize) -> Result<(), OutputError> {
        let bad = |m: String| Err(OutputError::Schema(m));
        if self.summary.is_empty() || self.summary.len() > MAX_PARAGRAPHS {
            return bad(format!(
                "summary must have 1 to {MAX_PARAGRAPHS} paragraphs, not {}",
                self.summary.len()
            ));
        }
        if self.key_points.is_empty() || self.key_points.len() > MAX_KEY_POINTS {
            return bad(format!(
                "key_points must have 1 to {MAX_KEY_POINTS} entries, not {}",
                self.key_points.len()
            ));
        }
        for (field, texts, max) in [
            ("summary", &self.summary, MAX_PARAGRAPH_CHARS),
            ("key_points", &self.key_points, MAX_KEY_POINT_CHARS),
        ] {
            for (i, t) in texts.iter().enumerate() {
                check_text(&format!("{field}[{i}]"), t, max)?;
            }
        }
        if self.recommendations.len() != recommendation_count {
            return bad(format!(
                "recommendations must have one explanation per recommendation ({recommendation_count}), not {}",
                self.recommendations.len()
            ));
        }
        let mut seen = vec![false; recommendation_count];
        for r in &self.recommendations {
            match seen.get_mut(r.index as usize) {
                Some(s) if !*s => *s = true,
                Some(_) => return bad(format!("recommendation {} is explained twice", r.index)),
                None => return bad(format!("recommendation {} does not exist", r.index)),
            }
            check_text(
                &format!("recommendations[{}]", r.index),
                &r.explanation,
                MAX_PARAGRAPH_CHARS,
            )?;
        }
        Ok(())
    }

    /// Every text of the answer with the field it sits in (`summary[0]`,
    /// `recommendations[2]`, `key_points[1]`), in reading order.
    pub fn texts(&self) -> Vec<(String, &str)> {
        let mut out: Vec<(String, &str)> = Vec::new();
        out.extend(
            self.summary
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("summary[{i}]"), t.as_str())),
        );
        out.extend(self.recommendations.iter().map(|r| {
            (
                format!("recommendations[{}]", r.index),
                r.explanation.as_str(),
            )
        }));
        out.extend(
            self.key_points
                .iter()
                .enumerate()
                .map(|(i, t)| (format!("key_points[{i}]"), t.as_str())),
        );
        out
    }

    /// The explanation written for recommendation `index`.
    pub fn explanation(&self, index: usize) -> Option<&str> {
        self.recommendations
            .iter()
            .find(|r| r.index as usize == index)
            .map(|r| r.explanation.as_str())
    }
}

fn check_text(field: &str, text: &str, max_chars: usize) -> Result<(), OutputError> {
    if text.trim().is_empty() {
        return Err(OutputError::Schema(format!("{field} is empty")));
    }
    if text.chars().count() > max_chars {
        return Err(OutputError::Schema(format!(
            "{field} is longer than {max_chars} characters"
        )));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(OutputError::Schema(format!(
            "{field} contains control characters"
        )));
    }
    Ok(())
}

pub(crate) fn strip_fence(text: &str) -> &str {
    let Some(rest) = text.strip_prefix("```") else {
        return text;
    };
    let rest = rest.strip_prefix("json").unwrap_or(rest);
    rest.strip_suffix("```").unwrap_or(rest).trim()
}

/// The JSON schema of the answer, in the strict subset OpenAI-compatible endpoints
/// accept (`additionalProperties: false`, every property required).
pub fn output_schema() -> serde_json::Value {
    let text = |max: usize| serde_json::json!({"type": "string", "minLength": 1, "maxLength": max});
    serde_json::json!({
        "type": "object",
        "additionalProperties": false,
        "required": ["summary", "recommendations", "key_points"],
        "properties": {
            "summary": {
                "type": "array", "minItems": 1, "maxItems": MAX_PARAGRAPHS,
                "items": text(MAX_PARAGRAPH_CHARS)
            },
            "recommendations": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": ["index", "explanation"],
                    "properties": {
                        "index": {"type": "integer", "minimum": 0},
                        "explanation": text(MAX_PARAGRAPH_CHARS)
                    }
                }
            },
            "key_points": {
                "type": "array", "minItems": 1, "maxItems": MAX_KEY_POINTS,
                "items": text(MAX_KEY_POINT_CHARS)
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = r#"{"summary": ["Prices run from 99.00 to 1999.00 EUR."],
        "recommendations": [{"index": 0, "explanation": "Cheapest well rated."},
                            {"index": 1, "explanation": "Mid-range."}],
        "key_points": ["Median 155.00 EUR"]}"#;

    #[test]
    fn a_valid_answer_parses_fenced_or_not() {
        let s = GeneratedSummary::parse(VALID, 2).unwrap();
        assert_eq!(s.explanation(1), Some("Mid-range."));
        assert_eq!(s.texts().len(), 4);
        let fenced = format!("```json\n{VALID}\n```");
        assert_eq!(GeneratedSummary::parse(&fenced, 2).unwrap(), s);
    }

    #[test]
    fn answers_of_the_wrong_shape_are_refused_with_the_reason() {
        let cases = [
            ("not json at all", "not JSON"),
            (r#"{"summary": ["x"], "key_points": ["y"]}"#, "not JSON"),
            (
                &VALID.replace("\"key_points\"", "\"extra\": 1, \"key_points\""),
                "not JSON",
            ),
            (
                &VALID.replace("[\"Prices run from 99.00 to 1999.00 EUR.\"]", "[]"),
                "summary must have",
            ),
            (
                &VALID.replace("\"index\": 1", "\"index\": 0"),
                "explained twice",
            ),
            (
                &VALID.replace("\"index\": 1", "\"index\": 7"),
                "does not exist",
            ),
            (&VALID.replace("Mid-range.", " "), "is empty"),
            (
                &VALID.replace("Mid-range.", &"x".repeat(MAX_PARAGRAPH_CHARS + 1)),
                "longer than",
            ),
            (
                &VALID.replace("Mid-range.", "bell\\u0007"),
                "control characters",
            ),
        ];
        for (answer, reason) in cases {
            let e = GeneratedSummary::parse(answer, 2).unwrap_err().to_string();
            assert!(e.contains(reason), "{answer}: {e}");
        }
        let e = GeneratedSummary::parse(VALID, 3).unwrap_err().to_string();
        assert!(e.contains("one explanation per recommendation (3)"), "{e}");
    }

    #[test]
    fn the_schema_requires_every_field_and_nothing_else() {
        let s = output_schema();
        assert_eq!(s["additionalProperties"], false);
        assert_eq!(s["required"].as_array().unwrap().len(), 3);
        assert_eq!(
            s["properties"]["recommendations"]["items"]["required"],
            serde_json::json!(["index", "explanation"])
        );
    }
}
