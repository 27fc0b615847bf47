//! Cursor movement (CUU…CUP, HVP, CHA, VPA, CNL, CPL, HPA, HPR, VPR, BS, CR), origin mode,
//! tab stops (HT, HTS, TBC, CHT, CBT) and DECSC/DECRC.

use crate::history::HistorySink;
use crate::screen::{SavedCursor, Screen};

impl<S: HistorySink> Screen<S> {
    /// Move to (`x`, `y`) in screen coordinates, clamped.
    #[inline]
    pub(crate) fn goto(&mut self, x: usize, y: usize) {
        self.cursor.x = x.min(self.cols - 1);
        self.cursor.y = y.min(self.rows - 1);
        self.cursor.pending_wrap = false;
    }

    /// CUP/HVP: move to (`x`, `y`) relative to the origin (the region's top in origin mode).
    pub(crate) fn goto_origin(&mut self, x: usize, y: usize) {
        if self.modes.origin {
            let y = (self.top + y).min(self.bottom);
            self.goto(x, y);
        } else {
            self.goto(x, y);
        }
    }

    /// VPA: row only.
    pub(crate) fn goto_row(&mut self, y: usize) {
        let x = self.cursor.x;
        self.goto_origin(x, y);
    }

    /// CUU: up, stopping at the top margin if inside the region.
    pub(crate) fn move_up(&mut self, n: usize) {
        let limit = if self.cursor.y >= self.top {
            self.top
        } else {
            0
        };
        self.cursor.y = self.cursor.y.saturating_sub(n.max(1)).max(limit);
        self.cursor.pending_wrap = false;
    }

    /// CUD: down, stopping at the bottom margin if inside the region.
    pub(crate) fn move_down(&mut self, n: usize) {
        let limit = if self.cursor.y <= self.bottom {
            self.bottom
        } else {
            self.rows - 1
        };
        self.cursor.y = (self.cursor.y + n.max(1)).min(limit);
        self.cursor.pending_wrap = false;
    }

    pub(crate) fn move_right(&mut self, n: usize) {
        self.cursor.x = (self.cursor.x + n.max(1)).min(self.cols - 1);
        self.cursor.pending_wrap = false;
    }

    pub(crate) fn move_left(&mut self, n: usize) {
        self.cursor.x = self.cursor.x.saturating_sub(n.max(1));
        self.cursor.pending_wrap = false;
    }

    pub(crate) fn backspace(&mut self) {
        if self.cursor.pending_wrap {
            self.cursor.pending_wrap = false;
        }
        self.cursor.x = self.cursor.x.saturating_sub(1);
    }

    pub(crate) fn carriage_return(&mut self) {
        self.cursor.x = 0;
        self.cursor.pending_wrap = false;
    }

    /// HT / CHT: to the next tab stop (or the last column), `n` times.
    pub(crate) fn tab_forward(&mut self, n: usize) {
        for _ in 0..n.max(1) {
            let mut x = self.cursor.x + 1;
            while x < self.cols && !self.tabs[x] {
                x += 1;
            }
            self.cursor.x = x.min(self.cols - 1);
            if self.cursor.x == self.cols - 1 {
                break;
            }
        }
    }

    /// CBT: to the previous tab stop (or column 0), `n` times.
    pub(crate) fn tab_backward(&mut self, n: usize) {
        for _ in 0..n.max(1) {
            let mut x = self.cursor.x;
            while x > 0 {
                x -= 1;
                if self.tabs[x] {
                    break;
                }
            }
            self.cursor.x = x;
            if x == 0 {
                break;
            }
        }
        self.cursor.pending_wrap = false;
    }

    /// HTS.
    pub(crate) fn set_tab(&mut self) {
        let x = self.cursor.x;
        self.tabs[x] = true;
    }

    /// TBC: 0 clears the stop at the cursor, 3 clears all.
    pub(crate) fn clear_tabs(&mut self, mode: u16) {
        match mode {
            0 => {
                let x = self.cursor.x;
                self.tabs[x] = false;
            }
            3 | 5 => self.tabs.fill(false),
            _ => {}
        }
    }

    /// DECSC.
    pub(crate) fn save_cursor(&mut self) {
        self.saved[self.alt_active as usize] = Some(SavedCursor {
            cursor: self.cursor,
            pen: self.pen,
            protected: self.protected,
            origin: self.modes.origin,
            charsets: self.charsets,
        });
    }

    /// DECRC (home and default attributes when nothing was saved).
    pub(crate) fn restore_cursor(&mut self) {
        let s = self.saved[self.alt_active as usize].unwrap_or_default();
        self.cursor = s.cursor;
        self.clamp_cursor();
        if self.cursor.x != self.cols - 1 {
            self.cursor.pending_wrap = false;
        }
        self.pen = s.pen;
        self.pen_dirty = true;
        self.protected = s.protected;
        self.modes.origin = s.origin;
        self.charsets = s.charsets;
    }
}
