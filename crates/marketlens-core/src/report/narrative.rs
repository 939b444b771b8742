//! The deterministic executive summary: sentences built only from computed figures,
//! so every number in it can be traced to the result document.

use crate::analysis::history::describe_missing;
use crate::analysis::market::{MarketSummary, correlated_product_count, leading_groups};
use crate::analysis::sentiment::SentimentSummary;
use crate::domain::{Condition, Language};
use crate::recommend::{Recommendation, RecommendationKind};

pub fn narrative(
    query: &str,
    market: &MarketSummary,
    sentiment: &SentimentSummary,
    recommendations: &[Recommendation],
) -> Vec<String> {
    let c = market.currency;
    let en = Language::En;
    let mut out = Vec::new();
    let min = market.min_sample_size;
    let covers = format!(
        "For \u{201c}{query}\u{201d}, the comparison covers {} for {} from {}, in {c}.",
        en.count(market.offer_count.into(), "offer", "offers"),
        en.count(market.product_count.into(), "product", "products"),
        en.count(market.seller_count.into(), "seller", "sellers"),
    );
    match &market.price {
        Some(p) if p.count >= min => out.push(format!(
            "{covers} Prices range from {:.2} to {:.2} {c}, with a median of {:.2} {c} and half of the offers between {:.2} and {:.2} {c}.",
            p.min, p.max, p.median, p.q1, p.q3
        )),
        Some(p) => out.push(format!(
            "{covers} Prices range from {:.2} to {:.2} {c}; {} are too little data for a median, quartiles or spread (at least {min} needed).",
            p.min,
            p.max,
            en.count(p.count.into(), "offer", "offers"),
        )),
        None => out.push(format!("For \u{201c}{query}\u{201d}, no priced offer was found.")),
    }
    match leading_groups(&market.by_brand) {
        [] => {}
        [top] => out.push(format!(
            "{} has the most offers ({} of {}, {:.0}%){}.",
            top.key,
            top.offer_count,
            market.offer_count,
            top.share * 100.0,
            if top.offer_count >= min {
                format!(", at a median of {:.2} {c}", top.median)
            } else {
                String::new()
            }
        )),
        tied if tied.len() == market.by_brand.len() => out.push(format!(
            "No brand leads: each of the {} brands has {} of the {}.",
            tied.len(),
            en.count(tied[0].offer_count.into(), "offer", "offers"),
            en.count(market.offer_count.into(), "offer", "offers"),
        )),
        tied => {
            let names: Vec<&str> = tied.iter().map(|g| g.key.as_str()).collect();
            let medians: Vec<String> = tied.iter().map(|g| format!("{:.2}", g.median)).collect();
            out.push(format!(
                "{} are tied for the most offers ({} each of {}, {:.0}% each), at medians of {} {c} respectively.",
                en.join_list(&names),
                tied[0].offer_count,
                market.offer_count,
                tied[0].share * 100.0,
                en.join_list(&medians),
            ));
        }
    }
    let h = &market.history;
    match h.headline() {
        Some((w, t)) => {
            let direction = if t.percent_change > 0.05 {
                "rose"
            } else if t.percent_change < -0.05 {
                "fell"
            } else {
                "held steady"
            };
            out.push(format!(
                "Over {} of stored prices, prices of the same products {direction} ({:+.1}%, {:+.2} {c} per day; {}, {} seen more than once, between {:.2} and {:.2} {c}).",
                en.count(w.days_covered.round() as u64, "day", "days"),
                t.percent_change,
                t.slope_per_day,
                en.count(w.observation_count.into(), "observation", "observations"),
                en.count(w.offers_with_history.into(), "offer", "offers"),
                t.min,
                t.max
            ));
        }
        None => match h.longest_window() {
            Some(w) => out.push(format!(
                "Not enough price history for a trend yet: {}.",
                describe_missing(&w.missing(h.min_observations, h.min_days))
            )),
            None => out.push("No price history was read for these products.".to_owned()),
        },
    }
    match &market.price_rating_correlation {
        Some(rc) => {
            let relation = if rc.significant && rc.spearman_rho >= 0.3 {
                "dearer products tend to be rated better"
            } else if rc.significant && rc.spearman_rho <= -0.3 {
                "cheaper products tend to be rated better"
            } else {
                "price says little about rating"
            };
            out.push(format!(
                "Across {} rated products, {relation} (Spearman rank correlation of price and weighted rating {:+.2}{}).",
                rc.n,
                rc.spearman_rho,
                if rc.significant { "" } else { ", not significant" }
            ));
        }
        None => {
            let n = correlated_product_count(&market.product_ratings);
            if n >= 2 {
                out.push(format!(
                    "With {} there is too little data to relate price and rating (at least {min} needed).",
                    en.count(n.into(), "rated product", "rated products"),
                ));
            }
        }
    }
    if !market.outliers.is_empty() {
        let n = market.outliers.len() as u64;
        out.push(if en.is_plural(n) {
            format!(
                "{n} offers are priced far from other offers of the same product (possible pricing errors or deals)."
            )
        } else {
            "1 offer is priced far from other offers of the same product (a possible pricing error or deal).".to_owned()
        });
    }
    match sentiment.mean_score {
        Some(_) if sentiment.review_count < min => out.push(format!(
            "With {} there is too little data to say what customers write (at least {min} needed).",
            en.count(sentiment.review_count.into(), "review", "reviews"),
        )),
        Some(mean) => {
            let d = &sentiment.distribution;
            let mood = if mean >= 0.3 {
                "clearly positive"
            } else if mean >= 0.05 {
                "mildly positive"
            } else if mean > -0.05 {
                "mixed"
            } else {
                "negative"
            };
            out.push(format!(
                "Across {}, what customers write is {mood} (mean text score {mean:+.2}): \
                 {:.0}% positive, {:.0}% neutral, {:.0}% negative.",
                en.count(sentiment.review_count.into(), "review", "reviews"),
                d.positive * 100.0,
                d.neutral * 100.0,
                d.negative * 100.0
            ));
            let praised = most_mentioned(sentiment, |score| score > 0.05);
            let criticised = most_mentioned(sentiment, |score| score < -0.05);
            let phrase = |(names, mentions): &(Vec<&str>, u32)| {
                let count = en.count((*mentions).into(), "mention", "mentions");
                if names.len() > 1 {
                    format!("aspects are {} ({count} each)", en.join_list(names))
                } else {
                    format!("aspect is {} ({count})", en.join_list(names))
                }
            };
            match (praised, criticised) {
                (Some(p), Some(n)) => {
                    let criticised = phrase(&n);
                    out.push(format!(
                        "The most praised {}; the most criticised {criticised}.",
                        phrase(&p),
                    ));
                }
                (Some(p), None) => out.push(format!("The most discussed positive {}.", phrase(&p))),
                (None, Some(n)) => out.push(format!("The most criticised {}.", phrase(&n))),
                (None, None) => {}
            }
        }
        None => out.push("No review text was available to analyse.".into()),
    }
    let best: Vec<&str> = recommendations
        .iter()
        .filter(|r| r.kind == RecommendationKind::BestValue)
        .map(|r| r.title.trim_start_matches("Best value: "))
        .collect();
    if !best.is_empty() {
        let among = match market.compared_condition {
            Some(Condition::Used) => " (among used offers: no offer is new)",
            Some(Condition::Refurbished) => " (among refurbished offers: no offer is new)",
            Some(Condition::Unknown) => " (among offers of unknown condition: none is marked new)",
            Some(Condition::New) | None => "",
        };
        out.push(format!("Best value{among}: {}.", best.join("; ")));
    }
    out
}

