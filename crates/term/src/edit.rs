//! Erasing and shifting within the screen: ED (incl. ED 3 history clear), EL, ECH, ICH, DCH,
//! selective erase (DECSED/DECSEL honoring DECSCA), DECALN.

use crate::cell::Cell;
use crate::history::HistorySink;
use crate::screen::Screen;

impl<S: HistorySink> Screen<S> {
    /// Forget the history: the edge (rows not in the sink yet) and the sink's.
    pub(crate) fn clear_history(&mut self) {
        self.edge.clear();
        self.sink.clear_history();
    }

    /// Fill cells `from..to` of row `y` with `fill` (or only unprotected cells if `selective`).
    pub(crate) fn erase_cells(&mut self, y: usize, from: usize, to: usize, selective: bool) {
        let to = to.min(self.cols);
        if from >= to {
            return;
        }
        let fill = self.erase_cell();
        if from > 0 {
            self.clear_wide_at(y, from);
        }
        if to < self.cols {
            self.clear_wide_at(y, to - 1);
        }
        let line = &mut self.grid.lines[y];
        if selective {
            for c in &mut line.cells[from..to] {
                if !c.is_protected() {
                    *c = fill;
                }
            }
        } else {
            line.cells[from..to].fill(fill);
        }
        if to == self.cols {
            line.set_wrapped(false);
        }
        self.damage.mark(y);
    }

    /// ED / DECSED.
    pub(crate) fn erase_display(&mut self, mode: u16, selective: bool) {
        let (x, y) = (self.cursor.x, self.cursor.y);
        // Erasing the top row ends the edge's line there (see `edge.rs`).
        if !self.alt_active && (mode == 1 || mode == 2 || (mode == 0 && y == 0)) {
            self.flush_edge();
        }
        match mode {
            0 => {
                self.erase_cells(y, x, self.cols, selective);
                for yy in y + 1..self.rows {
                    self.erase_cells(yy, 0, self.cols, selective);
                }
            }
            1 => {
                for yy in 0..y {
                    self.erase_cells(yy, 0, self.cols, selective);
                }
                self.erase_cells(y, 0, x + 1, selective);
            }
            2 => {
                // As tmux's `scroll-on-clear`: what the primary screen showed goes to history
                // first (its rows through the last one written), so `clear` loses nothing, and
                // rows keep the history numbers shell marks were given for them.
                if !self.alt_active && !selective && self.sink.wants_rows() {
                    let shown = (0..self.rows)
                        .rev()
                        .find(|&yy| {
                            let l = &self.grid.lines[yy];
                            l.used_len() > 0 || l.flags.0 != 0
                        })
                        .map_or(0, |yy| yy + 1);
                    for yy in 0..shown {
                        self.leave_top(yy);
                    }
                    self.flush_edge();
                }
                for yy in 0..self.rows {
                    self.erase_cells(yy, 0, self.cols, selective);
                }
            }
            3 if !self.alt_active => self.clear_history(),
            _ => {}
        }
        self.cursor.pending_wrap = false;
    }

    /// EL / DECSEL.
    pub(crate) fn erase_line(&mut self, mode: u16, selective: bool) {
        let (x, y) = (self.cursor.x, self.cursor.y);
        match mode {
            0 => self.erase_cells(y, x, self.cols, selective),
            1 => self.erase_cells(y, 0, x + 1, selective),
            2 => self.erase_cells(y, 0, self.cols, selective),
            _ => {}
        }
        self.cursor.pending_wrap = false;
    }

    /// ECH: erase `n` cells from the cursor without moving it.
    pub(crate) fn erase_chars(&mut self, n: usize) {
        let (x, y) = (self.cursor.x, self.cursor.y);
        let n = n.max(1);
        let fill = self.erase_cell();
        let to = (x + n).min(self.cols);
        self.clear_wide_at(y, x);
        if to < self.cols {
            self.clear_wide_at(y, to - 1);
        }
        self.grid.lines[y].cells[x..to].fill(fill);
        self.damage.mark(y);
        self.cursor.pending_wrap = false;
    }

    /// Shift cells right from the cursor by `n`, filling with `fill` (ICH and insert mode).
    pub(crate) fn insert_blanks_raw(&mut self, n: usize, fill: Cell) {
        let (x, y) = (self.cursor.x, self.cursor.y);
        let cols = self.cols;
        let n = n.min(cols - x);
        self.clear_wide_at(y, x);
        // A wide character split by the right margin is dropped.
        if cols - n > 0 {
            let last_kept = cols - n - 1;
            if last_kept >= x && self.grid.lines[y].cells[last_kept].is_wide() {
                self.clear_wide_at(y, last_kept);
            }
        }
        let cells = &mut self.grid.lines[y].cells;
        cells[x..].rotate_right(n);
        cells[x..x + n].fill(fill);
        self.grid.lines[y].set_wrapped(false);
        self.damage.mark(y);
    }

    /// ICH.
    pub(crate) fn insert_blanks(&mut self, n: usize) {
        let fill = self.erase_cell();
        self.insert_blanks_raw(n.max(1), fill);
        self.cursor.pending_wrap = false;
    }

    /// DCH: delete `n` cells at the cursor, shifting the rest left.
    pub(crate) fn delete_chars(&mut self, n: usize) {
        let (x, y) = (self.cursor.x, self.cursor.y);
        let cols = self.cols;
        let n = n.max(1).min(cols - x);
        let fill = self.erase_cell();
        self.clear_wide_at(y, x);
        if x + n < cols {
            self.clear_wide_at(y, x + n - 1);
        }
        let cells = &mut self.grid.lines[y].cells;
        cells[x..].rotate_left(n);
        cells[cols - n..].fill(fill);
        self.grid.lines[y].set_wrapped(false);
        self.damage.mark(y);
        self.cursor.pending_wrap = false;
    }

    /// DECALN: fill the screen with `E`, reset margins, home the cursor.
    pub(crate) fn alignment_test(&mut self) {
        for line in &mut self.grid.lines {
            line.reset(Cell::narrow('E', 0));
        }
        self.top = 0;
        self.bottom = self.rows - 1;
        self.cursor = Default::default();
        self.damage.mark_all();
    }
}
