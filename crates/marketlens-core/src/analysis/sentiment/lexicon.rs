//! The English and French lexicons: word and phrase valences (from `lexicon_*.txt`),
//! intensifiers/dampeners, negators and contrast words, and the stop words (from
//! `stopwords_*.txt`). Built once.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::text::{TokenKind, tokenize};
use crate::domain::Language;

/// VADER's booster step.
pub(crate) const B_INCR: f32 = 0.293;
pub(crate) const B_DECR: f32 = -0.293;

/// What a word or phrase does in a sentence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Role {
    /// Carries sentiment. `negated`: the phrase contains its own negation
    /// ("doesn't work", "vaut pas le coup"), so a negator before it does not flip it.
    Valence {
        v: f32,
        negated: bool,
    },
    /// Intensifier (> 0) or dampener (< 0) of the sentiment word(s) after it; `post`
    /// boosters also act on the word just before ("j'aime beaucoup").
    Booster {
        b: f32,
        post: bool,
    },
    /// A booster that is also a sentiment word ("super", "pretty", "bien"): it boosts
    /// when a sentiment word follows, else it counts as `v`.
    BoosterOrValence {
        b: f32,
        v: f32,
    },
    Negator,
    /// "but", "however", "mais", "par contre": what follows weighs more.
    Contrast,
}

#[derive(Debug)]
pub(crate) struct Phrase {
    /// Folded tokens after the first one.
    pub rest: Vec<String>,
    pub role: Role,
}

#[derive(Debug)]
pub(crate) struct Lexicon {
    pub language: Language,
    words: FxHashMap<String, f32>,
    /// Multi-token entries keyed by their first token, longest first.
    phrases: FxHashMap<String, Vec<Phrase>>,
    /// The role of every listed single word, so that most words cost one lookup.
    roles: FxHashMap<String, Role>,
    negators: FxHashSet<&'static str>,
    contrast: FxHashSet<&'static str>,
}

/// Intensifiers (`true`: may also follow the word it boosts).
const EN_BOOSTERS: &[(&str, f32, bool)] = &[
    ("absolutely", B_INCR, false),
    ("amazingly", B_INCR, false),
    ("awfully", B_INCR, false),
    ("completely", B_INCR, false),
    ("considerably", B_INCR, false),
    ("decidedly", B_INCR, false),
    ("deeply", B_INCR, false),
    ("definitely", B_INCR, false),
    ("enormously", B_INCR, false),
    ("entirely", B_INCR, false),
    ("especially", B_INCR, false),
    ("even", B_INCR, false),
    ("exceptionally", B_INCR, false),
    ("extremely", B_INCR, false),
    ("extraordinarily", B_INCR, false),
    ("fabulously", B_INCR, false),
    ("freaking", B_INCR, false),
    ("fucking", B_INCR, false),
    ("fully", B_INCR, false),
    ("greatly", B_INCR, false),
    ("highly", B_INCR, false),
    ("hugely", B_INCR, false),
    ("incredibly", B_INCR, false),
    ("insanely", B_INCR, false),
    ("intensely", B_INCR, false),
    ("majorly", B_INCR, false),
    ("more", B_INCR, false),
    ("most", B_INCR, false),
    ("much", B_INCR, false),
    ("particularly", B_INCR, false),
    ("purely", B_INCR, false),
    ("quite", B_INCR, false),
    ("really", B_INCR, false),
    ("remarkably", B_INCR, false),
    ("ridiculously", B_INCR, false),
    ("seriously", B_INCR, false),
    ("so", B_INCR, false),
    ("substantially", B_INCR, false),
    ("super", B_INCR, false),
    ("terribly", B_INCR, false),
    ("thoroughly", B_INCR, false),
    ("too", B_INCR, false),
    ("totally", B_INCR, false),
    ("tremendously", B_INCR, false),
    ("truly", B_INCR, false),
    ("unbelievably", B_INCR, false),
    ("unusually", B_INCR, false),
    ("utterly", B_INCR, false),
    ("very", B_INCR, false),
    ("way", B_INCR, false),
    ("almost", B_DECR, false),
    ("fairly", -0.2, false),
    ("kinda", B_DECR, false),
    ("less", B_DECR, false),
    ("marginally", B_DECR, false),
    ("mildly", B_DECR, false),
    ("moderately", B_DECR, false),
    ("occasionally", B_DECR, false),
    ("partly", B_DECR, false),
    ("pretty", -0.15, false),
    ("rather", -0.2, false),
    ("relatively", -0.2, false),
    ("slightly", B_DECR, false),
    ("somewhat", B_DECR, false),
    ("sorta", B_DECR, false),
];

