//! SGR for wire styles: what `capture -e` prints and what the attach client draws with.

use std::fmt::Write;

use crate::WireRun;

fn color(out: &mut String, c: u32, base: u8) {
    match c >> 24 {
        1 => {
            let i = (c & 0xff) as u8;
            if i < 8 {
                let _ = write!(out, ";{}", base + i);
            } else if i < 16 {
                let _ = write!(out, ";{}", base + 60 + (i - 8));
            } else {
                let _ = write!(out, ";{};5;{i}", base + 8);
            }
        }
        2 => {
            let _ = write!(
                out,
                ";{};2;{};{};{}",
                base + 8,
                (c >> 16) & 0xff,
                (c >> 8) & 0xff,
                c & 0xff
            );
        }
        _ => {}
    }
}

/// True if the run carries any style (links aside).
pub fn is_styled(r: &WireRun) -> bool {
    r.fg != 0 || r.bg != 0 || r.underline_color != 0 || r.attrs != 0 || r.underline != 0
}

/// The SGR sequence that sets exactly `r`'s style from any state (it starts with a reset).
pub fn sgr(out: &mut String, r: &WireRun) {
    out.push_str("\x1b[0");
    for (bit, code) in [
        (0, "1"),
        (1, "2"),
        (2, "3"),
        (3, "5"),
        (4, "6"),
        (5, "7"),
        (6, "8"),
        (7, "9"),
        (8, "53"),
    ] {
        if r.attrs & (1 << bit) != 0 {
            out.push(';');
            out.push_str(code);
        }
    }
    match r.underline {
        1 => out.push_str(";4"),
        2 => out.push_str(";4:2"),
        3 => out.push_str(";4:3"),
        4 => out.push_str(";4:4"),
        5 => out.push_str(";4:5"),
        _ => {}
    }
    color(out, r.fg, 30);
    color(out, r.bg, 40);
    let ul = r.underline_color;
    match ul >> 24 {
        1 => {
            let _ = write!(out, ";58:5:{}", ul & 0xff);
        }
        2 => {
            let _ = write!(
                out,
                ";58:2::{}:{}:{}",
                (ul >> 16) & 0xff,
                (ul >> 8) & 0xff,
                ul & 0xff
            );
        }
        _ => {}
    }
    out.push('m');
}

/// Append a row's text, with SGR escapes when `escapes` (reset after styled text).
pub fn push_row(out: &mut String, row: &crate::WireRow, escapes: bool) {
    if !escapes || row.runs.is_empty() {
        out.push_str(&row.text);
        return;
    }
    let mut at = 0usize;
    let mut styled = false;
    for run in &row.runs {
        let end = (at + run.len as usize).min(row.text.len());
        if is_styled(run) {
            sgr(out, run);
            styled = true;
        } else if styled {
            out.push_str("\x1b[0m");
            styled = false;
        }
        out.push_str(row.text.get(at..end).unwrap_or(""));
        at = end;
    }
    if styled {
        out.push_str("\x1b[0m");
    }
    out.push_str(row.text.get(at..).unwrap_or(""));
}
