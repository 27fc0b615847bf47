//! Where rows go when they scroll off the top of the primary screen, and how a screen row is
//! turned into a store [`Row`](spool_cells::Row).
//!
//! The alternate screen never produces history. ED 3 calls [`HistorySink::clear_history`].

use std::collections::VecDeque;

use spool_cells::{Row, RowFlags, RowRef, Run};

use crate::cell::Cell;
use crate::clusters::ClusterTable;
use crate::grid::Line;
use crate::styles::StyleTable;

/// Receiver of history rows, oldest first. The server implements it for the on-disk store.
pub trait HistorySink {
    /// False for sinks that discard rows, so the terminal skips encoding them.
    fn wants_rows(&self) -> bool {
        true
    }
    /// A row left the top of the primary screen.
    fn push_row(&mut self, row: RowRef<'_>);
    /// ED 3: the program asked to erase the scrollback.
    fn clear_history(&mut self);
    /// The number the next row pushed gets (shell marks say rows by it); 0 for sinks that
    /// do not number rows.
    fn next_row(&self) -> u64 {
        0
    }
}

/// Unbounded in-memory history, for tests and tools that replay bounded input.
impl HistorySink for Vec<Row> {
    fn push_row(&mut self, row: RowRef<'_>) {
        self.push(row.to_row());
    }
    fn next_row(&self) -> u64 {
        self.len() as u64
    }
    fn clear_history(&mut self) {
        self.clear();
    }
}

/// Failed history writes so far (all panes); logged at 1, 2, 4, 8, … so a full disk does not
/// flood the log with one line per row.
static STORE_FAILURES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn store_failed(e: &spool_store::StoreError, what: &str) {
    let n = STORE_FAILURES.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
    if n.is_power_of_two() {
        tracing::warn!(error = %e, failures = n, "{what}");
    }
}

/// History into the on-disk store. A failed write is logged and the row dropped: the pane
/// must keep running even when the disk is full, and the store reports lost rows itself.
impl HistorySink for spool_store::Store {
    fn push_row(&mut self, row: RowRef<'_>) {
        if let Err(e) = self.push(row) {
            store_failed(&e, "history row not stored");
        }
    }
    fn next_row(&self) -> u64 {
        spool_store::Store::next_row(self)
    }
    fn clear_history(&mut self) {
        if let Err(e) = self.clear() {
            store_failed(&e, "history not cleared");
        }
    }
}

/// Shared store handle (the server keeps one per pane and reads it for scrollback).
/// A terminal's own store (the server's panes): rows are pushed without waiting for
/// compression, since the terminal is locked meanwhile; its owner calls
/// [`spool_store::Store::relieve`] after each feed, unlocked.
impl HistorySink for std::sync::Arc<spool_store::Store> {
    fn push_row(&mut self, row: RowRef<'_>) {
        if let Err(e) = self.push_deferring(row) {
            store_failed(&e, "history row not stored");
        }
    }
    fn next_row(&self) -> u64 {
        spool_store::Store::next_row(self)
    }
    fn clear_history(&mut self) {
        if let Err(e) = self.clear() {
            store_failed(&e, "history not cleared");
        }
    }
}

/// Discards history (benchmarks of the screen alone, alternate-only panes).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHistory;

impl HistorySink for NoHistory {
    fn wants_rows(&self) -> bool {
        false
    }
    fn push_row(&mut self, _row: RowRef<'_>) {}
    fn clear_history(&mut self) {}
}

/// In-memory history keeping the newest `limit` rows (what `spool debug replay --history`
/// uses). Memory is bounded by `limit` × the longest row a screen can produce.
#[derive(Debug, Default, Clone)]
pub struct BoundedHistory {
    pub rows: VecDeque<Row>,
    pub limit: usize,
}

impl BoundedHistory {
    pub fn new(limit: usize) -> BoundedHistory {
        BoundedHistory {
            rows: VecDeque::new(),
            limit,
        }
    }
}

impl HistorySink for BoundedHistory {
    /// A limit of 0 keeps nothing, so rows need not be encoded at all.
    fn wants_rows(&self) -> bool {
        self.limit > 0
    }
    fn push_row(&mut self, row: RowRef<'_>) {
        if self.limit == 0 {
            return;
        }
        if self.rows.len() == self.limit {
            self.rows.pop_front();
        }
        self.rows.push_back(row.to_row());
    }
    fn clear_history(&mut self) {
        self.rows.clear();
    }
}

/// Append the text of `cell` (its character or cluster) to `out`.
#[inline]
pub(crate) fn push_cell_text(out: &mut String, cell: &Cell, clusters: &ClusterTable) {
    if cell.is_cluster() {
        out.push_str(clusters.get(cell.ch));
    } else {
        out.push(char::from_u32(cell.ch).unwrap_or(' '));
    }
}

/// Append the run `start..end` (bytes) of style `style`, unless it is a leading default run.
#[inline]
fn push_run(runs: &mut Vec<Run>, styles: &StyleTable, start: usize, end: usize, style: u16) {
    if end > start && (style != 0 || !runs.is_empty() || start > 0) {
        if runs.is_empty() && start > 0 {
            runs.push(Run {
                len: start as u32,
                style: styles.get(0),
            });
        }
        runs.push(Run {
            len: (end - start) as u32,
            style: styles.get(style),
        });
    }
}

/// The bits of a cell's word that are zero in a plain ASCII cell (a character below 0x80,
/// not a cluster, not a spacer): the encoder's fast path takes rows of only such cells.
const NOT_PLAIN: u64 = Cell {
    ch: !0x7f,
    style: 0,
    flags: Cell::CLUSTER | Cell::SPACER,
}
.word();

/// The bits of a cell's word that hold its style.
const STYLE_BITS: u64 = Cell {
    ch: 0,
    style: u16::MAX,
    flags: 0,
}
.word();

/// Build `line` as a store row into the reusable `text`/`runs` buffers; returns the row's text
/// and flags. Spacer cells are skipped, trailing default blanks trimmed (except in a
/// soft-wrapped row, where they are text of the logical line), runs measured in bytes. Text is
/// assembled as bytes (ASCII cells are one push each) and validated once.
pub(crate) fn encode_line<'a>(
    line: &Line,
    styles: &StyleTable,
    clusters: &ClusterTable,
    text: &'a mut Vec<u8>,
    runs: &mut Vec<Run>,
) -> (&'a str, RowFlags) {
    text.clear();
    runs.clear();
    // A soft-wrapped row keeps its trailing blanks: they are text of the logical line (a
    // space that fell in the last column), and dropping them would glue words together
    // when the store reflows or `capture -J` joins the line.
    // (A wide-wrap padding cell is not text and is left out.)
    let cells = line.text_cells();
    text.reserve(cells.len());
    // Fast path: a row of plain ASCII cells (the common case), one byte per cell, style runs
    // cut where the style changes. Simple passes the compiler vectorizes: one checks every
    // cell and whether the style ever changes, one copies; only a row whose style changes
    // walks its cells for the runs. Any other cell sends the row to the general path.
    let first = cells.first().map_or(0, |c| c.word());
    let (special, restyled) = cells.iter().fold((0, 0), |(s, r), c| {
        (
            s | (c.word() & NOT_PLAIN),
            r | ((c.word() ^ first) & STYLE_BITS),
        )
    });
    if special == 0 {
        text.extend(cells.iter().map(|c| c.ch as u8));
        let mut style = cells.first().map_or(0, |c| c.style);
        let mut start = 0;
        if restyled != 0 {
            for (i, c) in cells.iter().enumerate() {
                if c.style != style {
                    push_run(runs, styles, start, i, style);
                    start = i;
                    style = c.style;
                }
            }
        }
        push_run(runs, styles, start, cells.len(), style);
        if runs.last().is_some_and(|r| r.style.is_default()) {
            runs.pop();
        }
        debug_assert!(text.is_ascii());
        // SAFETY: the plain path wrote only bytes below 0x80 (each cell was checked above),
        // and ASCII is UTF-8.
        let s = unsafe { std::str::from_utf8_unchecked(text) };
        return (s, line.flags);
    }
    let mut i = 0;
    while i < cells.len() {
        // One style run at a time.
        let style = cells[i].style;
        let end = cells[i..]
            .iter()
            .position(|c| c.style != style)
            .map_or(cells.len(), |n| i + n);
        let run = &cells[i..end];
        let start = text.len();
        // Plain ASCII cells (the common case) become one byte each in a tight loop.
        let special = run.iter().fold(0u32, |acc, c| {
            acc | (c.ch & !0x7f) | (c.flags & (Cell::CLUSTER | Cell::SPACER)) as u32
        });
        if special == 0 {
            text.extend(run.iter().map(|c| c.ch as u8));
        } else {
            for cell in run {
                if cell.is_spacer() {
                    continue;
                } else if cell.is_cluster() {
                    text.extend_from_slice(clusters.get(cell.ch).as_bytes());
                } else {
                    let c = char::from_u32(cell.ch).unwrap_or(' ');
                    let mut b = [0u8; 4];
                    text.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                }
            }
        }
        if style != 0 || !runs.is_empty() {
            if runs.is_empty() && start > 0 {
                runs.push(Run {
                    len: start as u32,
                    style: styles.get(0),
                });
            }
            runs.push(Run {
                len: (text.len() - start) as u32,
                style: styles.get(style),
            });
        }
        i = end;
    }
    // A trailing default run is implied by the format ("text past the last run has the
    // default style").
    if runs.last().is_some_and(|r| r.style.is_default()) {
        runs.pop();
    }
    // Every piece pushed above is whole UTF-8, so this never fails.
    let s = std::str::from_utf8(text).unwrap_or("");
    (s, line.flags)
}
