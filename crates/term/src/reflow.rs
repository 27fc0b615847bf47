//! Resize. The primary screen's soft-wrapped lines are re-wrapped to the new width and the
//! cursor stays on its text; rows pushed off the top by a narrower or shorter screen go to
//! history (blank rows below the cursor are dropped first). History already in the store is
//! never rewritten: the store reflows it on read. The alternate screen is cut or padded, as
//! full-screen programs redraw on SIGWINCH anyway.

use spool_cells::RowFlags;

use crate::cell::Cell;
use crate::grid::{Grid, Line};
use crate::history::HistorySink;
use crate::screen::{Screen, MAX_COLS, MAX_ROWS};

/// Re-wrap `grid` to `cols`; returns the new lines and the cursor's new (x, row index).
fn rewrap(grid: &Grid, cols: usize, cursor: (usize, usize)) -> (Vec<Line>, (usize, usize)) {
    let mut out: Vec<Line> = Vec::new();
    let mut new_cursor = (0, 0);
    let mut logical: Vec<Cell> = Vec::new();
    let mut marks = RowFlags::empty();
    let mut cursor_off: Option<usize> = None;
    let n = grid.lines.len();
    for (y, line) in grid.lines.iter().enumerate() {
        if y == cursor.1 {
            cursor_off = Some(logical.len() + cursor.0);
        }
        logical.extend_from_slice(line.text_cells());
        marks.0 |= line.flags.0 & !RowFlags::WRAPPED.0;
        if line.wrapped() && y + 1 < n {
            continue;
        }
        // Emit the logical line.
        let start = out.len();
        let mut row = Line::new(cols, Cell::BLANK);
        let mut x = 0;
        let mut placed_cursor = false;
        let mut i = 0;
        while i < logical.len() {
            let c = logical[i];
            let w = if c.is_wide() { 2 } else { 1 };
            if c.is_spacer() {
                i += 1;
                continue;
            }
            if x + w > cols {
                row.set_wrapped(true);
                out.push(std::mem::replace(&mut row, Line::new(cols, Cell::BLANK)));
                x = 0;
            }
            if cursor_off == Some(i) || (w == 2 && cursor_off == Some(i + 1)) {
                new_cursor = (x, out.len());
                placed_cursor = true;
            }
            if w == 2 && cols < 2 {
                row.cells[x] = Cell::blank(c.style);
            } else {
                row.cells[x] = c;
                if w == 2 {
                    row.cells[x + 1] = Cell {
                        ch: ' ' as u32,
                        style: c.style,
                        flags: Cell::SPACER | (c.flags & Cell::PROTECTED),
                    };
                }
            }
            x += w.min(cols);
            i += 1;
        }
        if let Some(off) = cursor_off {
            if !placed_cursor {
                // The cursor sits past the text: keep its distance, within the row.
                let beyond = off.saturating_sub(logical.len());
                new_cursor = ((x + beyond).min(cols - 1), out.len());
            }
        }
        out.push(row);
        out[start].flags.0 |= marks.0;
        logical.clear();
        marks = RowFlags::empty();
        cursor_off = None;
    }
    (out, new_cursor)
}

impl<S: HistorySink> Screen<S> {
    /// Resize to `cols` × `rows` (clamped to 1..=[`MAX_COLS`] × 1..=[`MAX_ROWS`]).
    pub(crate) fn resize(&mut self, cols: usize, rows: usize) {
        let cols = cols.clamp(1, MAX_COLS);
        let rows = rows.clamp(1, MAX_ROWS);
        if cols == self.cols && rows == self.rows {
            return;
        }
        // Reflow the primary grid, wherever it currently is.
        let alt = self.alt_active;
        let primary_cursor = if alt {
            self.saved[0].map_or((0, 0), |s| (s.cursor.x, s.cursor.y))
        } else {
            let c = self.cursor;
            (c.x + c.pending_wrap as usize, c.y)
        };
        let primary = if alt {
            self.other
                .take()
                .unwrap_or_else(|| Grid::new(self.cols, self.rows))
        } else {
            std::mem::replace(&mut self.grid, Grid::new(1, 1))
        };
        // The edge's rows are the head of the line at the top of the screen: reflowed with it.
        let edge = self.take_edge();
        let lifted = edge.len();
        let mut primary = primary;
        for line in edge.into_iter().rev() {
            primary.lines.push_front(line);
        }
        let primary_cursor = (primary_cursor.0, primary_cursor.1 + lifted);
        let (mut lines, (mut cx, mut cy)) = rewrap(&primary, cols, primary_cursor);
        drop(primary);
        // Drop blank rows below the cursor, then push rows off the top into history.
        while lines.len() > rows && lines.len() > cy + 1 {
            let last = &lines[lines.len() - 1];
            if last.used_len() == 0 && last.flags == RowFlags::empty() {
                lines.pop();
            } else {
                break;
            }
        }
        let mut above = Vec::new();
        if lines.len() > rows {
            let excess = lines.len() - rows;
            above.extend(lines.drain(..excess));
            cy = cy.saturating_sub(excess);
        }
        // Whole lines above the new screen go to history; the head of the top line stays.
        self.cols = cols;
        self.set_edge(above);
        while lines.len() < rows {
            lines.push(Line::new(cols, Cell::BLANK));
        }
        cx = cx.min(cols - 1);
        cy = cy.min(rows - 1);
        let primary = Grid {
            cols,
            lines: lines.into(),
        };
        if alt {
            self.other = Some(primary);
            self.grid.set_cols(cols);
            self.grid.set_rows(rows);
            self.clamp_cursor_to(cols, rows);
            if let Some(s) = self.saved[0].as_mut() {
                s.cursor.x = cx;
                s.cursor.y = cy;
                s.cursor.pending_wrap = false;
            }
        } else {
            self.grid = primary;
            if let Some(other) = self.other.as_mut() {
                other.set_cols(cols);
                other.set_rows(rows);
            }
            self.cursor.x = cx;
            self.cursor.y = cy;
            self.cursor.pending_wrap = false;
        }
        self.cols = cols;
        self.rows = rows;
        self.top = 0;
        self.bottom = rows - 1;
        let old = self.tabs.len();
        self.tabs.resize(cols, false);
        for x in old..cols {
            self.tabs[x] = x % 8 == 0 && x != 0;
        }
        self.clamp_cursor();
        if let Some(s) = self.saved[1].as_mut() {
            s.cursor.x = s.cursor.x.min(cols - 1);
            s.cursor.y = s.cursor.y.min(rows - 1);
        }
        self.damage.resize(rows);
    }

    fn clamp_cursor_to(&mut self, cols: usize, rows: usize) {
        self.cursor.x = self.cursor.x.min(cols - 1);
        self.cursor.y = self.cursor.y.min(rows - 1);
        self.cursor.pending_wrap = false;
    }
}
