//! The grid: a screen's rows of cells, each row with its soft-wrap flag and OSC 133 marks.
//!
//! Rows are separate allocations in a ring (`VecDeque`), so scrolling the whole screen is
//! O(1) (the ring's head moves) and scrolling a region rotates row headers (O(rows)), never
//! cells. Per row: a `Vec<Cell>` header
//! (24 bytes) + [`RowFlags`] (1 byte, padded) + `cols × 8` bytes of cells.

use std::collections::VecDeque;

use spool_cells::RowFlags;

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

    /// The cells that are text of the line: all of them in a soft-wrapped row (a blank in the
    /// last column is a space of the logical line) except a wide-wrap padding cell; up to the
    /// last non-blank cell otherwise.
    pub fn text_cells(&self) -> &[Cell] {
        if self.wrapped() {
            match self.cells.split_last() {
                Some((last, rest)) if last.flags & Cell::PAD != 0 => rest,
                _ => &self.cells,
            }
        } else {
            &self.cells[..self.used_len()]
        }
    }

    /// Number of cells up to the last one that is not a default blank.
    pub fn used_len(&self) -> usize {
        // A default blank, and the bits that decide it (a wide-wrap padding cell is blank).
        const BLANK: u64 = Cell::BLANK.word();
        const DECIDES: u64 = !Cell {
            ch: 0,
            style: 0,
            flags: Cell::PAD,
        }
        .word();
        #[inline(always)]
        fn not_blank(c: &Cell) -> u64 {
            (c.word() & DECIDES) ^ BLANK
        }
        // Whole blank blocks of 8 cells are skipped first, a word per cell.
        let mut end = self.cells.len();
        while end >= 8
            && self.cells[end - 8..end]
                .iter()
                .fold(0, |a, c| a | not_blank(c))
                == 0
        {
            end -= 8;
        }
        self.cells[..end]
            .iter()
            .rposition(|c| not_blank(c) != 0)
            .map_or(0, |i| i + 1)
    }
}

/// A screen's rows (`rows` rows of `cols` cells).
#[derive(Clone, Debug)]
pub struct Grid {
    pub cols: usize,
    pub lines: VecDeque<Line>,
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

    /// Move rows `top..=bottom` up by `n` (the top `n` come back at the bottom).
    pub fn rotate_up(&mut self, top: usize, bottom: usize, n: usize) {
        if top == 0 && bottom + 1 == self.lines.len() {
            self.lines.rotate_left(n);
        } else {
            self.lines.make_contiguous()[top..=bottom].rotate_left(n);
        }
    }

    /// Move rows `top..=bottom` down by `n` (the bottom `n` come back at the top).
    pub fn rotate_down(&mut self, top: usize, bottom: usize, n: usize) {
        if top == 0 && bottom + 1 == self.lines.len() {
            self.lines.rotate_right(n);
        } else {
            self.lines.make_contiguous()[top..=bottom].rotate_right(n);
        }
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
