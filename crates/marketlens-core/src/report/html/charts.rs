//! The report's charts as SVG geometry: price histogram, price history, star ratings
//! and the sentiment bar. Each is computed here as pre-formatted strings (every number
//! finite, see [`fmt_coord`]) and drawn by the template; a chart that has nothing to
//! show, or a value that is not finite, gives `None` and the section says so instead.

use crate::analysis::history::DailyPrices;
use crate::analysis::market::PriceBin;
use crate::domain::Language;
use crate::report::html::format::{fmt_coord, fmt_money, fmt_pct};
use crate::report::html::view::{
    GridLine, HistogramSvg, HistoryDay, HistorySvg, PlotFrame, RatingRow, RatingsSvg, StackSegment,
    StackSvg, SvgBar, SvgTick,
};

fn plot_frame(width: f64, height: f64, left: f64, top: f64, right: f64, bottom: f64) -> PlotFrame {
    PlotFrame {
        width: width as u32,
        height: height as u32,
        left: fmt_coord(left),
        top: fmt_coord(top),
        right: fmt_coord(right),
        bottom: fmt_coord(bottom),
    }
}

/// Price histogram as SVG geometry; `None` when there is nothing to draw or a bin is
/// not a finite number.
pub fn histogram_svg(bins: &[PriceBin], currency: &str) -> Option<HistogramSvg> {
    if bins.is_empty()
        || !bins
            .iter()
            .all(|b| b.lower.is_finite() && b.upper.is_finite())
    {
        return None;
    }
    const W: f64 = 640.0;
    const H: f64 = 260.0;
    let (left, right, top, bottom) = (52.0, W - 16.0, 24.0, H - 48.0);
    let plot_w = right - left;
    let plot_h = bottom - top;
    let n = bins.len();
    let max = bins.iter().map(|b| b.count).max().unwrap_or(0).max(1);
    let slot = plot_w / n as f64;
    let gap = if slot > 6.0 { 2.0 } else { 0.0 };
    let integer_edges = bins
        .iter()
        .all(|b| b.lower.fract() == 0.0 && b.upper.fract() == 0.0);
    let edge = |v: f64| {
        if integer_edges {
            format!("{v:.0}")
        } else {
            format!("{v:.2}")
        }
    };
    let bars = bins
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let h = f64::from(b.count) / f64::from(max) * plot_h;
            let x = left + i as f64 * slot + gap / 2.0;
            let y = bottom - h;
            SvgBar {
                x: fmt_coord(x),
                y: fmt_coord(y),
                w: fmt_coord((slot - gap).max(0.5)),
                h: fmt_coord(h),
                label_x: fmt_coord(left + (i as f64 + 0.5) * slot),
                label_y: fmt_coord(y - 4.0),
                count: b.count,
                title: format!(
                    "{}–{} {currency}: {} offer{}",
                    edge(b.lower),
                    edge(b.upper),
                    b.count,
                    if b.count == 1 { "" } else { "s" }
                ),
            }
        })
        .collect();
    let step = n.div_ceil(8).max(1);
    let ticks = (0..=n)
        .filter(|i| i % step == 0 || *i == n)
        .map(|i| {
            let v = if i < n {
                bins[i].lower
            } else {
                bins[n - 1].upper
            };
            SvgTick {
                x: fmt_coord(left + i as f64 * slot),
                label: edge(v),
            }
        })
        .collect();
    let total: u32 = bins.iter().map(|b| b.count).sum();
    Some(HistogramSvg {
        frame: plot_frame(W, H, left, top, right, bottom),
        tick_end: fmt_coord(bottom + 4.0),
        y_max_label: max.to_string(),
        y_grid: (max >= 2).then(|| {
            let mid = max / 2;
            GridLine {
                y: fmt_coord(bottom - f64::from(mid) / f64::from(max) * plot_h),
                label: mid.to_string(),
            }
        }),
        x_title_x: fmt_coord(left + plot_w / 2.0),
        x_title_y: fmt_coord(H - 8.0),
        x_title: format!("Offer price ({currency})"),
        y_title_y: fmt_coord(top + plot_h / 2.0),
        bars,
        ticks,
        summary: format!(
            "Histogram of {total} offer prices in {n} bins from {} to {} {currency}",
            edge(bins[0].lower),
            edge(bins[n - 1].upper)
        ),
    })
}

