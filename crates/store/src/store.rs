//! One pane's history: the open segment in memory, sealed segments on their way to disk, and
//! the index of segments on disk.
//!
//! ```text
//!   push ──► open segment ──seal──► pending (queued for zstd) ──► history.seg + index entry
//!              (RAM, ≤ segment_bytes)   (≤ COMPRESS_QUEUE_DEPTH)      (40 bytes of RAM each)
//! ```
//!
//! Row numbers start at 0 when a pane's directory is new and never repeat: pruning, clearing
//! and restarting keep counting from where history ended.

use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use crate::codec::SegmentBuf;
use crate::env::{Env, EnvInner};
use crate::index::{Entry, Index, LOST};
use crate::segfile::{Head, Header, SegFile, HEADER_LEN};
use crate::StoreError;
use spool_cells::{Row, RowRef};

/// Most rows in one segment. Empty rows encode in ~4 bytes, so without this a screenful of
/// blank lines would make a segment of 60,000 rows whose 16-byte row table, rebuilt on every
/// decode, outweighs its text.
pub const MAX_ROWS_PER_SEGMENT: usize = 16 * 1024;

/// Rows an open segment keeps free below [`MAX_ROWS_PER_SEGMENT`] once it is due to be sealed:
/// room for what a writer pushes before its next [`Store::relieve`] (the server relieves after
/// every 4 KiB of output, which makes at most 4,096 rows by newlines).
pub const SEAL_ROOM_ROWS: usize = 4 * 1024;

/// Most segments indexed per pane; older ones are pruned beyond it whatever the disk budget.
/// At 40 bytes per entry this caps a pane's index at 2.5 MiB, reached only after ~16 GiB of
/// uncompressed history (1 GiB of history costs 4,096 entries = 160 KiB while written or
/// read, ~38 KiB packed while quiet, see `index.rs`). A segment whose rows show images adds a
/// 16-byte image floor (3.5 MiB in all at the cap).
pub const MAX_SEGMENTS_PER_STORE: usize = 64 * 1024;

/// Sealed segments not yet on disk, across all stores of an env: the queue plus one per
/// worker. A writer that would seal another waits for one of these slots.
pub fn in_flight_max(config: &crate::StoreConfig) -> usize {
    crate::COMPRESS_QUEUE_DEPTH + config.compress_threads.clamp(1, 8)
}

/// The most heap one store's rows can hold, whatever is pushed: its open segment plus every
/// segment in flight (which in a busy env may all be this store's). The index adds 40 bytes
/// per segment on disk on top (≤ `max_segments`).
///
/// - open segment: up to three seal thresholds (twice to keep a line whole, three times while
///   its seal waits for a slot, see [`Store::push_deferring`]) plus one maximal row, and up to twice
///   that in `Vec` capacity while growing;
/// - in flight: [`in_flight_max`] segments, each shrunk to its size at sealing.
pub fn memory_bound(config: &crate::StoreConfig) -> usize {
    let seg = 3 * config
        .segment_bytes
        .clamp(crate::MIN_SEGMENT_BYTES, crate::MAX_SEGMENT_BYTES)
        + crate::MAX_ROW_TEXT_BYTES
        + MAX_ROWS_PER_SEGMENT * crate::codec::ROW_META_BYTES;
    2 * seg + in_flight_max(config) * seg
}

/// A failed history write is logged at most this often (a full disk fails every segment);
/// the failures in between are counted in the next line.
pub const ERROR_LOG_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// What readers see for rows `first..end` whose segment could not be written: one logical
/// line, `[rows A..B lost: REASON]`, over the same row numbers (the first row holds the text,
/// the others are empty continuation rows), so that row numbering, geometry and search walk
/// it like any segment, and the rows stored after it stay readable.
fn lost_segment(first: u64, end: u64, reason: &str) -> SegmentBuf {
    use spool_cells::RowFlags;
    let mut seg = SegmentBuf::new();
    let text = format!("[rows {first}..{end} lost: {reason}]");
    let n = (end - first) as usize;
    for i in 0..n {
        let flags = if i + 1 < n {
            RowFlags::WRAPPED
        } else {
            RowFlags::default()
        };
        seg.push(RowRef {
            text: if i == 0 { &text } else { "" },
            runs: &[],
            flags,
        });
    }
    seg
}

/// A short reason for a write error: a full disk is named as such.
fn short_reason(e: &str) -> &str {
    if e.contains("No space left") || e.contains("os error 28") {
        "disk full"
    } else if e.contains("Disk quota") || e.contains("os error 122") {
        "disk quota exceeded"
    } else {
        "history could not be written"
    }
}

