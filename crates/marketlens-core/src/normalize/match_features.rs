//! Product attributes that carry across catalogues, for the pair model
//! ([`super::pair_model`]): what two listings of one product must agree on whatever
//! shop wrote them.
//!
//! - **Model numbers** ([`normalize_model_number`]): `WH-1000XM5`, `wh1000xm5` and
//!   `WH 1000 XM5` are one code once case, punctuation and spaces are gone.
//! - **Quantities** ([`quantities`]): a number with a unit (`500 GB`, `15.6"`, `65W`,
//!   `5000 mAh`, `2.4 GHz`) in one dimension, converted to one base unit
//!   (`1 TB` = `1000 GB`). Two listings stating the same dimension with no value in
//!   common are different products (a 32 GB and a 64 GB card).
//! - **Edition words** ([`edition_markers`]): tier (`pro`, `mini`, `max`, `home`…),
//!   platform (`mac` / `win`), licence (`upgrade` / `full`), audience (`student`,
//!   `academic`), generation (`2nd gen`, `v3`), year (`2007` / `2008`), seat count
//!   (`3 user`). Both stating one kind with nothing in common: different products;
//!   stated by one side only: weaker evidence against.
//! - **Brands** ([`canonical_brand`]): company suffixes dropped (`Inc`, `Corp`,
//!   `Software`, `Electronics`…) and common aliases mapped (`Hewlett-Packard` → `hp`).

/// A model number in one form: lower case, letters and digits only.
/// `WH-1000XM5`, `wh1000xm5` and `WH 1000 XM5` all give `wh1000xm5`.
pub fn normalize_model_number(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// A measured dimension; values are held in its base unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dimension {
    /// Gigabytes.
    Storage,
    /// Millimetres (inches and centimetres converted).
    Length,
    /// Watts.
    Power,
    /// Milliampere-hours.
    Charge,
    /// Megahertz.
    Frequency,
    /// Megapixels.
    Pixels,
    /// Grams.
    Weight,
    /// Millilitres.
    Volume,
    /// Volts.
    Voltage,
    /// Vertical video lines (`1080p`).
    VideoLines,
    /// Optical zoom factor (`10x`).
    Zoom,
}

/// Unit words, the dimension they measure and the factor to its base unit.
const UNITS: &[(&str, Dimension, f64)] = &[
    ("\"", Dimension::Length, 25.4),
    ("'", Dimension::Length, 25.4),
    ("cm", Dimension::Length, 10.0),
    ("cu", Dimension::Volume, 28_316.8),
    ("g", Dimension::Weight, 1.0),
    ("gb", Dimension::Storage, 1.0),
    ("ghz", Dimension::Frequency, 1000.0),
    ("gig", Dimension::Storage, 1.0),
    ("hz", Dimension::Frequency, 0.000_001),
    ("in", Dimension::Length, 25.4),
    ("inch", Dimension::Length, 25.4),
    ("inches", Dimension::Length, 25.4),
    ("kb", Dimension::Storage, 0.000_001),
    ("kg", Dimension::Weight, 1000.0),
    ("khz", Dimension::Frequency, 0.001),
    ("kw", Dimension::Power, 1000.0),
    ("l", Dimension::Volume, 1000.0),
    ("lb", Dimension::Weight, 453.592),
    ("lbs", Dimension::Weight, 453.592),
    ("liter", Dimension::Volume, 1000.0),
    ("litre", Dimension::Volume, 1000.0),
    ("mah", Dimension::Charge, 1.0),
    ("mb", Dimension::Storage, 0.001),
    ("mega", Dimension::Pixels, 1.0),
    ("megapixel", Dimension::Pixels, 1.0),
    ("megapixels", Dimension::Pixels, 1.0),
    ("mhz", Dimension::Frequency, 1.0),
    ("ml", Dimension::Volume, 1.0),
    ("mm", Dimension::Length, 1.0),
    ("mp", Dimension::Pixels, 1.0),
    ("oz", Dimension::Weight, 28.3495),
    ("p", Dimension::VideoLines, 1.0),
    ("pounds", Dimension::Weight, 453.592),
    ("tb", Dimension::Storage, 1000.0),
    ("v", Dimension::Voltage, 1.0),
    ("volt", Dimension::Voltage, 1.0),
    ("volts", Dimension::Voltage, 1.0),
    ("w", Dimension::Power, 1.0),
    ("watt", Dimension::Power, 1.0),
    ("watts", Dimension::Power, 1.0),
    ("x", Dimension::Zoom, 1.0),
];

