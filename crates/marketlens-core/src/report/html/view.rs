//! The view model: what the template lays out, one type per block of the page, in the
//! order of the template. It holds only strings and numbers (figures formatted, chart
//! geometry computed); text from the data stays raw and is escaped by the template.
//! The builders are in [`super::sections`] and [`super::charts`].

use std::collections::HashMap;

use crate::domain::Product;

/// A label and an already formatted value.
/// The view model of the whole page, in the order of the template.
pub struct ReportView {
    pub query: String,
    pub normalized_query: String,
    pub query_id: String,
    pub fingerprint: String,
    pub generated: String,
    pub params: Vec<Kv>,
    pub banners: Vec<Banner>,
    pub narrative: Vec<String>,
    /// `lang` of the summary section (the narrative follows the query's language).
    pub narrative_language: &'static str,
    /// The accepted generated narrative, if any (section `llm_summarize`).
    pub generated_text: Option<GeneratedView>,
    pub recommendations: Vec<RecommendationView>,
    pub market: MarketView,
    pub sentiment: SentimentView,
    pub products: Vec<ProductView>,
    pub sources: Vec<SourceRow>,
    pub normalization: NormalizationView,
    pub quality: QualityView,
    pub trace: TraceView,
}

pub struct Kv {
    pub label: String,
    pub value: String,
}

pub fn kv(label: impl Into<String>, value: impl Into<String>) -> Kv {
    Kv {
        label: label.into(),
        value: value.into(),
    }
}

/// A reference to a product: a link to its row when it is in the report.
pub struct ProductRef {
    pub id: String,
    /// Fragment target (`p-…`) when the product is listed in the report.
    pub anchor: Option<String>,
    pub title: Option<String>,
}

pub struct Banner {
    /// CSS modifier: `notice`, `stale`, `fallback`, `failed`, `quality`.
    pub class: &'static str,
    pub heading: String,
    pub text: String,
}

/// Product ids → anchors and titles, for links from other sections.
pub struct ProductIndex<'a> {
    by_id: HashMap<&'a str, &'a Product>,
}

impl<'a> ProductIndex<'a> {
    pub fn new(products: &'a [Product]) -> Self {
        Self {
            by_id: products.iter().map(|p| (p.id.as_str(), p)).collect(),
        }
    }

