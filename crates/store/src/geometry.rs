//! Row geometry at a display width: how stored rows rewrap when shown `width` cells wide.
//!
//! History is stored as the rows that left the screen, with their soft-wrap flags. A *logical
//! line* is a run of rows each wrapped into the next, ended by an unwrapped row. Shown at width
//! W it occupies `layout(line, W)` display rows: clusters are laid left to right, a wide cluster
//! that does not fit in the last column starts the next display row, an empty line still takes
//! one. Nothing is ever rewritten on disk; this module computes the layout on read.
//!
//! Per sealed segment the index caches, for the last width asked, the display rows of the lines
//! that *end* in that segment — a line crossing into the segment from earlier ones is counted
//! where it ends, starting from the `carry_in` cells the earlier segments left. (The carried
//! prefix is treated as narrow cells: exact except when one of its wide characters fell on a
//! wrap point, which only lines longer than a segment can show.)
//!
//! When the pane's width changes, a *warmer* thread counts every on-disk segment at the new
//! width, newest first, and caches the counts. Until it is done, walks at that width use
//! [`estimate_rows`] for the segments it has not reached: positions deep in history are then
//! approximate for a second or two, and never wait for all of history to be decoded. The
//! segment a walk lands in is always counted exactly.

use crate::codec::SegmentBuf;
use spool_cells::{Row, RowFlags, Run};
use std::sync::Weak;

use crate::store::{SegRef, Shared, Store};
use crate::StoreError;
use spool_cells::width::clusters;

/// Where display row `k` (counted from the bottom of history) sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DisplayPos {
    /// The first stored row of the logical line that holds it.
    pub line_start: u64,
    /// Which display row of that line it is (0 = the line's first).
    pub line_offset: u64,
    /// The stored row that holds the display row's first cell.
    pub row: u64,
}

/// Layout state of one logical line at a width.
#[derive(Clone, Copy, Debug)]
struct Layout {
    width: usize,
    /// Display rows completed before the current one.
    rows: u64,
    /// Cells used in the current display row.
    col: usize,
}

impl Layout {
    fn new(width: u16) -> Layout {
        Layout {
            width: width.max(1) as usize,
            rows: 0,
            col: 0,
        }
    }

    /// A line that already has `cells` narrow cells from earlier segments.
    fn with_carry(width: u16, cells: u32) -> Layout {
        let mut l = Layout::new(width);
        if cells > 0 {
            let c = cells as u64;
            let w = l.width as u64;
            l.rows = (c - 1) / w;
            l.col = (c - l.rows * w) as usize;
        }
        l
    }

    fn feed(&mut self, text: &str) {
        if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            // Printable ASCII: one cell per byte, laid out arithmetically.
            let n = text.len();
            if n == 0 {
                return;
            }
            let w = self.width;
            if self.col + n <= w {
                self.col += n;
            } else {
                let rest = n - w.saturating_sub(self.col);
                let k = rest.div_ceil(w);
                self.rows += k as u64;
                self.col = rest - (k - 1) * w;
            }
            return;
        }
        for (_, _, cw) in clusters(text) {
            self.place(cw);
        }
    }

    /// Place one cluster of width `cw`; true if it started a new display row.
    #[inline]
    fn place(&mut self, cw: usize) -> bool {
        let wrapped = cw > 0 && self.col + cw > self.width;
        if wrapped {
            self.rows += 1;
            self.col = 0;
        }
        self.col += cw;
        wrapped
    }

    fn line_rows(&self) -> u64 {
        self.rows + 1
    }
}

/// Display rows of one logical line given as the texts of its stored rows.
pub fn line_display_rows<'a>(texts: impl IntoIterator<Item = &'a str>, width: u16) -> u64 {
    let mut l = Layout::new(width);
    for t in texts {
        l.feed(t);
    }
    l.line_rows()
}

/// Rewrap one logical line (its stored rows, in order) to `width` cells: the display rows, each
/// but the last flagged `WRAPPED`, styles carried along, row flags of the first row kept.
pub fn reflow(line: &[Row], width: u16) -> Vec<Row> {
    reflow_window(line, width, 0, usize::MAX)
}

