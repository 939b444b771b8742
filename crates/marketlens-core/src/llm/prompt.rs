//! Prompt templates are data: a TOML file with a `prompt_version`, a system and a
//! user template (`config/prompts/summarize-v2.toml`, compiled in as the default;
//! earlier versions stay beside it, for a configuration to name again).
//! The version is recorded with every result and keys the LLM cache, so a change of
//! wording is a new version, never a silent edit. A configuration may carry its own
//! (`[llm.prompt]`), recorded with it in `agent_configs`.

use super::input::SummaryInput;
use crate::config::read_checked_toml;
use crate::domain::Language;

/// The built-in prompt.
pub const DEFAULT_PROMPT_TOML: &str = include_str!("../../../../config/prompts/summarize-v2.toml");

pub use crate::config::{PromptTemplate, PromptTemplateError};

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template is not valid TOML or has unknown keys: {0}")]
    Syntax(String),
    #[error("invalid prompt template: {0}")]
    Invalid(#[from] PromptTemplateError),
}

impl PromptTemplate {
    pub fn builtin() -> Self {
        Self::from_toml_str(DEFAULT_PROMPT_TOML).expect("the built-in prompt is valid")
    }

    pub fn from_toml_str(text: &str) -> Result<Self, PromptError> {
        read_checked_toml(text, PromptError::Syntax, |t: &Self| Ok(t.check()?))
    }

    /// The system and user messages for one input.
    pub fn render(&self, input: &SummaryInput) -> (String, String) {
        let fill = |template: &str| {
            template
                .replace("{currency}", input.currency.as_str())
                .replace("{language}", language_name(input.language))
                .replace(
                    "{recommendation_count}",
                    &input.recommendations.len().to_string(),
                )
                .replace("{input_json}", &input.to_json())
                .trim()
                .to_owned()
        };
        (fill(&self.system), fill(&self.user))
    }
}

/// The name of a language as an English prompt says it.
fn language_name(language: Language) -> &'static str {
    match language {
        Language::En => "English",
        Language::Fr => "French",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;

    #[test]
    fn the_builtin_prompt_embeds_the_input_and_its_counts() {
        let p = PromptTemplate::builtin();
        assert_eq!(p.prompt_version, "summarize-v2");
        let mut input = testing::summary_input(3);
        let (system, user) = p.render(&input);
        assert!(system.contains("EUR") && !system.contains("{currency}"));
        assert!(system.contains("Write every text in English."));
        assert!(user.contains(&input.to_json()));
        input.language = crate::domain::Language::Fr;
        assert!(p.render(&input).0.contains("Write every text in French."));
        assert!(user.contains(&format!("{} recommendations", input.recommendations.len())));
    }

    #[test]
    fn earlier_prompt_versions_stay_usable_from_a_configuration() {
        let v1 = PromptTemplate::from_toml_str(include_str!(
            "../../../../config/prompts/summarize-v1.toml"
        ))
        .unwrap();
        assert_eq!(v1.prompt_version, "summarize-v1");
        assert_ne!(v1.system, PromptTemplate::builtin().system);
    }

    #[test]
    fn a_template_without_a_version_or_the_input_is_refused() {
        for bad in [
            "prompt_version = \"\"\nsystem = \"s\"\nuser = \"{input_json}\"",
            "prompt_version = \"v 1\"\nsystem = \"s\"\nuser = \"{input_json}\"",
            "prompt_version = \"v1\"\nsystem = \"s\"\nuser = \"no input\"",
            "prompt_version = \"v1\"\nsystem = \"s\"\nuser = \"{input_json}\"\nextra = 1",
        ] {
            assert!(PromptTemplate::from_toml_str(bad).is_err(), "{bad}");
        }
    }
}
