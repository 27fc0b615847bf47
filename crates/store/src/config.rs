//! Tunables of the store, with their defaults and the hard limits that clamp them.

use crate::cache::DEFAULT_CACHE_BYTES;

/// Default size at which the open segment is sealed: 256 KiB of encoded rows, about 2,000
/// colored log lines. Large enough for zstd to find long-range repetition (≈10:1 on logs),
/// small enough that a random cold read decompresses in well under a millisecond and that the
/// open segment — the one part of history in RAM per pane — stays small.
pub const DEFAULT_SEGMENT_BYTES: usize = 256 * 1024;

/// Bounds on the seal threshold. The upper one keeps every segment (which may overshoot the
/// threshold to keep a logical line whole or while its seal waits, see `Store::push`) under
/// [`crate::MAX_SEGMENT_RAW_BYTES`].
pub const MIN_SEGMENT_BYTES: usize = 4 * 1024;
pub const MAX_SEGMENT_BYTES: usize = 1024 * 1024;

/// zstd level 3: zstd's default, ~300+ MB/s per core with ratios near level 9 on log text.
pub const DEFAULT_ZSTD_LEVEL: i32 = 3;

/// Default per-pane disk budget: 1 GiB ≈ 35 million colored log lines at ~30 bytes each.
pub const DEFAULT_RETENTION_PANE_BYTES: u64 = 1024 * 1024 * 1024;

/// Segments waiting for compression across all panes. When compression lags, writers block
/// rather than queue: this many segments (each ≤ `MAX_SEGMENT_RAW_BYTES`) is the whole backlog.
/// Two keeps a worker busy while the next segment fills; more would only hold more memory.
pub const COMPRESS_QUEUE_DEPTH: usize = 2;

/// Configuration of an [`crate::Env`] and the stores opened in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreConfig {
    /// Seal the open segment at this many encoded bytes (clamped to
    /// [`MIN_SEGMENT_BYTES`]..=[`MAX_SEGMENT_BYTES`]).
    pub segment_bytes: usize,
    /// zstd compression level (clamped to 1..=19).
    pub zstd_level: i32,
    /// Disk bytes kept per pane; older segments are dropped beyond it. 0 = unlimited.
    pub retention_pane_bytes: u64,
    /// Disk bytes kept across all panes; the pane using most disk gives up its oldest segment
    /// first. 0 = unlimited.
    pub retention_total_bytes: u64,
    /// Capacity of the shared decompressed-segment cache, in bytes.
    pub cache_bytes: usize,
    /// Compression worker threads (at least 1).
    pub compress_threads: usize,
    /// Most segments indexed per pane (clamped to 1..=[`crate::MAX_SEGMENTS_PER_STORE`]).
    pub max_segments: usize,
    /// Where the compression workers and geometry warmers run (and, in the server, a pane's
    /// parser while its output is bulk and cheap to parse): all allowed CPUs but one, left to
    /// output chains (see `placement.rs`).
    pub work_cpus: crate::placement::WorkCpus,
}

impl Default for StoreConfig {
    fn default() -> Self {
        let work_cpus = crate::placement::WorkCpus::leave_one_for_output();
        StoreConfig {
            compress_threads: default_compress_threads(&work_cpus),
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            zstd_level: DEFAULT_ZSTD_LEVEL,
            retention_pane_bytes: DEFAULT_RETENTION_PANE_BYTES,
            retention_total_bytes: 0,
            cache_bytes: DEFAULT_CACHE_BYTES,
            max_segments: crate::MAX_SEGMENTS_PER_STORE,
            work_cpus,
        }
    }
}

/// One compression worker per CPU they may run on (the work CPUs, see `placement.rs`), at most
/// two: zstd -3 on one core (~300 MB/s of encoded rows) is below what one busy pane can print,
/// and the workers sleep when idle. On 2 cores the work CPU is one: a second worker there would
/// only hold a second zstd context and scratch (~1.5 MiB under load) and a slot in flight.
fn default_compress_threads(work: &crate::placement::WorkCpus) -> usize {
    let cpus = match work.cpus().len() {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    cpus.clamp(1, 2)
}

impl StoreConfig {
    pub(crate) fn clamped(mut self) -> StoreConfig {
        self.segment_bytes = self
            .segment_bytes
            .clamp(MIN_SEGMENT_BYTES, MAX_SEGMENT_BYTES);
        self.zstd_level = self.zstd_level.clamp(1, 19);
        self.compress_threads = self.compress_threads.clamp(1, 8);
        self.max_segments = self.max_segments.clamp(1, crate::MAX_SEGMENTS_PER_STORE);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_gets_a_worker_per_work_cpu_and_at_most_two() {
        let work = crate::placement::WorkCpus::leave_one_for_output();
        let n = default_compress_threads(&work);
        match work.cpus().len() {
            0 => assert!((1..=2).contains(&n)),
            k => assert_eq!(n, k.min(2)),
        }
        assert_eq!(StoreConfig::default().compress_threads, n);
    }
}
