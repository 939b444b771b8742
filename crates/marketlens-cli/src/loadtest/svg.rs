//! The load test's chart, as a self-contained SVG: queue depth (queued, running) and
//! finished analyses over time in one panel, each worker's resident memory in another.

use std::fmt::Write;

use super::report::Report;

const WIDTH: f64 = 820.0;
const PANEL_HEIGHT: f64 = 220.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 160.0;
const TOP: f64 = 40.0;
const GAP: f64 = 60.0;

/// One line of a panel: its name, colour and points `(t, value)`.
struct Series {
    name: String,
    colour: &'static str,
    points: Vec<(f64, f64)>,
}

const COLOURS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf",
];

pub fn render(report: &Report) -> String {
    let samples = &report.samples;
    let t_max = samples
        .last()
        .map(|s| s.t)
        .unwrap_or(1.0)
        .max(report.wall_seconds)
        .max(1e-3);
    let queue = vec![
        Series {
            name: "queued".into(),
            colour: COLOURS[0],
            points: samples
                .iter()
                .filter_map(|s| Some((s.t, s.queued? as f64)))
                .collect(),
        },
        Series {
            name: "running".into(),
            colour: COLOURS[1],
            points: samples
                .iter()
                .filter_map(|s| Some((s.t, s.running? as f64)))
                .collect(),
        },
        Series {
            name: "finished".into(),
            colour: COLOURS[2],
            points: samples.iter().map(|s| (s.t, s.finished as f64)).collect(),
        },
    ];
    let workers = samples
        .iter()
        .map(|s| s.worker_rss_bytes.len())
        .max()
        .unwrap_or(0);
    let memory: Vec<Series> = (0..workers)
        .map(|w| Series {
            name: format!("worker {w}"),
            colour: COLOURS[(w + 3) % COLOURS.len()],
            points: samples
                .iter()
                .filter_map(|s| {
                    let b = *s.worker_rss_bytes.get(w)?;
                    Some((s.t, b as f64 / (1024.0 * 1024.0)))
                })
                .collect(),
        })
        .collect();

    let panels = if memory.is_empty() { 1.0 } else { 2.0 };
    let height = TOP + panels * (PANEL_HEIGHT + GAP);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = write!(
        svg,
        r##"<rect width="100%" height="100%" fill="#ffffff"/><text x="{LEFT}" y="22" font-size="14" font-weight="bold">{}</text>"##,
        escape(&title(report))
    );
    panel(&mut svg, TOP, t_max, "jobs / analyses", &queue);
    if !memory.is_empty() {
        panel(
            &mut svg,
            TOP + PANEL_HEIGHT + GAP,
            t_max,
            "worker RSS (MiB)",
            &memory,
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn title(report: &Report) -> String {
    let s = &report.settings;
    let mut t = format!("{} analyses", s.analyses);
    if let (Some(w), Some(c)) = (s.workers, s.concurrency) {
        let _ = write!(t, ", {w} worker(s) × concurrency {c}");
    }
    if let Some(l) = s.source_latency_ms {
        let _ = write!(t, ", source latency {l} ms");
    }
    if let Some(store) = &s.store {
        let _ = write!(t, ", {store}");
    }
    if let Some(queue) = &s.queue {
        let _ = write!(t, " + {queue}");
    }
    t
}

/// One panel at `top`: axes, ticks, a polyline per series, the legend on the right.
fn panel(svg: &mut String, top: f64, t_max: f64, y_label: &str, series: &[Series]) {
    let plot_w = WIDTH - LEFT - RIGHT;
    let bottom = top + PANEL_HEIGHT;
    let y_max = nice_ceiling(
        series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(0.0, f64::max),
    );
    let x = |t: f64| LEFT + t / t_max * plot_w;
    let y = |v: f64| bottom - v / y_max * PANEL_HEIGHT;
    let _ = write!(
        svg,
        r##"<g stroke="#888" fill="none"><line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{bottom}"/><line x1="{LEFT}" y1="{bottom}" x2="{}" y2="{bottom}"/></g>"##,
        LEFT + plot_w
    );
    for i in 0..=4 {
        let v = y_max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" stroke="#eee"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y(v) + 4.0,
            short(v),
            yy = y(v)
        );
        let t = t_max * f64::from(i) / 4.0;
        let _ = write!(
            svg,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle">{:.1} s</text>"##,
            x(t),
            bottom + 16.0,
            t
        );
    }
    let _ = write!(
        svg,
        r##"<text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle">{}</text>"##,
        top + PANEL_HEIGHT / 2.0,
        top + PANEL_HEIGHT / 2.0,
        escape(y_label)
    );
    for (i, s) in series.iter().enumerate() {
        if !s.points.is_empty() {
            let points: Vec<String> = s
                .points
                .iter()
                .map(|&(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
                .collect();
            let _ = write!(
                svg,
                r##"<polyline fill="none" stroke="{}" stroke-width="1.8" points="{}"/>"##,
                s.colour,
                points.join(" ")
            );
        }
        let ly = top + 14.0 + 18.0 * i as f64;
        let lx = LEFT + plot_w + 16.0;
        let _ = write!(
            svg,
            r##"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{}" stroke-width="3"/><text x="{}" y="{}">{}</text>"##,
            lx + 18.0,
            s.colour,
            lx + 24.0,
            ly + 4.0,
            escape(&s.name)
        );
    }
}

/// 1, 2 or 5 times a power of ten, at least `v` (and at least 1).
fn nice_ceiling(v: f64) -> f64 {
    if !v.is_finite() || v <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&c| c >= v)
        .unwrap_or(10.0 * magnitude)
}

fn short(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_are_round() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(3.0), 5.0);
        assert_eq!(nice_ceiling(200.0), 200.0);
        assert_eq!(nice_ceiling(201.0), 500.0);
        assert_eq!(nice_ceiling(999.0), 1000.0);
    }
}
