//! Rendering tests on a fixed result: escaping, links, sections, charts, empty and
//! degenerate input.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::charts::{histogram_svg, history_svg};
use super::sections::products::is_web_url;
use super::view::product_anchor;
use super::{fallback_page, render_html, try_render_html};
use crate::analysis::market::{MarketSettings, MarketSummary, PriceBin, analyze_market};
use crate::analysis::sentiment::{
    AspectSentiment, Disagreement, GroupSentiment, LabelShares, ReviewSentiment, SentimentLabel,
    SentimentSummary,
};
use crate::domain::{
    AnalysisParams, Availability, Condition, ConvertedPrice, CurrencyCode, Fingerprint, Language,
    Market, MergeEvidence, Money, Offer, Product, Rating, Review,
};
use crate::normalize::{NormalizationSummary, RejectedOffer};
use crate::recommend::{Explanation, Recommendation, RecommendationKind};
use crate::result::{
    AnalysisResult, QualityCheck, QualityReport, RESULT_SCHEMA_VERSION, SourceOutcome,
    SourceStatus, Traceability,
};

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
        also_from: Vec::new(),
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

/// The market summary of `products` in euros, with the fixture's settings.
fn fixture_market(products: &[Product]) -> MarketSummary {
    analyze_market(
        products,
        CurrencyCode::EUR,
        &MarketSettings {
            outlier_robust_z: 3.5,
            outlier_min_offers: 5,
            min_reviews: 1,
            bayesian_prior_weight: 5.0,
            // The fixture's two reviews still get a mean and shares.
            min_sample_size: 2,
        },
    )
}

fn fixture() -> AnalysisResult {
    let products = products();
    let market = fixture_market(&products);
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
                fetched_at: None,
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
                fetched_at: None,
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
            offers_seen_in_several_sources: 0,
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
        narrative_language: Language::En,
        llm: None,
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
            experiment: None,
        },
    }
}