fn unit(word: &str) -> Option<(Dimension, f64)> {
    UNITS
        .binary_search_by(|(k, _, _)| k.cmp(&word))
        .ok()
        .map(|i| (UNITS[i].1, UNITS[i].2))
}

/// Lower-case tokens: runs of letters, runs of digits (with one inner `.` or `,` as a
/// decimal point), and the inch marks `"` and `'` as tokens of their own.
fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_ascii_digit() {
            let mut t = String::new();
            while i < chars.len() {
                let d = chars[i];
                let decimal = matches!(d, '.' | ',')
                    && !t.contains('.')
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)
                    && !t.is_empty();
                if d.is_ascii_digit() {
                    t.push(d);
                } else if decimal {
                    t.push('.');
                } else {
                    break;
                }
                i += 1;
            }
            out.push(t);
        } else if c.is_alphabetic() {
            let mut t = String::new();
            while i < chars.len() && chars[i].is_alphabetic() {
                t.extend(chars[i].to_lowercase());
                i += 1;
            }
            out.push(t);
        } else {
            if matches!(c, '"' | '\'' | '”' | '″') {
                out.push(if c == '\'' { "'".into() } else { "\"".into() });
            }
            i += 1;
        }
    }
    out
}

/// Numbers with a unit in a text, as (dimension, value in the base unit), without
/// duplicates. A unit must follow its number directly (`500GB`, `500 GB`, `15.6"`,
/// `15.6-inch`); `cu. ft.` reads as cubic feet.
pub fn quantities(text: &str) -> Vec<(Dimension, f64)> {
    let toks = tokens(text);
    let mut out: Vec<(Dimension, f64)> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Ok(value) = t.parse::<f64>() else {
            continue;
        };
        if !t.starts_with(|c: char| c.is_ascii_digit()) {
            continue;
        }
        let Some(next) = toks.get(i + 1) else {
            continue;
        };
        let Some((dim, factor)) = unit(next) else {
            continue;
        };
        // `2 x 4`: a product of figures, not a zoom.
        if dim == Dimension::Zoom && toks.get(i + 2).is_some_and(|n| n.parse::<f64>().is_ok()) {
            continue;
        }
        let v = value * factor;
        if !out
            .iter()
            .any(|&(d, x)| d == dim && (x - v).abs() <= 1e-9 * v.abs().max(1.0))
        {
            out.push((dim, v));
        }
    }
    out
}

/// How the quantities of two listings compare: dimensions both state with a value in
/// common, and dimensions both state with none in common.
pub fn quantity_agreement(a: &[(Dimension, f64)], b: &[(Dimension, f64)]) -> (u32, u32) {
    // Allocation-free: this runs for every compared pair.
    let (mut agree, mut conflict) = (0, 0);
    for (i, &(d, _)) in a.iter().enumerate() {
        if a[..i].iter().any(|q| q.0 == d) || !b.iter().any(|q| q.0 == d) {
            continue; // counted already, or not stated by the other side
        }
        // 2 % tolerance: `1 TB` against `1000 GB`, `15.6"` against `396 mm`.
        let shared = a.iter().filter(|q| q.0 == d).any(|&(_, x)| {
            b.iter()
                .filter(|q| q.0 == d)
                .any(|&(_, y)| (x - y).abs() <= 0.02 * x.abs().max(y.abs()))
        });
        if shared {
            agree += 1;
        } else {
            conflict += 1;
        }
    }
    (agree, conflict)
}

/// A kind of edition word; two listings stating one kind must state the same value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EditionKind {
    Tier,
    Platform,
    Licence,
    Audience,
    Generation,
    Year,
    Seats,
}

