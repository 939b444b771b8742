//! The price-history part of section `analyze_market`: what the stored observations
//! cover, the trend per window (or why there is none) and the daily chart.

use crate::analysis::history::{PriceHistory, describe_missing};
use crate::domain::Language;
use crate::report::html::charts::history_svg;
use crate::report::html::format::{fmt_money, fmt_signed};
use crate::report::html::view::{HistoryView, HistoryWindowRow};

pub fn history_view(h: &PriceHistory, currency: &str) -> HistoryView {
    let money = |v: f64| fmt_money(v, currency);
    let summary = match (h.first_observed_at, h.last_observed_at) {
        (Some(first), Some(last)) => format!(
            "{} price observations ({} from earlier analyses) between {} and {}.",
            h.observation_count,
            h.earlier_observation_count,
            first.format("%Y-%m-%d"),
            last.format("%Y-%m-%d")
        ),
        _ => "No price observation.".to_owned(),
    };
    let mut rates_note = match h.rates_date {
        Some(d) => format!(
            "Stored prices are converted into {currency} with the same fixed reference rates ({d}) as this analysis, so exchange-rate moves never show as price trends."
        ),
        None => String::new(),
    };
    if h.unconverted_count > 0 {
        rates_note.push_str(&format!(
            " {} in a currency without a reference rate {} left out.",
            Language::En.count(
                h.unconverted_count.into(),
                "stored observation",
                "stored observations"
            ),
            if Language::En.is_plural(h.unconverted_count.into()) {
                "were"
            } else {
                "was"
            }
        ));
    }
    HistoryView {
        summary,
        missing: (!h.has_trend)
            .then(|| h.longest_window())
            .flatten()
            .map(|w| describe_missing(&w.missing(h.min_observations, h.min_days))),
        has_trend: h.has_trend,
        windows: h
            .windows
            .iter()
            .map(|w| HistoryWindowRow {
                window: format!("up to {} days back", w.window_days),
                observations: w.observation_count,
                offers_with_history: w.offers_with_history,
                days_covered: format!("{:.1}", w.days_covered),
                slope: w.trend.as_ref().map_or_else(
                    || "—".to_owned(),
                    |t| format!("{} {currency}/day", fmt_signed(t.slope_per_day)),
                ),
                change: w.trend.as_ref().map_or_else(
                    || "—".to_owned(),
                    |t| {
                        if t.percent_change.is_finite() {
                            format!("{:+.1}%", t.percent_change)
                        } else {
                            "—".to_owned()
                        }
                    },
                ),
                min: w
                    .trend
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |t| money(t.min)),
                max: w
                    .trend
                    .as_ref()
                    .map_or_else(|| "—".to_owned(), |t| money(t.max)),
                reason: w.reason.clone(),
            })
            .collect(),
        chart: history_svg(&h.daily, currency),
        rates_note,
    }
}
