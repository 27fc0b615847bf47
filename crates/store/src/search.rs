//! Regex search over history, streaming one segment at a time.
//!
//! A segment's text block already is the haystack (row texts, `\n` after each row that ends a
//! logical line), so a soft-wrapped line is matched as one line and most segments are searched
//! in place with no copy. A line that continues into the next segment is carried over — at most
//! [`MAX_SEARCH_CARRY_BYTES`] of it; a longer line is searched in pieces of that size, and a
//! match straddling two pieces of such a line is not found (documented limit). Memory is one
//! segment plus the carry, whatever the history's size.

use std::ops::{ControlFlow, Range};

use regex::bytes::{Regex, RegexBuilder};
use std::sync::Arc;

use crate::store::Store;
use crate::StoreError;
use spool_cells::width::{bytes_width, str_width};

/// Longest piece of a single logical line searched at once. Lines longer than this (a 100 MB
/// line of `cat`ed minified JSON) are searched in pieces, so a search never holds more than one
/// segment plus this much.
pub const MAX_SEARCH_CARRY_BYTES: usize = 1024 * 1024;

/// Segments per chunk of a newest-first search: the chunks are searched newest first, each
/// oldest row first with its matching rows collected and then reported newest first. Large
/// enough to keep the scan threads streaming; small enough that the rows collected stay small
/// (at most 4 × `MAX_ROWS_PER_SEGMENT` = 65,536 rows, 512 KiB).
pub const NEWEST_FIRST_CHUNK_SEGMENTS: usize = 4;

/// Threads decompressing segments ahead of the regex (each holds one segment in flight).
const SCAN_THREADS: usize = 2;

/// Most heap a compiled search pattern may take. Patterns are typed by people and scripts;
/// 8 MiB compiles `(?i)\w{30}\W{30}\w{30}` and refuses what would take more.
pub const REGEX_SIZE_LIMIT: usize = 8 * 1024 * 1024;

/// Most heap the regex engine's lazy DFA caches may take per search.
pub const REGEX_DFA_SIZE_LIMIT: usize = 2 * 1024 * 1024;

/// Compile a pattern the way history search wants it: `^` and `$` match at line starts/ends,
/// within [`REGEX_SIZE_LIMIT`] and [`REGEX_DFA_SIZE_LIMIT`].
pub fn compile(pattern: &str) -> Result<Regex, StoreError> {
    RegexBuilder::new(pattern)
        .multi_line(true)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build()
        .map_err(|e| StoreError::Regex(e.to_string()))
}

/// One match: where it starts and ends, as stored row and cell column (end is exclusive).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchMatch {
    pub row: u64,
    pub col: u32,
    pub end_row: u64,
    pub end_col: u32,
}

/// How far a search has got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchProgress {
    pub rows_done: u64,
    pub rows_total: u64,
    pub bytes_searched: u64,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SearchOutcome {
    pub matches: u64,
    pub bytes_searched: u64,
    /// A callback asked to stop before the end of the range.
    pub stopped: bool,
}

/// A segment being searched, sent back to the thread that decoded it when done with (see
/// `Store::search`); dropped if that thread has one waiting already or has ended.
struct Returned<'a> {
    seg_ref: Option<crate::store::SegRef>,
    to: &'a std::sync::mpsc::SyncSender<Arc<crate::codec::SegmentBuf>>,
}

impl Drop for Returned<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.seg_ref.take() {
            let _ = self.to.try_send(s.seg);
        }
    }
}

/// Text carried from one segment to the next (a line not ended yet), with where each row
/// starts in it.
#[derive(Default)]
struct Hay {
    bytes: Vec<u8>,
    starts: Vec<(usize, u64)>,
}

impl Hay {
    fn clear(&mut self) {
        self.bytes.clear();
        self.starts.clear();
    }
}

/// Where byte `off` of `bytes` is: its stored row (by `starts`, each row's first byte) and
/// cell column.
fn locate(bytes: &[u8], starts: &[(usize, u64)], off: usize) -> (u64, u32) {
    let i = starts.partition_point(|s| s.0 <= off).saturating_sub(1);
    let (start, row) = starts.get(i).copied().unwrap_or((0, 0));
    let piece = &bytes[start.min(off)..off];
    let piece = piece.strip_suffix(b"\n").unwrap_or(piece);
    (row, bytes_width(piece) as u32)
}

/// The text of the stored row holding byte `off` of `bytes` (rows start where `starts`
/// says; a row that ends its line is followed by `\n`, which is not its text).
fn row_text<'a>(bytes: &'a [u8], starts: &[(usize, u64)], off: usize) -> &'a [u8] {
    let i = starts.partition_point(|s| s.0 <= off).saturating_sub(1);
    let start = starts.get(i).map_or(0, |s| s.0).min(off);
    let end = starts.get(i + 1).map_or(bytes.len(), |s| s.0);
    let row = &bytes[start..end.max(start)];
    row.strip_suffix(b"\n").unwrap_or(row)
}