/// The history chart: one point per day (median price) joined by a line, with a
/// vertical min–max range. The y-axis is scaled to the medians, not to the extremes:
/// one far price would otherwise flatten a 9 % fall into a straight line. A range
/// reaching past the axis is cut at its edge and marked with a triangle. `None` with
/// fewer than two days or a non-finite price.
pub fn history_svg(days: &[DailyPrices], currency: &str) -> Option<HistorySvg> {
    if days.len() < 2
        || !days
            .iter()
            .all(|d| d.median.is_finite() && d.min.is_finite() && d.max.is_finite())
    {
        return None;
    }
    const W: f64 = 640.0;
    const H: f64 = 240.0;
    let (left, right, top, bottom) = (64.0, W - 16.0, 16.0, H - 36.0);
    let lo = days.iter().map(|d| d.median).fold(f64::INFINITY, f64::min);
    let hi = days
        .iter()
        .map(|d| d.median)
        .fold(f64::NEG_INFINITY, f64::max);
    // Room around the medians' range for the usual spread of prices: a quarter of
    // that range, and at least 3 % of the price (or 1) so a flat history still shows
    // a band and day-to-day spreads are not all cut.
    let pad = ((hi - lo) * 0.25).max((hi.abs() * 0.03).max(1.0));
    // Prices are never negative: the axis stops at 0 rather than padding below it.
    let (y_lo, y_hi) = (
        if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        },
        hi + pad,
    );
    let first = days[0].date;
    let span = (days[days.len() - 1].date - first).num_days().max(1) as f64;
    let x_of = |d: &DailyPrices| left + (d.date - first).num_days() as f64 / span * (right - left);
    let y_of = |v: f64| bottom - (v.clamp(y_lo, y_hi) - y_lo) / (y_hi - y_lo) * (bottom - top);
    let points: Vec<HistoryDay> = days
        .iter()
        .map(|d| {
            let x = x_of(d);
            // A triangle at the edge the range is cut at, pointing past it.
            let mut clip_marks = Vec::new();
            if d.max > y_hi {
                clip_marks.push(format!(
                    "M{},{} L{},{} L{},{} Z",
                    fmt_coord(x - 4.0),
                    fmt_coord(top + 7.0),
                    fmt_coord(x),
                    fmt_coord(top),
                    fmt_coord(x + 4.0),
                    fmt_coord(top + 7.0)
                ));
            }
            if d.min < y_lo {
                clip_marks.push(format!(
                    "M{},{} L{},{} L{},{} Z",
                    fmt_coord(x - 4.0),
                    fmt_coord(bottom - 7.0),
                    fmt_coord(x),
                    fmt_coord(bottom),
                    fmt_coord(x + 4.0),
                    fmt_coord(bottom - 7.0)
                ));
            }
            HistoryDay {
                x: fmt_coord(x),
                y: fmt_coord(y_of(d.median)),
                range_top: fmt_coord(y_of(d.max)),
                range_bottom: fmt_coord(y_of(d.min)),
                title: format!(
                    "{}: median {} over {} (min {}, max {}){}",
                    d.date,
                    fmt_money(d.median, currency),
                    Language::En.count(d.observation_count.into(), "observation", "observations"),
                    fmt_money(d.min, currency),
                    fmt_money(d.max, currency),
                    if clip_marks.is_empty() {
                        ""
                    } else {
                        "; the range is cut at the edge of the axis"
                    }
                ),
                clip_marks,
            }
        })
        .collect();
    let clipped = points.iter().any(|p| !p.clip_marks.is_empty());
    let line = points
        .iter()
        .map(|p| format!("{},{}", p.x, p.y))
        .collect::<Vec<_>>()
        .join(" ");
    Some(HistorySvg {
        frame: plot_frame(W, H, left, top, right, bottom),
        y_max_label: format!("{y_hi:.2}"),
        y_min_label: format!("{y_lo:.2}"),
        line,
        x_first_label: first.to_string(),
        x_last_label: days[days.len() - 1].date.to_string(),
        x_label_y: fmt_coord(bottom + 18.0),
        clipped,
        summary: format!(
            "Median observed offer price per day in {currency}, {} days from {} to {}",
            days.len(),
            first,
            days[days.len() - 1].date
        ),
        days: points,
    })
}

/// Star-rating bars, five stars at the top; `None` without a rated review.
pub fn ratings_svg(distribution: &[u32; 5]) -> Option<RatingsSvg> {
    let total: u32 = distribution.iter().sum();
    (total > 0).then(|| {
        const W: f64 = 520.0;
        let (label_w, bar_max, row_h) = (48.0, 380.0, 24.0);
        let max = distribution.iter().copied().max().unwrap_or(0).max(1);
        let rows = (0..5)
            .rev()
            .enumerate()
            .map(|(row, i)| {
                let count = distribution[i];
                let w = f64::from(count) / f64::from(max) * bar_max;
                let y = row as f64 * row_h + 2.0;
                let stars = i + 1;
                let share = fmt_pct(f64::from(count) / f64::from(total));
                RatingRow {
                    label: format!("{stars} ★"),
                    count,
                    share: share.clone(),
                    y: fmt_coord(y),
                    text_y: fmt_coord(y + row_h * 0.62),
                    w: fmt_coord(w),
                    count_x: fmt_coord(label_w + w + 6.0),
                    title: format!(
                        "{stars} star{}: {count} review{} ({share})",
                        if stars == 1 { "" } else { "s" },
                        if count == 1 { "" } else { "s" }
                    ),
                }
            })
            .collect();
        RatingsSvg {
            width: W as u32,
            height: (5.0 * row_h + 4.0) as u32,
            rows,
            summary: format!(
                "Star-rating distribution of {}",
                Language::En.count(total.into(), "rated review", "rated reviews")
            ),
        }
    })
}

/// The share of each sentiment label as one stacked bar; `None` without reviews or
/// shares. `parts`: (CSS class, label, share in [0, 1]).
pub fn sentiment_svg(
    parts: &[(&'static str, &'static str, f64); 3],
    review_count: u32,
) -> Option<StackSvg> {
    let total: f64 = parts.iter().map(|p| p.2).sum();
    (review_count > 0 && total > 0.0).then(|| {
        const W: f64 = 640.0;
        let mut x = 0.0;
        let segments = parts
            .iter()
            .filter(|p| p.2 > 0.0)
            .map(|(class, label, v)| {
                let w = v / total * W;
                let pct = fmt_pct(*v);
                let seg = StackSegment {
                    class,
                    x: fmt_coord(x),
                    w: fmt_coord(w),
                    text_x: fmt_coord(x + w / 2.0),
                    text: (w >= 90.0).then(|| format!("{label} {pct}")),
                    title: format!("{label}: {pct} of reviews"),
                };
                x += w;
                seg
            })
            .collect();
        StackSvg {
            width: W as u32,
            height: 32,
            segments,
            summary: format!(
                "Review text sentiment over {}: {} positive, {} neutral, {} negative",
                Language::En.count(review_count.into(), "review", "reviews"),
                fmt_pct(parts[0].2),
                fmt_pct(parts[1].2),
                fmt_pct(parts[2].2)
            ),
        }
    })
}