/// Display rows `skip..skip + take` of [`reflow`]`(line, width)`, building only those: a
/// long line rewrapped to a narrow width costs the rows asked for, not all of its rows.
pub fn reflow_window(line: &[Row], width: u16, skip: usize, take: usize) -> Vec<Row> {
    let end = skip.saturating_add(take);
    let shown = |i: usize| i >= skip && i < end;
    let mut out = Vec::new();
    if shown(0) {
        out.push(Row::default());
    }
    let mut idx = 0usize;
    let mut lay = Layout::new(width);
    'line: for row in line {
        let mut run_i = 0usize;
        let mut run_end = row.runs.first().map_or(usize::MAX, |r| r.len as usize);
        for (off, cl, cw) in clusters(&row.text) {
            while off >= run_end {
                run_i += 1;
                run_end = row
                    .runs
                    .get(run_i)
                    .map_or(usize::MAX, |r| run_end + r.len as usize);
            }
            if lay.place(cw) {
                if shown(idx) {
                    if let Some(r) = out.last_mut() {
                        r.flags.set(RowFlags::WRAPPED, true);
                    }
                }
                idx += 1;
                if idx >= end {
                    break 'line;
                }
                if shown(idx) {
                    out.push(Row::default());
                }
            }
            if !shown(idx) {
                continue;
            }
            let style = row.runs.get(run_i).map(|r| r.style).unwrap_or_default();
            let cur = out.last_mut().expect("a shown row was pushed");
            cur.text.push_str(cl);
            match cur.runs.last_mut() {
                Some(r) if r.style == style => r.len += cl.len() as u32,
                _ => cur.runs.push(Run {
                    len: cl.len() as u32,
                    style,
                }),
            }
        }
    }
    // Trailing default-styled runs carry no information.
    for r in &mut out {
        while r.runs.last().is_some_and(|run| run.style.is_default()) {
            r.runs.pop();
        }
    }
    if let (Some(first), true) = (line.first(), skip == 0) {
        if let Some(r) = out.first_mut() {
            let marks = RowFlags(first.flags.0 & !RowFlags::WRAPPED.0);
            r.flags.0 |= marks.0;
        }
    }
    out
}

/// Lines of a segment: `(index of the line's last row, display rows)` for each line that ends
/// in it, plus the unfinished trailing line if `include_trailing`.
fn segment_lines(
    seg: &SegmentBuf,
    carry: u32,
    width: u16,
    include_trailing: bool,
) -> Vec<(usize, u64)> {
    let mut lines = Vec::new();
    for_each_line(seg, carry, width, include_trailing, |i, rows| {
        lines.push((i, rows))
    });
    lines
}

/// [`segment_lines`] without the list: `on_line(last row, display rows)` per line.
fn for_each_line(
    seg: &SegmentBuf,
    carry: u32,
    width: u16,
    include_trailing: bool,
    mut on_line: impl FnMut(usize, u64),
) {
    let mut lay = Layout::with_carry(width, carry);
    for i in 0..seg.len() {
        lay.feed(seg.row_text(i).unwrap_or(""));
        let wrapped = seg.meta(i).is_some_and(|m| m.wrapped());
        if !wrapped {
            on_line(i, lay.line_rows());
            lay = Layout::new(width);
        } else if include_trailing && i + 1 == seg.len() {
            on_line(i, lay.line_rows());
        }
    }
}

/// Display rows at `width` of the lines that end in `seg`, the first continuing `carry` cells
/// from earlier segments.
pub(crate) fn ended_display_rows(seg: &SegmentBuf, carry: u32, width: u16) -> u64 {
    let mut total = 0;
    for_each_line(seg, carry, width, false, |_, rows| total += rows);
    total
}

impl Store {
    /// Carry-in to use for a segment: none for the oldest kept one (its line's head is gone).
    fn carry_for(&self, s: &SegRef) -> u32 {
        self.shared().carry_for(s.first_row, s.carry_in)
    }

