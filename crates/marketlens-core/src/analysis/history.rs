//! Price history and trends, computed only from stored price observations.
//!
//! Every analysis appends one observation per offer (original amount and currency,
//! product, offer, source, time). A later analysis of the same products reads them back
//! and passes them here together with its own offers (observed "now"). Nothing is
//! simulated: with too few observations, or observations spread over too few days, a
//! window reports "not enough history" instead of a trend.
//!
//! **Currency.** Observations keep the shop's own amount and currency. Stored prices
//! are converted into the target currency with the *same* fixed rate table the
//! analysis uses for its own offers, so an exchange-rate move between two analyses
//! never shows up as a price trend: only shop prices moving do. Today's prices are the
//! offers' converted prices, exactly as in the market figures; when normalisation also
//! moved an offer onto another tax basis, that offer's stored prices get the same
//! adjustment (the ratio of its converted price to its shown price at the fixed rate),
//! so a tax adjustment never looks like a price move either.
//!
//! **Trend.** Within a window, the slope is the *within-offer* least-squares slope of
//! price against time (each offer's prices are centred on its own mean time and price
//! before the fit). An offer or product that appears or disappears between analyses
//! therefore never creates a trend by changing the mix; only offers observed at
//! several times contribute. The percent change is that slope over the window's span,
//! relative to the fitted price level at the window's start.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use super::stats::quantile_sorted;
use crate::config::Thresholds;
use crate::domain::{CurrencyCode, Language, Money, Product};
use crate::normalize::currency::RateTable;
use crate::ports::PriceObservation;

/// Trend windows, in days back from the analysis time.
pub const TREND_WINDOWS_DAYS: [u32; 3] = [7, 30, 90];

/// How far back an analysis needs observations: its longest window.
pub const HISTORY_LOOKBACK_DAYS: u32 = TREND_WINDOWS_DAYS[TREND_WINDOWS_DAYS.len() - 1];

const SECONDS_PER_DAY: f64 = 86_400.0;

#[derive(Debug, Clone, PartialEq)]
pub struct HistorySettings {
    /// Observations a window needs before its trend is computed.
    pub min_observations: u32,
    /// Days between first and last observation a window needs.
    pub min_days: u32,
}

impl HistorySettings {
    pub fn from_thresholds(t: &Thresholds) -> Self {
        Self {
            min_observations: t.history_min_observations,
            min_days: t.history_min_days,
        }
    }
}

/// A trend over one window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriceTrend {
    /// Within-offer least-squares slope, target currency per day.
    pub slope_per_day: f64,
    /// `slope_per_day × days_covered / start_level`, in percent.
    pub percent_change: f64,
    /// Fitted mean price at the window's first observation.
    pub start_level: f64,
    /// Lowest and highest observed price in the window.
    pub min: f64,
    pub max: f64,
}

/// One trend window and what it had to work with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendWindow {
    pub window_days: u32,
    pub observation_count: u32,
    /// Offers observed at two or more different times in the window.
    pub offers_with_history: u32,
    /// Days between the first and last observation in the window.
    pub days_covered: f64,
    /// `None` when the window does not have enough history (see `reason`).
    pub trend: Option<PriceTrend>,
    /// Why there is no trend, in words ("not enough history: …").
    pub reason: Option<String>,
}

/// Prices observed on one day (UTC), for the history chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DailyPrices {
    pub date: NaiveDate,
    pub observation_count: u32,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// Price history of the analysed products.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct PriceHistory {
    /// Observations used (earlier analyses and this one), within the longest window.
    pub observation_count: u32,
    /// Of which from earlier analyses.
    pub earlier_observation_count: u32,
    /// Stored observations left out because the rate table has no rate for their
    /// currency.
    pub unconverted_count: u32,
    pub first_observed_at: Option<DateTime<Utc>>,
    pub last_observed_at: Option<DateTime<Utc>>,
    /// Date of the fixed rate table every observation was converted with.
    pub rates_date: Option<NaiveDate>,
    /// The thresholds the windows were judged with (`thresholds.history_min_*`).
    pub min_observations: u32,
    pub min_days: u32,
    /// True when at least one window has a trend.
    pub has_trend: bool,
    pub windows: Vec<TrendWindow>,
    pub daily: Vec<DailyPrices>,
}

