//! spool's scrollback store: each pane's history as an append-only sequence of rows, kept on
//! disk in zstd-compressed segments with only a small window in memory.
//!
//! ```no_run
//! use spool_store::{Env, Row, Store, StoreConfig};
//! let env = Env::new(StoreConfig::default());
//! let store = Store::open(&env, "/tmp/spool-example/pane-1")?;
//! store.push(Row::plain("hello").as_ref())?;
//! assert_eq!(store.get(0)?.unwrap().text, "hello");
//! # Ok::<(), spool_store::StoreError>(())
//! ```
//!
//! - [`Row`]: text (UTF-8, clusters intact), style runs, soft-wrap flag, prompt marks.
//! - [`Store`]: one pane — `push`, `flush`, `clear`, `get`, `range` (both directions), `tail`,
//!   [`Store::search`], [`Store::display_rows`], [`Store::display_row_from_bottom`], `stats`.
//! - [`Env`]: what all panes share — the byte-bounded [`SegmentCache`], the compression workers
//!   (a bounded queue: writers wait rather than queue without limit) and the disk budget.
//!
//! Memory per pane: the open segment (≤ `segment_bytes`, default 256 KiB, plus 16 bytes per row
//! of row table), at most [`COMPRESS_QUEUE_DEPTH`] sealed segments in flight across all panes,
//! and a 40-byte index entry per sealed segment. See ARCHITECTURE.md for the file format.

mod cache;
pub mod checkpoint;
mod codec;
mod config;
mod env;
pub mod filter;
mod geometry;
mod index;
mod placement;
mod search;
mod segfile;
mod store;

pub use cache::{CacheStats, SegmentCache, DEFAULT_CACHE_BYTES};
pub use codec::{MAX_ROW_TEXT_BYTES, MAX_RUNS_PER_ROW};
pub use config::{
    StoreConfig, COMPRESS_QUEUE_DEPTH, DEFAULT_RETENTION_PANE_BYTES, DEFAULT_SEGMENT_BYTES,
    DEFAULT_ZSTD_LEVEL, MAX_SEGMENT_BYTES, MIN_SEGMENT_BYTES,
};
pub use env::{Env, SLOT_WAIT_LOGGED_AFTER, STALL_HOOK, STALL_WRITES_HOOK, WORKER_IDLE_RELEASE};
pub use geometry::{line_display_rows, reflow, reflow_window, DisplayPos};
pub use placement::WorkCpus;
pub use search::{
    compile, SearchMatch, SearchOutcome, SearchProgress, MAX_SEARCH_CARRY_BYTES,
    NEWEST_FIRST_CHUNK_SEGMENTS, REGEX_DFA_SIZE_LIMIT, REGEX_SIZE_LIMIT,
};
/// The row vocabulary, defined in `spool_cells` and shared with the emulator and the wire.
pub use spool_cells::{width, Attrs, Color, Row, RowFlags, RowRef, Run, Style, Underline};
pub use store::{
    memory_bound, segments_decoded_here, CheckpointParts, Rows, Store, StoreStats,
    MAX_ROWS_PER_SEGMENT, MAX_SEGMENTS_PER_STORE, SEAL_ROOM_ROWS,
};

/// On-disk format version written in every segment header.
/// Version 2 added the text filter after each payload (`filter.rs`); version 3 the smallest
/// image id a segment shows (`segfile.rs`); version 4 split the payload into a text frame and
/// a table frame (`codec.rs`). Versions 1 to 3 are still read.
pub const FORMAT_VERSION: u16 = 4;

/// Largest uncompressed segment payload any version writes or any reader accepts: three times
/// the largest seal threshold (a segment may run past the threshold to keep a line whole, and
/// further while its seal waits for a compression slot) plus one maximal row and its table. Decoders refuse anything larger before allocating.
pub const MAX_SEGMENT_RAW_BYTES: usize = 4 * 1024 * 1024;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{what} is damaged: {reason}")]
    Corrupt { what: String, reason: String },
    #[error("writing history failed: {0}")]
    Write(String),
    #[error("bad search pattern: {0}")]
    Regex(String),
    /// The history holds a segment of a format this version cannot read (a newer spool wrote
    /// it, and this one runs after a downgrade). The file is left as it is, for that spool.
    #[error("{}: written by a newer spool (history format {version}; this one reads up to {})", path.display(), FORMAT_VERSION)]
    Newer {
        path: std::path::PathBuf,
        version: u16,
    },
}

