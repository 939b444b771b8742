//! The grounding check: a generated text may only state what the result holds.
//!
//! Every claim in the text — number, percentage, price, currency, date, product,
//! brand or seller name — must match a fact of the stage's input ([`Facts`], built
//! from [`SummaryInput`]); a text with one claim that matches nothing is rejected.
//! It is deliberately strict: a rejected answer costs a fallback to the deterministic
//! narrative, an accepted invention costs the report its truth.
//!
//! The rules, as written for the prompt and the README:
//!
//! - **Names** of products, brands, models, sellers, aspects and the query are found
//!   first (case-insensitive, whole words) and set aside, so "Acme Headphones 100"
//!   is a name, not the number 100. Then every word mixing letters and digits (a
//!   model code: `WH-1000XM5`, `256GB`) must be a word of such a name, and every
//!   capitalised word inside a sentence must be one (or a month, a weekday, a
//!   currency, or one of a few terms of the trade: Pareto, Bayesian, Spearman, VAT…).
//!   A capitalised word opening a sentence is checked when a capitalised word or a
//!   model code follows it ("Sony WH-1000XM5 …"). Alone, it is ordinary
//!   capitalisation only when it is a word: one of a small list of English and French
//!   sentence words ([`sentence_words`]), a word of the input's own texts, or a word
//!   the answer also writes in lower case; any other ("Sennheiser offers the best
//!   value.") is a name, and must be one of the result's.
//! - **Prices** (a number with a currency sign, code or word beside it) match a price
//!   of the input in that currency, rounded as written: 241.27 may appear as 241.27,
//!   241.3 or 241 — within half a unit of the last written digit — or, after "about",
//!   "around", "roughly", "nearly", "approximately", "~", "environ", "près de", within
//!   5% ("about 240").
//! - **Percentages** (`%`, "percent", "pour cent") match a percentage of the input
//!   within ±0.5 point (±2.5 after "about").
//! - **Other numbers** match a count exactly, or any other figure rounded as written
//!   (the price and approximation rules above), or the year of a date of the input.
//!   Signs are not read: "fell 7.3%" states the figure −7.3. Numbers written in
//!   words (English and French: "twelve", "twenty-one", "douze", "quatre-vingt-dix")
//!   are numbers; "one", "un", "une" (articles, pronouns) and "neuf" (also "new") on
//!   their own are not. Ordinals (1st, 2nd, 3e) rank at most the listed products or
//!   recommendations.
//! - **Currencies**: a currency code, sign or word must be one of the input's (`$`
//!   stands for any dollar).
//! - **Dates** (`2026-11-01`, `01/11/2026`, `1 November 2026`, `November 1, 2026`,
//!   `novembre 2026`, a month alone) match a date of the input on every part written.

use std::collections::{BTreeSet, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use read::{
    ALLOWED_CAPITALISED, NumberMention, Tok, TokKind, Unit, WEEKDAYS, currencies_of_symbol,
    currency_word, dates_in, lower, lower_char, month_number, number_word, numbers_in, ordinal,
    tokenize, words_of,
};

use super::input::SummaryInput;
use super::output::GeneratedSummary;
use crate::domain::CurrencyCode;

mod read;
mod sentence_words;

/// What kind of claim did not match the result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimKind {
    Number,
    Percentage,
    Price,
    Currency,
    Date,
    Name,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Number => "number",
            ClaimKind::Percentage => "percentage",
            ClaimKind::Price => "price",
            ClaimKind::Currency => "currency",
            ClaimKind::Date => "date",
            ClaimKind::Name => "name",
        }
    }
}

/// One claim of a generated text that matches nothing in the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ungrounded {
    /// Where it was written: `summary[0]`, `recommendations[2]`, `key_points[1]`.
    pub field: String,
    pub kind: ClaimKind,
    /// The claim as written.
    pub claim: String,
}

/// The outcome of the grounding check on one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct GroundingReport {
    /// Claims found and checked.
    pub claims_checked: u32,
    pub ungrounded: Vec<Ungrounded>,
}

impl GroundingReport {
    pub fn passed(&self) -> bool {
        self.ungrounded.is_empty()
    }