/// Run `re` over `bytes` (whole lines), whose rows start where `starts` says; `on_match`
/// gets each match and the text of the row it starts in.
fn run(
    bytes: &[u8],
    starts: &[(usize, u64)],
    re: &Regex,
    out: &mut SearchOutcome,
    on_match: &mut dyn FnMut(SearchMatch, &[u8]) -> ControlFlow<()>,
) -> ControlFlow<()> {
    out.bytes_searched += bytes.len() as u64;
    for m in re.find_iter(bytes) {
        let (row, col) = locate(bytes, starts, m.start());
        let (end_row, end_col) = if m.end() > m.start() {
            let (r, c) = locate(bytes, starts, m.end() - 1);
            let last = &bytes[m.end() - 1..m.end()];
            (
                r,
                c + str_width(std::str::from_utf8(last).unwrap_or("")).max(1) as u32,
            )
        } else {
            (row, col)
        };
        out.matches += 1;
        let text = row_text(bytes, starts, m.start());
        on_match(
            SearchMatch {
                row,
                col,
                end_row,
                end_col,
            },
            text,
        )?;
    }
    ControlFlow::Continue(())
}

impl Store {
    /// The rows in `range` holding a match of `re` (where the match starts), each once,
    /// newest first. `range` is cut at segment starts into chunks of
    /// [`NEWEST_FIRST_CHUNK_SEGMENTS`] segments, searched newest chunk first; a chunk's rows
    /// are collected (at most `NEWEST_FIRST_CHUNK_SEGMENTS × MAX_ROWS_PER_SEGMENT`, 8 bytes
    /// each) and reported newest first, so a caller that stops after N rows has the newest N.
    /// Segments end at logical line ends (except lines longer than a segment), so chunks do
    /// not cut lines.
    pub fn search_rows_newest_first(
        &self,
        re: &Regex,
        range: Range<u64>,
        mut on_row: impl FnMut(u64) -> ControlFlow<()>,
        mut on_progress: impl FnMut(SearchProgress) -> ControlFlow<()>,
    ) -> Result<SearchOutcome, StoreError> {
        let start = range.start.max(self.first_row());
        let end = range.end.min(self.next_row());
        let starts = self.segment_starts(start..end);
        let mut out = SearchOutcome {
            matches: 0,
            bytes_searched: 0,
            stopped: false,
        };
        let total = end.saturating_sub(start);
        let mut done = 0u64;
        let mut hi = end;
        let mut rows: Vec<u64> = Vec::new();
        for chunk in starts.rchunks(NEWEST_FIRST_CHUNK_SEGMENTS) {
            let lo = chunk[0].max(start);
            if lo >= hi {
                continue;
            }
            let (before, bytes_before) = (done, out.bytes_searched);
            rows.clear();
            let o = self.search(
                re,
                lo..hi,
                |m| {
                    if rows.last() != Some(&m.row) {
                        rows.push(m.row);
                    }
                    ControlFlow::Continue(())
                },
                |p| {
                    on_progress(SearchProgress {
                        rows_done: before + p.rows_done,
                        rows_total: total,
                        bytes_searched: bytes_before + p.bytes_searched,
                    })
                },
            )?;
            out.bytes_searched += o.bytes_searched;
            for &row in rows.iter().rev() {
                out.matches += 1;
                if on_row(row).is_break() {
                    out.stopped = true;
                    return Ok(out);
                }
            }
            if o.stopped {
                out.stopped = true;
                break;
            }
            done += hi - lo;
            hi = lo;
        }
        Ok(out)
    }

    /// Search rows in `range` (clipped to what is kept) for `re`, oldest first. `on_match` gets
    /// each match, `on_progress` is called after each segment; either can stop the search by
    /// returning `Break`.
    pub fn search(
        &self,
        re: &Regex,
        range: Range<u64>,
        mut on_match: impl FnMut(SearchMatch) -> ControlFlow<()>,
        on_progress: impl FnMut(SearchProgress) -> ControlFlow<()>,
    ) -> Result<SearchOutcome, StoreError> {
        self.search_text(re, range, |m, _| on_match(m), on_progress)
    }

