//! A local OpenAI-compatible chat-completions server for the LLM stage's tests — the
//! only stand-in the tests use: a real axum server on a random port, spoken to over
//! real HTTP by the real client. Each test scripts what each model answers, in
//! order; the server records every request it was sent.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use marketlens_core::config::DEFAULT_AGENT_TOML;

/// One scripted answer.
#[derive(Clone)]
pub enum Reply {
    /// A chat-completions answer whose message content is built from the request's
    /// input (the figures the stage sent), with these token counts.
    Content {
        content: fn(&serde_json::Value) -> String,
        prompt_tokens: u64,
        completion_tokens: u64,
    },
    /// Any status, headers and body, as is.
    Raw {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Waits, then answers.
    After(Duration, Box<Reply>),
    /// `200` and the start of a body at once, then nothing for this long (a stream
    /// that stalls), then the rest.
    Stalls(Duration),
}

#[derive(Default)]
struct Script {
    replies: HashMap<String, VecDeque<Reply>>,
    requests: Vec<serde_json::Value>,
}

#[derive(Clone)]
pub struct LlmServer {
    pub base_url: String,
    script: Arc<Mutex<Script>>,
    server: Arc<tokio::task::JoinHandle<()>>,
}

impl LlmServer {
    pub async fn start() -> LlmServer {
        let script = Arc::new(Mutex::new(Script::default()));
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(answer))
            .with_state(script.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        LlmServer {
            base_url,
            script,
            server: Arc::new(server),
        }
    }

    /// Queues `replies` for `model`, answered in order (a model with none left
    /// answers 404).
    pub fn script(&self, model: &str, replies: impl IntoIterator<Item = Reply>) {
        self.script
            .lock()
            .unwrap()
            .replies
            .entry(model.to_owned())
            .or_default()
            .extend(replies);
    }

    /// Every request body received, in order.
    pub fn requests(&self) -> Vec<serde_json::Value> {
        self.script.lock().unwrap().requests.clone()
    }

    /// The models of the requests received, in order.
    pub fn models_called(&self) -> Vec<String> {
        self.requests()
            .iter()
            .map(|r| r["model"].as_str().unwrap_or("").to_owned())
            .collect()
    }
}

async fn answer(
    State(script): State<Arc<Mutex<Script>>>,
    Json(body): Json<serde_json::Value>,
) -> Response {
    let model = body["model"].as_str().unwrap_or("").to_owned();
    let reply = {
        let mut s = script.lock().unwrap();
        s.requests.push(body.clone());
        s.replies.get_mut(&model).and_then(VecDeque::pop_front)
    };
    let Some(reply) = reply else {
        return (
            StatusCode::NOT_FOUND,
            format!("no reply scripted for {model}"),
        )
            .into_response();
    };
    let input = stage_input(&body);
    render(reply, &input).await
}

fn render(
    reply: Reply,
    input: &serde_json::Value,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send + '_>> {
    Box::pin(async move {
        match reply {
            Reply::Content {
                content,
                prompt_tokens,
                completion_tokens,
            } => Json(serde_json::json!({
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content(input)}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens}
            }))
            .into_response(),
            Reply::Raw {
                status,
                headers,
                body,
            } => {
                let mut map = HeaderMap::new();
                for (k, v) in headers {
                    map.insert(k, v.parse().unwrap());
                }
                (StatusCode::from_u16(status).unwrap(), map, body).into_response()
            }
            Reply::Stalls(wait) => {
                let parts = futures::stream::unfold(0u8, move |step| async move {
                    match step {
                        0 => Some((Ok::<_, std::io::Error>("{\"choices\": [".to_owned()), 1)),
                        1 => {
                            tokio::time::sleep(wait).await;
                            Some((Ok("]}".to_owned()), 2))
                        }
                        _ => None,
                    }
                });
                (
                    [("content-type", "application/json")],
                    axum::body::Body::from_stream(parts),
                )
                    .into_response()
            }
            Reply::After(wait, then) => {
                tokio::time::sleep(wait).await;
                render(*then, input).await
            }
        }
    })
}

/// The stage's input: the JSON the prompt embeds in the user message.
fn stage_input(body: &serde_json::Value) -> serde_json::Value {
    let user = body["messages"][1]["content"].as_str().unwrap_or("");
    let Some(start) = user.find('{') else {
        return serde_json::Value::Null;
    };
    serde_json::Deserializer::from_str(&user[start..])
        .into_iter::<serde_json::Value>()
        .next()
        .and_then(Result::ok)
        .unwrap_or(serde_json::Value::Null)
}