/// What a window lacks for a trend, each part with the figures to say so.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MissingHistory {
    /// The prices span fewer days than needed (`covered` is 0 when every price was
    /// observed at one time).
    Days { covered: f64, needed: u32 },
    /// No offer was observed at two different times: nothing to compare over time.
    RepeatedOffer,
    /// Fewer observations than needed.
    Observations { have: u32, needed: u32 },
}

impl TrendWindow {
    /// What this window lacks for a trend under these thresholds; empty when it has
    /// enough history.
    pub fn missing(&self, min_observations: u32, min_days: u32) -> Vec<MissingHistory> {
        let mut out = Vec::new();
        if self.days_covered < f64::from(min_days) {
            out.push(MissingHistory::Days {
                covered: self.days_covered,
                needed: min_days,
            });
        }
        if self.offers_with_history == 0 {
            out.push(MissingHistory::RepeatedOffer);
        }
        if self.observation_count < min_observations {
            out.push(MissingHistory::Observations {
                have: self.observation_count,
                needed: min_observations,
            });
        }
        out
    }
}

/// A span of time too short for a trend, in the unit that reads naturally.
pub enum ShortSpan {
    UnderAnHour,
    Hours(u64),
    Days(f64),
}

/// `days` as under an hour, whole hours (under a day) or days.
pub fn short_span(days: f64) -> ShortSpan {
    let hours = days * 24.0;
    if hours < 1.0 {
        ShortSpan::UnderAnHour
    } else if days < 1.0 {
        ShortSpan::Hours(hours.floor() as u64)
    } else {
        ShortSpan::Days(days)
    }
}

/// What is missing, in English: "the prices cover only 2.0 days (at least 3 needed)
/// and no offer has been seen at two different times".
pub fn describe_missing(missing: &[MissingHistory]) -> String {
    let en = Language::En;
    let parts: Vec<String> = missing
        .iter()
        .map(|m| match *m {
            MissingHistory::Days { covered, needed } if covered <= 0.0 => format!(
                "all prices were observed at one time (a trend needs at least {} between the first and the last)",
                en.count(needed.into(), "day", "days")
            ),
            MissingHistory::Days { covered, needed } => format!(
                "the prices cover {} (at least {needed} days needed)",
                match short_span(covered) {
                    ShortSpan::UnderAnHour => "less than an hour".to_owned(),
                    ShortSpan::Hours(h) => format!("only {}", en.count(h, "hour", "hours")),
                    ShortSpan::Days(d) => format!("only {d:.1} days"),
                }
            ),
            MissingHistory::RepeatedOffer => {
                "no offer has been seen at two different times".to_owned()
            }
            MissingHistory::Observations { have, needed } => format!(
                "there {} only {} (at least {needed} needed)",
                if en.is_plural(have.into()) { "are" } else { "is" },
                en.count(have.into(), "observation", "observations")
            ),
        })
        .collect();
    en.join_list(&parts)
}

impl PriceHistory {
    /// The longest window (what "not enough history" is explained with: it holds
    /// every observation the others hold).
    pub fn longest_window(&self) -> Option<&TrendWindow> {
        self.windows.iter().max_by_key(|w| w.window_days)
    }

    /// The longest window with a trend, if any (what the summary reports).
    pub fn headline(&self) -> Option<(&TrendWindow, &PriceTrend)> {
        self.windows
            .iter()
            .filter_map(|w| w.trend.as_ref().map(|t| (w, t)))
            .max_by_key(|(w, _)| w.window_days)
    }
}

