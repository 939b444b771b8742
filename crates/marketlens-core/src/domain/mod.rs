//! Domain types. Raw input becomes one of these at the boundary (`parse` returns a
//! `Result`); past the boundary an invalid value cannot exist. Also what reading them
//! needs: a review's language ([`detect_language`]), the folded words of review
//! text (`words`, shared with the sentiment tokenizer), and collected text cleaned of
//! control characters (`control`). The shapes most of them take, checked newtypes and
//! closed vocabularies, are written once (`macros`).

mod control;
mod feedback;
mod invalid;
mod language;
pub(crate) mod macros;
mod money;
mod product;
mod query;
mod tenant;
pub(crate) mod words;

pub use control::{is_unwanted_control, strip_control_characters};
pub use feedback::{
    Feedback, FeedbackComment, FeedbackRating, FeedbackRequest, MAX_COMMENT_CHARS,
    MAX_USER_ID_CHARS, UserId,
};
pub use invalid::InvalidInput;
pub use language::{Language, detect_language};
pub use money::{CurrencyCode, Money};
pub use product::{
    Availability, CollectedOffer, CollectedProduct, CollectedReview, Condition, ConvertedPrice,
    MergeEvidence, Offer, OfferSighting, OfferTax, Product, Rating, Review, TaxBasis, TaxBasisFrom,
};
pub use query::{
    AnalysisParams, AnalysisRequest, Fingerprint, MAX_PRODUCTS_LIMIT, MAX_QUERY_CHARS, Market,
    QueryText, RequestDefaults, SourceName, normalize_query,
};
pub use tenant::{MAX_TENANT_CHARS, Scope, Scopes, TenantId};
