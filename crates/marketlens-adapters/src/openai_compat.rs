//! [`OpenAiCompatClient`]: the `LlmClient` port over the OpenAI chat-completions
//! HTTP API, which OpenAI, Azure OpenAI (through its `/openai/v1` path), vLLM,
//! Ollama, llama.cpp's server and LM Studio all speak.
//!
//! Plain reqwest + serde rather than an SDK crate: the one endpoint needs a dozen
//! lines of JSON, reqwest (rustls, ring) is already the workspace's HTTP client for
//! S3, and owning the loop keeps the transport policy visible here:
//!
//! - each attempt is bounded by the configured timeout (connect, send and reading
//!   the whole answer);
//! - `429` waits its `Retry-After` (seconds or an HTTP date) and tries again, unless
//!   the wait is longer than the timeout: then the call fails `rate_limited` at once
//!   rather than hold an analysis; `5xx` and connection failures wait 0.5 s, 1 s, …;
//!   both at most `max_retries` times;
//! - the body is read in chunks and refused past `max_response_bytes`, before it is
//!   parsed, whatever `Content-Length` claims;
//! - a body that is not a chat-completions answer is `Malformed` (the answer's own
//!   content is validated by the stage, not here).

use std::time::Duration;

use async_trait::async_trait;
use marketlens_core::ports::{LlmClient, LlmError, LlmRequest, LlmResponse, ResponseFormat};
use serde::Deserialize;

/// Transport settings of one endpoint.
#[derive(Debug, Clone)]
pub struct OpenAiCompatSettings {
    /// Up to and without `/chat/completions`.
    pub base_url: String,
    /// Sent as `Authorization: Bearer …` when present.
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub max_retries: u32,
    pub max_response_bytes: u64,
}

pub struct OpenAiCompatClient {
    http: reqwest::Client,
    url: String,
    settings: OpenAiCompatSettings,
}

/// First wait after a 5xx or a failed connection; doubles with each retry.
const RETRY_BASE: Duration = Duration::from_millis(500);

impl OpenAiCompatClient {
    pub fn new(settings: OpenAiCompatSettings) -> Result<Self, LlmError> {
        // reqwest's rustls needs a process-wide crypto provider; the workspace's one
        // crypto stack is ring.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| LlmError::Unreachable(e.to_string()))?;
        let url = format!(
            "{}/chat/completions",
            settings.base_url.trim().trim_end_matches('/')
        );
        Ok(Self {
            http,
            url,
            settings,
        })
    }

    fn body(request: &LlmRequest) -> serde_json::Value {
        let mut body = serde_json::json!({
            "model": request.model,
            "messages": [
                {"role": "system", "content": request.system},
                {"role": "user", "content": request.user},
            ],
            "max_tokens": request.max_output_tokens,
            "temperature": request.temperature,
            "stream": false,
        });
        match &request.response_format {
            ResponseFormat::JsonSchema { name, schema } => {
                body["response_format"] = serde_json::json!({
                    "type": "json_schema",
                    "json_schema": {"name": name, "strict": true, "schema": schema},
                });
            }
            ResponseFormat::JsonObject => {
                body["response_format"] = serde_json::json!({"type": "json_object"});
            }
            ResponseFormat::Text => {}
        }
        body
    }