/// An offer across analyses: product, source and the source's offer id.
type OfferKey<'a> = (&'a str, &'a str, &'a str);

/// One price at one time, in the target currency.
struct Point<'a> {
    offer: OfferKey<'a>,
    /// Days relative to the analysis time (≤ 0 for the past).
    day: f64,
    at: DateTime<Utc>,
    price: f64,
}

/// Price history from `earlier` stored observations plus the offers of `products`
/// (observed at `now`), in `currency`. Pure: the caller loads the observations.
pub fn price_history(
    earlier: &[PriceObservation],
    products: &[Product],
    currency: CurrencyCode,
    rates: &RateTable,
    now: DateTime<Utc>,
    settings: &HistorySettings,
) -> PriceHistory {
    let horizon = f64::from(HISTORY_LOOKBACK_DAYS);
    let day_of =
        |at: DateTime<Utc>| (at - now).num_milliseconds() as f64 / 1000.0 / SECONDS_PER_DAY;
    let convert = |money: Money| {
        rates
            .convert(money, currency)
            .ok()
            .and_then(|c| c.money.amount.to_f64())
            .filter(|v| v.is_finite() && *v > 0.0)
    };
    // Today's converted price over the shown price at the fixed rate, per offer: 1
    // unless normalisation changed the tax basis.
    let mut basis_factor: BTreeMap<OfferKey, f64> = BTreeMap::new();
    for p in products {
        for o in &p.offers {
            let converted = o.converted.money.amount.to_f64().filter(|v| v.is_finite());
            if let (Some(c), Some(shown)) = (converted, convert(o.price)) {
                basis_factor.insert((&p.id, &o.source, &o.id), c / shown);
            }
        }
    }
    let mut points: Vec<Point> = Vec::new();
    let mut unconverted = 0u32;
    for o in earlier {
        let day = day_of(o.observed_at);
        // Observations from the future (clock skew) or past the horizon are not history.
        if !(-horizon..=0.0).contains(&day) {
            continue;
        }
        let offer = (
            o.product_id.as_str(),
            o.source.as_str(),
            o.offer_id.as_str(),
        );
        match convert(Money::new(o.amount, o.currency)) {
            Some(price) => points.push(Point {
                offer,
                day,
                at: o.observed_at,
                price: price * basis_factor.get(&offer).copied().unwrap_or(1.0),
            }),
            None => unconverted += 1,
        }
    }
    let earlier_count = points.len() as u32;
    for p in products {
        for o in &p.offers {
            if let Some(price) = o
                .converted
                .money
                .amount
                .to_f64()
                .filter(|v| v.is_finite() && *v > 0.0)
            {
                points.push(Point {
                    offer: (&p.id, &o.source, &o.id),
                    day: 0.0,
                    at: now,
                    price,
                });
            }
        }
    }

    let windows = TREND_WINDOWS_DAYS
        .iter()
        .map(|&w| {
            let in_window: Vec<&Point> = points.iter().filter(|p| p.day >= -f64::from(w)).collect();
            trend_window(w, &in_window, settings)
        })
        .collect::<Vec<_>>();

    PriceHistory {
        observation_count: points.len() as u32,
        earlier_observation_count: earlier_count,
        unconverted_count: unconverted,
        first_observed_at: points.iter().map(|p| p.at).min(),
        last_observed_at: points.iter().map(|p| p.at).max(),
        rates_date: Some(rates.date()),
        min_observations: settings.min_observations,
        min_days: settings.min_days,
        has_trend: windows.iter().any(|w| w.trend.is_some()),
        windows,
        daily: daily_prices(&points),
    }
}

