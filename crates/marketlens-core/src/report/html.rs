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

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use rust_decimal::Decimal;

use super::{AnalysisResult, SourceOutcome, SourceStatus};
use crate::analysis::history::{DailyPrices, PriceHistory};
use crate::analysis::market::{GroupStats, MarketSummary, PriceBin, RatingSummary};
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{Availability, Money, Product};
use crate::normalize::NormalizationSummary;
use crate::recommend::RecommendationKind;

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

/// Escapes text for HTML element content and quoted attribute values.
fn escape_html(s: &str) -> String {
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

// ---------------------------------------------------------------------------------
// View model
// ---------------------------------------------------------------------------------

/// A label and an already formatted value.
struct Kv {
    label: String,
    value: String,
}

fn kv(label: impl Into<String>, value: impl Into<String>) -> Kv {
    Kv {
        label: label.into(),
        value: value.into(),
    }
}

/// A reference to a product: a link to its row when it is in the report.
struct ProductRef {
    id: String,
    /// Fragment target (`p-…`) when the product is listed in the report.
    anchor: Option<String>,
    title: Option<String>,
}

struct Banner {
    /// CSS modifier: `notice`, `stale`, `fallback`, `failed`, `quality`.
    class: &'static str,
    heading: String,
    text: String,
}

struct ReportView {
    query: String,
    normalized_query: String,
    query_id: String,
    fingerprint: String,
    generated: String,
    params: Vec<Kv>,
    banners: Vec<Banner>,
    narrative: Vec<String>,
    recommendations: Vec<RecommendationView>,
    market: MarketView,
    sentiment: SentimentView,
    products: Vec<ProductView>,
    sources: Vec<SourceRow>,
    normalization: NormalizationView,
    quality: QualityView,
    trace: TraceView,
}

struct RecommendationView {
    kind: &'static str,
    title: String,
    detail: String,
    rule: String,
    figures: Vec<Kv>,
    thresholds: Vec<Kv>,
    products: Vec<ProductRef>,
}

struct MarketView {
    currency: String,
    product_count: u32,
    offer_count: u32,
    seller_count: u32,
    /// Empty when there is no priced offer.
    key_figures: Vec<Kv>,
    histogram: Option<HistogramSvg>,
    breakdowns: Vec<Breakdown>,
    outliers: Vec<OutlierRow>,
    ratings: RatingsView,
    product_ratings: Vec<ProductRatingRow>,
    /// The prior of the Bayesian ratings, in words.
    rating_prior: String,
    correlation: Option<String>,
    condition_discounts: Vec<ConditionDiscountRow>,
    history: HistoryView,
}

struct ProductRatingRow {
    product: ProductRef,
    rated_reviews: u32,
    mean_stars: String,
    weighted_rating: String,
    lowest_price: String,
    best_value: bool,
}

struct ConditionDiscountRow {
    condition: String,
    products_compared: u32,
    median_discount: String,
}

struct HistoryView {
    /// One sentence: what the history holds.
    summary: String,
    has_trend: bool,
    windows: Vec<HistoryWindowRow>,
    chart: Option<HistorySvg>,
    /// How stored prices were converted.
    rates_note: String,
}

struct HistoryWindowRow {
    window: String,
    observations: u32,
    offers_with_history: u32,
    days_covered: String,
    slope: String,
    change: String,
    min: String,
    max: String,
    /// "not enough history: …" when the window has no trend.
    reason: Option<String>,
}

/// Daily median price line with min–max ranges; geometry pre-formatted.
struct HistorySvg {
    width: u32,
    height: u32,
    left: String,
    top: String,
    right: String,
    bottom: String,
    y_max_label: String,
    y_min_label: String,
    /// `points` attribute of the median polyline.
    line: String,
    days: Vec<HistoryDay>,
    x_first_label: String,
    x_last_label: String,
    x_label_y: String,
    summary: String,
}

struct HistoryDay {
    x: String,
    y: String,
    range_top: String,
    range_bottom: String,
    title: String,
}

struct Breakdown {
    title: &'static str,
    key_label: &'static str,
    rows: Vec<GroupRow>,
}

struct GroupRow {
    key: String,
    offer_count: u32,
    share: String,
    min: String,
    median: String,
    max: String,
}

struct OutlierRow {
    product: ProductRef,
    offer_id: String,
    seller: String,
    price: String,
    robust_z: String,
}

/// SVG geometry is pre-formatted: every number in it is finite.
struct HistogramSvg {
    width: u32,
    height: u32,
    /// Plot area: left, top, right, bottom edges.
    left: String,
    top: String,
    right: String,
    bottom: String,
    /// Lower end of the x-axis tick marks.
    tick_end: String,
    y_max_label: String,
    /// A horizontal gridline at a whole number of offers, half-way up or below.
    y_grid: Option<GridLine>,
    x_title_x: String,
    x_title_y: String,
    x_title: String,
    y_title_y: String,
    bars: Vec<SvgBar>,
    ticks: Vec<SvgTick>,
    summary: String,
}

struct SvgBar {
    x: String,
    y: String,
    w: String,
    h: String,
    label_x: String,
    label_y: String,
    count: u32,
    title: String,
}

struct GridLine {
    y: String,
    label: String,
}

struct SvgTick {
    x: String,
    label: String,
}

struct RatingsView {
    rated_reviews: u32,
    mean: String,
    chart: Option<RatingsSvg>,
}

struct RatingsSvg {
    width: u32,
    height: u32,
    rows: Vec<RatingRow>,
    summary: String,
}

struct RatingRow {
    label: String,
    count: u32,
    share: String,
    y: String,
    text_y: String,
    w: String,
    count_x: String,
    title: String,
}

struct SentimentView {
    review_count: u32,
    mean_score: String,
    shares: Vec<ShareRow>,
    bar: Option<StackSvg>,
    languages: Vec<Kv>,
    aspects: Vec<AspectRow>,
    top_positive: Option<String>,
    top_negative: Option<String>,
    disagreements: Vec<DisagreementRow>,
    sellers: Vec<SellerSentimentRow>,
}

struct ShareRow {
    class: &'static str,
    label: &'static str,
    pct: String,
}

struct StackSvg {
    width: u32,
    height: u32,
    segments: Vec<StackSegment>,
    summary: String,
}

struct StackSegment {
    class: &'static str,
    x: String,
    w: String,
    text_x: String,
    /// Label drawn inside the segment when it is wide enough.
    text: Option<String>,
    title: String,
}

struct AspectRow {
    aspect: String,
    mentions: u32,
    mean_score: String,
    positive_share: String,
    negative_share: String,
    positive_quote: Option<String>,
    negative_quote: Option<String>,
}

struct DisagreementRow {
    product: ProductRef,
    review_id: String,
    stars: String,
    score: String,
    quote: String,
}

struct SellerSentimentRow {
    seller: String,
    review_count: u32,
    mean_score: String,
}

struct ProductView {
    anchor: String,
    id: String,
    title: String,
    brand: String,
    model: String,
    gtin: String,
    offer_count: usize,
    lowest: String,
    mean_stars: String,
    review_count: usize,
    text_sentiment: String,
    offers: Vec<OfferRow>,
}

struct OfferRow {
    seller: String,
    source: String,
    price_text: String,
    original: String,
    converted: String,
    rate: String,
    rate_date: String,
    condition: &'static str,
    availability: &'static str,
    /// Set only for `http://` / `https://` URLs.
    href: Option<String>,
    link_text: String,
    /// Any other URL, shown as plain text.
    url_text: Option<String>,
}

struct SourceRow {
    source: String,
    kind: String,
    status: &'static str,
    products: u32,
    offers: u32,
    duration: String,
    age: String,
    error_type: String,
    error_message: String,
    notice: String,
}

struct NormalizationView {
    figures: Vec<Kv>,
    rejected: Vec<RejectedRow>,
    merges: Vec<MergeRow>,
}

struct RejectedRow {
    source: String,
    offer_id: String,
    price_text: String,
    reason: String,
}

struct MergeRow {
    product: ProductRef,
    from: String,
    rule: String,
}

struct QualityView {
    passed: bool,
    failed_count: usize,
    checks: Vec<CheckRow>,
}

struct CheckRow {
    name: String,
    passed: bool,
    detail: String,
}

struct TraceView {
    figures: Vec<Kv>,
}

impl ReportView {
    fn build(r: &AnalysisResult) -> Self {
        let currency = r.market.currency.to_string();
        let products = ProductIndex::new(&r.products);

        let mut banners: Vec<Banner> = r
            .data_notices
            .iter()
            .map(|n| Banner {
                class: "notice",
                heading: "Data notice".into(),
                text: n.clone(),
            })
            .collect();
        banners.extend(r.sources.iter().filter_map(source_banner));
        let failed: Vec<&str> = r.quality.failed_checks().map(|c| c.name.as_str()).collect();
        if !r.quality.passed || !failed.is_empty() {
            banners.push(Banner {
                class: "quality",
                heading: "Quality checks failed".into(),
                text: if failed.is_empty() {
                    "The result did not pass its quality checks.".into()
                } else {
                    format!("Failed: {}. See the quality section.", failed.join(", "))
                },
            });
        }

        ReportView {
            query: r.query.clone(),
            normalized_query: r.normalized_query.clone(),
            query_id: r.query_id.to_string(),
            fingerprint: r.fingerprint.to_string(),
            generated: fmt_datetime(r),
            params: params_view(r),
            banners,
            narrative: r.narrative.clone(),
            recommendations: r
                .recommendations
                .iter()
                .map(|rec| RecommendationView {
                    kind: kind_label(rec.kind),
                    title: rec.title.clone(),
                    detail: rec.detail.clone(),
                    rule: rec.why.rule.clone(),
                    figures: figures_view(&rec.why.figures),
                    thresholds: figures_view(&rec.why.thresholds),
                    products: rec
                        .why
                        .product_ids
                        .iter()
                        .map(|id| products.reference(id))
                        .collect(),
                })
                .collect(),
            market: market_view(&r.market, &products),
            sentiment: sentiment_view(&r.sentiment, &products),
            products: r
                .products
                .iter()
                .map(|p| product_view(p, &r.sentiment, &currency))
                .collect(),
            sources: r.sources.iter().map(source_row).collect(),
            normalization: normalization_view(&r.normalization, &r.products, &products),
            quality: QualityView {
                passed: r.quality.passed && failed.is_empty(),
                failed_count: failed.len(),
                checks: r
                    .quality
                    .checks
                    .iter()
                    .map(|c| CheckRow {
                        name: c.name.clone(),
                        passed: c.passed,
                        detail: c.detail.clone(),
                    })
                    .collect(),
            },
            trace: trace_view(r),
        }
    }
}

/// Product ids → anchors and titles, for links from other sections.
struct ProductIndex<'a> {
    by_id: HashMap<&'a str, &'a Product>,
}

