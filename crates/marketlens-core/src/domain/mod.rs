//! Domain types. Raw input becomes one of these at the boundary (`parse` returns a
//! `Result`); past the boundary an invalid value cannot exist.

mod invalid;
mod language;
mod money;
mod product;
mod query;

pub use invalid::InvalidInput;
pub use language::Language;
pub use money::{CurrencyCode, Money};
pub use product::{
    Availability, CollectedOffer, CollectedProduct, CollectedReview, Condition, ConvertedPrice,
    MergeEvidence, Offer, OfferTax, Product, Rating, Review, TaxBasis, TaxBasisFrom,
};
pub use query::{
    AnalysisParams, AnalysisRequest, Fingerprint, MAX_PRODUCTS_LIMIT, MAX_QUERY_CHARS, Market,
    QueryText, RequestDefaults, SourceName, normalize_query,
};
