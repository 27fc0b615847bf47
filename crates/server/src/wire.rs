//! Store rows to the wire form clients read.

use spool_proto::{WireRow, WireRun};
use spool_store::{Color, Row};

fn color(c: Color) -> u32 {
    match c {
        Color::Default => 0,
        Color::Indexed(i) => 0x100_0000 | i as u32,
        Color::Rgb(r, g, b) => 0x200_0000 | (r as u32) << 16 | (g as u32) << 8 | b as u32,
    }
}

pub fn row(r: &Row) -> WireRow {
    WireRow {
        text: r.text.clone(),
        runs: r
            .runs
            .iter()
            .map(|run| WireRun {
                len: run.len,
                fg: color(run.style.fg),
                bg: color(run.style.bg),
                underline_color: color(run.style.underline_color),
                attrs: run.style.attrs.0,
                underline: run.style.underline as u8,
                link: run.style.link,
            })
            .collect(),
        flags: r.flags.0,
    }
}
