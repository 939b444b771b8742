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
//!
//! Where the steps live: `tokens` (clean-up and tokens), `number` (numbers and their
//! separators), `symbols` (currency markers and how they resolve), `choice` (which
//! number is the price, which marker its currency), `tax` (tax markers); this module
//! runs them in order ([`scan_price`]) and rejects what is not a price
//! ([`parse_price`]).

mod choice;
mod number;
mod symbols;
mod tax;
mod tokens;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::domain::{CurrencyCode, Market};
use choice::{
    active_marks, choose_group, lower_bound_word_before, number_infos, pick_mark, pick_mark_for,
    price_groups, says_free,
};
pub use symbols::CurrencyFinding;
pub(crate) use symbols::market_currency;
use symbols::resolve;
pub use tax::TaxMarker;
use tax::tax_marker;
pub use tokens::MAX_TEXT_CHARS;
use tokens::{merge_euro_cents, prepare, tokenize};

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

#[cfg(test)]
mod tests;
