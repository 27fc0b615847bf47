//! SGR (Select Graphic Rendition): attributes, underline styles (`4:x`, 21), underline color
//! (58/59), and 16/256/truecolor in both `;` and `:` forms. Also renders the pen back as an SGR
//! string for DECRQSS.

use crate::args::Args;
use spool_cells::{Attrs, Color, Style, Underline};

use crate::history::HistorySink;
use crate::screen::Screen;

/// Parse an extended color (38/48/58) whose selector parameter is `p` (with subparameters)
/// followed by `rest` plain parameters. Returns the color and how many of `rest` it consumed.
fn extended_color(p: &[u16], params: &Args, next: usize) -> (Option<Color>, usize) {
    if p.len() > 1 {
        // Colon form: 38:5:n, 38:2:r:g:b or 38:2:cs:r:g:b.
        return match p[1] {
            5 if p.len() >= 3 => (Some(Color::Indexed(p[2].min(255) as u8)), 0),
            2 if p.len() >= 6 => (Some(rgb(p[3], p[4], p[5])), 0),
            2 if p.len() == 5 => (Some(rgb(p[2], p[3], p[4])), 0),
            _ => (None, 0),
        };
    }
    // Semicolon form: 38;5;n or 38;2;r;g;b.
    let get = |i: usize| params.group(next + i).first().copied();
    let remaining = params.len().saturating_sub(next);
    match get(0) {
        Some(5) => match get(1) {
            Some(n) => (Some(Color::Indexed(n.min(255) as u8)), 2),
            None => (None, 1),
        },
        Some(2) => match (get(1), get(2), get(3)) {
            (Some(r), Some(g), Some(b)) => (Some(rgb(r, g, b)), 4),
            _ => (None, remaining.min(4)),
        },
        Some(_) => (None, 1),
        None => (None, 0),
    }
}

fn rgb(r: u16, g: u16, b: u16) -> Color {
    Color::Rgb(r.min(255) as u8, g.min(255) as u8, b.min(255) as u8)
}

/// Apply SGR parameters to `pen`.
pub(crate) fn apply_sgr(pen: &mut Style, params: &Args) {
    let n = params.len();
    if n == 0 {
        *pen = reset(pen);
        return;
    }
    let mut i = 0;
    while i < n {
        let p = params.group(i);
        let code = p.first().copied().unwrap_or(0);
        i += 1;
        let a = &mut pen.attrs;
        match code {
            0 => *pen = reset(pen),
            1 => a.insert(Attrs::BOLD),
            2 => a.insert(Attrs::DIM),
            3 => a.insert(Attrs::ITALIC),
            4 => {
                pen.underline = match p.get(1) {
                    None => Underline::Single,
                    Some(&s) => Underline::from_u8(s.min(255) as u8),
                }
            }
            5 => a.insert(Attrs::BLINK),
            6 => a.insert(Attrs::RAPID_BLINK),
            7 => a.insert(Attrs::INVERSE),
            8 => a.insert(Attrs::HIDDEN),
            9 => a.insert(Attrs::STRIKE),
            21 => pen.underline = Underline::Double,
            22 => {
                a.remove(Attrs::BOLD);
                a.remove(Attrs::DIM);
            }
            23 => a.remove(Attrs::ITALIC),
            24 => pen.underline = Underline::None,
            25 => {
                a.remove(Attrs::BLINK);
                a.remove(Attrs::RAPID_BLINK);
            }
            27 => a.remove(Attrs::INVERSE),
            28 => a.remove(Attrs::HIDDEN),
            29 => a.remove(Attrs::STRIKE),
            30..=37 => pen.fg = Color::Indexed((code - 30) as u8),
            38 => {
                let (c, used) = extended_color(p, params, i);
                i += used;
                if let Some(c) = c {
                    pen.fg = c;
                }
            }
            39 => pen.fg = Color::Default,
            40..=47 => pen.bg = Color::Indexed((code - 40) as u8),
            48 => {
                let (c, used) = extended_color(p, params, i);
                i += used;
                if let Some(c) = c {
                    pen.bg = c;
                }
            }
            49 => pen.bg = Color::Default,
            53 => a.insert(Attrs::OVERLINE),
            55 => a.remove(Attrs::OVERLINE),
            58 => {
                let (c, used) = extended_color(p, params, i);
                i += used;
                if let Some(c) = c {
                    pen.underline_color = c;
                }
            }
            59 => pen.underline_color = Color::Default,
            90..=97 => pen.fg = Color::Indexed((code - 90 + 8) as u8),
            100..=107 => pen.bg = Color::Indexed((code - 100 + 8) as u8),
            _ => {}
        }
    }
}

/// SGR 0 keeps the hyperlink (OSC 8 is not an SGR attribute).
fn reset(pen: &Style) -> Style {
    Style {
        link: pen.link,
        ..Style::default()
    }
}

fn push_color(out: &mut String, base: u16, c: Color) {
    use std::fmt::Write;
    match c {
        Color::Default => {}
        Color::Indexed(n) if n < 8 && base != 58 => {
            let _ = write!(out, ";{}", base - 8 + n as u16);
        }
        Color::Indexed(n) if n < 16 && base != 58 => {
            let _ = write!(out, ";{}", base - 8 + 60 + (n as u16 - 8));
        }
        Color::Indexed(n) => {
            let _ = write!(out, ";{base}:5:{n}");
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{base}:2::{r}:{g}:{b}");
        }
    }
}

/// The pen as SGR parameters (for DECRQSS `m`), starting with `0`.
pub(crate) fn describe(pen: &Style) -> String {
    let mut out = String::from("0");
    let a = pen.attrs;
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
    match pen.underline {
        Underline::None => {}
        Underline::Single => out.push_str(";4"),
        u => {
            out.push_str(";4:");
            out.push_str(&(u as u8).to_string());
        }
    }
    push_color(&mut out, 38, pen.fg);
    push_color(&mut out, 48, pen.bg);
    push_color(&mut out, 58, pen.underline_color);
    out
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn sgr(&mut self, params: &Args) {
        apply_sgr(&mut self.pen, params);
        self.pen_dirty = true;
    }
}
