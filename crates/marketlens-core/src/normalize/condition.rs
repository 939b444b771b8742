//! Condition and availability from schema.org values and shop wording (EN/FR).
//!
//! Matching rules (both functions):
//! - schema.org values are accepted as full URLs (`http`/`https`, with or without
//!   `www.`), as `schema:X` and as the short name `X`, in any case;
//! - free text is compared case- and accent-insensitively (`Reconditionné` =
//!   `reconditionne`), word by word: a keyword matches whole words only, so `newer`
//!   never matches `new` and `used` never matches `unused`; punctuation and dashes
//!   separate words (`pre-owned` = `pre owned`, `d'occasion` = `d occasion`);
//! - the more specific meaning is checked first: refurbished before used before new
//!   (`Used - like new` is used, `remis à neuf` is refurbished), out of stock before in
//!   stock (`not in stock`, `indisponible`).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::{Availability, Condition};

/// Folded words of `s`: NFKD, diacritics removed, lower case, split on anything that is
/// not a letter or digit.
fn words(s: &str) -> Vec<String> {
    let folded: String = s
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    folded.split_whitespace().map(str::to_owned).collect()
}

/// Whether `phrase` (space-separated folded words) occurs as consecutive whole words.
fn has_phrase(words: &[String], phrase: &str) -> bool {
    let p: Vec<&str> = phrase.split(' ').collect();
    !p.is_empty()
        && words.len() >= p.len()
        && words
            .windows(p.len())
            .any(|w| w.iter().zip(&p).all(|(a, b)| a == b))
}

fn has_any<'a>(words: &[String], phrases: impl IntoIterator<Item = &'a &'a str>) -> bool {
    phrases.into_iter().any(|p| has_phrase(words, p))
}

/// French `occasion` (used) in a title, but not English "for any occasion".
fn title_says_occasion(w: &[String]) -> bool {
    w.iter().enumerate().any(|(i, word)| {
        word == "occasion" && (i == 0 || !OCCASION_EVENT.contains(&w[i - 1].as_str()))
    })
}

/// `https://schema.org/UsedCondition`, `schema:UsedCondition` → `usedcondition`.
/// `None` when `s` is not a bare token (contains spaces after trimming the prefix).
fn schema_token(s: &str) -> Option<String> {
    let mut t = s.trim();
    for prefix in [
        "https://www.schema.org/",
        "http://www.schema.org/",
        "https://schema.org/",
        "http://schema.org/",
        "schema.org/",
        "schema:",
    ] {
        if t.len() >= prefix.len()
            && t.is_char_boundary(prefix.len())
            && t[..prefix.len()].eq_ignore_ascii_case(prefix)
        {
            t = &t[prefix.len()..];
            break;
        }
    }
    let t = t.trim_end_matches('/');
    (!t.is_empty() && t.chars().all(|c| c.is_ascii_alphanumeric())).then(|| t.to_ascii_lowercase())
}

/// Refurbished wording (condition field and title).
const REFURBISHED: &[&str] = &[
    "refurbished",
    "refurb",
    "renewed",
    "reconditioned",
    "remanufactured",
    "recertified",
    "reconditionne",
    "reconditionnee",
    "reconditionnes",
    "reconditionnees",
    "remis a neuf",
    "remise a neuf",
    "reacondicionado",
    "ricondizionato",
    "generalueberholt",
    "generaluberholt",
];

/// Used wording that is safe in a title as well as in the condition field.
const USED: &[&str] = &[
    "used",
    "pre owned",
    "preowned",
    "second hand",
    "secondhand",
    "occasion",
    "d occasion",
    "seconde main",
    "like new",
    "as new",
    "comme neuf",
    "comme neuve",
    "etat neuf",
    "open box",
    "openbox",
    "ex demo",
    "gebraucht",
];

/// Used wording only meaningful in a condition field (grades, damage).
const USED_FIELD_ONLY: &[&str] = &[
    "damaged",
    "endommage",
    "endommagee",
    "very good",
    "good",
    "acceptable",
    "fair",
    "tres bon etat",
    "bon etat",
    "etat correct",
    "etat moyen",
    "usage",
    "usagee",
];