/// Edition words and the value they state.
const EDITION_WORDS: &[(&str, EditionKind, &str)] = &[
    ("academic", EditionKind::Audience, "academic"),
    ("air", EditionKind::Tier, "air"),
    ("basic", EditionKind::Tier, "basic"),
    ("business", EditionKind::Tier, "business"),
    ("deluxe", EditionKind::Tier, "deluxe"),
    ("edu", EditionKind::Audience, "academic"),
    ("education", EditionKind::Audience, "academic"),
    ("educational", EditionKind::Audience, "academic"),
    ("elements", EditionKind::Tier, "elements"),
    ("enterprise", EditionKind::Tier, "enterprise"),
    ("express", EditionKind::Tier, "express"),
    ("family", EditionKind::Tier, "family"),
    ("full", EditionKind::Licence, "full"),
    ("home", EditionKind::Tier, "home"),
    ("lite", EditionKind::Tier, "lite"),
    ("mac", EditionKind::Platform, "mac"),
    ("macintosh", EditionKind::Platform, "mac"),
    ("max", EditionKind::Tier, "max"),
    ("mini", EditionKind::Tier, "mini"),
    ("osx", EditionKind::Platform, "mac"),
    ("platinum", EditionKind::Tier, "platinum"),
    ("plus", EditionKind::Tier, "plus"),
    ("premium", EditionKind::Tier, "premium"),
    ("pro", EditionKind::Tier, "pro"),
    ("professional", EditionKind::Tier, "pro"),
    ("standard", EditionKind::Tier, "standard"),
    ("std", EditionKind::Tier, "standard"),
    ("student", EditionKind::Audience, "academic"),
    ("students", EditionKind::Audience, "academic"),
    ("teacher", EditionKind::Audience, "academic"),
    ("ultimate", EditionKind::Tier, "ultimate"),
    ("ultra", EditionKind::Tier, "ultra"),
    ("upg", EditionKind::Licence, "upgrade"),
    ("upgrade", EditionKind::Licence, "upgrade"),
    ("win", EditionKind::Platform, "win"),
    ("windows", EditionKind::Platform, "win"),
];

/// Edition markers of a text, as (kind, value), without duplicates. Years are
/// 1980–2039 standing alone; generations are `2nd gen`, `gen 2`; seats are
/// `3 user(s)`, `5-pc`, `3 licenses`.
pub fn edition_markers(text: &str) -> Vec<(EditionKind, String)> {
    let toks = tokens(text);
    let mut out: Vec<(EditionKind, String)> = Vec::new();
    let mut push = |k: EditionKind, v: String| {
        if !out.iter().any(|(ok, ov)| *ok == k && *ov == v) {
            out.push((k, v));
        }
    };
    for (i, t) in toks.iter().enumerate() {
        let next = toks.get(i + 1).map(String::as_str);
        let prev = i.checked_sub(1).map(|p| toks[p].as_str());
        if let Ok(k) = EDITION_WORDS.binary_search_by(|(w, _, _)| w.cmp(&t.as_str())) {
            let (_, kind, value) = EDITION_WORDS[k];
            // "Home and Student" is one edition: its words are not two claims.
            let part_of_home_and_student = (value == "home" && matches!(next, Some("and" | "&")))
                || (t == "student" && matches!(prev, Some("and" | "&")));
            if !part_of_home_and_student {
                push(kind, value.into());
            }
            continue;
        }
        if t.chars().all(|c| c.is_ascii_digit()) && !t.is_empty() {
            let n: u32 = t.parse().unwrap_or(0);
            if t.len() == 4 && (1980..2040).contains(&n) {
                push(EditionKind::Year, t.clone());
                continue;
            }
            match next {
                Some("st" | "nd" | "rd" | "th")
                    if matches!(
                        toks.get(i + 2).map(String::as_str),
                        Some("gen" | "generation")
                    ) =>
                {
                    push(EditionKind::Generation, n.to_string());
                }
                Some(
                    "user" | "users" | "pc" | "pcs" | "seat" | "seats" | "license" | "licenses"
                    | "licence" | "licences" | "computer" | "computers",
                ) if n > 0 && n < 1000 => {
                    push(EditionKind::Seats, n.to_string());
                }
                _ => {}
            }
            // `v2` and `version 2` are the plain number `2` (as another shop writes
            // it); only generations are named as such.
            if matches!(prev, Some("gen" | "generation")) && t.len() <= 2 {
                push(EditionKind::Generation, n.to_string());
            }
        }
    }
    out
}

