//! Rows back to text with SGR escapes (`capture -e`).

use spool_store::{Attrs, Color, Row, Style, Underline};

fn color(out: &mut String, c: Color, base: u8) {
    use std::fmt::Write;
    match c {
        Color::Default => {}
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
    }
}

/// The SGR sequence that sets exactly `s` from any state (it starts with a reset).
pub fn sgr(out: &mut String, s: &Style) {
    out.push_str("\x1b[0");
    let a = s.attrs;
    for (flag, code) in [
        (Attrs::BOLD, "1"),
        (Attrs::DIM, "2"),
        (Attrs::ITALIC, "3"),
        (Attrs::BLINK, "5"),
        (Attrs::RAPID_BLINK, "6"),
        (Attrs::INVERSE, "7"),
        (Attrs::HIDDEN, "8"),
        (Attrs::STRIKE, "9"),
        (Attrs::OVERLINE, "53"),
    ] {
        if a.contains(flag) {
            out.push(';');
            out.push_str(code);
        }
    }
    match s.underline {
        Underline::None => {}
        Underline::Single => out.push_str(";4"),
        Underline::Double => out.push_str(";4:2"),
        Underline::Curly => out.push_str(";4:3"),
        Underline::Dotted => out.push_str(";4:4"),
        Underline::Dashed => out.push_str(";4:5"),
    }
    color(out, s.fg, 30);
    color(out, s.bg, 40);
    if let Color::Indexed(i) = s.underline_color {
        use std::fmt::Write;
        let _ = write!(out, ";58:5:{i}");
    } else if let Color::Rgb(r, g, b) = s.underline_color {
        use std::fmt::Write;
        let _ = write!(out, ";58:2::{r}:{g}:{b}");
    }
    out.push('m');
}

/// Append a row's text, with SGR escapes when `escapes`.
pub fn push_row(out: &mut String, row: &Row, escapes: bool) {
    if !escapes || row.runs.is_empty() {
        out.push_str(&row.text);
        return;
    }
    let mut at = 0usize;
    let mut styled = false;
    for run in &row.runs {
        let end = (at + run.len as usize).min(row.text.len());
        if run.style.is_default() {
            if styled {
                out.push_str("\x1b[0m");
                styled = false;
            }
        } else {
            sgr(out, &run.style);
            styled = true;
        }
        out.push_str(row.text.get(at..end).unwrap_or(""));
        at = end;
    }
    if styled {
        out.push_str("\x1b[0m");
    }
    out.push_str(row.text.get(at..).unwrap_or(""));
}
