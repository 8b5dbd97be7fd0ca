//! The report's chart, written as SVG by hand: one panel per task, time on x, calls in flight
//! on y; the filled area is the mean per bucket, the line the peak per bucket.

use crate::report::{ConcurrencyReport, BUCKETS};
use std::fmt::Write as _;

const WIDTH: f64 = 960.0;
const PANEL: f64 = 150.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const GAP: f64 = 46.0;
const COLORS: [&str; 6] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
];

/// Escapes text for an SVG text node or attribute.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A round axis maximum at or above `v` (1, 2, 5 × 10^k).
fn nice_max(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * p)
        .find(|m| *m >= v)
        .unwrap_or(10.0 * p)
}

pub(crate) fn render(report: &ConcurrencyReport) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let height = TOP + report.tasks.len() as f64 * (PANEL + GAP) + 10.0;
    let window = report.window.as_secs_f64();
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{LEFT}" y="22" font-size="15" font-weight="bold">Calls in flight per task over {window:.2} s (area: mean per bucket, line: peak per bucket)</text>"#
    );
    for (n, t) in report.tasks.iter().enumerate() {
        let color = COLORS[n % COLORS.len()];
        let top = TOP + n as f64 * (PANEL + GAP) + 20.0;
        let bottom = top + PANEL;
        let ymax = nice_max(t.series_peak.iter().copied().max().unwrap_or(0) as f64);
        let x = |i: usize| LEFT + plot_w * i as f64 / BUCKETS as f64;
        let y = |v: f64| bottom - PANEL * v / ymax;
        let _ = writeln!(
            s,
            r#"<text x="{LEFT}" y="{:.1}" font-weight="bold">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end">{} calls, peak {}, mean {:.2}, λ×W {:.2}</text>"#,
            top - 6.0,
            escape(t.name()),
            WIDTH - RIGHT,
            top - 6.0,
            t.invocations,
            t.peak_concurrency,
            t.mean_concurrency,
            t.lambda_concurrency()
        );
        // Axes, grid and labels.
        for k in 0..=4 {
            let v = ymax * k as f64 / 4.0;
            let _ = writeln!(
                s,
                r##"<line x1="{LEFT}" x2="{:.1}" y1="{:.1}" y2="{:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                WIDTH - RIGHT,
                y(v),
                y(v),
                LEFT - 6.0,
                y(v) + 4.0,
                trim(v)
            );
        }
        for k in 0..=6 {
            let xx = LEFT + plot_w * k as f64 / 6.0;
            let _ = writeln!(
                s,
                r##"<line x1="{xx:.1}" x2="{xx:.1}" y1="{bottom:.1}" y2="{:.1}" stroke="#999"/><text x="{xx:.1}" y="{:.1}" text-anchor="middle">{} s</text>"##,
                bottom + 4.0,
                bottom + 16.0,
                trim(window * k as f64 / 6.0)
            );
        }
        // Mean: a filled step area.
        let mut area = format!("M{LEFT:.1},{bottom:.1}");
        for (i, v) in t.series_mean.iter().enumerate() {
            let _ = write!(
                area,
                " L{:.1},{:.1} L{:.1},{:.1}",
                x(i),
                y(*v),
                x(i + 1),
                y(*v)
            );
        }
        let _ = write!(area, " L{:.1},{bottom:.1} Z", x(BUCKETS));
        let _ = writeln!(
            s,
            r#"<path d="{area}" fill="{color}" fill-opacity="0.35" stroke="none"/>"#
        );
        // Peak: a step line.
        let mut line = String::new();
        for (i, v) in t.series_peak.iter().enumerate() {
            let cmd = if i == 0 { 'M' } else { 'L' };
            let _ = write!(
                line,
                "{cmd}{:.1},{:.1} L{:.1},{:.1} ",
                x(i),
                y(*v as f64),
                x(i + 1),
                y(*v as f64)
            );
        }
        let _ = writeln!(
            s,
            r#"<path d="{}" fill="none" stroke="{color}" stroke-width="1.5"/>"#,
            line.trim_end()
        );
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" x2="{LEFT}" y1="{top:.1}" y2="{bottom:.1}" stroke="#333"/><line x1="{LEFT}" x2="{:.1}" y1="{bottom:.1}" y2="{bottom:.1}" stroke="#333"/>"##,
            WIDTH - RIGHT
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A number with at most two decimals and no trailing zeros.
fn trim(v: f64) -> String {
    let text = format!("{v:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::TaskReport;
    use std::time::Duration;

    #[test]
    fn axis_maxima_are_round() {
        assert_eq!(nice_max(0.0), 1.0);
        assert_eq!(nice_max(3.0), 5.0);
        assert_eq!(nice_max(17.0), 20.0);
        assert_eq!(nice_max(20.0), 20.0);
        assert_eq!(nice_max(51.0), 100.0);
        assert_eq!(trim(2.50), "2.5");
        assert_eq!(trim(3.0), "3");
    }

    #[test]
    fn the_chart_is_one_svg_with_a_panel_per_task_and_escaped_names() {
        let task = |name: &str| TaskReport {
            resource: name.to_owned(),
            invocations: 3,
            errors: 0,
            starts: None,
            p50: Duration::from_millis(1),
            p99: Duration::from_millis(2),
            mean_duration: Duration::from_millis(1),
            peak_concurrency: 2,
            mean_concurrency: 1.0,
            rate_per_second: 10.0,
            peak_rate_per_second: 20.0,
            series_mean: vec![1.0; BUCKETS],
            series_peak: vec![2; BUCKETS],
        };
        let report = ConcurrencyReport {
            window: Duration::from_secs(1),
            tasks: vec![task("a<b>"), task("c")],
        };
        let svg = render(&report);
        assert!(svg.starts_with("<svg ") && svg.trim_end().ends_with("</svg>"));
        assert!(svg.contains("a&lt;b&gt;") && !svg.contains("a<b>"));
        assert_eq!(svg.matches("fill-opacity").count(), 2);
    }
}
