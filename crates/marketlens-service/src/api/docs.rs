//! `GET /docs`: the OpenAPI document as a page, rendered here from
//! [`openapi::document`](super::openapi::document): every route with its parameters,
//! request body and responses, the error types by status, and every schema.
//!
//! Rendered on the server, with its style inline: no script, no asset to fetch, no
//! CDN, so the page reads the same offline, in any browser, without JavaScript (and its
//! CSP forbids every load). Every string from the document is escaped.

use std::fmt::Write;
use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use marketlens_core::report::html::escape_html as escape;
use serde_json::Value;

use super::openapi::document;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

const STYLE: &str = "
body{font-family:system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#1a1a1a;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
nav ul{columns:2;padding-left:1.2rem}
.route{border:1px solid #ccc;border-radius:6px;margin:1rem 0;padding:.6rem .8rem}
.route h3{margin:.2rem 0;font-family:ui-monospace,monospace;font-size:1.05rem}
.method{display:inline-block;min-width:4rem;text-align:center;border-radius:4px;color:#fff;background:#2f5d8a;padding:0 .4rem;margin-right:.4rem}
.method-post{background:#1f6f43}.method-delete{background:#9b1c1c}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{border:1px solid #ddd;padding:.25rem .45rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}code{font-family:ui-monospace,monospace}
.schema{margin:1rem 0}
td,nav li{overflow-wrap:anywhere}
@media (max-width:40rem){nav ul{columns:1}body{padding:.6rem}th,td{padding:.2rem .3rem}}
";

/// The page, built once from the document.
pub fn page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| render(document()))
}

/// The API documentation, rendered from `/openapi.json`.
#[utoipa::path(
    get,
    path = "/docs",
    tag = "documentation",
    responses((status = 200, description = "The API documentation page (HTML, no script, no external resource)", content_type = "text/html", body = String))
)]
pub async fn docs_page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        page(),
    )
        .into_response()
}

/// Prose from the document: escaped, with its `code spans` as `<code>`.
fn prose(s: &str) -> String {
    escape(s)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

/// An element id made of the characters ids and fragments keep as they are.
fn anchor(prefix: &str, name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("{prefix}-{cleaned}")
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or("")
}

/// A schema's type in a few words, with a link for each referenced schema.
fn type_label(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        return format!(
            "<a href=\"#{}\">{}</a>",
            anchor("schema", name),
            escape(name)
        );
    }
    for combinator in ["oneOf", "anyOf", "allOf"] {
        if let Some(items) = schema[combinator].as_array() {
            let separator = if combinator == "allOf" {
                " and "
            } else {
                " or "
            };
            return items
                .iter()
                .map(type_label)
                .collect::<Vec<_>>()
                .join(separator);
        }
    }
    let types: Vec<String> = match &schema["type"] {
        Value::String(t) => vec![t.clone()],
        Value::Array(ts) => ts
            .iter()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    let mut parts = Vec::new();
    for t in types {
        let label = match t.as_str() {
            "array" => format!("array of {}", type_label(&schema["items"])),
            "object" if schema["additionalProperties"].is_object() => {
                format!("map of {}", type_label(&schema["additionalProperties"]))
            }
            // The format belongs to the value's type, not to `null`.
            "null" => "null".to_owned(),
            _ => match schema["format"].as_str() {
                Some(format) => format!("{} ({})", escape(&t), escape(format)),
                None => escape(&t),
            },
        };
        parts.push(label);
    }
    if let Some(values) = schema["enum"].as_array() {
        let words: Vec<String> = values
            .iter()
            .map(|v| format!("<code>{}</code>", escape(&v.to_string())))
            .collect();
        parts.push(format!("one of {}", words.join(", ")));
    }
    if parts.is_empty() {
        "any".to_owned()
    } else {
        parts.join(" or ")
    }
}

fn render(doc: &Value) -> String {
    let mut html = String::new();
    let title = escape(text(&doc["info"], "title"));
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head><body><main>\
         <h1>{title}</h1><p>Version {} · OpenAPI {} · the document: <a href=\"/openapi.json\"><code>/openapi.json</code></a></p><p>{}</p>",
        escape(text(&doc["info"], "version")),
        escape(text(doc, "openapi")),
        prose(text(&doc["info"], "description")),
    );

    let empty = serde_json::Map::new();
    let paths = doc["paths"].as_object().unwrap_or(&empty);
    let operations: Vec<(&str, &str, &Value)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item[**m].is_object())
                .map(move |m| (path.as_str(), *m, &item[*m]))
        })
        .collect();

    html.push_str("<nav aria-labelledby=\"routes-title\"><h2 id=\"routes-title\">Routes</h2><ul id=\"route-list\">");
    for (path, method, _) in &operations {
        let (id, method, path) = route_names(path, method);
        let _ = write!(
            html,
            "<li><a href=\"#{id}\"><code>{method} {path}</code></a></li>"
        );
    }
    html.push_str("</ul></nav><section aria-labelledby=\"operations-title\"><h2 id=\"operations-title\">Operations</h2>");
    for (path, method, operation) in &operations {
        render_operation(&mut html, path, method, operation);
    }
    html.push_str("</section>");

    render_error_types(&mut html, doc);

    html.push_str(
        "<section aria-labelledby=\"schemas-title\"><h2 id=\"schemas-title\">Schemas</h2>",
    );
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            render_schema(&mut html, name, schema);
        }
    }
    html.push_str("</section></main></body></html>");
    html
}

