//! Tokenisation shared by the scorer, the aspect extractor and the lexicons.
//!
//! Words are read as [`crate::domain::words`] reads them: lower-cased and folded
//! (accents removed, typographic apostrophes made plain) so that `décevant`,
//! `DECEVANT` and `decevant` look the same to the lexicons, French elisions (`l'`,
//! `d'`, `n'`, `j'`, `qu'`, …) as words of their own, decimal numbers whole. Hyphenated
//! words are split (`qualité-prix` → `qualite`, `prix`), emoticons and a few emoji
//! ([`super::emoji`]) become tokens carrying their own key, and the punctuation that
//! ends sentences and clauses is kept.

use std::ops::Range;

use super::emoji::{emoji_valence, emoticon_at, is_emoji_modifier};
use crate::domain::Language;
use crate::domain::words::read_words;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum TokenKind {
    /// Letters and digits (with inner apostrophes in English: `don't`).
    Word,
    /// An emoticon or emoji; `norm` is its key in [`super::emoji`].
    Emo,
    /// Punctuation that matters: `.` `!` `?` (`…` becomes `.`), `,` `;` `:` `(` `)`
    /// `"`, `-` for a dash between words, `\n` for a line break.
    Punct(char),
}

#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub kind: TokenKind,
    /// Folded lower-case form (see module docs).
    pub norm: String,
    /// Byte range in the text.
    pub start: usize,
    pub end: usize,
    /// An all-capitals word of at least two letters (`GREAT`).
    pub caps: bool,
}

impl Token {
    pub fn is_word(&self) -> bool {
        self.kind == TokenKind::Word
    }

    /// Ends a sentence: `.`, `!`, `?` or a line break.
    pub fn ends_sentence(&self) -> bool {
        matches!(self.kind, TokenKind::Punct('.' | '!' | '?' | '\n'))
    }

    /// Breaks a clause (and so ends any look-back window).
    pub fn breaks_clause(&self) -> bool {
        matches!(self.kind, TokenKind::Punct(_))
    }
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}')
}

/// Splits `text` into tokens. French elisions are split unless `language` is English.
pub(crate) fn tokenize(text: &str, language: Option<Language>) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(text.len() / 4 + 1);
    tokenize_into(text, language, &mut tokens, &mut TokenScratch::default());
    tokens
}

/// Buffers kept between calls of [`tokenize_into`] so that tokenizing one more text
/// allocates nothing once they have grown.
#[derive(Debug, Default)]
pub(crate) struct TokenScratch {
    /// Emptied strings of earlier tokens, ready to hold new words.
    spare: Vec<String>,
    word: String,
}

/// [`tokenize`] into `tokens` (emptied first), reusing the strings of the tokens it
/// held before.
pub(crate) fn tokenize_into(
    text: &str,
    language: Option<Language>,
    tokens: &mut Vec<Token>,
    scratch: &mut TokenScratch,
) {
    let spare = &mut scratch.spare;
    spare.extend(tokens.drain(..).filter_map(|t| {
        let mut s = t.norm;
        s.clear();
        (s.capacity() > 0).then_some(s)
    }));
    let mut owned = |s: &str| {
        let mut out = spare.pop().unwrap_or_default();
        out.push_str(s);
        out
    };
    let split_elisions = language != Some(Language::En);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = if bytes[i].is_ascii() {
            char::from(bytes[i])
        } else {
            text[i..].chars().next().unwrap_or_default()
        };
        if c.is_alphanumeric() {
            i = read_words(
                text,
                i,
                split_elisions,
                &mut scratch.word,
                &mut |span, norm| {
                    tokens.push(Token {
                        kind: TokenKind::Word,
                        norm: owned(norm),
                        start: span.start,
                        end: span.end,
                        caps: span.caps,
                    })
                },
            );
            continue;
        }
        if let Some((key, len)) = emoticon_at(text, i) {
            tokens.push(Token {
                kind: TokenKind::Emo,
                norm: owned(key),
                start: i,
                end: i + len,
                caps: false,
            });
            i += len;
            continue;
        }
        let start = i;
        let end = i + c.len_utf8();
        i = end;
        if c.is_ascii_whitespace() && c != '\n' {
            continue;
        }
        if emoji_valence(c).is_some() {
            let mut buf = [0u8; 4];
            tokens.push(Token {
                kind: TokenKind::Emo,
                norm: owned(c.encode_utf8(&mut buf)),
                start,
                end,
                caps: false,
            });
            continue;
        }
        if is_emoji_modifier(c) {
            continue;
        }
        let punct = match c {
            '.' | '!' | '?' | ',' | ';' | ':' | '(' | ')' | '"' | '\n' => Some(c),
            '…' => Some('.'),
            '¡' => Some('!'),
            '¿' => Some('?'),
            '«' | '»' | '“' | '”' | '[' | ']' => Some('"'),
            '–' | '—' => Some('-'),
            // A hyphen between words splits them; a free-standing one is a dash.
            c if is_hyphen(c) => {
                let prev_word = text[..start]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric);
                let next_word = text[end..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric);
                (!(prev_word && next_word)).then_some('-')
            }
            _ => None,
        };
        if let Some(p) = punct {
            tokens.push(Token {
                kind: TokenKind::Punct(p),
                norm: String::new(),
                start,
                end,
                caps: false,
            });
        }
    }
}