    /// The first ungrounded claims in words, e.g.
    /// `price "1,234.00 €" in summary[0] is not in the result`.
    pub fn reason(&self) -> String {
        let mut parts: Vec<String> = self
            .ungrounded
            .iter()
            .take(3)
            .map(|u| {
                format!(
                    "{} \u{201c}{}\u{201d} in {} is not in the result",
                    u.kind.as_str(),
                    u.claim,
                    u.field
                )
            })
            .collect();
        if self.ungrounded.len() > 3 {
            parts.push(format!("{} more", self.ungrounded.len() - 3));
        }
        parts.join("; ")
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FactKind {
    Count,
    Amount(CurrencyCode),
    Percent,
    Decimal,
}

/// What a text may state: the figures, currencies, dates and names of one input.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    numbers: Vec<(f64, FactKind)>,
    currencies: BTreeSet<CurrencyCode>,
    dates: Vec<NaiveDate>,
    /// Lower-cased names, longest first (masked before anything else is read).
    names: Vec<Vec<char>>,
    /// Lower-cased words of the names.
    name_words: HashSet<String>,
    /// Lower-cased words of the input's texts (recommendation titles and details):
    /// words the result itself writes, so they may open a sentence.
    vocabulary: HashSet<String>,
    /// Highest ordinal a text may use.
    ranks: u32,
}

/// Relative tolerance of an approximate figure ("about 240").
const APPROX_RELATIVE: f64 = 0.05;
const PERCENT_POINTS: f64 = 0.5;
const APPROX_PERCENT_POINTS: f64 = 2.5;

impl Facts {
    pub fn add_count(&mut self, n: u32) {
        self.numbers.push((f64::from(n), FactKind::Count));
    }
    pub fn add_amount(&mut self, v: f64, currency: CurrencyCode) {
        self.numbers.push((v.abs(), FactKind::Amount(currency)));
        self.currencies.insert(currency);
    }
    pub fn add_percent(&mut self, v: f64) {
        self.numbers.push((v.abs(), FactKind::Percent));
    }
    /// A figure that is neither a count, a price nor a percentage (rating, score).
    pub fn add_decimal(&mut self, v: f64) {
        self.numbers.push((v.abs(), FactKind::Decimal));
    }
    pub fn add_currency(&mut self, c: CurrencyCode) {
        self.currencies.insert(c);
    }
    pub fn add_date(&mut self, d: NaiveDate) {
        self.dates.push(d);
    }
    pub fn allow_ranks(&mut self, n: u32) {
        self.ranks = self.ranks.max(n);
    }
    pub fn add_name(&mut self, name: &str) {
        let lowered: Vec<char> = lower(name.trim());
        if lowered.len() < 2 || self.names.contains(&lowered) {
            return;
        }
        for w in words_of(&lowered) {
            self.name_words.insert(w);
        }
        self.names.push(lowered);
        self.names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// Adds the words of a text of the result to the words a sentence may open with.
    pub fn add_vocabulary(&mut self, text: &str) {
        for w in words_of(&lower(text)) {
            self.vocabulary.insert(w);
        }
    }

    /// Adds a named figure: prices by name (`*price*`), shares (`*share*`,
    /// `*discount*`, 0…1) also as percentages, whole numbers also as counts.
    fn add_figure(&mut self, name: &str, v: f64, currency: CurrencyCode) {
        if !v.is_finite() {
            return;
        }
        if name.contains("price") {
            self.add_amount(v, currency);
        }
        if (name.contains("share") || name.contains("discount")) && v.abs() <= 1.0 {
            self.add_percent(v * 100.0);
        }
        if v.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&v) {
            self.add_count(v as u32);
        }
        self.add_decimal(v);
    }

    /// Adds every number written in a text of the result (a recommendation's
    /// deterministic detail), with the kind its unit gives it, and every review
    /// quote in it (“…”, «…») as a name: a quote repeated is the review's words.
    fn add_written(&mut self, text: &str, currency: CurrencyCode) {
        for (open, close) in [('\u{201c}', '\u{201d}'), ('«', '»')] {
            for part in text.split(open).skip(1) {
                if let Some((quote, _)) = part.split_once(close) {
                    self.add_name(quote.trim().trim_end_matches(['.', '…']));
                }
            }
        }
        let chars: Vec<char> = text.chars().collect();
        for m in numbers_in(&tokenize(&chars, &vec![false; chars.len()])) {
            for (v, decimals) in m.candidates {
                match &m.unit {
                    Unit::Percent => self.add_percent(v),
                    Unit::Currency(c) => {
                        for code in c {
                            if *code == currency {
                                self.add_amount(v, currency);
                            }
                        }
                    }
                    Unit::None => {}
                }
                if decimals == 0 && v <= f64::from(u32::MAX) {
                    self.add_count(v as u32);
                }
                self.add_decimal(v);
            }
        }
    }

