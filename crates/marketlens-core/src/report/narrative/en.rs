//! The summary in English.

use super::phrases::{
    CorrelationFigures, Direction, LeadWords, Mood, Noun, Phrases, Relation, TopAspects,
    TrendFigures,
};
use crate::analysis::history::{MissingHistory, describe_missing};
use crate::domain::{Condition, Language};

pub struct English;

impl Phrases for English {
    fn language(&self) -> Language {
        Language::En
    }

    fn noun(&self, noun: Noun) -> (&'static str, &'static str) {
        match noun {
            Noun::Offer => ("offer", "offers"),
            Noun::Product => ("product", "products"),
            Noun::Seller => ("seller", "sellers"),
            Noun::Review => ("review", "reviews"),
            Noun::RatedProduct => ("rated product", "rated products"),
            Noun::Observation => ("observation", "observations"),
            Noun::Day => ("day", "days"),
            Noun::Mention => ("mention", "mentions"),
        }
    }

    fn number(&self, v: f64, decimals: usize) -> String {
        format!("{v:.decimals$}")
    }

    fn percent(&self, v: f64, decimals: usize) -> String {
        format!("{v:.decimals$}%")
    }

    fn condition(&self, c: Condition) -> &'static str {
        match c {
            Condition::New => "new",
            Condition::Used => "used",
            Condition::Refurbished => "refurbished",
            Condition::Unknown => "condition unknown",
        }
    }

    fn no_priced_offer(&self, query: &str) -> String {
        format!("For \u{201c}{query}\u{201d}, no priced offer was found.")
    }

    fn covers(&self, query: &str, [offers, products, sellers]: [String; 3], c: &str) -> String {
        format!(
            "For \u{201c}{query}\u{201d}, the comparison covers {offers} for {products} from {sellers}, in {c}."
        )
    }

    fn price_spread(
        &self,
        [min, max]: [String; 2],
        [median, q1, q3]: [String; 3],
        c: &str,
    ) -> String {
        format!(
            "Prices range from {min} to {max} {c}, with a median of {median} {c} and half of the offers between {q1} and {q3} {c}."
        )
    }

    fn price_range_only(
        &self,
        [min, max]: [String; 2],
        offers: u32,
        needed: u32,
        c: &str,
    ) -> String {
        format!(
            "Prices range from {min} to {max} {c}; {} {} too little data for a median, quartiles or spread (at least {needed} needed).",
            self.count(offers.into(), Noun::Offer),
            if self.language().is_plural(offers.into()) {
                "are"
            } else {
                "is"
            },
        )
    }

    fn leading_brands(&self, lead: &LeadWords, c: &str) -> String {
        let LeadWords {
            brands,
            each,
            total,
            share,
            ..
        } = lead;
        let median = |m: &String| {
            if lead.tied {
                format!(", at medians of {m} {c} respectively")
            } else {
                format!(", at a median of {m} {c}")
            }
        };
        let at = lead.medians.as_ref().map(median).unwrap_or_default();
        if lead.tied {
            format!(
                "{brands} are tied for the most offers ({each} each of {total}, {share} each){at}."
            )
        } else {
            format!("{brands} has the most offers ({each} of {total}, {share}){at}.")
        }
    }

    fn no_brand_leads(&self, brands: usize, each: u32, total: u32) -> String {
        format!(
            "No brand leads: each of the {brands} brands has {} of the {}.",
            self.count(each.into(), Noun::Offer),
            self.count(total.into(), Noun::Offer),
        )
    }

    fn trend(&self, t: &TrendFigures, c: &str) -> String {
        let direction = match t.direction {
            Direction::Rose => "rose",
            Direction::Fell => "fell",
            Direction::HeldSteady => "held steady",
        };
        format!(
            "Over {} of stored prices, prices of the same products {direction} ({}, {} {c} per day; {}, {} seen more than once, between {} and {} {c}).",
            self.count(t.days, Noun::Day),
            self.signed_percent(t.percent_change, 1),
            self.signed(t.slope_per_day, 2),
            self.count(t.observations.into(), Noun::Observation),
            self.count(t.offers_seen_twice.into(), Noun::Offer),
            self.number(t.min, 2),
            self.number(t.max, 2),
        )
    }

    fn not_enough_history(&self, missing: &[MissingHistory]) -> String {
        format!(
            "Not enough price history for a trend yet: {}.",
            describe_missing(missing)
        )
    }

    fn no_history(&self) -> String {
        "No price history was read for these products.".to_owned()
    }

    fn correlation(&self, rc: &CorrelationFigures) -> String {
        let (products, rho, significant) = (rc.products, rc.rho, rc.significant);
        let relation = match rc.relation {
            Relation::DearerRatedBetter => "dearer products tend to be rated better",
            Relation::CheaperRatedBetter => "cheaper products tend to be rated better",
            Relation::Little => "price says little about rating",
        };
        format!(
            "Across {products} rated products, {relation} (Spearman rank correlation of price and weighted rating {}{}).",
            self.signed(rho, 2),
            if significant { "" } else { ", not significant" }
        )
    }

    fn correlation_too_little(&self, products: u32, needed: u32) -> String {
        format!(
            "With {} there is too little data to relate price and rating (at least {needed} needed).",
            self.count(products.into(), Noun::RatedProduct)
        )
    }

    fn outliers(&self, offers: u32) -> String {
        if self.language().is_plural(offers.into()) {
            format!(
                "{offers} offers are priced far from other offers of the same product (possible pricing errors or deals)."
            )
        } else {
            format!(
                "{offers} offer is priced far from other offers of the same product (a possible pricing error or deal)."
            )
        }
    }

    fn sentiment(&self, reviews: u32, mood: Mood, mean: f64, shares: [f64; 3]) -> String {
        let mood = match mood {
            Mood::ClearlyPositive => "clearly positive",
            Mood::MildlyPositive => "mildly positive",
            Mood::Mixed => "mixed",
            Mood::Negative => "negative",
        };
        let [positive, neutral, negative] = shares.map(|s| self.percent(s * 100.0, 0));
        format!(
            "Across {}, what customers write is {mood} (mean text score {}): {positive} positive, {neutral} neutral, {negative} negative.",
            self.count(reviews.into(), Noun::Review),
            self.signed(mean, 2),
        )
    }

    fn sentiment_too_little(&self, reviews: u32, needed: u32) -> String {
        format!(
            "With {} there is too little data to say what customers write (at least {needed} needed).",
            self.count(reviews.into(), Noun::Review)
        )
    }

    fn aspects(&self, [praised, criticised]: [Option<&TopAspects>; 2]) -> Option<String> {
        let phrase = |a: &TopAspects| {
            let count = self.count(a.mentions.into(), Noun::Mention);
            if a.names.len() > 1 {
                format!(
                    "aspects are {} ({count} each)",
                    self.language().join_list(&a.names)
                )
            } else {
                format!(
                    "aspect is {} ({count})",
                    self.language().join_list(&a.names)
                )
            }
        };
        match (praised, criticised) {
            (Some(p), Some(n)) => Some(format!(
                "The most praised {}; the most criticised {}.",
                phrase(p),
                phrase(n)
            )),
            (Some(p), None) => Some(format!("The most discussed positive {}.", phrase(p))),
            (None, Some(n)) => Some(format!("The most criticised {}.", phrase(n))),
            (None, None) => None,
        }
    }

    fn no_reviews(&self) -> String {
        "No review text was available to analyse.".to_owned()
    }

    fn best_value(&self, titles: &[&str], compared: Option<Condition>) -> String {
        let among = match compared {
            Some(Condition::Used) => " (among used offers: no offer is new)",
            Some(Condition::Refurbished) => " (among refurbished offers: no offer is new)",
            Some(Condition::Unknown) => " (among offers of unknown condition: none is marked new)",
            Some(Condition::New) | None => "",
        };
        format!("Best value{among}: {}.", titles.join("; "))
    }
}