thread_local! {
    /// Segments this thread has read from disk and decoded (see [`segments_decoded_here`]).
    static DECODED_HERE: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many segments the calling thread has read from disk and decoded, over its life: tests
/// use it to tell work done in the foreground from a background thread's.
#[doc(hidden)]
pub fn segments_decoded_here() -> u64 {
    DECODED_HERE.get()
}

/// A sealed segment waiting for compression or for its turn to be written.
struct Pending {
    seq: u64,
    first_row: u64,
    carry_in: u32,
    /// The smallest image id its rows show (0: none), for the header.
    min_image: u32,
    seg: Arc<SegmentBuf>,
}

/// A segment compressed by a worker (or the error that stopped it).
pub(crate) struct Compressed {
    /// Header space (filled in when written), the compressed payload, the text filter.
    frame: Vec<u8>,
    comp_len: u32,
    filter_log2: u8,
    raw_len: u32,
    /// `(width, display rows)` of the lines ending in the segment, at the job's `geo_width`.
    geo: Option<(u16, u32)>,
}

pub(crate) struct State {
    file: SegFile,
    /// The sealed segments, packed while the store is quiet (`index.rs`).
    index: Index,
    /// The writer has been quiet since its last [`Store::trim`]: the write that empties
    /// `pending` packs the index (the last segments of a program that ended are written
    /// after its pane went quiet).
    quiet: bool,
    open: SegmentBuf,
    open_first: u64,
    open_carry: u32,
    /// `(first row, smallest image id)` of each sealed segment whose rows show images, oldest
    /// first: what [`Store::image_floor`] reads. Segments without images have no entry, so
    /// this is empty for a pane that never showed one, and at most one entry per segment.
    image_floors: VecDeque<(u64, u32)>,
    /// The width the rows are being written at (the pane's), 0 if unknown: sealed segments get
    /// their geometry at this width computed off-thread, so scrolling at the pane's own width
    /// never has to decode the whole history first.
    width_hint: u16,
    /// A geometry warmer (`geometry.rs`) is counting the on-disk segments at `width_hint`:
    /// until it is done, geometry walks at that width estimate the segments it has not
    /// reached instead of decoding them in the foreground.
    warming: bool,
    pending: VecDeque<Pending>,
    /// The open segment is due to be sealed, but no in-flight slot was free when a row was
    /// pushed: the writer seals it in [`Store::relieve`], where it may wait.
    seal_owed: bool,
    ready: BTreeMap<u64, Result<Compressed, String>>,
    next_seq: u64,
    write_seq: u64,
    /// Segments with a lower sequence number were cleared before being written.
    discard_below: u64,
    disk_bytes: u64,
    disk_raw_bytes: u64,
    lost_rows: u64,
    /// The latest write error, kept for `stats` (and the marker rows of lost ranges).
    last_error: Option<String>,
    /// A write error `flush` has not reported yet.
    unreported_error: Option<String>,
    /// Write errors are logged at most once per [`ERROR_LOG_EVERY`]; the others are counted.
    error_logged_at: Option<std::time::Instant>,
    errors_unlogged: u64,
    /// Workers that wrote segments and have not yet enforced the total budget: `flush` waits
    /// for them too, so that when it returns the budget holds.
    enforcing: u32,
    /// A worker is writing segments (see [`Shared::complete`]): it alone appends to the
    /// file, with the lock released while a frame goes to disk. Others leave what they
    /// compressed in `ready` for it; `flush` and `clear` wait for it.
    writing: bool,
}

impl State {
    fn next_row(&self) -> u64 {
        self.open_first + self.open.len() as u64
    }
    /// Record the display rows at `width` of the sealed segment starting at `first_row`.
    fn put_geo(&mut self, first_row: u64, width: u16, rows: u32) {
        if let Some(e) = self.index.starting_at(first_row) {
            e.geo_width = width;
            e.geo_rows = rows;
        }
    }
    fn first_row(&self) -> u64 {
        if let Some(first) = self.index.first_row() {
            first
        } else if let Some(p) = self.pending.front() {
            p.first_row
        } else {
            self.open_first
        }
    }
}

pub(crate) struct Shared {
    pub id: u64,
    env: Arc<EnvInner>,
    state: Mutex<State>,
    drained: Condvar,
}

impl Shared {
    pub(crate) fn work_cpus(&self) -> &crate::WorkCpus {
        &self.env.config.work_cpus
    }
}

/// A job for the compression workers.
pub(crate) struct Job {
    shared: Arc<Shared>,
    seq: u64,
    seg: Arc<SegmentBuf>,
    carry_in: u32,
    /// Width to compute the segment's geometry at (0: none).
    geo_width: u16,
}

impl Job {
    /// Encode and compress, reusing the worker's scratch buffers so that the only allocation
    /// per segment is the exact-size frame that goes to disk.
    pub(crate) fn run(
        self,
        z: Option<&mut zstd::bulk::Compressor<'static>>,
        scratch: &mut Scratch,
    ) {
        // A worker whose context could not be made tries again for each segment.
        let mut made: Option<zstd::bulk::Compressor<'static>> = None;
        let z = match z {
            Some(z) => Ok(z),
            None => zstd::bulk::Compressor::new(self.shared.env.config.zstd_level)
                .map(|z| made.insert(z)),
        };
        let res = z.and_then(|z| {
            self.seg
                .compress_split(z, &mut scratch.meta, &mut scratch.out)
        });
        let res = res.map_err(|e| e.to_string()).map(|raw_len| {
            let n = scratch.out.len();
            let filter_log2 = scratch.filter.fold(self.seg.text_block());
            let flen = crate::filter::filter_len(filter_log2);
            let mut frame = Vec::with_capacity(HEADER_LEN + n + flen);
            frame.resize(HEADER_LEN, 0);
            frame.extend_from_slice(&scratch.out[..n]);
            scratch.filter.write(filter_log2, &mut frame);
            Compressed {
                frame,
                comp_len: n as u32,
                filter_log2,
                raw_len,
                geo: (self.geo_width > 0).then(|| {
                    let w = self.geo_width;
                    let n = crate::geometry::ended_display_rows(&self.seg, self.carry_in, w);
                    (w, n.min(u32::MAX as u64) as u32)
                }),
            }
        });
        // Keep scratch from growing past one maximal segment's worth between jobs.
        if scratch.meta.capacity().max(scratch.out.capacity()) > crate::MAX_SEGMENT_RAW_BYTES {
            scratch.meta = Vec::new();
            scratch.out = Vec::new();
        }
        self.shared.complete(self.seq, res);
    }
}

/// A compression worker's reusable buffers (at most one maximal segment each).
#[derive(Default)]
pub(crate) struct Scratch {
    /// A segment's table and runs, encoded (its text is compressed from where it is).
    meta: Vec<u8>,
    out: Vec<u8>,
    filter: crate::filter::Builder,
}

impl Scratch {
    pub(crate) fn bytes(&self) -> usize {
        self.meta.capacity() + self.out.capacity() + self.filter.bytes()
    }
}

/// Counters of one store. Memory is split by category for the gauges.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreStats {
    /// Number of the oldest row still kept.
    pub first_row: u64,
    /// Number the next pushed row gets.
    pub next_row: u64,
    /// Rows kept: `next_row - first_row`.
    pub rows: u64,
    /// Rows in RAM (open segment + segments waiting to be written).
    pub rows_in_memory: u64,
    pub rows_on_disk: u64,
    /// Heap bytes of the open segment.
    pub open_bytes: usize,
    /// Heap bytes of sealed segments not yet on disk.
    pub pending_bytes: usize,
    /// Bytes of the in-memory segment index.
    pub index_bytes: usize,
    /// Everything above together.
    pub memory_bytes: usize,
    /// Bytes on disk of live segments (headers included).
    pub disk_bytes: u64,
    /// The same segments' encoded size before compression.
    pub uncompressed_bytes: u64,
    /// Segments on disk.
    pub segments: usize,
    /// Rows whose segment could not be written (counted, unreadable).
    pub lost_rows: u64,
    pub last_error: Option<String>,
}

/// One pane's history store. Push from one writer; read from any thread.
pub struct Store {
    shared: Arc<Shared>,
    dir: PathBuf,
    /// Set by [`Store::retire_checkpoint`]: no checkpoint is written after it.
    retired: std::sync::atomic::AtomicBool,
}

/// What a checkpoint holds of the store itself, copied by [`Store::checkpoint_parts`].
pub struct CheckpointParts {
    segs: Vec<(u64, Arc<SegmentBuf>)>,
    open_first: u64,
    open: Option<SegmentBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).finish()
    }
}

/// Where a row was found.
enum Fetched {
    Row(Row),
    Seg(u64, Arc<SegmentBuf>),
    /// In rows `first..end`, lost when their segment could not be written: `marker` stands
    /// for all of them.
    Lost {
        first: u64,
        end: u64,
        marker: Row,
    },
    Gone,
}

/// A segment handed to geometry and search, with what they need to know about it.
pub(crate) struct SegRef {
    pub first_row: u64,
    pub carry_in: u32,
    pub seg: Arc<SegmentBuf>,
    /// True for the open segment (the newest; its last line may still be growing).
    pub is_last: bool,
}