    /// One attempt: the answer, or the error with how long to wait before a retry
    /// (`None`: do not retry).
    async fn attempt(
        &self,
        body: &serde_json::Value,
    ) -> Result<LlmResponse, (LlmError, Option<Duration>)> {
        let mut req = self.http.post(&self.url).json(body);
        if let Some(key) = &self.settings.api_key {
            req = req.bearer_auth(key);
        }
        let timeout = self.settings.timeout;
        let transport = |e: reqwest::Error| {
            if e.is_timeout() {
                (LlmError::Timeout(timeout), None)
            } else {
                (
                    LlmError::Unreachable(e.without_url().to_string()),
                    Some(RETRY_BASE),
                )
            }
        };
        let mut resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        if status.as_u16() == 429 {
            let retry_after = retry_after(resp.headers());
            return Err((
                LlmError::RateLimited { retry_after },
                retry_after.or(Some(RETRY_BASE)),
            ));
        }
        let limit = self.settings.max_response_bytes;
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err((LlmError::TooLarge { limit }, None));
        }
        let mut bytes: Vec<u8> = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(transport)? {
            if bytes.len() as u64 + chunk.len() as u64 > limit {
                return Err((LlmError::TooLarge { limit }, None));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status.is_server_error() {
            return Err((
                LlmError::Server {
                    status: status.as_u16(),
                },
                Some(RETRY_BASE),
            ));
        }
        if !status.is_success() {
            let message: String = String::from_utf8_lossy(&bytes).chars().take(300).collect();
            return Err((
                LlmError::Refused {
                    status: status.as_u16(),
                    message,
                },
                None,
            ));
        }
        parse_answer(&bytes).map_err(|e| (e, None))
    }
}

#[async_trait]
impl LlmClient for OpenAiCompatClient {
    fn endpoint(&self) -> &str {
        &self.url
    }

    async fn complete(&self, request: &LlmRequest) -> Result<LlmResponse, LlmError> {
        let body = Self::body(request);
        let mut backoff = RETRY_BASE;
        let mut retries = 0;
        loop {
            let (err, wait) = match self.attempt(&body).await {
                Ok(answer) => return Ok(answer),
                Err(failed) => failed,
            };
            // A wait longer than a whole call would hold the analysis for nothing.
            let wait = match wait {
                Some(w) if retries < self.settings.max_retries && w <= self.settings.timeout => {
                    if matches!(err, LlmError::RateLimited { .. }) {
                        w
                    } else {
                        backoff
                    }
                }
                _ => return Err(err),
            };
            tracing::info!(endpoint = %self.url, error = %err, wait_ms = wait.as_millis() as u64, "LLM call failed; retrying");
            tokio::time::sleep(wait).await;
            backoff *= 2;
            retries += 1;
        }
    }
}

/// `Retry-After` as seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

#[derive(Deserialize)]
struct Answer {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Message,
}

#[derive(Deserialize)]
struct Message {
    content: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
}

fn parse_answer(bytes: &[u8]) -> Result<LlmResponse, LlmError> {
    let answer: Answer =
        serde_json::from_slice(bytes).map_err(|e| LlmError::Malformed(e.to_string()))?;
    let content = answer
        .choices
        .into_iter()
        .next()
        .and_then(|c| c.message.content)
        .ok_or_else(|| LlmError::Malformed("no choice with a message content".into()))?;
    let usage = answer.usage.unwrap_or(Usage {
        prompt_tokens: 0,
        completion_tokens: 0,
    });
    Ok(LlmResponse {
        content,
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: usage.completion_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_gives_its_content_and_token_counts() {
        let a = parse_answer(
            br#"{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"{}"}}],
                "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#,
        )
        .unwrap();
        assert_eq!(
            (a.content.as_str(), a.prompt_tokens, a.completion_tokens),
            ("{}", 12, 3)
        );
        for bad in [
            &b"not json"[..],
            br#"{"choices":[]}"#,
            br#"{"choices":[{"message":{"content":null}}]}"#,
        ] {
            assert!(matches!(parse_answer(bad), Err(LlmError::Malformed(_))));
        }
    }

    #[test]
    fn the_request_carries_the_schema_only_when_asked() {
        let mut r = LlmRequest {
            model: "m".into(),
            system: "s".into(),
            user: "u".into(),
            max_output_tokens: 10,
            temperature: 0.0,
            response_format: ResponseFormat::JsonSchema {
                name: "summary".into(),
                schema: serde_json::json!({"type": "object"}),
            },
        };
        let b = OpenAiCompatClient::body(&r);
        assert_eq!(b["response_format"]["json_schema"]["strict"], true);
        assert_eq!(b["messages"][1]["content"], "u");
        r.response_format = ResponseFormat::Text;
        assert!(
            OpenAiCompatClient::body(&r)
                .get("response_format")
                .is_none()
        );
    }
}
