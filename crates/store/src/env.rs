//! What the stores of one server share: configuration, the segment cache, the compression
//! workers and the total disk budget.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, Weak};

use crate::cache::SegmentCache;
use crate::config::{StoreConfig, COMPRESS_QUEUE_DEPTH};
use crate::store::{Job, Scratch, Shared};

pub(crate) struct EnvInner {
    pub config: StoreConfig,
    pub cache: SegmentCache,
    jobs: Mutex<Option<SyncSender<Job>>>,
    pub next_store_id: AtomicU64,
    pub total_disk: AtomicU64,
    stores: Mutex<Vec<Weak<Shared>>>,
    /// Sealed segments not yet written (see `store::in_flight_max`), and its wake-up.
    in_flight: Mutex<usize>,
    slot_freed: Condvar,
    /// Heap the compression workers keep between jobs: scratch buffers and zstd contexts.
    worker_bytes: Arc<AtomicUsize>,
    /// [`STALL_WRITES_HOOK`]'s file, if set when the env was made.
    pub stall_writes: Option<std::path::PathBuf>,
}

/// Shared state for all panes' stores. Cheap to clone.
#[derive(Clone)]
pub struct Env {
    pub(crate) inner: Arc<EnvInner>,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("config", &self.inner.config)
            .finish()
    }
}

impl Env {
    /// Start the compression workers and make the cache.
    pub fn new(config: StoreConfig) -> Env {
        Env::with_stall_writes(config, std::env::var_os(STALL_WRITES_HOOK).map(Into::into))
    }

    /// [`Env::new`], with [`STALL_WRITES_HOOK`]'s file given (tests in this crate, which
    /// share one process environment).
    pub(crate) fn with_stall_writes(
        config: StoreConfig,
        stall_writes: Option<std::path::PathBuf>,
    ) -> Env {
        let config = config.clamped();
        let (tx, rx) = sync_channel::<Job>(COMPRESS_QUEUE_DEPTH);
        let rx = Arc::new(Mutex::new(rx));
        let worker_bytes = Arc::new(AtomicUsize::new(0));
        for i in 0..config.compress_threads {
            let (rx, bytes) = (rx.clone(), worker_bytes.clone());
            let (level, cpus) = (config.zstd_level, config.work_cpus.clone());
            std::thread::Builder::new()
                .name(format!("spool-zstd-{i}"))
                .spawn(move || worker(rx, level, &cpus, &bytes))
                .expect("spawning a compression thread");
        }
        Env {
            inner: Arc::new(EnvInner {
                cache: SegmentCache::new(config.cache_bytes),
                config,
                jobs: Mutex::new(Some(tx)),
                next_store_id: AtomicU64::new(1),
                total_disk: AtomicU64::new(0),
                stores: Mutex::new(Vec::new()),
                in_flight: Mutex::new(0),
                slot_freed: Condvar::new(),
                worker_bytes,
                stall_writes,
            }),
        }
    }

    /// Heap the compression workers keep between jobs (each at most two maximal segments of
    /// scratch and one zstd context), for the memory accounts.
    pub fn worker_bytes(&self) -> usize {
        self.inner.worker_bytes.load(Ordering::Relaxed)
    }

    pub fn config(&self) -> &StoreConfig {
        &self.inner.config
    }

    /// The shared segment cache (for its stats).
    pub fn cache(&self) -> &SegmentCache {
        &self.inner.cache
    }

    /// Disk bytes used by all live stores of this env.
    pub fn total_disk_bytes(&self) -> u64 {
        self.inner.total_disk.load(Ordering::Relaxed)
    }

    /// Every store is quiet (the server's own quiet trim): each does what
    /// [`crate::Store::trim`] does, so that an index a read or a late write unpacked after
    /// its pane went quiet (a dead pane scrolled, the last segments written after the
    /// program ended) is packed again. Never waits: a store whose lock is held (by a
    /// retention prune rewriting its `head` on a stalled disk, say) is left for the next
    /// trim, so the caller (the server's accept loop) is never blocked. Takes one store's
    /// lock at a time.
    pub fn trim(&self) {
        for s in &self.inner.live_stores() {
            s.try_trim();
        }
    }
}

/// A writer waiting this long for an in-flight slot says so in the log (once per wait):
/// history is not being written (a hung disk, starved workers), and the pane's program waits
/// with it, which otherwise looks like a program that hangs for no reason. Long enough that
/// a disk that is only slow is not reported.
pub const SLOT_WAIT_LOGGED_AFTER: std::time::Duration = std::time::Duration::from_secs(10);

