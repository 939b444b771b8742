//! The pure half of the optional `llm_summarize` stage.
//!
//! A language model may rephrase a result, never add to it. This module holds what
//! the model is given ([`input`]: statistics, recommendations with their figures, the
//! aspect summary and the top products — never raw pages or review bodies), what it
//! must answer ([`output`]: summary paragraphs, one explanation per recommendation,
//! key points, with the JSON schema sent in the request), and the deterministic
//! [`grounding`] check that rejects an answer naming a number, price, currency, date
//! or name absent from the input. [`prompt`] holds the versioned prompt templates
//! (data), [`outcome`] what a result records of the stage, [`judge`] the optional
//! second model's verdict on an accepted text. The HTTP call sits behind
//! [`crate::ports::LlmClient`]; nothing here does I/O.

pub mod grounding;
pub mod input;
pub mod judge;
pub mod outcome;
pub mod output;
pub mod prompt;
pub mod scores;

pub use grounding::{ClaimKind, Facts, GroundingReport, Ungrounded};
pub use input::SummaryInput;
pub use judge::{JudgeError, JudgeScores};
pub use outcome::{
    CallOutcome, Judged, Judgement, LlmCall, LlmNarrative, NarrativeStatus, evaluate, hard_case,
};
pub use output::{GeneratedSummary, OutputError, RecommendationText};
pub use prompt::{PromptError, PromptTemplate, PromptTemplateError};
pub use scores::TextScores;
