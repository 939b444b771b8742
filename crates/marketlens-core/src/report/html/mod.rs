//! Stage `generate_report`: the HTML rendering of a result.
//!
//! The report is one self-contained HTML file: inline `<style>`, inline SVG charts, no
//! script, no external resource. A restrictive Content-Security-Policy `<meta>` backs
//! that up.
//!
//! Rendering is in two steps. [`ReportView::build`] turns the result into a view model
//! made only of strings and numbers (figures formatted, chart geometry computed, every
//! number finite); the askama template `templates/report.html` lays it out. Text that
//! comes from data (titles, shops, reviews, URLs, errors) stays raw in the view and is
//! HTML-escaped by askama when written: the template never marks anything `|safe`.
//! Offer URLs become links only when they are `http://` or `https://` URLs.
//!
//! Where things are: [`view`] is the view model (one type per block of the page, in
//! the order of the template), [`sections`] holds one module per report section that
//! builds its part of it, [`charts`] computes the SVG geometry and [`format`] writes
//! the figures. The view types are plain data for the template; their modules are
//! private to the renderer.

mod charts;
mod format;
mod sections;
mod view;

use askama::Template;

use crate::result::AnalysisResult;
use format::fmt_datetime;
use sections::generated::generated_view;
use sections::market::market_view;
use sections::normalization::normalization_view;
use sections::products::product_view;
use sections::quality::quality_view;
use sections::recommendations::recommendation_view;
use sections::sentiment::sentiment_view;
use sections::sources::source_row;
use sections::summary::{banners, params_view};
use sections::trace::trace_view;
use view::{ProductIndex, ReportView};

/// Renders the report. Never panics: if the template fails to render, a minimal
/// (escaped) page that says so is returned instead.
pub fn render_html(result: &AnalysisResult) -> String {
    try_render_html(result).unwrap_or_else(|e| fallback_page(result, &e.to_string()))
}

/// Renders the report, returning the template error if there is one.
pub fn try_render_html(result: &AnalysisResult) -> Result<String, askama::Error> {
    ReportPage {
        v: ReportView::build(result),
    }
    .render()
}

/// The page shown when the template cannot be rendered.
fn fallback_page(result: &AnalysisResult, error: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">\
         <title>marketlens report</title></head><body>\
         <h1>marketlens report: {}</h1>\
         <p>The full report could not be rendered: {}</p>\
         <p>Fingerprint {} &middot; generated {}</p></body></html>\n",
        escape_html(&result.query),
        escape_html(error),
        escape_html(result.fingerprint.as_str()),
        escape_html(&fmt_datetime(result)),
    )
}

/// Escapes text for HTML element content and quoted attribute values (for pages
/// written without the template: the fallback page, the demo shop).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    v: ReportView,
}

impl ReportView {
    fn build(r: &AnalysisResult) -> Self {
        let currency = r.market.currency.to_string();
        let products = ProductIndex::new(&r.products);
        ReportView {
            query: r.query.clone(),
            normalized_query: r.normalized_query.clone(),
            query_id: r.query_id.to_string(),
            fingerprint: r.fingerprint.to_string(),
            generated: fmt_datetime(r),
            params: params_view(r),
            banners: banners(r),
            narrative: r.narrative.clone(),
            narrative_language: r.narrative_language.code(),
            generated_text: generated_view(r),
            recommendations: r
                .recommendations
                .iter()
                .map(|rec| recommendation_view(rec, &products))
                .collect(),
            market: market_view(&r.market, &products),
            sentiment: sentiment_view(&r.sentiment, &products, r.market.min_sample_size),
            products: r
                .products
                .iter()
                .map(|p| product_view(p, &r.sentiment, &currency))
                .collect(),
            sources: r.sources.iter().map(source_row).collect(),
            normalization: normalization_view(&r.normalization, &r.products, &products),
            quality: quality_view(&r.quality),
            trace: trace_view(r),
        }
    }
}

#[cfg(test)]
mod tests;
