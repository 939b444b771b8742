//! `marketlens eval prices [FILE]`: the price-text parser on price-parser's own test
//! cases (JSONL, one case a line; see `price_parsing/README.md` of the datasets).
//!
//! Each case is read exactly as the pipeline reads an offer's price: `scan_price`
//! with the case's currency hint (text such as `"EUR"` or `"руб."`, read with
//! `currency_of`). The dataset's expected currency is the marker as written (`"$"`,
//! `"Kč"`), so it is mapped to an ISO code the same way, with the same hint; an
//! expected marker that stays ambiguous (`kr` without a hint) is right when the parser
//! also reports that marker as ambiguous. Amounts are compared as decimals.
//!
//! With `--bench` the cases' texts are then parsed again, with their hints, in passes
//! on one thread until at least a second has gone by, and `strings_per_sec` is printed.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::str::FromStr;
use std::time::{Duration, Instant};

use marketlens_core::domain::CurrencyCode;
use marketlens_core::normalize::price_text::{CurrencyFinding, currency_of, scan_price};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::stdout::outln;

#[derive(Default)]
struct Tally {
    n: u32,
    amount_ok: u32,
    currency_n: u32,
    currency_ok: u32,
    both_ok: u32,
}

impl Tally {
    fn line(&self) -> String {
        let ratio = |a: u32, n: u32| {
            if n == 0 {
                0.0
            } else {
                f64::from(a) / f64::from(n)
            }
        };
        format!(
            "amount_accuracy={:.4} currency_accuracy={:.4} both={:.4} both_right={} n={}",
            ratio(self.amount_ok, self.n),
            ratio(self.currency_ok, self.currency_n),
            ratio(self.both_ok, self.n),
            self.both_ok,
            self.n
        )
    }
}

/// One case's outcome: `None` when right, else the failure category.
struct Outcome {
    amount: Option<&'static str>,
    /// `None` also when the case does not check the currency.
    currency: Option<&'static str>,
    checks_currency: bool,
}

fn hint_code(hint: Option<&str>) -> Option<CurrencyCode> {
    let h = hint?.trim();
    if h.is_empty() {
        return None;
    }
    if let Ok(c) = CurrencyCode::parse(h) {
        return Some(c);
    }
    match currency_of(h, None, None) {
        CurrencyFinding::Found(c) => Some(c),
        _ => None,
    }
}

fn fold(s: &str) -> String {
    s.trim().trim_end_matches('.').to_lowercase()
}

fn judge(case: &Value) -> Result<Outcome, String> {
    let text = case["price_text"].as_str().unwrap_or("");
    let hint = hint_code(case["currency_hint"].as_str());
    let scan = scan_price(text, hint, None);

    let expected_amount = match &case["expected_amount"] {
        Value::Null => None,
        Value::String(s) => Some(Decimal::from_str(s).map_err(|e| format!("{s:?}: {e}"))?),
        other => return Err(format!("expected_amount {other} is not a string")),
    };
    let amount = match (expected_amount, scan.amount) {
        (None, None) => None,
        (Some(e), Some(a)) if e == a => None,
        // Upstream reads "free" as no price; the pipeline reads it as 0 and then
        // rejects it as an offer: the same outcome.
        (None, Some(a)) if a.is_zero() => None,
        (None, Some(_)) => Some("amount_spurious"),
        (Some(_), None) => Some("amount_missing"),
        (Some(_), Some(_)) => Some("amount_wrong"),
    };

    let checks_currency = case.get("expected_currency").is_some();
    let currency = if !checks_currency {
        None
    } else {
        let named = case["expected_currency"].as_str();
        let expected = match named {
            None => CurrencyFinding::None,
            Some(sym) => currency_of(sym, hint, None),
        };
        match (&expected, &scan.currency) {
            // A currency the parser does not know is never counted right, even when
            // the text yields none either.
            (CurrencyFinding::None, _) if named.is_some() => Some("currency_unknown_marker"),
            (CurrencyFinding::Found(e), CurrencyFinding::Found(g)) if e == g => None,
            (CurrencyFinding::None, CurrencyFinding::None) => None,
            (
                CurrencyFinding::Ambiguous(e) | CurrencyFinding::Unsupported(e),
                CurrencyFinding::Ambiguous(g) | CurrencyFinding::Unsupported(g),
            ) if fold(e) == fold(g) => None,
            (CurrencyFinding::None, _) => Some("currency_spurious"),
            (_, CurrencyFinding::None) => Some("currency_missing"),
            (CurrencyFinding::Found(_), CurrencyFinding::Ambiguous(_)) => {
                Some("currency_left_ambiguous")
            }
            (CurrencyFinding::Found(_), CurrencyFinding::Unsupported(_)) => {
                Some("currency_unsupported")
            }
            (CurrencyFinding::Ambiguous(_) | CurrencyFinding::Unsupported(_), _) => {
                Some("currency_expected_unmapped")
            }
            _ => Some("currency_wrong"),
        }
    };
    Ok(Outcome {
        amount,
        currency,
        checks_currency,
    })
}