fn trend_window(window_days: u32, points: &[&Point], settings: &HistorySettings) -> TrendWindow {
    let count = points.len() as u32;
    let first = points.iter().map(|p| p.day).min_by(f64::total_cmp);
    let last = points.iter().map(|p| p.day).max_by(f64::total_cmp);
    let days_covered = match (first, last) {
        (Some(a), Some(b)) => b - a,
        _ => 0.0,
    };
    // Group by offer: (times, prices).
    let mut by_offer: BTreeMap<OfferKey, Vec<(f64, f64)>> = BTreeMap::new();
    for p in points {
        by_offer.entry(p.offer).or_default().push((p.day, p.price));
    }
    let offers_with_history = by_offer
        .values()
        .filter(|v| v.iter().any(|(d, _)| *d != v[0].0))
        .count() as u32;
    let mut window = TrendWindow {
        window_days,
        observation_count: count,
        offers_with_history,
        days_covered,
        trend: None,
        reason: None,
    };
    let missing = window.missing(settings.min_observations, settings.min_days);
    if !missing.is_empty() {
        window.reason = Some(format!(
            "not enough history: {}",
            describe_missing(&missing)
        ));
        return window;
    }
    // Within-offer least squares: Σ (t - t̄ₒ)(y - ȳₒ) / Σ (t - t̄ₒ)².
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for obs in by_offer.values() {
        let n = obs.len() as f64;
        let mt = obs.iter().map(|o| o.0).sum::<f64>() / n;
        let my = obs.iter().map(|o| o.1).sum::<f64>() / n;
        for (t, y) in obs {
            sxy += (t - mt) * (y - my);
            sxx += (t - mt) * (t - mt);
        }
    }
    if sxx <= 0.0 {
        // Unreachable once an offer was seen at two times; kept so a zero variance can
        // never divide.
        window.reason = Some(format!(
            "not enough history: {}",
            describe_missing(&[MissingHistory::RepeatedOffer])
        ));
        return window;
    }
    let slope = sxy / sxx;
    let start = first.unwrap_or(0.0);
    // Every price moved back to the window's start along the fitted slope; their mean is
    // the price level the change is measured against.
    let start_level = points
        .iter()
        .map(|p| p.price - slope * (p.day - start))
        .sum::<f64>()
        / points.len() as f64;
    let percent_change = if start_level > 0.0 {
        slope * days_covered / start_level * 100.0
    } else {
        0.0
    };
    let prices = points.iter().map(|p| p.price);
    window.trend = Some(PriceTrend {
        slope_per_day: slope,
        percent_change,
        start_level,
        min: prices.clone().fold(f64::INFINITY, f64::min),
        max: prices.fold(f64::NEG_INFINITY, f64::max),
    });
    window
}

/// Median, min and max of the prices observed on each UTC day, oldest first.
fn daily_prices(points: &[Point]) -> Vec<DailyPrices> {
    let mut by_day: BTreeMap<NaiveDate, Vec<f64>> = BTreeMap::new();
    for p in points {
        by_day.entry(p.at.date_naive()).or_default().push(p.price);
    }
    by_day
        .into_iter()
        .map(|(date, mut prices)| {
            prices.sort_by(f64::total_cmp);
            DailyPrices {
                date,
                observation_count: prices.len() as u32,
                median: quantile_sorted(&prices, 0.5),
                min: prices[0],
                max: prices[prices.len() - 1],
            }
        })
        .collect()
}

/// When each source whose products an analysis fetched itself gave them, by the
/// source name its products carry.
pub type FetchTimes = BTreeMap<String, DateTime<Utc>>;

