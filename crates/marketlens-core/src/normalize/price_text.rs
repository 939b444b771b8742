//! Price text as shops write it → exact amount and ISO currency.
//!
//! The text is read in four steps.
//!
//! 1. **Clean-up.** Unicode NFKC (full-width `１２€` → `12€`, `￡` → `£`, `₨` → `Rs`),
//!    every kind of space (no-break U+00A0, narrow no-break U+202F, thin, …) becomes a
//!    plain space, Arabic-Indic digits become ASCII digits. Only the first
//!    [`MAX_TEXT_CHARS`] characters are read.
//! 2. **Tokens.** Numbers, currency markers, words, dashes, `%`. Currency markers are
//!    symbols (`€`, `$`, `US$`, `C$`, `R$`, `zł`, `Kč`, `руб.`, …, longest match first),
//!    ISO 4217 codes (`EUR`, `usd` next to an amount) and currency words (`euros`). A
//!    marker made of letters must be a whole word (`RM50` and `3 100р.` count, `Europe`
//!    and `Ftp` do not); short letter markers (`kr`, `TL`, `Rs`, lower-case ISO codes,
//!    …) only count next to an amount.
//! 3. **Which number is the price.** Numbers followed by `%` or a unit (`16.00 ft`,
//!    `2 kg`, `500 ml`) and numbers whose grouping is impossible (dates such as
//!    `15.08.2017`, `1.2.3.4`) are not prices. Two numbers joined by a dash or
//!    `to`/`à`/`bis` with the second not smaller form a range (`99 - 149 €`, `From 26
//!    to 50 €`): its low end is the amount and `is_lower_bound` is set, as it is after
//!    `from`/`à partir de`/`ab`/`dès`/`vanaf`/…
//!    The price is the first number (or range) with a currency marker next to it (only
//!    spaces or `:` between); when no number has one, the first number not glued to a
//!    word (`MX924`, `12x`), else the first number.
//! 4. **Currency.** Among the markers next to the price, an unambiguous one (ISO code,
//!    `€`, `zł`, `US$`, …) wins over an ambiguous one (`$1,190.00 AUD` is AUD, `NZD
//!    $100.70` is NZD); with no marker next to it, the nearest marker in the text is
//!    used. Ambiguous symbols (`$`, `kr`, `¥`, `£`, `Rs`, `lei`, `руб`, …) take the
//!    hint currency when it is one they can mean, else the market's currency when it
//!    is, else their usual meaning (`$` → USD, `¥` → JPY, `£` → GBP, `Rs` → INR); `kr`
//!    and a few others have no usual meaning and give [`PriceParseError::Ambiguous`].
//!    An unambiguous marker in the text wins over a contradicting hint. A text without
//!    any marker takes the hint; without a hint it is [`PriceParseError::NoCurrency`].
//!    Markers of currencies that ISO 4217 no longer lists (`DEM`, `HRK`/`kn`, `₿`,
//!    toman `تومان`) are recognised so that the hint cannot silently replace them; they
//!    give [`PriceParseError::Ambiguous`].
//!
//! **Separators** (`RawNumber::interpret`): `.` `,` are decimal or grouping
//! separators; space and apostrophe (`1 299`, `1'299`) are always grouping.
//! - Both `.` and `,` present: the last one is the decimal separator (`1.299,00`,
//!   `1,299.00`, `CHF 1'049,95`); it must occur once.
//! - One kind occurring several times: grouping (`1.144.000`, Indian `1,23,456`).
//! - One separator occurring once: decimal unless exactly three digits follow (`1,29`,
//!   `34.992001`). With exactly three digits (`1,299`, `1.299`) it is grouping, as both
//!   English-style and continental shops write thousands this way and prices with
//!   three decimals are rare — except when the integer part is 0 (`0.750`), longer than
//!   three digits (`1234.567`), already grouped with spaces or apostrophes, or the
//!   currency has three minor units (`423.923 KD`, `1.500 BHD`): then decimal.
//! - `12,-`, `1'299.–`, `105. –`, `199:-` have no cents; `12. 99` and `1.837, 32` (one
//!   space before one or two final digits) are decimals; `.75` is 0.75; a trailing
//!   separator (`1700.`) is ignored; `12€99` and `35€ 99` (euro sign as decimal
//!   separator) are 12.99 and 35.99.
//! - Grouping must be regular: 1–3 leading digits then groups of 3 (or Indian 2s).
//!
//! **Other rules.** A minus sign glued to the number (`-5 €`, `−$5`) makes it
//! negative, which [`parse_price`] rejects as [`PriceParseError::NoAmount`] (a dash
//! followed by a space, `- $44.99`, is not a sign). Amounts of 10^15 or more are
//! nonsense. A text with no number but `free`/`gratuit`/`gratis`/`kostenlos`/… is 0.
//! `TTC`, `incl. VAT`, `inkl. MwSt.`, `tax incl.`, `iva inclusa`, … set
//! [`TaxMarker::Included`]; `HT`, `excl. VAT`, `+ VAT`, `zzgl. MwSt.`, `netto`, … set
//! [`TaxMarker::Excluded`] (the marker nearest after the amount wins).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::domain::{CurrencyCode, Market};

/// Characters of the text that are read; a price is never longer.
pub const MAX_TEXT_CHARS: usize = 1000;

