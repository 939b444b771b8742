use std::time::Duration;

use async_trait::async_trait;

/// One chat-completions call: a system and a user message, and how the answer's
/// shape is asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmRequest {
    pub model: String,
    pub system: String,
    pub user: String,
    pub max_output_tokens: u32,
    pub temperature: f64,
    pub response_format: ResponseFormat,
}

/// How the answer's shape is asked for (the answer is validated whatever the
/// endpoint honours).
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// `response_format: {type: json_schema}` with this schema, named.
    JsonSchema {
        name: String,
        schema: serde_json::Value,
    },
    /// `response_format: {type: json_object}`.
    JsonObject,
    /// Nothing: the prompt alone asks for JSON.
    Text,
}

/// What the model answered, with the tokens the endpoint counted.
#[derive(Debug, Clone, PartialEq)]
pub struct LlmResponse {
    pub content: String,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// Why a call gave no answer. Each maps to the outcome label of the call metrics.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlmError {
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("rate limited (HTTP 429){}", .retry_after.map(|d| format!(", retry after {}s", d.as_secs())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    #[error("server error (HTTP {status})")]
    Server { status: u16 },
    /// A 4xx other than 429: the request itself was refused (bad key, unknown model).
    #[error("request refused (HTTP {status}): {message}")]
    Refused { status: u16, message: String },
    #[error("answer larger than {limit} bytes")]
    TooLarge { limit: u64 },
    /// The HTTP body is not a chat-completions answer.
    #[error("not a chat-completions answer: {0}")]
    Malformed(String),
    #[error("endpoint unreachable: {0}")]
    Unreachable(String),
}

impl LlmError {
    /// The call's outcome label (`timeout`, `rate_limited`, `error`).
    pub fn outcome(&self) -> &'static str {
        match self {
            LlmError::Timeout(_) => "timeout",
            LlmError::RateLimited { .. } => "rate_limited",
            _ => "error",
        }
    }
}

/// A chat-completions endpoint (OpenAI-compatible). Implementations own transport
/// policy — the timeout, retries after 429 (honouring `Retry-After`) and 5xx, the
/// body size cap — so a caller makes one call and gets an answer or a typed error.
#[async_trait]
pub trait LlmClient: Send + Sync {
    /// Where the calls go, for logs (no credentials).
    fn endpoint(&self) -> &str;
    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError>;
}
