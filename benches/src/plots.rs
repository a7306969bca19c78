//! The report's pictures, drawn to SVG with `plotters`: lines over a run
//! (throughput, the store's size) and each pair's ratio against its
//! target. The README links them; the report redraws them on every full
//! run, so they cannot drift from the tables.

use std::path::Path;

use plotters::prelude::*;

/// One named line of (x, y) points.
pub type Series = (String, Vec<(f64, f64)>);

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
];

/// Draws `series` as lines into an SVG file at `path`.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let (mut x_max, mut y_max) = (1.0f64, 1.0f64);
    for (_, points) in series {
        for &(x, y) in points {
            x_max = x_max.max(x);
            y_max = y_max.max(y);
        }
    }
    let root = SVGBackend::new(path, (800, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..x_max * 1.02, 0.0..y_max * 1.1)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(x_label)
        .y_desc(y_label)
        .draw()
        .map_err(|e| err(&e))?;
    for (i, (name, points)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(2),
            ))
            .map_err(|e| err(&e))?
            .label(name.as_str())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

/// Draws each pair's ratio over its target (1.0: exactly on target;
/// below: met) as a point per pair, into an SVG file at `path`.
pub fn ratios(path: &Path, pairs: &[(String, f64)]) -> Result<(), String> {
    let err = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let y_max = pairs.iter().map(|p| p.1).fold(1.5f64, f64::max);
    let height = 120 + 26 * pairs.len() as u32;
    let root = SVGBackend::new(path, (900, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let n = pairs.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "ratio / target of each pair with a target (at most 1: met)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(420)
        .build_cartesian_2d(0.0..y_max * 1.1, 0.0..n as f64)
        .map_err(|e| err(&e))?;
    let labels: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
    chart
        .configure_mesh()
        .x_desc("ratio / target")
        .y_labels(n)
        .y_label_formatter(&|y| {
            let i = y.floor() as usize;
            labels.get(i).cloned().unwrap_or_default()
        })
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            vec![(1.0, 0.0), (1.0, n as f64)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(pairs.iter().enumerate().map(|(i, (_, r))| {
            let color = if *r <= 1.0 { COLORS[2] } else { COLORS[1] };
            Circle::new((*r, i as f64 + 0.5), 6, color.filled())
        }))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_kinds_of_picture_are_svg() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("lines.svg");
        lines(
            &a,
            "t",
            "x",
            "y",
            &[("one".into(), vec![(0.0, 1.0), (1.0, 2.0)])],
        )
        .unwrap();
        let b = dir.path().join("ratios.svg");
        ratios(&b, &[("a pair".into(), 0.8), ("another".into(), 1.6)]).unwrap();
        for p in [a, b] {
            let svg = std::fs::read_to_string(&p).unwrap();
            assert!(
                svg.starts_with("<svg") && svg.contains("</svg>"),
                "{}",
                p.display()
            );
        }
    }
}