/// How the edition markers of two listings compare: kinds both state with nothing in
/// common, and markers stated by one side only (within kinds the other side does not
/// state at all), per side summed.
pub fn edition_agreement(a: &[(EditionKind, String)], b: &[(EditionKind, String)]) -> (u32, u32) {
    // Allocation-free: this runs for every compared pair.
    let (mut conflict, mut one_side) = (0, 0);
    let all = a.iter().chain(b);
    for (i, (k, _)) in all.clone().enumerate() {
        if all.clone().take(i).any(|m| m.0 == *k) {
            continue; // this kind is counted already
        }
        let mut xs = a.iter().filter(|m| m.0 == *k);
        let has_y = b.iter().any(|m| m.0 == *k);
        if !has_y || a.iter().all(|m| m.0 != *k) {
            one_side += 1;
        } else if !xs.any(|x| b.iter().any(|y| y.0 == *k && y.1 == x.1)) {
            conflict += 1;
        }
    }
    (conflict, one_side)
}

/// Words that make a listing an accessory of, or a bundle around, a product
/// (`Case for …`, `… Charger`, `… Bundle`, `2-Pack`), English, French and German.
/// Sorted by bytes.
const ACCESSORY_WORDS: &[&str] = &[
    "adaptateur",
    "adapter",
    "bag",
    "batterie",
    "battery",
    "bundle",
    "cable",
    "case",
    "charger",
    "chargeur",
    "coque",
    "cover",
    "câble",
    "etui",
    "housse",
    "hülle",
    "kabel",
    "kit",
    "ladegerät",
    "mount",
    "pack",
    "protector",
    "refill",
    "remote",
    "replacement",
    "skin",
    "sleeve",
    "stand",
    "strap",
    "tasche",
];

/// Accessory and bundle words of a text (see [`ACCESSORY_WORDS`]), without duplicates.
pub fn accessory_words(text: &str) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for t in tokens(text) {
        if let Ok(i) = ACCESSORY_WORDS.binary_search(&t.as_str())
            && !out.contains(&ACCESSORY_WORDS[i])
        {
            out.push(ACCESSORY_WORDS[i]);
        }
    }
    out
}

/// Whether one listing reads as an accessory or bundle and the other has no such
/// word at all (`Case for iPhone 15` against `iPhone 15`: the case is not the
/// phone). Two accessories (`battery pack` / `camcorder battery`) are not flagged.
pub fn accessory_mismatch(a: &[&str], b: &[&str]) -> bool {
    a.is_empty() != b.is_empty()
}

/// Words that name a company's form or trade, not the brand.
const COMPANY_WORDS: &[&str] = &[
    "america",
    "co",
    "company",
    "computer",
    "computers",
    "corp",
    "corporation",
    "electronics",
    "entertainment",
    "gmbh",
    "group",
    "inc",
    "incorporated",
    "international",
    "intl",
    "llc",
    "ltd",
    "media",
    "north",
    "products",
    "publishing",
    "software",
    "systems",
    "technologies",
    "technology",
    "usa",
];

/// Brand names written differently by shops, and the one form used here.
const BRAND_ALIASES: &[(&str, &str)] = &[
    ("canonusa", "canon"),
    ("generalelectric", "ge"),
    ("hewlettpackard", "hp"),
    ("lgelectronics", "lg"),
    ("logitechinc", "logitech"),
    ("microsoftcorp", "microsoft"),
    ("msft", "microsoft"),
    ("panasonicconsumer", "panasonic"),
    ("samsungelectronics", "samsung"),
    ("sonyelectronics", "sony"),
    ("westerndigital", "wd"),
];

