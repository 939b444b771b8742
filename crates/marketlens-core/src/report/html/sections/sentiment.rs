//! Section `analyze_sentiment`: label shares and their bar, languages, aspects, quotes,
//! sentiment per seller and the reviews whose text contradicts their stars.

use super::market::too_little_data;
use crate::analysis::sentiment::{LabelShares, SentimentSummary};
use crate::domain::Language;
use crate::report::html::charts::sentiment_svg;
use crate::report::html::format::{fmt_pct, fmt_signed, fmt_stars};
use crate::report::html::view::{
    AspectRow, DisagreementRow, ProductIndex, SellerSentimentRow, SentimentView, ShareRow, kv,
};

/// `min_sample_size`: reviews needed before the mean score and label shares are shown.
pub fn sentiment_view(
    s: &SentimentSummary,
    products: &ProductIndex<'_>,
    min_sample_size: u32,
) -> SentimentView {
    let too_few = s.review_count < min_sample_size;
    let parts = label_shares(&s.distribution);
    let shares = parts
        .iter()
        .map(|(class, label, v)| ShareRow {
            class,
            label,
            pct: fmt_pct(*v),
        })
        .collect();
    SentimentView {
        review_count: s.review_count,
        too_little_data: too_few.then(|| {
            too_little_data(
                "mean text score or label shares",
                Language::En.count(s.review_count.into(), "review", "reviews"),
                min_sample_size,
            )
        }),
        reviews_label: Language::En.count(s.review_count.into(), "review", "reviews"),
        mean_score: s.mean_score.map_or_else(|| "—".to_owned(), fmt_signed),
        shares,
        bar: if too_few {
            None
        } else {
            sentiment_svg(&parts, s.review_count)
        },
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

/// The three label shares as (CSS class, label, share), each share a finite number in
/// [0, 1].
fn label_shares(d: &LabelShares) -> [(&'static str, &'static str, f64); 3] {
    let clean = |v: f64| {
        if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        }
    };
    [
        ("positive", "Positive", clean(d.positive)),
        ("neutral", "Neutral", clean(d.neutral)),
        ("negative", "Negative", clean(d.negative)),
    ]
}
