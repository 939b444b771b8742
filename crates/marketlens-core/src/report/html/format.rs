//! How figures are written in the report: money with its ISO code, shares as
//! percentages, signed scores, stars, durations, ages. The formatters write `—` for a
//! value that is not a finite number, so no `NaN` or `inf` reaches the page.

use rust_decimal::Decimal;

use crate::domain::{Condition, Money};
use crate::result::AnalysisResult;

pub fn fmt_datetime(r: &AnalysisResult) -> String {
    r.generated_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// A figure in the target currency: two decimals and the ISO code.
pub fn fmt_money(v: f64, currency: &str) -> String {
    if v.is_finite() {
        format!("{v:.2} {currency}")
    } else {
        "—".to_owned()
    }
}

/// A price in the target currency followed by its condition when not new:
/// "52.27 EUR (used)".
pub fn fmt_price_in(v: f64, currency: &str, condition: Condition) -> String {
    with_condition(fmt_money(v, currency), condition)
}

/// `text` followed by the condition in brackets when the condition is not new.
pub fn with_condition(text: String, condition: Condition) -> String {
    match condition.price_note() {
        Some(note) => format!("{text} ({note})"),
        None => text,
    }
}

/// An exact amount: rounded to two decimals, with the ISO code.
pub fn fmt_money_exact(m: &Money) -> String {
    format!("{} {}", fmt_decimal(m.amount), m.currency)
}

pub fn fmt_decimal(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2))
}

pub fn fmt_pct(share: f64) -> String {
    if share.is_finite() {
        format!("{:.0}%", share * 100.0)
    } else {
        "—".to_owned()
    }
}

/// A score or z-value with its sign.
pub fn fmt_signed(v: f64) -> String {
    if v.is_finite() {
        format!("{v:+.2}")
    } else {
        "—".to_owned()
    }
}

pub fn fmt_stars(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.1} ★")
    } else {
        "—".to_owned()
    }
}

/// A figure from an explanation: integers as such, else up to four decimals.
pub fn fmt_figure(v: f64) -> String {
    if !v.is_finite() {
        return "—".to_owned();
    }
    if v.fract() == 0.0 && v.abs() < 1e15 {
        return format!("{v:.0}");
    }
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// An SVG coordinate: finite, one decimal.
pub fn fmt_coord(v: f64) -> String {
    format!("{:.1}", if v.is_finite() { v } else { 0.0 })
}

pub fn fmt_duration_ms(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

pub fn fmt_age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h {} min", secs / 3600, secs % 3600 / 60),
        _ => format!("{} d {} h", secs / 86_400, secs % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CurrencyCode;

    #[test]
    fn formatting_helpers() {
        assert_eq!(fmt_money(1234.5, "EUR"), "1234.50 EUR");
        assert_eq!(fmt_money(f64::NAN, "EUR"), "—");
        assert_eq!(
            fmt_money_exact(&Money::new(
                Decimal::new(1299, 0),
                CurrencyCode::parse("JPY").unwrap()
            )),
            "1299.00 JPY"
        );
        assert_eq!(fmt_figure(3.0), "3");
        assert_eq!(fmt_figure(0.025), "0.025");
        assert_eq!(fmt_age(59), "59 s");
        assert_eq!(fmt_age(90_000), "1 d 1 h");
        assert_eq!(fmt_duration_ms(2500), "2.5 s");
    }
}