/// A route's anchor in the page, and its method and path as shown.
fn route_names(path: &str, method: &str) -> (String, String, String) {
    (
        anchor("route", &format!("{method}-{path}")),
        method.to_uppercase(),
        escape(path),
    )
}

fn render_operation(html: &mut String, path: &str, method: &str, operation: &Value) {
    let (id, shown_method, shown_path) = route_names(path, method);
    let _ = write!(
        html,
        "<article class=\"route\" id=\"{id}\"><h3><span class=\"method method-{method}\">{shown_method}</span>{shown_path}</h3>"
    );
    for key in ["summary", "description"] {
        if let Some(s) = operation[key].as_str() {
            let _ = write!(html, "<p>{}</p>", prose(s));
        }
    }
    if let Some(parameters) = operation["parameters"].as_array() {
        html.push_str("<table><caption>Parameters</caption><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>");
        for p in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(text(p, "name")),
                escape(text(p, "in")),
                type_label(&p["schema"]),
                if p["required"] == true { "yes" } else { "no" },
                prose(text(p, "description"))
            );
        }
        html.push_str("</table>");
    }
    if let Some(content) = operation["requestBody"]["content"].as_object() {
        for (media, body) in content {
            let _ = write!(
                html,
                "<p>Request body (<code>{}</code>): {}</p>",
                escape(media),
                type_label(&body["schema"])
            );
        }
    }
    if let Some(responses) = operation["responses"].as_object() {
        html.push_str("<table><caption>Responses</caption><tr><th>status</th><th>description</th><th>body</th></tr>");
        for (status, response) in responses {
            let body = response["content"]
                .as_object()
                .map(|content| {
                    content
                        .iter()
                        .map(|(media, c)| {
                            format!(
                                "<code>{}</code>: {}",
                                escape(media),
                                type_label(&c["schema"])
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("<br>")
                })
                .unwrap_or_default();
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                prose(text(response, "description")),
                body
            );
        }
        html.push_str("</table>");
    }
    html.push_str("</article>");
}

/// The `error_type` words of each error status, from the per-status error schemas.
fn render_error_types(html: &mut String, doc: &Value) {
    html.push_str(
        "<section aria-labelledby=\"errors-title\"><h2 id=\"errors-title\">Errors</h2>\
        <p>Every error is <code>{\"error\": {\"error_type\", \"message\", \"field\"}}</code>; \
        <code>field</code> names the request field at fault.</p>\
        <table id=\"error-types\"><tr><th>status</th><th><code>error_type</code></th></tr>",
    );
    if let Some(schemas) = doc["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let Some(status) = name
                .strip_prefix("Error")
                .filter(|s| s.parse::<u16>().is_ok())
            else {
                continue;
            };
            let words =
                schema["allOf"][1]["properties"]["error"]["properties"]["error_type"]["enum"]
                    .as_array()
                    .map(|words| {
                        words
                            .iter()
                            .filter_map(Value::as_str)
                            .map(|w| format!("<code>{}</code>", escape(w)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
            let _ = write!(html, "<tr><td>{}</td><td>{words}</td></tr>", escape(status));
        }
    }
    html.push_str("</table></section>");
}

fn render_schema(html: &mut String, name: &str, schema: &Value) {
    let _ = write!(
        html,
        "<div class=\"schema\" id=\"{}\"><h3><code>{}</code></h3>",
        anchor("schema", name),
        escape(name)
    );
    if let Some(d) = schema["description"].as_str() {
        let _ = write!(html, "<p>{}</p>", prose(d));
    }
    let properties = schema["properties"].as_object();
    match properties {
        Some(properties) => {
            let required: Vec<&str> = schema["required"]
                .as_array()
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            html.push_str(
                "<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>",
            );
            for (field, property) in properties {
                let _ = write!(
                    html,
                    "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    escape(field),
                    type_label(property),
                    if required.contains(&field.as_str()) {
                        "yes"
                    } else {
                        "no"
                    },
                    prose(text(property, "description"))
                );
            }
            html.push_str("</table>");
        }
        None => {
            let _ = write!(html, "<p>{}</p>", type_label(schema));
        }
    }
    html.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn text_from_the_document_is_escaped_and_code_spans_marked() {
        let doc = json!({
            "openapi": "3.1.0",
            "info": {"title": "<b>t</b>", "version": "1", "description": "use `a<b>` here"},
            "paths": {"/x/{id}": {"get": {
                "description": "<script>alert(1)</script>",
                "responses": {"200": {"description": "\"ok\" & fine"}}
            }}},
            "components": {"schemas": {"S": {"type": "object", "properties": {
                "n": {"type": ["number", "null"], "format": "double", "description": "<img src=x onerror=alert(1)>"}
            }}}}
        });
        let html = render(&doc);
        assert!(!html.contains("<script>") && !html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&lt;b&gt;t&lt;/b&gt;"));
        assert!(html.contains("use <code>a&lt;b&gt;</code> here"));
        assert!(html.contains("&quot;ok&quot; &amp; fine"));
        assert!(html.contains("number (double) or null<"), "{html}");
        assert!(html.contains("<code>GET /x/{id}</code>"));
        assert!(html.contains("id=\"route-get--x--id-\""));
    }
}
