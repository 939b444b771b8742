//! Reading a generated text for the grounding check: tokens (numbers with their
//! locale's separators, words, model codes, currency signs), then the numbers (in
//! digits or in English and French words, with their unit and whether they are
//! marked approximate) and the dates in them. Names are masked before, by the caller.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};

use crate::domain::CurrencyCode;

pub(super) fn lower_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

pub(super) fn lower(s: &str) -> Vec<char> {
    s.chars().map(lower_char).collect()
}

/// The words of a lower-cased name: runs of letters, digits and inner `-`/`_`.
pub(super) fn words_of(name: &[char]) -> Vec<String> {
    let text: String = name.iter().collect();
    text.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_'))
        .map(|w| w.trim_matches(|c| c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum TokKind {
    /// Digits with their separators, as written.
    Number(String),
    Word(String),
    /// Letters and digits mixed (a model code, `256GB`, `3rd`).
    Code(String),
    /// A currency sign.
    Symbol(char),
    Percent,
    /// `~`: what follows is approximate.
    Tilde,
    /// `,`, `(`, `)`, `/`…: ends a run of number words.
    Separator,
}

#[derive(Debug, Clone)]
pub(super) struct Tok {
    pub(super) kind: TokKind,
    /// First token of a sentence (after `.`, `!`, `?`, `:`, `;`, a line break, a
    /// bullet or the start).
    pub(super) sentence_start: bool,
    /// Glued to the previous token (no space between).
    pub(super) glued: bool,
}

pub(super) const CURRENCY_SYMBOLS: &[char] = &['€', '$', '£', '¥', '₹', '₩', '₽', '₺', '₪', '₫'];

pub(super) fn tokenize(chars: &[char], masked: &[bool]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut sentence_start = true;
    let mut glued = false;
    let mut i = 0;
    let push = |out: &mut Vec<Tok>, kind: TokKind, sentence_start: &mut bool, glued: bool| {
        out.push(Tok {
            kind,
            sentence_start: *sentence_start,
            glued,
        });
        *sentence_start = false;
    };
    while i < chars.len() {
        let c = chars[i];
        if masked[i] {
            // A known name: not read, but it is a word of the sentence.
            while i < chars.len() && masked[i] {
                i += 1;
            }
            push(&mut out, TokKind::Separator, &mut sentence_start, glued);
            sentence_start = false;
            glued = true;
            continue;
        }
        if c.is_alphanumeric() {
            let start = i;
            let mut j = i;
            let mut has_digit = false;
            let mut has_alpha = false;
            loop {
                while j < chars.len() && chars[j].is_alphanumeric() && !masked[j] {
                    has_digit |= chars[j].is_ascii_digit();
                    has_alpha |= chars[j].is_alphabetic();
                    j += 1;
                }
                // Number separators inside digits: 1,299.00 / 1 299,00 / 1'299.
                let sep_ok = j + 1 < chars.len()
                    && chars[j - 1].is_ascii_digit()
                    && chars[j + 1].is_ascii_digit()
                    && !has_alpha
                    && (matches!(chars[j], '.' | ',' | '\'')
                        || (matches!(chars[j], ' ' | '\u{a0}' | '\u{202f}')
                            && group_of_three(chars, j + 1)));
                // Inner hyphens join codes and number words (WH-1000XM5, vingt-deux,
                // 2026-11-01).
                // Between digits alone a hyphen is a range (99-105) or a date's
                // (read by `dates_in`), not a code.
                let hyphen_ok = j + 1 < chars.len()
                    && matches!(chars[j], '-' | '_')
                    && chars[j + 1].is_alphanumeric()
                    && !masked[j + 1]
                    && (has_alpha || chars[j + 1].is_alphabetic());
                if sep_ok || hyphen_ok {
                    j += 1;
                    continue;
                }
                break;
            }
            let raw: String = chars[start..j].iter().collect();
            let kind = if has_digit && !has_alpha {
                TokKind::Number(raw)
            } else if has_digit {
                TokKind::Code(raw)
            } else {
                TokKind::Word(raw)
            };
            push(&mut out, kind, &mut sentence_start, glued);
            glued = true;
            i = j;
            continue;
        }
        let was_glued = glued;
        glued = true;
        match c {
            c if CURRENCY_SYMBOLS.contains(&c) => {
                push(&mut out, TokKind::Symbol(c), &mut sentence_start, was_glued)
            }
            '%' => push(&mut out, TokKind::Percent, &mut sentence_start, was_glued),
            '~' | '≈' => push(&mut out, TokKind::Tilde, &mut sentence_start, was_glued),
            '.' | '!' | '?' | ':' | ';' | '\n' | '•' | '*' => {
                out.push(Tok {
                    kind: TokKind::Separator,
                    sentence_start: false,
                    glued: was_glued,
                });
                sentence_start = true;
            }
            c if c.is_whitespace() => glued = false,
            '-' | '\u{2013}' | '\u{2014}' if i == 0 || chars[i - 1] == '\n' => {
                sentence_start = true;
            }
            '+' | '-' | '\u{2212}' => glued = was_glued,
            _ => out.push(Tok {
                kind: TokKind::Separator,
                sentence_start: false,
                glued: was_glued,
            }),
        }
        i += 1;
    }
    out
}

/// Whether `chars[at..]` is exactly three digits then no digit (a thousands group).
pub(super) fn group_of_three(chars: &[char], at: usize) -> bool {
    (0..3).all(|k| chars.get(at + k).is_some_and(|c| c.is_ascii_digit()))
        && !chars.get(at + 3).is_some_and(|c| c.is_ascii_digit())
}

/// The values a number as written may have, with its decimals each: `1,299` is
/// 1299 (English grouping) or 1.299 (French decimal comma).
pub(super) fn number_values(raw: &str) -> Vec<(f64, u8)> {
    let seps: Vec<(usize, char)> = raw
        .char_indices()
        .filter(|(_, c)| !c.is_ascii_digit())
        .collect();
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let value = |int: &str, frac: &str| -> Option<(f64, u8)> {
        let text = if frac.is_empty() {
            digits(int)
        } else {
            format!("{}.{}", digits(int), frac)
        };
        text.parse::<f64>().ok().map(|v| (v, frac.len() as u8))
    };
    let Some(&(last_at, last)) = seps.last() else {
        return value(raw, "").into_iter().collect();
    };
    let (int, frac) = (&raw[..last_at], &raw[last_at + last.len_utf8()..]);
    let kinds: BTreeSet<char> = seps.iter().map(|(_, c)| *c).collect();
    let mut out = Vec::new();
    if matches!(last, '.' | ',') && (kinds.len() > 1 || seps.len() == 1) {
        // The last separator may be the decimal point.
        out.extend(value(int, frac));
    }
    if frac.len() == 3 && (kinds.len() == 1 || !matches!(last, '.' | ',')) {
        // Or every separator groups thousands.
        out.extend(value(raw, ""));
    }
    if out.is_empty() {
        out.extend(value(raw, ""));
    }
    out
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Unit {
    None,
    Percent,
    /// The currencies the sign, code or word may stand for.
    Currency(Vec<CurrencyCode>),
}

#[derive(Debug, Clone)]
pub(super) struct NumberMention {
    pub(super) claim: String,
    pub(super) candidates: Vec<(f64, u8)>,
    pub(super) unit: Unit,
    pub(super) approx: bool,
    pub(super) token_indices: Vec<usize>,
}

pub(super) const APPROX_WORDS: &[&str] = &[
    "about",
    "around",
    "roughly",
    "approximately",
    "approx",
    "nearly",
    "almost",
    "some",
    "environ",
    "presque",
    "quelque",
    "approximativement",
];

pub(super) fn currencies_of_symbol(sym: char) -> Vec<CurrencyCode> {
    let codes: &[&str] = match sym {
        '€' => &["EUR"],
        '$' => &["USD", "CAD", "AUD", "NZD", "HKD", "SGD", "MXN"],
        '£' => &["GBP"],
        '¥' => &["JPY", "CNY"],
        '₹' => &["INR"],
        '₩' => &["KRW"],
        '₽' => &["RUB"],
        '₺' => &["TRY"],
        '₪' => &["ILS"],
        '₫' => &["VND"],
        _ => &[],
    };
    codes
        .iter()
        .filter_map(|c| CurrencyCode::parse(c).ok())
        .collect()
}

/// The currencies a word names: an ISO code in capitals, or a currency's name.
pub(super) fn currency_word(word: &str) -> Option<Vec<CurrencyCode>> {
    if word.len() == 3 && word.chars().all(|c| c.is_ascii_uppercase()) {
        return CurrencyCode::parse(word).ok().map(|c| vec![c]);
    }
    let lowered = word.to_lowercase();
    let sym = match lowered.as_str() {
        "euro" | "euros" => '€',
        "dollar" | "dollars" => '$',
        "pound" | "pounds" | "livre" | "livres" | "sterling" => '£',
        "yen" => '¥',
        _ => return None,
    };
    Some(currencies_of_symbol(sym))
}

/// The currency a token beside a number gives it.
pub(super) fn currency_of(tok: &Tok) -> Option<Vec<CurrencyCode>> {
    match &tok.kind {
        TokKind::Symbol(s) => Some(currencies_of_symbol(*s)),
        TokKind::Word(w) => currency_word(w),
        _ => None,
    }
}

pub(super) fn word_is(tok: Option<&Tok>, words: &[&str]) -> bool {
    match tok.map(|t| &t.kind) {
        Some(TokKind::Word(w)) => words.contains(&w.to_lowercase().as_str()),
        _ => false,
    }
}

/// Every number of a token list (digits or words) with its unit and whether it is
/// marked approximate.
pub(super) fn numbers_in(tokens: &[Tok]) -> Vec<NumberMention> {
    let mut out = Vec::new();
    let mut k = 0;
    while k < tokens.len() {
        let (candidates, claim, end) = match &tokens[k].kind {
            TokKind::Number(raw) => (number_values(raw), raw.clone(), k + 1),
            TokKind::Word(_) => match number_words_at(tokens, k) {
                Some((value, claim, end)) => (vec![(value, 0)], claim, end),
                None => {
                    k += 1;
                    continue;
                }
            },
            _ => {
                k += 1;
                continue;
            }
        };
        let mut indices: Vec<usize> = (k..end).collect();
        let mut unit = Unit::None;
        // A sign or code just before (€99, EUR 99) or just after (99 €, 99 euros).
        if let Some(codes) = k.checked_sub(1).and_then(|p| currency_of(&tokens[p])) {
            unit = Unit::Currency(codes);
            indices.push(k - 1);
        }
        match tokens.get(end) {
            Some(t) if t.kind == TokKind::Percent => {
                unit = Unit::Percent;
                indices.push(end);
            }
            Some(t) if word_is(Some(t), &["percent", "pourcent"]) => {
                unit = Unit::Percent;
                indices.push(end);
            }
            Some(t)
                if word_is(Some(t), &["per", "pour"])
                    && word_is(tokens.get(end + 1), &["cent"]) =>
            {
                unit = Unit::Percent;
                indices.extend([end, end + 1]);
            }
            Some(t) => {
                if let Some(codes) = currency_of(t) {
                    unit = Unit::Currency(codes);
                    indices.push(end);
                }
            }
            None => {}
        }
        let before = |back: usize| k.checked_sub(back).map(|p| &tokens[p]);
        let first_before =
            if matches!(unit, Unit::Currency(_)) && indices.contains(&(k.wrapping_sub(1))) {
                2
            } else {
                1
            };
        let approx = before(first_before).is_some_and(|t| t.kind == TokKind::Tilde)
            || word_is(before(first_before), APPROX_WORDS)
            || (word_is(before(first_before), &["de"])
                && word_is(before(first_before + 1), &["près"]));
        let claim = match &unit {
            Unit::Percent => format!("{claim}%"),
            Unit::Currency(codes) => format!(
                "{claim} {}",
                codes
                    .first()
                    .map(|c| c.as_str().to_owned())
                    .unwrap_or_default()
            ),
            Unit::None => claim,
        };
        out.push(NumberMention {
            claim,
            candidates,
            unit,
            approx,
            token_indices: indices,
        });
        k = end;
    }
    out
}

/// The value of a number word (English or French), or a multiplier's.
pub(super) fn number_word(w: &str) -> Option<u32> {
    Some(match w {
        "zero" | "zéro" => 0,
        "one" | "un" | "une" => 1,
        "two" | "deux" => 2,
        "three" | "trois" => 3,
        "four" | "quatre" => 4,
        "five" | "cinq" => 5,
        "six" => 6,
        "seven" | "sept" => 7,
        "eight" | "huit" => 8,
        "nine" | "neuf" => 9,
        "ten" | "dix" => 10,
        "eleven" | "onze" => 11,
        "twelve" | "douze" => 12,
        "thirteen" | "treize" => 13,
        "fourteen" | "quatorze" => 14,
        "fifteen" | "quinze" => 15,
        "sixteen" | "seize" => 16,
        "seventeen" => 17,
        "eighteen" => 18,
        "nineteen" => 19,
        "twenty" | "vingt" | "vingts" => 20,
        "thirty" | "trente" => 30,
        "forty" | "quarante" => 40,
        "fifty" | "cinquante" => 50,
        "sixty" | "soixante" => 60,
        "seventy" => 70,
        "eighty" => 80,
        "ninety" => 90,
        "hundred" | "cent" | "cents" => 100,
        "thousand" | "mille" => 1000,
        _ => return None,
    })
}

/// Number words read alone that are more often something else: articles and
/// pronouns ("one of", "un produit"), and French "neuf" (new).
pub(super) const NOT_NUMBERS_ALONE: &[&str] = &["one", "un", "une", "neuf", "cent", "cents"];

/// A run of number words starting at token `k` ("twenty-one", "vingt et un",
/// "two hundred and forty"): its value, text and the token after it.
pub(super) fn number_words_at(tokens: &[Tok], k: usize) -> Option<(f64, String, usize)> {
    let mut parts: Vec<String> = Vec::new();
    let mut end = k;
    while let Some(TokKind::Word(w)) = tokens.get(end).map(|t| &t.kind) {
        let lowered = w.to_lowercase();
        let pieces: Vec<&str> = lowered.split(['-', '_']).collect();
        let all_numbers = pieces
            .iter()
            .all(|p| number_word(p).is_some() || (*p == "et" && pieces.len() > 1));
        let connector = matches!(lowered.as_str(), "and" | "et")
            && !parts.is_empty()
            && matches!(tokens.get(end + 1).map(|t| &t.kind), Some(TokKind::Word(n)) if number_word(&n.to_lowercase()).is_some());
        if all_numbers {
            parts.extend(pieces.iter().map(|p| (*p).to_owned()));
        } else if !connector {
            break;
        }
        end += 1;
    }
    let numbers: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| *p != "et" && *p != "and")
        .collect();
    if numbers.is_empty() || (numbers.len() == 1 && NOT_NUMBERS_ALONE.contains(&numbers[0])) {
        return None;
    }
    let (mut total, mut current) = (0u64, 0u64);
    for p in &numbers {
        let v = u64::from(number_word(p)?);
        match v {
            100 => current = current.max(1) * 100,
            1000 => {
                total += current.max(1) * 1000;
                current = 0;
            }
            // quatre-vingt(s): four twenties.
            20 if current % 100 == 4 && (*p == "vingt" || *p == "vingts") => current += 76,
            _ => current += v,
        }
    }
    let claim = tokens[k..end]
        .iter()
        .filter_map(|t| match &t.kind {
            TokKind::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join(" ");
    Some(((total + current) as f64, claim, end))
}

pub(super) fn ordinal(code: &str) -> Option<u32> {
    let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
    let suffix = &code[digits.len()..];
    matches!(
        suffix,
        "st" | "nd" | "rd" | "th" | "er" | "re" | "e" | "ème" | "eme"
    )
    .then(|| digits.parse().ok())
    .flatten()
}

pub(super) const ALLOWED_CAPITALISED: &[&str] = &[
    "pareto",
    "bayesian",
    "bayésien",
    "bayésienne",
    "spearman",
    "mad",
    "iqr",
    "vat",
    "tva",
    "ttc",
    "ht",
    "eu",
    "ue",
    "uk",
    "us",
    "usa",
    "ecb",
    "bce",
    "english",
    "french",
    "anglais",
    "français",
    "francais",
    "française",
];

pub(super) const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "lundi",
    "mardi",
    "mercredi",
    "jeudi",
    "vendredi",
    "samedi",
    "dimanche",
];

pub(super) fn month_number(w: &str) -> Option<u32> {
    const MONTHS: [(&str, &str); 12] = [
        ("january", "janvier"),
        ("february", "février"),
        ("march", "mars"),
        ("april", "avril"),
        ("may", "mai"),
        ("june", "juin"),
        ("july", "juillet"),
        ("august", "août"),
        ("september", "septembre"),
        ("october", "octobre"),
        ("november", "novembre"),
        ("december", "décembre"),
    ];
    MONTHS
        .iter()
        .position(|(en, fr)| *en == w || *fr == w || (w == "fevrier" && *fr == "février"))
        .map(|i| i as u32 + 1)
}

/// A date as written: each part present is checked.
#[derive(Debug, Clone, Copy)]
pub(super) struct WrittenDate {
    year: Option<i32>,
    month: u32,
    day: Option<u32>,
}

impl WrittenDate {
    pub(super) fn matches(&self, d: &NaiveDate) -> bool {
        self.month == d.month()
            && self.year.is_none_or(|y| y == d.year())
            && self.day.is_none_or(|day| day == d.day())
    }
}

pub(super) fn small_int(tok: Option<&Tok>, range: std::ops::RangeInclusive<u32>) -> Option<u32> {
    match tok.map(|t| &t.kind) {
        Some(TokKind::Number(raw)) if raw.chars().all(|c| c.is_ascii_digit()) => {
            raw.parse().ok().filter(|v| range.contains(v))
        }
        _ => None,
    }
}

/// Whether the `n` tokens after `k` are each glued to the one before.
fn glued_after(tokens: &[Tok], k: usize, n: usize) -> bool {
    (1..=n).all(|i| tokens.get(k + i).is_some_and(|t| t.glued))
}

/// A date written in numbers: the tokens of its year, month and day, the tokens it
/// spans, and how to write it back (`{y}`, `{m}`, `{d}`).
fn numeric_date(
    tokens: &[Tok],
    [y, m, d]: [usize; 3],
    parts: impl Into<Vec<usize>>,
    layout: &str,
) -> Option<(String, WrittenDate, Vec<usize>)> {
    let year = small_int(tokens.get(y), 1900..=2100)?;
    let month = small_int(tokens.get(m), 1..=12)?;
    let day = small_int(tokens.get(d), 1..=31)?;
    let claim = layout
        .replace("{y}", &year.to_string())
        .replace("{m}", &format!("{month:02}"))
        .replace("{d}", &format!("{day:02}"));
    let date = WrittenDate {
        year: Some(year as i32),
        month,
        day: Some(day),
    };
    Some((claim, date, parts.into()))
}

/// Every date of a token list, with the tokens it spans.
pub(super) fn dates_in(tokens: &[Tok]) -> Vec<(String, WrittenDate, Vec<usize>)> {
    let mut out = Vec::new();
    for (k, t) in tokens.iter().enumerate() {
        match &t.kind {
            // 2026-11-01 (the hyphens are not tokens: three glued numbers)
            TokKind::Number(raw) if raw.len() == 4 && glued_after(tokens, k, 2) => {
                out.extend(numeric_date(
                    tokens,
                    [k, k + 1, k + 2],
                    [k, k + 1, k + 2],
                    "{y}-{m}-{d}",
                ));
            }
            // 01/11/2026 (day first, as in French and British writing)
            TokKind::Number(_) if glued_after(tokens, k, 4) => {
                out.extend(numeric_date(
                    tokens,
                    [k + 4, k + 2, k],
                    (k..k + 5).collect::<Vec<_>>(),
                    "{d}/{m}/{y}",
                ));
            }
            TokKind::Word(w) => {
                let Some(month) = month_number(&w.to_lowercase()) else {
                    continue;
                };
                // "may" is also a verb: only a May next to a day or year is a date.
                let mut parts = vec![k];
                let mut day = None;
                if let Some(d) = k
                    .checked_sub(1)
                    .and_then(|p| small_int(tokens.get(p), 1..=31))
                {
                    day = Some(d);
                    parts.push(k - 1);
                } else if let Some(d) = small_int(tokens.get(k + 1), 1..=31) {
                    day = Some(d);
                    parts.push(k + 1);
                }
                let mut year = None;
                for at in [k + 1, k + 2, k + 3] {
                    if let Some(y) = small_int(tokens.get(at), 1900..=2100) {
                        year = Some(y as i32);
                        parts.push(at);
                        break;
                    }
                }
                if w.eq_ignore_ascii_case("may") && day.is_none() && year.is_none() {
                    continue;
                }
                let claim = match (day, year) {
                    (Some(d), Some(y)) => format!("{d} {w} {y}"),
                    (Some(d), None) => format!("{d} {w}"),
                    (None, Some(y)) => format!("{w} {y}"),
                    (None, None) => w.clone(),
                };
                out.push((claim, WrittenDate { year, month, day }, parts));
            }
            _ => {}
        }
    }
    out
}