/// The aspects whose mean score passes `keep` with the most mentions (every one of
/// them when several are tied), and that number of mentions.
fn most_mentioned(
    sentiment: &SentimentSummary,
    keep: impl Fn(f64) -> bool,
) -> Option<(Vec<&str>, u32)> {
    let kept = sentiment.aspects.iter().filter(|a| keep(a.mean_score));
    let top = kept.clone().map(|a| a.mentions).max()?;
    let names = kept
        .filter(|a| a.mentions == top)
        .map(|a| a.aspect.as_str())
        .collect();
    Some((names, top))
}

#[cfg(test)]
mod tests {
    use crate::testing;

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
        assert!(text.contains(&format!("{} offers", r.market.offer_count)));
        assert!(text.contains(&format!("{} reviews", r.sentiment.review_count)));
        // The catalogue gives no condition: best value says what it compared.
        assert!(
            text.contains("Best value (among offers of unknown condition: none is marked new): Acme Headphones 100"),
            "{text}"
        );
    }

    #[test]
    fn without_stored_history_the_summary_says_not_enough_history() {
        let r = testing::result();
        let text = r.narrative.join(" ");
        // Says what is missing, not a count that reads like plenty.
        assert!(
            text.contains("Not enough price history for a trend yet: all prices were observed at one time (a trend needs at least 3 days between the first and the last) and no offer has been seen at two different times."),
            "{text}"
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
        let text = super::narrative("x", &r.market, &r.sentiment, &[]).join(" ");
        assert!(
            text.contains("Not enough price history for a trend yet: the prices cover only 1.5 days (at least 3 needed) and no offer has been seen at two different times."),
            "{text}"
        );
        assert!(!text.contains("94 observations"));
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
        let n = super::narrative("x", &r.market, &r.sentiment, &[]);
        let text = n.join(" ");
        assert!(
            text.contains("Over 20 days of stored prices, prices of the same products fell (-7.3%"),
            "{text}"
        );
        assert!(text.contains("-0.50 EUR per day") && text.contains("12 observations"));
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
        let text = super::narrative("x", &market, &r.sentiment, &[]).join(" ");
        assert!(
            text.contains("the comparison covers 1 offer for 1 product from 1 seller, in EUR"),
            "{text}"
        );
        let n = super::narrative("x", &r.market, &r.sentiment, &[]).join(" ");
        assert!(n.contains("7 offers for 3 products from 3 sellers"), "{n}");
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
        let text = super::narrative("x", &r.market, &s, &[]).join(" ");
        assert!(
            text.contains("The most praised aspects are sound and comfort (4 mentions each); the most criticised aspect is battery (4 mentions)."),
            "{text}"
        );
    }

    #[test]
    fn empty_market_says_so() {
        let mut r = testing::result();
        r.market.price = None;
        r.sentiment.mean_score = None;
        let n = super::narrative("x", &r.market, &r.sentiment, &[]);
        assert!(n[0].contains("no priced offer"));
        assert!(n.iter().any(|p| p.contains("No review text")));
    }
}