    /// Display rows of one segment's ended lines at `width`, from the index cache if possible.
    fn segment_display_rows(&self, s: &SegRef, width: u16) -> u64 {
        if !s.is_last {
            if let Some(n) = self.geo_get(s.first_row, width) {
                return n as u64;
            }
        }
        let n = ended_display_rows(&s.seg, self.carry_for(s), width);
        if !s.is_last {
            self.geo_put(s.first_row, width, n.min(u32::MAX as u64) as u32);
        }
        n
    }

    /// Display rows of the unfinished line at the end of history (0 if the last row ends its
    /// line).
    fn trailing_display_rows(&self, s: &SegRef, width: u16) -> u64 {
        if !s.seg.ends_wrapped() {
            return 0;
        }
        let all = segment_lines(&s.seg, self.carry_for(s), width, true);
        all.last().map_or(0, |l| l.1)
    }

    /// How many display rows the whole kept history occupies at `width`.
    pub fn display_rows(&self, width: u16) -> Result<u64, StoreError> {
        let end = self.next_row();
        let mut row = self.first_row();
        let mut total = 0u64;
        while row < end {
            // Cached counts of segments before the last need no read of the segment.
            if let Some((_, seg_end, n)) = self.geo_span(row, width).filter(|g| g.1 < end) {
                total += n;
                row = seg_end;
                continue;
            }
            let Some(s) = self.segment_at(row)? else {
                row = row.max(self.first_row()) + 1;
                continue;
            };
            total += self.segment_display_rows(&s, width);
            row = s.first_row + s.seg.len() as u64;
            if row >= end {
                total += self.trailing_display_rows(&s, width);
            }
        }
        Ok(total)
    }

    /// Display rows at `width` of the logical line holding `row` and of everything after it:
    /// that line's first display row is this minus one rows above the bottom of history.
    /// (The inverse of [`Store::display_row_from_bottom`], for jumping to a search match.)
    pub fn display_rows_from(&self, row: u64, width: u16) -> Result<u64, StoreError> {
        let end = self.next_row();
        let row = row.max(self.first_row());
        if row >= end {
            return Ok(0);
        }
        let Some(s) = self.segment_at(row)? else {
            return Ok(0);
        };
        let idx = (row - s.first_row) as usize;
        let mut next = s.first_row + s.seg.len() as u64;
        let lines = segment_lines(&s.seg, self.carry_for(&s), width, next >= end);
        let mut total: u64 = lines.iter().filter(|l| l.0 >= idx).map(|l| l.1).sum();
        while next < end {
            if let Some((_, seg_end, n)) = self.geo_span(next, width).filter(|g| g.1 < end) {
                total += n;
                next = seg_end;
                continue;
            }
            let Some(s) = self.segment_at(next)? else {
                break;
            };
            total += self.segment_display_rows(&s, width);
            next = s.first_row + s.seg.len() as u64;
            if next >= end {
                total += self.trailing_display_rows(&s, width);
            }
        }
        Ok(total)
    }

    /// Which logical line and stored row hold display row `k` counted from the bottom of
    /// history (0 = the newest display row) at `width`; `None` past the top.
    pub fn display_row_from_bottom(
        &self,
        k: u64,
        width: u16,
    ) -> Result<Option<DisplayPos>, StoreError> {
        let first = self.first_row();
        let mut row = self.next_row();
        let mut remaining = k;
        let mut newest = true;
        while row > first {
            if !newest {
                if let Some((seg_first, _, n)) = self.geo_span(row - 1, width) {
                    if remaining >= n {
                        remaining -= n;
                        row = seg_first;
                        continue;
                    }
                }
            }
            let Some(s) = self.segment_at(row - 1)? else {
                return Ok(None);
            };
            let lines_total = self.segment_display_rows(&s, width)
                + if newest {
                    self.trailing_display_rows(&s, width)
                } else {
                    0
                };
            if remaining >= lines_total {
                remaining -= lines_total;
                row = s.first_row;
                newest = false;
                continue;
            }
            let lines = segment_lines(&s.seg, self.carry_for(&s), width, newest);
            for (li, &(last, n)) in lines.iter().enumerate().rev() {
                if remaining >= n {
                    remaining -= n;
                    continue;
                }
                let line_offset = n - 1 - remaining;
                let start_idx = if li == 0 { 0 } else { lines[li - 1].0 + 1 };
                let mut line_start = s.first_row + start_idx as u64;
                if li == 0 && self.carry_for(&s) > 0 {
                    line_start = self.line_start_before(line_start)?;
                }
                let _ = last;
                let row = self.row_of_display_offset(line_start, line_offset, width)?;
                return Ok(Some(DisplayPos {
                    line_start,
                    line_offset,
                    row,
                }));
            }
            return Ok(None);
        }
        Ok(None)
    }