fn empty_fixture() -> AnalysisResult {
    let mut r = fixture();
    r.products.clear();
    r.market = fixture_market(&[]);
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
    assert!(html.contains("Not enough history for a price trend yet: all prices were observed at one time (a trend needs at least 3 days between the first and the last) and no offer has been seen at two different times."));
    assert!(html.contains("up to 90 days back"));
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
fn counts_take_their_plural_form() {
    let mut r = fixture();
    let html = render(&r);
    assert!(html.contains("2 products, 4 offers, 3 sellers;"), "plural");
    assert!(html.contains("2 reviews scored") && html.contains("2 rated reviews, mean"));
    r.products.truncate(1);
    r.products[0].offers.truncate(1);
    r.products[0].reviews.truncate(1);
    r.market = analyze_market(
        &r.products,
        CurrencyCode::EUR,
        &MarketSettings::from_thresholds(&crate::config::AgentConfig::builtin().thresholds),
    );
    r.sentiment.review_count = 1;
    r.quality.passed = false;
    r.quality.checks[0].passed = false;
    let html = render(&r);
    assert!(html.contains("1 product, 1 offer, 1 seller;"), "singular");
    assert!(html.contains("1 review scored") && html.contains("1 rated review, mean"));
    assert!(html.contains("1 of 1 check did not pass"));
    for wrong in [
        "1 sellers",
        "1 offers",
        "1 products",
        "1 reviews",
        "1 checks",
    ] {
        assert!(!html.contains(wrong), "{wrong}");
    }
}

#[test]
fn every_brand_tied_for_the_lead_is_named_in_summary_and_table() {
    let mut r = fixture();
    r.products[1].brand = Some("Zenith".into());
    let mut minor = r.products[1].clone();
    minor.id = "catalog:minor".into();
    minor.brand = Some("Minor".into());
    minor.offers.truncate(1);
    r.products.push(minor);
    r.market = analyze_market(
        &r.products,
        CurrencyCode::EUR,
        &MarketSettings::from_thresholds(&crate::config::AgentConfig::builtin().thresholds),
    );
    r.narrative =
        crate::report::narrative::narrative(Language::En, "x", &r.market, &r.sentiment, &[]);
    let html = render(&r);
    assert!(
        html.contains("Acme and Zenith are tied for the most offers (2 each of 5, 40% each)"),
        "summary"
    );
    assert!(!html.contains("has the most offers"));
    assert!(
        html.contains("By brand &middot; <strong>Tied for the most offers: Acme and Zenith (2 offers each).</strong>"),
        "brand table"
    );
}

#[test]
fn best_value_compares_new_offers_and_names_the_condition_of_other_prices() {
    use crate::testing;
    let condition = |ps: &mut Vec<crate::domain::CollectedProduct>, text: &str| {
        for o in ps.iter_mut().flat_map(|p| p.offers.iter_mut()) {
            o.condition_text = Some(text.into());
        }
    };
    // Product 100's cheapest offer (99 € at Alpha) is used; the rest are new.
    let mut ps = testing::products();
    condition(&mut ps, "new");
    ps[0].offers[0].condition_text = Some("used".into());
    let r = testing::result_for("headphones", ps);
    let html = render(&r);
    assert!(html.contains("From 105.00 EUR at Beta;"), "new against new");
    assert!(!html.contains("From 99.00 EUR"));
    assert!(html.contains("99.00 EUR (used)"), "product's lowest price");
    // The market's cheapest offer is that used one: the summary and key figures say so.
    assert!(html.contains("Prices range from 99.00 (used) to 1999.00 EUR"));
    assert!(html.contains("<th scope=\"row\">Minimum</th><td class=\"num\">99.00 EUR (used)</td>"));
    assert!(html.contains("cheapest new offer"));
    // Nothing new: used offers are compared with used ones, and say so.
    let mut ps = testing::products();
    condition(&mut ps, "used");
    let r = testing::result_for("headphones", ps);
    let html = render(&r);
    assert!(html.contains("From 99.00 EUR (used) at Alpha;"), "used");
    assert!(html.contains("Best value (among used offers: no offer is new): Acme Headphones 100"));
}

#[test]
fn statistics_below_the_minimum_sample_say_there_is_too_little_data() {
    use crate::testing;
    // Three rated products whose ratings rise with price (rho +0.50 over 3 points).
    let mut ps = testing::products();
    let extra = ps[2].reviews[0].clone();
    ps[2].reviews.push(extra);
    let r = testing::result_for("headphones", ps);
    let html = render(&r);
    assert!(
        !html.contains("tend to be rated better"),
        "no relation from 3 points"
    );
    assert!(html.contains(
        "With 3 rated products there is too little data to relate price and rating (at least 5 needed)."
    ));
    assert!(html.contains(
        "Too little data for a price–rating correlation: 3 rated products (at least 5 needed)."
    ));
    assert!(r.market.price_rating_correlation.is_none());

    // Three offers, four reviews: no quartiles, histogram, mean score or mean stars.
    let mut ps = testing::products();
    ps.truncate(2);
    ps[1].offers.truncate(1);
    ps[0].reviews.truncate(2);
    ps[1].reviews.truncate(2);
    let r = testing::result_for("headphones", ps);
    let html = render(&r);
    assert!(html.contains(
        "Prices range from 99.00 (condition unknown) to 149.00 (condition unknown) EUR; 3 offers are too little data for a median, quartiles or spread (at least 5 needed)."
    ));
    assert!(html.contains("Too little data for a median, quartiles, mean, spread or histogram: 3 priced offers (at least 5 needed)."));
    assert!(!html.contains("histogram-title") && !html.contains("First quartile"));
    assert!(html.contains(
        "With 4 reviews there is too little data to say what customers write (at least 5 needed)."
    ));
    assert!(html.contains("Too little data for a mean text score or label shares: 4 reviews"));
    assert!(!html.contains("sentiment-title") && !html.contains("mean text score <strong>"));
    assert!(html.contains("mean — (too little data: at least 5 rated reviews needed)"));
    assert!(
        !r.recommendations
            .iter()
            .any(|x| x.kind == RecommendationKind::PricePositioning)
    );
}

#[test]
fn outliers_are_judged_within_a_product_and_tiers_shown_for_the_market() {
    use crate::testing;
    // The catalogue's 1999 € offer is far from the market but its product has only 3
    // offers: no robust z is computed and the report says why.
    let r = testing::result();
    let html = render(&r);
    assert!(r.market.outliers.is_empty());
    assert!(html.contains("No product has at least 5 offers in one condition: too little data"));
    assert!(!html.contains("flagged as outliers") && !html.contains("Robust z"));
    assert!(html.contains("Price tiers") && html.contains("below 127.00 EUR"));
    assert!(html.contains("above 254.00 EUR"));
    // Product 100 sold by six shops, one of them at 55 €, and a premium product 300
    // whose five offers are all near 1999 €.
    let mut ps = testing::products();
    let template = ps[0].offers[0].clone();
    let offers = |prefix: &str, prices: &[&str]| -> Vec<crate::domain::CollectedOffer> {
        prices
            .iter()
            .enumerate()
            .map(|(i, price)| crate::domain::CollectedOffer {
                offer_id: format!("{prefix}{i}"),
                seller: format!("Shop {i}"),
                price_text: (*price).into(),
                ..template.clone()
            })
            .collect()
    };
    ps[0].offers = offers(
        "x",
        &[
            "100,00 €",
            "101,00 €",
            "99,00 €",
            "102,00 €",
            "100,00 €",
            "55,00 €",
        ],
    );
    ps[2].offers = offers(
        "z",
        &[
            "1 999,00 €",
            "1 989,00 €",
            "2 009,00 €",
            "1 995,00 €",
            "2 001,00 €",
        ],
    );
    let r = testing::result_for("headphones", ps);
    let html = render(&r);
    assert_eq!(r.market.outliers.len(), 1, "{:?}", r.market.outliers);
    assert!(html.contains(
        "1 offer is priced far from other offers of the same product (a possible pricing error or deal)."
    ));
    assert!(html.contains("Shop 5</td><td class=\"num\">55.00 EUR (condition unknown)</td><td class=\"num\">100.00 EUR (6 offers)</td><td class=\"num\">-45%</td>"));
    assert!(html.contains("2 products with at least 5 offers checked"));
}

#[test]
fn history_chart_is_scaled_to_the_medians_with_cut_ranges_marked() {
    use crate::analysis::history::DailyPrices;
    // Medians fall 9 % (100 → 91) while single offers range from 9 to 1000 EUR.
    let day = |d: u32, median: f64, min: f64, max: f64| DailyPrices {
        date: NaiveDate::from_ymd_opt(2026, 1, d).unwrap(),
        observation_count: 40,
        median,
        min,
        max,
    };
    let days = [
        day(1, 100.0, 10.0, 1000.0),
        day(10, 95.0, 12.0, 900.0),
        day(20, 91.0, 9.0, 950.0),
    ];
    let svg = history_svg(&days, "EUR").unwrap();
    let label = |s: &str| s.parse::<f64>().unwrap();
    assert!(label(&svg.y_max_label) < 110.0, "{}", svg.y_max_label);
    assert!(label(&svg.y_min_label) > 80.0, "{}", svg.y_min_label);
    // The fall spans most of the plot height (16 to 204).
    let y = |i: usize| label(&svg.days[i].y);
    assert!(y(2) - y(0) > 0.5 * (204.0 - 16.0), "{} → {}", y(0), y(2));
    assert!(svg.clipped);
    for d in &svg.days {
        assert_eq!(d.clip_marks.len(), 2, "both ends cut");
        assert_eq!(
            (d.range_top.as_str(), d.range_bottom.as_str()),
            ("16.0", "204.0")
        );
        assert!(
            d.title
                .ends_with("the range is cut at the edge of the axis")
        );
    }
    let mut r = fixture();
    r.market.history.daily = days.to_vec();
    let html = render(&r);
    assert!(html.contains("a triangle marks a range cut at its edge"));
    assert_eq!(html.matches("<path class=\"clip\"").count(), 6);
    // Ranges inside the axis are drawn whole and unmarked.
    let calm = [day(1, 100.0, 98.0, 102.0), day(2, 101.0, 99.0, 103.0)];
    let svg = history_svg(&calm, "EUR").unwrap();
    assert!(!svg.clipped && svg.days.iter().all(|d| d.clip_marks.is_empty()));
}

#[test]
fn a_french_query_gets_a_french_summary() {
    use crate::testing;
    // French wording writes a no-break space before : ; % and inside « »; `~` in the
    // expected text stands for it.
    let has = |html: &str, text: &str| {
        let text = askama_escape(&text.replace('~', "\u{a0}"));
        assert!(html.contains(&text), "{text:?} missing");
    };
    let r = testing::result_for("casque sans fil", testing::products());
    let html = render(&r);
    assert!(html.contains("<p lang=\"fr\">"));
    has(
        &html,
        "Pour «~casque sans fil~», la comparaison porte sur 7 offres pour 3 produits de 3 vendeurs, en EUR.",
    );
    has(
        &html,
        "avec une médiane de 155,00 EUR~; la moitié des offres se situe entre 127,00 et 254,00 EUR.",
    );
    has(&html, "Acme a le plus d'offres (4 sur 7, 57~%).");
    has(&html, "aucune offre n'a été vue à deux moments différents.");
    has(
        &html,
        "Avec 3 produits notés, il y a trop peu de données pour relier le prix et la note (au moins 5 nécessaires).",
    );
    has(
        &html,
        "L'aspect le plus apprécié est son (5 mentions)~; l'aspect le plus critiqué est batterie (4 mentions).",
    );
    // The same analysis asked in English stays English.
    let en = render(&testing::result_for("headphones", testing::products()));
    assert!(en.contains("<p lang=\"en\">") && en.contains("the comparison covers 7 offers"));

    // Singular by the French rule, ties, a used best value, an outlier.
    let mut ps = testing::products();
    ps.truncate(1);
    ps[0].offers.truncate(1);
    let html = render(&testing::result_for("casque sans fil", ps));
    has(
        &html,
        "la comparaison porte sur 1 offre pour 1 produit de 1 vendeur, en EUR.",
    );
    has(
        &html,
        "1 offre ne suffit pas pour une médiane, des quartiles ou une dispersion (au moins 5 nécessaires).",
    );

    // Acme 2 offers, Boreal 1, Zenith 2, every one used.
    let mut ps = testing::products();
    ps[1].brand = Some("Boreal".into());
    ps[1].offers.truncate(1);
    ps[2].offers.truncate(2);
    for o in ps.iter_mut().flat_map(|p| p.offers.iter_mut()) {
        o.condition_text = Some("occasion".into());
    }
    let r = testing::result_for("casque sans fil", ps);
    let html = render(&r);
    has(
        &html,
        "Acme et Zenith sont à égalité pour le plus d'offres (2 chacune sur 5, 40~% chacune)",
    );
    has(
        &html,
        "Meilleur rapport qualité-prix (parmi les offres d'occasion~: aucune offre n'est neuve)~: Acme Headphones 100.",
    );
    has(
        &html,
        "Les prix vont de 99,00 (d'occasion) à 259,00 (d'occasion) EUR",
    );

    let mut r = testing::result_for("casque sans fil", testing::products());
    r.market.outliers = vec![crate::analysis::market::OutlierOffer {
        product_id: "catalog:100".into(),
        offer_id: "a1".into(),
        seller: "Alpha".into(),
        price: 55.0,
        robust_z: -9.0,
        condition: Condition::New,
        product_median: 100.0,
        compared_offers: 6,
    }];
    r.market.history.windows = vec![crate::analysis::history::TrendWindow {
        window_days: 90,
        observation_count: 12,
        offers_with_history: 1,
        days_covered: 25.0,
        trend: Some(crate::analysis::history::PriceTrend {
            slope_per_day: -0.36,
            percent_change: -9.04,
            start_level: 100.0,
            min: 90.0,
            max: 101.0,
        }),
        reason: None,
    }];
    r.narrative = crate::report::narrative::narrative(
        Language::Fr,
        &r.query,
        &r.market,
        &r.sentiment,
        &r.recommendations,
    );
    let html = render(&r);
    has(
        &html,
        "1 offre a un prix très éloigné des autres offres du même produit (erreur de prix ou bonne affaire possible).",
    );
    has(
        &html,
        "Sur 25 jours de prix enregistrés, les prix des mêmes produits ont baissé (-9,0~%, -0,36 EUR par jour~; 12 observations, 1 offre vue plus d'une fois, entre 90,00 et 101,00 EUR).",
    );
}

#[test]
fn fallback_page_escapes() {
    let mut r = fixture();
    r.query = EVIL_TITLE.into();
    let page = fallback_page(&r, "<b>boom</b>");
    assert!(!page.contains("<script") && !page.contains("<b>"));
    assert!(page.contains("&lt;b&gt;boom"));
}

fn with_llm(accepted: bool) -> AnalysisResult {
    use crate::llm::{GeneratedSummary, LlmNarrative, RecommendationText};
    let mut r = fixture();
    let text = GeneratedSummary {
        summary: vec!["Generated paragraph <i>about</i> prices.".into()],
        recommendations: (0..r.recommendations.len() as u32)
            .map(|index| RecommendationText {
                index,
                explanation: format!("Generated explanation {index}."),
            })
            .collect(),
        key_points: vec!["Generated key point.".into()],
    };
    r.llm = Some(LlmNarrative::from_calls(
        "summarize-v1",
        accepted.then(|| ("small-model".to_owned(), text)),
        vec![],
        None,
    ));
    if !accepted {
        r.llm.as_mut().unwrap().reason = Some("small-model: ungrounded: price 9.99 EUR".into());
    }
    r
}

#[test]
fn an_accepted_generated_text_is_marked_with_its_model_and_prompt_version() {
    let html = render(&with_llm(true));
    assert!(html.contains("id=\"llm_summarize\""), "section present");
    assert!(html.contains("Generated by the language model small-model (prompt summarize-v1)"));
    assert!(
        html.contains("Generated paragraph &#60;i&#62;about&#60;/i&#62; prices.")
            || html.contains("Generated paragraph &lt;i&gt;about&lt;/i&gt; prices."),
        "escaped"
    );
    assert!(html.contains("Generated key point.") && html.contains("Generated explanation 0."));
    assert!(
        html.contains("For the query, 4 offers were compared."),
        "deterministic kept"
    );
}

#[test]
fn a_rejected_generated_text_is_not_shown_and_the_report_says_why() {
    let html = render(&with_llm(false));
    assert!(!html.contains("id=\"llm_summarize\""));
    assert!(!html.contains("Generated key point."));
    assert!(html.contains("Generated summary rejected"));
    assert!(html.contains("ungrounded: price 9.99 EUR"), "the reason");
    assert!(html.contains("For the query, 4 offers were compared."));
}
