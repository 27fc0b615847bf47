//! The in-memory form of a segment and its compact encoding.
//!
//! A segment is stored *columnar*: all row texts in one block, all table entries in another,
//! all style runs in a third. That layout compresses better than interleaved rows, and the text
//! block doubles as the search haystack: each row's text is followed by `\n` exactly when the
//! row ends a logical line, so a soft-wrapped line appears joined, and a regex runs over the
//! whole block in one pass with no copying.
//!
//! Two payload layouts exist; the segment header's format version says which one a segment
//! has. Integers are LEB128 varints unless noted.
//!
//! **Split** (version 4, written today): two zstd frames, the text block alone and then the
//! rest, so each is compressed with statistics of its own kind. Measured on a colored log, the
//! payload is 6% smaller than the joined layout; this is what keeps history within 1.1× of
//! `zstd -3` of what was printed.
//!
//! ```text
//! text frame length (u32 LE) | zstd(text block) | zstd(meta)
//! meta:         row_count (u32 LE)  table_len (u32 LE)  attrs_len (u32 LE)  table  attrs
//! table block:  per row  flags (u8), text_len if the row is wrapped or EXPLICIT_LEN is set,
//!               number of style runs
//! attrs block:  per run  len, mask (u8), then the fields the mask names
//! ```
//!
//! A row that ends a line is found by the `\n` after it, so its length is not stored unless its
//! text holds a `\n` of its own ([`EXPLICIT_LEN`]).
//!
//! **Joined** (versions 1–3, read only): one zstd frame of
//!
//! ```text
//! row_count  text_len  table_len  attrs_len
//! text block   (text_len bytes)
//! table block  (table_len bytes): per row  text_len, flags (u8), attrs_len (bytes of its runs)
//! attrs block  (attrs_len bytes)
//! ```
//!
//! Decoding trusts nothing: every length is checked against what remains, text must be UTF-8
//! and run boundaries must fall on char boundaries, so arbitrary bytes yield an error, never a
//! panic and never an allocation larger than the payload allows.

use crate::MAX_SEGMENT_RAW_BYTES;
use spool_cells::{Attrs, Color, Style, Underline};
use spool_cells::{Row, RowFlags, RowRef, Run};

/// Largest row text kept, in bytes. A terminal row is at most a few thousand cells of a few
/// bytes each; this bound only bites on hostile input, which is truncated at a char boundary.
pub const MAX_ROW_TEXT_BYTES: usize = 256 * 1024;

/// Most style runs kept per row (one per cell of a 64K-column row). Extra runs are merged
/// into the last one, which only a hostile row can cause.
pub const MAX_RUNS_PER_ROW: usize = u16::MAX as usize;

/// Bytes of row table per row in memory.
pub(crate) const ROW_META_BYTES: usize = std::mem::size_of::<RowMeta>();

/// Where a row's pieces sit inside a [`SegmentBuf`]. Derived from the table; 16 bytes per row.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct RowMeta {
    pub text_start: u32,
    pub text_len: u32,
    /// Where the row's runs start in the attrs block; they end where the next row's start.
    pub attrs_start: u32,
    /// How many runs the row has (at most [`MAX_RUNS_PER_ROW`]), known when they are written
    /// or checked, so the encoder never walks them again to count. In what was padding.
    pub runs: u16,
    pub flags: u8,
}

const _: () = assert!(ROW_META_BYTES == 16, "a row's table entry stays 16 bytes");

impl RowMeta {
    pub fn wrapped(&self) -> bool {
        self.flags & RowFlags::WRAPPED.0 != 0
    }
    /// Byte offset just past this row in the text block (including its `\n`, if any).
    pub fn text_end_with_newline(&self) -> usize {
        self.text_start as usize + self.text_len as usize + usize::from(!self.wrapped())
    }
}

/// A segment in memory: the open segment being appended to, or a sealed one decoded from disk.
#[derive(Clone, Debug, Default)]
pub struct SegmentBuf {
    pub(crate) text: Vec<u8>,
    pub(crate) attrs: Vec<u8>,
    pub(crate) rows: Vec<RowMeta>,
    /// The smallest image id (`Style::image`) of the rows pushed, 0 for none; noted while
    /// their styles are encoded. Not encoded itself: a decoded segment has 0.
    min_image: u32,
}

