//! Where the process's resident memory goes, as the kernel and the two allocators see it.
//!
//! `spool stats` names the heap by purpose (screens, history, caches: see `cmd/stats.rs`).
//! The kernel names the rest of RSS exactly:
//!
//! - **mapped files**: the binary's code and data and the shared libraries, resident pages
//!   that are not anonymous (`/proc/self/smaps_rollup`);
//! - **thread stacks**: the resident part of each thread's stack mapping (`/proc/self/smaps`).
//!
//! What is left is anonymous memory no account names: allocator metadata, size-class slack
//! and free pages not yet purged, the runtime, connections. The allocators' own counters are
//! reported beside it (jemalloc, Rust's heap; glibc's `malloc`, which zstd's contexts use),
//! but not summed with the accounts: both count reserved pages whether or not they were
//! ever touched, so they can add up to more than RSS.

/// jemalloc's own view, in bytes (see `tikv_jemalloc_ctl::stats`).
#[derive(Clone, Copy, Debug, Default)]
pub struct Jemalloc {
    pub allocated: u64,
    pub active: u64,
    pub metadata: u64,
    pub resident: u64,
    pub retained: u64,
    /// Freed pages jemalloc keeps until its decay purges them (dirty: still resident) or
    /// has told the kernel it may take (muzzy: resident until the kernel does).
    pub free_pages: u64,
}

/// Read jemalloc's statistics (refreshed first). Zero where this process does not allocate
/// through jemalloc (the library's own tests).
pub fn jemalloc() -> Jemalloc {
    use tikv_jemalloc_ctl::{epoch, stats};
    if epoch::advance().is_err() {
        return Jemalloc::default();
    }
    let get = |r: tikv_jemalloc_ctl::Result<usize>| r.map_or(0, |v| v as u64);
    Jemalloc {
        allocated: get(stats::allocated::read()),
        active: get(stats::active::read()),
        metadata: get(stats::metadata::read()),
        resident: get(stats::resident::read()),
        retained: get(stats::retained::read()),
        free_pages: free_pages(),
    }
}

/// jemalloc's dirty and muzzy pages over all arenas (`MALLCTL_ARENAS_ALL` is 4096), in bytes.
fn free_pages() -> u64 {
    // SAFETY: reading size_t statistics by their documented names.
    let read = |name: &[u8]| unsafe { tikv_jemalloc_ctl::raw::read::<usize>(name) }.unwrap_or(0);
    let pages = read(b"stats.arenas.4096.pdirty\0") + read(b"stats.arenas.4096.pmuzzy\0");
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(1) as u64;
    pages as u64 * page
}

/// Largest C heap block served from glibc's arenas; larger ones (zstd's contexts, 0.5-1.3
/// MB) get mappings of their own, returned to the kernel when freed. glibc's default raises
/// this threshold each time such a block is freed, after which every context made (one per
/// checkpoint of a busy pane every second) lands in an arena and its pages stay resident as
/// "free" until a trim. 128 KiB is glibc's own starting value.
const C_HEAP_MMAP_THRESHOLD: i32 = 128 * 1024;

/// How long the server's jemalloc keeps freed pages before returning them to the kernel:
/// not at all, so RSS follows what is allocated rather than what was allocated a moment ago.
/// With 13 panes printing flat out, a 1 s decay kept 5-9 MiB of freed pages resident (peak
/// 29 MiB against 24 without; 100 ms: 27). The price is re-faulting pages that are used
/// again, ~4% more server CPU while a pane prints flat out, once the hot paths stopped
/// allocating per segment and per batch. A path that allocates and frees per item pays more:
/// each emptied slab or freed buffer is a `madvise` and a TLB shootdown of the other core
/// (a search printing 1.3M hits spent a third of its time there until its hits were
/// encoded into chunks reserved whole); hot paths reuse their buffers instead. Only the
/// server: clients keep the binary's default
/// (see `malloc_conf`), since a search printing a million lines frees buffers at a pace where
/// returning each one at once costs more than the client's whole job.
const SERVER_DIRTY_DECAY_MS: isize = 0;

