//! CSI dispatch: cursor movement, editing, scrolling, modes, SGR, device queries and the
//! kitty keyboard protocol. Parameters are taken as xterm does: missing or 0 means the
//! default (usually 1).

use crate::args::Args;

use crate::history::HistorySink;
use crate::modes::CursorShape;
use crate::screen::Screen;

/// Parameter `i` (its first subparameter), or `default` when missing or zero.
#[inline]
fn arg(params: &Args, i: usize, default: u16) -> u16 {
    match params.get(i) {
        Some(0) | None => default,
        Some(v) => v,
    }
}

/// Parameter `i`, or 0 when missing (for selectors where 0 is meaningful).
#[inline]
fn raw(params: &Args, i: usize) -> u16 {
    params.get(i).unwrap_or(0)
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn csi(&mut self, params: &Args, inter: &[u8], ignore: bool, action: char) {
        if ignore && action != 'm' {
            return;
        }
        let n = |i| arg(params, i, 1) as usize;
        match (inter, action) {
            ([], '@') => self.insert_blanks(n(0)),
            ([], 'A') => self.move_up(n(0)),
            ([], 'B') | ([], 'e') => self.move_down(n(0)),
            ([], 'C') | ([], 'a') => self.move_right(n(0)),
            ([], 'D') => self.move_left(n(0)),
            ([], 'E') => {
                self.move_down(n(0));
                self.cursor.x = 0;
            }
            ([], 'F') => {
                self.move_up(n(0));
                self.cursor.x = 0;
            }
            ([], 'G') | ([], '`') => {
                let y = self.cursor.y;
                self.goto(n(0) - 1, y);
            }
            ([], 'H') | ([], 'f') => self.goto_origin(n(1) - 1, n(0) - 1),
            ([], 'I') => self.tab_forward(n(0)),
            ([], 'J') => self.erase_display(raw(params, 0), false),
            ([b'?'], 'J') => self.erase_display(raw(params, 0), true),
            ([], 'K') => self.erase_line(raw(params, 0), false),
            ([b'?'], 'K') => self.erase_line(raw(params, 0), true),
            ([], 'L') => self.insert_lines(n(0)),
            ([], 'M') => self.delete_lines(n(0)),
            ([], 'P') => self.delete_chars(n(0)),
            ([], 'S') => self.scroll_up(n(0)),
            ([], 'T') if params.len() <= 1 => self.scroll_down(n(0)),
            ([], 'X') => self.erase_chars(n(0)),
            ([], 'Z') => self.tab_backward(n(0)),
            ([], 'b') => self.repeat(n(0)),
            // VT220 with sixel graphics (4) and ANSI color (22).
            ([], 'c') if raw(params, 0) == 0 => self.replies.push(b"\x1b[?62;4;22c"),
            ([b'?'], 'S') => self.graphics_attributes(raw(params, 0), raw(params, 1)),
            ([], 't') => self.window_report(raw(params, 0)),
            ([b'>'], 'c') if raw(params, 0) == 0 => self.replies.push(b"\x1b[>1;10;0c"),
            ([], 'd') => self.goto_row(n(0) - 1),
            ([], 'g') => self.clear_tabs(raw(params, 0)),
            ([], 'h') => self.set_ansi_modes(params, true),
            ([], 'l') => self.set_ansi_modes(params, false),
            ([b'?'], 'h') => self.set_dec_modes(params, true),
            ([b'?'], 'l') => self.set_dec_modes(params, false),
            ([], 'm') => self.sgr(params),
            ([], 'n') => self.device_status(raw(params, 0), false),
            ([b'?'], 'n') => self.device_status(raw(params, 0), true),
            ([b'!'], 'p') => self.soft_reset(),
            ([b'$'], 'p') => self.report_ansi_mode(raw(params, 0)),
            ([b'?', b'$'], 'p') => self.report_dec_mode(raw(params, 0)),
            ([b' '], 'q') => {
                if let Some(s) = CursorShape::from_param(raw(params, 0)) {
                    self.modes.cursor_shape = s;
                    self.damage.other = true;
                }
            }
            ([b'"'], 'q') => self.protected = raw(params, 0) == 1,
            ([b'>'], 'q') if raw(params, 0) == 0 => {
                let v = concat!("\x1bP>|spool(", env!("CARGO_PKG_VERSION"), ")\x1b\\");
                self.replies.push(v.as_bytes());
            }
            ([], 'r') => self.set_scroll_region(raw(params, 0) as usize, raw(params, 1) as usize),
            ([], 's') => self.save_cursor(),
            ([], 'u') => self.restore_cursor(),
            ([b'?'], 'u') => {
                let f = self.modes.kitty[self.alt_active as usize].current();
                self.replies.push_str(&format!("\x1b[?{f}u"));
            }
            ([b'>'], 'u') => {
                self.modes.kitty[self.alt_active as usize].push(raw(params, 0));
                self.damage.other = true;
            }
            ([b'<'], 'u') => {
                self.modes.kitty[self.alt_active as usize].pop(n(0));
                self.damage.other = true;
            }
            ([b'='], 'u') => {
                self.modes.kitty[self.alt_active as usize].set(raw(params, 0), arg(params, 1, 1));
                self.damage.other = true;
            }
            _ => {
                tracing::trace!(?inter, %action, "unhandled CSI");
            }
        }
    }

    /// XTSMGRAPHICS: color registers (1) and sixel geometry (2) can be read (1) or read as
    /// their maximum (4); setting is refused (they are fixed).
    fn graphics_attributes(&mut self, item: u16, action: u16) {
        let max = self.images.config.max_side;
        let reply = match (item, action) {
            (1, 1 | 4) => format!("\x1b[?1;0;{}S", crate::image::sixel::SIXEL_REGISTERS),
            (2, 1 | 4) => format!("\x1b[?2;0;{max};{max}S"),
            (1 | 2, _) => format!("\x1b[?{item};3;0S"),
            _ => format!("\x1b[?{item};1;0S"),
        };
        self.replies.push_str(&reply);
    }

    /// XTWINOPS reports: the text area in pixels (14), a cell in pixels (16), the text area in
    /// cells (18). Other window operations are ignored.
    fn window_report(&mut self, op: u16) {
        let (cw, ch) = self.images.cell_px;
        let reply = match op {
            14 => format!(
                "\x1b[4;{};{}t",
                self.rows * ch as usize,
                self.cols * cw as usize
            ),
            16 => format!("\x1b[6;{ch};{cw}t"),
            18 => format!("\x1b[8;{};{}t", self.rows, self.cols),
            _ => return,
        };
        self.replies.push_str(&reply);
    }

    /// DSR (5: status, 6: cursor position) and DECXCPR (`?6`).
    fn device_status(&mut self, what: u16, private: bool) {
        match what {
            5 => self.replies.push(b"\x1b[0n"),
            6 => {
                let y = if self.modes.origin {
                    self.cursor.y.saturating_sub(self.top)
                } else {
                    self.cursor.y
                };
                let x = self.cursor.x;
                let q = if private { "?" } else { "" };
                self.replies
                    .push_str(&format!("\x1b[{q}{};{}R", y + 1, x + 1));
            }
            _ => {}
        }
    }
}