/// A brand in one form: lower case, company words dropped, letters and digits only,
/// aliases mapped (`Hewlett-Packard Company` → `hp`, `Adobe Systems Inc.` → `adobe`).
/// `None` when nothing is left.
pub fn canonical_brand(brand: &str) -> Option<String> {
    let kept: Vec<String> = brand
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .filter(|w| COMPANY_WORDS.binary_search(&w.as_str()).is_err())
        .collect();
    let joined = if kept.is_empty() {
        // "Software" alone is still a name.
        normalize_model_number(brand)
    } else {
        kept.concat()
    };
    if joined.is_empty() {
        return None;
    }
    Some(
        BRAND_ALIASES
            .binary_search_by(|(k, _)| k.cmp(&joined.as_str()))
            .map_or(joined, |i| BRAND_ALIASES[i].1.to_owned()),
    )
}

/// The initials of a brand of several words (`Computer Associates` → `ca`,
/// `Global Software Publishing` → `gsp`): shops write such brands either way.
pub fn brand_initials(brand: &str) -> Option<String> {
    let words: Vec<&str> = brand
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    (words.len() >= 2).then(|| {
        words
            .iter()
            .filter_map(|w| w.chars().next())
            .flat_map(char::to_lowercase)
            .collect()
    })
}

/// A brand prepared for comparison: its canonical form and initials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandKey {
    canonical: String,
    initials: Option<String>,
}

impl BrandKey {
    /// `None` when the text names no brand.
    pub fn new(brand: &str) -> Option<BrandKey> {
        Some(BrandKey {
            canonical: canonical_brand(brand)?,
            initials: brand_initials(brand),
        })
    }

    /// Whether two brands can be one: equal or one inside the other once canonical
    /// (`sonycreative` / `sony`), or one the initials of the other.
    pub fn compatible(&self, other: &BrandKey) -> bool {
        let (x, y) = (&self.canonical, &other.canonical);
        x.contains(y.as_str())
            || y.contains(x.as_str())
            || self.initials.as_ref() == Some(y)
            || other.initials.as_ref() == Some(x)
    }
}

