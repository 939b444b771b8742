//! Aspects: what reviews talk about (battery, sound, delivery, …) and how they judge it.
//!
//! A seed list names each aspect with English and French terms; frequent content words
//! and word pairs not covered by the seeds are discovered as extra aspects. Each mention
//! is scored on the narrowest piece of text around it that carries sentiment: the
//! comma-separated segment, else the clause (sentences are cut at "but", "mais", "par
//! contre", … so that "great sound but poor battery" judges each aspect apart), else the
//! whole sentence.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::LazyLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::lexicon::{Lexicon, Role, is_non_aspect, is_stopword, lexicon};
use super::scorer::score_tokens;
use super::text::{Token, TokenKind, span_text, tokenize};
use crate::domain::Language;

/// Most aspects found by discovery.
pub(crate) const MAX_DISCOVERED: usize = 5;

/// One aspect of the seed list (`aspects.txt`) and its terms per language.
struct Seed {
    name: &'static str,
    en: Vec<&'static str>,
    fr: Vec<&'static str>,
}

/// The seed aspects, in the file's order.
static SEEDS: LazyLock<Vec<Seed>> = LazyLock::new(|| parse_seeds(include_str!("aspects.txt")));

/// Reads the seed list: an aspect's name alone on a line, then indented `en:` and
/// `fr:` lines of comma-separated terms. The file is part of the build: a malformed
/// line is a bug, and panics.
fn parse_seeds(data: &'static str) -> Vec<Seed> {
    let mut seeds: Vec<Seed> = Vec::new();
    for line in data.lines() {
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if !line.starts_with(char::is_whitespace) {
            seeds.push(Seed {
                name: text,
                en: Vec::new(),
                fr: Vec::new(),
            });
            continue;
        }
        let seed = seeds
            .last_mut()
            .unwrap_or_else(|| panic!("aspects.txt: terms before any aspect: {line:?}"));
        let (list, terms) = match text.split_once(':') {
            Some(("en", terms)) => (&mut seed.en, terms),
            Some(("fr", terms)) => (&mut seed.fr, terms),
            _ => panic!("aspects.txt: not an `en:` or `fr:` line: {line:?}"),
        };
        list.extend(terms.split(',').map(str::trim).filter(|t| !t.is_empty()));
    }
    seeds
}

/// Light stemming so that singular and plural meet ("batteries" stays apart from
/// "battery" but "écrans" meets "écran").
pub(crate) fn stem(norm: &str) -> &str {
    if norm.len() > 3 && norm.ends_with('s') && !norm.ends_with("ss") {
        &norm[..norm.len() - 1]
    } else {
        norm
    }
}

/// Finds aspect terms in token runs, longest term first, without overlaps.
#[derive(Debug, Default)]
pub(crate) struct Matcher {
    /// First stem → (aspect index, following stems), longest first.
    by_first: FxHashMap<String, Vec<(usize, Vec<String>)>>,
}

impl Matcher {
    pub fn add(&mut self, aspect: usize, stems: Vec<String>) {
        let Some((first, rest)) = stems.split_first() else {
            return;
        };
        let list = self.by_first.entry(first.clone()).or_default();
        if !list.iter().any(|(_, r)| r.as_slice() == rest) {
            list.push((aspect, rest.to_vec()));
            list.sort_by_key(|(_, rest)| std::cmp::Reverse(rest.len()));
        }
    }

    /// (aspect, token index of the mention) for every mention in `tokens[range]`.
    pub fn mentions(&self, tokens: &[Token], range: Range<usize>, out: &mut Vec<(usize, usize)>) {
        let mut i = range.start;
        while i < range.end {
            let t = &tokens[i];
            if !t.is_word() {
                i += 1;
                continue;
            }
            let found = self.by_first.get(stem(&t.norm)).and_then(|list| {
                list.iter().find(|(_, rest)| {
                    i + rest.len() < range.end
                        && rest.iter().enumerate().all(|(j, s)| {
                            let n = &tokens[i + 1 + j];
                            n.is_word() && stem(&n.norm) == s
                        })
                })
            });
            match found {
                Some((aspect, rest)) => {
                    out.push((*aspect, i));
                    i += rest.len() + 1;
                }
                None => i += 1,
            }
        }
    }
}

