//! The deterministic executive summary: sentences built only from computed figures,
//! so every number in it can be traced to the result document, written in the
//! query's language.
//!
//! This module decides what to say (which sentences, with which figures); the
//! message catalogue [`phrases::Phrases`] says it, one implementation per language
//! ([`en`], [`fr`]).

mod en;
mod fr;
mod phrases;

use crate::analysis::market::{MarketSummary, correlated_product_count, leading_groups};
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{Condition, Language, detect_language};
use crate::recommend::{Recommendation, RecommendationKind};
use phrases::{
    BrandLead, CorrelationFigures, Direction, Mood, Overview, Phrases, PriceFigures, Relation,
    TopAspects, TrendFigures,
};

/// The language the summary is written in: the query's when its words say (French
/// function words such as `sans`, `pour`, `de`, or French accents), else the review
/// language the request asked for, else English.
pub fn narrative_language(query: &str, review_language: Option<Language>) -> Language {
    detect_language(query)
        .or_else(|| {
            query
                .chars()
                .any(|c| "éèêàâçùûôîïëœÉÈÊÀÂÇÙÛÔÎÏËŒ".contains(c))
                .then_some(Language::Fr)
        })
        .or(review_language)
        .unwrap_or(Language::En)
}

fn phrases(language: Language) -> &'static dyn Phrases {
    match language {
        Language::En => &en::English,
        Language::Fr => &fr::French,
    }
}

/// An aspect's name as the narrative in `language` writes it (built-in aspects are
/// translated into French; discovered ones stay as the reviews wrote them).
pub fn aspect_name(aspect: &str, language: Language) -> &str {
    match language {
        Language::En => aspect,
        Language::Fr => fr::aspect_name(aspect),
    }
}

pub fn narrative(
    language: Language,
    query: &str,
    market: &MarketSummary,
    sentiment: &SentimentSummary,
    recommendations: &[Recommendation],
) -> Vec<String> {
    let say = phrases(language);
    let c = market.currency.to_string();
    let c = c.as_str();
    let min = market.min_sample_size;
    let mut out = Vec::new();
    let price = market.price.as_ref().map(|p| PriceFigures {
        min: p.min,
        max: p.max,
        spread: (p.count >= min).then_some((p.median, p.q1, p.q3)),
        min_condition: market.condition_at_extreme(p.min),
        max_condition: market.condition_at_extreme(p.max),
        count: p.count,
        needed: min,
    });
    out.push(say.overview(&Overview {
        query,
        counts: [
            market.offer_count,
            market.product_count,
            market.seller_count,
        ],
        price,
        currency: c,
    }));
    let leaders = leading_groups(&market.by_brand);
    match leaders {
        [] => {}
        tied if tied.len() > 1 && tied.len() == market.by_brand.len() => {
            out.push(say.no_brand_leads(tied.len(), tied[0].offer_count, market.offer_count))
        }
        leaders => out.push(say.brand_lead(
            &BrandLead {
                brands: leaders.iter().map(|g| g.key.as_str()).collect(),
                each: leaders[0].offer_count,
                total: market.offer_count,
                share: leaders[0].share,
                medians: if leaders[0].offer_count >= min {
                    leaders.iter().map(|g| g.median).collect()
                } else {
                    Vec::new()
                },
            },
            c,
        )),
    }
    let h = &market.history;
    match h.headline() {
        Some((w, t)) => out.push(say.trend(
            &TrendFigures {
                days: w.days_covered.round() as u64,
                direction: if t.percent_change > 0.05 {
                    Direction::Rose
                } else if t.percent_change < -0.05 {
                    Direction::Fell
                } else {
                    Direction::HeldSteady
                },
                percent_change: t.percent_change,
                slope_per_day: t.slope_per_day,
                observations: w.observation_count,
                offers_seen_twice: w.offers_with_history,
                min: t.min,
                max: t.max,
            },
            c,
        )),
        None => out.push(match h.longest_window() {
            Some(w) => say.not_enough_history(&w.missing(h.min_observations, h.min_days)),
            None => say.no_history(),
        }),
    }
    match &market.price_rating_correlation {
        Some(rc) => {
            let relation = if rc.significant && rc.spearman_rho >= 0.3 {
                Relation::DearerRatedBetter
            } else if rc.significant && rc.spearman_rho <= -0.3 {
                Relation::CheaperRatedBetter
            } else {
                Relation::Little
            };
            out.push(say.correlation(&CorrelationFigures {
                products: rc.n,
                relation,
                rho: rc.spearman_rho,
                significant: rc.significant,
            }));
        }
        None => {
            let n = correlated_product_count(&market.product_ratings);
            if n >= 2 {
                out.push(say.correlation_too_little(n, min));
            }
        }
    }
    if !market.outliers.is_empty() {
        out.push(say.outliers(market.outliers.len() as u32));
    }
    match sentiment.mean_score {
        Some(_) if sentiment.review_count < min => {
            out.push(say.sentiment_too_little(sentiment.review_count, min))
        }
        Some(mean) => {
            let d = &sentiment.distribution;
            let mood = if mean >= 0.3 {
                Mood::ClearlyPositive
            } else if mean >= 0.05 {
                Mood::MildlyPositive
            } else if mean > -0.05 {
                Mood::Mixed
            } else {
                Mood::Negative
            };
            out.push(say.sentiment(
                sentiment.review_count,
                mood,
                mean,
                [d.positive, d.neutral, d.negative],
            ));
            let praised = most_mentioned(sentiment, |score| score > 0.05);
            let criticised = most_mentioned(sentiment, |score| score < -0.05);
            out.extend(say.aspects([praised.as_ref(), criticised.as_ref()]));
        }
        None => out.push(say.no_reviews()),
    }
    let best: Vec<&str> = recommendations
        .iter()
        .filter(|r| r.kind == RecommendationKind::BestValue)
        .map(|r| r.title.trim_start_matches("Best value: "))
        .collect();
    if !best.is_empty() {
        let compared = market.compared_condition.filter(|c| *c != Condition::New);
        out.push(say.best_value(&best, compared));
    }
    out
}

