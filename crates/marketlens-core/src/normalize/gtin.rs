//! GTIN-8/12/13/14 validation (GS1 Global Trade Item Numbers: EAN-8, UPC-A, EAN-13,
//! GTIN-14).
//!
//! Rules:
//! - spaces (any Unicode whitespace) and dashes (`-`, `‐`, `‑`, `‒`, `–`, `—`) are
//!   ignored, as shops print `4 006381 333931` or `0-36000-29145-2`;
//! - what remains must be ASCII digits only, 8, 12, 13 or 14 of them;
//! - the last digit must be the GS1 mod-10 check digit of the others;
//! - all-zero numbers are rejected (a placeholder, not a product);
//! - the result is left-padded with zeros to 14 digits, so that a UPC-A `036000291452`,
//!   its EAN-13 form `0036000291452` and its GTIN-14 form `00036000291452` are equal.
//!
//! Left-padding keeps the check digit valid: GS1 weights are counted from the right.

const DASHES: [char; 6] = [
    '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}',
];

/// Returns the GTIN as 14 digits (left-padded with zeros) when it has a valid length
/// and check digit, ignoring spaces and dashes; `None` otherwise.
pub fn normalize_gtin(text: &str) -> Option<String> {
    let digits: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && !DASHES.contains(c))
        .collect();
    if !matches!(digits.len(), 8 | 12 | 13 | 14) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if digits.bytes().all(|b| b == b'0') {
        return None;
    }
    let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
    let (body, check) = values.split_at(values.len() - 1);
    if gs1_check_digit(body) != check[0] {
        return None;
    }
    Some(format!("{digits:0>14}"))
}

/// GS1 mod-10: from the rightmost digit of `body` leftwards, weights 3, 1, 3, 1, …;
/// the check digit brings the weighted sum to a multiple of 10.
fn gs1_check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { d * 3 } else { *d })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `text` reads as the GTIN-14 `gtin`.
    fn assert_reads(text: &str, gtin: &str) {
        assert_eq!(normalize_gtin(text).as_deref(), Some(gtin), "{text:?}");
    }

    fn assert_rejected(texts: &[&str]) {
        for text in texts {
            assert_eq!(normalize_gtin(text), None, "{text:?} accepted");
        }
    }

    #[test]
    fn accepts_real_ean13() {
        // Faber-Castell pencil, the usual EAN-13 example.
        assert_reads("4006381333931", "04006381333931");
        // ISBN-13 of a book (EAN-13 with 978 prefix).
        assert_reads("9780306406157", "09780306406157");
    }

    #[test]
    fn accepts_real_upc_a_and_pads_it() {
        assert_reads("036000291452", "00036000291452");
    }

    #[test]
    fn accepts_real_ean8() {
        assert_reads("96385074", "00000096385074");
    }

    #[test]
    fn accepts_gtin14() {
        // Case of 036000291452 with packaging indicator 1: check digit recomputed.
        assert_reads("10036000291459", "10036000291459");
    }

    #[test]
    fn upc_a_ean13_and_gtin14_forms_are_equal() {
        let upc = normalize_gtin("036000291452");
        assert!(upc.is_some());
        assert_eq!(upc, normalize_gtin("0036000291452"));
        assert_eq!(upc, normalize_gtin("00036000291452"));
    }

    #[test]
    fn ignores_spaces_and_dashes() {
        assert_reads("4 006381 333931", "04006381333931");
        assert_reads(" 4006381-333931 ", "04006381333931");
        assert_reads("4\u{a0}006381\u{2013}333931", "04006381333931");
        assert_reads("0-36000-29145-2", "00036000291452");
    }

    #[test]
    fn rejects_wrong_check_digits() {
        assert_rejected(&[
            "4006381333932",
            "4006381333930",
            "036000291453",
            "96385075",
            "10036000291458",
        ]);
    }

    #[test]
    fn rejects_transposed_digits() {
        // Swapping two adjacent digits with different weights breaks the check.
        assert_rejected(&["4003681333931"]);
    }

    #[test]
    fn rejects_wrong_lengths() {
        assert_rejected(&[
            "",
            "1",
            "9638507",
            "963850745",
            "12345678901",
            "400638133393100",
        ]);
    }

    #[test]
    fn rejects_non_digits() {
        assert_rejected(&[
            "400638133393A",
            "4006381333931x",
            "4006381.333931",
            "４００６３８１３３３９３１", // full-width digits
            "٤٠٠٦٣٨١٣٣٣٩٣١",              // Arabic-Indic digits
            "+4006381333931",
        ]);
    }

    #[test]
    fn rejects_all_zero() {
        assert_rejected(&[
            "00000000",
            "000000000000",
            "0000000000000",
            "00000000000000",
        ]);
    }

    #[test]
    fn check_digit_matches_known_values() {
        let digits = |s: &str| -> Vec<u32> { s.bytes().map(|b| u32::from(b - b'0')).collect() };
        assert_eq!(gs1_check_digit(&digits("400638133393")), 1);
        assert_eq!(gs1_check_digit(&digits("03600029145")), 2);
        assert_eq!(gs1_check_digit(&digits("9638507")), 4);
        // A body whose weighted sum is already a multiple of 10 has check digit 0.
        assert_eq!(gs1_check_digit(&digits("0000000")), 0);
    }
}