/// English words before `occasion` that make it "an event" rather than French "used":
/// "for any occasion", "special occasion".
const OCCASION_EVENT: &[&str] = &[
    "any",
    "every",
    "each",
    "special",
    "an",
    "the",
    "this",
    "that",
    "all",
    "one",
    "for",
    "perfect",
    "gift",
    "big",
    "festive",
    "formal",
    "memorable",
];

/// New wording, condition field only (in titles `new` is marketing: "New Balance").
const NEW: &[&str] = &[
    "new",
    "brand new",
    "neuf",
    "neuve",
    "neufs",
    "neuves",
    "nouveau",
    "neu",
    "nuevo",
    "nuovo",
];

/// From the condition field if it says something, else from title keywords.
pub fn parse_condition(condition_text: Option<&str>, title: &str) -> Condition {
    if let Some(c) = condition_text.and_then(condition_from_field) {
        return c;
    }
    let w = words(title);
    if has_any(&w, REFURBISHED) {
        Condition::Refurbished
    } else if has_any(&w, USED.iter().filter(|p| **p != "occasion")) || title_says_occasion(&w) {
        Condition::Used
    } else {
        Condition::Unknown
    }
}

fn condition_from_field(field: &str) -> Option<Condition> {
    if let Some(token) = schema_token(field) {
        match token.as_str() {
            "newcondition" => return Some(Condition::New),
            "usedcondition" | "damagedcondition" => return Some(Condition::Used),
            "refurbishedcondition" => return Some(Condition::Refurbished),
            _ => {}
        }
    }
    let w = words(field);
    if has_any(&w, REFURBISHED) {
        Some(Condition::Refurbished)
    } else if has_any(&w, USED) || has_any(&w, USED_FIELD_ONLY) {
        Some(Condition::Used)
    } else if has_any(&w, NEW) {
        Some(Condition::New)
    } else {
        None
    }
}

const PRE_ORDER: &[&str] = &[
    "preorder",
    "pre order",
    "precommande",
    "pre commande",
    "precommander",
    "backorder",
    "back order",
    "backordered",
    "presale",
    "vorbestellung",
];

const OUT_OF_STOCK: &[&str] = &[
    "outofstock",
    "out of stock",
    "soldout",
    "sold out",
    "not in stock",
    "not available",
    "unavailable",
    "no longer available",
    "discontinued",
    "rupture de stock",
    "rupture",
    "en rupture",
    "epuise",
    "epuisee",
    "indisponible",
    "non disponible",
    "plus disponible",
    "pas disponible",
    "hors stock",
    "ausverkauft",
    "nicht verfugbar",
    "nicht vorratig",
];

const IN_STOCK: &[&str] = &[
    "instock",
    "in stock",
    "en stock",
    "disponible",
    "available",
    "limitedavailability",
    "limited availability",
    "onlineonly",
    "online only",
    "instoreonly",
    "in store only",
    "auf lager",
    "lieferbar",
    "verfugbar",
];

