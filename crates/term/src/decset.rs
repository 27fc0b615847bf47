//! Setting, resetting and reporting modes: SM/RM (IRM 4, LNM 20), DECSET/DECRST and DECRQM
//! (including 2026, synchronized output).

use crate::args::Args;

use crate::history::HistorySink;
use crate::modes::{MouseEncoding, MouseMode};
use crate::screen::Screen;

impl<S: HistorySink> Screen<S> {
    pub(crate) fn set_ansi_modes(&mut self, params: &Args, on: bool) {
        for p in params.iter() {
            match p.first().copied().unwrap_or(0) {
                4 => self.modes.insert = on,
                20 => self.modes.newline = on,
                _ => {}
            }
        }
    }

    pub(crate) fn set_dec_modes(&mut self, params: &Args, on: bool) {
        for p in params.iter() {
            self.set_dec_mode(p.first().copied().unwrap_or(0), on);
        }
        self.damage.other = true;
    }

    fn set_dec_mode(&mut self, mode: u16, on: bool) {
        let m = &mut self.modes;
        match mode {
            1 => m.cursor_keys = on,
            3 => {
                // DECCOLM: the pane's width is the server's to decide, so only the side
                // effects DEC terminals apply are kept: clear, reset margins, home.
                let fill = self.erase_cell();
                for l in &mut self.grid.lines {
                    l.reset(fill);
                }
                self.top = 0;
                self.bottom = self.rows - 1;
                self.goto_origin(0, 0);
                self.damage.mark_all();
            }
            5 => {
                m.reverse_video = on;
                self.damage.mark_all();
            }
            6 => {
                m.origin = on;
                self.goto_origin(0, 0);
            }
            7 => m.autowrap = on,
            9 => m.mouse = if on { MouseMode::X10 } else { MouseMode::None },
            12 => m.cursor_blink = on,
            25 => m.cursor_visible = on,
            47 => {
                if on {
                    self.enter_alt(false)
                } else {
                    self.leave_alt(false)
                }
            }
            1000 => {
                m.mouse = if on {
                    MouseMode::Normal
                } else {
                    MouseMode::None
                }
            }
            1002 => {
                m.mouse = if on {
                    MouseMode::Button
                } else {
                    MouseMode::None
                }
            }
            1003 => m.mouse = if on { MouseMode::Any } else { MouseMode::None },
            1004 => m.focus = on,
            1005 => set_enc(&mut m.mouse_encoding, MouseEncoding::Utf8, on),
            1006 => set_enc(&mut m.mouse_encoding, MouseEncoding::Sgr, on),
            1015 => set_enc(&mut m.mouse_encoding, MouseEncoding::Urxvt, on),
            1007 => m.alternate_scroll = on,
            1047 => {
                if on {
                    self.enter_alt(false)
                } else {
                    if self.alt_active {
                        let fill = self.erase_cell();
                        for l in &mut self.grid.lines {
                            l.reset(fill);
                        }
                    }
                    self.leave_alt(true)
                }
            }
            1048 => {
                if on {
                    self.save_cursor()
                } else {
                    self.restore_cursor()
                }
            }
            1049 => {
                if on {
                    if !self.alt_active {
                        self.save_cursor();
                    }
                    self.enter_alt(true);
                } else if self.alt_active {
                    self.leave_alt(true);
                    self.restore_cursor();
                }
            }
            2004 => m.bracketed_paste = on,
            // Sixel images leave the cursor right of them instead of below.
            8452 => self.images.sixel_cursor_right = on,
            2026 => {
                if on {
                    self.sync.begin(self.now)
                } else {
                    self.sync.end()
                }
            }
            _ => tracing::trace!(mode, on, "unhandled DEC mode"),
        }
    }

    /// DECRQM for ANSI modes.
    pub(crate) fn report_ansi_mode(&mut self, mode: u16) {
        let state = match mode {
            4 => pm(self.modes.insert),
            20 => pm(self.modes.newline),
            _ => 0,
        };
        self.replies.push_str(&format!("\x1b[{mode};{state}$y"));
    }

    /// DECRQM for DEC private modes: 1 set, 2 reset, 0 unknown.
    pub(crate) fn report_dec_mode(&mut self, mode: u16) {
        let m = &self.modes;
        let state = match mode {
            1 => pm(m.cursor_keys),
            5 => pm(m.reverse_video),
            6 => pm(m.origin),
            7 => pm(m.autowrap),
            9 => pm(m.mouse == MouseMode::X10),
            12 => pm(m.cursor_blink),
            25 => pm(m.cursor_visible),
            47 | 1047 | 1049 => pm(self.alt_active),
            1000 => pm(m.mouse == MouseMode::Normal),
            1002 => pm(m.mouse == MouseMode::Button),
            1003 => pm(m.mouse == MouseMode::Any),
            1004 => pm(m.focus),
            1005 => pm(m.mouse_encoding == MouseEncoding::Utf8),
            1006 => pm(m.mouse_encoding == MouseEncoding::Sgr),
            1007 => pm(m.alternate_scroll),
            1015 => pm(m.mouse_encoding == MouseEncoding::Urxvt),
            2004 => pm(m.bracketed_paste),
            2026 => pm(self.sync.active()),
            _ => 0,
        };
        self.replies.push_str(&format!("\x1b[?{mode};{state}$y"));
    }
}

fn set_enc(e: &mut MouseEncoding, which: MouseEncoding, on: bool) {
    if on {
        *e = which;
    } else if *e == which {
        *e = MouseEncoding::X10;
    }
}

fn pm(on: bool) -> u8 {
    if on {
        1
    } else {
        2
    }
}