    /// The facts of one stage input.
    pub fn from_input(input: &SummaryInput) -> Self {
        let mut f = Facts::default();
        let c = input.currency;
        f.add_currency(c);
        f.add_date(input.analysis_date);
        f.add_name(&input.query);
        let s = &input.statistics;
        for code in &s.offer_currencies {
            f.add_currency(*code);
        }
        for n in [
            s.product_count,
            s.offer_count,
            s.seller_count,
            s.outlier_count,
            s.review_count,
        ]
        .into_iter()
        .chain(s.correlation_product_count)
        {
            f.add_count(n);
        }
        if let Some(p) = &s.price {
            for v in [p.min, p.max, p.mean, p.median, p.q1, p.q3] {
                f.add_amount(v, c);
            }
        }
        for b in &s.top_brands {
            f.add_name(&b.brand);
            f.add_count(b.offer_count);
            f.add_percent(b.share_percent);
            f.add_amount(b.median_price, c);
        }
        for v in [
            s.positive_review_percent,
            s.neutral_review_percent,
            s.negative_review_percent,
        ] {
            f.add_percent(v);
        }
        for v in [
            s.mean_text_score,
            s.mean_star_rating,
            s.price_rating_correlation,
        ]
        .into_iter()
        .flatten()
        {
            f.add_decimal(v);
        }
        if let Some(t) = &s.price_trend {
            f.add_count(t.window_days);
            f.add_count(t.observation_count);
            f.add_percent(t.percent_change);
            f.add_amount(t.change_per_day, c);
            f.add_amount(t.min, c);
            f.add_amount(t.max, c);
        }
        for r in &input.recommendations {
            f.add_vocabulary(&r.title);
            f.add_vocabulary(&r.detail);
            f.add_name(
                r.title
                    .split_once(": ")
                    .map_or(r.title.as_str(), |(_, t)| t),
            );
            for p in &r.products {
                f.add_name(p);
            }
            for (k, v) in r.figures.iter().chain(&r.thresholds) {
                f.add_figure(k, *v, c);
            }
            f.add_written(&r.detail, c);
        }
        for a in &input.aspects {
            f.add_name(&a.aspect);
            f.add_count(a.mentions);
            f.add_decimal(a.mean_score);
            f.add_percent(a.positive_percent);
            f.add_percent(a.negative_percent);
        }
        for p in &input.top_products {
            f.add_name(&p.title);
            for name in p.brand.iter().chain(&p.model).chain(&p.sellers) {
                f.add_name(name);
            }
            if let Some(v) = p.lowest_price {
                f.add_amount(v, c);
            }
            f.add_count(p.offer_count);
            f.add_count(p.rated_reviews);
            if let Some(v) = p.weighted_rating {
                f.add_decimal(v);
            }
        }
        f.allow_ranks(input.top_products.len().max(input.recommendations.len()) as u32);
        // The star scale ("4.2/5", "five stars").
        f.add_decimal(5.0);
        f
    }

    /// Checks every text of an answer.
    pub fn check_summary(&self, summary: &GeneratedSummary) -> GroundingReport {
        let mut report = GroundingReport::default();
        let texts = summary.texts();
        let lower_case = lower_case_words(texts.iter().map(|(_, t)| *t));
        for (field, text) in texts {
            let (checked, ungrounded) = self.check_text_among(text, &lower_case);
            report.claims_checked += checked;
            report
                .ungrounded
                .extend(ungrounded.into_iter().map(|(kind, claim)| Ungrounded {
                    field: field.clone(),
                    kind,
                    claim,
                }));
        }
        report
    }

    /// Whether `text` states `figure` (as a count, price or figure, by the rounding
    /// rules), names being read as names first.
    pub fn states(&self, text: &str, figure: &Facts) -> bool {
        let chars: Vec<char> = text.chars().collect();
        let masked = self.mask_names(&chars);
        numbers_in(&tokenize(&chars, &masked))
            .iter()
            .any(|m| figure.number_mismatch(m).is_none())
    }