/// Token ranges of the sentences, each keeping its closing punctuation.
pub(crate) fn sentences(tokens: &[Token]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < tokens.len() {
        if tokens[i].ends_sentence() {
            while i + 1 < tokens.len() && tokens[i + 1].ends_sentence() {
                i += 1;
            }
            if tokens[start..=i].iter().any(|t| !t.breaks_clause()) {
                out.push(start..i + 1);
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < tokens.len() && tokens[start..].iter().any(|t| !t.breaks_clause()) {
        out.push(start..tokens.len());
    }
    out
}

/// The text a token range covers, trimmed of surrounding punctuation and spaces.
pub(crate) fn span_text<'a>(text: &'a str, tokens: &[Token], range: Range<usize>) -> &'a str {
    let slice = &tokens[range];
    let first = slice.iter().position(|t| !t.breaks_clause());
    let last = slice.iter().rposition(|t| !t.breaks_clause());
    match (first, last) {
        (Some(f), Some(l)) => {
            // Keep closing `!`/`?`/`.` right after the last word.
            let mut end = slice[l].end;
            for t in &slice[l + 1..] {
                if matches!(t.kind, TokenKind::Punct('.' | '!' | '?' | ')')) && t.start >= end {
                    end = t.end;
                } else {
                    break;
                }
            }
            text[slice[f].start..end].trim()
        }
        _ => "",
    }
}

/// A quote for a report: whitespace collapsed, at most `max_chars` characters (cut on a
/// word boundary when one is near, with an ellipsis).
pub(crate) fn quote(s: &str, max_chars: usize) -> String {
    let collapsed: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max_chars {
        return collapsed;
    }
    let cut = collapsed
        .char_indices()
        .nth(max_chars.saturating_sub(1))
        .map_or(collapsed.len(), |(i, _)| i);
    let head = &collapsed[..cut];
    let head = match head.rfind(' ') {
        Some(sp) if head[sp..].chars().count() < 40 => &head[..sp],
        _ => head,
    };
    format!("{}…", head.trim_end_matches([' ', ',', ';', ':', '-']))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norms(text: &str, lang: Option<Language>) -> Vec<String> {
        tokenize(text, lang).into_iter().map(|t| t.norm).collect()
    }

    #[test]
    fn splits_french_elisions_and_folds_accents() {
        assert_eq!(
            norms("L'écran n'est pas génial", Some(Language::Fr)),
            ["l'", "ecran", "n'", "est", "pas", "genial"]
        );
        assert_eq!(norms("qu’il", Some(Language::Fr)), ["qu'", "il"]);
        assert_eq!(norms("aujourd'hui", Some(Language::Fr)), ["aujourd'hui"]);
        assert_eq!(norms("don't", Some(Language::En)), ["don't"]);
        assert_eq!(norms("Cœur", None), ["coeur"]);
    }

    #[test]
    fn splits_hyphens_keeps_numbers_and_emoticons() {
        let t = tokenize(
            "rapport qualité-prix 4,5/5 :) http://x.fr 😍👍🏽",
            Some(Language::Fr),
        );
        let n: Vec<&str> = t.iter().map(|t| t.norm.as_str()).collect();
        assert_eq!(n[..5], ["rapport", "qualite", "prix", "4,5", "5"]);
        assert!(n.contains(&":)"));
        assert!(n.contains(&"😍") && n.contains(&"👍"));
        assert!(!n.contains(&":/"));
    }

    #[test]
    fn caps_flag_needs_two_letters() {
        let t = tokenize("I LOVE it", Some(Language::En));
        assert!(!t[0].caps && t[1].caps && !t[2].caps);
    }

    #[test]
    fn sentences_and_quotes() {
        let text = "Great sound!!! Poor battery... ok";
        let t = tokenize(text, Some(Language::En));
        let s = sentences(&t);
        assert_eq!(s.len(), 3);
        assert_eq!(span_text(text, &t, s[0].clone()), "Great sound!!!");
        assert_eq!(span_text(text, &t, s[2].clone()), "ok");
        let long = "word ".repeat(100);
        let q = quote(&long, 200);
        assert!(q.chars().count() <= 201 && q.ends_with('…'));
        assert_eq!(quote("  a \n b ", 200), "a b");
        let accents = "é".repeat(300);
        assert_eq!(quote(&accents, 200).chars().count(), 200);
    }
}
