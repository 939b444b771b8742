//! The languages whose review text marketlens scores, and how a text's language is
//! recognised when its source does not say.

use std::sync::LazyLock;

use rustc_hash::FxHashSet;

use super::InvalidInput;
use super::words::words;

super::macros::word_enum! {
    /// Languages whose review text marketlens can score.
    #[derive(utoipa::ToSchema)]
    pub enum Language {
        En = "en",
        Fr = "fr",
    }
}

impl Language {
    /// The ISO 639-1 code.
    pub fn code(self) -> &'static str {
        self.as_str()
    }

    /// Accepts `en`, `fr`, and regional tags such as `fr-CA` or `en_GB`.
    pub fn parse(s: &str) -> Result<Self, InvalidInput> {
        let primary = s
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Self::from_word(&primary).ok_or_else(|| {
            InvalidInput::parameter(
                "language",
                format!("unsupported language {s:?}: expected one of en, fr"),
            )
        })
    }

    /// Whether a count of `n` takes the plural form. English: every count but 1
    /// ("0 sellers", "1 seller"). French: 2 and above ("0 vendeur", "1 vendeur",
    /// "2 vendeurs"), the CLDR rule for French.
    pub fn is_plural(self, n: u64) -> bool {
        match self {
            Language::En => n != 1,
            Language::Fr => n > 1,
        }
    }

    /// `n` followed by the singular or plural form of a noun, by this language's rule:
    /// `count(3, "seller", "sellers")` → "3 sellers".
    pub fn count(self, n: u64, one: &str, other: &str) -> String {
        format!("{n} {}", if self.is_plural(n) { other } else { one })
    }

    /// Items joined as a list in running text: "A", "A and B", "A, B and C" (French
    /// "A, B et C").
    pub fn join_list<S: AsRef<str>>(self, items: &[S]) -> String {
        let and = match self {
            Language::En => " and ",
            Language::Fr => " et ",
        };
        match items {
            [] => String::new(),
            [one] => one.as_ref().to_owned(),
            [init @ .., last] => {
                let init: Vec<&str> = init.iter().map(AsRef::as_ref).collect();
                format!("{}{and}{}", init.join(", "), last.as_ref())
            }
        }
    }
}

/// Function words that are good evidence of one language (none is in both lists), in
/// folded form (see [`super::words`]).
const EN_MARKERS: &str = "the and is it this was with for not but very my of to have are you \
    i that they would don't it's i'm its be been has had at from what which will just so all \
    were we an or if than too really works after there also because does doesn't didn't \
    can't isn't bought great good";

const FR_MARKERS: &str = "le la les et est un une des du de pas tres mais pour avec je il elle \
    ce c' l' d' j' qu' n' s' m' que qui sur dans au aux ne vous nous mon ma mes cette ca sont \
    ai ont produit bien trop avoir etre fonctionne achete peu rien aussi donc car parfait ete \
    sans";

static MARKERS: LazyLock<[FxHashSet<&'static str>; 2]> =
    LazyLock::new(|| [EN_MARKERS, FR_MARKERS].map(|list| list.split_whitespace().collect()));

/// Best guess of the language of a review text (English or French): the language with
/// more marker words (`the`, `and`, `le`, `et`, `l'`, …); a tie goes to French when the
/// text has French diacritics, else there is no guess. `None` also for a text without
/// any marker word.
pub fn detect_language(text: &str) -> Option<Language> {
    let [en_markers, fr_markers] = &*MARKERS;
    let (mut en, mut fr) = (0u32, 0u32);
    words(text, |w| {
        en += u32::from(en_markers.contains(w.norm.as_str()));
        fr += u32::from(fr_markers.contains(w.norm.as_str()));
    });
    if en == 0 && fr == 0 {
        return None;
    }
    match en.cmp(&fr) {
        std::cmp::Ordering::Greater => Some(Language::En),
        std::cmp::Ordering::Less => Some(Language::Fr),
        std::cmp::Ordering::Equal => {
            // A tie is broken by French diacritics, else left open.
            text.chars()
                .any(|c| "éèêàâçùûôîïëœ".contains(c.to_lowercase().next().unwrap_or(c)))
                .then_some(Language::Fr)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_english_and_french() {
        assert_eq!(
            detect_language("The battery is great and it works well"),
            Some(Language::En)
        );
        assert_eq!(
            detect_language("La batterie est top et le son est très bon"),
            Some(Language::Fr)
        );
        assert_eq!(
            detect_language("Je l'ai acheté pour mon fils, il adore"),
            Some(Language::Fr)
        );
        assert_eq!(detect_language("I don't like it"), Some(Language::En));
        assert_eq!(detect_language(""), None);
        assert_eq!(detect_language("12345 !!! 👍"), None);
        assert_eq!(detect_language("Sony WH-1000XM5"), None);
    }

    #[test]
    fn plural_rules_differ_at_zero() {
        let en = |n| Language::En.count(n, "seller", "sellers");
        let fr = |n| Language::Fr.count(n, "vendeur", "vendeurs");
        assert_eq!(
            [en(0), en(1), en(2)],
            ["0 sellers", "1 seller", "2 sellers"]
        );
        assert_eq!(
            [fr(0), fr(1), fr(2)],
            ["0 vendeur", "1 vendeur", "2 vendeurs"]
        );
    }

    #[test]
    fn lists_join_with_the_language_conjunction() {
        assert_eq!(Language::En.join_list::<&str>(&[]), "");
        assert_eq!(Language::En.join_list(&["Bose"]), "Bose");
        assert_eq!(Language::En.join_list(&["Bose", "Sony"]), "Bose and Sony");
        assert_eq!(Language::Fr.join_list(&["A", "B", "C"]), "A, B et C");
    }

    #[test]
    fn parses_regional_tags() {
        assert_eq!(Language::parse("fr-CA").unwrap(), Language::Fr);
        assert_eq!(Language::parse(" EN_gb ").unwrap(), Language::En);
        assert!(Language::parse("de").is_err());
        assert!(Language::parse("").is_err());
    }
}
