//! The narrative's message catalogue: one [`Phrases`] implementation per language
//! ([`super::en`], [`super::fr`]), each writing every sentence of the summary from
//! the figures it is given. What to say is decided once, in [`super`]; how to say it
//! lives only here, so a sentence is never half in one language.

use crate::analysis::history::MissingHistory;
use crate::domain::{Condition, Language};

/// Nouns the summary counts, each with its singular and plural form per language.
#[derive(Debug, Clone, Copy)]
pub enum Noun {
    Offer,
    Product,
    Seller,
    Review,
    RatedProduct,
    Observation,
    Day,
    Mention,
}

/// Which way prices of the same products moved.
#[derive(Debug, Clone, Copy)]
pub enum Direction {
    Rose,
    Fell,
    HeldSteady,
}

/// What a significant (or not) rank correlation of price and rating says.
#[derive(Debug, Clone, Copy)]
pub enum Relation {
    DearerRatedBetter,
    CheaperRatedBetter,
    Little,
}

/// The tone of review text, from its mean score.
#[derive(Debug, Clone, Copy)]
pub enum Mood {
    ClearlyPositive,
    MildlyPositive,
    Mixed,
    Negative,
}

/// The aspects with the most mentions on one side (several when tied).
pub struct TopAspects<'a> {
    pub names: Vec<&'a str>,
    pub mentions: u32,
}

/// The price figures of the first paragraph.
pub struct PriceFigures {
    pub min: f64,
    pub max: f64,
    /// Median, Q1 and Q3; `None` below the minimum sample.
    pub spread: Option<(f64, f64, f64)>,
    /// The condition of the cheapest and of the dearest offer when not new.
    pub min_condition: Option<Condition>,
    pub max_condition: Option<Condition>,
    pub count: u32,
    pub needed: u32,
}

/// The first paragraph: what was compared and its prices (`None`: no priced offer).
pub struct Overview<'a> {
    pub query: &'a str,
    /// Offers, products, sellers.
    pub counts: [u32; 3],
    pub price: Option<PriceFigures>,
    pub currency: &'a str,
}

/// The brand (or brands, tied) with the most offers.
pub struct BrandLead<'a> {
    pub brands: Vec<&'a str>,
    /// Offers of each leading brand, of `total`.
    pub each: u32,
    pub total: u32,
    /// Share of all offers of each leading brand.
    pub share: f64,
    /// Median of each leading brand, in order; empty below the minimum sample.
    pub medians: Vec<f64>,
}

/// [`BrandLead`] as the sentence writes it.
pub struct LeadWords {
    /// The leading brand, or the tied brands as a list ("A, B and C").
    pub brands: String,
    pub tied: bool,
    /// Offers of each leading brand, of `total`.
    pub each: u32,
    pub total: u32,
    /// Share of all offers of each leading brand, as a percentage.
    pub share: String,
    /// The leading brand's median, or the tied brands' medians as a list; `None`
    /// below the minimum sample.
    pub medians: Option<String>,
}

/// A price–rating rank correlation.
pub struct CorrelationFigures {
    pub products: u32,
    pub relation: Relation,
    pub rho: f64,
    pub significant: bool,
}

/// The figures of a trend sentence.
pub struct TrendFigures {
    pub days: u64,
    pub direction: Direction,
    pub percent_change: f64,
    pub slope_per_day: f64,
    pub observations: u32,
    pub offers_seen_twice: u32,
    pub min: f64,
    pub max: f64,
}

/// Every sentence of the summary in one language. `c` is the currency code.
pub trait Phrases: Sync {
    fn language(&self) -> Language;
    /// Singular and plural of a counted noun.
    fn noun(&self, noun: Noun) -> (&'static str, &'static str);
    /// A figure with `decimals` places in this language's notation.
    fn number(&self, v: f64, decimals: usize) -> String;
    /// A percentage (`17` → "17%" / "17 %").
    fn percent(&self, v: f64, decimals: usize) -> String;
    /// What follows a price whose condition is not new ("used" / "d'occasion").
    fn condition(&self, c: Condition) -> &'static str;