    /// The key figures of an input, each alone (the offer and product counts, the
    /// median, lowest and highest prices, the review count): what a summary should
    /// state, for [`super::scores`].
    pub fn key_figures(input: &SummaryInput) -> Vec<Facts> {
        let s = &input.statistics;
        let count = |n: u32| {
            let mut f = Facts::default();
            f.add_count(n);
            f
        };
        let price = |v: f64| {
            let mut f = Facts::default();
            f.add_amount(v, input.currency);
            f
        };
        let mut out = vec![count(s.offer_count), count(s.product_count)];
        if let Some(p) = &s.price {
            out.extend([price(p.median), price(p.min), price(p.max)]);
        }
        if s.review_count > 0 {
            out.push(count(s.review_count));
        }
        out
    }

    /// Checks one text: the number of claims checked, and those that match nothing.
    pub fn check_text(&self, text: &str) -> (u32, Vec<(ClaimKind, String)>) {
        self.check_text_among(text, &lower_case_words([text]))
    }

    /// Checks one text of an answer whose words written in lower case are
    /// `lower_case` (a word the answer writes in lower case is no name where it opens
    /// a sentence).
    fn check_text_among(
        &self,
        text: &str,
        lower_case: &HashSet<String>,
    ) -> (u32, Vec<(ClaimKind, String)>) {
        let chars: Vec<char> = text.chars().collect();
        let masked = self.mask_names(&chars);
        let tokens = tokenize(&chars, &masked);
        let mut checked = 0u32;
        let mut bad: Vec<(ClaimKind, String)> = Vec::new();
        let mut used = vec![false; tokens.len()];

        // Dates first: their numbers are not figures.
        for (claim, date, parts) in dates_in(&tokens) {
            checked += 1;
            for k in parts {
                used[k] = true;
            }
            if !self.dates.iter().any(|d| date.matches(d)) {
                bad.push((ClaimKind::Date, claim));
            }
        }
        for m in numbers_in(&tokens) {
            if m.token_indices.iter().any(|k| used[*k]) {
                continue;
            }
            for k in &m.token_indices {
                used[*k] = true;
            }
            checked += 1;
            if let Some(kind) = self.number_mismatch(&m) {
                bad.push((kind, m.claim.clone()));
            }
        }
        for (k, t) in tokens.iter().enumerate() {
            if used[k] {
                continue;
            }
            match &t.kind {
                TokKind::Code(code) => {
                    checked += 1;
                    let lowered: String = code.to_lowercase();
                    if let Some(rank) = ordinal(&lowered) {
                        if rank == 0 || rank > self.ranks {
                            bad.push((ClaimKind::Number, code.clone()));
                        }
                    } else if !self.name_words.contains(&lowered) {
                        bad.push((ClaimKind::Name, code.clone()));
                    }
                }
                TokKind::Word(w) => {
                    if let Some(kind) = self.word_mismatch(&tokens, k, w, lower_case, &mut checked)
                    {
                        bad.push((kind, w.clone()));
                    }
                }
                TokKind::Symbol(sym) => {
                    checked += 1;
                    if !self.knows_any(&currencies_of_symbol(*sym)) {
                        bad.push((ClaimKind::Currency, sym.to_string()));
                    }
                }
                _ => {}
            }
        }
        (checked, bad)
    }

    fn knows_any(&self, codes: &[CurrencyCode]) -> bool {
        codes.iter().any(|c| self.currencies.contains(c))
    }

