//! Section `traceability`: what reproduces the result (versions, config hash, ids).

use crate::report::html::view::{TraceView, kv};
use crate::result::AnalysisResult;

pub fn trace_view(r: &AnalysisResult) -> TraceView {
    let t = &r.traceability;
    let mut figures = vec![
        kv("marketlens-core version", t.crate_version.clone()),
        kv("Git commit", t.git_sha.clone()),
        kv("Agent config version", t.agent_config_version.to_string()),
        kv("Agent config hash", t.agent_config_hash.clone()),
    ];
    if let Some(v) = &t.trace_id {
        figures.push(kv("Trace id", v.clone()));
    }
    if let Some(v) = &t.prompt_version {
        figures.push(kv("Prompt version", v.clone()));
    }
    if let Some(v) = &t.model {
        figures.push(kv("Model", v.clone()));
    }
    figures.push(kv("Query id", r.query_id.to_string()));
    figures.push(kv("Fingerprint", r.fingerprint.to_string()));
    figures.push(kv("Result schema version", r.schema_version.to_string()));
    TraceView { figures }
}