fn term_stems(term: &str, language: Language) -> Vec<String> {
    tokenize(term, Some(language))
        .iter()
        .filter(|t| t.is_word())
        .map(|t| stem(&t.norm).to_string())
        .collect()
}

struct SeedTables {
    matcher: [Matcher; 2],
    /// Every stem used by a seed term, per language.
    stems: [FxHashSet<String>; 2],
}

fn lang_index(language: Language) -> usize {
    match language {
        Language::En => 0,
        Language::Fr => 1,
    }
}

static SEED_TABLES: LazyLock<SeedTables> = LazyLock::new(|| {
    let mut tables = SeedTables {
        matcher: [Matcher::default(), Matcher::default()],
        stems: [FxHashSet::default(), FxHashSet::default()],
    };
    for (idx, seed) in SEEDS.iter().enumerate() {
        for (language, terms) in [(Language::En, &seed.en), (Language::Fr, &seed.fr)] {
            let li = lang_index(language);
            for term in terms {
                let stems = term_stems(term, language);
                // Function words inside a term ("le son") are not aspect words.
                for s in &stems {
                    if !is_stopword(s) {
                        tables.stems[li].insert(s.clone());
                    }
                }
                tables.matcher[li].add(idx, stems);
            }
        }
    }
    tables
});

/// Names of the seed aspects, in seed order.
pub(crate) fn seed_names() -> impl Iterator<Item = &'static str> {
    SEEDS.iter().map(|s| s.name)
}

pub(crate) fn seed_matcher(language: Language) -> &'static Matcher {
    &SEED_TABLES.matcher[lang_index(language)]
}

/// A contrast or concession word or phrase starting at `i`, if any: its token count
/// and whether it concedes.
fn contrast_at(tokens: &[Token], i: usize, lex: &Lexicon) -> Option<(usize, bool)> {
    let t = &tokens[i];
    if !t.is_word() {
        return None;
    }
    if lex.is_contrast(&t.norm) {
        return Some((1, false));
    }
    if lex.role(&t.norm) == Some(Role::Concession) {
        return Some((1, true));
    }
    lex.phrases(&t.norm).iter().find_map(|p| {
        let ok = matches!(p.role, Role::Contrast | Role::Concession)
            && i + p.rest.len() < tokens.len()
            && p.rest
                .iter()
                .enumerate()
                .all(|(j, w)| tokens[i + 1 + j].is_word() && tokens[i + 1 + j].norm == *w);
        ok.then_some((p.rest.len() + 1, p.role == Role::Concession))
    })
}

/// The clause (cut at contrast and concession words and `;`) and the segment (also cut
/// at `,` `:` brackets and dashes) around token `at`, inside `sentence`. Both reach
/// over the segments after it that mention no other aspect (`others`): in "I wanted to
/// love the battery, but it dies within hours" what follows is still about the battery,
/// and the clause that criticises it decides its score.
fn scopes(
    tokens: &[Token],
    sentence: Range<usize>,
    at: usize,
    others: &[usize],
    lex: &Lexicon,
) -> (Range<usize>, Range<usize>) {
    // Segments of the sentence, each with whether a clause cut ends it.
    let mut segments: Vec<(Range<usize>, bool)> = Vec::new();
    let mut seg_start = sentence.start;
    let mut i = sentence.start;
    while i < sentence.end {
        let t = &tokens[i];
        let (is_clause_cut, width, concedes) = match contrast_at(tokens, i, lex) {
            Some((w, concedes)) => (true, w, concedes),
            None => (matches!(t.kind, TokenKind::Punct(';')), 1, false),
        };
        let is_segment_cut =
            is_clause_cut || matches!(t.kind, TokenKind::Punct(',' | ':' | '(' | ')' | '-' | '"'));
        if is_segment_cut {
            segments.push((seg_start..i, is_clause_cut));
            // A concession word stays with its clause, which it weighs down.
            seg_start = if concedes {
                i
            } else {
                (i + width).min(sentence.end)
            };
        }
        i += width;
    }
    segments.push((seg_start..sentence.end, false));
    let Some(s) = segments.iter().position(|(r, _)| r.contains(&at)) else {
        return (sentence.clone(), sentence);
    };
    let mut e = s;
    while e + 1 < segments.len() && !others.iter().any(|o| segments[e + 1].0.contains(o)) {
        e += 1;
    }
    let segment = segments[s].0.start..segments[e].0.end;
    // The clause: from after the last clause cut before the mention's segment to the
    // first clause cut after it, or further when the segment reaches further.
    let first = (0..s).rev().find(|&k| segments[k].1).map_or(0, |k| k + 1);
    let last = (s..segments.len())
        .find(|&k| segments[k].1)
        .unwrap_or(segments.len() - 1)
        .max(e);
    let clause = segments[first].0.start..segments[last].0.end;
    (clause, segment)
}

