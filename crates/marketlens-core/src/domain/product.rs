//! Products, offers and reviews: first as a source collected them (`Collected*`, text
//! as written by the shop), then normalised (`Product`, `Offer`, `Review`).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{InvalidInput, Language, Money};

super::macros::word_enum! {
    /// Item condition after normalisation.
    #[derive(utoipa::ToSchema)]
    pub enum Condition {
        New = "new",
        Used = "used",
        Refurbished = "refurbished",
        Unknown = "unknown",
    }
}

impl Condition {
    /// What is written after a price in this condition: nothing for a new item, else
    /// `used`, `refurbished` or `condition unknown`, so a reader never takes a
    /// second-hand price for a new one.
    pub fn price_note(self) -> Option<&'static str> {
        match self {
            Condition::New => None,
            Condition::Used => Some("used"),
            Condition::Refurbished => Some("refurbished"),
            Condition::Unknown => Some("condition unknown"),
        }
    }

    /// Parses a request's condition filter (`new`, `used`, `refurbished`).
    pub fn parse_filter(s: &str) -> Result<Self, InvalidInput> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Ok(Condition::New),
            "used" => Ok(Condition::Used),
            "refurbished" => Ok(Condition::Refurbished),
            _ => Err(InvalidInput::parameter(
                "condition",
                format!("unknown condition {s:?}: expected new, used, refurbished or any"),
            )),
        }
    }
}

/// Stock status after normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    PreOrder,
    Unknown,
}

/// A product as one source returned it. Strings are kept as the shop wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectedProduct {
    /// Source that produced it (`catalog`, `schema_org`, …).
    pub source: String,
    /// The product's id within that source.
    pub source_product_id: String,
    pub title: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub category: Option<String>,
    pub gtin: Option<String>,
    pub mpn: Option<String>,
    pub url: Option<String>,
    pub offers: Vec<CollectedOffer>,
    pub reviews: Vec<CollectedReview>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectedOffer {
    pub offer_id: String,
    /// The shop or marketplace seller.
    pub seller: String,
    /// Price exactly as written by the shop, e.g. `1.299,00 €`.
    pub price_text: String,
    /// Currency the shop declares (ISO code), used when the text is ambiguous.
    pub currency_hint: Option<String>,
    /// Country of the shop (ISO 3166-1 alpha-2), when known.
    pub country: Option<String>,
    /// Condition as written: `new`, `Occasion`, `https://schema.org/UsedCondition`, …
    pub condition_text: Option<String>,
    pub availability_text: Option<String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CollectedReview {
    pub review_id: String,
    pub seller: Option<String>,
    pub author: Option<String>,
    /// Stars on a 1–5 scale, when the review has them.
    pub rating: Option<f64>,
    pub title: Option<String>,
    pub text: String,
    pub language: Option<String>,
    pub date: Option<NaiveDate>,
}

/// A star rating on the 0–5 scale.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Rating(f64);

impl Rating {
    pub fn parse(stars: f64) -> Result<Self, InvalidInput> {
        if stars.is_finite() && (0.0..=5.0).contains(&stars) {
            Ok(Rating(stars))
        } else {
            Err(InvalidInput::parameter(
                "rating",
                format!("rating {stars} is outside 0–5"),
            ))
        }
    }

    pub fn stars(self) -> f64 {
        self.0
    }
}

super::macros::checked_conversions!(Rating: f64 = parse);

/// A price converted into the analysis' target currency, with the rate used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConvertedPrice {
    pub money: Money,
    /// Units of target currency per unit of the original currency.
    #[serde(with = "rust_decimal::serde::str")]
    pub rate: Decimal,
    /// Date of the reference rate.
    pub rate_date: NaiveDate,
}

/// Whether a price includes sales tax / VAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBasis {
    Included,
    Excluded,
}

impl TaxBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TaxBasis::Included => "included",
            TaxBasis::Excluded => "excluded",
        }
    }
}

/// Where an offer's shown tax basis comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxBasisFrom {
    /// The price text says it (`TTC`, `HT`, `incl. VAT`, `+ VAT`, …).
    PriceText,
    /// Nothing said: the market's convention (see `[tax]` in the agent config).
    MarketConvention,
}