/// Whether the shop said the price includes or excludes tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaxMarker {
    Included,
    Excluded,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParsedPrice {
    pub amount: Decimal,
    pub currency: CurrencyCode,
    pub tax: Option<TaxMarker>,
    /// "from 99 €", "à partir de", or the low end of a range "99–149 €".
    pub is_lower_bound: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PriceParseError {
    #[error("no amount in price text {0:?}")]
    NoAmount(String),
    #[error("no currency in price text {0:?} and no currency hint")]
    NoCurrency(String),
    #[error("ambiguous price text {0:?}")]
    Ambiguous(String),
}

/// What a price text says, with hint and market applied but before any rejection:
/// the amount may be missing or negative and the currency unknown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PriceScan {
    /// The amount as written; negative for `-5 €`; `None` when the text has no price.
    pub amount: Option<Decimal>,
    pub currency: CurrencyFinding,
    pub tax: Option<TaxMarker>,
    pub is_lower_bound: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CurrencyFinding {
    /// From the text (ambiguous symbols resolved), or the hint when the text has none.
    Found(CurrencyCode),
    /// A symbol such as `kr` that neither the hint nor the market resolves.
    Ambiguous(String),
    /// A currency ISO 4217 does not list (any more): `DEM`, `kn`, `₿`, `تومان`.
    Unsupported(String),
    /// No currency in the text and no hint.
    None,
}

/// Parses `text`. `hint` is the currency the shop declares; `market` resolves
/// ambiguous symbols such as `$` or `kr`.
pub fn parse_price(
    text: &str,
    hint: Option<CurrencyCode>,
    market: Option<&Market>,
) -> Result<ParsedPrice, PriceParseError> {
    let scan = scan_price(text, hint, market);
    let amount = match scan.amount {
        Some(a) if !a.is_sign_negative() || a.is_zero() => a,
        _ => return Err(PriceParseError::NoAmount(text.to_owned())),
    };
    let currency = match scan.currency {
        CurrencyFinding::Found(c) => c,
        CurrencyFinding::Ambiguous(_) | CurrencyFinding::Unsupported(_) => {
            return Err(PriceParseError::Ambiguous(text.to_owned()));
        }
        CurrencyFinding::None => return Err(PriceParseError::NoCurrency(text.to_owned())),
    };
    Ok(ParsedPrice {
        amount: amount.abs(),
        currency,
        tax: scan.tax,
        is_lower_bound: scan.is_lower_bound,
    })
}

/// Reads `text` without rejecting anything: see [`PriceScan`] and the module rules.
pub fn scan_price(text: &str, hint: Option<CurrencyCode>, market: Option<&Market>) -> PriceScan {
    let chars = prepare(text);
    let mut toks = tokenize(&chars);
    merge_euro_cents(&mut toks);
    let nums = number_infos(&toks);
    let active = active_marks(&toks, &nums);
    let groups = price_groups(&toks, &nums);
    let chosen = choose_group(&toks, &nums, &groups, &active);

    let mark = match &chosen {
        Some(g) => pick_mark_for(&toks, g, &active),
        None => pick_mark(&toks, &active),
    };
    let currency = match mark {
        Some(m) => resolve(m, hint, market),
        None => match hint {
            Some(h) => CurrencyFinding::Found(h),
            None => CurrencyFinding::None,
        },
    };
    let three_dp = matches!(&currency, CurrencyFinding::Found(c) if c.minor_units() == 3);

    let (amount, is_lower_bound, span) = match &chosen {
        Some(g) => {
            let info = &nums[g.first];
            let value = info.raw.interpret(three_dp).or(info.value);
            let value = value.map(|v| if info.negative { -v } else { v });
            let lower = g.is_range || lower_bound_word_before(&toks, info.tok);
            let t = &toks[info.tok];
            (value, lower, Some((t.start, t.end)))
        }
        None if says_free(&toks) => (Some(Decimal::ZERO), false, None),
        None => (None, false, None),
    };
    PriceScan {
        amount,
        currency,
        tax: tax_marker(&chars, span),
        is_lower_bound,
    }
}

/// The currency a marker or a short text names (`"€"`, `"US$"`, `"руб."`, `"kr"`),
/// resolved like a price's marker with `hint` and `market`. Used to read a currency
/// hint written as text and, by the evaluation, to map expected symbols to codes.
pub fn currency_of(
    text: &str,
    hint: Option<CurrencyCode>,
    market: Option<&Market>,
) -> CurrencyFinding {
    // Short letter markers (`kr`, `Rs`) only count next to an amount: give them one.
    scan_price(&format!("1 {text}"), hint, market).currency
}

// ---------------------------------------------------------------------------------
// Clean-up

fn prepare(text: &str) -> Vec<char> {
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

fn is_digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn is_dash(c: char) -> bool {
    matches!(
        c,
        '-' | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
            | '\u{2014}'
            | '\u{2015}'
            | '\u{2212}'
    )
}

fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{02BC}' | '\u{00B4}' | '`' | '\u{2032}'
    )
}

/// Lower case without diacritics.
fn fold(s: &str) -> String {
    s.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

// ---------------------------------------------------------------------------------
// Numbers

/// A number as written: digit groups and the separators between them, before
/// deciding which separator is the decimal one.
#[derive(Debug, Clone, PartialEq, Eq)]
struct RawNumber {
    groups: Vec<String>,
    /// `seps[i]` is between `groups[i]` and `groups[i + 1]`: `.`, `,`, or `g` for a
    /// space or apostrophe (always grouping).
    seps: Vec<char>,
    /// The last separator is certainly decimal (`12. 99`, `12€99`).
    decimal_known: bool,
    /// `12,-`: every group is integer, cents are zero.
    dash_cents: bool,
    /// Started with a separator: `.75`, `$..75`.
    leading_sep: bool,
}

impl RawNumber {
    /// The value, or `None` when the separators cannot be read as a number.
    /// `three_dp`: the currency has three minor units, so `1.234` is decimal.
    fn interpret(&self, three_dp: bool) -> Option<Decimal> {
        let n = self.groups.len();
        if n == 0 {
            return None;
        }
        if self.leading_sep && self.seps.is_empty() && !self.dash_cents {
            return decimal_from("0", &self.groups[0]);
        }
        let (int_len, frac): (usize, &str) = if self.dash_cents {
            (n, "")
        } else if self.decimal_known {
            (n - 1, self.groups[n - 1].as_str())
        } else {
            let dots = self.seps.iter().filter(|s| **s == '.').count();
            let commas = self.seps.iter().filter(|s| **s == ',').count();
            match self.seps.last() {
                None => (n, ""),
                Some(_) if dots + commas == 0 => (n, ""),
                Some('g') => return None, // "1.234 567"
                Some(&last) => {
                    let last_count = self.seps.iter().filter(|s| **s == last).count();
                    let frac = self.groups[n - 1].as_str();
                    if dots > 0 && commas > 0 {
                        if last_count != 1 {
                            return None;
                        }
                        (n - 1, frac)
                    } else if last_count >= 2 {
                        (n, "")
                    } else {
                        let int_groups = &self.groups[..n - 1];
                        let decimal = frac.len() != 3
                            || three_dp
                            || int_groups.iter().all(|g| g.bytes().all(|b| b == b'0'))
                            || self.seps.contains(&'g')
                            || int_groups[0].len() > 3;
                        if decimal { (n - 1, frac) } else { (n, "") }
                    }
                }
            }
        };
        let int_groups = &self.groups[..int_len];
        let int_seps = &self.seps[..int_len.saturating_sub(1)];
        if !valid_grouping(int_groups, int_seps) {
            return None;
        }
        decimal_from(&int_groups.concat(), frac)
    }

    /// Whether every separator is a thousands separator (no decimal part).
    fn is_integer_like(&self) -> bool {
        !self.leading_sep
            && !self.decimal_known
            && !self.dash_cents
            && (self.seps.is_empty()
                || (valid_grouping(&self.groups, &self.seps)
                    && self.groups[1..].iter().all(|g| g.len() == 3)))
    }
}

/// 1–3 leading digits then groups of three, all with the same separator; or Indian
/// lakh grouping with commas (`1,23,45,678`). A single group is always fine.
fn valid_grouping(groups: &[String], seps: &[char]) -> bool {
    let Some(first) = groups.first() else {
        return false;
    };
    if seps.is_empty() {
        return !first.is_empty();
    }
    if seps.iter().any(|s| *s != seps[0]) {
        return false;
    }
    let rest = &groups[1..];
    if (1..=3).contains(&first.len()) && rest.iter().all(|g| g.len() == 3) {
        return true;
    }
    seps[0] == ','
        && rest.len() >= 2
        && (1..=2).contains(&first.len())
        && rest[..rest.len() - 1].iter().all(|g| g.len() == 2)
        && rest[rest.len() - 1].len() == 3
}

fn max_amount() -> Decimal {
    Decimal::from(1_000_000_000_000_000_i64)
}

fn decimal_from(int: &str, frac: &str) -> Option<Decimal> {
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    if int.len() + frac.len() > 28 {
        return None;
    }
    let s = if frac.is_empty() {
        int.to_owned()
    } else {
        format!("{int}.{frac}")
    };
    let d = Decimal::from_str_exact(&s).ok()?;
    (d < max_amount()).then_some(d)
}

fn count_digits(chars: &[char], from: usize) -> usize {
    chars
        .get(from..)
        .map_or(0, |s| s.iter().take_while(|c| is_digit(**c)).count())
}

fn read_digits(chars: &[char], i: &mut usize) -> String {
    let n = count_digits(chars, *i);
    let s: String = chars[*i..*i + n].iter().collect();
    *i += n;
    s
}

/// Reads a number starting at `start` (a digit, or `.`/`,` before a digit).
fn scan_number(chars: &[char], start: usize) -> (RawNumber, usize) {
    let mut i = start;
    let mut leading_sep = false;
    while matches!(chars.get(i), Some('.' | ',')) {
        leading_sep = true;
        i += 1;
    }
    let mut raw = RawNumber {
        groups: vec![read_digits(chars, &mut i)],
        seps: Vec::new(),
        decimal_known: false,
        dash_cents: false,
        leading_sep,
    };
    let at = |j: usize| chars.get(j).copied();
    while let Some(c) = at(i) {
        let next = at(i + 1);
        match c {
            '.' | ',' => {
                if next.is_some_and(is_digit) {
                    raw.seps.push(c);
                    i += 1;
                    raw.groups.push(read_digits(chars, &mut i));
                    continue;
                }
                // "12. 99", "1.837, 32": one space, then one or two final digits.
                if next == Some(' ') {
                    let d = count_digits(chars, i + 2);
                    if (1..=2).contains(&d) && !matches!(at(i + 2 + d), Some('.' | ',')) {
                        raw.seps.push(c);
                        i += 2;
                        raw.groups.push(read_digits(chars, &mut i));
                        raw.decimal_known = true;
                        break;
                    }
                }
                // "12,-", "1'299.–", "105. –": no cents.
                let mut j = i + 1;
                if at(j) == Some(' ') {
                    j += 1;
                }
                if at(j).is_some_and(is_dash) {
                    while at(j).is_some_and(is_dash) {
                        j += 1;
                    }
                    raw.dash_cents = true;
                    i = j;
                }
                break;
            }
            c if is_apostrophe(c)
                && next.is_some_and(is_digit)
                && raw.seps.iter().all(|s| *s == 'g') =>
            {
                raw.seps.push('g');
                i += 1;
                raw.groups.push(read_digits(chars, &mut i));
            }
            ' ' => {
                // A space groups thousands only in a regular grouping: 1–3 digits,
                // then exactly three digits not followed by another digit.
                let regular = raw.seps.iter().all(|s| *s == 'g')
                    && raw.groups[0].len() <= 3
                    && raw.groups[1..].iter().all(|g| g.len() == 3);
                if regular && count_digits(chars, i + 1) == 3 {
                    raw.seps.push('g');
                    i += 1;
                    raw.groups.push(read_digits(chars, &mut i));
                    continue;
                }
                break;
            }
            // Swedish "199:-".
            ':' if next.is_some_and(is_dash) => {
                i += 1;
                while at(i).is_some_and(is_dash) {
                    i += 1;
                }
                raw.dash_cents = true;
                break;
            }
            _ => break,
        }
    }
    (raw, i)
}

// ---------------------------------------------------------------------------------
// Currency markers

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cur {
    One(&'static str),
    /// An ISO code written in the text.
    Iso(CurrencyCode),
    /// Candidates, usual meaning.
    Amb(&'static [&'static str], Option<&'static str>),
    Unsupported,
}

impl Cur {
    fn is_explicit(self) -> bool {
        !matches!(self, Cur::Amb(..))
    }
}

/// Case-insensitive match.
const CI: u8 = 1;
/// Counts only next to an amount.
const ADJ: u8 = 2;
/// No word boundary needed (CJK text has no spaces).
const NOB: u8 = 4;

struct Sym {
    text: &'static str,
    cur: Cur,
    flags: u8,
}

const fn s(text: &'static str, cur: Cur, flags: u8) -> Sym {
    Sym { text, cur, flags }
}

const DOLLARS: &[&str] = &[
    "USD", "CAD", "AUD", "NZD", "SGD", "HKD", "TWD", "MXN", "ARS", "CLP", "COP", "UYU", "BSD",
    "BBD", "BZD", "BMD", "BND", "FJD", "GYD", "JMD", "KYD", "LRD", "NAD", "SBD", "SRD", "TTD",
    "XCD", "CUP", "DOP",
];
const POUNDS: &[&str] = &[
    "GBP", "EGP", "GIP", "FKP", "SHP", "SYP", "LBP", "SSP", "SDG",
];
const YEN: &[&str] = &["JPY", "CNY"];
const KRONA: &[&str] = &["SEK", "NOK", "DKK", "ISK"];
const RUPEES: &[&str] = &["INR", "PKR", "LKR", "NPR", "MUR", "SCR"];
const RUBLES: &[&str] = &["RUB", "BYN"];
const LEI: &[&str] = &["RON", "MDL"];
const BR: &[&str] = &["BYN", "ETB"];
const BS: &[&str] = &["VES", "BOB"];
const FLORINS: &[&str] = &["ANG", "AWG", "XCG"];
const CFA: &[&str] = &["XOF", "XAF"];
const DIRHAMS: &[&str] = &["AED", "MAD"];
const RIYALS: &[&str] = &["SAR", "QAR", "OMR", "YER", "IRR"];
const JUNAYH: &[&str] = &["EGP", "SDG", "SSP"];
const C_DOLLAR: &[&str] = &["CAD", "NIO"];
const FRANCS: &[&str] = &[
    "CHF", "XOF", "XAF", "XPF", "BIF", "CDF", "DJF", "GNF", "KMF", "RWF",
];
const PESOS: &[&str] = &["MXN", "ARS", "CLP", "COP", "UYU", "PHP", "DOP", "CUP"];
const DINARS: &[&str] = &[
    "KWD", "BHD", "JOD", "IQD", "LYD", "TND", "DZD", "RSD", "MKD",
];
const RAND: &[&str] = &["ZAR"];

use Cur::{Amb, One, Unsupported};

/// Currency symbols and words. ISO codes are recognised separately.
const SYMBOLS: &[Sym] = &[
    // Euro, dollars, pounds, yen.
    s("€", One("EUR"), 0),
    s("euro", One("EUR"), CI | ADJ),
    s("euros", One("EUR"), CI | ADJ),
    s("$", Amb(DOLLARS, Some("USD")), 0),
    s("dollar", Amb(DOLLARS, Some("USD")), CI | ADJ),
    s("dollars", Amb(DOLLARS, Some("USD")), CI | ADJ),
    s("US$", One("USD"), 0),
    s("US $", One("USD"), 0),
    s("U.S.$", One("USD"), 0),
    s("U.S.", One("USD"), ADJ),
    s("$US", One("USD"), 0),
    s("$ US", One("USD"), 0),
    s("C$", Amb(C_DOLLAR, Some("CAD")), 0),
    s("CA$", One("CAD"), 0),
    s("CAN$", One("CAD"), 0),
    s("Can$", One("CAD"), 0),
    s("$CA", One("CAD"), 0),
    s("$ CA", One("CAD"), 0),
    s("$CAN", One("CAD"), 0),
    s("$ CAN", One("CAD"), 0),
    s("A$", One("AUD"), 0),
    s("AU$", One("AUD"), 0),
    s("AU $", One("AUD"), 0),
    s("$AU", One("AUD"), 0),
    s("$ AU", One("AUD"), 0),
    s("NZ$", One("NZD"), 0),
    s("$NZ", One("NZD"), 0),
    s("$ NZ", One("NZD"), 0),
    s("S$", One("SGD"), 0),
    s("SG$", One("SGD"), 0),
    s("HK$", One("HKD"), 0),
    s("NT$", One("TWD"), 0),
    s("NT", One("TWD"), ADJ),
    s("MX$", One("MXN"), 0),
    s("Mex$", One("MXN"), 0),
    s("Col$", One("COP"), 0),
    s("R$", One("BRL"), 0),
    s("RD$", One("DOP"), 0),
    s("J$", One("JMD"), 0),
    s("BZ$", One("BZD"), 0),
    s("TT$", One("TTD"), 0),
    s("T$", One("TOP"), 0),
    s("G$", One("GYD"), 0),
    s("GY$", One("GYD"), 0),
    s("MOP$", One("MOP"), 0),
    s("N$", One("NAD"), 0),
    s("EC$", One("XCD"), 0),
    s("FJ$", One("FJD"), 0),
    s("SI$", One("SBD"), 0),
    s("WS$", One("WST"), 0),
    s("Bds$", One("BBD"), 0),
    s("CI$", One("KYD"), 0),
    s("L$", One("LRD"), 0),
    s("B$", One("BND"), 0),
    s("BD$", One("BMD"), 0),
    s("$U", One("UYU"), 0),
    s("$b", One("BOB"), 0),
    s("CUC$", Unsupported, 0),
    s("Z$", Unsupported, 0),
    s("£", Amb(POUNDS, Some("GBP")), 0),
    s("₤", Amb(POUNDS, Some("GBP")), 0),
    s("E£", One("EGP"), 0),
    s("pound", Amb(POUNDS, Some("GBP")), CI | ADJ),
    s("pounds", Amb(POUNDS, Some("GBP")), CI | ADJ),
    s("stg", One("GBP"), CI | ADJ),
    s("sterling", One("GBP"), CI | ADJ),
    s("¥", Amb(YEN, Some("JPY")), 0),
    s("円", One("JPY"), NOB),
    s("yen", One("JPY"), CI | ADJ),
    s("元", One("CNY"), NOB),
    s("圆", One("CNY"), NOB),
    s("人民币", One("CNY"), NOB),
    s("RMB", One("CNY"), 0),
    s("yuan", One("CNY"), CI | ADJ),
    s("원", One("KRW"), NOB),
    s("₩", One("KRW"), 0),
    // Europe.
    s("CHF", One("CHF"), 0),
    s("Fr.", One("CHF"), CI | ADJ),
    s("SFr", One("CHF"), CI | ADJ),
    s("kr", Amb(KRONA, None), CI | ADJ),
    s("krona", Amb(KRONA, None), CI | ADJ),
    s("kronor", Amb(KRONA, None), CI | ADJ),
    s("krone", Amb(KRONA, None), CI | ADJ),
    s("kroner", Amb(KRONA, None), CI | ADJ),
    s("zł", One("PLN"), CI),
    s("zl", One("PLN"), CI | ADJ),
    s("złoty", One("PLN"), CI),
    s("zloty", One("PLN"), CI | ADJ),
    s("złotych", One("PLN"), CI),
    s("Kč", One("CZK"), CI),
    s("Kc", One("CZK"), ADJ),
    s("koruna", One("CZK"), CI | ADJ),
    s("korun", One("CZK"), CI | ADJ),
    s("Ft", One("HUF"), ADJ),
    s("forint", One("HUF"), CI | ADJ),
    s("lei", Amb(LEI, Some("RON")), CI | ADJ),
    s("leu", Amb(LEI, Some("RON")), CI | ADJ),
    s("лв", One("BGN"), CI),
    s("ден", One("MKD"), CI),
    s("дин", One("RSD"), CI),
    s("din", One("RSD"), CI | ADJ),
    s("dinara", One("RSD"), CI | ADJ),
    s("KM", One("BAM"), ADJ),
    s("км", One("BAM"), CI | ADJ),
    s("Lek", One("ALL"), CI | ADJ),
    s("Lekë", One("ALL"), CI | ADJ),
    s("kn", Unsupported, ADJ),
    s("₽", One("RUB"), 0),
    s("руб", Amb(RUBLES, Some("RUB")), CI),
    s("рублей", Amb(RUBLES, Some("RUB")), CI),
    s("рубля", Amb(RUBLES, Some("RUB")), CI),
    s("рубль", Amb(RUBLES, Some("RUB")), CI),
    s("рубли", Amb(RUBLES, Some("RUB")), CI),
    s("р", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("Rbl", One("RUB"), ADJ),
    s("ruble", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("rubles", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("rouble", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("roubles", Amb(RUBLES, Some("RUB")), CI | ADJ),
    s("Br", Amb(BR, Some("BYN")), ADJ),
    s("₴", One("UAH"), 0),
    s("грн", One("UAH"), CI),
    s("hrn", One("UAH"), CI | ADJ),
    s("hryvnia", One("UAH"), CI | ADJ),
    s("hryvnias", One("UAH"), CI | ADJ),
    s("₺", One("TRY"), 0),
    s("TL", One("TRY"), ADJ),
    s("YTL", One("TRY"), ADJ),
    s("₾", One("GEL"), 0),
    s("lari", One("GEL"), CI | ADJ),
    s("ლარი", One("GEL"), 0),
    s("ლ", One("GEL"), ADJ),
    s("֏", One("AMD"), 0),
    s("₼", One("AZN"), 0),
    s("₸", One("KZT"), 0),
    s("тг", One("KZT"), CI),
    // Middle East, Asia, Africa, Americas.
    s("₪", One("ILS"), 0),
    s("ש\"ח", One("ILS"), 0),
    s("ש״ח", One("ILS"), 0),
    s("ש'ח", One("ILS"), 0),
    s("ש”ח", One("ILS"), 0),
    s("ש.ח", One("ILS"), 0),
    s("nis", One("ILS"), CI | ADJ),
    s("shekel", One("ILS"), CI | ADJ),
    s("shekels", One("ILS"), CI | ADJ),
    s("ش.ج", One("ILS"), 0),
    s("₹", One("INR"), 0),
    s("र", One("INR"), ADJ),
    s("Rs", Amb(RUPEES, Some("INR")), ADJ),
    s("rupee", Amb(RUPEES, Some("INR")), CI | ADJ),
    s("rupees", Amb(RUPEES, Some("INR")), CI | ADJ),
    s("රු", One("LKR"), 0),
    s("৳", One("BDT"), 0),
    s("Nu", One("BTN"), ADJ),
    s("Rf", One("MVR"), ADJ),
    s("؋", One("AFN"), 0),
    s("₫", One("VND"), 0),
    s("đ", One("VND"), ADJ),
    s("VNĐ", One("VND"), 0),
    s("฿", One("THB"), 0),
    s("บาท", One("THB"), 0),
    s("baht", One("THB"), CI | ADJ),
    s("₱", One("PHP"), 0),
    s("RM", One("MYR"), ADJ),
    s("ringgit", One("MYR"), CI | ADJ),
    s("Rp", One("IDR"), ADJ),
    s("rupiah", One("IDR"), CI | ADJ),
    s("₭", One("LAK"), 0),
    s("៛", One("KHR"), 0),
    s("₮", One("MNT"), 0),
    s("Ks", One("MMK"), ADJ),
    s("so'm", One("UZS"), CI | ADJ),
    s("soʻm", One("UZS"), CI | ADJ),
    s("сўм", One("UZS"), CI),
    s("د.إ", One("AED"), 0),
    s("درهم", Amb(DIRHAMS, Some("AED")), 0),
    s("Dh", Amb(DIRHAMS, Some("AED")), ADJ),
    s("Dhs", Amb(DIRHAMS, Some("AED")), ADJ),
    s("DH", Amb(DIRHAMS, Some("AED")), ADJ),
    s("د.م", One("MAD"), 0),
    s("ر.س", One("SAR"), 0),
    s("ريال", Amb(RIYALS, None), 0),
    s("ریال", One("IRR"), 0),
    s("ر.ق", One("QAR"), 0),
    s("ر.ع", One("OMR"), 0),
    s("ر.ي", One("YER"), 0),
    s("د.ك", One("KWD"), 0),
    s("دينار كويتي", One("KWD"), 0),
    s("KD", One("KWD"), ADJ),
    s("د.ب", One("BHD"), 0),
    s(".د.ب", One("BHD"), 0),
    s("BD", One("BHD"), ADJ),
    s("د.ت", One("TND"), 0),
    s("DT", One("TND"), ADJ),
    s("د.ل", One("LYD"), 0),
    s("ل.د", One("LYD"), 0),
    s("LD", One("LYD"), ADJ),
    s("د.ج", One("DZD"), 0),
    s("دج", One("DZD"), 0),
    s("د.ع", One("IQD"), 0),
    s("ع.د", One("IQD"), 0),
    s("د.أ", One("JOD"), 0),
    s("د.ا", One("JOD"), 0),
    s("دينار أردني", One("JOD"), 0),
    s("JD", One("JOD"), ADJ),
    s("دينار", Amb(DINARS, None), 0),
    s("dinar", Amb(DINARS, None), CI | ADJ),
    s("dinars", Amb(DINARS, None), CI | ADJ),
    s("ج.م", One("EGP"), 0),
    s("جنيه", Amb(JUNAYH, Some("EGP")), 0),
    s("ج.س", One("SDG"), 0),
    s("ل.ل", One("LBP"), 0),
    s("ل.س", One("SYP"), 0),
    s("تومان", Unsupported, 0),
    s("toman", Unsupported, CI | ADJ),
    s("tomans", Unsupported, CI | ADJ),
    s("₦", One("NGN"), 0),
    s("₵", One("GHS"), 0),
    s("GH₵", One("GHS"), 0),
    s("R", Amb(RAND, Some("ZAR")), ADJ),
    s("KSh", One("KES"), ADJ),
    s("KShs", One("KES"), ADJ),
    s("Ksh", One("KES"), ADJ),
    s("USh", One("UGX"), ADJ),
    s("TSh", One("TZS"), ADJ),
    s("FRw", One("RWF"), ADJ),
    s("Frw", One("RWF"), ADJ),
    s("RF", One("RWF"), ADJ),
    s("R₣", One("RWF"), 0),
    s("FBu", One("BIF"), CI | ADJ),
    s("Fdj", One("DJF"), ADJ),
    s("FG", One("GNF"), ADJ),
    s("CFA", Amb(CFA, None), ADJ),
    s("FCFA", Amb(CFA, None), ADJ),
    s("franc", Amb(FRANCS, None), CI | ADJ),
    s("francs", Amb(FRANCS, None), CI | ADJ),
    s("MK", One("MWK"), ADJ),
    s("ZK", One("ZMW"), ADJ),
    s("MT", One("MZN"), ADJ),
    s("Ar", One("MGA"), ADJ),
    s("UM", One("MRU"), ADJ),
    s("Db", One("STN"), ADJ),
    s("Kz", One("AOA"), ADJ),
    s("Esc", One("CVE"), ADJ),
    s("Nfk", One("ERN"), ADJ),
    s("ናቕፋ", One("ERN"), 0),
    s("نافكا", One("ERN"), 0),
    s("ብር", One("ETB"), 0),
    s("VT", One("VUV"), ADJ),
    s("Vt", One("VUV"), ADJ),
    s("₡", One("CRC"), 0),
    s("₲", One("PYG"), 0),
    s("Bs", Amb(BS, Some("VES")), ADJ),
    s("S/.", One("PEN"), 0),
    s("S/", One("PEN"), 0),
    s("B/.", One("PAB"), 0),
    s("ƒ", Amb(FLORINS, Some("ANG")), 0),
    s("peso", Amb(PESOS, None), CI | ADJ),
    s("pesos", Amb(PESOS, None), CI | ADJ),
    s("₿", Unsupported, 0),
    s("Ƀ", Unsupported, 0),
    s("₶", Unsupported, 0),
];

/// Upper-case ISO codes that are also English words: they count only next to an amount.
const RISKY_CODES: &[&str] = &[
    "ALL", "TOP", "CUP", "PEN", "TRY", "MAD", "SOS", "GEL", "BOB", "BAM", "MOP", "NAD", "LAK",
    "DOP", "ANG", "PAB", "AMD", "ERN", "BND", "CVE", "LSL", "MRU", "AOA", "SAR", "KES", "MUR",
];

/// Codes of withdrawn currencies and crypto-currencies: recognised (next to an amount)
/// so that a hint cannot replace them, but not convertible.
const UNSUPPORTED_CODES: &[&str] = &[
    "ATS", "BEF", "BTC", "BYR", "CUC", "CYP", "DEM", "EEK", "ESP", "ETH", "FIM", "FRF", "GRD",
    "HRK", "IEP", "ITL", "LTL", "LUF", "LVL", "MRO", "MTL", "NLG", "PTE", "ROL", "SIT", "SKK",
    "SLL", "STD", "TRL", "VEF", "XBT", "ZWL",
];

#[derive(Debug, Clone, PartialEq, Eq)]
struct Mark {
    cur: Cur,
    text: String,
    adjacent_only: bool,
    /// Counts only next to an amount even in a text without numbers: lower-case ISO
    /// codes (`Ph. Eur.` is not a currency).
    needs_number: bool,
}

fn eq_ci(a: char, b: char) -> bool {
    a == b || a.to_lowercase().eq(b.to_lowercase())
}

/// Longest currency symbol at `i`, with the characters it covers (a `.` right after a
/// marker ending in a letter is part of it: `руб.`, `Rs.`).
fn match_symbol(chars: &[char], i: usize) -> Option<(&'static Sym, usize)> {
    let prev_alpha = i > 0 && chars[i - 1].is_alphabetic();
    let mut best: Option<(&'static Sym, usize)> = None;
    'syms: for sym in SYMBOLS {
        let ci = sym.flags & CI != 0;
        let nob = sym.flags & NOB != 0;
        let mut n = 0;
        let mut first_alpha = false;
        let mut last_alpha = false;
        for pc in sym.text.chars() {
            let Some(&tc) = chars.get(i + n) else {
                continue 'syms;
            };
            if !(tc == pc || (ci && eq_ci(tc, pc))) {
                continue 'syms;
            }
            if n == 0 {
                first_alpha = pc.is_alphabetic();
            }
            last_alpha = pc.is_alphabetic();
            n += 1;
        }
        if !nob && first_alpha && prev_alpha {
            continue;
        }
        let end = i + n;
        if !nob && last_alpha && chars.get(end).is_some_and(|c| c.is_alphabetic()) {
            continue;
        }
        let len = if last_alpha && chars.get(end) == Some(&'.') {
            n + 1
        } else {
            n
        };
        if best.is_none_or(|(_, l)| len > l) {
            best = Some((sym, len));
        }
    }
    best
}

/// A three-letter word as an ISO code: upper case anywhere (risky codes next to an
/// amount only); lower case or capitalised (`eur`, `Pln`) next to an amount only.
fn iso_mark(word: &str) -> Option<Mark> {
    if word.chars().count() != 3 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let upper = word.to_ascii_uppercase();
    let all_upper = word == upper;
    let mut cs = word.chars();
    let capitalised_or_lower =
        cs.next().is_some_and(|c| c.is_ascii_alphabetic()) && cs.all(|c| c.is_ascii_lowercase());
    if !all_upper && !capitalised_or_lower {
        return None; // "GBp" (pence), "eUR"
    }
    let risky = RISKY_CODES.contains(&upper.as_str());
    if let Some(code) = UNSUPPORTED_CODES.iter().find(|c| **c == upper) {
        return all_upper.then(|| Mark {
            cur: Unsupported,
            text: (*code).to_owned(),
            adjacent_only: true,
            needs_number: false,
        });
    }
    let code = CurrencyCode::parse(&upper).ok()?;
    if !all_upper && risky {
        return None;
    }
    Some(Mark {
        cur: Cur::Iso(code),
        text: word.to_owned(),
        adjacent_only: !all_upper || risky,
        needs_number: !all_upper,
    })
}

/// The usual currency of a market, to resolve ambiguous symbols.
fn market_currency(market: &Market) -> Option<&'static str> {
    Some(match market.as_str() {
        "US" | "EC" | "SV" | "PR" | "TL" | "VG" | "MH" | "FM" | "PW" | "GU" | "VI" | "AS"
        | "TC" | "BQ" => "USD",
        "CA" => "CAD",
        "AU" | "KI" | "NR" | "TV" => "AUD",
        "NZ" | "CK" | "NU" => "NZD",
        "SG" => "SGD",
        "HK" => "HKD",
        "TW" => "TWD",
        "MX" => "MXN",
        "AR" => "ARS",
        "CL" => "CLP",
        "CO" => "COP",
        "UY" => "UYU",
        "BR" => "BRL",
        "JM" => "JMD",
        "TT" => "TTD",
        "BS" => "BSD",
        "BB" => "BBD",
        "BZ" => "BZD",
        "BM" => "BMD",
        "BN" => "BND",
        "FJ" => "FJD",
        "GY" => "GYD",
        "KY" => "KYD",
        "LR" => "LRD",
        "NA" => "NAD",
        "SB" => "SBD",
        "SR" => "SRD",
        "AG" | "DM" | "GD" | "KN" | "LC" | "VC" | "AI" | "MS" => "XCD",
        "DO" => "DOP",
        "CU" => "CUP",
        "NI" => "NIO",
        "BO" => "BOB",
        "VE" => "VES",
        "PE" => "PEN",
        "PH" => "PHP",
        "GB" | "IM" | "JE" | "GG" => "GBP",
        "GI" => "GIP",
        "FK" => "FKP",
        "SH" => "SHP",
        "EG" => "EGP",
        "LB" => "LBP",
        "SY" => "SYP",
        "SD" => "SDG",
        "SS" => "SSP",
        "JP" => "JPY",
        "CN" => "CNY",
        "KR" => "KRW",
        "SE" => "SEK",
        "NO" | "SJ" => "NOK",
        "DK" | "FO" | "GL" => "DKK",
        "IS" => "ISK",
        "IN" => "INR",
        "PK" => "PKR",
        "LK" => "LKR",
        "NP" => "NPR",
        "MU" => "MUR",
        "SC" => "SCR",
        "RU" => "RUB",
        "BY" => "BYN",
        "ET" => "ETB",
        "RO" => "RON",
        "MD" => "MDL",
        "AE" => "AED",
        "MA" => "MAD",
        "SA" => "SAR",
        "QA" => "QAR",
        "OM" => "OMR",
        "YE" => "YER",
        "IR" => "IRR",
        "KW" => "KWD",
        "BH" => "BHD",
        "JO" => "JOD",
        "IQ" => "IQD",
        "LY" => "LYD",
        "TN" => "TND",
        "DZ" => "DZD",
        "RS" => "RSD",
        "MK" => "MKD",
        "ZA" => "ZAR",
        "CH" | "LI" => "CHF",
        "AW" => "AWG",
        "CW" | "SX" => "XCG",
        "BJ" | "BF" | "CI" | "GW" | "ML" | "NE" | "SN" | "TG" => "XOF",
        "CM" | "CF" | "TD" | "CG" | "GQ" | "GA" => "XAF",
        "PF" | "NC" | "WF" => "XPF",
        "BI" => "BIF",
        "CD" => "CDF",
        "DJ" => "DJF",
        "GN" => "GNF",
        "KM" => "KMF",
        "RW" => "RWF",
        "AT" | "BE" | "BG" | "HR" | "CY" | "EE" | "FI" | "FR" | "DE" | "GR" | "IE" | "IT"
        | "LV" | "LT" | "LU" | "MT" | "NL" | "PT" | "SK" | "SI" | "ES" | "MC" | "SM" | "VA"
        | "AD" | "ME" | "XK" | "GF" | "GP" | "MQ" | "RE" | "YT" | "PM" | "BL" | "MF" => "EUR",
        _ => return None,
    })
}

fn resolve(mark: &Mark, hint: Option<CurrencyCode>, market: Option<&Market>) -> CurrencyFinding {
    let found = |code: &str| match CurrencyCode::parse(code) {
        Ok(c) => CurrencyFinding::Found(c),
        Err(_) => CurrencyFinding::Unsupported(mark.text.clone()),
    };
    match mark.cur {
        One(code) => found(code),
        Cur::Iso(code) => CurrencyFinding::Found(code),
        Unsupported => CurrencyFinding::Unsupported(mark.text.clone()),
        Amb(candidates, usual) => {
            if let Some(h) = hint.filter(|h| candidates.contains(&h.as_str())) {
                return CurrencyFinding::Found(h);
            }
            if let Some(m) = market
                .and_then(market_currency)
                .filter(|m| candidates.contains(m))
            {
                return found(m);
            }
            match usual {
                Some(code) => found(code),
                None => CurrencyFinding::Ambiguous(mark.text.clone()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Num(RawNumber),
    Mark(Mark),
    /// Folded (lower case, no accents).
    Word(String),
    Dash,
    Percent,
    Other(char),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Tok {
    kind: Kind,
    start: usize,
    end: usize,
    space_before: bool,
}

fn tokenize(chars: &[char]) -> Vec<Tok> {
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
fn merge_euro_cents(toks: &mut Vec<Tok>) {
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

// ---------------------------------------------------------------------------------
// Choosing the price

#[derive(Debug, Clone)]
struct NumInfo {
    tok: usize,
    raw: RawNumber,
    /// Value with the default reading (not three-decimal).
    value: Option<Decimal>,
    /// A candidate price: readable, not a percentage, not a quantity.
    candidate: bool,
    negative: bool,
    /// Glued to a word: `MX924`, `12x`.
    glued: bool,
}

fn number_infos(toks: &[Tok]) -> Vec<NumInfo> {
    let mut out = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        let Kind::Num(raw) = &t.kind else { continue };
        let value = raw.interpret(false).or_else(|| raw.interpret(true));
        let percent = matches!(toks.get(k + 1).map(|t| &t.kind), Some(Kind::Percent));
        let measure = matches!(
            toks.get(k + 1).map(|t| &t.kind),
            Some(Kind::Word(w)) if UNITS.contains(&w.as_str())
        );
        let glued_left = k > 0 && !t.space_before && matches!(toks[k - 1].kind, Kind::Word(_));
        let glued_right = toks
            .get(k + 1)
            .is_some_and(|n| !n.space_before && matches!(n.kind, Kind::Word(_)));
        out.push(NumInfo {
            tok: k,
            raw: raw.clone(),
            value,
            candidate: value.is_some() && !percent && !measure,
            negative: is_negative(toks, k),
            glued: glued_left || glued_right,
        });
    }
    out
}

/// Units of measure: a number followed by one is a quantity, not a price (`16.00 ft`,
/// `2 Litre`). Single letters are left out (`1 L` may be a currency).
const UNITS: &[&str] = &[
    "ft", "feet", "foot", "inch", "inches", "cm", "mm", "km", "kg", "mg", "ml", "cl", "dl",
    "litre", "litres", "liter", "liters", "lb", "lbs", "oz", "gb", "tb", "mb", "mah", "kw", "kwh",
    "hz", "mhz", "ghz", "px", "sqft", "m2", "pcs", "pieces", "piece", "stk", "stuck", "units",
    "pack", "x",
];

/// A minus sign glued to the number (or to a symbol glued to it), not itself glued to
/// a preceding number or word: `-5`, `(-5 €)`, `-$5`, but not `10-20` or `- 5`.
fn is_negative(toks: &[Tok], k: usize) -> bool {
    let sign_at = |j: usize| {
        toks[j].kind == Kind::Dash
            && (j == 0
                || toks[j].space_before
                || !matches!(toks[j - 1].kind, Kind::Num(_) | Kind::Word(_)))
    };
    if k == 0 || toks[k].space_before {
        return false;
    }
    match &toks[k - 1].kind {
        Kind::Dash => sign_at(k - 1),
        Kind::Mark(_) if k >= 2 && !toks[k - 1].space_before => sign_at(k - 2),
        _ => false,
    }
}

/// Markers next to number token `k` (spaces and `:` may separate them), nearest first,
/// left side before right side.
fn adjacent_marks(toks: &[Tok], k: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut j = k;
    let mut n = 0;
    while j > 0 && n < 3 {
        j -= 1;
        match toks[j].kind {
            Kind::Other(':') => {}
            Kind::Mark(_) => {
                out.push(j);
                n += 1;
            }
            _ => break,
        }
    }
    let mut j = k + 1;
    let mut n = 0;
    while j < toks.len() && n < 3 {
        match toks[j].kind {
            Kind::Other(':') => {}
            Kind::Mark(_) => {
                out.push(j);
                n += 1;
            }
            _ => break,
        }
        j += 1;
    }
    out
}

/// Markers that count: all of them when the text has no number, else those not
/// restricted to amounts and those next to a candidate number.
fn active_marks(toks: &[Tok], nums: &[NumInfo]) -> Vec<bool> {
    let any_number = nums.iter().any(|n| n.candidate);
    let mut active: Vec<bool> = toks
        .iter()
        .map(|t| match &t.kind {
            Kind::Mark(m) => (!any_number && !m.needs_number) || !m.adjacent_only,
            _ => false,
        })
        .collect();
    for n in nums.iter().filter(|n| n.candidate) {
        for j in adjacent_marks(toks, n.tok) {
            active[j] = true;
        }
    }
    active
}

#[derive(Debug, Clone)]
struct Group {
    /// Index into the number infos.
    first: usize,
    members: Vec<usize>,
    is_range: bool,
}

const RANGE_WORDS: &[&str] = &[
    "to", "a", "au", "bis", "ate", "hasta", "tot", "till", "til", "до", "al",
];

/// Candidate numbers, with ranges (`99 - 149`, `26 to 50`) joined.
fn price_groups(toks: &[Tok], nums: &[NumInfo]) -> Vec<Group> {
    let cands: Vec<usize> = (0..nums.len()).filter(|i| nums[*i].candidate).collect();
    let mut groups = Vec::new();
    let mut p = 0;
    while p < cands.len() {
        let a = cands[p];
        if let Some(&b) = cands.get(p + 1)
            && is_range(toks, &nums[a], &nums[b])
        {
            groups.push(Group {
                first: a,
                members: vec![a, b],
                is_range: true,
            });
            p += 2;
            continue;
        }
        groups.push(Group {
            first: a,
            members: vec![a],
            is_range: false,
        });
        p += 1;
    }
    groups
}

fn is_range(toks: &[Tok], a: &NumInfo, b: &NumInfo) -> bool {
    let between = &toks[a.tok + 1..b.tok];
    let mut connectors = 0;
    for t in between {
        match &t.kind {
            Kind::Mark(_) | Kind::Other(':') => {}
            Kind::Dash => connectors += 1,
            Kind::Word(w) if RANGE_WORDS.contains(&w.as_str()) => connectors += 1,
            _ => return false,
        }
    }
    connectors == 1 && matches!((a.value, b.value), (Some(x), Some(y)) if x <= y) && !a.negative
}

fn choose_group(
    toks: &[Tok],
    nums: &[NumInfo],
    groups: &[Group],
    active: &[bool],
) -> Option<Group> {
    let has_currency = |g: &Group| {
        g.members.iter().any(|m| {
            adjacent_marks(toks, nums[*m].tok)
                .iter()
                .any(|j| active[*j])
        })
    };
    groups
        .iter()
        .find(|g| has_currency(g))
        .or_else(|| groups.iter().find(|g| !nums[g.first].glued))
        .or_else(|| groups.first())
        .map(|g| Group {
            first: g.first,
            // Token indexes from here on; `first` stays an index into `nums`.
            members: g.members.iter().map(|m| nums[*m].tok).collect(),
            is_range: g.is_range,
        })
}

fn mark_at(toks: &[Tok], j: usize) -> Option<&Mark> {
    match &toks[j].kind {
        Kind::Mark(m) => Some(m),
        _ => None,
    }
}

/// The explicit marker among `idx` (in order), else the first.
fn best_of<'a>(toks: &'a [Tok], idx: &[usize]) -> Option<&'a Mark> {
    let marks: Vec<&Mark> = idx.iter().filter_map(|j| mark_at(toks, *j)).collect();
    marks
        .iter()
        .find(|m| m.cur.is_explicit())
        .or_else(|| marks.first())
        .copied()
}

/// Currency marker of the chosen price: next to it, else the nearest in the text.
fn pick_mark_for<'a>(toks: &'a [Tok], g: &Group, active: &[bool]) -> Option<&'a Mark> {
    let adjacent: Vec<usize> = g
        .members
        .iter()
        .flat_map(|k| adjacent_marks(toks, *k))
        .filter(|j| active[*j])
        .collect();
    if let Some(m) = best_of(toks, &adjacent) {
        return Some(m);
    }
    let first = g.members[0];
    (0..toks.len())
        .filter(|j| active[*j])
        .min_by_key(|j| (j.abs_diff(first), *j))
        .and_then(|j| mark_at(toks, j))
}

/// Currency marker of a text without a price.
fn pick_mark<'a>(toks: &'a [Tok], active: &[bool]) -> Option<&'a Mark> {
    let idx: Vec<usize> = (0..toks.len()).filter(|j| active[*j]).collect();
    best_of(toks, &idx)
}

const LOWER_BOUND_WORDS: &[&str] = &[
    "from", "starting", "ab", "vanaf", "partir", "partire", "desde", "des", "od", "от", "fran",
    "fra", "da",
];

/// `from 99 €`, `à partir de 99 €`, `ab 99 €`: a lower-bound word among the three
/// words before the price (markers and `:` skipped).
fn lower_bound_word_before(toks: &[Tok], k: usize) -> bool {
    let mut words = 0;
    for t in toks[..k].iter().rev() {
        match &t.kind {
            Kind::Mark(_) | Kind::Other(':') => {}
            Kind::Word(w) => {
                if LOWER_BOUND_WORDS.contains(&w.as_str()) {
                    return true;
                }
                words += 1;
                if words == 3 {
                    return false;
                }
            }
            _ => return false,
        }
    }
    false
}

const FREE_WORDS: &[&str] = &[
    "free",
    "gratuit",
    "gratuite",
    "gratis",
    "kostenlos",
    "gratuito",
    "gratuita",
    "offert",
    "offerte",
    "umsonst",
    "zdarma",
    "darmowy",
    "darmowa",
];

fn says_free(toks: &[Tok]) -> bool {
    toks.iter()
        .any(|t| matches!(&t.kind, Kind::Word(w) if FREE_WORDS.contains(&w.as_str())))
}

// ---------------------------------------------------------------------------------
// Tax

const TAX_INCLUDED: &[&str] = &[
    "ttc",
    "tvac",
    "incl vat",
    "inc vat",
    "including vat",
    "vat included",
    "vat incl",
    "incl tax",
    "inc tax",
    "including tax",
    "tax incl",
    "tax included",
    "taxes included",
    "tax inc",
    "inkl mwst",
    "incl mwst",
    "inkl ust",
    "inkl mehrwertsteuer",
    "tva incluse",
    "tva comprise",
    "toutes taxes comprises",
    "iva inclusa",
    "iva incluida",
    "iva incluido",
    "iva incl",
    "con iva",
    "inc gst",
    "incl gst",
    "gst inclusive",
    "s dph",
    "brutto",
    "incl btw",
    "inkl moms",
];

const TAX_EXCLUDED: &[&str] = &[
    "ht",
    "hors taxe",
    "hors taxes",
    "hors tva",
    "sans tva",
    "excl vat",
    "ex vat",
    "exc vat",
    "excluding vat",
    "plus vat",
    "+ vat",
    "vat excluded",
    "excl tax",
    "tax excl",
    "ex tax",
    "excluding tax",
    "excluding sales tax",
    "plus tax",
    "+ tax",
    "zzgl mwst",
    "exkl mwst",
    "zzgl ust",
    "netto",
    "+ iva",
    "mas iva",
    "iva esclusa",
    "sin iva",
    "bez dph",
    "ex gst",
    "excl gst",
    "+ gst",
    "plus gst",
    "excl btw",
    "exkl moms",
    "χωρις φπα",
    "bez podatku",
];

/// Tax marker nearest after the amount (else nearest before it). `span`: the amount's
/// characters, if any.
fn tax_marker(chars: &[char], span: Option<(usize, usize)>) -> Option<TaxMarker> {
    // Words (folded) and `+`, with their start positions.
    let mut words: Vec<(String, usize)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_alphanumeric() {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || is_combining_mark(chars[i])) {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            words.push((fold(&w), start));
        } else {
            if chars[i] == '+' {
                words.push(("+".to_owned(), i));
            }
            i += 1;
        }
    }
    let mut found: Vec<(usize, TaxMarker)> = Vec::new();
    for (list, marker) in [
        (TAX_INCLUDED, TaxMarker::Included),
        (TAX_EXCLUDED, TaxMarker::Excluded),
    ] {
        for phrase in list {
            let p: Vec<&str> = phrase.split(' ').collect();
            for (k, w) in words.windows(p.len()).enumerate() {
                if w.iter().zip(&p).all(|((a, _), b)| a == b) {
                    found.push((words[k].1, marker));
                }
            }
        }
    }
    let (start, end) = span.unwrap_or((0, 0));
    found
        .iter()
        .filter(|(pos, _)| *pos >= end)
        .min_by_key(|(pos, _)| *pos)
        .or_else(|| {
            found
                .iter()
                .filter(|(pos, _)| *pos < start)
                .max_by_key(|(pos, _)| *pos)
        })
        .map(|(_, m)| *m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn cc(s: &str) -> CurrencyCode {
        CurrencyCode::parse(s).unwrap()
    }

    fn mk(s: &str) -> Market {
        Market::parse(s).unwrap()
    }

    /// Parses with no hint and no market; panics with the text on error.
    fn p(text: &str) -> ParsedPrice {
        parse_price(text, None, None).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn amount_cur(text: &str) -> (Decimal, String) {
        let r = p(text);
        (r.amount, r.currency.to_string())
    }

    fn check(cases: &[(&str, &str, &str)]) {
        for (text, amount, cur) in cases {
            let (a, c) = amount_cur(text);
            assert_eq!(a, d(amount), "amount of {text:?}");
            assert_eq!(c, *cur, "currency of {text:?}");
        }
    }

    #[test]
    fn continental_separators() {
        check(&[
            ("1.299,00 €", "1299", "EUR"),
            ("1.299,00 EUR", "1299", "EUR"),
            ("€ 2.109,00", "2109", "EUR"),
            ("9.990,00 €", "9990", "EUR"),
            ("1.234.567,89 €", "1234567.89", "EUR"),
            ("12,99 €", "12.99", "EUR"),
            ("1,5 €", "1.5", "EUR"),
            ("0,29 €", "0.29", "EUR"),
        ]);
    }

    #[test]
    fn english_separators() {
        check(&[
            ("$1,299.00", "1299", "USD"),
            ("1,299.00 USD", "1299", "USD"),
            ("$1,234,567.89", "1234567.89", "USD"),
            ("$12.99", "12.99", "USD"),
            ("£0.99", "0.99", "GBP"),
            ("$5,246.58", "5246.58", "USD"),
        ]);
    }

    #[test]
    fn space_separators_including_no_break_spaces() {
        check(&[
            ("1 299,00 €", "1299", "EUR"),
            ("1\u{a0}299,00\u{a0}€", "1299", "EUR"),
            ("1\u{202f}299,00\u{202f}€", "1299", "EUR"),
            ("1\u{2009}299,00 €", "1299", "EUR"),
            ("12 345 678,90 €", "12345678.90", "EUR"),
            ("5 000 ₽", "5000", "RUB"),
            ("$1\u{a0}298,00", "1298", "USD"),
        ]);
    }

    #[test]
    fn swiss_apostrophes_and_dash_cents() {
        check(&[
            ("CHF 1'299.–", "1299", "CHF"),
            ("1'299.– CHF", "1299", "CHF"),
            ("CHF 1'049,95", "1049.95", "CHF"),
            ("CHF 1’299.50", "1299.50", "CHF"),
            ("12,- €", "12", "EUR"),
            ("12,-- €", "12", "EUR"),
            ("1.899,- €", "1899", "EUR"),
            ("105. – €", "105", "EUR"),
            ("50,- Kč", "50", "CZK"),
        ]);
    }

    #[test]
    fn euro_sign_as_decimal_separator() {
        check(&[
            ("12€99", "12.99", "EUR"),
            ("35€ 99", "35.99", "EUR"),
            ("€12", "12", "EUR"),
            ("12€", "12", "EUR"),
            ("1250€600", "1250.600", "EUR"),
        ]);
        // Three digits after a space are another number, not cents.
        assert_eq!(p("1250€ 600").amount, d("1250"));
    }

    #[test]
    fn three_digits_after_a_single_separator_are_thousands() {
        check(&[
            ("1,299 $", "1299", "USD"),
            ("$699,000", "699000", "USD"),
            ("1.299 €", "1299", "EUR"),
            ("€1.299", "1299", "EUR"),
            ("73,460 €", "73460", "EUR"),
            ("Rp 31.500", "31500", "IDR"),
            ("1.727 Ft", "1727", "HUF"),
        ]);
    }

    #[test]
    fn three_digits_are_decimals_where_thousands_are_impossible() {
        check(&[
            ("0,750 €", "0.750", "EUR"),
            ("1234.567 €", "1234.567", "EUR"),
            ("1 234,567 €", "1234.567", "EUR"),
        ]);
    }

    #[test]
    fn three_minor_unit_currencies_read_three_decimals() {
        check(&[
            ("423.923 KD", "423.923", "KWD"),
            ("1.500 BHD", "1.500", "BHD"),
            ("12.345 OMR", "12.345", "OMR"),
            ("123,456.789 OMR", "123456.789", "OMR"),
        ]);
        // The hint decides too.
        let r = parse_price("1.500", Some(cc("KWD")), None).unwrap();
        assert_eq!(r.amount, d("1.5"));
        let r = parse_price("1.500", Some(CurrencyCode::EUR), None).unwrap();
        assert_eq!(r.amount, d("1500"));
    }

    #[test]
    fn other_decimal_lengths_are_decimals() {
        check(&[
            ("1,29 €", "1.29", "EUR"),
            ("34.992001 GBP", "34.992001", "GBP"),
            ("฿ 3.3900", "3.39", "THB"),
            ("$1.5", "1.5", "USD"),
        ]);
    }

    #[test]
    fn indian_grouping() {
        check(&[
            ("₹1,23,456.00", "123456", "INR"),
            ("Rs. 1,23,45,678", "12345678", "INR"),
        ]);
    }

    #[test]
    fn spaced_and_leading_decimals() {
        check(&[
            ("$119. 95", "119.95", "USD"),
            ("1.837, 32 €", "1837.32", "EUR"),
            ("118, 99 TL", "118.99", "TRY"),
            (".75 €", "0.75", "EUR"),
            ("$.75", "0.75", "USD"),
            ("$..75", "0.75", "USD"),
            ("₤1700.", "1700", "GBP"),
            ("€ 610,", "610", "EUR"),
        ]);
    }

    #[test]
    fn symbols_and_codes_before_or_after() {
        check(&[
            ("€12", "12", "EUR"),
            ("12 €", "12", "EUR"),
            ("EUR 12", "12", "EUR"),
            ("12 EUR", "12", "EUR"),
            ("EUR12", "12", "EUR"),
            ("12eur", "12", "EUR"),
            ("749,00 euro", "749", "EUR"),
            ("$12", "12", "USD"),
            ("US$12.99", "12.99", "USD"),
            ("US$:12.99", "12.99", "USD"),
            ("12 USD", "12", "USD"),
            ("C$5.95", "5.95", "CAD"),
            ("CA$1.23", "1.23", "CAD"),
            ("12,99 $ CA", "12.99", "CAD"),
            ("CAD 12", "12", "CAD"),
            ("A$190.00", "190", "AUD"),
            ("AU$ 1,175", "1175", "AUD"),
            ("NZ$12", "12", "NZD"),
            ("S$12", "12", "SGD"),
            ("HK$12", "12", "HKD"),
            ("NT$ 1,160", "1160", "TWD"),
            ("MX$3,179.00", "3179", "MXN"),
            ("£11.95", "11.95", "GBP"),
            ("11.95 GBP", "11.95", "GBP"),
            ("¥1,200", "1200", "JPY"),
            ("3,500円", "3500", "JPY"),
            ("12,000원", "12000", "KRW"),
            ("₩12,000", "12000", "KRW"),
            ("22000.00元/台", "22000", "CNY"),
            ("CHF 19.90", "19.90", "CHF"),
            ("199.90 Fr.", "199.90", "CHF"),
            ("45,00 zł", "45", "PLN"),
            ("530,42 Zł", "530.42", "PLN"),
            ("140,00 pln", "140", "PLN"),
            ("9 800 Kč", "9800", "CZK"),
            ("R$ 1.500,00", "1500", "BRL"),
            ("₹ 4649", "4649", "INR"),
            ("Rs1,599.00", "1599", "INR"),
            ("₽ 100", "100", "RUB"),
            ("171900 руб.", "171900", "RUB"),
            ("1128240 рублей", "1128240", "RUB"),
            ("3 100р.", "3100", "RUB"),
            ("6 300 Р", "6300", "RUB"),
            ("2 285,81 грн.", "2285.81", "UAH"),
            ("₺100", "100", "TRY"),
            ("69,50 TL", "69.50", "TRY"),
            ("₪98", "98", "ILS"),
            ("RM50", "50", "MYR"),
            ("12.500 ₫", "12500", "VND"),
            ("200.000 đ", "200000", "VND"),
            ("184,35 lei", "184.35", "RON"),
            ("27.00 лв.", "27", "BGN"),
            ("3,990 Ft", "3990", "HUF"),
            ("AED 26.30", "26.30", "AED"),
            ("1 ر.س", "1", "SAR"),
            ("45 E£", "45", "EGP"),
        ]);
    }

    #[test]
    fn explicit_code_wins_over_ambiguous_symbol() {
        check(&[
            ("$1,190.00 AUD", "1190", "AUD"),
            ("NZD $100.70", "100.70", "NZD"),
            ("SGD$4.90", "4.90", "SGD"),
            ("SGD4.90 $", "4.90", "SGD"),
            ("$ SGD4.90", "4.90", "SGD"),
            ("CAD$1.23", "1.23", "CAD"),
            ("£94.50 GBP", "94.50", "GBP"),
            ("$80.00 U.S.", "80", "USD"),
        ]);
    }

    #[test]
    fn ambiguous_symbols_use_hint_then_market_then_usual_meaning() {
        let cad = Some(CurrencyCode::CAD);
        // Hint first.
        assert_eq!(
            parse_price("$12", cad, Some(&mk("US"))).unwrap().currency,
            CurrencyCode::CAD
        );
        // Then market.
        for (market, code) in [
            ("US", "USD"),
            ("CA", "CAD"),
            ("AU", "AUD"),
            ("NZ", "NZD"),
            ("MX", "MXN"),
            ("SG", "SGD"),
        ] {
            let r = parse_price("$12", None, Some(&mk(market))).unwrap();
            assert_eq!(r.currency, cc(code), "$ in {market}");
        }
        for (market, code) in [("SE", "SEK"), ("NO", "NOK"), ("DK", "DKK"), ("IS", "ISK")] {
            let r = parse_price("199 kr", None, Some(&mk(market))).unwrap();
            assert_eq!(r.currency, cc(code), "kr in {market}");
        }
        for (market, code) in [("JP", "JPY"), ("CN", "CNY")] {
            let r = parse_price("¥1,200", None, Some(&mk(market))).unwrap();
            assert_eq!(r.currency, cc(code), "¥ in {market}");
        }
        assert_eq!(
            parse_price("¥1,200", Some(cc("CNY")), Some(&mk("JP")))
                .unwrap()
                .currency,
            cc("CNY")
        );
        assert_eq!(
            parse_price("Rs 1,200", None, Some(&mk("PK")))
                .unwrap()
                .currency,
            cc("PKR")
        );
        assert_eq!(
            parse_price("£12", None, Some(&mk("EG"))).unwrap().currency,
            cc("EGP")
        );
        // A market whose currency the symbol cannot mean: usual meaning.
        assert_eq!(
            parse_price("$12", None, Some(&mk("FR"))).unwrap().currency,
            CurrencyCode::USD
        );
        assert_eq!(
            parse_price("$12", None, None).unwrap().currency,
            CurrencyCode::USD
        );
        assert_eq!(parse_price("¥12", None, None).unwrap().currency, cc("JPY"));
        // A hint the symbol cannot mean is ignored for the symbol.
        assert_eq!(
            parse_price("$12", Some(CurrencyCode::EUR), Some(&mk("CA")))
                .unwrap()
                .currency,
            CurrencyCode::CAD
        );
    }

    #[test]
    fn kr_without_context_is_ambiguous() {
        for text in ["150 kr", "Pris från 172 kr", "1.198,- Kr"] {
            assert_eq!(
                parse_price(text, None, None),
                Err(PriceParseError::Ambiguous(text.to_owned())),
                "{text:?}"
            );
            assert_eq!(
                parse_price(text, Some(CurrencyCode::EUR), Some(&mk("FR"))),
                Err(PriceParseError::Ambiguous(text.to_owned())),
                "{text:?}"
            );
        }
        let r = parse_price("1.198,- Kr", Some(cc("NOK")), None).unwrap();
        assert_eq!((r.amount, r.currency), (d("1198"), cc("NOK")));
    }

    #[test]
    fn explicit_currency_in_text_beats_contradicting_hint() {
        for (text, hint, expected) in [
            ("£54.17", "USD", "GBP"),
            ("3,20 €", "USD", "EUR"),
            ("12 CHF", "EUR", "CHF"),
            ("US$ 12", "CAD", "USD"),
            ("45 zł", "EUR", "PLN"),
        ] {
            let r = parse_price(text, Some(cc(hint)), Some(&mk("FR"))).unwrap();
            assert_eq!(r.currency, cc(expected), "{text:?} with hint {hint}");
        }
    }

    #[test]
    fn no_currency_uses_hint_else_errors() {
        let r = parse_price("690,00", Some(CurrencyCode::EUR), None).unwrap();
        assert_eq!((r.amount, r.currency), (d("690"), CurrencyCode::EUR));
        // The market does not supply a currency for bare numbers.
        assert_eq!(
            parse_price("690,00", None, Some(&mk("FR"))),
            Err(PriceParseError::NoCurrency("690,00".into()))
        );
        assert_eq!(
            parse_price("12.99", None, None),
            Err(PriceParseError::NoCurrency("12.99".into()))
        );
    }

    #[test]
    fn unsupported_currencies_are_not_replaced_by_the_hint() {
        for text in ["DEM 170 000", "1 kn", "94,000 تومان", "0.5 BTC", "1 ₿"] {
            assert_eq!(
                parse_price(text, Some(CurrencyCode::EUR), None),
                Err(PriceParseError::Ambiguous(text.to_owned())),
                "{text:?}"
            );
        }
        let s = scan_price("PTE 120 000 000", None, None);
        assert_eq!(s.amount, Some(d("120000000")));
        assert_eq!(s.currency, CurrencyFinding::Unsupported("PTE".into()));
    }

    #[test]
    fn tax_markers() {
        for (text, tax) in [
            ("4,35 € TTC", Some(TaxMarker::Included)),
            ("790,00 € HT", Some(TaxMarker::Excluded)),
            ("184,20 €HT", Some(TaxMarker::Excluded)),
            ("€6.56 + VAT", Some(TaxMarker::Excluded)),
            ("£25.00 (tax incl.)", Some(TaxMarker::Included)),
            ("£25.00 incl. VAT", Some(TaxMarker::Included)),
            ("£25.00 excl. VAT", Some(TaxMarker::Excluded)),
            ("19,99 € inkl. MwSt.", Some(TaxMarker::Included)),
            ("19,99 € zzgl. MwSt.", Some(TaxMarker::Excluded)),
            ("166,81 € iva inclusa", Some(TaxMarker::Included)),
            ("0,29 € + iva", Some(TaxMarker::Excluded)),
            ("31,07 € (bez DPH)", Some(TaxMarker::Excluded)),
            ("148.50 AUD Inc GST", Some(TaxMarker::Included)),
            (
                "559.99 € inkl. MwSt. zzgl. Versand",
                Some(TaxMarker::Included),
            ),
            ("12,99 €", None),
            ("12,99 € Hôtel", None),
        ] {
            assert_eq!(p(text).tax, tax, "{text:?}");
        }
        // The marker after the amount belongs to it.
        let text = "EUR29.66 (inc VAT 20%) EUR24.71 (exc VAT 20%)";
        let r = p(text);
        assert_eq!((r.amount, r.tax), (d("29.66"), Some(TaxMarker::Included)));
    }

    #[test]
    fn lower_bounds_and_ranges() {
        for (text, amount) in [
            ("from 99 €", "99"),
            ("From $109.90", "109.90"),
            ("à partir de 99 €", "99"),
            ("A partir de 11,70 €", "11.70"),
            ("a partire da 7,32 € *", "7.32"),
            ("ab 2.99 €", "2.99"),
            ("Ab 19,99 EUR", "19.99"),
            ("dès 49 €", "49"),
            ("Vanaf € 49.95", "49.95"),
            ("99 - 149 €", "99"),
            ("99–149 €", "99"),
            ("99 € - 149 €", "99"),
            ("841,00 zł – 995,00 zł", "841"),
            ("$29.99 - $74.99", "29.99"),
            ("From 26 to 50 €", "26"),
            ("Estimate Price: $45,000 - $70,000", "45000"),
        ] {
            let r = p(text);
            assert_eq!(r.amount, d(amount), "{text:?}");
            assert!(r.is_lower_bound, "{text:?} is a lower bound");
        }
        for text in ["99 €", "$29.99", "Was: $124.95 Now: $99.00", "149 - 99 €"] {
            assert!(!p(text).is_lower_bound, "{text:?} is not a lower bound");
        }
    }

    #[test]
    fn free_is_zero() {
        for text in [
            "free",
            "Free!",
            "FREE",
            "Gratuit",
            "gratuite",
            "kostenlos",
            "Gratis",
        ] {
            let r = parse_price(text, Some(CurrencyCode::EUR), None).unwrap();
            assert_eq!(r.amount, Decimal::ZERO, "{text:?}");
        }
        assert_eq!(
            parse_price("Free!", None, None),
            Err(PriceParseError::NoCurrency("Free!".into()))
        );
        // A number wins over the word.
        assert_eq!(p("Free shipping, 19,99 €").amount, d("19.99"));
    }

    #[test]
    fn no_amount() {
        for text in [
            "call for price",
            "Prix sur demande",
            "",
            "   ",
            "€",
            "$",
            "N/A",
            "40% OFF",
            "15.08.2017",
            "1.2.3.4",
            "--",
            "Sold out",
        ] {
            assert_eq!(
                parse_price(text, Some(CurrencyCode::EUR), None),
                Err(PriceParseError::NoAmount(text.to_owned())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn negative_amounts_are_rejected() {
        for text in ["-5,00 €", "−12 €", "-$5.00", "(-5 €)", "€ -12"] {
            assert_eq!(
                parse_price(text, None, None),
                Err(PriceParseError::NoAmount(text.to_owned())),
                "{text:?}"
            );
        }
        // A dash followed by a space is punctuation, and ranges are not signs.
        assert_eq!(p("- $44.99").amount, d("44.99"));
        assert_eq!(p("10-20 €").amount, d("10"));
    }

    #[test]
    fn picks_the_price_among_other_numbers() {
        check(&[
            ("AED 8000 (USD 2179)", "8000", "AED"),
            ("Was: $124.95 Now: $0.00", "124.95", "USD"),
            ("2 x 12,99 €", "12.99", "EUR"),
            ("3 Ausgaben für nur 14,85 EUR", "14.85", "EUR"),
            ("Pack of 3 for 10 €", "10", "EUR"),
            ("205,68 € 205.68", "205.68", "EUR"),
            ("€ 10.00 € 8.00 – € 10.00", "10", "EUR"),
            ("6,000.00 руб. 5,500.00 руб.", "6000", "RUB"),
            ("$426.20/EA", "426.20", "USD"),
            ("Price: $15.95/mo", "15.95", "USD"),
            ("129,00 € (-15%)", "129", "EUR"),
            ("Cena: 55,72 zł brutto", "55.72", "PLN"),
            ("Běžná cena 75 990,00 Kč", "75990", "CZK"),
            ("Цена: 19 000 руб.", "19000", "RUB"),
        ]);
        let r = parse_price("MX924 IX 850", Some(CurrencyCode::EUR), None).unwrap();
        assert_eq!(r.amount, d("850"));
        // Quantities are not prices.
        let eur = Some(CurrencyCode::EUR);
        assert_eq!(
            parse_price("2 kg 12,99", eur, None).unwrap().amount,
            d("12.99")
        );
        assert_eq!(
            parse_price("500 ml - 4,99", eur, None).unwrap().amount,
            d("4.99")
        );
        assert!(matches!(
            parse_price("16.00 ft", eur, None),
            Err(PriceParseError::NoAmount(_))
        ));
    }

    #[test]
    fn keeps_exact_decimals() {
        let r = parse_price("1.11000000000000009770", Some(CurrencyCode::EUR), None).unwrap();
        assert_eq!(r.amount.to_string(), "1.11000000000000009770");
        assert_eq!(p("1.299,00 €").amount.to_string(), "1299.00");
    }

    #[test]
    fn never_panics_on_odd_input() {
        let long_digits = "9".repeat(5000);
        let long_mixed = "1.2,3 ".repeat(1000);
        let many_symbols = "€$£¥₹".repeat(500);
        let odd: Vec<String> = [
            "",
            " ",
            "€",
            "$$$",
            "€€ $$ ££",
            "kr kr",
            "99999999999999999999999999999999999999 €",
            "0.00000000000000000000000000000000001 €",
            "1e10 €",
            "NaN €",
            "∞ €",
            "😀",
            "12😀34 €",
            "€😀12",
            "1.2.3.4",
            "--",
            "-",
            "-.-",
            ".,.,",
            ",5",
            "5,",
            "'1'",
            "1''2",
            "1 2 3 4 5",
            "١٢٣٫٤٥ ر.س",
            "１２３４円",
            "\u{0}\u{1}\u{7f}",
            "12\u{301} €",
            "\u{202e}12 €",
            "Р",
            "р.",
            "$.",
            "$..",
            ".$",
            "€ 12 € 13 – € 14 - 15",
            "12 - - 13",
            "- - -",
            "1:-",
            ":-",
            "12€",
            "€12€34€56",
            "0",
            "00000000000000000000000000000000000000000",
            "%",
            "12%",
        ]
        .iter()
        .map(|s| s.to_string())
        .chain([long_digits, long_mixed, many_symbols])
        .collect();
        for text in &odd {
            for hint in [None, Some(CurrencyCode::EUR), Some(cc("KWD"))] {
                for market in [None, Some(mk("US")), Some(mk("SE"))] {
                    let r = parse_price(text, hint, market.as_ref());
                    if let Ok(p) = r {
                        assert!(!p.amount.is_sign_negative(), "{text:?}");
                        assert!(p.amount < max_amount(), "{text:?}");
                    }
                }
            }
        }
        // Huge numbers are not prices.
        assert!(matches!(
            parse_price(&format!("{} €", "9".repeat(40)), None, None),
            Err(PriceParseError::NoAmount(_))
        ));
        assert!(matches!(
            parse_price("1000000000000000 €", None, None),
            Err(PriceParseError::NoAmount(_))
        ));
        assert_eq!(p("999999999999999 €").amount, d("999999999999999"));
    }

    #[test]
    fn arabic_and_full_width_digits() {
        check(&[
            ("١٢٣٫٤٥ ر.س", "123.45", "SAR"),
            ("１２３４円", "1234", "JPY"),
        ]);
    }

    #[test]
    fn letter_markers_need_word_boundaries() {
        // "Europe" is not "euro", "Ftp" is not "Ft", "Rspec" is not "Rs".
        for text in ["Europe 12", "Ftp 12", "Rspec 12", "12 Krabby"] {
            assert!(
                matches!(
                    parse_price(text, None, None),
                    Err(PriceParseError::NoCurrency(_))
                ),
                "{text:?}"
            );
        }
        // Lower-case codes only next to an amount; risky words never in lower case.
        assert!(matches!(
            parse_price("eur shipping then 12", None, None),
            Err(PriceParseError::NoCurrency(_))
        ));
        assert!(matches!(
            parse_price("12 all inclusive", None, None),
            Err(PriceParseError::NoCurrency(_))
        ));
        // Without any number, a lower-case code is not a currency either.
        assert_eq!(
            scan_price("Pure & IP BP Ph. Eur. USP", None, None).currency,
            CurrencyFinding::None
        );
        assert_eq!(
            scan_price("EUR", None, None).currency,
            CurrencyFinding::Found(CurrencyCode::EUR)
        );
    }

    #[test]
    fn grouping_validation() {
        let raw = |text: &str| scan_number(&text.chars().collect::<Vec<_>>(), 0).0;
        assert_eq!(raw("1.234.567").interpret(false), Some(d("1234567")));
        assert_eq!(raw("1.23.456").interpret(false), None);
        assert_eq!(raw("1,23,456").interpret(false), Some(d("123456")));
        assert_eq!(raw("1234.567.890").interpret(false), None);
        assert_eq!(raw("1.234,567.89").interpret(false), None);
        assert_eq!(raw("1 234 567").interpret(false), Some(d("1234567")));
        // A space before four digits does not group.
        let (r, end) = scan_number(&"12 3456".chars().collect::<Vec<_>>(), 0);
        assert_eq!((r.interpret(false), end), (Some(d("12")), 2));
    }

    #[test]
    fn every_table_code_is_an_iso_code() {
        for code in DOLLARS
            .iter()
            .chain(POUNDS)
            .chain(YEN)
            .chain(KRONA)
            .chain(RUPEES)
            .chain(RUBLES)
            .chain(LEI)
            .chain(BR)
            .chain(BS)
            .chain(FLORINS)
            .chain(CFA)
            .chain(DIRHAMS)
            .chain(RIYALS)
            .chain(JUNAYH)
            .chain(C_DOLLAR)
            .chain(FRANCS)
            .chain(PESOS)
            .chain(DINARS)
            .chain(RAND)
        {
            assert!(CurrencyCode::parse(code).is_ok(), "{code}");
        }
        for sym in SYMBOLS {
            if let One(code) | Amb(_, Some(code)) = sym.cur {
                assert!(CurrencyCode::parse(code).is_ok(), "{} → {code}", sym.text);
            }
        }
        for code in UNSUPPORTED_CODES {
            assert!(CurrencyCode::parse(code).is_err(), "{code} is supported");
        }
    }

    // ---- Round trip: format in each locale style, then parse. ----

    #[derive(Clone, Copy, Debug)]
    enum Style {
        En,
        Fr,
        De,
        Ch,
        Gb,
        CaFr,
        Nl,
        Pl,
        Se,
        Ie,
    }

    /// Formats `amount` (two decimals) the way shops of each locale do.
    fn format(amount: Decimal, style: Style) -> String {
        let s = format!("{:.2}", amount.round_dp(2));
        let (int, frac) = s.split_once('.').unwrap();
        let (group, dec, before, after) = match style {
            Style::En => (",", ".", "$", ""),
            Style::Fr => ("\u{202f}", ",", "", "\u{a0}€"),
            Style::De => (".", ",", "", " €"),
            Style::Ch => ("'", ".", "CHF ", ""),
            Style::Gb => (",", ".", "£", ""),
            Style::CaFr => ("\u{a0}", ",", "", "\u{a0}$"),
            Style::Nl => (".", ",", "€ ", ""),
            Style::Pl => (" ", ",", "", " zł"),
            Style::Se => (" ", ",", "", " kr"),
            Style::Ie => (",", ".", "€", ""),
        };
        let digits: Vec<char> = int.chars().collect();
        let mut grouped = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push_str(group);
            }
            grouped.push(*c);
        }
        format!("{before}{grouped}{dec}{frac}{after}")
    }

    #[test]
    fn round_trip_in_every_locale_style() {
        let mut amounts: Vec<Decimal> = [
            "0",
            "0.01",
            "0.5",
            "1",
            "9.99",
            "12.3",
            "99.99",
            "100",
            "999.99",
            "1000",
            "1234.56",
            "12345.67",
            "99999.99",
            "100000",
            "123456.78",
            "1000000",
            "9876543.21",
            "123456789.01",
        ]
        .iter()
        .map(|s| d(s))
        .collect();
        // A deterministic spread of amounts (linear congruential generator).
        let mut x: u64 = 42;
        for _ in 0..200 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let cents = (x >> 33) % 10_000_000_000;
            amounts.push(Decimal::new(cents as i64, 2));
        }
        for amount in amounts {
            // (style, expected currency, shop's declared currency for ambiguous
            // symbols)
            for (style, code, hint) in [
                (Style::En, "USD", None),
                (Style::Fr, "EUR", None),
                (Style::De, "EUR", None),
                (Style::Ch, "CHF", None),
                (Style::Gb, "GBP", None),
                (Style::CaFr, "CAD", Some(cc("CAD"))),
                (Style::Nl, "EUR", None),
                (Style::Pl, "PLN", None),
                (Style::Se, "SEK", Some(cc("SEK"))),
                (Style::Ie, "EUR", None),
            ] {
                let text = format(amount, style);
                let r = parse_price(&text, hint, None)
                    .unwrap_or_else(|e| panic!("{text:?} ({style:?}): {e}"));
                assert_eq!(r.amount, amount, "{text:?} ({style:?})");
                assert_eq!(r.currency, cc(code), "{text:?} ({style:?})");
            }
        }
    }
}