    /// Why a word is a claim that matches nothing (a currency the input lacks, a
    /// capitalised name the input does not hold).
    fn word_mismatch(
        &self,
        tokens: &[Tok],
        k: usize,
        word: &str,
        lower_case: &HashSet<String>,
        checked: &mut u32,
    ) -> Option<ClaimKind> {
        let lowered = word.to_lowercase();
        if ALLOWED_CAPITALISED.contains(&lowered.as_str()) {
            return None;
        }
        if let Some(codes) = currency_word(word) {
            *checked += 1;
            return (!self.knows_any(&codes)).then_some(ClaimKind::Currency);
        }
        let first = word.chars().next()?;
        if !first.is_uppercase() || word.chars().count() < 2 {
            return None;
        }
        if month_number(&lowered).is_some()
            || WEEKDAYS.contains(&lowered.as_str())
            || number_word(&lowered).is_some()
        {
            return None;
        }
        if tokens[k].sentence_start {
            // A lone capitalised first word is ordinary writing; one followed by a
            // capitalised word or a model code starts a proper noun.
            let unknown = |w: &str| !self.name_words.contains(&w.to_lowercase());
            let next_is_name = tokens.get(k + 1).is_some_and(|t| match &t.kind {
                TokKind::Word(n) => n.chars().next().is_some_and(char::is_uppercase) && unknown(n),
                TokKind::Code(c) => ordinal(&c.to_lowercase()).is_none() && unknown(c),
                _ => false,
            });
            let a_word = |w: &str| {
                sentence_words::is_sentence_word(w)
                    || self.vocabulary.contains(w)
                    || lower_case.contains(w)
            };
            if !next_is_name && a_word(&lowered) {
                return None;
            }
        }
        *checked += 1;
        (!self.name_words.contains(&lowered)).then_some(ClaimKind::Name)
    }

    /// Why a number matches no figure, or `None` when one matches.
    fn number_mismatch(&self, m: &NumberMention) -> Option<ClaimKind> {
        let tol = |fact: f64, value: f64, decimals: u8| {
            let rounding = 0.5 * 10f64.powi(-i32::from(decimals)) + 1e-9;
            let diff = (fact - value).abs();
            diff <= rounding || (m.approx && diff <= APPROX_RELATIVE * fact.abs() + 1e-9)
        };
        let matches = |&(value, decimals): &(f64, u8)| match &m.unit {
            Unit::Percent => self.numbers.iter().any(|(f, k)| {
                *k == FactKind::Percent
                    && (f - value).abs()
                        <= if m.approx {
                            APPROX_PERCENT_POINTS
                        } else {
                            PERCENT_POINTS
                        } + 1e-9
            }),
            Unit::Currency(codes) => self.numbers.iter().any(|(f, k)| match k {
                FactKind::Amount(c) => codes.contains(c) && tol(*f, value, decimals),
                _ => false,
            }),
            Unit::None => {
                let is_year =
                    decimals == 0 && self.dates.iter().any(|d| f64::from(d.year()) == value);
                is_year
                    || self.numbers.iter().any(|(f, k)| match k {
                        FactKind::Count => {
                            (decimals == 0 && *f == value)
                                || (m.approx && (f - value).abs() <= APPROX_RELATIVE * f)
                        }
                        FactKind::Amount(_) | FactKind::Decimal => tol(*f, value, decimals),
                        FactKind::Percent => false,
                    })
            }
        };
        if m.candidates.iter().any(matches) {
            return None;
        }
        Some(match &m.unit {
            Unit::Percent => ClaimKind::Percentage,
            Unit::Currency(codes) if !self.knows_any(codes) => ClaimKind::Currency,
            Unit::Currency(_) => ClaimKind::Price,
            Unit::None => ClaimKind::Number,
        })
    }

    /// Marks the characters of every known name found in `chars` (whole words,
    /// case-insensitive), longest names first.
    fn mask_names(&self, chars: &[char]) -> Vec<bool> {
        let low: Vec<char> = chars.iter().map(|c| lower_char(*c)).collect();
        let mut masked = vec![false; chars.len()];
        for name in &self.names {
            let n = name.len();
            let mut i = 0;
            while i + n <= low.len() {
                let boundary_before = i == 0 || !low[i - 1].is_alphanumeric();
                let boundary_after = i + n == low.len() || !low[i + n].is_alphanumeric();
                if boundary_before
                    && boundary_after
                    && !masked[i..i + n].iter().any(|m| *m)
                    && low[i..i + n] == name[..]
                {
                    masked[i..i + n].iter_mut().for_each(|m| *m = true);
                    i += n;
                } else {
                    i += 1;
                }
            }
        }
        masked
    }
}

/// The words written in lower case in `texts` (names are capitalised; a word also
/// written in lower case is an ordinary word).
fn lower_case_words<'a>(texts: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    texts
        .into_iter()
        .flat_map(|t| {
            t.split(|c: char| !(c.is_alphanumeric() || c == '-'))
                .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
                .map(str::to_owned)
        })
        .collect()
}

#[cfg(test)]
mod tests;
