//! PNG line charts with plotters' bitmap backend. Text needs a TrueType font: plotters'
//! ab_glyph feature takes the bytes of one, found among the usual system paths; without one
//! the chart is drawn without labels rather than not at all.

use std::path::Path;
use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use plotters::prelude::*;

pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub color: RGBColor,
}

pub const SPOOL: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
pub const TMUX: RGBColor = RGBColor(0xd6, 0x27, 0x28);
pub const TARGET: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

fn font_ok() -> bool {
    static OK: OnceLock<bool> = OnceLock::new();
    *OK.get_or_init(|| {
        let paths = [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
            "/System/Library/Fonts/Supplemental/Arial.ttf",
        ];
        for p in paths {
            if let Ok(bytes) = std::fs::read(p) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// Draws `series` as lines on one chart; `log_x` for sizes spanning decades.
pub fn lines(
    path: &Path,
    title: &str,
    x_label: &str,
    y_label: &str,
    series: &[Series],
    log_x: bool,
) -> Result<()> {
    let text = font_ok();
    let root = BitMapBackend::new(path, (800, 500)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("{e}"))?;
    let all = series.iter().flat_map(|s| s.points.iter());
    let (mut x0, mut x1, mut y1) = (f64::INFINITY, f64::NEG_INFINITY, 0f64);
    for &(x, y) in all {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    if !x0.is_finite() {
        (x0, x1) = (0.0, 1.0);
    }
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let y1 = if y1 <= 0.0 { 1.0 } else { y1 * 1.08 };
    let mut b = ChartBuilder::on(&root);
    b.margin(12);
    if text {
        b.caption(title, ("sans-serif", 22))
            .x_label_area_size(40)
            .y_label_area_size(60);
    } else {
        b.x_label_area_size(8).y_label_area_size(8);
    }
    macro_rules! draw {
        ($chart:expr) => {{
            let mut chart = $chart;
            let mut mesh = chart.configure_mesh();
            mesh.light_line_style(WHITE);
            if text {
                mesh.x_desc(x_label).y_desc(y_label);
            } else {
                mesh.disable_x_mesh().disable_y_mesh();
            }
            mesh.draw().map_err(|e| anyhow!("{e}"))?;
            for s in series {
                let color = s.color;
                let drawn = chart
                    .draw_series(LineSeries::new(
                        s.points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(|e| anyhow!("{e}"))?;
                if text {
                    drawn.label(s.label.clone()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3))
                    });
                }
                if s.points.len() <= 12 {
                    chart
                        .draw_series(s.points.iter().map(|&p| Circle::new(p, 4, color.filled())))
                        .map_err(|e| anyhow!("{e}"))?;
                }
            }
            if text {
                chart
                    .configure_series_labels()
                    .position(SeriesLabelPosition::UpperLeft)
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .label_font(("sans-serif", 15))
                    .draw()
                    .map_err(|e| anyhow!("{e}"))?;
            }
        }};
    }
    if log_x {
        let x0 = x0.max(1.0) / 1.5;
        draw!(b
            .build_cartesian_2d((x0..x1 * 1.5).log_scale(), 0f64..y1)
            .map_err(|e| anyhow!("{e}"))?);
    } else {
        draw!(b
            .build_cartesian_2d(x0..x1, 0f64..y1)
            .map_err(|e| anyhow!("{e}"))?);
    }
    root.present().map_err(|e| anyhow!("{e}"))?;
    Ok(())
}
