//! `spool stats`: RSS, every memory account, what they leave unexplained, and per pane
//! history. Also the periodic memory report in the log.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use spool_proto::{Gauge, PaneStats, Response, ServerStats};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Resident set size from /proc/self/statm.
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages * page
}

/// Gather every gauge now. The C heap is trimmed first, so its free pages are not resident.
pub fn collect(server: &Server) -> ServerStats {
    crate::memory::trim_c_heap();
    let panes: Vec<_> = server.state().panes.values().cloned().collect();
    let (mut screens, mut emulator, mut hot, mut index, mut input) = (0u64, 0u64, 0u64, 0u64, 0u64);
    let mut command_logs = 0u64;
    let mut image_bytes = 0u64;
    let mut images = spool_proto::ImageStats::default();
    let mut per_pane = Vec::with_capacity(panes.len());
    for p in &panes {
        let (screen, total, img, counts) = {
            let t = p.term();
            (
                t.screen_bytes() as u64,
                t.memory_bytes() as u64,
                t.image_memory_bytes() as u64,
                t.image_counters(),
            )
        };
        image_bytes += img;
        images.counts.add(&counts);
        // Placements past the pane's PLACEMENTS_MAX_BYTES: shown as placeholders only.
        images.counts.full += p.placements.unrecorded.load(Ordering::Relaxed);
        let st = p.store.stats();
        // Input waiting for the program, and output waiting for a `pipe-pane` command.
        let queued = p.input_bytes() as u64 + p.pipe().map_or(0, |x| x.queued_bytes() as u64);
        screens += screen;
        emulator += total.saturating_sub(screen + img);
        hot += (st.open_bytes + st.pending_bytes) as u64;
        index += st.index_bytes as u64;
        input += queued;
        command_logs += p.commands.lock().unwrap_or_else(|p| p.into_inner()).bytes() as u64;
        per_pane.push(PaneStats {
            id: p.name(),
            history_rows: st.rows,
            history_rows_in_memory: st.rows_in_memory,
            memory_bytes: total + st.memory_bytes as u64 + queued,
            disk_bytes: st.disk_bytes,
            uncompressed_bytes: st.uncompressed_bytes,
            lost_rows: st.lost_rows,
            history_error: st.last_error,
        });
    }
    let cache = server.env.cache().stats();
    let mut gauges = vec![
        Gauge {
            name: "screens".into(),
            bytes: screens,
        },
        Gauge {
            name: "emulator_tables_and_escape_buffers".into(),
            bytes: emulator,
        },
        Gauge {
            name: "hot_history".into(),
            bytes: hot,
        },
        Gauge {
            name: "history_index".into(),
            bytes: index,
        },
        Gauge {
            // Scratch buffers and zstd contexts (at most compress_threads × (2 segments +
            // one context)).
            name: "compression_workers".into(),
            bytes: server.env.worker_bytes() as u64,
        },
        Gauge {
            name: "segment_cache".into(),
            bytes: cache.bytes as u64,
        },
        Gauge {
            // Input queues, and `pipe-pane` queues (at most PIPE_QUEUE_BYTES each).
            name: "pane_input_queues".into(),
            bytes: input,
        },
        Gauge {
            name: "client_buffers".into(),
            bytes: server.client_bytes.load(Ordering::Relaxed),
        },
        Gauge {
            name: "paste_buffers".into(),
            bytes: server.buffers().bytes() as u64,
        },
        Gauge {
            // Per pane at most commands::LOG_BYTES.
            name: "command_logs".into(),
            bytes: command_logs,
        },
        Gauge {
            // Per `spool events` reader at most bus::SUBSCRIBER_QUEUE_BYTES.
            name: "event_queues".into(),
            bytes: server.bus.queued_bytes() as u64,
        },
        Gauge {
            // Images being received or drawn by the emulators (each at most one capped
            // sequence and one capped canvas), and the image cache (IMAGE_CACHE_BYTES).
            name: "images".into(),
            bytes: image_bytes + server.images.cache_bytes().0 as u64,
        },
    ];
    let (cache_bytes, cache_capacity) = server.images.cache_bytes();
    images.cache_bytes = cache_bytes as u64;
    images.cache_capacity = cache_capacity as u64;
    images.files_written = server.images.files_written.load(Ordering::Relaxed);
    images.bytes_written = server.images.bytes_written.load(Ordering::Relaxed);
    images.disk_files = server.images.disk_files.load(Ordering::Relaxed);
    images.disk_bytes = server.images.disk_bytes.load(Ordering::Relaxed);
    images.disk_cap = server.images.disk_cap;
    images.disk_full = server.images.disk_full.load(Ordering::Relaxed);
    images.collections = server.images.collections.load(Ordering::Relaxed);
    images.deleted_files = server.images.deleted_files.load(Ordering::Relaxed);
    // One reading of jemalloc's counters (each refreshes its statistics) for both uses.
    let j = crate::memory::jemalloc();
    gauges.extend(process_gauges(&j));
    let mut stats = ServerStats {
        pid: std::process::id(),
        rss_bytes: rss_bytes(),
        unexplained_bytes: 0,
        gauges,
        allocator: allocator_view(&j),
        panes: per_pane,
        cache_hits: cache.hits,
        cache_misses: cache.misses,
        uptime_secs: server.started.elapsed().as_secs(),
        restore_errors: server
            .restore_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        images,
    };
    stats.unexplained_bytes = stats.rss_bytes.saturating_sub(stats.explained_bytes());
    stats
}

