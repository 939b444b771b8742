//! The text cleaned up and cut into tokens: numbers, currency markers, words, dashes,
//! `%` (steps 1 and 2 of [`super`]).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::number::{RawNumber, is_dash, is_digit, scan_number};
use super::symbols::{ADJ, Mark, NOB, iso_mark, match_symbol};

/// Characters of the text that are read; a price is never longer.
pub const MAX_TEXT_CHARS: usize = 1000;

pub(super) fn prepare(text: &str) -> Vec<char> {
    text.nfkc()
        .take(MAX_TEXT_CHARS)
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => ascii_digit(c as u32 - 0x0660),
            '\u{06F0}'..='\u{06F9}' => ascii_digit(c as u32 - 0x06F0),
            '\u{066B}' => '.', // Arabic decimal separator
            '\u{066C}' => ',', // Arabic thousands separator
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect()
}

fn ascii_digit(d: u32) -> char {
    char::from_digit(d, 10).unwrap_or('0')
}

/// Lower case without diacritics.
pub(super) fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Kind {
    Num(RawNumber),
    Mark(Mark),
    /// Folded (lower case, no accents).
    Word(String),
    Dash,
    Percent,
    Other(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Tok {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) space_before: bool,
}

pub(super) fn tokenize(chars: &[char]) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut i = 0;
    let mut space = false;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            space = true;
            i += 1;
            continue;
        }
        let start = i;
        let next_is_digit = chars.get(i + 1).is_some_and(|c| is_digit(*c))
            || (chars.get(i + 1).is_some_and(|c| matches!(c, '.' | ','))
                && chars.get(i + 2).is_some_and(|c| is_digit(*c)));
        let prev_is_digit = i > 0 && is_digit(chars[i - 1]);
        let kind = if let Some((sym, len)) = match_symbol(chars, i) {
            i += len;
            Kind::Mark(Mark {
                cur: sym.cur,
                text: chars[start..i].iter().collect(),
                adjacent_only: sym.flags & ADJ != 0,
                needs_number: false,
            })
        } else if is_digit(c) || (matches!(c, '.' | ',') && next_is_digit && !prev_is_digit) {
            let (raw, end) = scan_number(chars, i);
            i = end.max(i + 1);
            Kind::Num(raw)
        } else if c.is_alphabetic() {
            i += 1;
            // A word ends at a CJK currency sign: "售价人民币100".
            while i < chars.len()
                && (chars[i].is_alphabetic() || is_combining_mark(chars[i]))
                && match_symbol(chars, i).is_none_or(|(sym, _)| sym.flags & NOB == 0)
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match iso_mark(&word) {
                Some(m) => Kind::Mark(m),
                None => Kind::Word(fold(&word)),
            }
        } else {
            i += 1;
            if is_dash(c) {
                Kind::Dash
            } else if matches!(c, '%' | '\u{066A}') {
                Kind::Percent
            } else {
                Kind::Other(c)
            }
        };
        toks.push(Tok {
            kind,
            start,
            end: i,
            space_before: space,
        });
        space = false;
    }
    toks
}

/// `12€99`, `35€ 99`, `1250€600`: the euro sign between the units and the cents.
pub(super) fn merge_euro_cents(toks: &mut Vec<Tok>) {
    let mut k = 0;
    while k + 2 < toks.len() {
        let merged = match (&toks[k].kind, &toks[k + 1].kind, &toks[k + 2].kind) {
            (Kind::Num(a), Kind::Mark(m), Kind::Num(b))
                if m.text == "€"
                    && !toks[k + 1].space_before
                    && a.is_integer_like()
                    && b.seps.is_empty()
                    && !b.leading_sep
                    && !b.dash_cents
                    && (b.groups[0].len() == 2
                        || (!toks[k + 2].space_before && (1..=3).contains(&b.groups[0].len())))
                    && !matches!(toks.get(k + 3).map(|t| &t.kind), Some(Kind::Percent)) =>
            {
                Some(RawNumber {
                    groups: vec![a.groups.concat(), b.groups[0].clone()],
                    seps: vec!['.'],
                    decimal_known: true,
                    dash_cents: false,
                    leading_sep: false,
                })
            }
            _ => None,
        };
        if let Some(raw) = merged {
            toks[k].kind = Kind::Num(raw);
            toks[k].end = toks[k + 2].end;
            toks.remove(k + 2);
        }
        k += 1;
    }
}
