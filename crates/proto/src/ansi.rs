//! SGR for row styles: what `capture -e` prints and what the attach client draws with.

use std::fmt::Write;

use spool_cells::{Color, Row, Style, Underline};

fn color(out: &mut String, c: Color, base: u8) {
    match c {
        Color::Indexed(i) if i < 8 => {
            let _ = write!(out, ";{}", base + i);
        }
        Color::Indexed(i) if i < 16 => {
            let _ = write!(out, ";{}", base + 60 + (i - 8));
        }
        Color::Indexed(i) => {
            let _ = write!(out, ";{};5;{i}", base + 8);
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{};2;{r};{g};{b}", base + 8);
        }
        Color::Default => {}
    }
}

/// True if the style shows (links and images aside).
pub fn is_styled(s: &Style) -> bool {
    s.fg != Color::Default
        || s.bg != Color::Default
        || s.underline_color != Color::Default
        || !s.attrs.is_empty()
        || s.underline != Underline::None
}

/// The SGR sequence that sets exactly `s` from any state (it starts with a reset).
pub fn sgr(out: &mut String, s: &Style) {
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
        if s.attrs.0 & (1 << bit) != 0 {
            out.push(';');
            out.push_str(code);
        }
    }
    match s.underline {
        Underline::Single => out.push_str(";4"),
        Underline::Double => out.push_str(";4:2"),
        Underline::Curly => out.push_str(";4:3"),
        Underline::Dotted => out.push_str(";4:4"),
        Underline::Dashed => out.push_str(";4:5"),
        Underline::None => {}
    }
    color(out, s.fg, 30);
    color(out, s.bg, 40);
    match s.underline_color {
        Color::Indexed(i) => {
            let _ = write!(out, ";58:5:{i}");
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";58:2::{r}:{g}:{b}");
        }
        Color::Default => {}
    }
    out.push('m');
}

/// Append a row's text, with SGR escapes when `escapes` (reset after styled text).
pub fn push_row(out: &mut String, row: &Row, escapes: bool) {
    if !escapes || row.runs.is_empty() {
        out.push_str(&row.text);
        return;
    }
    let mut at = 0usize;
    let mut styled = false;
    for run in &row.runs {
        let end = (at + run.len as usize).min(row.text.len());
        if is_styled(&run.style) {
            sgr(out, &run.style);
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