/// Test hook: while the file this variable names exists, the compression workers take no job
/// (tests of what a starved worker does to the rest of the server).
pub const STALL_HOOK: &str = "SPOOL_TEST_STALL_COMPRESSION";

/// Test hook: while the file this variable names (when the env is made) exists, a segment's
/// write waits just before it reaches the file, as a write to a stalled disk would.
pub const STALL_WRITES_HOOK: &str = "SPOOL_TEST_STALL_WRITES";

impl EnvInner {
    pub(crate) fn register(&self, s: &Arc<Shared>) {
        let mut v = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        v.retain(|w| w.strong_count() > 0);
        v.push(Arc::downgrade(s));
    }

    /// The stores still open, copied out of the list's lock so that each store's own lock
    /// is taken with no other held.
    fn live_stores(&self) -> Vec<Arc<Shared>> {
        let v = self.stores.lock().unwrap_or_else(|p| p.into_inner());
        v.iter().filter_map(|w| w.upgrade()).collect()
    }

    /// Wait for an in-flight slot (writers only; never called with a store lock held). A
    /// wait past [`SLOT_WAIT_LOGGED_AFTER`] is logged, and its end too.
    pub(crate) fn acquire_slot(&self) {
        let max = crate::store::in_flight_max(&self.config);
        let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let start = std::time::Instant::now();
        let mut logged = false;
        while *n >= max {
            n = self
                .slot_freed
                .wait_timeout(n, SLOT_WAIT_LOGGED_AFTER)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            if *n >= max && !logged && start.elapsed() >= SLOT_WAIT_LOGGED_AFTER {
                logged = true;
                tracing::warn!(
                    waited_secs = start.elapsed().as_secs(),
                    "history writing is stalled: a pane waits for its history to be \
                     compressed and written, and its program with it (is the disk hung?)"
                );
            }
        }
        if logged {
            tracing::info!(
                waited_secs = start.elapsed().as_secs(),
                "history writing resumed"
            );
        }
        *n += 1;
    }

    /// Take an in-flight slot if one is free, without waiting.
    pub(crate) fn try_acquire_slot(&self) -> bool {
        let max = crate::store::in_flight_max(&self.config);
        let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let free = *n < max;
        if free {
            *n += 1;
        }
        free
    }

    /// Give back `k` slots (segments written, failed or discarded).
    pub(crate) fn release_slots(&self, k: usize) {
        if k == 0 {
            return;
        }
        let mut n = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        *n = n.saturating_sub(k);
        drop(n);
        self.slot_freed.notify_all();
    }

    /// Queue a sealed segment; blocks while the queue is full. If the workers are gone (only
    /// during teardown) the job runs on the caller's thread.
    pub(crate) fn submit(&self, job: Job) {
        let tx = self.jobs.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let job = match tx {
            Some(tx) => match tx.try_send(job) {
                Ok(()) => return,
                Err(TrySendError::Full(job)) => match tx.send(job) {
                    Ok(()) => return,
                    Err(e) => e.0,
                },
                Err(TrySendError::Disconnected(job)) => job,
            },
            None => job,
        };
        let mut z = compressor(self.config.zstd_level);
        job.run(z.as_mut(), &mut Scratch::default());
    }

    /// Drop oldest segments from the largest stores until the total budget holds.
    pub(crate) fn enforce_total(&self) {
        let limit = self.config.retention_total_bytes;
        if limit == 0 {
            return;
        }
        while self.total_disk.load(Ordering::Relaxed) > limit {
            let stores = self.live_stores();
            let Some(victim) = stores.iter().max_by_key(|s| s.disk_bytes()) else {
                return;
            };
            if !victim.prune_oldest_one() {
                return;
            }
        }
    }
}

/// zstd's match-finding tables at level 3, in log2 entries (its defaults are 17 and 16):
/// sized to a segment, not to a stream. Measured on 300 KB segments of log text, the context
/// is 0.78 MB instead of 1.30 MB per worker, compresses 15-50% faster (the tables stay in
/// cache), and output grows by 0.25-0.3%. Other levels keep zstd's own tables: whoever set
/// one chose a trade of their own.
const LEVEL3_HASH_LOG: u32 = 15;
const LEVEL3_CHAIN_LOG: u32 = 15;

/// A compression context for sealed segments at `level`.
fn compressor(level: i32) -> Option<zstd::bulk::Compressor<'static>> {
    use zstd::zstd_safe::CParameter;
    let mut z = zstd::bulk::Compressor::new(level).ok()?;
    if level == 3 {
        // Failing leaves zstd's defaults, which compress the same data a little better.
        let _ = z.set_parameter(CParameter::HashLog(LEVEL3_HASH_LOG));
        let _ = z.set_parameter(CParameter::ChainLog(LEVEL3_CHAIN_LOG));
    }
    Some(z)
}