/// Why a payload could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(pub &'static str);

impl std::fmt::Display for DecodeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

/// Decompress the frame `src` into `dst` (its contents replaced), which must come to exactly
/// `len` bytes, as the header or the layout says.
fn decompress_exact(
    dctx: &mut zstd::bulk::Decompressor<'static>,
    src: &[u8],
    dst: &mut Vec<u8>,
    len: usize,
) -> Result<(), DecodeError> {
    dst.clear();
    dst.reserve(len);
    dctx.decompress_to_buffer(src, dst)
        .map_err(|_| DecodeError("zstd error"))?;
    if dst.len() != len {
        return Err(DecodeError("uncompressed length mismatch"));
    }
    Ok(())
}

impl SegmentBuf {
    pub fn new() -> SegmentBuf {
        SegmentBuf::default()
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// An empty segment with room for as much as `other` holds, and an eighth more: the next
    /// segment of a busy pane is about as long, and with room to spare it is not grown by
    /// doubling (a copy, and twice the bytes) for the few bytes it runs past the last one,
    /// then shrunk again (another copy) when it is sealed.
    pub fn with_capacity_like(other: &SegmentBuf) -> SegmentBuf {
        let room = |n: usize| n + n / 8;
        SegmentBuf {
            text: Vec::with_capacity(room(other.text.len())),
            attrs: Vec::with_capacity(room(other.attrs.len())),
            rows: Vec::with_capacity(room(other.rows.len())),
            min_image: 0,
        }
    }

    /// Empty it, keeping its buffers for reuse.
    pub fn clear(&mut self) {
        self.text.clear();
        self.attrs.clear();
        self.rows.clear();
        self.min_image = 0;
    }

    /// Release room kept for rows to come when it is more than the rows it holds (a pane
    /// that went quiet soon after a seal).
    pub fn shrink_idle(&mut self) {
        fn shrink<T>(v: &mut Vec<T>) {
            if v.capacity() > 2 * v.len() {
                v.shrink_to_fit();
            }
        }
        shrink(&mut self.text);
        shrink(&mut self.attrs);
        shrink(&mut self.rows);
    }

    /// Release spare capacity worth releasing (done once, when the segment is sealed).
    pub fn shrink_to_fit(&mut self) {
        fn shrink<T>(v: &mut Vec<T>) {
            if v.capacity() > v.len() + v.len() / 4 + 64 {
                v.shrink_to_fit();
            }
        }
        shrink(&mut self.text);
        shrink(&mut self.attrs);
        shrink(&mut self.rows);
    }

    /// Bytes this segment's rows take once encoded (text + attrs + an estimate of the table).
    pub fn raw_bytes(&self) -> usize {
        self.text.len() + self.attrs.len() + self.rows.len() * 4
    }

    /// Heap bytes held, for the memory gauges.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.attrs.capacity()
            + self.rows.capacity() * std::mem::size_of::<RowMeta>()
    }

    /// The joined text of the whole segment: row texts, `\n` after each row that ends a line.
    pub fn text_block(&self) -> &[u8] {
        &self.text
    }

    /// True when the last row continues into the next segment.
    pub fn ends_wrapped(&self) -> bool {
        self.rows.last().is_some_and(|m| m.wrapped())
    }

    /// The smallest image id the rows pushed show (0: none, or a segment decoded from disk).
    pub fn min_image(&self) -> u32 {
        self.min_image
    }