impl<'a> ProductIndex<'a> {
    fn new(products: &'a [Product]) -> Self {
        Self {
            by_id: products.iter().map(|p| (p.id.as_str(), p)).collect(),
        }
    }

    fn reference(&self, id: &str) -> ProductRef {
        let p = self.by_id.get(id);
        ProductRef {
            id: id.to_owned(),
            anchor: p.map(|_| product_anchor(id)),
            title: p.map(|p| p.title.clone()),
        }
    }
}

/// Fragment id of a product row: `p-` then the product id with every byte outside
/// `[A-Za-z0-9_-]` written as `.XX` (hex), so anchors are unique and URL-safe.
fn product_anchor(id: &str) -> String {
    let mut out = String::from("p-");
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!(".{b:02X}"));
        }
    }
    out
}

fn params_view(r: &AnalysisResult) -> Vec<Kv> {
    let p = &r.params;
    let mut out = vec![
        kv("Currency", p.currency.to_string()),
        kv("Market", p.market.as_str()),
        kv("Max products", p.max_products.to_string()),
        kv(
            "Sources",
            if p.sources.is_empty() {
                "all enabled".to_owned()
            } else {
                p.sources
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        ),
        kv(
            "Condition",
            p.condition.map_or("any", |c| c.as_str()).to_owned(),
        ),
    ];
    if p.min_price.is_some() || p.max_price.is_some() {
        let bound = |d: Option<Decimal>| d.map_or_else(|| "…".to_owned(), fmt_decimal);
        out.push(kv(
            "Price range",
            format!(
                "{} – {} {}",
                bound(p.min_price),
                bound(p.max_price),
                p.currency
            ),
        ));
    }
    out.push(kv(
        "Review language",
        p.language.map_or("all", |l| l.code()).to_owned(),
    ));
    out
}

fn source_banner(s: &SourceOutcome) -> Option<Banner> {
    let err = || match (&s.error_type, &s.error_message) {
        (Some(t), Some(m)) => format!(" ({t}: {m})"),
        (Some(t), None) => format!(" ({t})"),
        (None, Some(m)) => format!(" ({m})"),
        (None, None) => String::new(),
    };
    let (class, heading, text) = match s.status {
        SourceStatus::Live | SourceStatus::Cache => return None,
        SourceStatus::Stale => (
            "stale",
            format!("Stale data from source {}", s.source),
            format!(
                "The live fetch failed{}; showing cached data{}.",
                err(),
                s.age_secs
                    .map(|a| format!(" that is {} old", fmt_age(a)))
                    .unwrap_or_default()
            ),
        ),
        SourceStatus::Fallback => (
            "fallback",
            format!("Fallback data for source {}", s.source),
            format!(
                "This source failed{}; its data comes from the configured fallback source{}.",
                err(),
                s.age_secs
                    .map(|a| format!(" (data {} old)", fmt_age(a)))
                    .unwrap_or_default()
            ),
        ),
        SourceStatus::Failed => (
            "failed",
            format!("Source {} failed", s.source),
            format!("No data from this source{}.", err()),
        ),
    };
    Some(Banner {
        class,
        heading,
        text,
    })
}

fn kind_label(k: RecommendationKind) -> &'static str {
    match k {
        RecommendationKind::BestValue => "Best value",
        RecommendationKind::PricePositioning => "Price positioning",
        RecommendationKind::SellerToAvoid => "Seller to avoid",
        RecommendationKind::ConditionToAvoid => "Condition to avoid",
        RecommendationKind::AspectToWatch => "Aspect to watch",
    }
}