/// How an offer's price was put on the analysis' tax basis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferTax {
    /// Basis of the price as the shop shows it.
    pub shown: TaxBasis,
    pub shown_from: TaxBasisFrom,
    /// Basis of `Offer::converted` (the configured one unless no rate was known).
    pub basis: TaxBasis,
    /// Market whose rules and rate were applied.
    pub market: String,
    /// Rate applied (0.2 for 20 %) when the price was adjusted.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub rate_applied: Option<Decimal>,
}

/// A normalised offer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offer {
    pub id: String,
    pub source: String,
    pub seller: String,
    /// The price in the shop's currency, parsed from `price_text`.
    pub price: Money,
    pub price_text: String,
    /// The price in the analysis' target currency, on the configured tax basis.
    pub converted: ConvertedPrice,
    /// Tax basis shown and applied.
    pub tax: OfferTax,
    pub condition: Condition,
    pub availability: Availability,
    pub url: Option<String>,
    /// The same offer read through other sources (same shop, product, condition and
    /// price): counted once, under `source`, with where else it was seen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_from: Vec<OfferSighting>,
}

/// Where else an offer was seen: another source's id and page for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferSighting {
    pub source: String,
    pub id: String,
    pub url: Option<String>,
}

/// A normalised review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Review {
    pub id: String,
    pub source: String,
    pub seller: Option<String>,
    pub author: Option<String>,
    pub rating: Option<Rating>,
    pub title: Option<String>,
    pub text: String,
    pub language: Language,
    pub date: Option<NaiveDate>,
}

/// One product after entity resolution: offers from every shop that sells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Product {
    /// Stable id: `gtin:<GTIN-14>` when a valid GTIN is known, else `<source>:<id>`.
    pub id: String,
    pub title: String,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub category: Option<String>,
    pub gtin: Option<String>,
    pub mpn: Option<String>,
    /// Source product ids merged into this product, with the rule that merged them.
    pub merged_from: Vec<MergeEvidence>,
    pub offers: Vec<Offer>,
    pub reviews: Vec<Review>,
}

/// Why a collected product was merged into a product (explainability).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeEvidence {
    pub source: String,
    pub source_product_id: String,
    /// `first` for the product that started the cluster, else the matching rule
    /// (`gtin`, `brand_mpn`, `model_number`, `title_similarity`).
    pub rule: String,
    /// The rule's similarity score (0..1), for the score-based rules.
    #[serde(default)]
    pub score: Option<f64>,
    /// The collected product (`source:id`) it was matched with.
    #[serde(default)]
    pub matched_with: Option<String>,
}

impl MergeEvidence {
    /// One line for reports: `model_number (score 0.84, with catalog:12)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = self.score {
            parts.push(format!("score {s:.2}"));
        }
        if let Some(w) = &self.matched_with {
            parts.push(format!("with {w}"));
        }
        if parts.is_empty() {
            self.rule.clone()
        } else {
            format!("{} ({})", self.rule, parts.join(", "))
        }
    }
}

impl Product {
    /// Mean star rating over reviews that carry one.
    pub fn mean_rating(&self) -> Option<f64> {
        let stars: Vec<f64> = self
            .reviews
            .iter()
            .filter_map(|r| r.rating.map(Rating::stars))
            .collect();
        (!stars.is_empty()).then(|| stars.iter().sum::<f64>() / stars.len() as f64)
    }

    /// Lowest converted price among its offers.
    pub fn lowest_offer(&self) -> Option<&Offer> {
        self.offers
            .iter()
            .min_by(|a, b| a.converted.money.amount.cmp(&b.converted.money.amount))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rating_rejects_out_of_range_and_nan() {
        assert!(Rating::parse(4.5).is_ok());
        for bad in [-0.1, 5.01, f64::NAN, f64::INFINITY] {
            assert!(Rating::parse(bad).is_err());
        }
        assert!(serde_json::from_str::<Rating>("7").is_err());
    }

    #[test]
    fn condition_filter_accepts_only_known_words() {
        assert_eq!(Condition::parse_filter("Used").unwrap(), Condition::Used);
        assert!(Condition::parse_filter("unknown").is_err());
    }
}