/// An answer of the right shape: `summary` as the paragraph, a plain explanation
/// per recommendation of the input, one key point.
pub fn shaped(input: &serde_json::Value, summary: &str) -> String {
    let count = input["recommendations"].as_array().map_or(0, Vec::len);
    let recommendations: Vec<serde_json::Value> = (0..count)
        .map(|i| serde_json::json!({"index": i, "explanation": "This follows from the figures listed."}))
        .collect();
    serde_json::json!({
        "summary": [summary],
        "recommendations": recommendations,
        "key_points": ["Compare the offers before buying."]
    })
    .to_string()
}

/// A grounded answer: the input's own offer count and median price, in the
/// language the input asks for (English or French).
pub fn grounded(input: &serde_json::Value) -> String {
    let s = &input["statistics"];
    let (offers, median, currency) = (
        &s["offer_count"],
        s["price"]["median"].as_f64().unwrap_or(0.0),
        input["currency"].as_str().unwrap_or(""),
    );
    let summary = match input["language"].as_str() {
        Some("fr") => format!(
            "{offers} offres ont été comparées ; le prix médian est de {median:.2} {currency}."
        ),
        _ => format!("{offers} offers were compared; the median price is {median:.2} {currency}."),
    };
    shaped(input, &summary)
}

/// A grounded answer that opens a sentence with a brand the result does not hold.
pub fn invents_a_brand(input: &serde_json::Value) -> String {
    shaped(
        input,
        "Prices vary between shops. Grado offers the best value.",
    )
}

/// A judge's verdict: coherent, clear, consistent with the figures.
pub fn judge_approves(_input: &serde_json::Value) -> String {
    serde_json::json!({
        "coherence": 4, "clarity": 5,
        "rationale": "States the offer count and the median plainly.",
        "consistent_with_figures": true, "inconsistencies": []
    })
    .to_string()
}

/// A judge's verdict finding a statement inconsistent with the figures.
pub fn judge_objects(_input: &serde_json::Value) -> String {
    serde_json::json!({
        "coherence": 2, "clarity": 3,
        "rationale": "The conclusion does not follow from the figures.",
        "consistent_with_figures": false,
        "inconsistencies": ["the median is called typical of every shop"]
    })
    .to_string()
}

/// An answer that invents a price.
pub fn invents_a_price(input: &serde_json::Value) -> String {
    shaped(input, "The cheapest offer costs 1.23 EUR, a bargain.")
}

pub fn ok(content: fn(&serde_json::Value) -> String) -> Reply {
    Reply::Content {
        content,
        prompt_tokens: 1_000,
        completion_tokens: 500,
    }
}

pub fn status(status: u16, headers: Vec<(&'static str, String)>, body: &str) -> Reply {
    Reply::Raw {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The built-in configuration with `[llm]` on, pointed at `server`, its models `small`
/// and `large`; `extra` lines override settings.
pub fn agent_toml_with_llm(server: &LlmServer, small: &str, large: &str, extra: &str) -> String {
    // Defaults first: `extra` may end with a sub-table (`[llm.prompt]`).
    let mut defaults = String::new();
    for (key, default) in [("timeout_secs", "5"), ("max_retries", "1")] {
        if !extra.contains(key) {
            defaults.push_str(&format!("{key} = {default}\n"));
        }
    }
    let extra = format!("{defaults}{extra}");
    let start = DEFAULT_AGENT_TOML.find("\n[llm]\n").unwrap();
    let end = DEFAULT_AGENT_TOML.find("\n# Sources are queried").unwrap();
    let llm = format!(
        r#"
[llm]
enabled = true
base_url = "{}"
api_key_env = ""
small_model = "{small}"
large_model = "{large}"
{extra}
[llm.prices."{small}"]
input_per_million_usd = 0.15
output_per_million_usd = 0.6
[llm.prices."{large}"]
input_per_million_usd = 2.5
output_per_million_usd = 10.0
"#,
        server.base_url
    );
    format!(
        "{}{llm}{}",
        &DEFAULT_AGENT_TOML[..start],
        &DEFAULT_AGENT_TOML[end..]
    )
}