fn figures_view(m: &BTreeMap<String, f64>) -> Vec<Kv> {
    m.iter()
        .map(|(k, v)| kv(k.clone(), fmt_figure(*v)))
        .collect()
}

fn market_view(m: &MarketSummary, products: &ProductIndex<'_>) -> MarketView {
    let c = m.currency.to_string();
    let money = |v: f64| fmt_money(v, &c);
    let key_figures = m
        .price
        .as_ref()
        .map(|s| {
            vec![
                kv("Priced offers", s.count.to_string()),
                kv("Minimum", money(s.min)),
                kv("First quartile (Q1)", money(s.q1)),
                kv("Median", money(s.median)),
                kv("Mean", money(s.mean)),
                kv("Third quartile (Q3)", money(s.q3)),
                kv("Maximum", money(s.max)),
                kv("Interquartile range (IQR)", money(s.iqr)),
                kv("Standard deviation", money(s.std_dev)),
            ]
        })
        .unwrap_or_default();
    let group_rows = |g: &[GroupStats]| -> Vec<GroupRow> {
        g.iter()
            .map(|g| GroupRow {
                key: g.key.clone(),
                offer_count: g.offer_count,
                share: fmt_pct(g.share),
                min: money(g.min),
                median: money(g.median),
                max: money(g.max),
            })
            .collect()
    };
    MarketView {
        currency: c.clone(),
        product_count: m.product_count,
        offer_count: m.offer_count,
        seller_count: m.seller_count,
        key_figures,
        histogram: histogram_svg(&m.histogram, &c),
        breakdowns: vec![
            Breakdown {
                title: "By source",
                key_label: "Source",
                rows: group_rows(&m.by_source),
            },
            Breakdown {
                title: "By seller",
                key_label: "Seller",
                rows: group_rows(&m.by_seller),
            },
            Breakdown {
                title: "By brand",
                key_label: "Brand",
                rows: group_rows(&m.by_brand),
            },
            Breakdown {
                title: "By condition",
                key_label: "Condition",
                rows: group_rows(&m.by_condition),
            },
        ],
        outliers: m
            .outliers
            .iter()
            .map(|o| OutlierRow {
                product: products.reference(&o.product_id),
                offer_id: o.offer_id.clone(),
                seller: o.seller.clone(),
                price: money(o.price),
                robust_z: fmt_signed(o.robust_z),
            })
            .collect(),
        ratings: ratings_view(&m.ratings),
        product_ratings: m
            .product_ratings
            .iter()
            .map(|r| ProductRatingRow {
                product: products.reference(&r.product_id),
                rated_reviews: r.rated_reviews,
                mean_stars: format!("{:.2}", r.mean_stars),
                weighted_rating: format!("{:.2}", r.weighted_rating),
                lowest_price: r.lowest_price.map_or_else(|| "—".to_owned(), money),
                best_value: m.best_value.iter().any(|b| b.product_id == r.product_id),
            })
            .collect(),
        rating_prior: match m.ratings.mean.filter(|v| v.is_finite()) {
            Some(mean) => format!(
                "Weighted rating = (C × m + sum of the product's stars) / (C + its rated reviews), with m = {mean:.2} (the mean over all rated reviews) and C = {} (thresholds.bayesian_prior_weight).",
                fmt_figure(m.ratings.bayesian_prior_weight)
            ),
            None => String::new(),
        },
        correlation: m.price_rating_correlation.as_ref().map(|c| {
            format!(
                "Spearman rank correlation between a product's lowest price and its weighted rating: {} over {} products.",
                fmt_signed(c.spearman_rho),
                c.n
            )
        }),
        condition_discounts: m
            .condition_discounts
            .iter()
            .map(|d| ConditionDiscountRow {
                condition: d.condition.clone(),
                products_compared: d.products_compared,
                median_discount: fmt_pct(d.median_discount),
            })
            .collect(),
        history: history_view(&m.history, &c),
    }
}

fn history_view(h: &PriceHistory, currency: &str) -> HistoryView {
    let money = |v: f64| fmt_money(v, currency);
    let summary = match (h.first_observed_at, h.last_observed_at) {
        (Some(first), Some(last)) => format!(
            "{} price observations ({} from earlier analyses) between {} and {}.",
            h.observation_count,
            h.earlier_observation_count,
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ),
        _ => "No price observation.".to_owned(),
    };
    let mut rates_note = match h.rates_date {
        Some(d) => format!(
            "Stored prices are converted into {currency} with the same fixed reference rates ({d}) as this analysis, so exchange-rate moves never show as price trends."
        ),
        None => String::new(),
    };
    if h.unconverted_count > 0 {
        rates_note.push_str(&format!(
            " {} stored observation(s) in a currency without a reference rate were left out.",
            h.unconverted_count
        ));
    }
    HistoryView {
        summary,
        has_trend: h.has_trend,
        windows: h
            .windows
            .iter()
            .map(|w| HistoryWindowRow {
                window: format!("{} days", w.window_days),
                observations: w.observation_count,
                offers_with_history: w.offers_with_history,
                days_covered: format!("{:.1}", w.days_covered),
                slope: w.trend.as_ref().map_or_else(
                    || "—".to_owned(),
                    |t| format!("{} {currency}/day", fmt_signed(t.slope_per_day)),
                ),
                change: w.trend.as_ref().map_or_else(
                    || "—".to_owned(),
                    |t| {
                        if t.percent_change.is_finite() {
                            format!("{:+.1}%", t.percent_change)
                        } else {
                            "—".to_owned()
                        }
                    },
                ),
                min: w
                    .trend
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |t| money(t.min)),
                max: w
                    .trend
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |t| money(t.max)),
                reason: w.reason.clone(),
            })
            .collect(),
        chart: history_svg(&h.daily, currency),
        rates_note,
    }
}

/// The history chart: one point per day (median price) joined by a line, with a
/// vertical min–max range. `None` with fewer than two days or a non-finite price.
fn history_svg(days: &[DailyPrices], currency: &str) -> Option<HistorySvg> {
    if days.len() < 2
        || !days
            .iter()
            .all(|d| d.median.is_finite() && d.min.is_finite() && d.max.is_finite())
    {
        return None;
    }
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    let (left, right, top, bottom) = (64.0, W - 16.0, 16.0, H - 36.0);
    let lo = days.iter().map(|d| d.min).fold(f64::INFINITY, f64::min);
    let hi = days.iter().map(|d| d.max).fold(f64::NEG_INFINITY, f64::max);
    // A flat history still needs a visible band: pad by 5% of the price (or 1).
    let pad = if hi > lo {
        (hi - lo) * 0.05
    } else {
        (hi.abs() * 0.05).max(1.0)
    };
    // Prices are never negative: the axis stops at 0 rather than padding below it.
    let (y_lo, y_hi) = (
        if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        },
        hi + pad,
    );
    let first = days[0].date;
    let span = (days[days.len() - 1].date - first).num_days().max(1) as f64;
    let x_of = |d: &DailyPrices| left + (d.date - first).num_days() as f64 / span * (right - left);
    let y_of = |v: f64| bottom - (v - y_lo) / (y_hi - y_lo) * (bottom - top);
    let points: Vec<HistoryDay> = days
        .iter()
        .map(|d| HistoryDay {
            x: fmt_coord(x_of(d)),
            y: fmt_coord(y_of(d.median)),
            range_top: fmt_coord(y_of(d.max)),
            range_bottom: fmt_coord(y_of(d.min)),
            title: format!(
                "{}: median {} over {} observation{} (min {}, max {})",
                d.date,
                fmt_money(d.median, currency),
                d.observation_count,
                if d.observation_count == 1 { "" } else { "s" },
                fmt_money(d.min, currency),
                fmt_money(d.max, currency)
            ),
        })
        .collect();
    let line = points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    Some(HistorySvg {
        width: W as u32,
        height: H as u32,
        left: fmt_coord(left),
        top: fmt_coord(top),
        right: fmt_coord(right),
        bottom: fmt_coord(bottom),
        y_max_label: format!("{y_hi:.2}"),
        y_min_label: format!("{y_lo:.2}"),
        line,
        x_first_label: first.to_string(),
        x_last_label: days[days.len() - 1].date.to_string(),
        x_label_y: fmt_coord(bottom + 18.0),
        summary: format!(
            "Median observed offer price per day in {currency}, {} days from {} to {}",
            days.len(),
            first,
            days[days.len() - 1].date
        ),
        days: points,
    })
}