    /// Append a row. Over-long text is cut at a char boundary (see [`MAX_ROW_TEXT_BYTES`]).
    pub fn push(&mut self, row: RowRef<'_>) {
        let mut text = row.text;
        if text.len() > MAX_ROW_TEXT_BYTES {
            let mut cut = MAX_ROW_TEXT_BYTES;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text = &text[..cut];
        }
        let text_start = self.text.len() as u32;
        self.text.extend_from_slice(text.as_bytes());
        let flags = row.flags.0 & RowFlags::ALL.0;
        if flags & RowFlags::WRAPPED.0 == 0 {
            self.text.push(b'\n');
        }
        let attrs_start = self.attrs.len() as u32;
        let mut runs = 0u16;
        let mut covered = 0usize;
        for (i, run) in row.runs.iter().enumerate() {
            if covered >= text.len() {
                break;
            }
            let mut len = (run.len as usize).min(text.len() - covered);
            if i + 1 == MAX_RUNS_PER_ROW {
                len = text.len() - covered;
            }
            // Keep boundaries on chars even if the caller got them wrong.
            while !text.is_char_boundary(covered + len) {
                len += 1;
            }
            if len == 0 {
                continue;
            }
            put_varint(&mut self.attrs, len as u64);
            encode_style(&mut self.attrs, &run.style);
            let image = run.style.image;
            if image != 0 && (self.min_image == 0 || image < self.min_image) {
                self.min_image = image;
            }
            covered += len;
            runs += 1;
            if runs as usize == MAX_RUNS_PER_ROW {
                break;
            }
        }
        self.rows.push(RowMeta {
            text_start,
            text_len: text.len() as u32,
            attrs_start,
            runs,
            flags,
        });
    }

    /// The `i`th row, decoded.
    pub fn row(&self, i: usize) -> Result<Row, DecodeError> {
        let meta = *self
            .rows
            .get(i)
            .ok_or(DecodeError("row index out of range"))?;
        self.decode_row(&meta, self.attrs_end(i))
    }

    fn attrs_end(&self, i: usize) -> usize {
        self.rows
            .get(i + 1)
            .map_or(self.attrs.len(), |n| n.attrs_start as usize)
    }

    /// The text of the `i`th row without its styles (cheap).
    pub fn row_text(&self, i: usize) -> Option<&str> {
        let m = self.rows.get(i)?;
        let bytes = self
            .text
            .get(m.text_start as usize..(m.text_start + m.text_len) as usize)?;
        std::str::from_utf8(bytes).ok()
    }

    pub(crate) fn meta(&self, i: usize) -> Option<&RowMeta> {
        self.rows.get(i)
    }

    fn decode_row(&self, m: &RowMeta, attrs_end: usize) -> Result<Row, DecodeError> {
        let start = m.text_start as usize;
        let end = start + m.text_len as usize;
        let bytes = self
            .text
            .get(start..end)
            .ok_or(DecodeError("row text out of bounds"))?;
        let text = std::str::from_utf8(bytes).map_err(|_| DecodeError("row text is not UTF-8"))?;
        let mut r = Reader {
            buf: self
                .attrs
                .get(m.attrs_start as usize..attrs_end)
                .ok_or(DecodeError("row runs out of bounds"))?,
        };
        let mut runs = Vec::new();
        let mut covered = 0usize;
        while !r.buf.is_empty() {
            if runs.len() == MAX_RUNS_PER_ROW {
                return Err(DecodeError("more style runs than any row has"));
            }
            let len = r.varint()? as usize;
            let style = decode_style(&mut r)?;
            covered = covered
                .checked_add(len)
                .filter(|&c| c <= text.len() && text.is_char_boundary(c))
                .ok_or(DecodeError("style run past the row's text"))?;
            runs.push(Run {
                len: len as u32,
                style,
            });
        }
        Ok(Row {
            text: text.to_owned(),
            runs,
            flags: RowFlags(m.flags),
        })
    }