/// The aspects whose mean score passes `keep` with the most mentions (every one of
/// them when several are tied), and that number of mentions.
fn most_mentioned(
    sentiment: &SentimentSummary,
    keep: impl Fn(f64) -> bool,
) -> Option<TopAspects<'_>> {
    let kept = sentiment.aspects.iter().filter(|a| keep(a.mean_score));
    let top = kept.clone().map(|a| a.mentions).max()?;
    let names = kept
        .filter(|a| a.mentions == top)
        .map(|a| a.aspect.as_str())
        .collect();
    Some(TopAspects {
        names,
        mentions: top,
    })
}

#[cfg(test)]
mod tests {
    use crate::domain::Language;
    use crate::testing;

    /// Fails, showing the whole text, unless `text` says `expected`.
    #[track_caller]
    fn assert_says(text: &str, expected: &str) {
        assert!(text.contains(expected), "{expected:?} missing from {text}");
    }

    /// Every number in the narrative appears in the result's figures (rounded as shown).
    #[test]
    fn narrative_uses_only_computed_figures() {
        let r = testing::result();
        let text = r.narrative.join(" ");
        let p = r.market.price.as_ref().unwrap();
        for figure in [p.min, p.max, p.median, p.q1, p.q3] {
            assert!(
                text.contains(&format!("{figure:.2}")),
                "{figure} missing from {text}"
            );
        }
        assert_says(&text, &format!("{} offers", r.market.offer_count));
        assert_says(&text, &format!("{} reviews", r.sentiment.review_count));
        // The catalogue gives no condition: best value says what it compared.
        assert_says(
            &text,
            "Best value (among offers of unknown condition: none is marked new): Acme Headphones 100",
        );
    }

    #[test]
    fn without_stored_history_the_summary_says_not_enough_history() {
        let r = testing::result();
        let text = r.narrative.join(" ");
        // Says what is missing, not a count that reads like plenty.
        assert_says(
            &text,
            "Not enough price history for a trend yet: all prices were observed at one time (a trend needs at least 3 days between the first and the last) and no offer has been seen at two different times.",
        );
        assert!(!text.contains("7 observations"), "{text}");
    }

    #[test]
    fn a_short_history_says_which_days_it_covers_and_what_it_lacks() {
        use crate::analysis::history::TrendWindow;
        let mut r = testing::result();
        let window = |window_days, days_covered, offers_with_history| TrendWindow {
            window_days,
            observation_count: 94,
            offers_with_history,
            days_covered,
            trend: None,
            reason: None,
        };
        r.market.history.windows = vec![window(7, 1.5, 0), window(90, 1.5, 0)];
        let text = super::narrative(Language::En, "x", &r.market, &r.sentiment, &[]).join(" ");
        assert_says(
            &text,
            "Not enough price history for a trend yet: the prices cover only 1.5 days (at least 3 days needed) and no offer has been seen at two different times.",
        );
        assert!(!text.contains("94 observations"));
        // Two analyses minutes apart: a span in hours, not "0.0 days".
        r.market.history.windows = vec![window(90, 0.01, 16)];
        let text = super::narrative(Language::En, "x", &r.market, &r.sentiment, &[]).join(" ");
        assert_says(
            &text,
            "the prices cover less than an hour (at least 3 days needed).",
        );
        r.market.history.windows = vec![window(90, 0.3, 16)];
        let text = super::narrative(Language::Fr, "x", &r.market, &r.sentiment, &[]).join(" ");
        assert_says(
            &text,
            "les prix ne couvrent que 7 heures (au moins 3 jours nécessaires).",
        );
    }