/// Entry points for fuzzing the decoders with arbitrary bytes.
pub mod fuzzing {
    /// Decode a framed segment (header + compressed payload) from arbitrary bytes, and every
    /// row in it. Must return, never panic, and never allocate beyond the format's limits.
    pub fn decode_frame(bytes: &[u8]) -> usize {
        match crate::segfile::decode_frame(bytes) {
            Ok((_, seg)) => (0..seg.len()).filter(|&i| seg.row(i).is_ok()).count(),
            Err(_) => 0,
        }
    }

    /// Valid framed segments (header + zstd payload) of a few kinds of rows: seeds for a
    /// fuzzer's corpus, which mutates them into the damaged frames recovery must survive.
    pub fn sample_frames() -> Vec<Vec<u8>> {
        use spool_cells::{Color, Style};
        use spool_cells::{RowFlags, RowRef, Run};
        let runs = [Run {
            len: 3,
            style: Style {
                fg: Color::Rgb(1, 2, 3),
                link: 7,
                ..Style::default()
            },
        }];
        let kinds: [&[(&str, &[Run], RowFlags)]; 3] = [
            &[("hello", &[], RowFlags::default())],
            &[
                ("red text", &runs, RowFlags::WRAPPED),
                ("日本語 é", &[], RowFlags::PROMPT),
                ("", &[], RowFlags::default()),
            ],
            &[("x", &runs[..0], RowFlags::WRAPPED); 40],
        ];
        let mut z = zstd::bulk::Compressor::new(3).expect("zstd context");
        let mut frames = Vec::new();
        for (i, rows) in kinds.iter().enumerate() {
            let mut seg = crate::codec::SegmentBuf::new();
            for (text, runs, flags) in rows.iter() {
                seg.push(RowRef {
                    text,
                    runs,
                    flags: *flags,
                });
            }
            // Each kind in today's split layout, and the first also in the joined layout of
            // versions 1–3, which readers still take.
            let (mut meta, mut comp) = (Vec::new(), Vec::new());
            let raw_len = seg
                .compress_split(&mut z, &mut meta, &mut comp)
                .expect("zstd compresses");
            let mut versions = vec![(crate::FORMAT_VERSION, comp, raw_len)];
            if i == 0 {
                let mut raw = Vec::new();
                seg.encode_joined(&mut raw);
                let comp = zstd::bulk::compress(&raw, 3).expect("zstd compresses");
                versions.push((3, comp, raw.len() as u32));
            }
            for (version, comp, raw_len) in versions {
                let header = crate::segfile::Header {
                    row_count: seg.len() as u32,
                    first_row: 100 * i as u64,
                    raw_len,
                    comp_len: comp.len() as u32,
                    carry_in: 0,
                    crc: crc32fast::hash(&comp),
                    filter_log2: 0,
                    min_image: 0,
                    version,
                };
                let mut frame = header.encode().to_vec();
                frame.extend_from_slice(&comp);
                assert!(crate::segfile::decode_frame(&frame).is_ok());
                frames.push(frame);
            }
        }
        frames
    }

    /// Decode an uncompressed payload from arbitrary bytes, and every row in it: as a joined
    /// payload (versions 1–3), and as the two parts of a split one (version 4), cut where
    /// the first byte says.
    pub fn decode_payload(bytes: &[u8]) -> usize {
        use crate::codec::SegmentBuf;
        let rows = |seg: Result<SegmentBuf, _>| match seg {
            Ok(seg) => (0..seg.len()).filter(|&i| seg.row(i).is_ok()).count(),
            Err(_) => 0,
        };
        let cut = bytes.first().map_or(0, |&b| b as usize * bytes.len() / 256);
        rows(SegmentBuf::decode_joined(bytes))
            + rows(SegmentBuf::decode_split(&bytes[..cut], &bytes[cut..]))
    }
}
