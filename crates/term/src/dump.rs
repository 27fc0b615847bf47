//! A screen as bytes: what, fed to a fresh emulator, shows the same thing — both screens'
//! rows with their styles, the cursor, the scroll region, the title and the input modes a
//! program set. A server that hands its panes to a newer binary (`spool upgrade`) passes
//! this along, so programs keep their screens without redrawing.
//!
//! What it does not carry: history (in the store already), palette changes, saved cursors,
//! tab stops and a half-received escape sequence — the program's next output goes on as if
//! nothing happened, which for all of these is what a terminal reattached to it shows too.

use std::fmt::Write;

use crate::grid::Grid;
use crate::history::{encode_line, HistorySink};
use crate::modes::{MouseEncoding, MouseMode};
use crate::screen::Screen;

impl<S: HistorySink> Screen<S> {
    pub(crate) fn dump(&self) -> Vec<u8> {
        let mut out = String::new();
        // The primary screen is `grid` unless the alternate one is shown.
        let (primary, alt) = if self.alt_active {
            (self.other.as_ref(), Some(&self.grid))
        } else {
            (Some(&self.grid), None)
        };
        out.push_str("\x1b[0m\x1b[H\x1b[2J");
        if let Some(g) = primary {
            self.dump_grid(g, &mut out);
        }
        if let Some(g) = alt {
            out.push_str("\x1b[?1049h\x1b[0m\x1b[H\x1b[2J");
            self.dump_grid(g, &mut out);
        }
        let m = &self.modes;
        let flag = |out: &mut String, on: bool, n: u16| {
            let _ = write!(out, "\x1b[?{n}{}", if on { 'h' } else { 'l' });
        };
        flag(&mut out, m.cursor_keys, 1);
        flag(&mut out, m.reverse_video, 5);
        flag(&mut out, m.autowrap, 7);
        flag(&mut out, m.cursor_visible, 25);
        flag(&mut out, m.focus, 1004);
        flag(&mut out, m.alternate_scroll, 1007);
        flag(&mut out, m.bracketed_paste, 2004);
        if m.insert {
            out.push_str("\x1b[4h");
        }
        if m.newline {
            out.push_str("\x1b[20h");
        }
        out.push_str(if m.keypad_app { "\x1b=" } else { "\x1b>" });
        match m.mouse {
            MouseMode::None => {}
            MouseMode::X10 => out.push_str("\x1b[?9h"),
            MouseMode::Normal => out.push_str("\x1b[?1000h"),
            MouseMode::Button => out.push_str("\x1b[?1002h"),
            _ => out.push_str("\x1b[?1003h"),
        }
        match m.mouse_encoding {
            MouseEncoding::X10 => {}
            MouseEncoding::Utf8 => out.push_str("\x1b[?1005h"),
            MouseEncoding::Sgr => out.push_str("\x1b[?1006h"),
            MouseEncoding::Urxvt => out.push_str("\x1b[?1015h"),
        }
        let kitty = m.kitty[self.alt_active as usize].current();
        if kitty != 0 {
            let _ = write!(out, "\x1b[>{kitty}u");
        }
        let _ = write!(out, "\x1b[{} q", m.cursor_shape.param());
        if !self.title.is_empty() {
            let _ = write!(out, "\x1b]2;{}\x1b\\", self.title);
        }
        if self.top != 0 || self.bottom + 1 != self.rows {
            let _ = write!(out, "\x1b[{};{}r", self.top + 1, self.bottom + 1);
        }
        if m.origin {
            out.push_str("\x1b[?6h");
        }
        // Under origin mode the position is relative to the scroll region's top.
        let y = if m.origin {
            self.cursor.y.saturating_sub(self.top)
        } else {
            self.cursor.y
        };
        let _ = write!(out, "\x1b[0m\x1b[{};{}H", y + 1, self.cursor.x + 1);
        if self.pen != spool_cells::Style::default() {
            let _ = write!(out, "\x1b[{}m", crate::sgr::describe(&self.pen));
        }
        out.into_bytes()
    }

    fn dump_grid(&self, g: &Grid, out: &mut String) {
        let (mut buf, mut runs) = (Vec::new(), Vec::new());
        let mut continued = false;
        for (y, line) in g.lines.iter().enumerate() {
            let (text, _) = encode_line(line, &self.styles, &self.clusters, &mut buf, &mut runs);
            // A soft-wrapped row's text fills it: the next row's follows with no cursor
            // move, so the wrap (and its flag) happens again as it did.
            let was_continued =
                std::mem::replace(&mut continued, line.wrapped() && y + 1 < g.lines.len());
            if text.is_empty() {
                continue;
            }
            if !was_continued {
                let _ = write!(out, "\x1b[{};1H", y + 1);
            }
            let mut at = 0usize;
            for r in runs.iter() {
                let end = (at + r.len as usize).min(text.len());
                let _ = write!(out, "\x1b[{}m", crate::sgr::describe(&r.style));
                out.push_str(text.get(at..end).unwrap_or(""));
                at = end;
            }
            out.push_str("\x1b[0m");
            out.push_str(text.get(at..).unwrap_or(""));
        }
    }
}