    /// Compress into the split payload (module docs), which replaces what `dst` held, with
    /// `z`'s level and parameters. `meta` is scratch for the table and runs. Both buffers keep
    /// their room for the next segment; `dst` gets room for the worst case, but only the
    /// pages the frames are written to are touched.
    ///
    /// Returns the payload's uncompressed length (the header's `raw_len`: the text block and
    /// the meta together).
    pub(crate) fn compress_split(
        &self,
        z: &mut zstd::bulk::Compressor<'static>,
        meta: &mut Vec<u8>,
        dst: &mut Vec<u8>,
    ) -> std::io::Result<u32> {
        use std::io::Cursor;
        self.encode_meta(meta);
        dst.clear();
        dst.reserve(
            SPLIT_PREFIX_BYTES
                + zstd::zstd_safe::compress_bound(self.text.len())
                + zstd::zstd_safe::compress_bound(meta.len()),
        );
        dst.extend_from_slice(&[0; SPLIT_PREFIX_BYTES]);
        // A cursor at the end makes zstd append into the spare room.
        let mut at_end = Cursor::new(&mut *dst);
        at_end.set_position(SPLIT_PREFIX_BYTES as u64);
        let text = z.compress_to_buffer(&self.text, &mut at_end)?;
        dst[..SPLIT_PREFIX_BYTES].copy_from_slice(&(text as u32).to_le_bytes());
        let mut at_end = Cursor::new(&mut *dst);
        at_end.set_position((SPLIT_PREFIX_BYTES + text) as u64);
        z.compress_to_buffer(meta, &mut at_end)?;
        Ok((self.text.len() + meta.len()) as u32)
    }

    /// The split layout's second part: counts, table, runs.
    fn encode_meta(&self, meta: &mut Vec<u8>) {
        meta.clear();
        meta.reserve(META_PREFIX_BYTES + 3 * self.rows.len() + self.attrs.len());
        meta.resize(META_PREFIX_BYTES, 0);
        for (i, m) in self.rows.iter().enumerate() {
            let start = m.text_start as usize;
            let own_newline = !m.wrapped()
                && memchr::memchr(b'\n', &self.text[start..start + m.text_len as usize]).is_some();
            meta.push(m.flags | if own_newline { EXPLICIT_LEN } else { 0 });
            if m.wrapped() || own_newline {
                put_varint(meta, m.text_len as u64);
            }
            debug_assert_eq!(
                m.runs as usize,
                count_runs(&self.attrs[m.attrs_start as usize..self.attrs_end(i)])
            );
            put_varint(meta, m.runs as u64);
        }
        let table_len = meta.len() - META_PREFIX_BYTES;
        meta.extend_from_slice(&self.attrs);
        for (i, v) in [self.rows.len(), table_len, self.attrs.len()]
            .into_iter()
            .enumerate()
        {
            meta[4 * i..4 * i + 4].copy_from_slice(&(v as u32).to_le_bytes());
        }
    }

    /// Decompress a payload of the layout `version` names (module docs) into this segment
    /// (its contents replaced, its buffers reused). `raw_len` is the header's; `dctx` and
    /// `scratch` are the caller's to reuse. On error the segment is left empty.
    pub(crate) fn decompress(
        &mut self,
        version: u16,
        comp: &[u8],
        raw_len: usize,
        dctx: &mut zstd::bulk::Decompressor<'static>,
        scratch: &mut Vec<u8>,
    ) -> Result<(), DecodeError> {
        self.clear();
        if raw_len > MAX_SEGMENT_RAW_BYTES {
            return Err(DecodeError("payload larger than any segment"));
        }
        let zstd_err = |_| DecodeError("zstd error");
        let r = if version < SPLIT_SINCE_VERSION {
            decompress_exact(dctx, comp, scratch, raw_len)?;
            self.decode_into_cleared(scratch)
        } else {
            (|| {
                let (n, rest) = comp
                    .split_first_chunk::<SPLIT_PREFIX_BYTES>()
                    .ok_or(DecodeError("truncated"))?;
                let n = u32::from_le_bytes(*n) as usize;
                if n > rest.len() {
                    return Err(DecodeError("text frame past the payload"));
                }
                let (text, meta) = rest.split_at(n);
                // Straight into the segment: the text block is most of a payload.
                self.text.reserve(raw_len);
                dctx.decompress_to_buffer(text, &mut self.text)
                    .map_err(zstd_err)?;
                let meta_len = raw_len
                    .checked_sub(self.text.len())
                    .ok_or(DecodeError("uncompressed length mismatch"))?;
                decompress_exact(dctx, meta, scratch, meta_len)?;
                self.index_split(scratch)
            })()
        };
        if r.is_err() {
            self.clear();
        }
        r
    }

