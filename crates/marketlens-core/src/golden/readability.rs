//! Readability of a text, per language, on the scale readers of that language use:
//! Flesch reading ease for English, and its French adaptation by Kandel and Moles
//! (1958). Both read 0–100, higher is easier: about 60–70 is plain prose, below 30
//! is academic.
//!
//! - Flesch (1948): `206.835 − 1.015 · words/sentence − 84.6 · syllables/word`
//! - Kandel–Moles: `207 − 1.015 · words/sentence − 73.6 · syllables/word`
//!
//! Syllables are counted by the usual heuristic: groups of vowels (`y` and accented
//! vowels included), less a silent ending after a consonant (English: `-e` but not
//! `-le`, `-es` but not after s, x, z, ch, sh, `-ed` but not after t, d; French:
//! `-e`, `-es` and the verb ending `-ent`), at least one per word. A
//! figure (`1,299.00`) counts one syllable per digit group, so prices weigh as a
//! reader spells them out roughly. Sentences end at `.`, `!`, `?` or `;` followed by
//! a space or the end, so decimal points and abbreviations inside figures do not cut.

use serde::{Deserialize, Serialize};

use crate::domain::Language;

/// Words, sentences and syllables of a text, and its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Readability {
    pub words: u32,
    pub sentences: u32,
    pub syllables: u32,
    /// Flesch reading ease (English) or Kandel–Moles (French); 0 for an empty text.
    pub score: f64,
}

/// The score of `text` in `language` (see the module).
pub fn readability(text: &str, language: Language) -> Readability {
    let mut words = 0u32;
    let mut syllables = 0u32;
    for word in text.split_whitespace() {
        let word: String = word
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '\'' | '’' | '-' | '.' | ','))
            .collect();
        let word = word.trim_matches(|c: char| !c.is_alphanumeric());
        if word.is_empty() {
            continue;
        }
        words += 1;
        syllables += if word.chars().any(|c| c.is_alphabetic()) {
            word_syllables(word, language)
        } else {
            // A figure: one syllable per digit group ("1,299.00" → 3).
            word.split([',', '.'])
                .filter(|g| !g.is_empty())
                .count()
                .max(1) as u32
        };
    }
    let sentences = sentence_count(text).max(u32::from(words > 0));
    let score = if words == 0 {
        0.0
    } else {
        let per_sentence = f64::from(words) / f64::from(sentences);
        let per_word = f64::from(syllables) / f64::from(words);
        match language {
            Language::En => 206.835 - 1.015 * per_sentence - 84.6 * per_word,
            Language::Fr => 207.0 - 1.015 * per_sentence - 73.6 * per_word,
        }
    };
    Readability {
        words,
        sentences,
        syllables,
        score,
    }
}

fn sentence_count(text: &str) -> u32 {
    let chars: Vec<char> = text.chars().collect();
    let mut n = 0;
    let mut in_sentence = false;
    for (i, c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            in_sentence = true;
        }
        let ends = matches!(c, '.' | '!' | '?' | ';')
            && chars.get(i + 1).is_none_or(|next| next.is_whitespace());
        if ends && in_sentence {
            n += 1;
            in_sentence = false;
        }
    }
    n + u32::from(in_sentence)
}

fn is_vowel(c: char) -> bool {
    "aeiouyàâäéèêëîïôöùûüÿœæ".contains(c)
}

fn word_syllables(word: &str, language: Language) -> u32 {
    let lower = word.to_lowercase();
    // Compound words and elisions (`l'offre`, `best-value`) count part by part.
    lower
        .split(['-', '\'', '’'])
        .filter(|p| p.chars().any(char::is_alphabetic))
        .map(|p| part_syllables(p, language))
        .sum::<u32>()
        .max(1)
}

fn part_syllables(part: &str, language: Language) -> u32 {
    let chars: Vec<char> = part.chars().filter(|c| c.is_alphabetic()).collect();
    let mut groups = 0u32;
    let mut previous_vowel = false;
    for &c in &chars {
        let v = is_vowel(c);
        if v && !previous_vowel {
            groups += 1;
        }
        previous_vowel = v;
    }
    let ends = |s: &str| {
        let s: Vec<char> = s.chars().collect();
        chars.len() > s.len() + 1
            && chars.ends_with(&s)
            && !is_vowel(chars[chars.len() - s.len() - 1])
    };
    let silent = match language {
        Language::En => {
            let before = |n: usize| chars.len().checked_sub(n + 1).map(|i| chars[i]);
            (ends("e") && !chars.ends_with(&['l', 'e']))
                || (ends("es") && before(2).is_some_and(|c| !"sxzh".contains(c)))
                || (ends("ed") && before(2).is_some_and(|c| !"td".contains(c)))
        }
        Language::Fr => ends("e") || ends("es") || ends("ent"),
    };
    if silent && groups > 1 {
        groups -= 1;
    }
    groups.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_follow_vowel_groups_less_silent_endings() {
        let en = |w| word_syllables(w, Language::En);
        let fr = |w| word_syllables(w, Language::Fr);
        assert_eq!(
            [
                en("cat"),
                en("table"),
                en("make"),
                en("headphones"),
                en("boxes"),
                en("priced"),
                en("rated")
            ],
            [1, 2, 1, 2, 2, 1, 2]
        );
        assert_eq!(
            [
                fr("prix"),
                fr("offre"),
                fr("marchés"),
                fr("vendent"),
                fr("l'offre")
            ],
            [1, 1, 2, 1, 2]
        );
    }

    #[test]
    fn a_text_scores_by_words_per_sentence_and_syllables_per_word() {
        // 7 words, 2 sentences, 8 syllables.
        let r = readability("The cat sat. The dog ran away.", Language::En);
        assert_eq!((r.words, r.sentences, r.syllables), (7, 2, 8));
        let expected = 206.835 - 1.015 * (7.0 / 2.0) - 84.6 * (8.0 / 7.0);
        assert!((r.score - expected).abs() < 1e-9, "{}", r.score);
        // Decimal points inside a price do not end a sentence.
        let r = readability("The median is 1,299.00 EUR.", Language::En);
        assert_eq!((r.words, r.sentences), (5, 1));
        let fr = readability("Le prix médian est de 129 EUR.", Language::Fr);
        let expected = 207.0
            - 1.015 * f64::from(fr.words)
            - 73.6 * f64::from(fr.syllables) / f64::from(fr.words);
        assert!((fr.score - expected).abs() < 1e-9);
        assert_eq!(readability("  ", Language::En).score, 0.0);
    }

    #[test]
    fn long_words_and_sentences_score_lower() {
        let plain = readability("Prices are low. Most buyers like it.", Language::En);
        let dense = readability(
            "Considerable heterogeneity characterises the distribution of observed \
             prices across participating merchants, notwithstanding substantial \
             variability.",
            Language::En,
        );
        assert!(
            plain.score > 70.0 && dense.score < 10.0,
            "{plain:?} {dense:?}"
        );
    }
}