/// Price histogram as SVG geometry; `None` when there is nothing to draw or a bin is
/// not a finite number.
fn histogram_svg(bins: &[PriceBin], currency: &str) -> Option<HistogramSvg> {
    if bins.is_empty()
        || !bins
            .iter()
            .all(|b| b.lower.is_finite() && b.upper.is_finite())
    {
        return None;
    }
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    let (left, right, top, bottom) = (52.0, W - 16.0, 24.0, H - 48.0);
    let plot_w = right - left;
    let plot_h = bottom - top;
    let n = bins.len();
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let slot = plot_w / n as f64;
    let gap = if slot > 6.0 { 2.0 } else { 0.0 };
    let integer_edges = bins
        .iter()
        .all(|b| b.lower.fract() == 0.0 && b.upper.fract() == 0.0);
    let edge = |v: f64| {
        if integer_edges {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let bars = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let h = f64::from(b.count) / f64::from(max) * plot_h;
            let x = left + i as f64 * slot + gap / 2.0;
            let y = bottom - h;
            SvgBar {
                x: fmt_coord(x),
                y: fmt_coord(y),
                w: fmt_coord((slot - gap).max(0.5)),
                h: fmt_coord(h),
                label_x: fmt_coord(left + (i as f64 + 0.5) * slot),
                label_y: fmt_coord(y - 4.0),
                count: b.count,
                title: format!(
                    "{}–{} {currency}: {} offer{}",
                    edge(b.lower),
                    edge(b.upper),
                    b.count,
                    if b.count == 1 { "" } else { "s" }
                ),
            }
        })
        .collect();
    let step = n.div_ceil(8).max(1);
    let ticks = (0..=n)
        .filter(|i| i % step == 0 || *i == n)
        .map(|i| {
            let v = if i < n {
                bins[i].lower
            } else {
                bins[n - 1].upper
            };
            SvgTick {
                x: fmt_coord(left + i as f64 * slot),
                label: edge(v),
            }
        })
        .collect();
    let total: u32 = bins.iter().map(|b| b.count).sum();
    Some(HistogramSvg {
        width: W as u32,
        height: H as u32,
        left: fmt_coord(left),
        top: fmt_coord(top),
        right: fmt_coord(right),
        bottom: fmt_coord(bottom),
        tick_end: fmt_coord(bottom + 4.0),
        y_max_label: max.to_string(),
        y_grid: (max >= 2).then(|| {
            let mid = max / 2;
            GridLine {
                y: fmt_coord(bottom - f64::from(mid) / f64::from(max) * plot_h),
                label: mid.to_string(),
            }
        }),
        x_title_x: fmt_coord(left + plot_w / 2.0),
        x_title_y: fmt_coord(H - 8.0),
        x_title: format!("Offer price ({currency})"),
        y_title_y: fmt_coord(top + plot_h / 2.0),
        bars,
        ticks,
        summary: format!(
            "Histogram of {total} offer prices in {n} bins from {} to {} {currency}",
            edge(bins[0].lower),
            edge(bins[n - 1].upper)
        ),
    })
}

fn ratings_view(r: &RatingSummary) -> RatingsView {
    let total: u32 = r.distribution.iter().sum();
    let chart = (total > 0).then(|| {
        const W: f64 = 520.0;
        let (label_w, bar_max, row_h) = (48.0, 380.0, 24.0);
        let max = r.distribution.iter().copied().max().unwrap_or(0).max(1);
        let rows = (0..5)
            .rev()
            .enumerate()
            .map(|(row, i)| {
                let count = r.distribution[i];
                let w = f64::from(count) / f64::from(max) * bar_max;
                let y = row as f64 * row_h + 2.0;
                let stars = i + 1;
                let share = fmt_pct(f64::from(count) / f64::from(total));
                RatingRow {
                    label: format!("{stars} ★"),
                    count,
                    share: share.clone(),
                    y: fmt_coord(y),
                    text_y: fmt_coord(y + row_h * 0.62),
                    w: fmt_coord(w),
                    count_x: fmt_coord(label_w + w + 6.0),
                    title: format!(
                        "{stars} star{}: {count} review{} ({share})",
                        if stars == 1 { "" } else { "s" },
                        if count == 1 { "" } else { "s" }
                    ),
                }
            })
            .collect();
        RatingsSvg {
            width: W as u32,
            height: (5.0 * row_h + 4.0) as u32,
            rows,
            summary: format!("Star-rating distribution of {total} rated reviews"),
        }
    });
    RatingsView {
        rated_reviews: r.rated_reviews,
        mean: r
            .mean
            .filter(|m| m.is_finite())
            .map_or_else(|| "—".to_owned(), |m| format!("{m:.2} / 5")),
        chart,
    }
}