const EN_PHRASE_BOOSTERS: &[(&str, f32, bool)] = &[
    ("a bit", B_DECR, false),
    ("a little", B_DECR, false),
    ("a little bit", B_DECR, false),
    ("a tad", B_DECR, false),
    ("kind of", B_DECR, false),
    ("sort of", B_DECR, false),
    ("a lot", B_INCR, true),
    ("so much", B_INCR, true),
    ("very much", B_INCR, true),
];

const EN_PHRASE_NEGATORS: &[&str] = &["anything but", "far from"];

const EN_NEGATORS: &[&str] = &[
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "without",
    "cannot", "hardly", "barely", "scarcely", "rarely", "seldom", "dont", "doesnt", "didnt",
    "isnt", "wasnt", "arent", "werent", "cant", "couldnt", "wouldnt", "shouldnt", "wont", "havent",
    "hasnt", "hadnt", "aint", "neednt", "mustnt", "nope", "non",
];

const EN_CONTRAST: &[&str] = &["but", "however", "nevertheless", "nonetheless"];
const EN_PHRASE_CONTRAST: &[&str] = &["on the other hand", "that said", "having said that"];

const FR_BOOSTERS: &[(&str, f32, bool)] = &[
    ("tres", B_INCR, false),
    ("vraiment", B_INCR, true),
    ("trop", B_INCR, false),
    ("super", B_INCR, false),
    ("hyper", B_INCR, false),
    ("ultra", B_INCR, false),
    ("extremement", B_INCR, false),
    ("tellement", B_INCR, true),
    ("absolument", B_INCR, false),
    ("completement", B_INCR, false),
    ("totalement", B_INCR, false),
    ("parfaitement", B_INCR, false),
    ("particulierement", B_INCR, false),
    ("vachement", B_INCR, false),
    ("carrement", B_INCR, false),
    ("franchement", B_INCR, false),
    ("vraiement", B_INCR, true),
    ("beaucoup", B_INCR, true),
    ("vivement", B_INCR, true),
    ("fortement", B_INCR, true),
    ("chaudement", B_INCR, true),
    ("enormement", B_INCR, true),
    ("bien", B_INCR, false),
    ("encore", 0.15, false),
    ("plutot", -0.2, false),
    ("assez", -0.15, false),
    ("moins", B_DECR, false),
    ("legerement", B_DECR, false),
    ("presque", -0.2, false),
    ("relativement", -0.2, false),
];

const FR_PHRASE_BOOSTERS: &[(&str, f32, bool)] = &[
    ("un peu", B_DECR, false),
    ("un petit peu", B_DECR, false),
    ("quelque peu", B_DECR, false),
    ("un poil", B_DECR, false),
    ("un brin", B_DECR, false),
    ("du tout", B_INCR, false),
    ("de loin", B_INCR, false),
];

/// `plus` is a negator only after `ne`/`n'` (handled in the scorer); `peu` (without
/// `un`) makes the next word's sense weak or opposite ("peu fiable").
const FR_PHRASE_NEGATORS: &[&str] = &["loin d'etre", "loin d'être"];

const FR_NEGATORS: &[&str] = &[
    "ne",
    "n'",
    "pas",
    "jamais",
    "aucun",
    "aucune",
    "rien",
    "ni",
    "sans",
    "nullement",
    "guere",
    "peu",
    "non",
];

const FR_CONTRAST: &[&str] = &["mais", "cependant", "pourtant", "neanmoins", "toutefois"];
const FR_PHRASE_CONTRAST: &[&str] = &["par contre", "en revanche"];

/// The word lists of one language.
struct Spec {
    language: Language,
    data: &'static str,
    boosters: &'static [(&'static str, f32, bool)],
    phrase_boosters: &'static [(&'static str, f32, bool)],
    negators: &'static [&'static str],
    phrase_negators: &'static [&'static str],
    contrast: &'static [&'static str],
    phrase_contrast: &'static [&'static str],
}