pub fn run(path: &Path, verbose: bool, bench: bool) -> ExitCode {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    let mut all = Tally::default();
    let mut subsets: BTreeMap<&'static str, Tally> = BTreeMap::new();
    let mut failures: BTreeMap<&'static str, u32> = BTreeMap::new();
    // Copied out of the cases before timing, so the timed loop does nothing else.
    let mut timed: Vec<(String, Option<CurrencyCode>)> = Vec::new();
    for (line_no, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let case: Value = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("error: {}:{}: {e}", path.display(), line_no + 1);
                return ExitCode::from(2);
            }
        };
        let outcome = match judge(&case) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("error: {}:{}: {e}", path.display(), line_no + 1);
                return ExitCode::from(2);
            }
        };
        if bench {
            let text = case["price_text"].as_str().unwrap_or("").to_owned();
            timed.push((text, hint_code(case["currency_hint"].as_str())));
        }
        let subset = match case["upstream_xfail"].as_bool() {
            Some(true) => "upstream_xfail",
            Some(false) => "upstream_pass",
            None => "unlabelled",
        };
        for t in [&mut all, subsets.entry(subset).or_default()] {
            t.n += 1;
            t.amount_ok += u32::from(outcome.amount.is_none());
            if outcome.checks_currency {
                t.currency_n += 1;
                t.currency_ok += u32::from(outcome.currency.is_none());
            }
            t.both_ok += u32::from(outcome.amount.is_none() && outcome.currency.is_none());
        }
        for f in [outcome.amount, outcome.currency].into_iter().flatten() {
            *failures.entry(f).or_default() += 1;
            if verbose {
                outln!(
                    "fail={f} line={} text={} hint={} expected_amount={} expected_currency={}",
                    line_no + 1,
                    case["price_text"],
                    case["currency_hint"],
                    case["expected_amount"],
                    case["expected_currency"]
                );
            }
        }
    }
    outln!("{}", all.line());
    for (name, t) in &subsets {
        outln!("subset={name} {}", t.line());
    }
    for (name, count) in &failures {
        outln!("failure={name} count={count}");
    }
    if bench && !timed.is_empty() {
        let (per_sec, passes, elapsed) = bench_parsing(&timed);
        outln!(
            "strings_per_sec={per_sec:.0} strings={} passes={passes} seconds={:.3} threads=1",
            timed.len(),
            elapsed.as_secs_f64()
        );
    }
    ExitCode::SUCCESS
}

/// Parses every text in passes on this thread until at least a second has passed.
fn bench_parsing(texts: &[(String, Option<CurrencyCode>)]) -> (f64, u32, Duration) {
    let started = Instant::now();
    let mut passes = 0u32;
    while passes == 0 || started.elapsed() < Duration::from_secs(1) {
        for (text, hint) in texts {
            std::hint::black_box(scan_price(std::hint::black_box(text), *hint, None));
        }
        passes += 1;
    }
    let elapsed = started.elapsed();
    let strings = texts.len() as f64 * f64::from(passes);
    (strings / elapsed.as_secs_f64(), passes, elapsed)
}
