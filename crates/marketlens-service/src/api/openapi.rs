//! The OpenAPI 3.1 document of the API (`GET /openapi.json`), derived from the
//! handlers' `#[utoipa::path]` attributes and the request and response types.
//!
//! Error bodies are written once (`ErrorBody`) in the attributes; [`document`] then
//! gives each error status its own schema whose `error_type` lists exactly the words
//! [`status_for`] maps to that status, so the document cannot disagree with the
//! errors the API sends. `tests/openapi.rs` checks that every route of the router is
//! in the document and the other way round.
//!
//! Security is added the same way, from the guard's own rule
//! ([`required_scope`](crate::access::guard::required_scope)): every operation that
//! needs a key gets the `bearer` security scheme and its `401`, `403` and `429`
//! answers, so the document lists exactly the routes the guard protects.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use marketlens_core::ErrorType;
use serde_json::{Value, json};
use utoipa::{OpenApi, PartialSchema};

use super::error::{ErrorBody, ErrorDetail, status_for};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "marketlens API",
        description = "Market analyses of e-commerce product queries: submit a query, follow its stages, read the result (JSON) and the report (HTML).",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        super::handlers::create_analysis,
        super::handlers::list_analyses,
        super::handlers::get_analysis,
        super::events::analysis_events,
        super::options::analysis_options,
        super::handlers::get_result,
        super::handlers::get_report,
        super::feedback::post_feedback,
        super::feedback::feedback_summary,
        super::admin::activate_config,
        super::admin::config_history,
        super::handlers::healthz,
        super::handlers::readyz,
        crate::metrics::metrics_handler,
        crate::metrics::stats_handler,
        super::experiments::create,
        super::experiments::list,
        super::experiments::start,
        super::experiments::stop,
        super::experiments::results,
        openapi_json,
        super::docs::docs_page,
        super::ui::index,
        super::ui::ui_file,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    tags(
        (name = "analyses", description = "Submit analyses and read their status, result and report."),
        (name = "feedback", description = "Users' feedback on analyses and its sums."),
        (name = "admin", description = "Agent configuration versions: activate one, list them."),
        (name = "operations", description = "Health, readiness, metrics and statistics."),
        (name = "experiments", description = "A/B experiments: create, start, stop, and compare their variants."),
        (name = "documentation", description = "This document and its page."),
        (name = "ui", description = "The web UI: its page and files."),
    )
)]
struct ApiDoc;

const ERROR_BODY_REF: &str = "#/components/schemas/ErrorBody";

/// Every `error_type` word, from the derived schema of [`ErrorType`].
pub fn all_error_types() -> Vec<ErrorType> {
    let schema = serde_json::to_value(ErrorType::schema()).unwrap_or(Value::Null);
    schema["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().and_then(ErrorType::parse))
        .collect()
}

/// The schema name of the error body sent with `status`.
fn error_schema_name(status: &str) -> String {
    format!("Error{status}")
}

/// The document as JSON, built once.
pub fn document() -> &'static Value {
    static DOCUMENT: OnceLock<Value> = OnceLock::new();
    DOCUMENT.get_or_init(build_document)
}

fn build_document() -> Value {
    let mut doc = ApiDoc::openapi();
    doc.info.version = crate::CRATE_VERSION.to_owned();
    let mut doc = serde_json::to_value(doc).expect("the OpenAPI document serialises");
    add_security(&mut doc);

    // Error types by the status they are sent with.
    let mut by_status: BTreeMap<String, Vec<&'static str>> = BTreeMap::new();
    for t in all_error_types() {
        by_status
            .entry(status_for(t).as_u16().to_string())
            .or_default()
            .push(t.as_str());
    }

    // Sent with another status than its usual one by one route: a configuration
    // posted to `/v1/admin/agent-configs` is the caller's input, so `invalid_config`
    // there is a 422, not the 500 of a broken configuration at start-up.
    let words = by_status.entry("422".to_owned()).or_default();
    if !words.contains(&ErrorType::InvalidConfig.as_str()) {
        words.push(ErrorType::InvalidConfig.as_str());
    }

    // Each error response refers to its status's schema.
    let mut used = BTreeMap::new();
    if let Some(paths) = doc["paths"].as_object_mut() {
        for item in paths.values_mut() {
            let Some(operations) = item.as_object_mut() else {
                continue;
            };
            for operation in operations.values_mut() {
                let Some(responses) = operation["responses"].as_object_mut() else {
                    continue;
                };
                for (status, response) in responses.iter_mut() {
                    // Looked up with `pointer_mut`: indexing would insert what is missing.
                    let Some(schema) = response.pointer_mut("/content/application~1json/schema")
                    else {
                        continue;
                    };
                    if schema["$ref"] == ERROR_BODY_REF {
                        let name = error_schema_name(status);
                        *schema = json!({ "$ref": format!("#/components/schemas/{name}") });
                        used.insert(name, status.clone());
                    }
                }
            }
        }
    }
    let schemas = &mut doc["components"]["schemas"];
    for (name, status) in used {
        let words = by_status.get(&status).cloned().unwrap_or_default();
        schemas[name] = json!({
            "description": format!("An error sent with HTTP {status}."),
            "allOf": [
                { "$ref": ERROR_BODY_REF },
                {
                    "type": "object",
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": { "error_type": { "type": "string", "enum": words } }
                        }
                    }
                }
            ]
        });
    }
    doc
}

/// The OpenAPI 3.1 document of this API.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "documentation",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        axum::Json(document()),
    )
        .into_response()
}

/// The `bearer` scheme, and on each protected operation its requirement and the
/// guard's refusals (see the module's documentation).
fn add_security(doc: &mut Value) {
    doc["components"]["securitySchemes"]["bearer"] = json!({
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`mlk_…`) made with `marketlens keys create`, sent as \
            `Authorization: Bearer <key>`. Its scopes: `read` (analyses, results, reports, \
            history, sums), `write` (submit analyses and feedback), `admin` (experiments, \
            agent configurations, `/metrics`, `/v1/stats`).",
    });
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in operations.iter_mut() {
            let Ok(method) = axum::http::Method::from_bytes(method.to_ascii_uppercase().as_bytes())
            else {
                continue;
            };
            // The document's `{id}` stands for any segment, as the router's does.
            let Some(scope) = crate::access::guard::required_scope(&method, path) else {
                continue;
            };
            operation["security"] = json!([{ "bearer": [] }]);
            let refusals = [
                (
                    "401",
                    "No API key, or one that is unknown, revoked or expired (`unauthorized`)"
                        .to_owned(),
                ),
                (
                    "403",
                    format!("The API key lacks the `{scope}` scope (`forbidden`)"),
                ),
                (
                    "429",
                    "The API key's rate limit is reached (`rate_limited`); `Retry-After` says \
                     when to try again"
                        .to_owned(),
                ),
            ];
            let Some(responses) = operation["responses"].as_object_mut() else {
                continue;
            };
            for (status, description) in refusals {
                responses.entry(status).or_insert_with(|| {
                    json!({
                        "description": description,
                        "content": {
                            "application/json": { "schema": { "$ref": ERROR_BODY_REF } }
                        }
                    })
                });
            }
        }
    }
}