impl Lexicon {
    fn build(spec: &Spec) -> Lexicon {
        let mut lex = Lexicon {
            language: spec.language,
            words: FxHashMap::default(),
            phrases: FxHashMap::default(),
            roles: FxHashMap::default(),
            negators: spec.negators.iter().copied().collect(),
            contrast: spec.contrast.iter().copied().collect(),
        };
        for line in spec.data.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((entry, value)) = line.rsplit_once(char::is_whitespace) else {
                continue;
            };
            let Ok(v) = value.parse::<f32>() else {
                continue;
            };
            let toks = lex.phrase_tokens(entry);
            match toks.len() {
                0 => {}
                1 => {
                    lex.words
                        .insert(toks.into_iter().next().unwrap_or_default(), v);
                }
                _ => {
                    let negated = toks.iter().any(|t| lex.is_negator_word(t));
                    lex.add_phrase(toks, Role::Valence { v, negated });
                }
            }
        }
        for &(p, b, post) in spec.phrase_boosters {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Booster { b, post });
        }
        for p in spec.phrase_negators {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Negator);
        }
        for p in spec.phrase_contrast {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Contrast);
        }
        // Roles of single words, by precedence: negator, contrast, booster, valence.
        let mut roles: FxHashMap<String, Role> = lex
            .words
            .iter()
            .map(|(w, &v)| (w.clone(), Role::Valence { v, negated: false }))
            .collect();
        for &(w, b, post) in spec.boosters {
            let role = match lex.valence(w) {
                Some(v) if v != 0.0 && !post => Role::BoosterOrValence { b, v },
                _ => Role::Booster { b, post },
            };
            roles.insert(w.to_string(), role);
        }
        for w in spec.contrast {
            roles.insert((*w).to_string(), Role::Contrast);
        }
        for w in spec.negators {
            roles.insert((*w).to_string(), Role::Negator);
        }
        lex.roles = roles;
        for list in lex.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
        lex
    }

    fn phrase_tokens(&self, entry: &str) -> Vec<String> {
        tokenize(entry, Some(self.language))
            .into_iter()
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| t.norm)
            .collect()
    }

    fn add_phrase(&mut self, mut toks: Vec<String>, role: Role) {
        if toks.len() < 2 {
            return;
        }
        let first = toks.remove(0);
        let list = self.phrases.entry(first).or_default();
        list.retain(|p| p.rest != toks);
        list.push(Phrase { rest: toks, role });
    }

    /// Phrases starting with this folded token, longest first.
    pub fn phrases(&self, first: &str) -> &[Phrase] {
        self.phrases.get(first).map_or(&[], Vec::as_slice)
    }

    fn is_negator_word(&self, w: &str) -> bool {
        self.negators.contains(w)
            || (self.language == Language::En && (w.ends_with("n't") || w == "cannot"))
    }

    /// The role of a single folded word (phrases are looked up separately). French
    /// `plus` is left to the scorer, which knows whether a `ne` comes before it.
    pub fn role(&self, w: &str) -> Option<Role> {
        if let Some(&role) = self.roles.get(w) {
            return Some(role);
        }
        if self.is_negator_word(w) {
            return Some(Role::Negator);
        }
        self.valence(w).map(|v| Role::Valence { v, negated: false })
    }

    /// Valence of a folded word, trying regular inflections of lexicon entries.
    pub fn valence(&self, w: &str) -> Option<f32> {
        if let Some(&v) = self.words.get(w) {
            return Some(v);
        }
        let mut buf = String::new();
        let mut try_form = |stem: &str, suffix: &str| -> Option<f32> {
            buf.clear();
            buf.push_str(stem);
            buf.push_str(suffix);
            self.words.get(buf.as_str()).copied()
        };
        let n = w.len();
        if n < 4 || !w.is_ascii() {
            return None;
        }
        match self.language {
            Language::En => {
                let cands: [(&str, &str, &str); 12] = [
                    ("'s", "", ""),
                    ("ies", "y", ""),
                    ("es", "", ""),
                    ("s", "", "ss"),
                    ("ied", "y", ""),
                    ("ed", "", ""),
                    ("ed", "e", ""),
                    ("ily", "y", ""),
                    ("ably", "able", ""),
                    ("ibly", "ible", ""),
                    ("ly", "", ""),
                    ("ness", "", ""),
                ];
                for (suffix, repl, unless) in cands {
                    let applies =
                        w.ends_with(suffix) && (unless.is_empty() || !w.ends_with(unless));
                    let found = if applies {
                        try_form(&w[..n - suffix.len()], repl)
                    } else {
                        None
                    };
                    if let Some(v) = found {
                        // "-ness" nouns ("sharpness") name an aspect more than judge it.
                        return Some(if suffix == "ness" { v * 0.5 } else { v });
                    }
                }
                None
            }
            Language::Fr => {
                let base = w.strip_suffix("ment").filter(|b| b.len() >= 3).unwrap_or(w);
                let singular = if base.len() > 3 && (base.ends_with('s') || base.ends_with('x')) {
                    &base[..base.len() - 1]
                } else {
                    base
                };
                for form in [base, singular] {
                    let found = if form == w { None } else { try_form(form, "") };
                    if found.is_some() {
                        return found;
                    }
                    let cands: [(&str, &str); 7] = [
                        ("euse", "eux"),
                        ("ive", "if"),
                        ("ere", "er"),
                        ("ete", "et"),
                        ("lle", "l"),
                        ("nne", "n"),
                        ("e", ""),
                    ];
                    for (suffix, repl) in cands {
                        let found = form
                            .strip_suffix(suffix)
                            .and_then(|stem| try_form(stem, repl));
                        if found.is_some() {
                            return found;
                        }
                    }
                }
                None
            }
        }
    }

    /// A phrase-level or word-level contrast word.
    pub fn is_contrast(&self, w: &str) -> bool {
        self.contrast.contains(w)
    }

    #[cfg(test)]
    pub fn word_count(&self) -> usize {
        self.words.len() + self.phrases.values().map(Vec::len).sum::<usize>()
    }
}

