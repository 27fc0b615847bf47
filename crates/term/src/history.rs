//! Where rows go when they scroll off the top of the primary screen, and how a screen row is
//! turned into a store [`Row`](spool_store::Row).
//!
//! The alternate screen never produces history. ED 3 calls [`HistorySink::clear_history`].

use std::collections::VecDeque;

use spool_store::{Row, RowFlags, RowRef, Run, Style};

use crate::cell::Cell;
use crate::clusters::ClusterTable;
use crate::grid::Line;
use crate::styles::StyleTable;

/// Receiver of history rows, oldest first. The server implements it for the on-disk store.
pub trait HistorySink {
    /// A row left the top of the primary screen.
    fn push_row(&mut self, row: RowRef<'_>);
    /// ED 3: the program asked to erase the scrollback.
    fn clear_history(&mut self);
}

/// Unbounded in-memory history, for tests and tools that replay bounded input.
impl HistorySink for Vec<Row> {
    fn push_row(&mut self, row: RowRef<'_>) {
        self.push(row.to_row());
    }
    fn clear_history(&mut self) {
        self.clear();
    }
}

/// History into the on-disk store. A failed write is logged and the row dropped: the pane
/// must keep running even when the disk is full, and the store reports lost rows itself.
impl HistorySink for spool_store::Store {
    fn push_row(&mut self, row: RowRef<'_>) {
        if let Err(e) = self.push(row) {
            tracing::warn!(error = %e, "history row not stored");
        }
    }
    fn clear_history(&mut self) {
        if let Err(e) = self.clear() {
            tracing::warn!(error = %e, "history not cleared");
        }
    }
}

/// Shared store handle (the server keeps one per pane and reads it for scrollback).
impl HistorySink for std::sync::Arc<spool_store::Store> {
    fn push_row(&mut self, row: RowRef<'_>) {
        if let Err(e) = self.push(row) {
            tracing::warn!(error = %e, "history row not stored");
        }
    }
    fn clear_history(&mut self) {
        if let Err(e) = self.clear() {
            tracing::warn!(error = %e, "history not cleared");
        }
    }
}

/// Discards history (benchmarks of the screen alone, alternate-only panes).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoHistory;

impl HistorySink for NoHistory {
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

/// Build `line` as a store row into the reusable `text`/`runs` buffers; returns its flags.
/// Spacer cells are skipped, trailing default blanks trimmed, runs measured in bytes.
pub(crate) fn encode_line(
    line: &Line,
    styles: &StyleTable,
    clusters: &ClusterTable,
    text: &mut String,
    runs: &mut Vec<Run>,
) -> RowFlags {
    text.clear();
    runs.clear();
    let used = line.used_len();
    let mut cur_style: u16 = 0;
    let mut run_start = 0usize;
    for cell in &line.cells[..used] {
        if cell.is_spacer() {
            continue;
        }
        if cell.style != cur_style {
            if text.len() > run_start || !runs.is_empty() || cur_style != 0 {
                runs.push(Run {
                    len: (text.len() - run_start) as u32,
                    style: styles.get(cur_style),
                });
            }
            run_start = text.len();
            cur_style = cell.style;
        }
        push_cell_text(text, cell, clusters);
    }
    if cur_style != 0 {
        runs.push(Run {
            len: (text.len() - run_start) as u32,
            style: styles.get(cur_style),
        });
    }
    // Drop a leading zero-length default run created by the first style change at offset 0.
    if runs
        .first()
        .is_some_and(|r| r.len == 0 && r.style == Style::default())
    {
        runs.remove(0);
    }
    line.flags
}