    #[test]
    fn a_trend_is_told_with_its_figures() {
        use crate::analysis::history::{PriceTrend, TrendWindow};
        let mut r = testing::result();
        r.market.history.windows = vec![TrendWindow {
            window_days: 30,
            observation_count: 12,
            offers_with_history: 3,
            days_covered: 20.0,
            trend: Some(PriceTrend {
                slope_per_day: -0.5,
                percent_change: -7.26,
                start_level: 140.0,
                min: 99.0,
                max: 160.0,
            }),
            reason: None,
        }];
        let n = super::narrative(Language::En, "x", &r.market, &r.sentiment, &[]);
        let text = n.join(" ");
        assert_says(
            &text,
            "Over 20 days of stored prices, prices of the same products fell (-7.3%",
        );
        assert_says(&text, "-0.50 EUR per day");
        assert_says(&text, "12 observations");
        assert!(!text.contains("last 30 days"), "20 days covered: {text}");
    }

    #[test]
    fn counts_of_one_are_singular() {
        use crate::analysis::market::{MarketSettings, analyze_market};
        let r = testing::result();
        let mut one = r.products[0].clone();
        one.offers.truncate(1);
        let settings =
            MarketSettings::from_thresholds(&crate::config::AgentConfig::builtin().thresholds);
        let market = analyze_market(&[one], r.market.currency, &settings);
        let text = super::narrative(Language::En, "x", &market, &r.sentiment, &[]).join(" ");
        assert_says(
            &text,
            "the comparison covers 1 offer for 1 product from 1 seller, in EUR",
        );
        let n = super::narrative(Language::En, "x", &r.market, &r.sentiment, &[]).join(" ");
        assert_says(&n, "7 offers for 3 products from 3 sellers");
    }

    #[test]
    fn tied_aspects_are_all_named() {
        use crate::analysis::sentiment::AspectSentiment;
        let r = testing::result();
        let mut s = r.sentiment.clone();
        let aspect = |name: &str, score: f64| AspectSentiment {
            aspect: name.into(),
            mentions: 4,
            mean_score: score,
            positive_share: 0.5,
            negative_share: 0.2,
            positive_quote: None,
            negative_quote: None,
        };
        s.aspects = vec![
            aspect("sound", 0.4),
            aspect("comfort", 0.3),
            aspect("battery", -0.4),
        ];
        let text = super::narrative(Language::En, "x", &r.market, &s, &[]).join(" ");
        assert_says(
            &text,
            "The most praised aspects are sound and comfort (4 mentions each); the most criticised aspect is battery (4 mentions).",
        );
    }

    #[test]
    fn the_summary_language_follows_the_query() {
        use super::narrative_language;
        assert_eq!(narrative_language("casque sans fil", None), Language::Fr);
        assert_eq!(
            narrative_language("écouteurs bluetooth", None),
            Language::Fr
        );
        assert_eq!(
            narrative_language("headphones for the gym", None),
            Language::En
        );
        // No word tells: the review language asked for, else English.
        assert_eq!(
            narrative_language("Sony WH-1000XM5", Some(Language::Fr)),
            Language::Fr
        );
        assert_eq!(
            narrative_language("wireless headphones", None),
            Language::En
        );
    }

    #[test]
    fn every_sentence_exists_in_french() {
        let r = testing::result_for("casque sans fil", testing::products());
        assert_eq!(r.narrative_language, Language::Fr);
        let text = r.narrative.join("\n");
        println!("{text}");
        for english in [
            "For ",
            "Prices",
            "offers",
            "Best value",
            "history",
            "reviews",
        ] {
            assert!(!text.contains(english), "{english:?} in {text}");
        }
    }

    #[test]
    fn empty_market_says_so() {
        let mut r = testing::result();
        r.market.price = None;
        r.sentiment.mean_score = None;
        let n = super::narrative(Language::En, "x", &r.market, &r.sentiment, &[]);
        assert!(n[0].contains("no priced offer"));
        assert!(n.iter().any(|p| p.contains("No review text")));
    }
}