/// One judged mention: the score of the scope around it and that scope's text.
pub(crate) struct ScopedScore<'t> {
    pub score: f64,
    pub quote: &'t str,
    pub scope: Range<usize>,
}

/// Scores the narrowest scope around token `at` that carries sentiment; `others` are
/// the other aspect mentions of the sentence.
pub(crate) fn score_mention<'t>(
    text: &'t str,
    tokens: &[Token],
    sentence: Range<usize>,
    at: usize,
    others: &[usize],
    lex: &Lexicon,
) -> ScopedScore<'t> {
    let (clause, segment) = scopes(tokens, sentence.clone(), at, others, lex);
    for scope in [segment, clause.clone(), sentence] {
        let score = score_tokens(&tokens[scope.clone()], lex);
        if score != 0.0 {
            return ScopedScore {
                score,
                quote: span_text(text, tokens, scope.clone()),
                scope,
            };
        }
    }
    ScopedScore {
        score: 0.0,
        quote: span_text(text, tokens, clause.clone()),
        scope: clause,
    }
}

/// Words after which a noun follows: articles, demonstratives and possessives, in
/// either language (reviews mix them).
const DETERMINERS: &[&str] = &[
    "the", "a", "an", "this", "that", "these", "those", "its", "their", "my", "your", "our", "his",
    "her", "no", "le", "la", "les", "l'", "un", "une", "des", "du", "au", "aux", "ce", "cet",
    "cette", "ces", "son", "sa", "ses", "leur", "leurs", "mon", "ma", "mes", "ton", "ta", "tes",
    "notre", "votre", "nos", "vos",
];

/// Share of its mentions in which a discovered word must follow a determiner: "the
/// zipper", "le boîtier" name things; "it feels", "I can hear", "on flights" do not.
const MIN_DETERMINED_SHARE: f64 = 0.34;

/// Counts of one discovered word or pair.
#[derive(Debug, Default)]
struct Candidate {
    /// Reviews mentioning it.
    reviews: u32,
    /// Mentions, and those right after a determiner.
    mentions: u32,
    determined: u32,
    /// Surface forms seen, with their counts.
    surfaces: BTreeMap<String, u32>,
}

/// Counts content words and word pairs per review for discovery.
#[derive(Debug, Default)]
pub(crate) struct Discovery {
    /// Key (stems joined by a space) → its counts.
    counts: HashMap<String, Candidate>,
    excluded: HashSet<String>,
}

