//! Real price history: a trend appears only once earlier analyses have stored prices,
//! and it follows those stored prices.

mod support;

use std::sync::Arc;

use chrono::{Duration, Utc};
use marketlens_core::analysis::history::{FetchTimes, observations_of};
use marketlens_core::domain::AnalysisRequest;
use marketlens_core::report::AnalysisResult;
use marketlens_service::in_process::analyze_in_process;
use marketlens_service::pipeline::NoProgress;
use marketlens_service::startup::App;
use rust_decimal::Decimal;

/// Runs one fresh analysis (never answered from an earlier result) and returns its
/// result and stored HTML report.
async fn analyse(app: &Arc<App>, query: &str) -> (AnalysisResult, String) {
    let request = AnalysisRequest {
        query: query.into(),
        ..Default::default()
    };
    let done = analyze_in_process(app, &request, false, &NoProgress)
        .await
        .unwrap();
    let html = app.blob.get(&done.report.key).await.unwrap().unwrap();
    (done.result, String::from_utf8(html).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_analysis_over_stored_prices_shows_a_real_trend() {
    let dir = tempfile::tempdir().unwrap();
    let app = support::embedded_app(&dir.path().join("data")).await;

    // First analysis: nothing stored yet, so no trend and the report says so.
    let (first, html) = analyse(&app, "wireless headphones").await;
    let h = &first.market.history;
    assert_eq!(h.earlier_observation_count, 0);
    assert!(!h.has_trend);
    assert!(h.windows.iter().all(|w| w.trend.is_none()));
    assert!(
        html.contains("Not enough history for a price trend"),
        "report"
    );
    assert!(
        !html.contains("id=\"history-title\""),
        "no chart without history"
    );
    assert!(
        first
            .narrative
            .iter()
            .any(|p| p.starts_with("Not enough price history"))
    );

    // Earlier prices of the same offers, cheaper the further back: 40, 20 and 10 days
    // ago at 70 %, 80 % and 90 % of today's price, in the shop's own currency.
    let now = Utc::now();
    let mut earlier = Vec::new();
    for (days_ago, percent) in [(40, 70), (20, 80), (10, 90)] {
        let fetched = FetchTimes::from([("catalog".to_owned(), now - Duration::days(days_ago))]);
        let mut obs = observations_of(&first.products, uuid::Uuid::now_v7(), &fetched);
        for o in &mut obs {
            o.amount = (o.amount * Decimal::new(percent, 2)).round_dp(2);
        }
        earlier.extend(obs);
    }
    let stored = earlier.len();
    app.store.append_price_observations(&earlier).await.unwrap();

    // Second analysis of the same query: a rising trend from those observations.
    let (second, html) = analyse(&app, "wireless headphones").await;
    let h = &second.market.history;
    let offers = first.market.offer_count as usize;
    // Earlier: the three inserted dates plus the first analysis' own prices.
    assert_eq!(h.earlier_observation_count as usize, stored + offers);
    assert!(h.has_trend);
    let by_days = |d: u32| h.windows.iter().find(|w| w.window_days == d).unwrap();
    assert!(
        by_days(7).trend.is_none(),
        "a week holds only today's prices"
    );
    assert!(
        by_days(7)
            .reason
            .as_deref()
            .unwrap()
            .starts_with("not enough history")
    );
    for days in [30, 90] {
        let t = by_days(days).trend.as_ref().unwrap();
        assert!(t.slope_per_day > 0.0, "{days} days: {t:?}");
        assert!(t.percent_change > 0.0, "{days} days: {t:?}");
        assert!(t.min < t.max);
    }
    // Every offer follows the same path (70, 80, 90, 100, 100 % at -40, -20, -10, 0,
    // 0 days), so the change is that of one offer: slope 8.6/1120 of the price per day,
    // start level 0.88 - 26 · slope, over 40 days → +45.1 % (cents rounding aside).
    let t90 = by_days(90).trend.as_ref().unwrap();
    let slope = 8.6 / 1120.0;
    let expected = slope * 40.0 / (0.88 - 26.0 * slope) * 100.0;
    assert!(
        (t90.percent_change - expected).abs() < 0.5,
        "{} vs {expected}",
        t90.percent_change
    );
    assert_eq!(by_days(90).observation_count as usize, stored + 2 * offers);
    assert!(h.daily.len() >= 4, "{:?}", h.daily);

    assert!(html.contains("id=\"history-title\""), "history chart");
    assert!(html.contains("<polyline class=\"trend\""));
    let summary = second.narrative.join(" ");
    assert!(
        summary.contains("Over 40 days of stored prices, prices of the same products rose"),
        "{summary}"
    );
}
