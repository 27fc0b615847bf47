//! Checkpoints: what a pane has that is not in `history.seg` yet — segments waiting for the
//! compression workers or their turn to be written, the open segment, and whatever the caller
//! adds after them (the pane's screen) — written every second to `tail.seg`, so a server that
//! is killed (`kill -9`, the OOM killer) loses at most a second of output.
//!
//! `tail.seg` holds frames in `history.seg`'s format (header with checksums, zstd payload),
//! numbered from where history ends. It is replaced as a whole by rename (never rewritten in
//! place); it is not fsynced: it survives the process, and a power loss costs what the page
//! cache held, as for any file. Recovery ([`crate::Store::open`]) takes from it, in order, the
//! rows that continue `history.seg` and stops at the first damaged or discontinuous frame.
//! A clean shutdown makes everything durable in `history.seg` and removes it.
//!
//! Memory: a checkpoint compresses one segment at a time (the open segment is copied, at most
//! one segment's bytes); disk: at most the in-flight bound of one store plus the extra rows.

use std::io::Write;
use std::path::Path;

use crate::codec::SegmentBuf;
use crate::segfile::{decode_frame, Header, HEADER_LEN};
use crate::StoreError;
use spool_cells::{Row, RowRef};

/// The checkpoint file in a pane's history directory.
pub const TAIL_FILE: &str = "tail.seg";

/// zstd level of checkpoints: they are rewritten every second and read only after a crash.
const TAIL_ZSTD_LEVEL: i32 = 1;

/// What the frames of one checkpoint share: the table and output buffers (reused from frame
/// to frame) and one zstd context, made for the first frame and dropped with the checkpoint. A busy
/// pane is checkpointed every second; a context and a growing buffer per frame were most of
/// the allocator's churn while 13 panes printed.
#[derive(Default)]
pub(crate) struct FrameScratch {
    meta: Vec<u8>,
    comp: Vec<u8>,
    z: Option<zstd::bulk::Compressor<'static>>,
}

/// One frame of a checkpoint: rows from `first_row`.
pub(crate) fn encode_frame(
    first_row: u64,
    seg: &SegmentBuf,
    scratch: &mut FrameScratch,
) -> Result<Vec<u8>, StoreError> {
    let fail = |e: std::io::Error| StoreError::Write(e.to_string());
    let z = match &mut scratch.z {
        Some(z) => z,
        none => none.insert(zstd::bulk::Compressor::new(TAIL_ZSTD_LEVEL).map_err(fail)?),
    };
    let raw_len = seg
        .compress_split(z, &mut scratch.meta, &mut scratch.comp)
        .map_err(fail)?;
    let comp = &scratch.comp;
    let header = Header {
        row_count: seg.len() as u32,
        first_row,
        raw_len,
        comp_len: comp.len() as u32,
        carry_in: 0,
        crc: crc32fast::hash(comp),
        filter_log2: 0,
        min_image: 0,
        version: crate::FORMAT_VERSION,
    };
    let mut frame = Vec::with_capacity(HEADER_LEN + comp.len());
    frame.extend_from_slice(&header.encode());
    frame.extend_from_slice(comp);
    Ok(frame)
}

/// A segment of `rows`.
pub(crate) fn segment_of(rows: &[Row]) -> SegmentBuf {
    let mut seg = SegmentBuf::new();
    for r in rows {
        seg.push(RowRef {
            text: &r.text,
            runs: &r.runs,
            flags: r.flags,
        });
    }
    seg
}

/// Replace `dir/tail.seg` with `frames` (atomically: a temporary file, then a rename).
pub(crate) fn write(dir: &Path, frames: &[Vec<u8>]) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = dir.join("tail.tmp");
    let io = |source| StoreError::Io {
        path: tmp.clone(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(io)?;
    for fr in frames {
        f.write_all(fr).map_err(io)?;
    }
    drop(f);
    std::fs::rename(&tmp, dir.join(TAIL_FILE)).map_err(io)
}

/// The rows of `dir/tail.seg` that continue history ending at `next_row`, in order: frames
/// are taken while they are valid and continuous (rows before `next_row` are already in
/// history and skipped). Damage ends the recovery there; it is never an error.
pub(crate) fn recover(dir: &Path, next_row: u64) -> Vec<Row> {
    let Ok(bytes) = std::fs::read(dir.join(TAIL_FILE)) else {
        return Vec::new();
    };
    let mut rows = Vec::new();
    let mut expect = next_row;
    let mut off = 0usize;
    while off + HEADER_LEN <= bytes.len() {
        let Ok((h, seg)) = decode_frame(&bytes[off..]) else {
            tracing::warn!(dir = %dir.display(), at = off, "checkpoint damaged; recovered up to it");
            break;
        };
        off += h.frame_len() as usize;
        let end = h.first_row + h.row_count as u64;
        if end <= expect {
            continue; // already in history
        }
        if h.first_row > expect {
            tracing::warn!(dir = %dir.display(), "checkpoint does not continue history; ignored");
            break;
        }
        for i in (expect - h.first_row) as usize..seg.len() {
            match seg.row(i) {
                Ok(r) => rows.push(r),
                Err(_) => return rows,
            }
        }
        expect = end;
    }
    rows
}

/// Remove the checkpoint (everything in it is durable in history now).
pub(crate) fn remove(dir: &Path) {
    let _ = std::fs::remove_file(dir.join(TAIL_FILE));
}