    /// Decode a joined payload (versions 1–3) from its uncompressed bytes.
    pub fn decode_joined(payload: &[u8]) -> Result<SegmentBuf, DecodeError> {
        let mut seg = SegmentBuf::new();
        let r = seg.decode_into_cleared(payload);
        r.map(|()| seg)
    }

    /// Decode a split payload from its two uncompressed parts.
    pub fn decode_split(text: &[u8], meta: &[u8]) -> Result<SegmentBuf, DecodeError> {
        if text.len() + meta.len() > MAX_SEGMENT_RAW_BYTES {
            return Err(DecodeError("payload larger than any segment"));
        }
        let mut seg = SegmentBuf::new();
        seg.text.extend_from_slice(text);
        seg.index_split(meta).map(|()| seg)
    }

    /// Encode into the joined layout of versions 1–3. Nothing writes it any more; it makes
    /// old frames for the tests and the fuzzer's seeds, which the readers must keep reading.
    pub fn encode_joined(&self, out: &mut Vec<u8>) {
        let mut table = Vec::with_capacity(self.rows.len() * 4);
        for (i, m) in self.rows.iter().enumerate() {
            put_varint(&mut table, m.text_len as u64);
            table.push(m.flags);
            put_varint(
                &mut table,
                (self.attrs_end(i) - m.attrs_start as usize) as u64,
            );
        }
        put_varint(out, self.rows.len() as u64);
        put_varint(out, self.text.len() as u64);
        put_varint(out, table.len() as u64);
        put_varint(out, self.attrs.len() as u64);
        out.extend_from_slice(&self.text);
        out.extend_from_slice(&table);
        out.extend_from_slice(&self.attrs);
    }

    /// Build the row table of a split payload over the text block already in `self.text`,
    /// from its meta (counts, table, runs), and take the runs.
    fn index_split(&mut self, meta: &[u8]) -> Result<(), DecodeError> {
        let mut r = Reader { buf: meta };
        let mut count = || -> Result<usize, DecodeError> {
            let b = r.take(4)?;
            Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        };
        let (row_count, table_len, attrs_len) = (count()?, count()?, count()?);
        let table = r.take(table_len)?;
        let attrs = r.take(attrs_len)?;
        if !r.buf.is_empty() {
            return Err(DecodeError("trailing bytes after the payload"));
        }
        // Each row needs at least 2 table bytes: this caps the allocation below by the input.
        if row_count > table_len / 2 {
            return Err(DecodeError("row count larger than the table"));
        }
        let text = &self.text;
        let rows = &mut self.rows;
        rows.reserve(row_count);
        let mut t = Reader { buf: table };
        let mut a = Reader { buf: attrs };
        let mut text_pos = 0usize;
        for _ in 0..row_count {
            let byte = t.byte()?;
            let flags = byte & RowFlags::ALL.0;
            let wrapped = flags & RowFlags::WRAPPED.0 != 0;
            let len = if wrapped || byte & EXPLICIT_LEN != 0 {
                t.varint()? as usize
            } else {
                memchr::memchr(b'\n', text.get(text_pos..).unwrap_or_default())
                    .ok_or(DecodeError("line end without its newline"))?
            };
            let runs = t.varint()?;
            if len > MAX_ROW_TEXT_BYTES || runs > MAX_RUNS_PER_ROW as u64 {
                return Err(DecodeError("row larger than any row"));
            }
            let attrs_start = (attrs.len() - a.buf.len()) as u32;
            for _ in 0..runs {
                skip_run(&mut a)?;
            }
            let meta = RowMeta {
                text_start: text_pos as u32,
                text_len: len as u32,
                attrs_start,
                // At most MAX_RUNS_PER_ROW (u16::MAX), checked above.
                runs: runs as u16,
                flags,
            };
            let end = meta.text_end_with_newline();
            if end > text.len() {
                return Err(DecodeError("row text past the text block"));
            }
            if !wrapped && text[end - 1] != b'\n' {
                return Err(DecodeError("line end without its newline"));
            }
            text_pos = end;
            rows.push(meta);
        }
        if text_pos != text.len() || !t.buf.is_empty() || !a.buf.is_empty() {
            return Err(DecodeError("blocks longer than their rows"));
        }
        self.attrs.extend_from_slice(attrs);
        Ok(())
    }

