//! Control characters in text a source collected.
//!
//! Shop pages and feeds are hostile input: a JSON-LD `"name": "a\u0000b"` or a brand
//! holding a terminal escape (`\x1b]0;…\x07`) is valid JSON and valid UTF-8, yet NUL
//! cannot be stored in a PostgreSQL `text` or `jsonb` value, and escapes reach whatever
//! prints the text. Every source's answer is cleaned once, where it enters the pipeline
//! (`SourceBatch::strip_control_characters`), so the rest of the code never sees them.

use std::borrow::Cow;

use super::{CollectedOffer, CollectedProduct, CollectedReview};

/// Whether `c` is removed from collected text: every C0 control (NUL, ESC, BEL, …)
/// except the tab and line breaks that real review text holds, DEL and the C1 controls
/// (U+0080–U+009F, which some terminals read as escapes).
pub fn is_unwanted_control(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// `text` without its unwanted control characters (borrowed when it has none).
pub fn strip_control_characters(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unwanted_control) {
        Cow::Owned(text.chars().filter(|&c| !is_unwanted_control(c)).collect())
    } else {
        Cow::Borrowed(text)
    }
}

fn clean(text: &mut String) {
    if let Cow::Owned(cleaned) = strip_control_characters(text) {
        *text = cleaned;
    }
}

fn clean_opt(text: &mut Option<String>) {
    if let Some(text) = text {
        clean(text);
    }
}

/// Cleans one record's strings: those it always has and those it may have.
fn clean_fields<const R: usize, const O: usize>(
    required: [&mut String; R],
    optional: [&mut Option<String>; O],
) {
    required.into_iter().for_each(clean);
    optional.into_iter().for_each(clean_opt);
}

impl CollectedProduct {
    /// Removes unwanted control characters from every string it holds, its offers'
    /// and reviews' included.
    pub fn strip_control_characters(&mut self) {
        let CollectedProduct {
            source,
            source_product_id,
            title,
            brand,
            model,
            category,
            gtin,
            mpn,
            url,
            offers,
            reviews,
        } = self;
        clean_fields(
            [source, source_product_id, title],
            [brand, model, category, gtin, mpn, url],
        );
        offers
            .iter_mut()
            .for_each(CollectedOffer::strip_control_characters);
        reviews
            .iter_mut()
            .for_each(CollectedReview::strip_control_characters);
    }
}

impl CollectedOffer {
    fn strip_control_characters(&mut self) {
        let CollectedOffer {
            offer_id,
            seller,
            price_text,
            currency_hint,
            country,
            condition_text,
            availability_text,
            url,
        } = self;
        clean_fields(
            [offer_id, seller, price_text],
            [
                currency_hint,
                country,
                condition_text,
                availability_text,
                url,
            ],
        );
    }
}

impl CollectedReview {
    fn strip_control_characters(&mut self) {
        let CollectedReview {
            review_id,
            seller,
            author,
            rating: _,
            title,
            text,
            language,
            date: _,
        } = self;
        clean_fields([review_id, text], [seller, author, title, language]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_and_c1_controls_are_removed() {
        assert_eq!(strip_control_characters("a\u{0}b"), "ab");
        assert_eq!(
            strip_control_characters("Acme\u{1b}]0;owned\u{7}\u{9b}31m\u{7f}"),
            "Acme]0;owned31m"
        );
    }

    #[test]
    fn tabs_line_breaks_and_other_text_are_kept() {
        let text = "Très bien\r\n\tsolide — 5★ 😀";
        assert!(matches!(strip_control_characters(text), Cow::Borrowed(t) if t == text));
    }

    #[test]
    fn every_field_of_a_product_is_cleaned() {
        let mut products = crate::testing::products();
        let dirty = |s: &str| format!("{s}\u{0}\u{1b}[2J");
        let mut product = products.remove(0);
        product.title = dirty(&product.title);
        product.brand = product.brand.as_deref().map(dirty);
        product.offers[0].seller = dirty(&product.offers[0].seller);
        product.offers[0].price_text = dirty(&product.offers[0].price_text);
        product.reviews[0].text = dirty(&product.reviews[0].text);
        product.reviews[0].author = Some(dirty("someone"));
        product.strip_control_characters();
        let json = serde_json::to_string(&product).unwrap();
        assert!(!json.contains("\\u0000"), "{json}");
        assert!(!json.contains("\\u001b"), "{json}");
        assert!(product.title.ends_with("[2J"));
    }
}