impl Store {
    /// Open the history in `dir` (created 0700 if missing), recovering what is valid.
    pub fn open(env: &Env, dir: impl AsRef<Path>) -> Result<Store, StoreError> {
        let dir = dir.as_ref().to_owned();
        let (file, rec) = SegFile::open(&dir)?;
        if let Some((bytes, why)) = rec.cut {
            tracing::warn!(dir = %dir.display(), bytes, reason = why,
                "history had a damaged tail; cut back to the last valid segment");
        }
        let mut index = VecDeque::with_capacity(rec.segments.len());
        let mut image_floors = VecDeque::new();
        let mut disk_bytes = 0;
        let mut disk_raw_bytes = 0;
        for f in &rec.segments {
            let h = &f.header;
            index.push_back(Entry {
                first_row: h.first_row,
                offset: f.offset,
                comp_len: h.comp_len,
                raw_len: h.raw_len,
                carry_in: h.carry_in,
                geo_rows: 0,
                row_count: h.row_count.min(MAX_ROWS_PER_SEGMENT as u32) as u16,
                geo_width: 0,
                filter_log2: h.filter_log2,
            });
            if h.min_image != 0 {
                image_floors.push_back((h.first_row, h.min_image));
            }
            disk_bytes += h.frame_len();
            disk_raw_bytes += h.raw_len as u64;
        }
        let env_inner = env.inner.clone();
        env_inner
            .total_disk
            .fetch_add(disk_bytes, Ordering::Relaxed);
        let id = env_inner.next_store_id.fetch_add(1, Ordering::Relaxed);
        let state = State {
            file,
            index: Index::from_entries(index),
            quiet: false,
            open: SegmentBuf::new(),
            open_first: rec.next_row,
            open_carry: 0,
            image_floors,
            width_hint: 0,
            warming: false,
            pending: VecDeque::new(),
            seal_owed: false,
            ready: BTreeMap::new(),
            next_seq: 0,
            write_seq: 0,
            discard_below: 0,
            disk_bytes,
            disk_raw_bytes,
            lost_rows: 0,
            last_error: None,
            unreported_error: None,
            error_logged_at: None,
            errors_unlogged: 0,
            enforcing: 0,
            writing: false,
        };
        let shared = Arc::new(Shared {
            id,
            env: env_inner,
            state: Mutex::new(state),
            drained: Condvar::new(),
        });
        shared.env.register(&shared);
        let store = Store {
            shared,
            dir,
            retired: Default::default(),
        };
        store.shared.enforce_pane_retention();
        store.shared.env.enforce_total();
        // What the last checkpoint had beyond history.seg (a server killed since): it goes on
        // from where history ends.
        let recovered = crate::checkpoint::recover(&store.dir, rec.next_row);
        if !recovered.is_empty() {
            tracing::info!(dir = %store.dir.display(), rows = recovered.len(),
                "recovered rows from the last checkpoint");
        }
        for r in &recovered {
            store.push(r.as_ref())?;
        }
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The width rows are being written at (the pane's columns). Segments sealed from now on
    /// get their display-row count at this width computed by the compression worker, so that
    /// the first scroll at the pane's width does not decode the whole history to count rows.
    ///
    /// When the width changes while history is on disk (a split, a resize, a restart), a
    /// background thread counts the existing segments at the new width, newest first (see
    /// [`crate::geometry`]). Until it is done, walks at that width estimate what it has not
    /// counted yet, so the first scroll or jump never decodes all of history in the
    /// foreground.
    pub fn set_width_hint(&self, width: u16) {
        let start = {
            let mut st = self.lock();
            let changed = st.width_hint != width;
            st.width_hint = width;
            let start = changed && width > 0 && !st.warming && !st.index.is_empty();
            if start {
                st.warming = true;
            }
            start
        };
        if start {
            crate::geometry::spawn_warmer(Arc::downgrade(&self.shared));
        }
    }

    /// Is a geometry warmer running (for tests and `stats`)?
    pub fn geometry_warming(&self) -> bool {
        self.lock().warming
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.shared.lock()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Append a row; returns its row number. Blocks only when the compression queue is full.
    pub fn push(&self, row: RowRef<'_>) -> Result<u64, StoreError> {
        self.push_row(row, false)
    }

    /// [`Store::push`] for a writer holding a lock others need (the server's terminals): it
    /// never waits for compression while the open segment has room. A segment due to be
    /// sealed when no in-flight slot is free is sealed later, by [`Store::relieve`], which the
    /// writer calls once it holds no such lock (the server: after each 4 KiB of output, with
    /// the pane's terminal unlocked). Only an open segment at its hard limit
    /// (`MAX_ROWS_PER_SEGMENT` rows, or three seal thresholds) waits here: it is due
    /// [`SEAL_ROOM_ROWS`] rows and a threshold before that, which ordinary output between two
    /// reliefs does not fill.
    pub fn push_deferring(&self, row: RowRef<'_>) -> Result<u64, StoreError> {
        self.push_row(row, true)
    }

    fn push_row(&self, row: RowRef<'_>, defer: bool) -> Result<u64, StoreError> {
        let cfg_bytes = self.shared.env.config.segment_bytes;
        let (n, due, full) = {
            let mut st = self.lock();
            let n = st.next_row();
            st.quiet = false;
            st.open.push(row);
            let (rows, raw) = (st.open.len(), st.open.raw_bytes());
            let full = rows >= MAX_ROWS_PER_SEGMENT || raw >= 3 * cfg_bytes;
            // Sealed where it becomes due; a deferring writer's segment is due a little
            // earlier by rows, to leave the room it may need while its seal waits.
            let rows_due = if defer {
                MAX_ROWS_PER_SEGMENT - SEAL_ROOM_ROWS
            } else {
                MAX_ROWS_PER_SEGMENT
            };
            let due = full
                || rows >= rows_due
                || raw >= 2 * cfg_bytes
                || (raw >= cfg_bytes && !st.open.ends_wrapped());
            (n, due, full)
        };
        if !due {
            return Ok(n);
        }
        if !defer || full {
            self.shared.seal_and_submit();
        } else if self.shared.env.try_acquire_slot() {
            self.shared.seal_and_submit_with_slot();
        } else {
            self.lock().seal_owed = true;
        }
        Ok(n)
    }

    /// Seal the open segment if [`Store::push_deferring`] left it due (waiting for an in-flight slot).
    /// Call with no lock held that others need: this is where a writer waits for compression.
    pub fn relieve(&self) {
        if self.lock().seal_owed {
            self.shared.seal_and_submit();
        }
    }

    /// The pane went quiet: the open segment gives back the room it kept for rows to come,
    /// when that is more than the rows it holds (see `SegmentBuf::shrink_idle`), and the
    /// index is packed (`index.rs`: 160 KiB → ~38 KiB after 1 GiB) until it is next needed.
    /// [`Env::trim`] does this for every store at once.
    pub fn trim(&self) {
        self.shared.trim();
    }

    /// Is the index packed (for tests)?
    #[doc(hidden)]
    pub fn index_packed(&self) -> bool {
        self.lock().index.is_packed()
    }

    /// No rows are coming for a long while (the pane's program ended): seal the open segment
    /// if it holds at least `min_bytes` of rows (as a seal at `segment_bytes` counts them), so
    /// they go to disk and leave memory, and give back the room the next open segment was
    /// given. Waits for an in-flight slot, as a full segment's seal does, but not for the
    /// write.
    pub fn seal_now(&self, min_bytes: usize) {
        if self.lock().open.raw_bytes() >= min_bytes {
            self.shared.seal_and_submit();
        }
        self.trim();
    }

    /// Make everything pushed so far durable: seal the open segment, wait for it to be
    /// written, fsync. Returns the last write error, if any happened since the previous flush.
    pub fn flush(&self) -> Result<(), StoreError> {
        self.shared.seal_and_submit();
        let mut st = self.lock();
        while st.write_seq < st.next_seq || st.enforcing > 0 || st.writing {
            st = self
                .shared
                .drained
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
        if let Some(e) = st.unreported_error.take() {
            return Err(StoreError::Write(e));
        }
        st.file.sync()
    }

    /// Write a checkpoint (see [`crate::checkpoint`]): every row not in `history.seg` yet, then
    /// `extra` (numbered after them, as if pushed next: the pane's screen). Replaces the last
    /// one. Takes the lock only to copy what is to be written.
    pub fn checkpoint(&self, extra: &[Row]) -> Result<(), StoreError> {
        let parts = self.checkpoint_parts();
        self.write_checkpoint(parts, extra)
    }

    /// The rows a checkpoint holds of the store (those not in `history.seg` yet), copied
    /// under its lock. Taken together with `extra` rows read from the emulator under the
    /// emulator's lock, the two agree: no row scrolls into the store between them.
    pub fn checkpoint_parts(&self) -> CheckpointParts {
        let st = self.lock();
        CheckpointParts {
            segs: st
                .pending
                .iter()
                .map(|p| (p.first_row, p.seg.clone()))
                .collect(),
            open_first: st.open_first,
            open: (!st.open.is_empty()).then(|| st.open.clone()),
        }
    }

    /// Write a checkpoint of `parts` then `extra` (see [`Store::checkpoint`]). Nothing is
    /// written once the checkpoint was retired.
    pub fn write_checkpoint(
        &self,
        parts: CheckpointParts,
        extra: &[Row],
    ) -> Result<(), StoreError> {
        if self.retired.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        let mut frames = Vec::with_capacity(parts.segs.len() + 2);
        let mut scratch = crate::checkpoint::FrameScratch::default();
        for (first, seg) in &parts.segs {
            frames.push(crate::checkpoint::encode_frame(*first, seg, &mut scratch)?);
        }
        let mut next = parts.open_first;
        if let Some(open) = &parts.open {
            frames.push(crate::checkpoint::encode_frame(
                parts.open_first,
                open,
                &mut scratch,
            )?);
            next += open.len() as u64;
        }
        if !extra.is_empty() {
            let seg = crate::checkpoint::segment_of(extra);
            frames.push(crate::checkpoint::encode_frame(next, &seg, &mut scratch)?);
        }
        crate::checkpoint::write(&self.dir, &frames)
    }

    /// Remove the checkpoint: call after [`Store::flush`] once nothing beyond history needs
    /// keeping (a clean shutdown, whose screen rows were pushed).
    pub fn remove_checkpoint(&self) {
        crate::checkpoint::remove(&self.dir);
    }

    /// Remove the checkpoint for good: the history is closed (its screen pushed and
    /// flushed), and a checkpoint written after this would bring rows back twice.
    pub fn retire_checkpoint(&self) {
        self.retired
            .store(true, std::sync::atomic::Ordering::Release);
        crate::checkpoint::remove(&self.dir);
    }

    /// Forget all history (ED 3, `clear-history`). Row numbers keep counting.
    pub fn clear(&self) -> Result<(), StoreError> {
        crate::checkpoint::remove(&self.dir);
        let mut st = self.lock();
        // A frame being written lands where the file ended: not truncated under it.
        while st.writing {
            st = self
                .shared
                .drained
                .wait(st)
                .unwrap_or_else(|p| p.into_inner());
        }
        let next = st.next_row();
        st.open = SegmentBuf::new();
        st.open_first = next;
        st.open_carry = 0;
        st.image_floors.clear();
        st.pending.clear();
        st.discard_below = st.next_seq;
        let cache = &self.shared.env.cache;
        for e in st.index.take() {
            cache.remove((self.shared.id, e.first_row));
        }
        self.shared
            .env
            .total_disk
            .fetch_sub(st.disk_bytes, Ordering::Relaxed);
        st.disk_bytes = 0;
        st.disk_raw_bytes = 0;
        st.file.truncate_all(next)
    }

    /// The smallest image id (`Style::image`) any row kept here may show, `None` if no row
    /// shows an image. Ids below it are shown by no row of this history: the server deletes
    /// image files only no history or screen shows. Segments written before format 3 do not
    /// say, and count as showing every id from 1.
    pub fn image_floor(&self) -> Option<u32> {
        let st = self.lock();
        st.image_floors
            .iter()
            .map(|f| f.1)
            .chain((st.open.min_image() != 0).then_some(st.open.min_image()))
            .min()
    }

    /// Number of the oldest row kept.
    pub fn first_row(&self) -> u64 {
        self.lock().first_row()
    }

    /// Number the next pushed row will get (one past the newest row).
    pub fn next_row(&self) -> u64 {
        self.lock().next_row()
    }

    /// Rows kept.
    pub fn len(&self) -> u64 {
        let st = self.lock();
        st.next_row() - st.first_row()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One row, or `None` if it is not (or no longer) kept. A row of a lost range is its
    /// marker (the range's first row) or an empty continuation of it.
    pub fn get(&self, row: u64) -> Result<Option<Row>, StoreError> {
        match self.shared.fetch(row)? {
            Fetched::Row(r) => Ok(Some(r)),
            Fetched::Seg(first, seg) => Ok(Some(decode_row(&seg, first, row)?)),
            Fetched::Lost { first, marker, .. } if row == first => Ok(Some(marker)),
            Fetched::Lost { end, .. } => Ok(Some(Row {
                flags: if row + 1 < end {
                    spool_cells::RowFlags::WRAPPED
                } else {
                    Default::default()
                },
                ..Row::default()
            })),
            Fetched::Gone => Ok(None),
        }
    }

    /// Rows of `range` (clipped to what is kept), oldest first. A range lost to a failed
    /// write comes as one row, its marker `[rows A..B lost: REASON]`, at its first row
    /// number; the iteration goes on after it.
    pub fn range(&self, range: Range<u64>) -> Rows<'_> {
        let (first, next) = {
            let st = self.lock();
            (st.first_row(), st.next_row())
        };
        Rows {
            store: self,
            front: range.start.max(first),
            back: range.end.min(next),
            cur: None,
        }
    }

    /// The last `n` rows, oldest first.
    pub fn tail(&self, n: usize) -> Result<Vec<Row>, StoreError> {
        let next = self.next_row();
        self.range(next.saturating_sub(n as u64)..next)
            .map(|r| r.map(|(_, row)| row))
            .collect()
    }

    /// Where bulk work for this store runs (see `placement.rs`); the server's parser of a pane
    /// whose output is bulk and cheap to parse joins it there.
    pub fn work_cpus(&self) -> &crate::WorkCpus {
        self.shared.work_cpus()
    }

    /// Counters for this store.
    pub fn stats(&self) -> StoreStats {
        let st = self.lock();
        let open_bytes = st.open.heap_bytes();
        let pending_bytes: usize = st.pending.iter().map(|p| p.seg.heap_bytes()).sum();
        let index_bytes =
            st.index.heap_bytes() + st.image_floors.capacity() * std::mem::size_of::<(u64, u32)>();
        let rows_in_memory =
            st.open.len() as u64 + st.pending.iter().map(|p| p.seg.len() as u64).sum::<u64>();
        let first_row = st.first_row();
        let next_row = st.next_row();
        StoreStats {
            first_row,
            next_row,
            rows: next_row - first_row,
            rows_in_memory,
            rows_on_disk: (next_row - first_row).saturating_sub(rows_in_memory),
            open_bytes,
            pending_bytes,
            index_bytes,
            memory_bytes: open_bytes + pending_bytes + index_bytes,
            disk_bytes: st.disk_bytes,
            uncompressed_bytes: st.disk_raw_bytes,
            segments: st.index.len(),
            lost_rows: st.lost_rows,
            last_error: st.last_error.clone(),
        }
    }

    /// The segment holding `row` (the open one is copied: it is at most one segment).
    pub(crate) fn segment_at(&self, row: u64) -> Result<Option<SegRef>, StoreError> {
        self.shared.segment_at(row, true)
    }

    /// First rows of the segments holding rows of `range`, oldest first (no data is read).
    /// Bounded by `max_segments` plus the few in memory.
    pub(crate) fn segment_starts(&self, range: Range<u64>) -> Vec<u64> {
        let mut st = self.lock();
        let mut v: Vec<u64> = Vec::new();
        let from = st
            .index
            .entries()
            .partition_point(|e| e.end_row() <= range.start);
        for e in st.index.entries().range(from..) {
            if e.first_row >= range.end {
                break;
            }
            v.push(e.first_row);
        }
        for p in &st.pending {
            if p.first_row < range.end && p.first_row + p.seg.len() as u64 > range.start {
                v.push(p.first_row);
            }
        }
        if !st.open.is_empty() && st.open_first < range.end {
            v.push(st.open_first.max(range.start));
        }
        v
    }

    /// Can the on-disk segment starting at `first_row` be skipped by a search that needs one of
    /// `needles`? Only when its filter (read alone, a few KiB) says none is there, and no
    /// logical line runs into it or out of it (such a line is searched whole, across the
    /// boundary, where neither segment's filter sees it all).
    pub(crate) fn segment_excluded(&self, first_row: u64, needles: &[Vec<u8>]) -> bool {
        let (file, e) = {
            let mut st = self.lock();
            let Some(i) = st.index.find(first_row) else {
                return false;
            };
            let entries = st.index.entries();
            let e = entries[i];
            let ends_line = entries.get(i + 1).is_some_and(|n| n.carry_in == 0);
            if e.offset == LOST || e.filter_log2 == 0 || e.carry_in != 0 || !ends_line {
                return false;
            }
            (st.file.file.clone(), e)
        };
        SegFile::read_filter(&file, e.offset, e.comp_len, e.filter_log2)
            .and_then(|f| crate::filter::may_contain(&f, needles))
            == Some(false)
    }

    /// As [`Store::segment_at`], for one-pass scans (search): uses the cache but does not
    /// fill it, and decodes with the scanning thread's `scratch` into `spare` (a segment
    /// the scan is done with) when there is one, so a scan allocates nothing per segment.
    pub(crate) fn segment_for_scan(
        &self,
        row: u64,
        scratch: &mut crate::segfile::ScanScratch,
        spare: Option<SegmentBuf>,
    ) -> Result<Option<SegRef>, StoreError> {
        self.shared.segment_at_with(row, Some((scratch, spare)))
    }

    /// Cached display-row count of the on-disk segment starting at `first_row`, at `width`.
    pub(crate) fn geo_get(&self, first_row: u64, width: u16) -> Option<u32> {
        let mut st = self.lock();
        let e = st.index.holding(first_row)?;
        (e.first_row == first_row && e.geo_width == width).then_some(e.geo_rows)
    }

    /// For the on-disk segment holding `row`: (first row, end row, display rows at `width`)
    /// when that count is cached, or estimated while a warmer is counting at `width` —
    /// geometry walks then skip reading the segment at all.
    pub(crate) fn geo_span(&self, row: u64, width: u16) -> Option<(u64, u64, u64)> {
        let mut st = self.lock();
        let e = st.index.holding(row)?;
        if e.offset == LOST {
            return None;
        }
        let rows = if e.geo_width == width {
            e.geo_rows as u64
        } else if st.warming && st.width_hint == width {
            crate::geometry::estimate_rows(e.geo_width, e.geo_rows, e.row_count, width)
        } else {
            return None;
        };
        Some((e.first_row, e.end_row(), rows))
    }

    pub(crate) fn geo_put(&self, first_row: u64, width: u16, rows: u32) {
        self.shared.geo_put(first_row, width, rows)
    }
}

/// What the geometry warmer (`geometry.rs`) needs of a store it holds only weakly.
impl Shared {
    /// The width to count at, or `None` (and the warming flag cleared) once every on-disk
    /// segment before `before` has its count at that width or the store is gone.
    pub(crate) fn warm_next(&self, before: u64) -> Option<(u16, u64)> {
        let mut st = self.lock();
        let width = st.width_hint;
        let upto = st.index.entries().partition_point(|e| e.first_row < before);
        let next = st
            .index
            .entries()
            .range(..upto)
            .rev()
            .find(|e| e.geo_width != width && e.offset != LOST);
        match next {
            Some(e) if width > 0 => Some((width, e.first_row)),
            _ => {
                st.warming = false;
                None
            }
        }
    }

    /// The width warming counts at now (it restarts from the newest when this changes).
    pub(crate) fn warm_width(&self) -> u16 {
        self.lock().width_hint
    }

    /// Carry-in to count a segment with: none for the oldest kept one (its line's head is gone).
    pub(crate) fn carry_for(&self, first_row: u64, carry_in: u32) -> u32 {
        if first_row <= self.lock().first_row() {
            0
        } else {
            carry_in
        }
    }

    pub(crate) fn stop_warming(&self) {
        self.lock().warming = false;
    }

    /// The warmer's count of a segment at `width`: kept only if the pane is still at that
    /// width (a count at the old width must not replace one the workers made at the new).
    pub(crate) fn warm_put(&self, first_row: u64, width: u16, rows: u32) {
        let mut st = self.lock();
        if st.width_hint == width {
            st.put_geo(first_row, width, rows);
        }
    }

    pub(crate) fn geo_put(&self, first_row: u64, width: u16, rows: u32) {
        self.lock().put_geo(first_row, width, rows);
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::error!(dir = %self.dir.display(), error = %e, "history not fully saved");
        }
        self.shared.env.cache.remove_store(self.shared.id);
        let st = self.lock();
        self.shared
            .env
            .total_disk
            .fetch_sub(st.disk_bytes, Ordering::Relaxed);
    }
}

fn decode_row(seg: &SegmentBuf, first: u64, row: u64) -> Result<Row, StoreError> {
    seg.row((row - first) as usize)
        .map_err(|e| StoreError::Corrupt {
            what: format!("row {row}"),
            reason: e.0.to_string(),
        })
}

/// Held by the worker writing a store's segments: if it unwinds, `writing` is cleared, so
/// that the next worker to finish one writes in its place and `flush` and `clear` do not
/// wait for it for good.
struct WriterUnwinding<'a>(&'a Shared);

impl Drop for WriterUnwinding<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.lock().writing = false;
            self.0.drained.notify_all();
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn disk_bytes(&self) -> u64 {
        self.lock().disk_bytes
    }

    /// See [`Store::trim`].
    pub(crate) fn trim(&self) {
        Self::trim_locked(&mut self.lock());
    }

    /// [`Shared::trim`] if the store's lock is free now; nothing if it is held.
    pub(crate) fn try_trim(&self) {
        let mut st = match self.state.try_lock() {
            Ok(st) => st,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        Self::trim_locked(&mut st);
    }

    fn trim_locked(st: &mut State) {
        st.quiet = true;
        st.open.shrink_idle();
        st.index.pack();
    }

    /// Seal the open segment (if it has rows) and queue it for compression. Waits first for
    /// one of the env's in-flight slots, so sealed-but-unwritten segments stay bounded however
    /// the workers are scheduled.
    fn seal_and_submit(self: &Arc<Self>) {
        self.env.acquire_slot();
        self.seal_and_submit_with_slot();
    }

    /// [`Shared::seal_and_submit`] with the slot already taken.
    fn seal_and_submit_with_slot(self: &Arc<Self>) {
        let job = {
            let mut st = self.lock();
            (!st.open.is_empty()).then(|| self.seal(&mut st))
        };
        match job {
            Some(job) => self.env.submit(job),
            None => self.env.release_slots(1),
        }
    }

    /// Seal the open segment into a pending one and make its compression job.
    fn seal(self: &Arc<Self>, st: &mut State) -> Job {
        // A pane that filled a segment is likely to fill the next: start it at the same size
        // rather than growing it by doubling (and churning the allocator) again.
        let next = SegmentBuf::with_capacity_like(&st.open);
        let mut seg = std::mem::replace(&mut st.open, next);
        seg.shrink_to_fit();
        let seg = Arc::new(seg);
        st.seal_owed = false;
        let first_row = st.open_first;
        let carry_in = st.open_carry;
        st.open_first += seg.len() as u64;
        st.open_carry = trailing_carry(&seg, carry_in);
        let min_image = seg.min_image();
        if min_image != 0 {
            st.image_floors.push_back((first_row, min_image));
        }
        let seq = st.next_seq;
        st.next_seq += 1;
        st.pending.push_back(Pending {
            seq,
            first_row,
            carry_in,
            min_image,
            seg: seg.clone(),
        });
        Job {
            shared: self.clone(),
            seq,
            seg,
            carry_in,
            geo_width: st.width_hint,
        }
    }

    /// A worker finished segment `seq`: write every segment now ready, in order, unless
    /// another worker is writing (`writing`), which then writes this one too.
    fn complete(&self, seq: u64, res: Result<Compressed, String>) {
        let mut done = 0;
        {
            // Declared before the lock's guard, so dropped after it when unwinding.
            let _unwinding;
            let mut st = self.lock();
            st.ready.insert(seq, res);
            // One writer at a time, in order: a worker that finishes while another writes
            // leaves its segment in `ready`, where the writer finds it before it stops.
            if st.writing {
                return;
            }
            st.writing = true;
            _unwinding = WriterUnwinding(self);
            loop {
                let seq = st.write_seq;
                let Some(res) = st.ready.remove(&seq) else {
                    break;
                };
                st.write_seq += 1;
                done += 1;
                if seq < st.discard_below {
                    continue;
                }
                if st.pending.front().is_none_or(|p| p.seq != seq) {
                    debug_assert!(false, "segment {seq} written out of order");
                    break;
                }
                st = self.write_segment(st, res);
            }
            st.writing = false;
            self.prune_for_pane(&mut st);
            if st.quiet && st.pending.is_empty() {
                st.index.pack();
            }
            st.enforcing += 1;
        }
        self.env.release_slots(done);
        // Budgets hold before anyone waiting in `flush` is told the segments are written.
        self.env.enforce_total();
        self.lock().enforcing -= 1;
        self.drained.notify_all();
    }

    /// Write the oldest pending segment, compressed as `res`. It stays in `pending` (where
    /// readers find its rows) until its entry is in the index; the frame goes to the file
    /// with the lock released, so a stalled disk stalls this worker, never the pane's writer,
    /// its readers, `stats` or the server's trim. Only the worker that set `writing` calls
    /// this, so nothing else appends to the file or truncates it meanwhile.
    fn write_segment<'a>(
        &'a self,
        mut st: MutexGuard<'a, State>,
        res: Result<Compressed, String>,
    ) -> MutexGuard<'a, State> {
        let Some(p) = st.pending.front() else {
            return st;
        };
        let (first_row, carry_in, min_image, rows) =
            (p.first_row, p.carry_in, p.min_image, p.seg.len());
        let mut entry = Entry {
            first_row,
            offset: LOST,
            comp_len: 0,
            raw_len: 0,
            carry_in,
            geo_rows: 0,
            row_count: rows as u16,
            geo_width: 0,
            filter_log2: 0,
        };
        let written = match res {
            Err(e) => Err(e),
            Ok(mut c) => {
                let comp = &c.frame[HEADER_LEN..HEADER_LEN + c.comp_len as usize];
                let header = Header {
                    row_count: rows as u32,
                    first_row,
                    raw_len: c.raw_len,
                    comp_len: comp.len() as u32,
                    carry_in,
                    crc: crc32fast::hash(comp),
                    filter_log2: c.filter_log2,
                    min_image,
                    version: crate::FORMAT_VERSION,
                };
                let to = st.file.appender();
                drop(st);
                if let Some(hook) = &self.env.stall_writes {
                    while hook.exists() {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                }
                let res = to.write(&header, &mut c.frame);
                st = self.lock();
                match res {
                    Ok(()) => {
                        st.file.appended(to.off, c.frame.len() as u64);
                        Ok((to.off, header, c.geo))
                    }
                    Err(e) => Err(st.file.write_error(e).to_string()),
                }
            }
        };
        st.pending.pop_front();
        match written {
            Ok((off, h, geo)) => {
                // A count at a width the pane has left since is not kept: the warmer may
                // have passed this segment while it was being compressed.
                if let Some((w, n)) = geo.filter(|g| g.0 == st.width_hint) {
                    entry.geo_width = w;
                    entry.geo_rows = n;
                }
                entry.offset = off;
                entry.comp_len = h.comp_len;
                entry.filter_log2 = h.filter_log2;
                entry.raw_len = h.raw_len;
                st.disk_bytes += entry.disk_len();
                st.disk_raw_bytes += h.raw_len as u64;
                self.env
                    .total_disk
                    .fetch_add(entry.disk_len(), Ordering::Relaxed);
                // Not cached here: most history is never read back, and a flood of output
                // would otherwise keep the cache full of segments nobody asked for.
                if st.error_logged_at.take().is_some() {
                    tracing::info!(
                        lost_rows = st.lost_rows,
                        "history writing resumed (rows lost so far are marked in place)"
                    );
                    st.errors_unlogged = 0;
                }
            }
            Err(e) => {
                st.lost_rows += rows as u64;
                let due = st
                    .error_logged_at
                    .is_none_or(|t| t.elapsed() >= ERROR_LOG_EVERY);
                if due {
                    tracing::error!(
                        rows,
                        lost_rows = st.lost_rows,
                        failures_not_logged = st.errors_unlogged,
                        error = %e,
                        "history segment lost: write failed (logged at most once a minute)"
                    );
                    st.error_logged_at = Some(std::time::Instant::now());
                    st.errors_unlogged = 0;
                } else {
                    st.errors_unlogged += 1;
                }
                st.unreported_error = Some(e.clone());
                st.last_error = Some(e);
            }
        }
        st.index.push(entry);
        st
    }

    fn enforce_pane_retention(&self) {
        let mut st = self.lock();
        self.prune_for_pane(&mut st);
    }

    fn prune_for_pane(&self, st: &mut State) {
        let limit = self.env.config.retention_pane_bytes;
        while st.index.len() > self.env.config.max_segments
            || (limit > 0 && st.disk_bytes > limit && st.index.len() > 1)
        {
            self.prune_front(st);
        }
    }

    /// Drop this store's oldest segment (for the total budget). False if it has none to give.
    pub(crate) fn prune_oldest_one(&self) -> bool {
        let mut st = self.lock();
        if st.index.len() <= 1 {
            return false;
        }
        self.prune_front(&mut st);
        true
    }

    fn prune_front(&self, st: &mut State) {
        let Some(e) = st.index.entries().pop_front() else {
            return;
        };
        // The new oldest segment's first line lost its head: geometry counts it from column 0
        // now, so a count cached with its carry-in no longer holds.
        if let Some(front) = st.index.entries().front_mut() {
            if front.carry_in > 0 {
                front.geo_width = 0;
            }
        }
        self.env.cache.remove((self.id, e.first_row));
        while st.image_floors.front().is_some_and(|f| f.0 < e.end_row()) {
            st.image_floors.pop_front();
        }
        st.disk_bytes -= e.disk_len();
        st.disk_raw_bytes -= e.raw_len as u64;
        self.env
            .total_disk
            .fetch_sub(e.disk_len(), Ordering::Relaxed);
        let head = Head {
            offset: st
                .index
                .entries()
                .iter()
                .find(|n| n.offset != LOST)
                .map_or(st.file.end, |n| n.offset),
            next_row: st.first_row(),
        };
        if let Err(err) = st.file.write_head(head, false) {
            tracing::warn!(error = %err, "could not record pruned history start");
        }
        st.file.punch_before(head.offset);
    }

    fn fetch(&self, row: u64) -> Result<Fetched, StoreError> {
        let (entry, file) = {
            let mut st = self.lock();
            if row < st.first_row() || row >= st.next_row() {
                return Ok(Fetched::Gone);
            }
            if row >= st.open_first {
                return st
                    .open
                    .row((row - st.open_first) as usize)
                    .map(Fetched::Row)
                    .map_err(|e| StoreError::Corrupt {
                        what: format!("row {row}"),
                        reason: e.0.to_string(),
                    });
            }
            if let Some(p) = st
                .pending
                .iter()
                .find(|p| row >= p.first_row && row < p.first_row + p.seg.len() as u64)
            {
                return Ok(Fetched::Seg(p.first_row, p.seg.clone()));
            }
            let Some(e) = st.index.holding(row) else {
                return Ok(Fetched::Gone);
            };
            if e.offset == LOST {
                let reason = short_reason(st.last_error.as_deref().unwrap_or(""));
                let marker = Row::plain(format!(
                    "[rows {}..{} lost: {reason}]",
                    e.first_row,
                    e.end_row()
                ));
                return Ok(Fetched::Lost {
                    first: e.first_row,
                    end: e.end_row(),
                    marker,
                });
            }
            (e, st.file.file.clone())
        };
        self.load(entry, &file, None)
            .map(|seg| seg.map_or(Fetched::Gone, |s| Fetched::Seg(entry.first_row, s)))
    }

    /// Read a segment from the cache or disk. `None` if it was pruned while being read.
    /// `keep`: put what was read from disk into the cache (not for one-pass scans, which
    /// would only push out what readers are looking at).
    /// Read and decode the on-disk segment `e`, through the cache. A scan (`Some`) decodes
    /// with its scratch into its spare segment, and leaves the cache as it was.
    fn load(
        &self,
        e: Entry,
        file: &File,
        scan: Option<(&mut crate::segfile::ScanScratch, Option<SegmentBuf>)>,
    ) -> Result<Option<Arc<SegmentBuf>>, StoreError> {
        let keep = scan.is_none();
        if e.offset == LOST {
            let reason = self.lock().last_error.clone().unwrap_or_default();
            return Ok(Some(Arc::new(lost_segment(
                e.first_row,
                e.end_row(),
                short_reason(&reason),
            ))));
        }
        let key = (self.id, e.first_row);
        if let Some(seg) = self.env.cache.get(key) {
            return Ok(Some(seg));
        }
        DECODED_HERE.set(DECODED_HERE.get() + 1);
        let mut own = crate::segfile::ScanScratch::default();
        let (scratch, spare) = match scan {
            Some((scratch, spare)) => (scratch, spare),
            None => (&mut own, None),
        };
        let mut seg = spare.unwrap_or_default();
        let result = SegFile::read_frame_into(file, e.offset, e.comp_len, &mut scratch.frame)
            .map_err(|err| err.to_string())
            .and_then(|()| {
                let frame = std::mem::take(&mut scratch.frame);
                let h = crate::segfile::Header::decode(&frame).map_err(str::to_string);
                let decoded = h.and_then(|h| {
                    if h.first_row != e.first_row || h.comp_len != e.comp_len {
                        return Err("header does not match the index".to_string());
                    }
                    let comp = &frame[HEADER_LEN..HEADER_LEN + h.comp_len as usize];
                    crate::segfile::decode_payload_into(&h, comp, scratch, &mut seg)
                        .map_err(str::to_string)
                });
                scratch.frame = frame;
                decoded
            })
            .map(|()| seg);
        match result {
            Ok(seg) => {
                let seg = Arc::new(seg);
                if keep {
                    self.env.cache.insert(key, seg.clone());
                }
                Ok(Some(seg))
            }
            Err(reason) => {
                let still_live = {
                    let mut st = self.lock();
                    st.index.starting_at(e.first_row).is_some()
                };
                if !still_live {
                    return Ok(None);
                }
                Err(StoreError::Corrupt {
                    what: format!(
                        "segment of rows {}..{} at byte {}",
                        e.first_row,
                        e.end_row(),
                        e.offset
                    ),
                    reason,
                })
            }
        }
    }

    pub(crate) fn segment_at(&self, row: u64, keep: bool) -> Result<Option<SegRef>, StoreError> {
        match keep {
            true => self.segment_at_with(row, None),
            false => {
                let mut scratch = crate::segfile::ScanScratch::default();
                self.segment_at_with(row, Some((&mut scratch, None)))
            }
        }
    }

    /// [`Shared::segment_at`]: a scan passes its scratch (and a spare segment to decode
    /// into), and does not fill the cache; others (`None`) fill it.
    fn segment_at_with(
        &self,
        row: u64,
        scan: Option<(&mut crate::segfile::ScanScratch, Option<SegmentBuf>)>,
    ) -> Result<Option<SegRef>, StoreError> {
        let (entry, file) = {
            let mut st = self.lock();
            if row < st.first_row() || row >= st.next_row() {
                return Ok(None);
            }
            if row >= st.open_first {
                return Ok(Some(SegRef {
                    first_row: st.open_first,
                    carry_in: st.open_carry,
                    seg: Arc::new(st.open.clone()),
                    is_last: true,
                }));
            }
            if let Some(p) = st
                .pending
                .iter()
                .find(|p| row >= p.first_row && row < p.first_row + p.seg.len() as u64)
            {
                return Ok(Some(SegRef {
                    first_row: p.first_row,
                    carry_in: p.carry_in,
                    seg: p.seg.clone(),
                    is_last: false,
                }));
            }
            let Some(e) = st.index.holding(row) else {
                return Ok(None);
            };
            (e, st.file.file.clone())
        };
        Ok(self.load(entry, &file, scan)?.map(|seg| SegRef {
            first_row: entry.first_row,
            carry_in: entry.carry_in,
            seg,
            is_last: false,
        }))
    }
}

/// Cells of the unfinished logical line at the end of `seg`, given what came before it.
fn trailing_carry(seg: &SegmentBuf, carry_in: u32) -> u32 {
    let mut cells: u64 = 0;
    for i in (0..seg.len()).rev() {
        let m = seg.meta(i).expect("index in range");
        if !m.wrapped() {
            return cells.min(u32::MAX as u64) as u32;
        }
        cells += seg.row_text(i).map_or(0, spool_cells::width::str_width) as u64;
    }
    (cells + carry_in as u64).min(u32::MAX as u64) as u32
}

/// Iterator over a range of rows; see [`Store::range`]. Double-ended: `.rev()` walks backward.
pub struct Rows<'a> {
    store: &'a Store,
    front: u64,
    back: u64,
    cur: Option<(u64, Arc<SegmentBuf>)>,
}