/// One observation per offer of `products` that this analysis fetched, in the shop's
/// own amount and currency, observed when its source gave it (`fetched`). An offer
/// whose source is not in `fetched` came from a cached or stale copy: the analysis
/// that fetched it recorded it, so it adds no new observation (a price repeated from
/// a cache is not a price seen again).
pub fn observations_of(
    products: &[Product],
    query_id: uuid::Uuid,
    fetched: &FetchTimes,
) -> Vec<PriceObservation> {
    products
        .iter()
        .flat_map(|p| {
            p.offers.iter().filter_map(move |o| {
                Some(PriceObservation {
                    query_id,
                    product_id: p.id.clone(),
                    offer_id: o.id.clone(),
                    source: o.source.clone(),
                    seller: o.seller.clone(),
                    amount: o.price.amount,
                    currency: o.price.currency,
                    observed_at: *fetched.get(&o.source)?,
                })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
    }

    fn settings(min_observations: u32, min_days: u32) -> HistorySettings {
        HistorySettings {
            min_observations,
            min_days,
        }
    }

    /// A product with one offer at `eur` euros (built from the shared test catalogue so
    /// it stays a real normalised product).
    fn product(id: &str, eur: i64) -> Product {
        let mut p = crate::testing::result().products.remove(0);
        p.id = id.into();
        p.offers.truncate(1);
        p.offers[0].id = format!("{id}-o");
        let money = Money::new(Decimal::new(eur, 0), CurrencyCode::EUR);
        p.offers[0].price = money;
        p.offers[0].converted.money = money;
        p
    }

    fn obs(product: &str, amount: i64, currency: CurrencyCode, days_ago: i64) -> PriceObservation {
        PriceObservation {
            query_id: Uuid::nil(),
            product_id: product.into(),
            offer_id: format!("{product}-o"),
            source: "catalog".into(),
            seller: "Shop".into(),
            amount: Decimal::new(amount, 0),
            currency,
            observed_at: now() - Duration::days(days_ago),
        }
    }

    /// Stored observations of product `id`'s offer in euros: `(amount, days ago)`.
    fn eur_prices(id: &str, prices: &[(i64, i64)]) -> Vec<PriceObservation> {
        prices
            .iter()
            .map(|&(amount, days_ago)| obs(id, amount, CurrencyCode::EUR, days_ago))
            .collect()
    }

    /// Why the window has no trend; panics when it has one.
    fn reason(w: &TrendWindow) -> &str {
        w.reason
            .as_deref()
            .expect("a window without a trend says why")
    }

    fn history(
        earlier: &[PriceObservation],
        products: &[Product],
        s: &HistorySettings,
    ) -> PriceHistory {
        price_history(
            earlier,
            products,
            CurrencyCode::EUR,
            &RateTable::bundled(),
            now(),
            s,
        )
    }

    #[test]
    fn no_stored_observations_is_not_enough_history() {
        let h = history(&[], &[product("a", 100)], &settings(3, 3));
        assert!(!h.has_trend);
        assert_eq!(h.observation_count, 1);
        assert_eq!(h.earlier_observation_count, 0);
        assert_eq!(h.windows.len(), 3);
        for w in &h.windows {
            assert!(w.trend.is_none());
            assert!(reason(w).starts_with("not enough history"), "{w:?}");
        }
        assert!(h.headline().is_none());
        assert_eq!(h.daily.len(), 1);
        // Nothing at all: still a well-formed, empty history.
        let empty = history(&[], &[], &settings(3, 3));
        assert_eq!(empty.observation_count, 0);
        assert!(empty.daily.is_empty() && !empty.has_trend);
    }

    #[test]
    fn a_rising_price_gives_its_hand_computed_slope_and_change() {
        // 100 € 20 days ago, 110 € 10 days ago, 120 € now: +1 €/day, from 100 €: +20 %.
        let earlier = eur_prices("a", &[(100, 20), (110, 10)]);
        let h = history(&earlier, &[product("a", 120)], &settings(3, 3));
        assert!(h.has_trend);
        let w7 = &h.windows[0];
        assert_eq!((w7.window_days, w7.observation_count), (7, 1));
        assert!(w7.trend.is_none(), "a week holds only today's price");
        let w30 = &h.windows[1];
        assert_eq!(w30.observation_count, 3);
        assert_eq!(w30.offers_with_history, 1);
        assert!((w30.days_covered - 20.0).abs() < 1e-9);
        let t = w30.trend.as_ref().unwrap();
        assert!((t.slope_per_day - 1.0).abs() < 1e-9, "{t:?}");
        assert!((t.start_level - 100.0).abs() < 1e-9);
        assert!((t.percent_change - 20.0).abs() < 1e-9);
        assert_eq!((t.min, t.max), (100.0, 120.0));
        assert_eq!(
            h.windows[2].trend, w30.trend,
            "90 days hold the same points"
        );
        assert_eq!(h.headline().unwrap().0.window_days, 90);
        assert_eq!(h.daily.len(), 3);
        assert_eq!(h.daily[0].median, 100.0);
    }

    #[test]
    fn the_minimum_history_rule_uses_both_thresholds() {
        let earlier = eur_prices("a", &[(100, 2)]);
        // Two observations over two days: too few observations for 3, too few days for 3.
        let h = history(&earlier, &[product("a", 90)], &settings(3, 3));
        assert!(!h.has_trend);
        assert!(
            reason(&h.windows[0]).contains(
                "the prices cover only 2.0 days (at least 3 days needed) and there are only 2 observations (at least 3 needed)"
            ),
            "{:?}",
            h.windows[0]
        );
        // Enough observations but over too few days.
        let earlier = eur_prices("a", &[(100, 2), (95, 1)]);
        assert!(!history(&earlier, &[product("a", 90)], &settings(3, 3)).has_trend);
        // Lower thresholds: the same data has a (falling) trend.
        let h = history(&earlier, &[product("a", 90)], &settings(3, 2));
        let t = h.windows[0].trend.as_ref().unwrap();
        assert!((t.slope_per_day + 5.0).abs() < 1e-9, "{t:?}");
        assert!(t.percent_change < 0.0);
    }

    #[test]
    fn constant_prices_have_a_flat_trend() {
        let earlier = eur_prices("a", &[(50, 30), (50, 15)]);
        let h = history(&earlier, &[product("a", 50)], &settings(3, 3));
        let t = h.headline().unwrap().1;
        assert_eq!((t.slope_per_day, t.percent_change), (0.0, 0.0));
        assert_eq!((t.min, t.max), (50.0, 50.0));
    }

    #[test]
    fn a_product_joining_the_mix_does_not_make_a_trend() {
        // a stays at 100 €; b (1000 €) is seen only today. A pooled fit would see the
        // mean jump from 100 to 550; the within-product fit sees no change.
        let earlier = eur_prices("a", &[(100, 20), (100, 10)]);
        let h = history(
            &earlier,
            &[product("a", 100), product("b", 1000)],
            &settings(3, 3),
        );
        let (w, t) = h.headline().unwrap();
        assert_eq!((w.observation_count, w.offers_with_history), (4, 1));
        assert_eq!(t.slope_per_day, 0.0);
        assert_eq!(t.max, 1000.0);
        // Observations of offers never seen twice: no comparison is possible.
        let earlier = [
            obs("x", 100, CurrencyCode::EUR, 20),
            obs("y", 100, CurrencyCode::EUR, 10),
        ];
        let h = history(&earlier, &[product("a", 100)], &settings(3, 3));
        assert!(!h.has_trend);
        assert!(
            reason(&h.windows[2]).ends_with("no offer has been seen at two different times"),
            "{:?}",
            h.windows[2]
        );
    }

    #[test]
    fn stored_prices_are_converted_with_the_fixed_rate_table() {
        let rates = RateTable::bundled();
        let usd = |v: i64| {
            rates
                .convert(
                    Money::new(Decimal::new(v, 0), CurrencyCode::USD),
                    CurrencyCode::EUR,
                )
                .unwrap()
                .money
                .amount
                .to_f64()
                .unwrap()
        };
        // The same USD price three times: no trend, whatever the dollar did meanwhile,
        // because every observation is converted with the one table.
        let earlier = [
            obs("a", 200, CurrencyCode::USD, 20),
            obs("a", 200, CurrencyCode::USD, 10),
        ];
        let mut today = product("a", 0);
        today.offers[0].price = Money::new(Decimal::new(200, 0), CurrencyCode::USD);
        today.offers[0].converted = rates
            .convert(today.offers[0].price, CurrencyCode::EUR)
            .unwrap();
        let h = history(&earlier, &[today], &settings(3, 3));
        let t = h.headline().unwrap().1;
        assert!(t.slope_per_day.abs() < 1e-9, "{t:?}");
        assert!((t.min - usd(200)).abs() < 1e-9);
        assert_eq!(h.rates_date, Some(rates.date()));
        // A currency the table does not know is counted, not guessed.
        let unknown = CurrencyCode::parse("XCG").unwrap();
        let h = history(
            &[obs("a", 5, unknown, 3)],
            &[product("a", 1)],
            &settings(3, 3),
        );
        assert_eq!((h.unconverted_count, h.earlier_observation_count), (1, 0));
    }

    #[test]
    fn a_tax_basis_adjustment_of_today_applies_to_the_offer_s_stored_prices() {
        // Shown 100 € three times; today normalisation put it on another tax basis at
        // 120 €. The stored 100s become 120s: no trend, and figures match the market's.
        let earlier = eur_prices("a", &[(100, 20), (100, 10)]);
        let mut today = product("a", 100);
        today.offers[0].converted.money.amount = Decimal::new(120, 0);
        let h = history(&earlier, &[today], &settings(3, 3));
        let t = h.headline().unwrap().1;
        assert!(t.slope_per_day.abs() < 1e-9, "{t:?}");
        assert!((t.min - 120.0).abs() < 1e-9 && (t.max - 120.0).abs() < 1e-9);
    }

    #[test]
    fn another_offer_of_the_same_product_does_not_make_a_trend() {
        // Offer a-o stays at 100 €; a marketplace offer of the same product (200 €) is
        // seen only today: per-offer fits see no change.
        let earlier = eur_prices("a", &[(100, 20), (100, 10)]);
        let mut today = product("a", 100);
        let mut other = today.offers[0].clone();
        other.id = "a-marketplace".into();
        other.converted.money.amount = Decimal::new(200, 0);
        today.offers.push(other);
        let h = history(&earlier, &[today], &settings(3, 3));
        let (w, t) = h.headline().unwrap();
        assert_eq!(w.offers_with_history, 1);
        assert_eq!(t.slope_per_day, 0.0);
    }

    #[test]
    fn observations_older_than_the_longest_window_or_in_the_future_are_ignored() {
        let earlier = eur_prices("a", &[(100, 200), (100, -1)]);
        let h = history(&earlier, &[product("a", 100)], &settings(2, 1));
        assert_eq!(h.observation_count, 1);
    }

    #[test]
    fn observations_are_timed_when_fetched_and_copies_add_none() {
        let fetched_live = now() - Duration::minutes(3);
        let mut copy = product("b", 100);
        copy.offers[0].source = "cached-shop".into();
        let products = [product("a", 100), copy];
        let fetched = FetchTimes::from([(products[0].offers[0].source.clone(), fetched_live)]);
        let o = observations_of(&products, Uuid::nil(), &fetched);
        assert_eq!(o.len(), 1, "{o:?}");
        assert_eq!(o[0].product_id, "a");
        assert_eq!(o[0].observed_at, fetched_live);
        assert!(observations_of(&products, Uuid::nil(), &FetchTimes::new()).is_empty());
    }

    #[test]
    fn observations_of_products_keep_the_original_currency() {
        let mut p = product("a", 100);
        p.offers[0].price = Money::new(Decimal::new(120, 0), CurrencyCode::USD);
        let fetched = FetchTimes::from([(p.offers[0].source.clone(), now())]);
        let o = observations_of(&[p], Uuid::nil(), &fetched);
        assert_eq!(o.len(), 1);
        assert_eq!(
            (o[0].amount, o[0].currency),
            (Decimal::new(120, 0), CurrencyCode::USD)
        );
        assert_eq!(o[0].observed_at, now());
    }
}