    pub fn reference(&self, id: &str) -> ProductRef {
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
pub fn product_anchor(id: &str) -> String {
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

// -------------------------------------------------------------------------------------
// Section `recommendations`

pub struct RecommendationView {
    pub kind: &'static str,
    pub title: String,
    pub detail: String,
    pub rule: String,
    pub figures: Vec<Kv>,
    pub thresholds: Vec<Kv>,
    pub products: Vec<ProductRef>,
}

// -------------------------------------------------------------------------------------
// Section `analyze_market`

pub struct MarketView {
    pub currency: String,
    /// "3 products, 5 offers, 1 seller": the counts with their plural forms.
    pub counts: String,
    /// Empty when there is no priced offer.
    pub key_figures: Vec<Kv>,
    /// Set when there are too few offers for anything beyond count, min and max.
    pub too_little_price_data: Option<String>,
    pub histogram: Option<HistogramSvg>,
    pub breakdowns: Vec<Breakdown>,
    pub outliers: Vec<OutlierRow>,
    /// What the outlier check covered, or why it could not run.
    pub outliers_note: String,
    pub tiers: Vec<TierRow>,
    pub ratings: RatingsView,
    pub product_ratings: Vec<ProductRatingRow>,
    /// The prior of the Bayesian ratings, in words.
    pub rating_prior: String,
    /// Which condition the lowest prices (and best value) are taken in.
    pub compared_condition_note: String,
    pub correlation: Option<String>,
    pub condition_discounts: Vec<ConditionDiscountRow>,
    pub history: HistoryView,
}

pub struct ProductRatingRow {
    pub product: ProductRef,
    pub rated_reviews: u32,
    pub mean_stars: String,
    pub weighted_rating: String,
    pub lowest_price: String,
    pub best_value: bool,
}

pub struct ConditionDiscountRow {
    pub condition: String,
    pub products_compared: u32,
    pub median_discount: String,
}

pub struct Breakdown {
    pub title: &'static str,
    pub key_label: &'static str,
    pub rows: Vec<GroupRow>,
    /// Names every group tied for the most offers, when more than one is.
    pub tie_note: Option<String>,
}

pub struct GroupRow {
    pub key: String,
    pub offer_count: u32,
    pub share: String,
    pub min: String,
    pub median: String,
    pub max: String,
}

pub struct OutlierRow {
    pub product: ProductRef,
    pub offer_id: String,
    pub seller: String,
    /// With its condition when not new.
    pub price: String,
    /// "100.00 EUR (6 offers)": the product's median in that condition.
    pub product_median: String,
    /// Relative to the product's median: "-45%".
    pub difference: String,
    pub robust_z: String,
}

pub struct TierRow {
    pub tier: &'static str,
    pub range: String,
    pub offers: u32,
    pub products: u32,
}

pub struct RatingsView {
    /// "1 rated review", "12 rated reviews".
    pub rated_reviews_label: String,
    pub mean: String,
    pub chart: Option<RatingsSvg>,
}

// -------------------------------------------------------------------------------------
// Section `analyze_market`: price history

pub struct HistoryView {
    /// One sentence: what the history holds.
    pub summary: String,
    /// Without a trend: what the history lacks for one.
    pub missing: Option<String>,
    pub has_trend: bool,
    pub windows: Vec<HistoryWindowRow>,
    pub chart: Option<HistorySvg>,
    /// How stored prices were converted.
    pub rates_note: String,
}

pub struct HistoryWindowRow {
    pub window: String,
    pub observations: u32,
    pub offers_with_history: u32,
    pub days_covered: String,
    pub slope: String,
    pub change: String,
    pub min: String,
    pub max: String,
    /// "not enough history: …" when the window has no trend.
    pub reason: Option<String>,
}

// -------------------------------------------------------------------------------------
// Section `analyze_sentiment`

pub struct SentimentView {
    pub review_count: u32,
    /// Set when there are too few reviews for a mean and shares.
    pub too_little_data: Option<String>,
    /// "1 review", "12 reviews".
    pub reviews_label: String,
    pub mean_score: String,
    pub shares: Vec<ShareRow>,
    pub bar: Option<StackSvg>,
    pub languages: Vec<Kv>,
    pub aspects: Vec<AspectRow>,
    pub top_positive: Option<String>,
    pub top_negative: Option<String>,
    pub disagreements: Vec<DisagreementRow>,
    pub sellers: Vec<SellerSentimentRow>,
}

pub struct ShareRow {
    pub class: &'static str,
    pub label: &'static str,
    pub pct: String,
}

pub struct AspectRow {
    pub aspect: String,
    pub mentions: u32,
    pub mean_score: String,
    pub positive_share: String,
    pub negative_share: String,
    pub positive_quote: Option<String>,
    pub negative_quote: Option<String>,
}

pub struct DisagreementRow {
    pub product: ProductRef,
    pub review_id: String,
    pub stars: String,
    pub score: String,
    pub quote: String,
}

pub struct SellerSentimentRow {
    pub seller: String,
    pub review_count: u32,
    pub mean_score: String,
}

// -------------------------------------------------------------------------------------
// Section `products`

pub struct ProductView {
    pub anchor: String,
    pub id: String,
    pub title: String,
    pub brand: String,
    pub model: String,
    pub gtin: String,
    pub offer_count: usize,
    pub lowest: String,
    pub mean_stars: String,
    pub review_count: usize,
    pub text_sentiment: String,
    pub offers: Vec<OfferRow>,
}

pub struct OfferRow {
    pub seller: String,
    pub source: String,
    pub price_text: String,
    pub original: String,
    pub converted: String,
    pub rate: String,
    pub rate_date: String,
    pub condition: &'static str,
    pub availability: &'static str,
    /// Set only for `http://` / `https://` URLs.
    pub href: Option<String>,
    pub link_text: String,
    /// Any other URL, shown as plain text.
    pub url_text: Option<String>,
}

// -------------------------------------------------------------------------------------
// Section `fetch_products`

pub struct SourceRow {
    pub source: String,
    pub kind: String,
    pub status: &'static str,
    pub products: u32,
    pub offers: u32,
    pub duration: String,
    pub age: String,
    pub error_type: String,
    pub error_message: String,
    pub notice: String,
}

// -------------------------------------------------------------------------------------
// Section `normalize`

pub struct NormalizationView {
    pub figures: Vec<Kv>,
    pub rejected: Vec<RejectedRow>,
    pub merges: Vec<MergeRow>,
}

pub struct RejectedRow {
    pub source: String,
    pub offer_id: String,
    pub price_text: String,
    pub reason: String,
}

pub struct MergeRow {
    pub product: ProductRef,
    pub from: String,
    pub rule: String,
}

// -------------------------------------------------------------------------------------
// Section `quality`

pub struct QualityView {
    pub passed: bool,
    pub failed_count: usize,
    /// "1 of 7 checks did not pass", "1 of 1 check did not pass".
    pub failed_summary: String,
    pub checks: Vec<CheckRow>,
}

pub struct CheckRow {
    pub name: String,
    pub passed: bool,
    pub detail: String,
}

// -------------------------------------------------------------------------------------
// Section `llm_summarize`

pub struct GeneratedView {
    /// Says the text is generated, by which model, with which prompt version.
    pub label: String,
    pub summary: Vec<String>,
    pub key_points: Vec<String>,
    /// Recommendation title → its generated explanation.
    pub explanations: Vec<Kv>,
}

// Section `traceability`

pub struct TraceView {
    pub figures: Vec<Kv>,
}

// -------------------------------------------------------------------------------------
// Charts: SVG geometry, every number pre-formatted and finite

/// A chart's size and the edges of its plot area, in SVG user units.
pub struct PlotFrame {
    pub width: u32,
    pub height: u32,
    pub left: String,
    pub top: String,
    pub right: String,
    pub bottom: String,
}

/// SVG geometry is pre-formatted: every number in it is finite.
pub struct HistogramSvg {
    pub frame: PlotFrame,
    /// Lower end of the x-axis tick marks.
    pub tick_end: String,
    pub y_max_label: String,
    /// A horizontal gridline at a whole number of offers, half-way up or below.
    pub y_grid: Option<GridLine>,
    pub x_title_x: String,
    pub x_title_y: String,
    pub x_title: String,
    pub y_title_y: String,
    pub bars: Vec<SvgBar>,
    pub ticks: Vec<SvgTick>,
    pub summary: String,
}

pub struct SvgBar {
    pub x: String,
    pub y: String,
    pub w: String,
    pub h: String,
    pub label_x: String,
    pub label_y: String,
    pub count: u32,
    pub title: String,
}

pub struct GridLine {
    pub y: String,
    pub label: String,
}

pub struct SvgTick {
    pub x: String,
    pub label: String,
}

/// Daily median price line with min–max ranges; geometry pre-formatted.
pub struct HistorySvg {
    pub frame: PlotFrame,
    pub y_max_label: String,
    pub y_min_label: String,
    /// `points` attribute of the median polyline.
    pub line: String,
    pub days: Vec<HistoryDay>,
    pub x_first_label: String,
    pub x_last_label: String,
    pub x_label_y: String,
    pub summary: String,
    /// Whether some day's range was cut at the edge of the axis.
    pub clipped: bool,
}

pub struct HistoryDay {
    pub x: String,
    pub y: String,
    pub range_top: String,
    pub range_bottom: String,
    pub title: String,
    /// SVG path data of a triangle for each end of the range cut at the axis.
    pub clip_marks: Vec<String>,
}

pub struct RatingsSvg {
    pub width: u32,
    pub height: u32,
    pub rows: Vec<RatingRow>,
    pub summary: String,
}

pub struct RatingRow {
    pub label: String,
    pub count: u32,
    pub share: String,
    pub y: String,
    pub text_y: String,
    pub w: String,
    pub count_x: String,
    pub title: String,
}

pub struct StackSvg {
    pub width: u32,
    pub height: u32,
    pub segments: Vec<StackSegment>,
    pub summary: String,
}

pub struct StackSegment {
    pub class: &'static str,
    pub x: String,
    pub w: String,
    pub text_x: String,
    /// Label drawn inside the segment when it is wide enough.
    pub text: Option<String>,
    pub title: String,
}