/// What [`Rows`] found at a row.
enum Read {
    Row(Result<Row, StoreError>),
    /// A lost range: its marker, and the rows it stands for.
    Lost(Range<u64>, Row),
    Gone,
}

impl Rows<'_> {
    fn read(&mut self, row: u64) -> Read {
        if let Some((first, seg)) = &self.cur {
            if row >= *first && row < first + seg.len() as u64 {
                return Read::Row(decode_row(seg, *first, row));
            }
        }
        match self.store.shared.fetch(row) {
            Ok(Fetched::Row(r)) => Read::Row(Ok(r)),
            Ok(Fetched::Seg(first, seg)) => {
                let r = decode_row(&seg, first, row);
                self.cur = Some((first, seg));
                Read::Row(r)
            }
            Ok(Fetched::Lost { first, end, marker }) => Read::Lost(first..end, marker),
            Ok(Fetched::Gone) => Read::Gone,
            Err(e) => Read::Row(Err(e)),
        }
    }
}

impl Iterator for Rows<'_> {
    type Item = Result<(u64, Row), StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.front < self.back {
            let row = self.front;
            self.front += 1;
            match self.read(row) {
                Read::Row(r) => return Some(r.map(|r| (row, r))),
                Read::Lost(lost, marker) => {
                    self.front = self.front.max(lost.end);
                    return Some(Ok((lost.start.max(row), marker)));
                }
                // Pruned while we walked: skip ahead to what is still kept.
                Read::Gone => self.front = self.front.max(self.store.first_row()),
            }
        }
        None
    }
}