static EN: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(&Spec {
        language: Language::En,
        data: include_str!("lexicon_en.txt"),
        boosters: EN_BOOSTERS,
        phrase_boosters: EN_PHRASE_BOOSTERS,
        negators: EN_NEGATORS,
        phrase_negators: EN_PHRASE_NEGATORS,
        contrast: EN_CONTRAST,
        phrase_contrast: EN_PHRASE_CONTRAST,
    })
});

static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(&Spec {
        language: Language::Fr,
        data: include_str!("lexicon_fr.txt"),
        boosters: FR_BOOSTERS,
        phrase_boosters: FR_PHRASE_BOOSTERS,
        negators: FR_NEGATORS,
        phrase_negators: FR_PHRASE_NEGATORS,
        contrast: FR_CONTRAST,
        phrase_contrast: FR_PHRASE_CONTRAST,
    })
});

pub(crate) fn lexicon(language: Language) -> &'static Lexicon {
    match language {
        Language::En => &EN,
        Language::Fr => &FR,
    }
}

/// Words of a data file: one or more a line, `#` starts a comment line.
fn data_words(data: &'static str) -> impl Iterator<Item = &'static str> {
    data.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .flat_map(str::split_whitespace)
}

/// English and French stop words together: reviews mix languages.
static STOPWORDS: LazyLock<FxHashSet<&'static str>> = LazyLock::new(|| {
    data_words(include_str!("stopwords_en.txt"))
        .chain(data_words(include_str!("stopwords_fr.txt")))
        .collect()
});

/// Too common to name an aspect, in either language.
pub(crate) fn is_stopword(w: &str) -> bool {
    STOPWORDS.contains(w)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry of the data files, as (phrase, valence).
    fn entries(data: &str) -> Vec<(&str, f32)> {
        data.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (e, v) = l.rsplit_once(' ').expect("`<entry> <valence>`");
                (e, v.parse().expect("valence is a number"))
            })
            .collect()
    }

    #[test]
    fn data_files_are_well_formed_and_large_enough() {
        for (language, data) in [
            (Language::En, include_str!("lexicon_en.txt")),
            (Language::Fr, include_str!("lexicon_fr.txt")),
        ] {
            let entries = entries(data);
            assert!(
                entries.len() >= 500,
                "{language}: {} entries",
                entries.len()
            );
            let mut seen = std::collections::HashSet::new();
            for (entry, v) in &entries {
                // Symbols would be dropped by the tokenizer ("a+" would become "a").
                assert!(
                    entry
                        .chars()
                        .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '\'' | '/')),
                    "{language}: {entry:?} has characters the tokenizer drops"
                );
                assert!((-4.0..=4.0).contains(v), "{language}: {entry:?} = {v}");
                let key = lexicon(language).phrase_tokens(entry).join(" ");
                assert!(seen.insert(key), "{language}: duplicate entry {entry:?}");
            }
            assert!(lexicon(language).word_count() >= 500);
        }
    }

    #[test]
    fn inflections_reach_base_forms() {
        let en = lexicon(Language::En);
        assert_eq!(en.valence("nightmares"), en.valence("nightmare"));
        assert_eq!(en.valence("horrendously"), en.valence("horrendous"));
        assert!(en.valence("nightmare").is_some() && en.valence("horrendous").is_some());
        assert!(en.valence("loved").is_some_and(|v| v > 0.0));
        assert_eq!(en.valence("goodly"), en.valence("good"));
        let fr = lexicon(Language::Fr);
        for (form, base) in [
            ("decevantes", "decevant"),
            ("nulle", "nul"),
            ("bonne", "bon"),
            ("parfaitement", "parfait"),
            ("heureuse", "heureux"),
            ("decues", "decu"),
        ] {
            assert_eq!(fr.valence(form), fr.valence(base), "{form}");
            assert!(fr.valence(base).is_some(), "{base}");
        }
        assert_eq!(fr.valence("maison"), None);
    }

    #[test]
    fn roles() {
        let en = lexicon(Language::En);
        assert_eq!(en.role("doesn't"), Some(Role::Negator));
        assert_eq!(en.role("but"), Some(Role::Contrast));
        assert!(matches!(en.role("very"), Some(Role::Booster { .. })));
        assert!(matches!(
            en.role("super"),
            Some(Role::BoosterOrValence { .. })
        ));
        let fr = lexicon(Language::Fr);
        assert_eq!(fr.role("jamais"), Some(Role::Negator));
        assert_eq!(fr.role("mais"), Some(Role::Contrast));
        assert!(matches!(fr.role("tres"), Some(Role::Booster { .. })));
    }
}