/// How much lower the store's background threads (compression workers, geometry warmers)
/// run than the server's other threads, in nice steps. A pane's output reaches the server
/// through a chain that hands each 4 KiB along: the program, the kernel's tty worker, the
/// pane's reader. On a machine with fewer cores than busy threads, every moment that chain
/// waits behind compression is a moment the program waits, while compression itself can lag
/// (its backlog is bounded, `in_flight_max`) and catch up in the gaps. Nice 10 weighs a
/// worker at about a tenth of a normal thread: measured on 2 cores, a pane `cat`ting a log
/// drains 11–15% faster than with the workers at the server's priority. Nice 19 was a little
/// faster still, but weighs a worker at 1/70 of a busy thread: on a machine whose cores are
/// all taken by other work, compression (and so the pane behind it) would crawl.
pub const BACKGROUND_NICE: i32 = 10;

/// Make the calling thread one of the store's background threads: its priority lowered by
/// [`BACKGROUND_NICE`] (Linux nice values are per thread; unprivileged, and one way: a failure
/// only leaves the thread at normal priority), and confined to the work CPUs (see
/// `placement.rs`).
pub(crate) fn become_background(cpus: &crate::WorkCpus) {
    // SAFETY: nice(2) only changes the calling thread's scheduling weight; it touches no
    // memory of ours.
    unsafe { libc::nice(BACKGROUND_NICE) };
    cpus.confine_current_thread();
}

/// A compression worker idle this long lets go of its zstd context and scratch buffers
/// (~1.5 MiB at level 3), so that RSS comes back down after a burst of output; the next
/// segment makes them again, in well under a millisecond.
pub const WORKER_IDLE_RELEASE: std::time::Duration = std::time::Duration::from_secs(2);

/// While any worker holds buffers, a waiting worker hands the job queue's lock on this often,
/// so that every worker sees its own idle time pass (each lets go within this much of
/// [`WORKER_IDLE_RELEASE`]). Only in the seconds after output stops: with no buffers held,
/// workers sleep until a job comes.
const WORKER_IDLE_POLL: std::time::Duration = std::time::Duration::from_millis(100);

fn worker(rx: Arc<Mutex<Receiver<Job>>>, level: i32, cpus: &crate::WorkCpus, bytes: &AtomicUsize) {
    use std::sync::mpsc::RecvTimeoutError;
    become_background(cpus);
    let stall = std::env::var_os(STALL_HOOK).map(std::path::PathBuf::from);
    let mut z: Option<zstd::bulk::Compressor<'static>> = None;
    let mut scratch = Scratch::default();
    let mut mine = 0;
    let mut last_job = std::time::Instant::now();
    loop {
        let job = {
            let rx = rx.lock().unwrap_or_else(|p| p.into_inner());
            // Workers wait for jobs one at a time, under this lock. So while any worker still
            // holds buffers, the one waiting here gives the lock up every WORKER_IDLE_POLL,
            // and each gets its turn to find itself idle.
            if z.is_some() || bytes.load(Ordering::Relaxed) > 0 {
                rx.recv_timeout(WORKER_IDLE_POLL)
            } else {
                rx.recv().map_err(|_| RecvTimeoutError::Disconnected)
            }
        };
        let job = match job {
            Ok(job) => job,
            Err(RecvTimeoutError::Timeout) => {
                if z.is_some() && last_job.elapsed() >= WORKER_IDLE_RELEASE {
                    z = None;
                    scratch = Scratch::default();
                    bytes.fetch_sub(std::mem::take(&mut mine), Ordering::Relaxed);
                    // zstd's contexts live in the C heap, which keeps freed pages until
                    // trimmed.
                    // SAFETY: malloc_trim only walks glibc's own arenas.
                    unsafe { libc::malloc_trim(0) };
                }
                // Let a worker that is waiting for the lock take it.
                std::thread::sleep(std::time::Duration::from_millis(1));
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
        };
        if let Some(path) = &stall {
            while path.exists() {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
        }
        if z.is_none() {
            z = compressor(level);
        }
        job.run(z.as_mut(), &mut scratch);
        last_job = std::time::Instant::now();
        let now = scratch.bytes() + z.as_mut().map_or(0, |z| z.context_mut().sizeof());
        bytes.fetch_add(now, Ordering::Relaxed);
        bytes.fetch_sub(mine, Ordering::Relaxed);
        mine = now;
    }
    bytes.fetch_sub(mine, Ordering::Relaxed);
}