    fn decode_into_cleared(&mut self, payload: &[u8]) -> Result<(), DecodeError> {
        if payload.len() > MAX_SEGMENT_RAW_BYTES {
            return Err(DecodeError("payload larger than any segment"));
        }
        let mut r = Reader { buf: payload };
        let row_count = r.varint()? as usize;
        let text_len = r.varint()? as usize;
        let table_len = r.varint()? as usize;
        let attrs_len = r.varint()? as usize;
        // Each row needs at least 3 table bytes: this caps the allocation below by the input.
        if row_count > table_len / 3 + 1 {
            return Err(DecodeError("row count larger than the table"));
        }
        let text = r.take(text_len)?;
        let table = r.take(table_len)?;
        let attrs = r.take(attrs_len)?;
        if !r.buf.is_empty() {
            return Err(DecodeError("trailing bytes after the payload"));
        }
        let rows = &mut self.rows;
        rows.reserve(row_count);
        let mut t = Reader { buf: table };
        let mut text_pos = 0usize;
        let mut attrs_pos = 0usize;
        for _ in 0..row_count {
            let len = t.varint()? as usize;
            let flags = t.byte()? & RowFlags::ALL.0;
            let attrs_len = t.varint()? as usize;
            if len > MAX_ROW_TEXT_BYTES || attrs_len > attrs.len() - attrs_pos {
                return Err(DecodeError("row larger than its blocks"));
            }
            // Runs must parse to the end of the row's bytes: a segment's runs are whole
            // (see `count_runs`), whichever layout it came from.
            let mut a = Reader {
                buf: &attrs[attrs_pos..attrs_pos + attrs_len],
            };
            let mut runs = 0u16;
            while !a.buf.is_empty() {
                if usize::from(runs) == MAX_RUNS_PER_ROW {
                    return Err(DecodeError("more style runs than any row has"));
                }
                skip_run(&mut a)?;
                runs += 1;
            }
            let meta = RowMeta {
                text_start: text_pos as u32,
                text_len: len as u32,
                attrs_start: attrs_pos as u32,
                runs,
                flags,
            };
            let end = meta.text_end_with_newline();
            if end > text.len() {
                return Err(DecodeError("row text past the text block"));
            }
            if !meta.wrapped() && text[end - 1] != b'\n' {
                return Err(DecodeError("line end without its newline"));
            }
            text_pos = end;
            attrs_pos += attrs_len;
            rows.push(meta);
        }
        if text_pos != text.len() || !t.buf.is_empty() || attrs_pos != attrs.len() {
            return Err(DecodeError("blocks longer than their rows"));
        }
        self.text.extend_from_slice(text);
        self.attrs.extend_from_slice(attrs);
        Ok(())
    }
}

/// Format version from which segments have the split layout (module docs).
pub(crate) const SPLIT_SINCE_VERSION: u16 = 4;

/// Bit of a split table entry's flags byte: the row's text length follows, though the row
/// ends a line, because its text holds a `\n` of its own and the next `\n` is not its end.
pub(crate) const EXPLICIT_LEN: u8 = 0x80;
const _: () = assert!(RowFlags::ALL.0 & EXPLICIT_LEN == 0);

/// Bytes before a split payload's text frame: that frame's length.
const SPLIT_PREFIX_BYTES: usize = 4;

/// Bytes before a split payload's table: row count, table and attrs lengths.
const META_PREFIX_BYTES: usize = 12;