    /// [`Store::search`], with each match the text of the stored row it starts in (UTF-8 as
    /// stored), read from the segment being searched: a caller that prints matching rows
    /// need not read each one back from the store.
    pub fn search_text(
        &self,
        re: &Regex,
        range: Range<u64>,
        mut on_match: impl FnMut(SearchMatch, &[u8]) -> ControlFlow<()>,
        mut on_progress: impl FnMut(SearchProgress) -> ControlFlow<()>,
    ) -> Result<SearchOutcome, StoreError> {
        let start = range.start.max(self.first_row());
        let end = range.end.min(self.next_row());
        let mut out = SearchOutcome {
            matches: 0,
            bytes_searched: 0,
            stopped: false,
        };
        let mut carry = Hay::default();
        // Where each row starts in a segment searched in place (reused segment to segment).
        let mut row_starts: Vec<(usize, u64)> = Vec::new();
        // Segments are read and decompressed by two threads, one segment ahead each, while
        // this thread runs the regex: decompression, the bulk of the work, uses both cores.
        // At most four segments are in flight.
        let starts = self.segment_starts(start..end);
        // What every match contains, if the pattern says: segments whose filters lack it
        // are skipped unread (`filter.rs`).
        let needles = crate::filter::required(re.as_str());
        let needles = needles.as_deref();
        std::thread::scope(|scope| {
            type Item = Result<Option<crate::store::SegRef>, StoreError>;
            let (mut rxs, mut returns) = (Vec::new(), Vec::new());
            for k in 0..SCAN_THREADS {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Item>(1);
                // Segments this thread decoded come back once searched, to be decoded into
                // again: a scan allocates nothing per segment.
                let (back_tx, back_rx) =
                    std::sync::mpsc::sync_channel::<Arc<crate::codec::SegmentBuf>>(1);
                rxs.push(rx);
                returns.push(back_tx);
                let starts = &starts;
                scope.spawn(move || {
                    let mut scratch = crate::segfile::ScanScratch::default();
                    for &row in starts.iter().skip(k).step_by(SCAN_THREADS) {
                        if needles.is_some_and(|n| self.segment_excluded(row, n)) {
                            // Read as if pruned: nothing of it to search.
                            if tx.send(Ok(None)).is_err() {
                                return;
                            }
                            continue;
                        }
                        let spare = back_rx
                            .try_recv()
                            .ok()
                            .and_then(|s| Arc::try_unwrap(s).ok());
                        let item = self.segment_for_scan(row, &mut scratch, spare);
                        let stop = item.is_err();
                        if tx.send(item).is_err() || stop {
                            return;
                        }
                    }
                });
            }
            let items = (0..starts.len())
                .map_while(|i| rxs[i % SCAN_THREADS].recv().ok().map(|item| (i, item)));
            for (i, item) in items {
                // Pruned meanwhile: nothing left of it to search.
                let Some(s) = item? else { continue };
                let guard = Returned {
                    seg_ref: Some(s),
                    to: &returns[i % SCAN_THREADS],
                };
                let s = guard.seg_ref.as_ref().expect("set above");
                let row = start.max(s.first_row);
                let seg = &s.seg;
                let i0 = (row - s.first_row) as usize;
                let seg_end_row = (s.first_row + seg.len() as u64).min(end);
                let i1 = (seg_end_row - s.first_row) as usize;
                let (Some(m0), Some(m1)) = (seg.meta(i0), seg.meta(i1 - 1)) else {
                    break;
                };
                let h0 = m0.text_start as usize;
                let h1 = m1.text_end_with_newline();
                let text = &seg.text_block()[h0..h1];
                let last_piece = seg_end_row >= end;
                // Everything up to the last line end is complete; the rest carries over.
                let cut = if last_piece {
                    text.len()
                } else {
                    text.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1)
                };
                let row_offsets = (i0..i1).map(|i| {
                    let off = seg.meta(i).map_or(h0, |m| m.text_start as usize) - h0;
                    (off, s.first_row + i as u64)
                });
                if cut > 0 || last_piece {
                    let whole = |off: usize| last_piece || off < cut;
                    let flow = if carry.bytes.is_empty() {
                        // Nothing carried: the segment's own text is searched in place.
                        row_starts.clear();
                        row_starts.extend(row_offsets.clone().filter(|&(off, _)| whole(off)));
                        run(&text[..cut], &row_starts, re, &mut out, &mut on_match)
                    } else {
                        // The carried line goes on here: searched joined, as one line.
                        let base = carry.bytes.len();
                        carry.bytes.extend_from_slice(&text[..cut]);
                        carry.starts.extend(
                            row_offsets
                                .clone()
                                .filter(|&(off, _)| whole(off))
                                .map(|(off, r)| (base + off, r)),
                        );
                        let flow = run(&carry.bytes, &carry.starts, re, &mut out, &mut on_match);
                        carry.clear();
                        flow
                    };
                    if flow.is_break() {
                        out.stopped = true;
                        return Ok(out);
                    }
                }
                if cut < text.len() {
                    // The unfinished tail (after any carry it extends) waits for its line end.
                    let base = carry.bytes.len();
                    carry.bytes.extend_from_slice(&text[cut..]);
                    for (off, r) in row_offsets {
                        if off >= cut {
                            carry.starts.push((base + off - cut, r));
                        }
                    }
                    if carry.bytes.len() > MAX_SEARCH_CARRY_BYTES {
                        let flow = run(&carry.bytes, &carry.starts, re, &mut out, &mut on_match);
                        carry.clear();
                        if flow.is_break() {
                            out.stopped = true;
                            return Ok(out);
                        }
                    }
                }
                let progress = SearchProgress {
                    rows_done: seg_end_row - start,
                    rows_total: end - start,
                    bytes_searched: out.bytes_searched,
                };
                if on_progress(progress).is_break() {
                    out.stopped = true;
                    return Ok(out);
                }
            }
            if !carry.bytes.is_empty()
                && run(&carry.bytes, &carry.starts, re, &mut out, &mut on_match).is_break()
            {
                out.stopped = true;
            }
            Ok(out)
        })
    }
}