fn sentiment_view(s: &SentimentSummary, products: &ProductIndex<'_>) -> SentimentView {
    let d = &s.distribution;
    let parts = [
        ("positive", "Positive", d.positive),
        ("neutral", "Neutral", d.neutral),
        ("negative", "Negative", d.negative),
    ];
    let clean = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    let shares = parts
        .iter()
        .map(|(class, label, v)| ShareRow {
            class,
            label,
            pct: fmt_pct(clean(*v)),
        })
        .collect();
    let total: f64 = parts.iter().map(|p| clean(p.2)).sum();
    let bar = (s.review_count > 0 && total > 0.0).then(|| {
        const W: f64 = 640.0;
        let mut x = 0.0;
        let segments = parts
            .iter()
            .filter(|p| clean(p.2) > 0.0)
            .map(|(class, label, v)| {
                let w = clean(*v) / total * W;
                let pct = fmt_pct(clean(*v));
                let seg = StackSegment {
                    class,
                    x: fmt_coord(x),
                    w: fmt_coord(w),
                    text_x: fmt_coord(x + w / 2.0),
                    text: (w >= 90.0).then(|| format!("{label} {pct}")),
                    title: format!("{label}: {pct} of reviews"),
                };
                x += w;
                seg
            })
            .collect();
        StackSvg {
            width: W as u32,
            height: 32,
            segments,
            summary: format!(
                "Review text sentiment over {} reviews: {} positive, {} neutral, {} negative",
                s.review_count,
                fmt_pct(clean(d.positive)),
                fmt_pct(clean(d.neutral)),
                fmt_pct(clean(d.negative))
            ),
        }
    });
    SentimentView {
        review_count: s.review_count,
        mean_score: s.mean_score.map_or_else(|| "—".to_owned(), fmt_signed),
        shares,
        bar,
        languages: s
            .by_language
            .iter()
            .map(|(l, n)| kv(l.code(), n.to_string()))
            .collect(),
        aspects: s
            .aspects
            .iter()
            .map(|a| AspectRow {
                aspect: a.aspect.clone(),
                mentions: a.mentions,
                mean_score: fmt_signed(a.mean_score),
                positive_share: fmt_pct(a.positive_share),
                negative_share: fmt_pct(a.negative_share),
                positive_quote: a.positive_quote.clone(),
                negative_quote: a.negative_quote.clone(),
            })
            .collect(),
        top_positive: s.top_positive_quote.clone(),
        top_negative: s.top_negative_quote.clone(),
        disagreements: s
            .disagreements
            .iter()
            .map(|d| DisagreementRow {
                product: products.reference(&d.product_id),
                review_id: d.review_id.clone(),
                stars: fmt_stars(d.stars),
                score: fmt_signed(d.score),
                quote: d.quote.clone(),
            })
            .collect(),
        sellers: s
            .per_seller
            .iter()
            .map(|g| SellerSentimentRow {
                seller: g.key.clone(),
                review_count: g.review_count,
                mean_score: fmt_signed(g.mean_score),
            })
            .collect(),
    }
}

fn product_view(p: &Product, s: &SentimentSummary, currency: &str) -> ProductView {
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".to_owned());
    ProductView {
        anchor: product_anchor(&p.id),
        id: p.id.clone(),
        title: p.title.clone(),
        brand: dash(&p.brand),
        model: dash(&p.model),
        gtin: dash(&p.gtin),
        offer_count: p.offers.len(),
        lowest: p.lowest_offer().map_or_else(
            || "no priced offer".to_owned(),
            |o| fmt_money_exact(&o.converted.money),
        ),
        mean_stars: p
            .mean_rating()
            .map_or_else(|| "—".to_owned(), |m| format!("{m:.1} ★")),
        review_count: p.reviews.len(),
        text_sentiment: if p.reviews.is_empty() {
            "no review text".to_owned()
        } else {
            s.per_product
                .iter()
                .find(|g| g.key == p.id)
                .map_or_else(|| "—".to_owned(), |g| fmt_signed(g.mean_score))
        },
        offers: p
            .offers
            .iter()
            .map(|o| {
                let url = o.url.as_deref().map(str::trim).filter(|u| !u.is_empty());
                let href = url.filter(|u| is_web_url(u)).map(str::to_owned);
                OfferRow {
                    seller: o.seller.clone(),
                    source: o.source.clone(),
                    price_text: o.price_text.clone(),
                    original: fmt_money_exact(&o.price),
                    converted: fmt_money_exact(&o.converted.money),
                    rate: if o.price.currency == o.converted.money.currency {
                        "no conversion".to_owned()
                    } else {
                        format!(
                            "1 {} = {} {currency}",
                            o.price.currency,
                            o.converted.rate.normalize()
                        )
                    },
                    rate_date: o.converted.rate_date.to_string(),
                    condition: o.condition.as_str(),
                    availability: availability_label(o.availability),
                    link_text: href.as_deref().map(link_text).unwrap_or_default(),
                    url_text: url.filter(|u| !is_web_url(u)).map(str::to_owned),
                    href,
                }
            })
            .collect(),
    }
}

/// Whether a URL may become a link: only `http://` and `https://` URLs.
fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// Short text for a link: the URL's host.
fn link_text(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if host.is_empty() {
        "link".to_owned()
    } else {
        host.to_owned()
    }
}

fn availability_label(a: Availability) -> &'static str {
    match a {
        Availability::InStock => "in stock",
        Availability::OutOfStock => "out of stock",
        Availability::PreOrder => "pre-order",
        Availability::Unknown => "unknown",
    }
}

fn source_row(s: &SourceOutcome) -> SourceRow {
    let dash = |o: &Option<String>| o.clone().unwrap_or_else(|| "—".to_owned());
    SourceRow {
        source: s.source.clone(),
        kind: s.kind.clone(),
        status: match s.status {
            SourceStatus::Live => "live",
            SourceStatus::Cache => "cache",
            SourceStatus::Stale => "stale",
            SourceStatus::Fallback => "fallback",
            SourceStatus::Failed => "failed",
        },
        products: s.product_count,
        offers: s.offer_count,
        duration: fmt_duration_ms(s.duration_ms),
        age: s.age_secs.map_or_else(|| "—".to_owned(), fmt_age),
        error_type: dash(&s.error_type),
        error_message: dash(&s.error_message),
        notice: dash(&s.notice),
    }
}

fn normalization_view(
    n: &NormalizationSummary,
    products: &[Product],
    index: &ProductIndex<'_>,
) -> NormalizationView {
    NormalizationView {
        figures: vec![
            kv("Target currency", n.target_currency.to_string()),
            kv("Reference rates date", n.rates_date.to_string()),
            kv(
                "Rates used (ECB reference, per unit)",
                n.rates_used
                    .iter()
                    .map(|r| format!("{}→{} {} ({})", r.from, r.to, r.rate.normalize(), r.date))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            kv("Tax basis of prices", n.tax_basis.as_str().to_owned()),
            kv(
                "Offers adjusted to the tax basis",
                n.offers_tax_adjusted.to_string(),
            ),
            kv("Products collected", n.products_in.to_string()),
            kv("Products after merging", n.products_out.to_string()),
            kv(
                "Products merged into another",
                n.products_merged.to_string(),
            ),
            kv("Offers collected", n.offers_in.to_string()),
            kv("Offers kept", n.offers_kept.to_string()),
            kv(
                "Offers filtered out (condition / price range)",
                n.offers_filtered_out.to_string(),
            ),
            kv("Offers rejected", n.offers_rejected.len().to_string()),
            kv("Reviews collected", n.reviews_in.to_string()),
            kv("Reviews kept", n.reviews_kept.to_string()),
        ],
        rejected: n
            .offers_rejected
            .iter()
            .map(|o| RejectedRow {
                source: o.source.clone(),
                offer_id: o.offer_id.clone(),
                price_text: o.price_text.clone(),
                reason: o.reason.clone(),
            })
            .collect(),
        merges: products
            .iter()
            .filter(|p| p.merged_from.len() > 1)
            .flat_map(|p| {
                p.merged_from.iter().map(|m| MergeRow {
                    product: index.reference(&p.id),
                    from: format!("{}:{}", m.source, m.source_product_id),
                    rule: m.describe(),
                })
            })
            .collect(),
    }
}

fn trace_view(r: &AnalysisResult) -> TraceView {
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

// ---------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------

fn fmt_datetime(r: &AnalysisResult) -> String {
    r.generated_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A figure in the target currency: two decimals and the ISO code.
fn fmt_money(v: f64, currency: &str) -> String {
    if v.is_finite() {
        format!("{v:.2} {currency}")
    } else {
        "—".to_owned()
    }
}

/// An exact amount: rounded to two decimals, with the ISO code.
fn fmt_money_exact(m: &Money) -> String {
    format!("{} {}", fmt_decimal(m.amount), m.currency)
}

fn fmt_decimal(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

fn fmt_pct(share: f64) -> String {
    if share.is_finite() {
        format!("{:.0}%", share * 100.0)
    } else {
        "—".to_owned()
    }
}

/// A score or z-value with its sign.
fn fmt_signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.2}")
    } else {
        "—".to_owned()
    }
}

fn fmt_stars(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1} ★")
    } else {
        "—".to_owned()
    }
}

