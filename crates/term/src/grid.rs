//! The grid: a screen's rows of cells, each row with its soft-wrap flag and OSC 133 marks.
//!
//! Rows are separate allocations so that scrolling a region rotates row pointers
//! (O(rows)) instead of moving cells (O(rows × cols)). Per row: a `Vec<Cell>` header
//! (24 bytes) + [`RowFlags`] (1 byte, padded) + `cols × 8` bytes of cells.

use spool_store::RowFlags;

use crate::cell::Cell;

/// One screen row.
#[derive(Clone, Debug)]
pub struct Line {
    /// Exactly `cols` cells.
    pub cells: Vec<Cell>,
    /// WRAPPED (soft-wrapped into the next row) and OSC 133 marks.
    pub flags: RowFlags,
}

impl Line {
    pub fn new(cols: usize, fill: Cell) -> Line {
        Line {
            cells: vec![fill; cols],
            flags: RowFlags::empty(),
        }
    }

    /// Blank the whole row with `fill` and drop its flags.
    pub fn reset(&mut self, fill: Cell) {
        self.cells.fill(fill);
        self.flags = RowFlags::empty();
    }

    #[inline]
    pub fn wrapped(&self) -> bool {
        self.flags.contains(RowFlags::WRAPPED)
    }

    #[inline]
    pub fn set_wrapped(&mut self, on: bool) {
        self.flags.set(RowFlags::WRAPPED, on);
    }

    /// Number of cells up to the last one that is not a default blank.
    pub fn used_len(&self) -> usize {
        self.cells
            .iter()
            .rposition(|c| *c != Cell::BLANK)
            .map_or(0, |i| i + 1)
    }
}

/// A screen's rows (`rows` rows of `cols` cells).
#[derive(Clone, Debug)]
pub struct Grid {
    pub cols: usize,
    pub lines: Vec<Line>,
}

impl Grid {
    pub fn new(cols: usize, rows: usize) -> Grid {
        Grid {
            cols,
            lines: (0..rows).map(|_| Line::new(cols, Cell::BLANK)).collect(),
        }
    }

    #[inline]
    pub fn rows(&self) -> usize {
        self.lines.len()
    }

    /// Heap bytes held by the grid.
    pub fn memory_bytes(&self) -> usize {
        self.lines.capacity() * std::mem::size_of::<Line>()
            + self
                .lines
                .iter()
                .map(|l| l.cells.capacity() * std::mem::size_of::<Cell>())
                .sum::<usize>()
    }

    /// Change the width without reflow: truncate or pad every row.
    pub fn set_cols(&mut self, cols: usize) {
        self.cols = cols;
        for l in &mut self.lines {
            l.cells.resize(cols, Cell::BLANK);
            l.cells.shrink_to_fit();
            if let Some(last) = l.cells.last_mut() {
                if last.is_wide() {
                    *last = Cell::blank(last.style);
                }
            }
        }
    }

    /// Change the height without reflow: drop or add rows at the bottom.
    pub fn set_rows(&mut self, rows: usize) {
        let cols = self.cols;
        self.lines
            .resize_with(rows, || Line::new(cols, Cell::BLANK));
        self.lines.shrink_to_fit();
    }
}
