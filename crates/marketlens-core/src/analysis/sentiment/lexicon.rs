//! The English and French lexicons, built once from the data files beside this one:
//! word and phrase valences (`lexicon_*.txt`), intensifiers and dampeners, negators,
//! contrast and concession words and the cue words of a few rules (`modifiers_*.txt`),
//! and stop words (`stopwords_*.txt`). What is here is how they are read and looked
//! up: roles by precedence, phrases longest first, regular inflections found from
//! their base form, and everything a word can be found under one hash lookup.

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
    /// A negator that also says something fell short ("fails to", "hardly", "à
    /// peine"): it flips the sentiment word after it, and counts as `v` when there is
    /// none ("it fails to deliver", "hardly anyone replies").
    Shortfall {
        v: f32,
    },
    /// "but", "however", "mais", "par contre": what follows weighs more.
    Contrast,
    /// "although", "despite", "bien que", "malgré": the clause it opens (or closes:
    /// "…, though") is conceded, and weighs less.
    Concession,
}

impl Role {
    /// Flips what follows: a negator or a shortfall.
    pub fn negates(self) -> bool {
        matches!(self, Role::Negator | Role::Shortfall { .. })
    }
}

/// Words the scorer's rules look for, beside their role (a word can have both:
/// "too" boosts and marks an excess).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Cues(u8);

impl Cues {
    pub const NONE: Cues = Cues(0);
    /// "too", "trop": with a later [`Cues::PURPOSE`] word, "too slow to be useful".
    pub const EXCESS: Cues = Cues(1);
    /// "to", "pour".
    pub const PURPOSE: Cues = Cues(2);
    /// "just", "oh", "bravo"-style openers of an exclamation that may be sarcastic.
    pub const LEAD: Cues = Cues(4);
    /// French `ne` / `n'` (makes a later `plus` a negator).
    pub const NE: Cues = Cues(8);
    /// An article or a possessive: after "to"/"pour" it starts a noun phrase ("trop
    /// bien pour le prix"), not the purpose of an excess.
    pub const DETERMINER: Cues = Cues(16);

    pub fn has(self, other: Cues) -> bool {
        self.0 & other.0 != 0
    }

    fn with(self, other: Cues) -> Cues {
        Cues(self.0 | other.0)
    }
}

#[derive(Debug)]
pub(crate) struct Phrase {
    /// Folded tokens after the first one.
    pub rest: Vec<String>,
    pub role: Role,
}

/// Everything known about one folded word.
#[derive(Debug, Default)]
pub(crate) struct Entry {
    /// Its role alone (inflections of lexicon words included).
    pub role: Option<Role>,
    pub cues: Cues,
    /// Phrases starting with it, longest first.
    pub phrases: Vec<Phrase>,
}

static NO_PHRASES: [Phrase; 0] = [];

#[derive(Debug)]
pub(crate) struct Lexicon {
    pub language: Language,
    /// Valences of the listed single words (base forms only).
    words: FxHashMap<String, f32>,
    /// Every word with a role, a cue or phrases, so that a word costs one lookup.
    entries: FxHashMap<Box<str>, Entry>,
    negators: FxHashSet<&'static str>,
    contrast: FxHashSet<&'static str>,
}

/// The word lists of one language.
struct Spec {
    language: Language,
    /// Valences (`lexicon_*.txt`): `<word or phrase> <valence>` a line.
    data: &'static str,
    /// `modifiers_*.txt`, read with [`Modifier::parse`].
    modifiers: &'static str,
}