    /// The first row of the logical line that continues into `row`.
    fn line_start_before(&self, row: u64) -> Result<u64, StoreError> {
        let mut start = row;
        for r in self.range(self.first_row()..row).rev() {
            let (n, r) = r?;
            if !r.wrapped() {
                break;
            }
            start = n;
        }
        Ok(start)
    }

    /// The stored row holding the first cell of display row `offset` of the line at `start`.
    fn row_of_display_offset(
        &self,
        start: u64,
        offset: u64,
        width: u16,
    ) -> Result<u64, StoreError> {
        let mut lay = Layout::new(width);
        let mut last = start;
        for r in self.range(start..self.next_row()) {
            let (n, row) = r?;
            last = n;
            for (_, _, cw) in clusters(&row.text) {
                lay.place(cw);
                if lay.rows >= offset {
                    return Ok(n);
                }
            }
            if offset == 0 || !row.wrapped() {
                return Ok(n);
            }
        }
        Ok(last)
    }
}

/// Display rows at `width` of a segment not counted at that width yet, from what is known: its
/// count at another width (cells scale by the widths' ratio when narrowing; widening is taken
/// to change nothing, as most lines are shorter than either width), else its stored rows.
pub(crate) fn estimate_rows(
    known_width: u16,
    known_rows: u32,
    stored_rows: u16,
    width: u16,
) -> u64 {
    let width = width.max(1) as u64;
    if known_width == 0 {
        return stored_rows as u64;
    }
    let (kw, kr) = (known_width as u64, known_rows as u64);
    if width < kw {
        (kr * kw).div_ceil(width)
    } else {
        kr
    }
}

/// Held by the warmer that is counting: warmers of all stores take turns, so a restart with
/// many panes (each warming all its history) costs at most one core, never all of them.
static WARMING: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Start the store's geometry warmer: one thread, holding the store weakly, that counts its
/// on-disk segments at the current width hint, newest first, until all are counted or the
/// store is dropped. A width change while it runs restarts it from the newest segment.
/// [`Store::set_width_hint`] starts at most one per store at a time; they count one at a time
/// ([`WARMING`]).
pub(crate) fn spawn_warmer(shared: Weak<Shared>) {
    let weak = shared.clone();
    let cpus = shared
        .upgrade()
        .map(|sh| sh.work_cpus().clone())
        .unwrap_or_default();
    let run = move || {
        crate::env::become_background(&cpus);
        let _turn = WARMING.lock().unwrap_or_else(|p| p.into_inner());
        let mut before = u64::MAX;
        let mut width = 0u16;
        loop {
            let Some(sh) = shared.upgrade() else {
                return;
            };
            if sh.warm_width() != width {
                width = sh.warm_width();
                before = u64::MAX;
            }
            let Some((w, first_row)) = sh.warm_next(before) else {
                return;
            };
            if w != width {
                continue;
            }
            match sh.segment_at(first_row, false) {
                Ok(Some(s)) if s.first_row == first_row && !s.is_last => {
                    let carry = sh.carry_for(s.first_row, s.carry_in);
                    let n = ended_display_rows(&s.seg, carry, w);
                    sh.warm_put(first_row, w, n.min(u32::MAX as u64) as u32);
                }
                // Pruned or unreadable: nothing to count; the walk goes on past it.
                Ok(_) | Err(_) => {}
            }
            before = first_row;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("spool-geometry".into())
        .spawn(run);
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "geometry warmer not started: counting in the foreground");
        if let Some(sh) = weak.upgrade() {
            sh.stop_warming();
        }
    }
}