/// The kernel's accounts of what is not heap (see `memory.rs`): mapped files (code) and
/// thread stacks.
fn process_gauges(j: &crate::memory::Jemalloc) -> Vec<Gauge> {
    let m = crate::memory::mapped();
    vec![
        Gauge {
            // Freed heap pages jemalloc has not returned yet (none for long: it returns them
            // as they are freed, see `malloc_conf` in the binary).
            name: "allocator_free_pages".into(),
            bytes: j.free_pages,
        },
        Gauge {
            // jemalloc's own bookkeeping, resident: by its definition of `resident` (metadata,
            // active pages and unreturned free pages), what is neither of the other two.
            name: "allocator_metadata".into(),
            bytes: j.resident.saturating_sub(j.active + j.free_pages),
        },
        Gauge {
            name: "mapped_code_and_files".into(),
            bytes: m.files,
        },
        Gauge {
            name: "thread_stacks".into(),
            bytes: m.stacks,
        },
        Gauge {
            // What C code (zstd, libc) holds from glibc's malloc, resident: its `[heap]` and
            // per-thread arenas, which `collect` trims first.
            name: "c_heap".into(),
            bytes: m.c_heap,
        },
    ]
}

/// The allocators' counters, for `ServerStats::allocator`.
fn allocator_view(j: &crate::memory::Jemalloc) -> Vec<Gauge> {
    let (c_used, c_free) = crate::memory::c_heap();
    [
        ("jemalloc_allocated", j.allocated),
        ("jemalloc_active", j.active),
        ("jemalloc_metadata", j.metadata),
        ("jemalloc_resident", j.resident),
        ("jemalloc_retained", j.retained),
        ("c_heap_in_use", c_used),
        ("c_heap_free", c_free),
    ]
    .into_iter()
    .map(|(name, bytes)| Gauge {
        name: name.into(),
        bytes,
    })
    .collect()
}

pub async fn run(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    let stats = collect(server);
    conn.send(&Response::Stats(stats)).await.map_err(io)
}

/// One line in the log: RSS, panes, history in memory vs on disk, non-zero accounts.
pub fn log_report(server: &Server) {
    let s = collect(server);
    let rows_mem: u64 = s.panes.iter().map(|p| p.history_rows_in_memory).sum();
    let rows: u64 = s.panes.iter().map(|p| p.history_rows).sum();
    let gauges: Vec<String> = s
        .gauges
        .iter()
        .filter(|g| g.bytes > 0)
        .map(|g| format!("{}={}", g.name, g.bytes))
        .collect();
    tracing::info!(
        rss = s.rss_bytes,
        panes = s.panes.len(),
        history_rows_in_memory = rows_mem,
        history_rows_on_disk = rows - rows_mem,
        unexplained = s.unexplained_bytes,
        overcounted = s.overcounted_bytes(),
        gauges = %gauges.join(" "),
        allocator = %s
            .allocator
            .iter()
            .map(|g| format!("{}={}", g.name, g.bytes))
            .collect::<Vec<_>>()
            .join(" "),
        "memory report"
    );
}