/// Tune the allocators for the server, once, at start: jemalloc returns freed pages at once
/// ([`SERVER_DIRTY_DECAY_MS`], every arena and those made later), and the C heap's mmap
/// threshold is fixed ([`C_HEAP_MMAP_THRESHOLD`]). Where this process does not allocate
/// through jemalloc (the library's tests), the jemalloc part does nothing.
pub fn tune_allocators() {
    use tikv_jemalloc_ctl::raw;
    // SAFETY: reading and writing jemalloc's documented options by name, with their
    // documented types (`unsigned` arena count, `ssize_t` decay times).
    unsafe {
        let _ = raw::write(b"arenas.dirty_decay_ms\0", SERVER_DIRTY_DECAY_MS);
        let arenas = raw::read::<u32>(b"arenas.narenas\0").unwrap_or(0);
        for i in 0..arenas {
            let name = format!("arena.{i}.dirty_decay_ms\0");
            let _ = raw::write(name.as_bytes(), SERVER_DIRTY_DECAY_MS);
        }
    }
    // SAFETY: mallopt only sets glibc's allocator parameters; called before the C heap is
    // under load.
    unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, C_HEAP_MMAP_THRESHOLD) };
}

/// Give the C heap's free pages back to the kernel (glibc keeps freed chunks inside its
/// arenas, where only a trim releases them: zstd's contexts come and go per decompression).
pub fn trim_c_heap() {
    // SAFETY: malloc_trim only walks glibc's own arenas.
    unsafe { libc::malloc_trim(0) };
}

/// glibc's heap: bytes in use (arenas and mmapped chunks) and free bytes it keeps.
pub fn c_heap() -> (u64, u64) {
    // SAFETY: mallinfo2 only reads the allocator's counters.
    let m = unsafe { libc::mallinfo2() };
    ((m.uordblks + m.hblkhd) as u64, m.fordblks as u64)
}

/// Resident bytes by kind of mapping, from the kernel.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mapped {
    /// Resident pages backed by files: code and data of the binary and its libraries.
    pub files: u64,
    /// Resident pages of thread stacks.
    pub stacks: u64,
}

/// Most bytes of `/proc/self/smaps` read: a few hundred mappings take ~100 KiB; more is cut
/// (the stacks after it are not counted) rather than read without bound.
const SMAPS_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// File-backed and stack pages from `/proc/self/smaps_rollup` and `/proc/self/smaps`.
///
/// A thread stack is the anonymous read-write mapping right above its guard page (a
/// `---p` mapping that ends where it starts), as glibc's `pthread_create` lays them out;
/// the main thread's is `[stack]`.
pub fn mapped() -> Mapped {
    let kib = |line: &str| -> u64 {
        line.split_whitespace()
            .nth(1)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    let mut out = Mapped::default();
    if let Ok(s) = std::fs::read_to_string("/proc/self/smaps_rollup") {
        let (mut rss, mut anon) = (0, 0);
        for line in s.lines() {
            if line.starts_with("Rss:") {
                rss = kib(line);
            } else if line.starts_with("Anonymous:") {
                anon = kib(line);
            }
        }
        out.files = rss.saturating_sub(anon);
    }
    let Ok(f) = std::fs::File::open("/proc/self/smaps") else {
        return out;
    };
    use std::io::{BufRead, Read};
    let reader = std::io::BufReader::new(f.take(SMAPS_MAX_BYTES));
    // The end of the last guard page seen, and whether the current mapping is a stack.
    let (mut guard_end, mut in_stack) = (None::<u64>, false);
    for line in reader.lines().map_while(Result::ok) {
        let mut words = line.split_whitespace();
        let first = words.next().unwrap_or("");
        if let Some((a, b)) = first.split_once('-').filter(|_| !first.ends_with(':')) {
            let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16))
            else {
                continue;
            };
            let perms = words.next().unwrap_or("");
            let name = words.nth(3).unwrap_or("");
            in_stack = name == "[stack]"
                || (perms == "rw-p" && name.is_empty() && guard_end == Some(start));
            guard_end = (perms == "---p" && name.is_empty()).then_some(end);
        } else if in_stack && first == "Rss:" {
            out.stacks += kib(&line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stacks_of_running_threads_are_found_and_counted() {
        let before = mapped().stacks;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // Touch 256 KiB of this thread's stack.
            let buf = [1u8; 256 * 1024];
            std::hint::black_box(&buf);
            ready_tx.send(()).unwrap();
            rx.recv().unwrap();
        });
        ready_rx.recv().unwrap();
        let during = mapped().stacks;
        tx.send(()).unwrap();
        t.join().unwrap();
        assert!(
            during >= before + 256 * 1024,
            "stacks {before} → {during} with a thread that touched 256 KiB"
        );
    }

    #[test]
    fn mapped_files_include_this_binary_s_code() {
        assert!(mapped().files > 0);
    }
}