impl Discovery {
    /// `exclude`: texts whose words are never aspects (product titles, brands).
    pub fn new<'a>(exclude: impl IntoIterator<Item = &'a str>) -> Self {
        let mut excluded = HashSet::new();
        for text in exclude {
            for t in tokenize(text, None).iter().filter(|t| t.is_word()) {
                excluded.insert(stem(&t.norm).to_string());
            }
        }
        Discovery {
            counts: HashMap::new(),
            excluded,
        }
    }

    fn is_content(&self, t: &Token) -> bool {
        if !t.is_word() || t.norm.chars().count() < 3 || !t.norm.chars().all(char::is_alphabetic) {
            return false;
        }
        let s = stem(&t.norm);
        !is_stopword(&t.norm)
            && !is_stopword(s)
            && !is_non_aspect(&t.norm)
            && !is_non_aspect(s)
            && !self.excluded.contains(s)
            && !SEED_TABLES.stems[0].contains(s)
            && !SEED_TABLES.stems[1].contains(s)
            && Language::ALL
                .iter()
                .all(|&l| lexicon(l).role(&t.norm).is_none() && lexicon(l).role(s).is_none())
    }

    /// Adds one review's tokens.
    pub fn add_review(&mut self, text: &str, tokens: &[Token]) {
        let mut seen: HashSet<String> = HashSet::new();
        let content: Vec<bool> = tokens.iter().map(|t| self.is_content(t)).collect();
        let surface = |t: &Token| text[t.start..t.end].to_lowercase();
        for (i, t) in tokens.iter().enumerate() {
            if !content[i] {
                continue;
            }
            let determined = i > 0
                && tokens[i - 1].is_word()
                && DETERMINERS.contains(&tokens[i - 1].norm.as_str());
            let mut keys = vec![(stem(&t.norm).to_string(), surface(t))];
            if i + 1 < tokens.len() && content[i + 1] {
                let n = &tokens[i + 1];
                keys.push((
                    format!("{} {}", stem(&t.norm), stem(&n.norm)),
                    format!("{} {}", surface(t), surface(n)),
                ));
            }
            for (key, surf) in keys {
                let entry = self.counts.entry(key.clone()).or_default();
                if seen.insert(key) {
                    entry.reviews += 1;
                }
                entry.mentions += 1;
                entry.determined += u32::from(determined);
                *entry.surfaces.entry(surf).or_default() += 1;
            }
        }
    }

    /// The most frequent words/pairs seen in at least `min_reviews` reviews, and often
    /// enough after a determiner to be things: (display name, stems). A word is dropped
    /// when a chosen pair containing it is as frequent.
    pub fn top(&self, min_reviews: u32) -> Vec<(String, Vec<String>)> {
        let mut cands: Vec<(&String, u32, &BTreeMap<String, u32>)> = self
            .counts
            .iter()
            .filter(|(_, c)| {
                c.reviews >= min_reviews
                    && f64::from(c.determined) >= MIN_DETERMINED_SHARE * f64::from(c.mentions)
            })
            .map(|(k, c)| (k, c.reviews, &c.surfaces))
            .collect();
        cands.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| b.0.contains(' ').cmp(&a.0.contains(' ')))
                .then_with(|| a.0.cmp(b.0))
        });
        let mut chosen: Vec<(&String, u32, &BTreeMap<String, u32>)> = Vec::new();
        for c in cands {
            if chosen.len() >= MAX_DISCOVERED {
                break;
            }
            let words: Vec<&str> = c.0.split(' ').collect();
            let covered = chosen.iter().any(|(k, df, _)| {
                let kw: Vec<&str> = k.split(' ').collect();
                // A word inside a chosen pair, or a pair around a chosen word, that is
                // not more frequent than it adds nothing.
                (words.len() == 1 && kw.len() == 2 && kw.contains(&words[0]) && *df >= c.1)
                    || (words.len() == 2 && kw.len() == 1 && words.contains(&kw[0]))
            });
            if !covered {
                chosen.push(c);
            }
        }
        chosen
            .into_iter()
            .map(|(k, _, surf)| {
                let name = surf
                    .iter()
                    .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                    .map_or_else(|| k.clone(), |(s, _)| s.clone());
                (name, k.split(' ').map(str::to_string).collect())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_aspect_has_its_own_name_and_terms_in_both_languages() {
        assert_eq!(SEEDS.len(), 18);
        let mut names = FxHashSet::default();
        for seed in SEEDS.iter() {
            assert!(!seed.en.is_empty() && !seed.fr.is_empty(), "{}", seed.name);
            assert!(names.insert(seed.name), "{} listed twice", seed.name);
        }
        assert_eq!(SEEDS[1].name, "sound");
        assert_eq!(SEEDS[1].fr.len(), 25);
    }
}
