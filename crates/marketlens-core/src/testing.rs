//! A complete analysis result built by running the pure stages on a small hand-made
//! set of products (two brands, three shops, reviews in English and French), and the
//! values tests write as literals (`cc("EUR")`, `dec("12.50")`).

use std::str::FromStr;

use chrono::{TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::analysis::history::{HistorySettings, price_history};
use crate::analysis::market::{MarketSettings, analyze_market};
use crate::analysis::sentiment::{SentimentSettings, analyze_sentiment};
use crate::config::AgentConfig;
use crate::domain::{
    AnalysisRequest, CollectedOffer, CollectedProduct, CollectedReview, CurrencyCode, Fingerprint,
    Market,
};
use crate::normalize::{currency::RateTable, normalize};
use crate::report::{AnalysisResult, ResultHead, StageOutputs, Traceability, assemble_result};

/// A decimal literal; panics on a malformed one.
pub fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

/// A currency code literal; panics on an unknown one.
pub fn cc(s: &str) -> CurrencyCode {
    CurrencyCode::parse(s).unwrap()
}

/// A market literal; panics on an unknown one.
pub fn market(s: &str) -> Market {
    Market::parse(s).unwrap()
}

/// A collected offer with nothing but its id, seller and price text.
pub fn offer(id: &str, seller: &str, price: &str) -> CollectedOffer {
    CollectedOffer {
        offer_id: id.into(),
        seller: seller.into(),
        price_text: price.into(),
        currency_hint: None,
        country: None,
        condition_text: None,
        availability_text: None,
        url: None,
    }
}

/// An offer of the sample set, with a page at its shop.
fn shop_offer(id: &str, seller: &str, price: &str) -> CollectedOffer {
    CollectedOffer {
        url: Some(format!("https://{}.example/{id}", seller.to_lowercase())),
        ..offer(id, seller, price)
    }
}

fn review(id: &str, seller: &str, stars: f64, text: &str, lang: &str) -> CollectedReview {
    CollectedReview {
        review_id: id.into(),
        seller: Some(seller.into()),
        author: None,
        rating: Some(stars),
        title: None,
        text: text.into(),
        language: Some(lang.into()),
        date: None,
    }
}

pub fn products() -> Vec<CollectedProduct> {
    let p = |id: &str, brand: &str, offers, reviews| CollectedProduct {
        source: "catalog".into(),
        source_product_id: id.into(),
        title: format!("{brand} Headphones {id}"),
        brand: Some(brand.into()),
        model: Some(format!("HP-{id}")),
        category: Some("headphones".into()),
        gtin: None,
        mpn: None,
        url: None,
        offers,
        reviews,
    };
    vec![
        p(
            "100",
            "Acme",
            vec![
                shop_offer("a1", "Alpha", "99,00 €"),
                shop_offer("a2", "Beta", "€105.00"),
            ],
            vec![
                review(
                    "r1",
                    "Alpha",
                    5.0,
                    "Great sound and the battery lasts forever. Love it!",
                    "en",
                ),
                review(
                    "r2",
                    "Alpha",
                    4.0,
                    "Very comfortable, good value for the price.",
                    "en",
                ),
                review(
                    "r3",
                    "Beta",
                    5.0,
                    "Excellent son, très confortable, je recommande !",
                    "fr",
                ),
            ],
        ),
        p(
            "200",
            "Acme",
            vec![
                shop_offer("b1", "Alpha", "149,00 €"),
                shop_offer("b2", "Gamma", "155 €"),
            ],
            vec![
                review(
                    "r4",
                    "Gamma",
                    1.0,
                    "Terrible. The battery died after a week and support never answered.",
                    "en",
                ),
                review(
                    "r5",
                    "Gamma",
                    2.0,
                    "Décevant, la batterie ne tient pas et le SAV est nul.",
                    "fr",
                ),
                review(
                    "r6",
                    "Gamma",
                    1.0,
                    "Awful build quality, broke in a month. Waste of money.",
                    "en",
                ),
            ],
        ),
        p(
            "300",
            "Zenith",
            vec![
                shop_offer("c1", "Beta", "249,00 €"),
                shop_offer("c2", "Gamma", "259,00 €"),
                shop_offer("c3", "Alpha", "1 999,00 €"),
            ],
            vec![
                review(
                    "r7",
                    "Beta",
                    5.0,
                    "Superb sound, the noise cancelling is amazing.",
                    "en",
                ),
                review(
                    "r8",
                    "Beta",
                    4.0,
                    "Good sound but the battery could be better.",
                    "en",
                ),
                review(
                    "r9",
                    "Alpha",
                    5.0,
                    "Le son est vraiment excellent, très bon produit.",
                    "fr",
                ),
            ],
        ),
    ]
}

pub fn result() -> AnalysisResult {
    result_for("headphones", products())
}

/// The result of analysing `collected` for `query`, with the built-in configuration.
pub fn result_for(query: &str, collected: Vec<CollectedProduct>) -> AnalysisResult {
    let config = AgentConfig::builtin();
    let (query, params) = AnalysisRequest {
        query: query.into(),
        ..Default::default()
    }
    .parse(
        &config.defaults,
        &config.enabled_source_names(),
        &config.known_markets(),
    )
    .unwrap();
    let t = &config.thresholds;
    let normalized = normalize(&collected, &params, &RateTable::bundled());
    let generated_at = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap();
    let mut market = analyze_market(
        &normalized.products,
        params.currency,
        &MarketSettings::from_thresholds(t),
    );
    market.history = price_history(
        &[],
        &normalized.products,
        params.currency,
        &RateTable::bundled(),
        generated_at,
        &HistorySettings::from_thresholds(t),
    );
    let sentiment = analyze_sentiment(
        &normalized.products,
        &SentimentSettings {
            positive_threshold: t.sentiment_positive,
            negative_threshold: t.sentiment_negative,
            min_reviews: t.min_reviews,
        },
    );
    let head = ResultHead {
        query_id: Uuid::nil(),
        query: query.raw().into(),
        normalized_query: query.normalized().into(),
        fingerprint: Fingerprint::compute(&query, &params),
        params,
        generated_at,
        traceability: Traceability {
            crate_version: "0.0.0".into(),
            git_sha: "test".into(),
            agent_config_version: 1,
            agent_config_hash: config.content_hash(),
            prompt_version: None,
            model: None,
            trace_id: None,
            experiment: None,
        },
    };
    let stages = StageOutputs::new(
        vec![],
        normalized.summary,
        normalized.products,
        market,
        sentiment,
        t,
    );
    assemble_result(head, stages)
}

/// The `llm_summarize` stage's input for [`result`], with at most `top_k` products.
pub fn summary_input(top_k: usize) -> crate::llm::SummaryInput {
    let r = result();
    crate::llm::SummaryInput::build(
        &r.query,
        r.narrative_language,
        r.generated_at.date_naive(),
        &r.products,
        &r.market,
        &r.sentiment,
        &r.recommendations,
        top_k,
    )
}