/// Style runs in one row's bytes of the attrs block. A segment's runs are always whole: `push`
/// writes them, and both decoders walk them (`skip_run`) before they accept a payload.
fn count_runs(attrs: &[u8]) -> usize {
    let mut r = Reader { buf: attrs };
    let mut n = 0;
    while !r.buf.is_empty() && skip_run(&mut r).is_ok() {
        n += 1;
    }
    debug_assert!(r.buf.is_empty(), "a segment's runs are whole");
    n
}

/// Step over one run (its length and its style) with the decoder's own grammar.
fn skip_run(r: &mut Reader<'_>) -> Result<(), DecodeError> {
    r.varint()?;
    decode_style(r).map(drop)
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Read one varint from the front of `buf` (as [`put_varint`] wrote it); `None` if it is cut
/// short or longer than a `u64`.
pub(crate) fn take_varint(buf: &mut &[u8]) -> Option<u64> {
    let mut r = Reader { buf };
    let v = r.varint().ok()?;
    *buf = r.buf;
    Some(v)
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&b, rest) = self.buf.split_first().ok_or(DecodeError("truncated"))?;
        self.buf = rest;
        Ok(b)
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.buf.len() {
            return Err(DecodeError("truncated"));
        }
        let (a, b) = self.buf.split_at(n);
        self.buf = b;
        Ok(a)
    }
    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(DecodeError("varint too long"))
    }
}

const M_FG: u8 = 1 << 0;
const M_BG: u8 = 1 << 1;
const M_UL_COLOR: u8 = 1 << 2;
const M_ATTRS: u8 = 1 << 3;
const M_UNDERLINE: u8 = 1 << 4;
const M_LINK: u8 = 1 << 5;
const M_IMAGE: u8 = 1 << 6;

fn encode_color(out: &mut Vec<u8>, c: Color) {
    match c {
        Color::Default => out.push(0),
        Color::Indexed(i) => out.extend_from_slice(&[1, i]),
        Color::Rgb(r, g, b) => out.extend_from_slice(&[2, r, g, b]),
    }
}

fn decode_color(r: &mut Reader<'_>) -> Result<Color, DecodeError> {
    Ok(match r.byte()? {
        0 => Color::Default,
        1 => Color::Indexed(r.byte()?),
        2 => Color::Rgb(r.byte()?, r.byte()?, r.byte()?),
        _ => return Err(DecodeError("unknown color tag")),
    })
}

fn encode_style(out: &mut Vec<u8>, s: &Style) {
    let mut mask = 0u8;
    let at = out.len();
    out.push(0);
    if s.fg != Color::Default {
        mask |= M_FG;
        encode_color(out, s.fg);
    }
    if s.bg != Color::Default {
        mask |= M_BG;
        encode_color(out, s.bg);
    }
    if s.underline_color != Color::Default {
        mask |= M_UL_COLOR;
        encode_color(out, s.underline_color);
    }
    if !s.attrs.is_empty() {
        mask |= M_ATTRS;
        put_varint(out, s.attrs.0 as u64);
    }
    if s.underline != Underline::None {
        mask |= M_UNDERLINE;
        out.push(s.underline as u8);
    }
    if s.link != 0 {
        mask |= M_LINK;
        put_varint(out, s.link as u64);
    }
    if s.image != 0 {
        mask |= M_IMAGE;
        put_varint(out, s.image as u64);
    }
    out[at] = mask;
}

fn decode_style(r: &mut Reader<'_>) -> Result<Style, DecodeError> {
    let mask = r.byte()?;
    let mut s = Style::default();
    if mask & M_FG != 0 {
        s.fg = decode_color(r)?;
    }
    if mask & M_BG != 0 {
        s.bg = decode_color(r)?;
    }
    if mask & M_UL_COLOR != 0 {
        s.underline_color = decode_color(r)?;
    }
    if mask & M_ATTRS != 0 {
        s.attrs = Attrs(r.varint()? as u16 & Attrs::ALL.0);
    }
    if mask & M_UNDERLINE != 0 {
        s.underline = Underline::from_u8(r.byte()?);
    }
    if mask & M_LINK != 0 {
        s.link = r.varint()? as u32;
    }
    if mask & M_IMAGE != 0 {
        s.image = r.varint()? as u32;
    }
    Ok(s)
}