/// A figure from an explanation: integers as such, else up to four decimals.
fn fmt_figure(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// An SVG coordinate: finite, one decimal.
fn fmt_coord(v: f64) -> String {
    format!("{:.1}", if v.is_finite() { v } else { 0.0 })
}

fn fmt_duration_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn fmt_age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86_400, secs % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{DateTime, NaiveDate, Utc};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::*;
    use crate::analysis::market::{MarketSettings, analyze_market};
    use crate::analysis::sentiment::{
        AspectSentiment, Disagreement, GroupSentiment, LabelShares, ReviewSentiment, SentimentLabel,
    };
    use crate::domain::{
        AnalysisParams, Condition, ConvertedPrice, CurrencyCode, Fingerprint, Language, Market,
        MergeEvidence, Offer, Rating, Review,
    };
    use crate::normalize::RejectedOffer;
    use crate::quality::{QualityCheck, QualityReport};
    use crate::recommend::{Explanation, Recommendation};
    use crate::report::{RESULT_SCHEMA_VERSION, Traceability};

    const EVIL_TITLE: &str = "<script>alert(1)</script>";
    const EVIL_SELLER: &str = r#""><img src=x onerror=alert(1)>"#;
    const REVIEW_TEXT: &str = "Great <b>sound</b> & comfort";
    const SHOP_URL: &str = "https://shop-b.example/p/1?a=1&b=2";

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 5).unwrap()
    }

    fn offer(id: &str, seller: &str, amount: Decimal, url: Option<&str>) -> Offer {
        let eur = Money::new(amount, CurrencyCode::EUR);
        Offer {
            id: id.into(),
            source: "catalog".into(),
            seller: seller.into(),
            price: eur,
            price_text: format!("{amount} €"),
            converted: ConvertedPrice {
                money: eur,
                rate: Decimal::ONE,
                rate_date: date(),
            },
            tax: crate::domain::OfferTax {
                shown: crate::domain::TaxBasis::Included,
                shown_from: crate::domain::TaxBasisFrom::MarketConvention,
                basis: crate::domain::TaxBasis::Included,
                market: "FR".into(),
                rate_applied: None,
            },
            condition: Condition::New,
            availability: Availability::InStock,
            url: url.map(Into::into),
        }
    }

    fn review(id: &str, stars: f64, text: &str) -> Review {
        Review {
            id: id.into(),
            source: "catalog".into(),
            seller: Some("Shop B".into()),
            author: None,
            rating: Some(Rating::parse(stars).unwrap()),
            title: None,
            text: text.into(),
            language: Language::En,
            date: Some(date()),
        }
    }

    fn products() -> Vec<Product> {
        let mut usd_offer = offer("o2", "Shop B", Decimal::new(20148, 2), Some(SHOP_URL));
        usd_offer.price = Money::new(Decimal::new(21900, 2), CurrencyCode::USD);
        usd_offer.price_text = "$219.00".into();
        usd_offer.converted.rate = Decimal::new(92, 2);
        usd_offer.source = "schema_org".into();
        let p1 = Product {
            id: "gtin:00012345678905".into(),
            title: EVIL_TITLE.into(),
            brand: Some("Acme".into()),
            model: Some("X1".into()),
            category: None,
            gtin: Some("00012345678905".into()),
            mpn: None,
            merged_from: vec![
                MergeEvidence {
                    source: "catalog".into(),
                    source_product_id: "a1".into(),
                    rule: "first".into(),
                    score: None,
                    matched_with: None,
                },
                MergeEvidence {
                    source: "schema_org".into(),
                    source_product_id: "b7".into(),
                    rule: "gtin".into(),
                    score: None,
                    matched_with: None,
                },
            ],
            offers: vec![
                offer(
                    "o1",
                    EVIL_SELLER,
                    Decimal::new(19999, 2),
                    Some("javascript:alert(1)"),
                ),
                usd_offer,
            ],
            reviews: vec![
                review("r1", 5.0, REVIEW_TEXT),
                review("r2", 1.0, "Battery died"),
            ],
        };
        let p2 = Product {
            id: "catalog:abc 1".into(),
            title: "Plain headphones".into(),
            brand: None,
            model: None,
            category: None,
            gtin: None,
            mpn: None,
            merged_from: vec![],
            offers: vec![
                offer("o3", "Shop C", Decimal::new(8950, 2), None),
                offer("o4", "Shop C", Decimal::new(12000, 2), None),
            ],
            reviews: vec![],
        };
        vec![p1, p2]
    }

    fn fixture() -> AnalysisResult {
        let products = products();
        let market = analyze_market(
            &products,
            CurrencyCode::EUR,
            &MarketSettings {
                outlier_robust_z: 3.5,
                min_reviews: 1,
                bayesian_prior_weight: 5.0,
            },
        );
        let sentiment = SentimentSummary {
            review_count: 2,
            mean_score: Some(0.12),
            distribution: LabelShares {
                positive: 0.5,
                neutral: 0.0,
                negative: 0.5,
            },
            by_language: vec![(Language::En, 2)],
            reviews: vec![
                ReviewSentiment {
                    review_id: "r1".into(),
                    product_id: "gtin:00012345678905".into(),
                    language: Language::En,
                    score: 0.8,
                    label: SentimentLabel::Positive,
                },
                ReviewSentiment {
                    review_id: "r2".into(),
                    product_id: "gtin:00012345678905".into(),
                    language: Language::En,
                    score: -0.56,
                    label: SentimentLabel::Negative,
                },
            ],
            per_product: vec![GroupSentiment {
                key: "gtin:00012345678905".into(),
                review_count: 2,
                mean_score: 0.12,
            }],
            per_seller: vec![GroupSentiment {
                key: "Shop B".into(),
                review_count: 2,
                mean_score: 0.12,
            }],
            aspects: vec![AspectSentiment {
                aspect: "battery".into(),
                mentions: 1,
                mean_score: -0.56,
                positive_share: 0.0,
                negative_share: 1.0,
                positive_quote: None,
                negative_quote: Some("Battery died".into()),
            }],
            top_positive_quote: Some(REVIEW_TEXT.into()),
            top_negative_quote: Some("Battery died".into()),
            disagreements: vec![Disagreement {
                review_id: "r1".into(),
                product_id: "gtin:00012345678905".into(),
                stars: 1.0,
                score: 0.8,
                quote: REVIEW_TEXT.into(),
            }],
        };
        AnalysisResult {
            schema_version: RESULT_SCHEMA_VERSION,
            query_id: Uuid::from_u128(0x1234),
            query: "casque <sans fil>".into(),
            normalized_query: "casque sans fil".into(),
            fingerprint: Fingerprint::from_stored("0123456789abcdef0123456789abcdef".into()),
            params: AnalysisParams {
                currency: CurrencyCode::EUR,
                market: Market::parse("FR").unwrap(),
                max_products: 20,
                sources: vec![],
                condition: None,
                min_price: None,
                max_price: None,
                language: None,
            },
            generated_at: "2026-01-06T10:00:00Z".parse::<DateTime<Utc>>().unwrap(),
            data_notices: vec!["Sample data: figures are illustrative".into()],
            sources: vec![
                SourceOutcome {
                    source: "catalog".into(),
                    kind: "csv".into(),
                    status: SourceStatus::Live,
                    product_count: 2,
                    offer_count: 3,
                    duration_ms: 12,
                    age_secs: None,
                    error_type: None,
                    error_message: None,
                    notice: Some("sample data".into()),
                },
                SourceOutcome {
                    source: "schema_org".into(),
                    kind: "html".into(),
                    status: SourceStatus::Stale,
                    product_count: 1,
                    offer_count: 1,
                    duration_ms: 2500,
                    age_secs: Some(7_500),
                    error_type: Some("source_timeout".into()),
                    error_message: Some("timed out after 10 s".into()),
                    notice: None,
                },
            ],
            normalization: NormalizationSummary {
                target_currency: CurrencyCode::EUR,
                rates_date: date(),
                rates_used: Vec::new(),
                tax_basis: crate::domain::TaxBasis::Included,
                offers_tax_adjusted: 0,
                offers_tax_unadjusted: 0,
                products_in: 3,
                products_out: 2,
                products_merged: 1,
                offers_in: 6,
                offers_kept: 4,
                offers_filtered_out: 1,
                offers_rejected: vec![RejectedOffer {
                    source: "catalog".into(),
                    offer_id: "o9".into(),
                    price_text: "call us".into(),
                    reason: "no amount in price text".into(),
                }],
                reviews_in: 2,
                reviews_kept: 2,
            },
            products,
            market,
            sentiment,
            recommendations: vec![Recommendation {
                kind: RecommendationKind::BestValue,
                title: format!("Best value: {EVIL_TITLE}"),
                detail: "From 199.99 EUR.".into(),
                why: Explanation {
                    rule: "Pareto front of lowest price vs mean review-text sentiment".into(),
                    figures: BTreeMap::from([
                        ("lowest_price".into(), 199.99),
                        ("review_count".into(), 2.0),
                    ]),
                    thresholds: BTreeMap::from([("thresholds.min_reviews".into(), 1.0)]),
                    product_ids: vec!["gtin:00012345678905".into(), "gone:1".into()],
                },
            }],
            narrative: vec!["For the query, 4 offers were compared.".into()],
            quality: QualityReport {
                passed: true,
                checks: vec![QualityCheck {
                    name: "price_order".into(),
                    passed: true,
                    detail: "ordered".into(),
                }],
            },
            traceability: Traceability {
                crate_version: "0.1.0".into(),
                git_sha: "deadbeef".into(),
                agent_config_version: 3,
                agent_config_hash: "cafebabe".into(),
                prompt_version: None,
                model: None,
                trace_id: Some("trace-42".into()),
            },
        }
    }

    fn empty_fixture() -> AnalysisResult {
        let mut r = fixture();
        r.products.clear();
        r.market = analyze_market(
            &[],
            CurrencyCode::EUR,
            &MarketSettings {
                outlier_robust_z: 3.5,
                min_reviews: 1,
                bayesian_prior_weight: 5.0,
            },
        );
        r.sentiment = SentimentSummary {
            review_count: 0,
            mean_score: None,
            distribution: LabelShares::default(),
            by_language: vec![],
            reviews: vec![],
            per_product: vec![],
            per_seller: vec![],
            aspects: vec![],
            top_positive_quote: None,
            top_negative_quote: None,
            disagreements: vec![],
        };
        r.recommendations.clear();
        r.narrative.clear();
        r.data_notices.clear();
        r.sources.clear();
        r.quality = QualityReport::default();
        r
    }

    fn render(r: &AnalysisResult) -> String {
        try_render_html(r).expect("template renders")
    }

    /// askama's escaping of `"&'<>`.
    fn askama_escape(s: &str) -> String {
        s.replace('&', "&#38;")
            .replace('<', "&#60;")
            .replace('>', "&#62;")
            .replace('"', "&#34;")
            .replace('\'', "&#39;")
    }

    #[test]
    fn data_text_is_escaped() {
        let html = render(&fixture());
        if let Ok(path) = std::env::var("MARKETLENS_REPORT_FIXTURE_OUT") {
            std::fs::write(path, &html).unwrap();
        }
        for raw in [
            EVIL_TITLE,
            EVIL_SELLER,
            REVIEW_TEXT,
            "<sans fil>",
            "<b>",
            "<img",
        ] {
            assert!(!html.contains(raw), "raw {raw:?} in the report");
        }
        for raw in [EVIL_TITLE, EVIL_SELLER, REVIEW_TEXT, "casque <sans fil>"] {
            let escaped = askama_escape(raw);
            assert!(html.contains(&escaped), "escaped {escaped:?} missing");
        }
    }

    #[test]
    fn only_web_urls_become_links() {
        let html = render(&fixture());
        assert!(!html.to_ascii_lowercase().contains("href=\"javascript"));
        assert!(html.contains("javascript:alert(1)"), "shown as text");
        let href = format!("href=\"{}\"", askama_escape(SHOP_URL));
        assert!(html.contains(&href), "{href} missing");
        assert_eq!(html.matches("href=\"http").count(), 1);
        // Every other href is an in-page anchor.
        assert_eq!(
            html.matches("href=\"").count(),
            html.matches("href=\"#").count() + 1
        );
        assert!(is_web_url("HTTPS://x.example") && !is_web_url(" javascript:x"));
        assert!(!is_web_url("data:text/html,x") && !is_web_url("//evil.example"));
    }

    #[test]
    fn document_is_self_contained() {
        let html = render(&fixture());
        for bad in [
            "<script",
            "<link",
            "<iframe",
            "<object",
            "<embed",
            "<img",
            "src=\"",
            "@import",
            "url(",
            "xlink:href",
            "@font-face",
        ] {
            assert!(!html.contains(bad), "{bad:?} in the report");
        }
        // The only absolute URL is the offer link from the data.
        let rest = html.replace(&askama_escape(SHOP_URL), "");
        assert!(!rest.contains("http://") && !rest.contains("https://"));
        assert!(html.contains("Content-Security-Policy"));
    }

    #[test]
    fn sections_charts_and_banners_are_present() {
        let html = render(&fixture());
        let ids = [
            "summary",
            "recommendations",
            "analyze_market",
            "analyze_sentiment",
            "products",
            "fetch_products",
            "normalize",
            "quality",
            "traceability",
        ];
        let mut last = 0;
        for id in ids {
            let at = html
                .find(&format!("id=\"{id}\""))
                .unwrap_or_else(|| panic!("section {id} missing"));
            assert!(at > last, "section {id} out of order");
            last = at;
        }
        assert_eq!(
            html.matches("<svg").count(),
            3,
            "histogram, ratings, sentiment"
        );
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert!(html.contains("<title id=\"histogram-title\">Histogram of 4 offer prices"));
        assert!(html.contains("Sample data: figures are illustrative"));
        assert!(html.contains("banner-notice"));
        assert!(html.contains("banner-stale") && html.contains("2 h 5 min old"));
        assert!(html.contains("source_timeout"));
        assert!(!html.contains("NaN") && !html.contains("inf\""));
        // Figures: two decimals and the ISO code.
        assert!(html.contains("89.50 EUR") && html.contains("219.00 USD"));
        assert!(html.contains("1 USD = 0.92 EUR"));
        // Recommendation "why" links to the product row; unknown ids stay text.
        let anchor = product_anchor("gtin:00012345678905");
        assert_eq!(anchor, "p-gtin.3A00012345678905");
        assert!(html.contains(&format!("href=\"#{anchor}\"")));
        assert!(html.contains(&format!("id=\"{anchor}\"")));
        assert!(html.contains(&format!("id=\"{}\"", product_anchor("catalog:abc 1"))));
        assert!(!html.contains("href=\"#p-gone"));
        assert!(html.contains("<details>") && html.contains("thresholds.min_reviews"));
        assert!(html.contains("50%") && html.contains("+0.12"));
        assert!(html.contains("trace-42"));
    }

    #[test]
    fn empty_result_renders_and_says_so() {
        let r = empty_fixture();
        let html = render(&r);
        assert!(html.contains("No priced offer"));
        assert!(html.contains("No review text"));
        assert!(html.contains("No product"));
        assert!(!html.contains("<svg"));
        assert!(html.contains("id=\"analyze_market\""));
        assert_eq!(render_html(&r), html);
        // A product with neither offers nor reviews.
        let mut r = empty_fixture();
        let mut p = products().remove(1);
        p.offers.clear();
        r.products.push(p);
        let html = render(&r);
        assert!(html.contains("no priced offer") && html.contains("no review text"));
    }

    #[test]
    fn failed_quality_check_is_prominent() {
        let mut r = fixture();
        r.quality = QualityReport {
            passed: false,
            checks: vec![
                QualityCheck {
                    name: "price_order".into(),
                    passed: true,
                    detail: "ordered".into(),
                },
                QualityCheck {
                    name: "counts_consistent".into(),
                    passed: false,
                    detail: "3 offers in products, 4 in market summary".into(),
                },
            ],
        };
        let html = render(&r);
        assert!(html.contains("Quality checks FAILED: 1 of 2 checks did not pass"));
        assert!(html.contains("banner-quality") && html.contains("Failed: counts_consistent"));
        assert!(html.contains("status-fail") && html.contains("3 offers in products, 4 in"));
        let ok = render(&fixture());
        assert!(!ok.contains("FAILED") && ok.contains("All checks passed (1)."));
    }

    #[test]
    fn degenerate_numbers_give_finite_svg() {
        let mut r = fixture();
        r.market.histogram = vec![PriceBin {
            lower: 10.0,
            upper: 10.0,
            count: 0,
        }];
        r.sentiment.distribution = LabelShares {
            positive: f64::NAN,
            neutral: 0.0,
            negative: 0.0,
        };
        r.market.ratings.distribution = [0, 0, 0, 0, 1];
        let html = render(&r);
        assert!(!html.contains("NaN") && !html.contains("inf"));
        assert!(html.contains("histogram-title"));
        assert!(!html.contains("sentiment-title"), "no bar without shares");
        assert!(histogram_svg(&[], "EUR").is_none());
        let nan_bin = PriceBin {
            lower: f64::NAN,
            upper: 1.0,
            count: 1,
        };
        assert!(histogram_svg(&[nan_bin], "EUR").is_none());
    }

    #[test]
    fn history_shows_not_enough_history_then_a_chart_and_trend_table() {
        use crate::analysis::history::{HistorySettings, price_history};
        use crate::normalize::currency::RateTable;
        use crate::ports::PriceObservation;

        let settings = HistorySettings {
            min_observations: 3,
            min_days: 3,
        };
        let now = "2026-01-06T10:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let mut r = fixture();
        r.market.history = price_history(
            &[],
            &r.products,
            CurrencyCode::EUR,
            &RateTable::bundled(),
            now,
            &settings,
        );
        let html = render(&r);
        assert!(html.contains("id=\"analyze_market-history\""));
        assert!(html.contains("Not enough history for a price trend"));
        assert!(html.contains("not enough history: 4 observations over 0.0 days"));
        assert!(!html.contains("history-title"), "no chart without history");

        // The same offers 20 days earlier, 10% cheaper: a chart and a rising trend.
        let earlier: Vec<PriceObservation> = r
            .products
            .iter()
            .flat_map(|p| &p.offers)
            .map(|o| PriceObservation {
                query_id: Uuid::nil(),
                product_id: r
                    .products
                    .iter()
                    .find(|p| p.offers.iter().any(|x| x.id == o.id))
                    .unwrap()
                    .id
                    .clone(),
                offer_id: o.id.clone(),
                source: o.source.clone(),
                seller: o.seller.clone(),
                amount: (o.price.amount * Decimal::new(9, 1)).round_dp(2),
                currency: o.price.currency,
                observed_at: now - chrono::Duration::days(20),
            })
            .collect();
        r.market.history = price_history(
            &earlier,
            &r.products,
            CurrencyCode::EUR,
            &RateTable::bundled(),
            now,
            &settings,
        );
        assert!(r.market.history.has_trend);
        let html = render(&r);
        assert!(html.contains("<title id=\"history-title\">Median observed offer price per day in EUR, 2 days from 2025-12-17 to 2026-01-06"));
        assert!(html.contains("<polyline class=\"trend\" points=\""));
        assert_eq!(html.matches("<svg").count(), 4);
        assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
        assert!(html.contains("+11.1%"), "90 → 100 is +11.1 %");
        assert!(html.contains("fixed reference rates"));
        assert!(!html.contains("NaN") && !html.contains("inf\""));
        assert!(history_svg(&r.market.history.daily[..1], "EUR").is_none());
    }

    #[test]
    fn fallback_page_escapes() {
        let mut r = fixture();
        r.query = EVIL_TITLE.into();
        let page = fallback_page(&r, "<b>boom</b>");
        assert!(!page.contains("<script") && !page.contains("<b>"));
        assert!(page.contains("&lt;b&gt;boom"));
    }

    #[test]
    fn formatting_helpers() {
        assert_eq!(fmt_money(1234.5, "EUR"), "1234.50 EUR");
        assert_eq!(fmt_money(f64::NAN, "EUR"), "—");
        assert_eq!(
            fmt_money_exact(&Money::new(
                Decimal::new(1299, 0),
                CurrencyCode::parse("JPY").unwrap()
            )),
            "1299.00 JPY"
        );
        assert_eq!(fmt_figure(3.0), "3");
        assert_eq!(fmt_figure(0.025), "0.025");
        assert_eq!(fmt_age(59), "59 s");
        assert_eq!(fmt_age(90_000), "1 d 1 h");
        assert_eq!(fmt_duration_ms(2500), "2.5 s");
        assert_eq!(link_text("https://shop.example/x?y"), "shop.example");
    }
}
