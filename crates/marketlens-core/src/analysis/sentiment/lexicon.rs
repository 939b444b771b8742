//! The English and French lexicons, built once from the data files beside this one:
//! word and phrase valences (`lexicon_*.txt`), intensifiers and dampeners, negators
//! and contrast words (`modifiers_*.txt`), and stop words (`stopwords_*.txt`). What is
//! here is how they are read and looked up: roles by precedence, phrases longest
//! first, regular inflections found from their base form.

use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::text::{TokenKind, tokenize};
use crate::domain::Language;

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

/// The word lists of one language.
struct Spec {
    language: Language,
    /// Valences (`lexicon_*.txt`): `<word or phrase> <valence>` a line.
    data: &'static str,
    modifiers: Modifiers,
}

/// Boosters, negators and contrast words (`modifiers_*.txt`), single words apart from
/// phrases: a word is looked up as written, a phrase is tokenised.
#[derive(Default)]
struct Modifiers {
    /// (entry, value, also boosts the word before).
    boosters: Vec<(&'static str, f32, bool)>,
    phrase_boosters: Vec<(&'static str, f32, bool)>,
    negators: Vec<&'static str>,
    phrase_negators: Vec<&'static str>,
    contrast: Vec<&'static str>,
    phrase_contrast: Vec<&'static str>,
}

impl Modifiers {
    /// Reads a modifiers file; a line it cannot read is skipped (the tests read every
    /// line of the built-in files).
    fn parse(data: &'static str) -> Modifiers {
        let mut m = Modifiers::default();
        for line in data.lines().map(str::trim) {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some(entry) = Modifier::parse(line) else {
                continue;
            };
            match entry {
                Modifier::Boost(e, b, post) if e.contains(' ') => {
                    m.phrase_boosters.push((e, b, post))
                }
                Modifier::Boost(e, b, post) => m.boosters.push((e, b, post)),
                Modifier::Negate(e) if e.contains(' ') => m.phrase_negators.push(e),
                Modifier::Negate(e) => m.negators.push(e),
                Modifier::Contrast(e) if e.contains(' ') => m.phrase_contrast.push(e),
                Modifier::Contrast(e) => m.contrast.push(e),
            }
        }
        m
    }
}

/// One line of a modifiers file.
#[derive(Debug, PartialEq)]
enum Modifier {
    Boost(&'static str, f32, bool),
    Negate(&'static str),
    Contrast(&'static str),
}

impl Modifier {
    fn parse(line: &'static str) -> Option<Modifier> {
        let (kind, rest) = line.split_once(' ')?;
        let boost = |post: bool| {
            let (value, entry) = rest.split_once(' ')?;
            Some(Modifier::Boost(entry.trim(), value.parse().ok()?, post))
        };
        match kind {
            "boost" => boost(false),
            "boost-after" => boost(true),
            "negate" => Some(Modifier::Negate(rest.trim())),
            "contrast" => Some(Modifier::Contrast(rest.trim())),
            _ => None,
        }
    }
}

impl Lexicon {
    fn build(spec: &Spec) -> Lexicon {
        let mut lex = Lexicon {
            language: spec.language,
            words: FxHashMap::default(),
            phrases: FxHashMap::default(),
            roles: FxHashMap::default(),
            negators: spec.modifiers.negators.iter().copied().collect(),
            contrast: spec.modifiers.contrast.iter().copied().collect(),
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
        for &(p, b, post) in &spec.modifiers.phrase_boosters {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Booster { b, post });
        }
        for p in &spec.modifiers.phrase_negators {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Negator);
        }
        for p in &spec.modifiers.phrase_contrast {
            let toks = lex.phrase_tokens(p);
            lex.add_phrase(toks, Role::Contrast);
        }
        // Roles of single words, by precedence: negator, contrast, booster, valence.
        let mut roles: FxHashMap<String, Role> = lex
            .words
            .iter()
            .map(|(w, &v)| (w.clone(), Role::Valence { v, negated: false }))
            .collect();
        for &(w, b, post) in &spec.modifiers.boosters {
            let role = match lex.valence(w) {
                Some(v) if v != 0.0 && !post => Role::BoosterOrValence { b, v },
                _ => Role::Booster { b, post },
            };
            roles.insert(w.to_string(), role);
        }
        for w in &spec.modifiers.contrast {
            roles.insert((*w).to_string(), Role::Contrast);
        }
        for w in &spec.modifiers.negators {
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
        modifiers: Modifiers::parse(include_str!("modifiers_en.txt")),
    })
});

static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(&Spec {
        language: Language::Fr,
        data: include_str!("lexicon_fr.txt"),
        modifiers: Modifiers::parse(include_str!("modifiers_fr.txt")),
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
    fn every_modifier_line_is_read() {
        for data in [
            include_str!("modifiers_en.txt"),
            include_str!("modifiers_fr.txt"),
        ] {
            let lines: Vec<&str> = data
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .collect();
            for line in &lines {
                assert!(Modifier::parse(line).is_some(), "unreadable line {line:?}");
            }
            let m = Modifiers::parse(data);
            let read = m.boosters.len()
                + m.phrase_boosters.len()
                + m.negators.len()
                + m.phrase_negators.len()
                + m.contrast.len()
                + m.phrase_contrast.len();
            assert_eq!(read, lines.len());
        }
        assert_eq!(
            Modifier::parse("boost-after 0.293 a lot"),
            Some(Modifier::Boost("a lot", 0.293, true))
        );
        assert_eq!(Modifier::parse("boost x very"), None);
        assert_eq!(Modifier::parse("amplify 1 very"), None);
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
