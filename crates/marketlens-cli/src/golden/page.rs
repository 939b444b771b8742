//! The evaluation as one self-contained HTML page: the quality table, a bar per
//! variant for each rate, the findings and each case's figures. No script, no
//! stylesheet or font from elsewhere: it reads offline.

use marketlens_core::report::html::escape_html as esc;

use marketlens_core::golden::metrics::VariantMetrics;

use super::eval::{Evaluation, findings, quality_rows, timing_rows};

const STYLE: &str = "body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;\
padding:0 1rem;color:#1d2430}table{border-collapse:collapse;margin:1rem 0}\
th,td{border:1px solid #ccd3dd;padding:.3rem .6rem;text-align:right}\
th:first-child,td:first-child{text-align:left}thead th{background:#eef2f7}\
.bar{display:inline-block;height:.8rem;background:#3d7bd9;vertical-align:middle}\
.bad{color:#b3261e}small{color:#5b6675}li{margin:.2rem 0}";

/// The page (see the module).
pub fn render(e: &Evaluation) -> String {
    let header: Vec<String> = e.variants.iter().map(|v| esc(&v.variant)).collect();
    let mut s = String::new();
    s.push_str("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    s.push_str("<title>marketlens: golden set evaluation</title>");
    s.push_str(&format!("<style>{STYLE}</style></head><body>"));
    s.push_str(&format!(
        "<h1>Golden set evaluation</h1><p>{} cases, {} variant(s).</p>",
        e.cases,
        header.len()
    ));
    let table = |rows: &[(String, Vec<String>)]| {
        let mut t = format!(
            "<table><thead><tr><th>metric</th>{}</tr></thead><tbody>",
            header
                .iter()
                .map(|h| format!("<th>{h}</th>"))
                .collect::<String>()
        );
        for (label, values) in rows {
            t.push_str(&format!(
                "<tr><td>{}</td>{}</tr>",
                esc(label),
                values
                    .iter()
                    .map(|v| format!("<td>{}</td>", esc(v)))
                    .collect::<String>()
            ));
        }
        t + "</tbody></table>"
    };
    s.push_str("<h2>Quality</h2>");
    s.push_str(&table(&quality_rows(e)));
    s.push_str("<h2>Rates</h2>");
    for (name, get) in [
        (
            "grounding rate",
            (|m: &VariantMetrics| m.grounding_rate) as fn(&VariantMetrics) -> f64,
        ),
        ("key-point coverage", |m| m.key_point_coverage),
        ("invention rate", |m| m.invention_rate),
    ] {
        s.push_str(&format!("<h3>{name}</h3><table><tbody>"));
        for v in &e.variants {
            let value: f64 = get(v);
            s.push_str(&format!(
                "<tr><td>{}</td><td style=\"text-align:left;width:22rem;white-space:nowrap\">\
                 <span class=\"bar\" style=\"width:{:.1}rem\"></span> {value:.4}</td></tr>",
                esc(&v.variant),
                value.clamp(0.0, 1.0) * 16.0
            ));
        }
        s.push_str("</tbody></table>");
    }
    let found = findings(e);
    s.push_str("<h2>Findings</h2>");
    if found.is_empty() {
        s.push_str("<p>None: every key point stated, nothing invented or forbidden.</p>");
    } else {
        s.push_str("<ul>");
        for f in &found {
            s.push_str(&format!("<li class=\"bad\">{}</li>", esc(f)));
        }
        s.push_str("</ul>");
    }
    s.push_str("<h2>Cases</h2>");
    for v in &e.variants {
        s.push_str(&format!(
            "<h3>{}</h3><table><thead><tr><th>case</th><th>outcome</th><th>key points</th>\
             <th>claims</th><th>ungrounded</th><th>forbidden</th><th>clarity</th>\
             <th>latency ms</th></tr></thead><tbody>",
            esc(&v.variant)
        ));
        for r in e.runs.get(&v.variant).into_iter().flatten() {
            let (keys, claims, ungrounded, forbidden, clarity) = match &r.score {
                Some(sc) => (
                    format!(
                        "{}/{}",
                        sc.key_points as usize - sc.missing.len(),
                        sc.key_points
                    ),
                    sc.claims_checked.to_string(),
                    sc.ungrounded.len().to_string(),
                    sc.forbidden_stated.len().to_string(),
                    format!("{:.1} ({})", sc.readability.score, sc.language.code()),
                ),
                None => Default::default(),
            };
            let outcome = if r.outcome == r.expected {
                esc(&r.outcome)
            } else {
                format!(
                    "<span class=\"bad\">{} (expected {})</span>",
                    esc(&r.outcome),
                    esc(&r.expected)
                )
            };
            s.push_str(&format!(
                "<tr><td>{}</td><td>{outcome}</td><td>{keys}</td><td>{claims}</td>\
                 <td>{ungrounded}</td><td>{forbidden}</td><td>{clarity}</td><td>{:.0}</td></tr>",
                esc(&r.case),
                r.latency_ms
            ));
        }
        s.push_str("</tbody></table>");
        for r in e.runs.get(&v.variant).into_iter().flatten() {
            if r.text.is_empty() {
                continue;
            }
            s.push_str(&format!(
                "<details><summary>{}: the report's words</summary>",
                esc(&r.case)
            ));
            for t in &r.text {
                s.push_str(&format!(
                    "<p><small>{}</small> {}</p>",
                    esc(&t.field),
                    esc(&t.text)
                ));
            }
            s.push_str("</details>");
        }
    }
    s.push_str("<h2>Timing</h2><p><small>Varies between runs and machines; not compared with the baseline.</small></p>");
    s.push_str(&table(&timing_rows(e)));
    s.push_str("<h2>Tolerances</h2><table><thead><tr><th>metric</th><th>better</th><th>allowed change</th></tr></thead><tbody>");
    for t in &e.tolerances {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.metric),
            esc(&t.better),
            t.allowed
        ));
    }
    s.push_str("</tbody></table></body></html>\n");
    s
}