/// One line of a modifiers file.
#[derive(Debug, PartialEq)]
enum Modifier {
    /// (entry, value, also boosts the word before).
    Boost(&'static str, f32, bool),
    Negate(&'static str),
    Shortfall(&'static str, f32),
    Contrast(&'static str),
    Concede(&'static str),
    Cue(&'static str, Cues),
}

impl Modifier {
    fn parse(line: &'static str) -> Option<Modifier> {
        let (kind, rest) = line.split_once(' ')?;
        let valued = || {
            let (value, entry) = rest.split_once(' ')?;
            Some((entry.trim(), value.parse::<f32>().ok()?))
        };
        match kind {
            "boost" => valued().map(|(e, b)| Modifier::Boost(e, b, false)),
            "boost-after" => valued().map(|(e, b)| Modifier::Boost(e, b, true)),
            "shortfall" => valued().map(|(e, v)| Modifier::Shortfall(e, v)),
            "negate" => Some(Modifier::Negate(rest.trim())),
            "contrast" => Some(Modifier::Contrast(rest.trim())),
            "concede" => Some(Modifier::Concede(rest.trim())),
            "cue" => {
                let (cue, entry) = rest.split_once(' ')?;
                let cue = match cue {
                    "excess" => Cues::EXCESS,
                    "purpose" => Cues::PURPOSE,
                    "lead" => Cues::LEAD,
                    "determiner" => Cues::DETERMINER,
                    _ => return None,
                };
                Some(Modifier::Cue(entry.trim(), cue))
            }
            _ => None,
        }
    }

    /// Reads a modifiers file; a line it cannot read is skipped (the tests read every
    /// line of the built-in files).
    fn parse_all(data: &'static str) -> impl Iterator<Item = Modifier> {
        data.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(Modifier::parse)
    }
}

/// Precedence of single-word roles when a word is listed twice: negators first, then
/// contrast and concession words, then boosters, then valences.
fn precedence(role: &Role) -> u8 {
    match role {
        Role::Negator | Role::Shortfall { .. } => 4,
        Role::Contrast | Role::Concession => 3,
        Role::Booster { .. } | Role::BoosterOrValence { .. } => 2,
        Role::Valence { .. } => 1,
    }
}

impl Lexicon {
    fn build(spec: &Spec) -> Lexicon {
        let modifiers: Vec<Modifier> = Modifier::parse_all(spec.modifiers).collect();
        let mut lex = Lexicon {
            language: spec.language,
            words: FxHashMap::default(),
            entries: FxHashMap::default(),
            negators: FxHashSet::default(),
            contrast: FxHashSet::default(),
        };
        for m in &modifiers {
            match *m {
                Modifier::Negate(e) | Modifier::Shortfall(e, _) if !e.contains(' ') => {
                    lex.negators.insert(e);
                }
                Modifier::Contrast(e) if !e.contains(' ') => {
                    lex.contrast.insert(e);
                }
                _ => {}
            }
        }
        let mut valence_phrases = Vec::new();
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
                    valence_phrases.push((toks, Role::Valence { v, negated }));
                }
            }
        }
        for (toks, role) in valence_phrases {
            lex.add_phrase(toks, role);
        }

        // Single-word roles: the valences of listed words and of their inflections…
        let words: Vec<(String, f32)> = lex.words.iter().map(|(w, &v)| (w.clone(), v)).collect();
        for (w, v) in &words {
            lex.set_role(
                w,
                Role::Valence {
                    v: *v,
                    negated: false,
                },
            );
        }
        for form in lex.inflection_candidates() {
            if lex.words.contains_key(&form) {
                continue;
            }
            if let Some(v) = lex.valence(&form) {
                lex.set_role(&form, Role::Valence { v, negated: false });
            }
        }
        // …then the modifiers, by precedence.
        for m in modifiers {
            let (entry, role) = match m {
                Modifier::Boost(e, b, post) => {
                    let role = match lex.valence(e) {
                        Some(v) if v != 0.0 && !post && !e.contains(' ') => {
                            Role::BoosterOrValence { b, v }
                        }
                        _ => Role::Booster { b, post },
                    };
                    (e, role)
                }
                Modifier::Negate(e) => (e, Role::Negator),
                Modifier::Shortfall(e, v) => (e, Role::Shortfall { v }),
                Modifier::Contrast(e) => (e, Role::Contrast),
                Modifier::Concede(e) => (e, Role::Concession),
                Modifier::Cue(e, cue) => {
                    let entry = lex.entries.entry(e.into()).or_default();
                    entry.cues = entry.cues.with(cue);
                    continue;
                }
            };
            if entry.contains(' ') {
                let toks = lex.phrase_tokens(entry);
                lex.add_phrase(toks, role);
            } else {
                let current = lex.entries.get(entry).and_then(|e| e.role);
                if current.is_none_or(|c| precedence(&role) >= precedence(&c)) {
                    lex.set_role(entry, role);
                }
            }
        }
        if lex.language == Language::Fr {
            for ne in ["ne", "n'"] {
                let entry = lex.entries.entry(ne.into()).or_default();
                entry.cues = entry.cues.with(Cues::NE);
            }
        }
        for entry in lex.entries.values_mut() {
            entry
                .phrases
                .sort_by_key(|p| std::cmp::Reverse(p.rest.len()));
        }
        lex
    }

    fn set_role(&mut self, w: &str, role: Role) {
        self.entries.entry(w.into()).or_default().role = Some(role);
    }

    /// Every form [`Lexicon::valence`] could trace back to a listed word: the listed
    /// words with each regular ending put on.
    fn inflection_candidates(&self) -> Vec<String> {
        let mut out = Vec::new();
        for w in self.words.keys() {
            match self.language {
                Language::En => {
                    for (suffix, repl) in EN_INFLECTIONS.iter().map(|&(s, r, _)| (s, r)) {
                        if let Some(stem) = w.strip_suffix(repl) {
                            out.push(format!("{stem}{suffix}"));
                        }
                    }
                }
                Language::Fr => {
                    let mut forms = vec![w.clone()];
                    for (suffix, repl) in FR_INFLECTIONS {
                        if let Some(stem) = w.strip_suffix(repl) {
                            forms.push(format!("{stem}{suffix}"));
                        }
                    }
                    for f in forms {
                        for plural in ["", "s", "x"] {
                            for adverb in ["", "ment"] {
                                out.push(format!("{f}{plural}{adverb}"));
                            }
                        }
                    }
                }
            }
        }
        out
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
        let list = &mut self.entries.entry(first.into()).or_default().phrases;
        list.retain(|p| p.rest != toks);
        list.push(Phrase { rest: toks, role });
    }

    /// What is known about a folded word, in one lookup.
    pub fn entry(&self, w: &str) -> Option<&Entry> {
        self.entries.get(w)
    }

    /// Phrases starting with this folded token, longest first.
    pub fn phrases(&self, first: &str) -> &[Phrase] {
        self.entries
            .get(first)
            .map_or(&NO_PHRASES[..], |e| e.phrases.as_slice())
    }

    fn is_negator_word(&self, w: &str) -> bool {
        self.negators.contains(w) || self.is_negated_verb(w)
    }

    /// English contractions: "doesn't", "isn't", "cannot".
    pub fn is_negated_verb(&self, w: &str) -> bool {
        self.language == Language::En && (w.ends_with("n't") || w == "cannot")
    }

    /// The role of a single folded word (phrases are looked up separately). French
    /// `plus` is left to the scorer, which knows whether a `ne` comes before it.
    pub fn role(&self, w: &str) -> Option<Role> {
        match self.entries.get(w).and_then(|e| e.role) {
            Some(role) => Some(role),
            None if self.is_negated_verb(w) => Some(Role::Negator),
            None => None,
        }
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
                for (suffix, repl, unless) in EN_INFLECTIONS {
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
                    for (suffix, repl) in FR_INFLECTIONS {
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

    /// A single-word contrast word.
    pub fn is_contrast(&self, w: &str) -> bool {
        self.contrast.contains(w)
    }

    #[cfg(test)]
    pub fn word_count(&self) -> usize {
        self.words.len()
            + self
                .entries
                .values()
                .flat_map(|e| &e.phrases)
                .filter(|p| matches!(p.role, Role::Valence { .. }))
                .count()
    }
}

/// English endings, tried in order: (ending, what replaces it on the base form, an
/// ending that rules it out).
const EN_INFLECTIONS: [(&str, &str, &str); 12] = [
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

/// French feminine endings (after `-ment` and the plural are taken off): (ending, what
/// replaces it on the masculine form).
const FR_INFLECTIONS: [(&str, &str); 7] = [
    ("euse", "eux"),
    ("ive", "if"),
    ("ere", "er"),
    ("ete", "et"),
    ("lle", "l"),
    ("nne", "n"),
    ("e", ""),
];

static EN: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(&Spec {
        language: Language::En,
        data: include_str!("lexicon_en.txt"),
        modifiers: include_str!("modifiers_en.txt"),
    })
});

static FR: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(&Spec {
        language: Language::Fr,
        data: include_str!("lexicon_fr.txt"),
        modifiers: include_str!("modifiers_fr.txt"),
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

/// Frequent nouns that are not aspects of a product (`non_aspects.txt`): times,
/// places and people of use, words of set phrases.
static NON_ASPECTS: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| data_words(include_str!("non_aspects.txt")).collect());

pub(crate) fn is_non_aspect(w: &str) -> bool {
    NON_ASPECTS.contains(w)
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
            let read = Modifier::parse_all(data).count();
            assert_eq!(read, lines.len());
        }
        assert_eq!(
            Modifier::parse("boost-after 0.293 a lot"),
            Some(Modifier::Boost("a lot", 0.293, true))
        );
        assert_eq!(Modifier::parse("boost x very"), None);
        assert_eq!(
            Modifier::parse("shortfall -1.2 fails to"),
            Some(Modifier::Shortfall("fails to", -1.2))
        );
        assert_eq!(
            Modifier::parse("cue excess too"),
            Some(Modifier::Cue("too", Cues::EXCESS))
        );
        assert_eq!(Modifier::parse("cue sideways too"), None);
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
