//! The edge: rows that scrolled off the top of the primary screen while their logical line
//! goes on at the top of the screen. They are held here, as cells, until the line ends (then
//! they go to history with it), so that a resize reflows the whole line: print 150 cells in
//! 160 columns, shrink to 30×4 and grow back, and the line is whole on the screen again —
//! history is never rewritten to achieve it, because these rows were never history yet.
//!
//! Readers (capture, search, scroll mode) see the edge as the newest rows of history, after
//! the store's: [`crate::Terminal::edge_rows`]. Their row numbers are the ones they will get
//! when pushed (the store's next ones, in order).
//!
//! Bound: at most [`EDGE_MAX_ROWS`] rows; past that the oldest go to history (still marked
//! soft-wrapped, so history reflows them with the rest on read).
//!
//! The edge is flushed to history whenever the link to the screen's first row may break: a
//! scroll down or an insert/delete of lines at the top, erasing above the cursor, a reset.
//! (A scroll region below the top leaves row 0 where it is, so the link holds.)

use spool_cells::RowRef;

use crate::cell::Cell;
use crate::grid::Line;
use crate::history::{encode_line, HistorySink};
use crate::screen::Screen;

/// Most rows held at the edge: a logical line of 64 rows (a 5,000-character line in an
/// 80-column pane) reflows whole; longer ones reflow from where history took them. 64 rows
/// of the widest screen are 1 MiB of cells.
pub const EDGE_MAX_ROWS: usize = 64;

impl<S: HistorySink> Screen<S> {
    /// Row `y` of the primary grid leaves the top of the screen (before the grid rotates): to
    /// the edge if its line goes on below it, else to history with the edge before it.
    pub(crate) fn leave_top(&mut self, y: usize) {
        if self.grid.lines[y].wrapped() {
            if self.edge.len() == EDGE_MAX_ROWS {
                self.push_edge_front(1);
            }
            let mut line = self
                .edge_spare
                .pop()
                .filter(|l| l.cells.len() == self.cols)
                .unwrap_or_else(|| Line::new(self.cols, Cell::BLANK));
            line.cells.copy_from_slice(&self.grid.lines[y].cells);
            line.flags = self.grid.lines[y].flags;
            self.edge.push(line);
            return;
        }
        self.flush_edge();
        let (text, flags) = encode_line(
            &self.grid.lines[y],
            &self.styles,
            &self.clusters,
            &mut self.row_text,
            &mut self.row_runs,
        );
        self.sink.push_row(RowRef {
            text,
            runs: &self.row_runs,
            flags,
        });
    }

    /// Push the oldest `n` edge rows to history.
    fn push_edge_front(&mut self, n: usize) {
        let n = n.min(self.edge.len());
        for line in self.edge.drain(..n).collect::<Vec<_>>() {
            let (text, flags) = encode_line(
                &line,
                &self.styles,
                &self.clusters,
                &mut self.row_text,
                &mut self.row_runs,
            );
            self.sink.push_row(RowRef {
                text,
                runs: &self.row_runs,
                flags,
            });
            if self.edge_spare.len() < EDGE_MAX_ROWS {
                self.edge_spare.push(line);
            }
        }
    }

    /// Every edge row to history (the line's link to the screen is about to break).
    pub(crate) fn flush_edge(&mut self) {
        if !self.edge.is_empty() {
            self.push_edge_front(self.edge.len());
        }
    }

    /// Take the edge (for a reflow, which puts it back as it finds it).
    pub(crate) fn take_edge(&mut self) -> Vec<Line> {
        std::mem::take(&mut self.edge)
    }

    /// Put rows that a reflow left above the screen back: the trailing ones whose line goes on
    /// at the top of the screen stay at the edge; those before (whole lines) go to history.
    pub(crate) fn set_edge(&mut self, mut above: Vec<Line>) {
        let keep_from = if self.sink.wants_rows() {
            above
                .iter()
                .rposition(|l| !l.wrapped())
                .map_or(0, |i| i + 1)
        } else {
            above.len()
        };
        let mut keep = above.split_off(keep_from);
        for line in above {
            let (text, flags) = encode_line(
                &line,
                &self.styles,
                &self.clusters,
                &mut self.row_text,
                &mut self.row_runs,
            );
            self.sink.push_row(RowRef {
                text,
                runs: &self.row_runs,
                flags,
            });
        }
        self.edge = std::mem::take(&mut keep);
        if self.edge.len() > EDGE_MAX_ROWS {
            let extra = self.edge.len() - EDGE_MAX_ROWS;
            self.push_edge_front(extra);
        }
        // Spare rows are reused only at the current width.
        self.edge_spare.retain(|l| l.cells.len() == self.cols);
    }

    /// Bytes the edge holds.
    pub(crate) fn edge_bytes(&self) -> usize {
        self.edge
            .iter()
            .chain(&self.edge_spare)
            .map(|l| l.cells.capacity() * std::mem::size_of::<Cell>() + std::mem::size_of::<Line>())
            .sum()
    }
}
