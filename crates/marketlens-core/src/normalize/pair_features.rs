//! What entity resolution knows about a pair of listings: computed once by
//! [`super::resolve`], read by its rules and by the pair model
//! ([`super::pair_model`]), which is trained on the same values.

/// How the model codes of two products agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CodeAgreement {
    /// A code of one is a code of the other (strength 1.0), is inside the other's
    /// title (0.9) or description (0.7), or equal after dropping trailing letters (0.8).
    Agree(f64),
    /// Both titles show model codes and none agrees, or the same model in two
    /// variants (`vm400b` / `vm400s`).
    Conflict,
    /// Only one side shows a model code (a short title may name a sibling model).
    OneSide,
    /// Neither side shows a model code.
    Unknown,
}

/// Everything [`super::resolve::decide`] needs about a pair; computed once, so a model can be
/// trained without recomputing it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairFeatures {
    /// Both GTINs known: are they equal?
    pub gtin_equal: Option<bool>,
    pub brand_mpn_equal: bool,
    /// Both brands known and the same (after aliases).
    pub brand_equal: bool,
    pub brand_conflict: bool,
    /// One side has no brand field and its title names the other's brand.
    pub brand_in_title: bool,
    pub code: CodeAgreement,
    /// Both declare model numbers (model / MPN fields): can they be one product's?
    pub declared_model_equal: Option<bool>,
    /// TF-IDF cosine of the titles, 0..1.
    pub title_similarity: f64,
    /// IDF weight of the shorter title's words found in the other title, 0..1.
    pub title_containment: f64,
    /// Dimensions (storage, length, power…) both titles state with a value in common.
    pub quantity_agree: u32,
    /// Dimensions both titles state with no value in common.
    pub quantity_conflict: u32,
    /// Edition kinds (tier, platform, licence, year…) both state differently.
    pub edition_conflict: u32,
    /// Edition kinds only one side states.
    pub edition_one_side: u32,
    /// Numbers of one title missing from the other.
    pub number_mismatch: u32,
    /// One title has accessory or bundle words (`case`, `charger`, `bundle`) and the
    /// other none.
    pub accessory_mismatch: bool,
    /// Both titles state decimal figures (`2.0 cu. ft.`, `5.6`) and share none.
    pub figures_conflict: bool,
    /// Both titles name colours and share none.
    pub colour_conflict: bool,
    /// Higher price over lower, when both are known and positive.
    pub price_ratio: Option<f64>,
    /// Jaccard similarity of the category words, when both are known.
    pub category_similarity: Option<f64>,
}
