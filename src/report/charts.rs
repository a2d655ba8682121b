//! The overview's charts, drawn by `plotters` into SVG strings that the page
//! inlines (so they show with JavaScript off and print as vectors).
//!
//! Two kinds: an interval chart (one row per category or group: the
//! interval as a shaded bar, the estimate as an error bar's mark, the share
//! of documents decided as a hollow tick), and a time chart (the estimate
//! per period as a line, its interval as a shaded band).

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

/// One row of an interval chart.
pub(crate) struct Row {
    pub name: String,
    /// Estimate, low and high (the interval); `None` shows counts only.
    pub interval: Option<(f64, f64, f64)>,
    /// Share of the row's documents whose decision carries the label.
    pub decided: f64,
    pub colour: &'static str,
}

/// One period of a time chart.
pub(crate) struct Point {
    pub name: String,
    pub interval: Option<(f64, f64, f64)>,
    pub decided: f64,
}

fn rgb(hex: &str) -> RGBColor {
    let h = hex.trim_start_matches('#');
    let c = |i: usize| h.get(i..i + 2).and_then(|s| u8::from_str_radix(s, 16).ok()).unwrap_or(128);
    RGBColor(c(0), c(2), c(4))
}

/// Shorten a name to `max` characters with an ellipsis.
pub(crate) fn shorten(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let mut s: String = name.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// Upper end of the share axis: a round step above every value shown.
fn axis_max(values: impl Iterator<Item = f64>) -> f64 {
    let top = values.fold(0.0_f64, f64::max);
    let step = if top > 0.5 {
        0.25
    } else if top > 0.2 {
        0.1
    } else {
        0.05
    };
    ((top / step).ceil() * step).clamp(step, 1.0)
}

fn percent(x: &f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Make the SVG fit its container and drop the namespace URL (inline SVG in
/// HTML needs none; the page then names no URL at all).
fn inline(svg: String, label: &str) -> String {
    let svg = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", "", 1);
    // `<svg width="W" height="H" viewBox=...`: keep the viewBox, size by CSS.
    let svg = match (svg.find(" width=\""), svg.find(" viewBox=")) {
        (Some(w), Some(v)) if w < v => format!("{}{}", &svg[..w], &svg[v..]),
        _ => svg,
    };
    svg.replacen(
        "<svg ",
        &format!("<svg class=\"fl-svg\" role=\"img\" aria-label=\"{}\" ", super::escape_html(label)),
        1,
    )
}

/// Rows as a horizontal interval chart, `width` pixels wide.
pub(crate) fn interval_chart(rows: &[Row], width: u32, label_chars: usize, aria: &str) -> String {
    let n = rows.len().max(1);
    let height = 40 + 24 * n as u32;
    let xmax = axis_max(rows.iter().flat_map(|r| [r.interval.map_or(0.0, |i| i.2), r.decided]));
    let names: Vec<String> = rows.iter().map(|r| shorten(&r.name, label_chars)).collect();
    let label_width = (names.iter().map(|s| s.chars().count()).max().unwrap_or(4) as u32 * 6 + 16).min(width / 2);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin_right(16)
            .margin_top(6)
            .x_label_area_size(26)
            .y_label_area_size(label_width)
            // `(0..k).into_segmented()` has k + 1 segments: one per row (two for one row).
            .build_cartesian_2d(0.0..xmax, (0..if n > 1 { n - 1 } else { 1 }).into_segmented());
        let Ok(mut chart) = built else { return String::new() };
        let formatter = |v: &SegmentValue<usize>| match v {
            SegmentValue::CenterOf(i) if *i < n => names.get(n - 1 - *i).cloned().unwrap_or_default(),
            _ => String::new(),
        };
        let _ = chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&formatter)
            .x_labels(6)
            .x_label_formatter(&percent)
            .label_style(("sans-serif", 11).into_font().color(&RGBColor(60, 66, 80)))
            .light_line_style(RGBColor(238, 240, 243))
            .bold_line_style(RGBColor(226, 229, 234))
            .axis_style(RGBColor(190, 195, 204))
            .draw();
        // Rows are drawn top to bottom: row 0 at the top.
        let y = |i: usize| n - 1 - i;
        let _ = chart.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
            let (_, lo, hi) = r.interval?;
            let mut bar = Rectangle::new(
                [(lo, SegmentValue::Exact(y(i))), (hi.max(lo + 0.002), SegmentValue::Exact(y(i) + 1))],
                rgb(r.colour).mix(0.28).filled(),
            );
            bar.set_margin(6, 6, 0, 0);
            Some(bar)
        }));
        let _ = chart.draw_series(rows.iter().enumerate().filter_map(|(i, r)| {
            let (est, lo, hi) = r.interval?;
            Some(ErrorBar::new_horizontal(SegmentValue::CenterOf(y(i)), lo, est, hi, rgb(r.colour).filled(), 10))
        }));
        // The share decided: a hollow diamond (the only mark when there is no estimate).
        let _ = chart.draw_series(rows.iter().enumerate().map(|(i, r)| {
            let size = if r.interval.is_some() { 4 } else { 6 };
            EmptyElement::at((r.decided, SegmentValue::CenterOf(y(i))))
                + TriangleMarker::new((0, 0), size, ShapeStyle::from(&RGBColor(29, 36, 48)).stroke_width(1))
        }));
        let _ = root.present();
    }
    inline(svg, aria)
}