/// Stock status. schema.org `BackOrder` (orderable now, shipped when restocked) maps to
/// `PreOrder`; `LimitedAvailability`, `OnlineOnly` and `InStoreOnly` mean the item can
/// be bought, so `InStock`; `SoldOut` and `Discontinued` are `OutOfStock`.
pub fn parse_availability(text: Option<&str>) -> Availability {
    let Some(text) = text else {
        return Availability::Unknown;
    };
    if let Some(token) = schema_token(text) {
        match token.as_str() {
            "instock" | "limitedavailability" | "onlineonly" | "instoreonly" => {
                return Availability::InStock;
            }
            "outofstock" | "soldout" | "discontinued" => return Availability::OutOfStock,
            "preorder" | "backorder" | "presale" => return Availability::PreOrder,
            _ => {}
        }
    }
    // `in_stock` and `out_of_stock` split into words like the spelled-out forms.
    let w = words(text);
    if has_any(&w, PRE_ORDER) {
        Availability::PreOrder
    } else if has_any(&w, OUT_OF_STOCK) {
        Availability::OutOfStock
    } else if has_any(&w, IN_STOCK) {
        Availability::InStock
    } else {
        Availability::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(s: &str) -> Condition {
        parse_condition(Some(s), "Some product")
    }

    fn title(t: &str) -> Condition {
        parse_condition(None, t)
    }

    /// A condition field and a title read as `expected`.
    fn assert_reads(field: Option<&str>, title: &str, expected: Condition) {
        assert_eq!(
            parse_condition(field, title),
            expected,
            "{field:?}, {title:?}"
        );
    }

    /// Each of `fields` (a condition field) reads as `expected`.
    fn assert_fields(expected: Condition, fields: &[&str]) {
        for s in fields {
            assert_eq!(field(s), expected, "{s:?}");
        }
    }

    /// Each of `titles` (no condition field) reads as `expected`.
    fn assert_titles(expected: Condition, titles: &[&str]) {
        for t in titles {
            assert_eq!(title(t), expected, "{t:?}");
        }
    }

    /// Each of `texts` (an availability field) reads as `expected`.
    fn assert_availability(expected: Availability, texts: &[&str]) {
        for s in texts {
            assert_eq!(parse_availability(Some(s)), expected, "{s:?}");
        }
    }

    #[test]
    fn schema_org_condition_urls_and_short_names() {
        assert_fields(
            Condition::New,
            &[
                "https://schema.org/NewCondition",
                "http://schema.org/NewCondition",
                "NewCondition",
                "schema:NewCondition",
                "https://www.schema.org/NewCondition/",
            ],
        );
        assert_fields(
            Condition::Used,
            &[
                "https://schema.org/UsedCondition",
                "http://schema.org/UsedCondition",
                "UsedCondition",
                "https://schema.org/DamagedCondition",
                "DamagedCondition",
                "  HTTPS://SCHEMA.ORG/usedcondition  ",
            ],
        );
        assert_fields(
            Condition::Refurbished,
            &[
                "https://schema.org/RefurbishedCondition",
                "RefurbishedCondition",
            ],
        );
    }

    #[test]
    fn english_condition_wording() {
        assert_fields(Condition::New, &["new", "New", "Brand New"]);
        assert_fields(
            Condition::Used,
            &[
                "used",
                "Pre-owned",
                "pre owned",
                "Second hand",
                "second-hand",
                "Like New",
                "Used - Like New",
                "Open box",
                "open-box",
                "Used - Very Good",
            ],
        );
        assert_fields(
            Condition::Refurbished,
            &[
                "Refurbished",
                "Renewed",
                "Reconditioned",
                "Certified Refurbished",
            ],
        );
    }

    #[test]
    fn french_condition_wording_accent_insensitive() {
        assert_fields(Condition::New, &["neuf", "Neuf", "neuve", "NEUVE"]);
        assert_fields(
            Condition::Used,
            &[
                "occasion",
                "d'occasion",
                "D’occasion",
                "Occasion - très bon état",
                "Occasion - tres bon etat",
                "comme neuf",
                "Comme neuve",
                "État neuf",
                "Très bon état",
            ],
        );
        assert_fields(
            Condition::Refurbished,
            &[
                "reconditionné",
                "Reconditionné",
                "RECONDITIONNE",
                "Remis à neuf",
                "remis a neuf",
            ],
        );
    }

    #[test]
    fn recognised_field_wins_over_title() {
        assert_reads(Some("new"), "iPhone 13 reconditionné", Condition::New);
        assert_reads(Some("UsedCondition"), "Renewed iPhone", Condition::Used);
    }

    #[test]
    fn unrecognised_or_absent_field_falls_back_to_title() {
        assert_reads(
            Some("see description"),
            "Renewed Apple iPhone 12",
            Condition::Refurbished,
        );
        assert_reads(Some(""), "Appareil photo d'occasion", Condition::Used);
        assert_reads(
            Some("https://schema.org/Thing"),
            "Used Nikon D750",
            Condition::Used,
        );
        assert_reads(
            None,
            "iPhone 12 reconditionné - Très bon état",
            Condition::Refurbished,
        );
        assert_reads(None, "Sony WH-1000XM4 pre-owned", Condition::Used);
        assert_reads(None, "MacBook Pro (Open Box)", Condition::Used);
    }

    #[test]
    fn plain_new_in_title_is_not_a_condition() {
        assert_titles(
            Condition::Unknown,
            &[
                "New Balance 574",
                "2024 new model wireless earbuds",
                "NEW! Sony headphones",
                "Chaussures neuves Nike",
                "Nouveau Samsung Galaxy",
                "Brand new iPhone",
            ],
        );
    }

    #[test]
    fn title_matching_uses_word_boundaries() {
        assert_titles(
            Condition::Unknown,
            &[
                "Newer model headphones",
                "Unused-looking renewedly box", // `renewedly` is not `renewed`
                "Refurbishment kit for bikes",
                "Occasional table",
                "Perfect gift for any occasion",
                "Dress for a special occasion",
                "Heavy usage headphones",
                "Usedom travel guide",
            ],
        );
        assert_titles(
            Condition::Refurbished,
            &["renewed", "Apple iPhone 11 (Renewed)"],
        );
        assert_titles(
            Condition::Used,
            &["iPhone 12 occasion", "Occasion : Canon EOS 80D"],
        );
    }

    #[test]
    fn grades_count_in_the_field_but_not_in_titles() {
        assert_fields(Condition::Used, &["Good", "Acceptable"]);
        assert_titles(
            Condition::Unknown,
            &["Good headphones for running", "Damaged box? We refund"],
        );
    }

    #[test]
    fn unknown_when_nothing_recognisable() {
        assert_reads(None, "", Condition::Unknown);
        assert_reads(Some("n/a"), "Sony TV", Condition::Unknown);
        assert_reads(Some("   "), "   ", Condition::Unknown);
        assert_reads(Some("🙂"), "🙂", Condition::Unknown);
    }

    #[test]
    fn schema_org_availability() {
        assert_availability(
            Availability::InStock,
            &[
                "https://schema.org/InStock",
                "http://schema.org/InStock",
                "InStock",
                "https://schema.org/LimitedAvailability",
                "LimitedAvailability",
                "https://schema.org/OnlineOnly",
                "OnlineOnly",
                "https://schema.org/InStoreOnly",
                "InStoreOnly",
                "instock",
            ],
        );
        assert_availability(
            Availability::OutOfStock,
            &[
                "https://schema.org/OutOfStock",
                "OutOfStock",
                "https://schema.org/SoldOut",
                "SoldOut",
                "https://schema.org/Discontinued",
            ],
        );
        assert_availability(
            Availability::PreOrder,
            &[
                "https://schema.org/PreOrder",
                "PreOrder",
                "https://schema.org/BackOrder",
                "BackOrder",
            ],
        );
    }

    #[test]
    fn availability_wording() {
        assert_availability(
            Availability::InStock,
            &["in_stock", "In stock", "En stock", "Disponible"],
        );
        assert_availability(
            Availability::OutOfStock,
            &[
                "out_of_stock",
                "Out of stock",
                "Rupture de stock",
                "Épuisé",
                "epuise",
                "Sold out",
                "Indisponible",
                "Not in stock",
            ],
        );
        assert_availability(
            Availability::PreOrder,
            &[
                "preorder",
                "Pre-order",
                "Précommande",
                "pre_order",
                "Available for pre-order",
            ],
        );
    }

    #[test]
    fn availability_unknown() {
        assert_eq!(parse_availability(None), Availability::Unknown);
        assert_availability(
            Availability::Unknown,
            &[
                "",
                "   ",
                "Ships in 2-3 days",
                "stockholm",
                "https://schema.org/Thing",
            ],
        );
    }
}