    /// The first paragraph when no offer has a price.
    fn no_priced_offer(&self, query: &str) -> String;
    /// What was compared: `counts` are the offers, products and sellers, counted.
    fn covers(&self, query: &str, counts: [String; 3], c: &str) -> String;
    /// The price range (`[min, max]`, written) with the median and quartiles
    /// (`[median, q1, q3]`, written).
    fn price_spread(&self, range: [String; 2], spread: [String; 3], c: &str) -> String;
    /// The price range when `offers` are too few (under `needed`) for a spread.
    fn price_range_only(&self, range: [String; 2], offers: u32, needed: u32, c: &str) -> String;
    /// The brand with the most offers, or the brands tied for it, in words.
    fn leading_brands(&self, lead: &LeadWords, c: &str) -> String;
    fn no_brand_leads(&self, brands: usize, each: u32, total: u32) -> String;
    fn trend(&self, t: &TrendFigures, c: &str) -> String;
    fn not_enough_history(&self, missing: &[MissingHistory]) -> String;
    fn no_history(&self) -> String;
    fn correlation(&self, rc: &CorrelationFigures) -> String;
    fn correlation_too_little(&self, products: u32, needed: u32) -> String;
    fn outliers(&self, offers: u32) -> String;
    fn sentiment(&self, reviews: u32, mood: Mood, mean: f64, shares: [f64; 3]) -> String;
    fn sentiment_too_little(&self, reviews: u32, needed: u32) -> String;
    /// `[most praised, most criticised]`.
    fn aspects(&self, top: [Option<&TopAspects>; 2]) -> Option<String>;
    fn no_reviews(&self) -> String;
    /// `compared`: the condition best value compared when not new.
    fn best_value(&self, titles: &[&str], compared: Option<Condition>) -> String;

    /// What was compared and its prices.
    fn overview(&self, o: &Overview<'_>) -> String {
        let Some(p) = &o.price else {
            return self.no_priced_offer(o.query);
        };
        let c = o.currency;
        let nouns = [Noun::Offer, Noun::Product, Noun::Seller];
        let counts = std::array::from_fn(|i| self.count(o.counts[i].into(), nouns[i]));
        let covers = self.covers(o.query, counts, c);
        let range = [
            self.price(p.min, p.min_condition),
            self.price(p.max, p.max_condition),
        ];
        let prices = match p.spread {
            Some((median, q1, q3)) => {
                self.price_spread(range, [median, q1, q3].map(|v| self.number(v, 2)), c)
            }
            None => self.price_range_only(range, p.count, p.needed, c),
        };
        format!("{covers} {prices}")
    }

    /// One brand leads, or several are tied for the lead.
    fn brand_lead(&self, lead: &BrandLead<'_>, c: &str) -> String {
        let language = self.language();
        let medians: Vec<String> = lead.medians.iter().map(|m| self.number(*m, 2)).collect();
        self.leading_brands(
            &LeadWords {
                brands: language.join_list(&lead.brands),
                tied: lead.brands.len() > 1,
                each: lead.each,
                total: lead.total,
                share: self.percent(lead.share * 100.0, 0),
                medians: (!medians.is_empty()).then(|| language.join_list(&medians)),
            },
            c,
        )
    }

    /// `n` and its noun in the right form.
    fn count(&self, n: u64, noun: Noun) -> String {
        let (one, other) = self.noun(noun);
        self.language().count(n, one, other)
    }

    /// A price figure (two decimals) followed by its condition when not new:
    /// "34.99 (used)".
    fn price(&self, v: f64, condition: Option<Condition>) -> String {
        match condition.filter(|c| *c != Condition::New) {
            Some(c) => format!("{} ({})", self.number(v, 2), self.condition(c)),
            None => self.number(v, 2),
        }
    }

    /// A signed figure: "+0.50", "-7.3".
    fn signed(&self, v: f64, decimals: usize) -> String {
        let sign = if v >= 0.0 { "+" } else { "-" };
        format!("{sign}{}", self.number(v.abs(), decimals))
    }

    /// A signed percentage: "+45.1%", "-7.3 %".
    fn signed_percent(&self, v: f64, decimals: usize) -> String {
        let sign = if v >= 0.0 { "+" } else { "-" };
        format!("{sign}{}", self.percent(v.abs(), decimals))
    }
}