/// Periods as a line with a shaded interval band, `width` × `height` pixels.
pub(crate) fn time_chart(points: &[Point], colour: &str, width: u32, height: u32, aria: &str) -> String {
    let n = points.len().max(1);
    let ymax = axis_max(points.iter().flat_map(|p| [p.interval.map_or(0.0, |i| i.2), p.decided]));
    let colour = rgb(colour);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, height)).into_drawing_area();
        let _ = root.fill(&WHITE);
        let built = ChartBuilder::on(&root)
            .margin_right(12)
            .margin_top(8)
            .x_label_area_size(24)
            .y_label_area_size(40)
            .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ymax);
        let Ok(mut chart) = built else { return String::new() };
        let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
        let step = n.div_ceil(6).max(1);
        let x_formatter = |x: &f64| {
            let i = x.round();
            if (x - i).abs() > 1e-6 || i < 0.0 || !(i as usize).is_multiple_of(step) {
                return String::new();
            }
            names.get(i as usize).map(|s| s.to_string()).unwrap_or_default()
        };
        let _ = chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n.min(60) + 1)
            .x_label_formatter(&x_formatter)
            .y_labels(5)
            .y_label_formatter(&percent)
            .label_style(("sans-serif", 10).into_font().color(&RGBColor(60, 66, 80)))
            .light_line_style(RGBColor(238, 240, 243))
            .bold_line_style(RGBColor(226, 229, 234))
            .axis_style(RGBColor(190, 195, 204))
            .draw();
        let with: Vec<(f64, (f64, f64, f64))> =
            points.iter().enumerate().filter_map(|(i, p)| p.interval.map(|iv| (i as f64, iv))).collect();
        if with.len() > 1 {
            let band: Vec<(f64, f64)> =
                with.iter().map(|(x, iv)| (*x, iv.2)).chain(with.iter().rev().map(|(x, iv)| (*x, iv.1))).collect();
            let _ = chart.draw_series(std::iter::once(Polygon::new(band, colour.mix(0.22).filled())));
            let _ = chart.draw_series(LineSeries::new(with.iter().map(|(x, iv)| (*x, iv.0)), colour.stroke_width(2)));
        }
        let _ = chart.draw_series(
            with.iter().map(|(x, iv)| ErrorBar::new_vertical(*x, iv.1, iv.0, iv.2, colour.mix(0.6).filled(), 6)),
        );
        let _ = chart.draw_series(with.iter().map(|(x, iv)| Circle::new((*x, iv.0), 3, colour.filled())));
        // The share decided per period.
        let _ = chart.draw_series(points.iter().enumerate().map(|(i, p)| {
            EmptyElement::at((i as f64, p.decided))
                + TriangleMarker::new((0, 0), 4, ShapeStyle::from(&RGBColor(29, 36, 48)).stroke_width(1))
        }));
        let _ = root.present();
    }
    inline(svg, aria)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_inline_svg_without_urls() {
        let rows = vec![
            Row { name: "Economic".into(), interval: Some((0.3, 0.2, 0.4)), decided: 0.35, colour: "#4e79a7" },
            Row { name: "<b>Other</b>".into(), interval: None, decided: 0.1, colour: "#f28e2b" },
        ];
        let svg = interval_chart(&rows, 600, 40, "Prevalence \"chart\"");
        assert!(svg.starts_with("<svg class=\"fl-svg\" role=\"img\" aria-label=\"Prevalence &quot;chart&quot;\""));
        assert!(!svg.contains("http"));
        assert!(svg.contains("Economic") && svg.contains("&lt;b&gt;Other&lt;/b&gt;"), "{svg}");
        let points = vec![
            Point { name: "2019".into(), interval: Some((0.3, 0.2, 0.4)), decided: 0.35 },
            Point { name: "2020".into(), interval: Some((0.2, 0.1, 0.3)), decided: 0.25 },
        ];
        let svg = time_chart(&points, "#4e79a7", 360, 180, "time");
        assert!(svg.contains("<polygon") && svg.contains("2020"), "{svg}");
    }
}
