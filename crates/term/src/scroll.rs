//! Vertical movement that can scroll: IND/LF, RI, NEL, SU/SD, and the scroll region
//! (DECSTBM). Rows leaving the top of the primary screen, when the region starts at the top,
//! are handed to the [`HistorySink`] with their soft-wrap flag.

use crate::history::HistorySink;
use crate::screen::Screen;

impl<S: HistorySink> Screen<S> {
    /// IND / LF: down one row, scrolling the region at its bottom margin.
    #[inline]
    pub(crate) fn index(&mut self) {
        if self.cursor.y == self.bottom {
            self.scroll_up(1);
        } else if self.cursor.y + 1 < self.rows {
            self.cursor.y += 1;
        }
    }

    /// RI: up one row, scrolling the region down at its top margin.
    pub(crate) fn reverse_index(&mut self) {
        self.cursor.pending_wrap = false;
        if self.cursor.y == self.top {
            self.scroll_down(1);
        } else if self.cursor.y > 0 {
            self.cursor.y -= 1;
        }
    }

    /// Scroll the region up by `n` rows (content moves up, blank rows enter at the bottom).
    pub(crate) fn scroll_up(&mut self, n: usize) {
        let (top, bottom) = (self.top, self.bottom);
        let n = n.min(bottom + 1 - top);
        if n == 0 {
            return;
        }
        let fill = self.erase_cell();
        if top == 0 && !self.alt_active && self.sink.wants_rows() {
            for y in 0..n {
                self.leave_top(y);
            }
        }
        self.grid.rotate_up(top, bottom, n);
        for y in bottom + 1 - n..=bottom {
            self.grid.lines[y].reset(fill);
        }
        self.damage.mark_range(top, bottom);
    }

    /// Scroll the region down by `n` rows (blank rows enter at the top).
    pub(crate) fn scroll_down(&mut self, n: usize) {
        let (top, bottom) = (self.top, self.bottom);
        let n = n.min(bottom + 1 - top);
        if n == 0 {
            return;
        }
        if top == 0 && !self.alt_active {
            // Row 0 moves down: the edge's line no longer goes on at the top.
            self.flush_edge();
        }
        let fill = self.erase_cell();
        self.grid.rotate_down(top, bottom, n);
        for y in top..top + n {
            self.grid.lines[y].reset(fill);
        }
        self.damage.mark_range(top, bottom);
    }

    /// DECSTBM. `top`/`bottom` are 1-based, 0 meaning the default. Invalid regions are ignored.
    pub(crate) fn set_scroll_region(&mut self, top: usize, bottom: usize) {
        let top = top.max(1) - 1;
        let bottom = if bottom == 0 {
            self.rows
        } else {
            bottom.min(self.rows)
        } - 1;
        if top >= bottom {
            return;
        }
        self.top = top;
        self.bottom = bottom;
        self.goto_origin(0, 0);
    }

    /// IL: insert `n` blank rows at the cursor row, within the region.
    pub(crate) fn insert_lines(&mut self, n: usize) {
        let y = self.cursor.y;
        if y < self.top || y > self.bottom {
            return;
        }
        let n = n.max(1).min(self.bottom + 1 - y);
        if y == 0 && !self.alt_active {
            self.flush_edge();
        }
        let fill = self.erase_cell();
        self.grid.rotate_down(y, self.bottom, n);
        for yy in y..y + n {
            self.grid.lines[yy].reset(fill);
        }
        self.damage.mark_range(y, self.bottom);
        self.cursor.x = 0;
        self.cursor.pending_wrap = false;
    }

    /// DL: delete `n` rows at the cursor row, within the region.
    pub(crate) fn delete_lines(&mut self, n: usize) {
        let y = self.cursor.y;
        if y < self.top || y > self.bottom {
            return;
        }
        let n = n.max(1).min(self.bottom + 1 - y);
        if y == 0 && !self.alt_active {
            self.flush_edge();
        }
        let fill = self.erase_cell();
        self.grid.rotate_up(y, self.bottom, n);
        for yy in self.bottom + 1 - n..=self.bottom {
            self.grid.lines[yy].reset(fill);
        }
        self.damage.mark_range(y, self.bottom);
        self.cursor.x = 0;
        self.cursor.pending_wrap = false;
    }
}