/// Whether two brand texts can be one brand ([`BrandKey::compatible`]); a text
/// naming no brand is compatible with any.
pub fn brands_compatible(a: &str, b: &str) -> bool {
    match (BrandKey::new(a), BrandKey::new(b)) {
        (Some(x), Some(y)) => x.compatible(&y),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_for_binary_search() {
        assert!(UNITS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(EDITION_WORDS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(COMPANY_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(ACCESSORY_WORDS.windows(2).all(|w| w[0] < w[1]));
        assert!(BRAND_ALIASES.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn model_numbers_in_any_spelling_normalise_alike() {
        for s in ["WH-1000XM5", "wh1000xm5", "WH 1000 XM5", "wh_1000/xm5"] {
            assert_eq!(normalize_model_number(s), "wh1000xm5", "{s}");
        }
        assert_ne!(
            normalize_model_number("WH-1000XM4"),
            normalize_model_number("WH-1000XM5")
        );
    }

    #[test]
    fn quantities_read_units_and_convert() {
        let q = quantities("WD 1TB external drive, 2.5\" USB 3.0 65W 5000 mAh 15.6-inch");
        assert!(q.contains(&(Dimension::Storage, 1000.0)), "{q:?}");
        assert!(q.contains(&(Dimension::Length, 63.5)), "{q:?}");
        assert!(q.contains(&(Dimension::Power, 65.0)));
        assert!(q.contains(&(Dimension::Charge, 5000.0)));
        assert!(
            q.iter()
                .any(|&(d, v)| d == Dimension::Length && (v - 396.24).abs() < 0.01)
        );
        // Abt-Buy style tokenised inch marks.
        let inches = quantities("lg 24 ' dishwasher");
        assert!(
            inches
                .iter()
                .any(|&(d, v)| d == Dimension::Length && (v - 609.6).abs() < 0.01),
            "{inches:?}"
        );
        // A decimal comma reads as a point.
        assert!(quantities("SSD 0,5 TB").contains(&(Dimension::Storage, 500.0)));
        assert!(quantities("USB 3.0 cable").is_empty());
    }

    #[test]
    fn quantities_must_agree_per_dimension() {
        let a = quantities("SanDisk Ultra 32GB microSDHC");
        let b = quantities("sandisk ultra micro sdhc 64 gb");
        let c = quantities("SanDisk 32 GB card 10 MB/s");
        assert_eq!(quantity_agreement(&a, &b), (0, 1));
        assert_eq!(quantity_agreement(&a, &c), (1, 0));
        assert_eq!(
            quantity_agreement(&quantities("1 TB"), &quantities("1000GB")),
            (1, 0)
        );
        // A dimension stated by one side only says nothing.
        assert_eq!(quantity_agreement(&a, &quantities("65 W")), (0, 0));
    }

    #[test]
    fn edition_words_must_agree() {
        let m = |s: &str| edition_markers(s);
        let (c, _) = edition_agreement(
            &m("Microsoft Office 2007 Professional Upgrade"),
            &m("microsoft office professional 2007 full version"),
        );
        assert_eq!(c, 1, "upgrade vs full");
        assert_eq!(
            edition_agreement(
                &m("Adobe Photoshop CS3 Mac"),
                &m("photoshop cs3 for windows")
            )
            .0,
            1
        );
        assert_eq!(
            edition_agreement(&m("Quicken Deluxe 2007"), &m("quicken deluxe 2008")).0,
            1
        );
        assert_eq!(
            edition_agreement(&m("Apple iPad mini"), &m("Apple iPad Pro")).0,
            1
        );
        assert_eq!(
            edition_agreement(&m("Echo Dot 2nd gen"), &m("echo dot (3rd generation)")).0,
            1
        );
        assert_eq!(
            edition_agreement(&m("Norton 360 3 user"), &m("norton 360 - 1 user")).0,
            1
        );
        // Same edition in other words agrees; a word on one side only is counted apart.
        assert_eq!(
            edition_agreement(
                &m("Office Pro 2007 Win"),
                &m("office professional 2007 windows")
            ),
            (0, 0)
        );
        assert_eq!(
            edition_agreement(&m("Office 2007 Student"), &m("office 2007")),
            (0, 1)
        );
        assert_eq!(
            edition_agreement(&m("Office Home and Student 2007"), &m("office 2007")),
            (0, 0)
        );
    }

    #[test]
    fn accessories_and_bundles_differ_from_the_product() {
        let phone = accessory_words("Apple iPhone 15 128GB Black");
        let case = accessory_words("Silicone Case for Apple iPhone 15 - Black");
        let pods = accessory_words("AirPods Pro with MagSafe Charging Case");
        assert!(accessory_mismatch(&phone, &case));
        assert!(!accessory_mismatch(
            &pods,
            &accessory_words("airpods pro charging case")
        ));
        assert!(accessory_mismatch(
            &phone,
            &accessory_words("iPhone 15 bundle")
        ));
        // Two accessories are not told apart by it.
        assert!(!accessory_mismatch(
            &accessory_words("battery pack NP-FH100"),
            &accessory_words("camcorder battery npfh100")
        ));
    }

    #[test]
    fn brands_drop_company_words_and_map_aliases() {
        assert_eq!(canonical_brand("Hewlett-Packard").as_deref(), Some("hp"));
        assert_eq!(canonical_brand("HP").as_deref(), Some("hp"));
        assert_eq!(
            canonical_brand("Adobe Systems Inc.").as_deref(),
            Some("adobe")
        );
        assert_eq!(
            canonical_brand("Microsoft Software").as_deref(),
            Some("microsoft")
        );
        assert_eq!(canonical_brand("Software").as_deref(), Some("software"));
        assert_eq!(canonical_brand(" - "), None);
        assert!(brands_compatible("Computer Associates", "CA"));
        assert!(brands_compatible("Sony Creative Software", "SONY"));
        assert!(brands_compatible("Hewlett Packard", "HP"));
        assert!(!brands_compatible("Sony", "Bose"));
    }
}
