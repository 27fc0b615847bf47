//! Printing: placing characters into cells with wide characters, grapheme clusters
//! (combining marks, ZWJ sequences, VS16, flags), autowrap with pending-wrap semantics,
//! insert mode and charsets. Widths and cluster rules are the store's
//! ([`spool_cells::width`]) so history reflow agrees with the screen.

use spool_cells::width::{char_width, extends_cluster, widen};

use crate::args::{parse_simple_csi, Args};
use crate::cell::Cell;
use crate::clusters::CLUSTER_MAX_BYTES;
use crate::history::HistorySink;
use crate::screen::Screen;

const ZWJ: char = '\u{200D}';

/// Length of the leading run of printable ASCII (0x20..=0x7e) in `b`, eight bytes at a time.
#[inline]
fn printable_run(b: &[u8]) -> usize {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let m = w & LOW7;
        // High bit of each byte set when the byte is 0x7f or above.
        let ge7f = ((m + 0x0101_0101_0101_0101) | w) & HIGH;
        // High bit of each byte set when the byte is below 0x20.
        let lt20 = !((m + 0x6060_6060_6060_6060) | w) & HIGH;
        let bad = ge7f | lt20;
        if bad != 0 {
            return i + (bad.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    i + b[i..]
        .iter()
        .position(|b| !(0x20..0x7f).contains(b))
        .unwrap_or(b.len() - i)
}

impl<S: HistorySink> Screen<S> {
    /// Print one character (vte calls this for every graphic character).
    #[inline]
    pub(crate) fn print(&mut self, c: char) {
        let c = if self.charsets.is_identity() {
            c
        } else {
            self.charsets.map(c)
        };
        if (' '..='~').contains(&c) && !self.after_zwj {
            self.put(c, 1);
        } else {
            self.print_slow(c);
        }
    }

    #[cold]
    fn print_slow(&mut self, c: char) {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            // A C1 control completed across two feeds: vte hands it to `print`.
            vte::Perform::execute(self, c as u8);
            return;
        }
        if c == crate::image::unicode::PLACEHOLDER {
            self.after_zwj = false;
            self.print_placeholder();
            return;
        }
        if self.images.last_placeholder.is_some() && self.placeholder_mark(c) {
            return;
        }
        let w = char_width(c);
        if ((c as u32) >= 0x300 || self.after_zwj) && self.try_extend(c) {
            return;
        }
        self.after_zwj = false;
        if w == 0 {
            // A zero-width character with nothing to attach to: dropped.
            return;
        }
        self.put(c, w);
    }

    /// The position of the cell before the cursor (the one a combining mark joins).
    fn prev_cell_pos(&self) -> Option<(usize, usize)> {
        let y = self.cursor.y;
        let x = if self.cursor.pending_wrap {
            self.cursor.x
        } else {
            self.cursor.x.checked_sub(1)?
        };
        let line = &self.grid.lines[y];
        if line.cells[x].is_spacer() {
            x.checked_sub(1).map(|x| (x, y))
        } else {
            Some((x, y))
        }
    }

    /// Try to join `c` to the previous cell's cluster. True when `c` was consumed.
    fn try_extend(&mut self, c: char) -> bool {
        let Some((x, y)) = self.prev_cell_pos() else {
            return false;
        };
        let cell = self.grid.lines[y].cells[x];
        let mut text = String::with_capacity(CLUSTER_MAX_BYTES + 4);
        if cell.is_cluster() {
            text.push_str(self.clusters.get(cell.ch));
        } else {
            text.push(cell.char());
        }
        let mut chars = text.chars();
        let base = chars.next().unwrap_or(' ');
        let prev = text.chars().last().unwrap_or(base);
        let len = text.chars().count();
        if base == ' ' && !cell.is_cluster() && char_width(c) != 0 {
            return false;
        }
        if !extends_cluster(base, prev, len, c) {
            return false;
        }
        self.after_zwj = c == ZWJ;
        text.push(c);
        if text.len() > CLUSTER_MAX_BYTES {
            return true; // Over-long cluster: the extra character is dropped.
        }
        let idx = match self.clusters.intern(&text) {
            Some(i) => i,
            None => {
                if !self.try_collect() {
                    return true;
                }
                match self.clusters.intern(&text) {
                    Some(i) => i,
                    None => return true,
                }
            }
        };
        let old_w = if cell.is_wide() { 2 } else { 1 };
        let new_w = widen(old_w, c, base);
        let line = &mut self.grid.lines[y];
        line.cells[x].ch = idx;
        line.cells[x].flags |= Cell::CLUSTER;
        self.damage.mark(y);
        if new_w == 2 && old_w == 1 && x + 1 < self.cols && !self.cursor.pending_wrap {
            // VS16 or a flag pair made a narrow cluster wide: it takes the next cell too.
            self.clear_wide_at(y, x + 1);
            let line = &mut self.grid.lines[y];
            line.cells[x].flags |= Cell::WIDE;
            line.cells[x + 1] = Cell {
                ch: ' ' as u32,
                style: line.cells[x].style,
                flags: Cell::SPACER,
            };
            if self.cursor.x == x + 1 {
                if x + 2 < self.cols {
                    self.cursor.x = x + 2;
                } else if self.modes.autowrap {
                    self.cursor.pending_wrap = true;
                }
            }
        }
        true
    }

    /// Break up a wide character that cell `x` of row `y` is part of, so `x` can be written.
    #[inline]
    pub(crate) fn clear_wide_at(&mut self, y: usize, x: usize) {
        let cells = &mut self.grid.lines[y].cells;
        // A column past the row (seen once from 64 MiB of /dev/urandom in a pane; the caller
        // is not yet known) has nothing to break up.
        let Some(&c) = cells.get(x) else {
            return;
        };
        if c.flags & (Cell::WIDE | Cell::SPACER) == 0 {
            return;
        }
        if c.is_spacer() && x > 0 {
            cells[x - 1] = Cell::blank(cells[x - 1].style);
        }
        if c.is_wide() && x + 1 < cells.len() {
            cells[x + 1] = Cell::blank(cells[x + 1].style);
        }
        cells[x] = Cell::blank(c.style);
    }

    /// Wrap now: mark the row soft-wrapped and move to the start of the next row.
    pub(crate) fn wrap(&mut self) {
        self.grid.lines[self.cursor.y].set_wrapped(true);
        self.cursor.pending_wrap = false;
        self.cursor.x = 0;
        self.index();
    }

    /// Put a character of width `w` (1 or 2) at the cursor and advance.
    #[inline]
    pub(crate) fn put(&mut self, c: char, w: usize) {
        if self.cursor.pending_wrap {
            self.wrap();
        }
        if w == 2 && self.cursor.x + 1 >= self.cols {
            if self.cols < 2 {
                return;
            }
            if !self.modes.autowrap {
                return;
            }
            // A wide character does not fit in the last column: wrap first (xterm), leaving
            // a padding blank that is not text of the line.
            let (x, y) = (self.cursor.x, self.cursor.y);
            self.clear_wide_at(y, x);
            let cell = &mut self.grid.lines[y].cells[x];
            *cell = Cell {
                ch: ' ' as u32,
                style: cell.style,
                flags: Cell::PAD,
            };
            self.wrap();
        }
        let style = self.pen_id();
        let (x, y) = (self.cursor.x, self.cursor.y);
        if self.modes.insert {
            self.insert_blanks_raw(w, Cell::BLANK);
        }
        let flags = if self.protected { Cell::PROTECTED } else { 0 };
        let cols = self.cols;
        let line = &mut self.grid.lines[y];
        if w == 1 {
            let cell = &mut line.cells[x];
            if cell.flags & (Cell::WIDE | Cell::SPACER) != 0 {
                self.clear_wide_at(y, x);
            }
            self.grid.lines[y].cells[x] = Cell {
                ch: c as u32,
                style,
                flags,
            };
        } else {
            self.clear_wide_at(y, x);
            self.clear_wide_at(y, x + 1);
            let cells = &mut self.grid.lines[y].cells;
            cells[x] = Cell {
                ch: c as u32,
                style,
                flags: flags | Cell::WIDE,
            };
            cells[x + 1] = Cell {
                ch: ' ' as u32,
                style,
                flags: flags | Cell::SPACER,
            };
        }
        self.damage.mark(y);
        self.last_char = Some(c);
        self.after_zwj = false;
        if x + w < cols {
            self.cursor.x = x + w;
        } else {
            self.cursor.x = cols - 1;
            self.cursor.pending_wrap = self.modes.autowrap;
        }
    }

    /// Ground-state fast path: consume printable ASCII runs and CR, LF, HT, BS, stopping at
    /// anything else (ESC, DEL, other controls, non-ASCII) for vte to parse. Returns the bytes
    /// consumed. Only called when vte is known to be in its ground state, where vte would do
    /// exactly the same: print each printable byte and execute each C0 control.
    pub(crate) fn fast_ground(&mut self, bytes: &[u8]) -> usize {
        let mut i = 0;
        let mut args = Args::EMPTY;
        while i < bytes.len() {
            let b = bytes[i];
            if (0x20..0x7f).contains(&b) {
                let end = i + printable_run(&bytes[i..]);
                self.print_ascii(&bytes[i..end]);
                i = end;
            } else if matches!(b, b'\r' | b'\n' | b'\t' | 0x08) {
                vte::Perform::execute(self, b);
                i += 1;
            } else if b == 0x1b {
                match bytes.get(i + 1) {
                    Some(b'[') => match parse_simple_csi(&bytes[i..], &mut args) {
                        Some((marker, action, len)) => {
                            let m = [marker];
                            let inter: &[u8] = if marker == 0 { &[] } else { &m };
                            self.csi(&args, inter, false, action as char);
                            i += len;
                        }
                        None => break,
                    },
                    // Two-byte ESC sequences (DECSC, RI, …), exactly those vte dispatches
                    // straight from its escape state.
                    Some(&f @ (0x30..=0x4f | 0x51..=0x57 | 0x59 | 0x5a | 0x5c | 0x60..=0x7e)) => {
                        vte::Perform::esc_dispatch(self, &[], false, f);
                        i += 2;
                    }
                    _ => break,
                }
            } else {
                break;
            }
        }
        i
    }

    /// Print a run of printable ASCII, a row segment at a time.
    fn print_ascii(&mut self, run: &[u8]) {
        if !self.charsets.is_identity() || self.after_zwj || self.modes.insert {
            for &b in run {
                self.print(b as char);
            }
            return;
        }
        let mut s = run;
        let flags = if self.protected { Cell::PROTECTED } else { 0 };
        while !s.is_empty() {
            if self.cursor.pending_wrap {
                self.wrap();
            }
            let style = self.pen_id();
            let (x, y) = (self.cursor.x, self.cursor.y);
            let cols = self.cols;
            let n = s.len().min(cols - x);
            // Break up wide characters straddling the segment's edges.
            if self.grid.lines[y].cells[x].is_spacer() {
                self.clear_wide_at(y, x);
            }
            if self.grid.lines[y].cells[x + n - 1].is_wide() {
                self.clear_wide_at(y, x + n - 1);
            }
            let cells = &mut self.grid.lines[y].cells[x..x + n];
            for (c, &b) in cells.iter_mut().zip(&s[..n]) {
                *c = Cell {
                    ch: b as u32,
                    style,
                    flags,
                };
            }
            self.damage.mark(y);
            if x + n < cols {
                self.cursor.x = x + n;
                self.last_char = Some(s[n - 1] as char);
                s = &s[n..];
            } else if self.modes.autowrap {
                self.cursor.x = cols - 1;
                self.cursor.pending_wrap = true;
                self.last_char = Some(s[n - 1] as char);
                s = &s[n..];
            } else {
                // No autowrap: everything past the margin overwrites the last column.
                let last = s[s.len() - 1];
                self.grid.lines[y].cells[cols - 1].ch = last as u32;
                self.cursor.x = cols - 1;
                self.last_char = Some(last as char);
                s = &[];
            }
        }
    }

    /// REP: repeat the last printed character `n` times (bounded by the screen's cell count,
    /// since more repetitions than cells only scroll identical rows).
    pub(crate) fn repeat(&mut self, n: usize) {
        if let Some(c) = self.last_char {
            let w = char_width(c).max(1);
            let n = n.min(self.cols * self.rows);
            for _ in 0..n {
                self.put(c, w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable_run;

    #[test]
    fn printable_run_matches_scalar() {
        let mut data: Vec<u8> = (0u8..=255).collect();
        data.extend(b"hello world, a longer printable run ~~~ 0123456789");
        for start in 0..data.len() {
            for end in start..data.len().min(start + 40) {
                let b = &data[start..end];
                let want = b
                    .iter()
                    .position(|c| !(0x20..0x7f).contains(c))
                    .unwrap_or(b.len());
                assert_eq!(printable_run(b), want, "{b:?}");
            }
        }
    }
}