impl DoubleEndedIterator for Rows<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        while self.front < self.back {
            self.back -= 1;
            let row = self.back;
            match self.read(row) {
                Read::Row(r) => return Some(r.map(|r| (row, r))),
                Read::Lost(lost, marker) => {
                    let at = lost.start.max(self.front);
                    self.back = at;
                    return Some(Ok((at, marker)));
                }
                Read::Gone => {
                    if row < self.store.first_row() {
                        self.back = self.front;
                    }
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A segment's write to a stalled disk holds no lock: the pane's writer pushes on until
    /// the in-flight slots are full, and reads and `stats` answer meanwhile, the rows being
    /// written included.
    #[test]
    fn a_write_stalled_on_disk_holds_up_neither_the_writer_nor_readers() {
        let dir = tempfile::tempdir().unwrap();
        let stall = dir.path().join("stall");
        std::fs::write(&stall, b"").unwrap();
        let env = Env::with_stall_writes(
            crate::StoreConfig {
                segment_bytes: 4096,
                ..crate::StoreConfig::default()
            },
            Some(stall.clone()),
        );
        let store = Store::open(&env, dir.path().join("h")).unwrap();
        let row = |n: usize| Row {
            text: format!("row {n:06} {}", "x".repeat(100)),
            ..Row::default()
        };
        // A little over one segment: the first is sealed and its write stalls.
        for n in 0..50 {
            store.push(row(n).as_ref()).unwrap();
        }
        store.relieve();
        let t0 = std::time::Instant::now();
        while store.lock().pending.is_empty() && t0.elapsed().as_secs() < 10 {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                for n in 50..60 {
                    store.push_deferring(row(n).as_ref()).unwrap();
                }
                let first = store.get(0).unwrap();
                let _ = tx.send((store.stats(), first));
            });
            let answered = rx.recv_timeout(std::time::Duration::from_secs(10));
            std::fs::remove_file(&stall).unwrap();
            let (st, first) = answered.expect("a stalled write held the store's lock");
            assert_eq!(st.next_row, 60);
            assert_eq!(first, Some(row(0)));
        });
        store.flush().unwrap();
        assert_eq!(store.stats().rows_in_memory, 0);
        for n in [0, 49, 59] {
            assert_eq!(store.get(n).unwrap(), Some(row(n as usize)));
        }
    }

    /// The server's quiet trim runs on its accept loop: a store whose lock is held (by a
    /// retention prune rewriting `head` on a stalled disk, say) is left for the next trim,
    /// never waited for.
    #[test]
    fn the_env_s_trim_leaves_a_store_whose_lock_is_held_for_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let env = Env::new(crate::StoreConfig {
            segment_bytes: 4096,
            ..crate::StoreConfig::default()
        });
        let store = Store::open(&env, dir.path()).unwrap();
        let row = Row {
            text: "x".repeat(100),
            ..Row::default()
        };
        for _ in 0..2000 {
            store.push(row.as_ref()).unwrap();
        }
        store.flush().unwrap();
        assert!(store.stats().segments > 10);
        assert!(!store.index_packed());
        let held = store.shared.lock();
        let (tx, rx) = std::sync::mpsc::channel();
        let other = env.clone();
        std::thread::spawn(move || {
            other.trim();
            let _ = tx.send(());
        });
        let waited = rx.recv_timeout(std::time::Duration::from_secs(10)).is_err();
        drop(held);
        assert!(!waited, "the env's trim waited for a held store lock");
        assert!(!store.index_packed());
        env.trim();
        assert!(store.index_packed());
    }
}
