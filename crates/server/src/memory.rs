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

/// Arenas glibc's malloc may make: one, its main heap. Only C code allocates there (zstd's
/// contexts, libc's own), a few times per segment, so threads seldom meet on its lock; and a
/// trim (`malloc_trim`) gives back the free top of the main heap but never that of a
/// per-thread arena, where each thread that ever compressed or decompressed kept up to
/// 128 KiB resident (a kept pane after a 1 GiB burst: +128 KiB of C heap after every trim).
const C_HEAP_ARENAS: i32 = 1;

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

/// Tune the allocators for the server, once, first thing in the process, before any other
/// thread starts: jemalloc returns freed pages at once ([`SERVER_DIRTY_DECAY_MS`], every arena
/// and those made later), the C heap's mmap threshold is fixed ([`C_HEAP_MMAP_THRESHOLD`]),
/// and it has one arena ([`C_HEAP_ARENAS`]; glibc gives a thread that mallocs while another
/// holds the lock an arena of its own, and a limit set later keeps those it made). Where this
/// process does not allocate through jemalloc (the library's tests), the jemalloc part does
/// nothing.
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
    // SAFETY: as above.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, C_HEAP_ARENAS) };
}

/// The glibc tunable that turns off its cache of exited threads' stacks. glibc keeps up to
/// 40 MiB of them for the next threads to reuse, and of each ~16-24 KiB stays resident (the
/// 16 KiB below where the thread ended, its TLS and descriptor): every pane has two threads,
/// so closing panes left up to ~400 KiB resident for good, and a 1 GiB burst in a pane that
/// then ended ~60 KiB. glibc reads it only when a program starts. Without a cache, a thread
/// that exits is unmapped once the next one exits or starts, and a new thread maps a fresh
/// stack (an mmap and its first page faults, per pane thread and blocking thread started).
const NO_STACK_CACHE: &str = "glibc.pthread.stack_cache_size=0";

/// Set by [`exec_without_stack_cache`] for the program it starts: the `GLIBC_TUNABLES` the
/// server was given, after `=`, or empty if it had none.
const OUTER_TUNABLES: &str = "SPOOL_OUTER_GLIBC_TUNABLES";

/// Start this server again with glibc's thread stack cache turned off ([`NO_STACK_CACHE`]),
/// first thing in the process, before any thread starts; in the program started again, put
/// `GLIBC_TUNABLES` back as it was, so panes and the commands the server runs get the
/// environment they would have had. The arguments and open files (those of a handover) carry
/// over. If the exec fails, the server runs on with the cache, and says so on stderr (which
/// a client that started it shows).
pub fn exec_without_stack_cache() {
    if let Some(outer) = std::env::var_os(OUTER_TUNABLES) {
        // Started again: ours is in effect. (Safe to change the environment here: no other
        // thread exists yet.)
        use std::os::unix::ffi::OsStrExt;
        match outer.as_bytes().strip_prefix(b"=") {
            Some(v) => std::env::set_var("GLIBC_TUNABLES", std::ffi::OsStr::from_bytes(v)),
            None => std::env::remove_var("GLIBC_TUNABLES"),
        }
        std::env::remove_var(OUTER_TUNABLES);
        return;
    }
    use std::os::unix::process::CommandExt;
    let given = std::env::var_os("GLIBC_TUNABLES");
    let mut tunables = std::ffi::OsString::new();
    let mut marker = std::ffi::OsString::new();
    if let Some(g) = &given {
        tunables.push(g);
        tunables.push(":");
        marker.push("=");
        marker.push(g);
    }
    tunables.push(NO_STACK_CACHE);
    let mut args = std::env::args_os();
    let argv0 = args.next().unwrap_or_else(|| "spool".into());
    // /proc/self/exe: this very binary, even if its file was replaced or removed since.
    let e = std::process::Command::new("/proc/self/exe")
        .arg0(argv0)
        .args(args)
        .env("GLIBC_TUNABLES", tunables)
        .env(OUTER_TUNABLES, marker)
        .exec();
    eprintln!("spool: running with glibc's thread stack cache: could not start again: {e}");
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
    /// Resident pages of glibc's heaps (`[heap]` and its per-thread arenas): what C code
    /// (zstd, libc itself) allocates with `malloc`, in use or free and not yet trimmed.
    pub c_heap: u64,
}

/// Largest `---p` mapping taken for a thread stack's guard: glibc's is a page unless asked
/// otherwise, and no thread here asks. A larger one is a reservation (such as the unused
/// part of a glibc arena), and what lies above it is no stack.
const STACK_GUARD_MAX: u64 = 1024 * 1024;

/// Address space glibc reserves for each of its per-thread malloc arenas (`HEAP_MAX_SIZE`
/// on 64-bit), aligned to its size: the part in use is read-write, the rest `---p`.
const GLIBC_ARENA_BYTES: u64 = 64 * 1024 * 1024;

/// Most bytes of `/proc/self/smaps` read: a few hundred mappings take ~100 KiB; more is cut
/// (the stacks after it are not counted) rather than read without bound.
const SMAPS_MAX_BYTES: u64 = 4 * 1024 * 1024;

/// The bytes of a `Name:   123 kB` line of smaps.
fn kib(line: &str) -> u64 {
    line.split_whitespace()
        .nth(1)
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        * 1024
}

/// One mapping of `/proc/self/smaps`, with the fields read from it.
struct Mapping<'a> {
    start: u64,
    end: u64,
    perms: &'a str,
    /// The mapped file's device (`major:minor`, hex) and inode; inode 0 for anonymous memory.
    dev: &'a str,
    inode: u64,
    name: &'a str,
    /// Resident bytes, and of them the anonymous ones (for a file mapping: pages copied on
    /// write, which only the process holds); `None` if smaps was cut before saying.
    rss: u64,
    anonymous: Option<u64>,
}

/// Call `f` with each mapping of `/proc/self/smaps` (the first `SMAPS_MAX_BYTES` of it).
fn each_mapping(mut f: impl FnMut(&Mapping)) {
    let Ok(file) = std::fs::File::open("/proc/self/smaps") else {
        return;
    };
    use std::io::{BufRead, Read};
    let reader = std::io::BufReader::new(file.take(SMAPS_MAX_BYTES));
    // The mapping being read: its header line, and its resident and anonymous bytes so far.
    let mut current: Option<(String, u64, Option<u64>)> = None;
    let mut flush = |current: &mut Option<(String, u64, Option<u64>)>| {
        let Some((header, rss, anonymous)) = current.take() else {
            return;
        };
        let mut words = header.split_whitespace();
        let range = words.next().unwrap_or("");
        let Some((a, b)) = range.split_once('-') else {
            return;
        };
        let (Ok(start), Ok(end)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
            return;
        };
        let perms = words.next().unwrap_or("");
        let _offset = words.next();
        let dev = words.next().unwrap_or("");
        let inode = words.next().and_then(|i| i.parse().ok()).unwrap_or(0);
        let name = words.next().unwrap_or("");
        f(&Mapping {
            start,
            end,
            perms,
            dev,
            inode,
            name,
            rss,
            anonymous,
        });
    };
    for line in reader.lines().map_while(Result::ok) {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            flush(&mut current);
            current = Some((line, 0, None));
        } else if let Some((_, rss, anonymous)) = &mut current {
            if first == "Rss:" {
                *rss = kib(&line);
            } else if first == "Anonymous:" {
                *anonymous = Some(kib(&line));
            }
        }
    }
    flush(&mut current);
}

/// File-backed, stack and C heap pages from `/proc/self/smaps_rollup` and
/// `/proc/self/smaps`.
///
/// - A thread stack is the anonymous read-write mapping right above its guard page (a small
///   `---p` mapping that ends where it starts), as glibc's `pthread_create` lays them out;
///   the main thread's is `[stack]`.
/// - glibc's heap is `[heap]`, and each per-thread arena an anonymous read-write mapping
///   that starts on a [`GLIBC_ARENA_BYTES`] boundary and is followed by the `---p` rest of
///   its reservation (or fills it).
pub fn mapped() -> Mapped {
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
    // The end of the last guard page seen.
    let mut guard_end = None::<u64>;
    // An anonymous read-write mapping on an arena boundary, not yet counted: (start, end,
    // resident bytes, whether a guard page lies below it). The next mapping tells which.
    let mut maybe_arena = None::<(u64, u64, u64, bool)>;
    // Count a `maybe_arena` once the mapping after it (if any) is known.
    let settle = |out: &mut Mapped, (start, end, rss, guarded), next: Option<&Mapping>| {
        let rest_reserved = next.is_some_and(|m| {
            m.perms == "---p" && m.start == end && m.end == start + GLIBC_ARENA_BYTES
        });
        if rest_reserved || end == start + GLIBC_ARENA_BYTES {
            out.c_heap += rss;
        } else if guarded {
            out.stacks += rss;
        }
    };
    each_mapping(|m| {
        if let Some(candidate) = maybe_arena.take() {
            settle(&mut out, candidate, Some(m));
        }
        let anonymous_rw = m.perms == "rw-p" && m.inode == 0 && m.name.is_empty();
        let guarded = guard_end == Some(m.start);
        if m.name == "[heap]" {
            out.c_heap += m.rss;
        } else if anonymous_rw && m.start % GLIBC_ARENA_BYTES == 0 {
            maybe_arena = Some((m.start, m.end, m.rss, guarded));
        } else if m.name == "[stack]" || (anonymous_rw && guarded) {
            out.stacks += m.rss;
        }
        guard_end = (m.perms == "---p" && m.name.is_empty() && m.end - m.start <= STACK_GUARD_MAX)
            .then_some(m.end);
    });
    if let Some(candidate) = maybe_arena {
        settle(&mut out, candidate, None);
    }
    out
}

/// Most read-only mappings of code-bearing files kept by [`Mapped::startup`]: a Rust
/// binary and the few libraries it links map two to four each.
const STARTUP_MAPPINGS_MAX: usize = 64;

/// The read-only mappings of the executable and of the libraries loaded with it (its code,
/// constants and unwind tables), as (start, end), taken when the server starts. None of them
/// is ever unmapped: the executable stays, and the loader does not unload a library the
/// executable needs. So an address range found here later is still the same mapping.
#[derive(Clone, Debug, Default)]
pub struct StartupMappings(Vec<(u64, u64)>);

impl StartupMappings {
    /// Read them now: every `r-xp` or `r--p` mapping of a file that has code mapped (so no
    /// data file, such as a locale archive, that could be unmapped later).
    pub fn read() -> StartupMappings {
        let mut code_files: Vec<(String, u64)> = Vec::new();
        each_mapping(|m| {
            let key = (m.dev.to_string(), m.inode);
            if m.perms == "r-xp"
                && m.inode != 0
                && !code_files.contains(&key)
                && code_files.len() < STARTUP_MAPPINGS_MAX
            {
                code_files.push(key);
            }
        });
        let mut ranges = Vec::new();
        each_mapping(|m| {
            let code_file = code_files
                .iter()
                .any(|(dev, inode)| *inode == m.inode && dev == m.dev);
            if code_file
                && (m.perms == "r-xp" || m.perms == "r--p")
                && ranges.len() < STARTUP_MAPPINGS_MAX
            {
                ranges.push((m.start, m.end));
            }
        });
        StartupMappings(ranges)
    }
}

/// Let go of the resident pages of the startup mappings (`startup`) that hold nothing but
/// the file's own pages, returning how many bytes were resident. Those used next are mapped
/// again from the page cache: a minor fault per 64 KiB of code, as the kernel maps the pages
/// around the one asked for.
///
/// Why: a server that has run its hot paths keeps every page of code they touched mapped,
/// ~5.5 MiB of its 8 MiB once a pane has printed, and the libraries' and constants' pages
/// besides, while an idle server runs a few of them. The pages stay in the page cache,
/// shared and clean, and the kernel may reclaim them for other uses once no process maps
/// them.
///
/// A mapping with a page copied on write (the loader's relocated constants, a debugger's
/// breakpoint) is left alone. Every other page of a private read-only file mapping is the
/// file's, so dropping it loses nothing: it is read back as it was.
pub fn return_file_pages(startup: &StartupMappings) -> u64 {
    let mut drop = Vec::new();
    each_mapping(|m| {
        let ro = m.perms == "r-xp" || m.perms == "r--p";
        // (Unknown if smaps was cut in the middle of this mapping: left alone.)
        let clean = m.anonymous == Some(0);
        if ro && clean && m.rss > 0 && startup.0.contains(&(m.start, m.end)) {
            drop.push((m.start, m.end, m.rss));
        }
    });
    let mut returned = 0;
    for (start, end, rss) in drop {
        // SAFETY: [start, end) is a whole mapping the server had when it started and still
        // has (those are never unmapped: see `StartupMappings`), private, read-only, with no
        // page copied on write: its pages are read again from the file when next used, as
        // they were. MADV_DONTNEED changes no other mapping.
        let rc = unsafe {
            libc::madvise(
                start as *mut libc::c_void,
                (end - start) as usize,
                libc::MADV_DONTNEED,
            )
        };
        if rc == 0 {
            returned += rss;
        }
    }
    returned
}

/// How often the server looks whether it has gone quiet (see [`Quiet`]).
pub const QUIET_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// CPU time the server may use in one [`QUIET_CHECK_EVERY`] and still count as quiet: idle
/// panes and clients cost it none, a pane printing flat out a whole core.
const QUIET_CPU: std::time::Duration = std::time::Duration::from_millis(1);

/// Page faults in one [`QUIET_CHECK_EVERY`] a quiet server may take. An idle one takes
/// none (now and then one); a round that saves the state (a few times after a pane printed)
/// 5-10, and other work tens to thousands, each mapping up to 64 KiB of code (the kernel maps
/// the pages around the one asked for) or a page of heap.
const QUIET_FAULTS: u64 = 1;

/// Page faults since the last trim after which work is taken to have happened even if each
/// second of it looked quiet: 16 are up to 1 MiB of code mapped again.
const REMAPPED_FAULTS: u64 = 16;

/// Quiet seconds in a row before a trim: one more than the rounds in which the state is
/// still saved after a pane's last output, so a trim comes after the last of them rather
/// than before one that maps its code back (~1.7 MiB, kept until the next work).
const QUIET_SECONDS: u32 = crate::persist::SNAPSHOT_ROUNDS_AFTER_OUTPUT + 1;

/// How long a thread of the runtime's blocking pool (state saves, searches, history reads)
/// waits for more work before it exits: less than [`QUIET_SECONDS`], so a thread left over
/// from the work exits before the trim that follows it. An exit maps code back (~370 KiB,
/// 5-10 faults): with tokio's 10 s default it came after the trim, counted as work, and cost
/// a second trim with that much resident in between. The price: work that comes back
/// more than 2 s apart (a slow scroll through history) starts a thread each time.
pub const BLOCKING_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(2);
const _: () = assert!(BLOCKING_KEEP_ALIVE.as_secs() < QUIET_SECONDS as u64);

/// CPU time the server must have used since the last periodic memory report for the next to
/// be logged (see [`Quiet::report`]). Idling costs ~15 ms a minute (3 shells: the quiet
/// checks, a state snapshot, a trim); a pane printing 1 MiB costs ~20 ms, so a minute of
/// anything more than idling is reported. Reading the accounts maps 1-3 MiB of code back:
/// an idle server that reported each minute mapped it again each minute.
const REPORT_MIN_CPU: std::time::Duration = std::time::Duration::from_millis(50);

/// Gives back what work left resident once the server has been quiet after it for
/// [`QUIET_SECONDS`] in a row: the pages of code and constants its paths touched
/// ([`return_file_pages`]), the C heap's free pages, and what the history stores keep for
/// work (`spool_store::Env::trim`: an index a read unpacked is packed again). Work is told by
/// CPU time and page faults, from `getrusage`: an idle server does nothing more each second
/// than ask for them, and trims once per quiet spell.
pub struct Quiet {
    startup: StartupMappings,
    /// The history stores, trimmed with the rest (none in unit tests).
    stores: Option<spool_store::Env>,
    cpu: std::time::Duration,
    faults: u64,
    /// Faults counted since the check after the last trim.
    since_trim: u64,
    /// Work happened since the last trim.
    worked: bool,
    /// Quiet seconds in a row.
    quiet_for: u32,
    /// The last check trimmed: the next one sees the pages idling needs mapped back, which
    /// is not work.
    trimmed: bool,
    /// A trim was owed to more faults in the second after the last one than idling maps
    /// back: until work happens, that second's faults are not looked at again.
    resettled: bool,
    /// The CPU time used when the last memory report was logged (or at start).
    cpu_at_report: std::time::Duration,
}

impl Quiet {
    /// Watch the server from now; `stores` are trimmed with it.
    pub fn new(stores: spool_store::Env) -> Self {
        let (cpu, faults) = usage();
        Quiet {
            startup: StartupMappings::read(),
            stores: Some(stores),
            cpu,
            faults,
            since_trim: 0,
            worked: true,
            quiet_for: 0,
            trimmed: false,
            resettled: false,
            cpu_at_report: cpu,
        }
    }

    /// The periodic memory report: `log` runs only if the server used at least
    /// [`REPORT_MIN_CPU`] since the last report (an idle server logs none; what it holds was
    /// in the last report, which followed its last work). If nothing else ran since the last
    /// trim, the code the report mapped (1-3 MiB, reading every account) goes at once: it
    /// came a minute after work, and waiting [`QUIET_SECONDS`] for it held that much for
    /// 6 s. Otherwise it is work like any, trimmed when the server is quiet. The next report
    /// counts the CPU used from after this one: neither it nor its trim is news.
    pub fn report(&mut self, log: impl FnOnce()) {
        if !self.report_due_at(usage().0) {
            return;
        }
        log();
        if self.trim_after_report() {
            self.note_trim();
            self.trim();
        }
        self.cpu_at_report = usage().0;
    }

    fn report_due_at(&self, cpu: std::time::Duration) -> bool {
        cpu.saturating_sub(self.cpu_at_report) >= REPORT_MIN_CPU
    }

    /// Whether the server has done nothing since its last trim, so what the report mapped
    /// is all there is to give back.
    fn trim_after_report(&self) -> bool {
        !self.worked
    }

    /// Called every [`QUIET_CHECK_EVERY`].
    pub fn check(&mut self) {
        let (cpu, faults) = usage();
        if self.observe(cpu, faults) {
            self.trim();
        }
    }

    /// Record a trim: the work before it is dealt with, and the next second is the one
    /// after a trim.
    fn note_trim(&mut self) {
        self.worked = false;
        self.trimmed = true;
        self.since_trim = 0;
    }

    /// Give back the pages of code and constants mapped since the start and the C heap's
    /// free pages, and pack the history stores' indexes (`Env::trim`, which never waits for
    /// a store's lock); the trim's own CPU time and faults are not work.
    fn trim(&mut self) {
        // First, so that the pages the stores free go with the rest.
        if let Some(stores) = &self.stores {
            stores.trim();
        }
        let files = return_file_pages(&self.startup);
        trim_c_heap();
        tracing::debug!(
            file_bytes = files,
            "quiet: gave back pages of code and free C heap"
        );
        (self.cpu, self.faults) = usage();
    }

    /// Take one reading of the process's CPU time and page faults; whether to trim now.
    fn observe(&mut self, cpu: std::time::Duration, faults: u64) -> bool {
        let new_faults = faults.saturating_sub(self.faults);
        let cpu_quiet = cpu.saturating_sub(self.cpu) < QUIET_CPU;
        let quiet = cpu_quiet && new_faults <= QUIET_FAULTS;
        (self.cpu, self.faults) = (cpu, faults);
        self.quiet_for = if quiet { self.quiet_for + 1 } else { 0 };
        if std::mem::take(&mut self.trimmed) {
            // The second after a trim maps back the pages idling needs: those faults are not
            // work. Its CPU time is: a state save or a command in it left pages mapped that
            // idling does not need, and waiting for 16 more faults left them for minutes.
            if !cpu_quiet {
                self.worked = true;
            } else if new_faults > REMAPPED_FAULTS && !self.resettled {
                // More than idling maps back (11-13 faults here): something ran beside it
                // without CPU to show, a thread's exit say, and left ~0.4-0.6 MiB of code
                // mapped. Trim once more; once only, so that where idling itself maps more
                // back the server does not trim every few seconds.
                self.worked = true;
                self.resettled = true;
            }
            return false;
        }
        self.since_trim += new_faults;
        if !quiet {
            self.resettled = false;
        }
        if !quiet || self.since_trim >= REMAPPED_FAULTS {
            self.worked = true;
        }
        if self.quiet_for >= QUIET_SECONDS && self.worked {
            self.note_trim();
            return true;
        }
        false
    }
}

/// The CPU time this process has used (user and system), and its minor page faults.
fn usage() -> (std::time::Duration, u64) {
    // SAFETY: getrusage fills the rusage given.
    let ru = unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut ru);
        ru
    };
    let t = |tv: libc::timeval| {
        std::time::Duration::from_secs(tv.tv_sec as u64)
            + std::time::Duration::from_micros(tv.tv_usec as u64)
    };
    (t(ru.ru_utime) + t(ru.ru_stime), ru.ru_minflt as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

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
    fn what_a_thread_mallocs_is_counted_as_the_c_heap_and_not_as_stacks() {
        const PIECE: usize = 64 * 1024;
        const PIECES: usize = 32;
        let before = mapped();
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<()>();
        let t = std::thread::spawn(move || {
            // SAFETY: each piece is allocated, filled within its size, and freed once.
            let pieces: Vec<usize> = (0..PIECES)
                .map(|_| unsafe {
                    let p = libc::malloc(PIECE);
                    assert!(!p.is_null());
                    std::ptr::write_bytes(p as *mut u8, 1, PIECE);
                    p as usize
                })
                .collect();
            ready_tx.send(()).unwrap();
            rx.recv().unwrap();
            for p in pieces {
                // SAFETY: allocated above with malloc, freed once.
                unsafe { libc::free(p as *mut libc::c_void) };
            }
        });
        ready_rx.recv().unwrap();
        let during = mapped();
        tx.send(()).unwrap();
        t.join().unwrap();
        // (Other tests allocate from the same C heap meanwhile: allow for them.)
        let bytes = (PIECE * PIECES) as u64;
        assert!(
            during.c_heap >= before.c_heap + bytes / 2,
            "C heap {} → {} with {bytes} bytes malloc'd",
            before.c_heap,
            during.c_heap
        );
        assert!(
            during.stacks < before.stacks + bytes / 2,
            "stacks {} → {}: the C heap was taken for a stack",
            before.stacks,
            during.stacks
        );
    }

    #[test]
    fn mapped_files_include_this_binary_s_code() {
        assert!(mapped().files > 0);
    }

    /// A private read-only mapping of `len` bytes of a new file holding `byte`s; with
    /// `written`, one page was written (copied on write) before it was made read-only.
    fn private_mapping(dir: &std::path::Path, byte: u8, len: usize, written: bool) -> (u64, u64) {
        use std::os::fd::AsRawFd;
        let path = dir.join(format!("map-{byte}"));
        std::fs::write(&path, vec![byte; len]).unwrap();
        let f = std::fs::File::open(&path).unwrap();
        // SAFETY: a new private mapping of our own file; written through only here, read
        // through by the test.
        unsafe {
            let p = libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE,
                f.as_raw_fd(),
                0,
            );
            assert_ne!(p, libc::MAP_FAILED);
            let p = p.cast::<u8>();
            if written {
                *p = 0xee;
            }
            // Read every page, so they are resident.
            let mut sum = 0u64;
            for i in (0..len).step_by(4096) {
                sum += std::ptr::read_volatile(p.add(i)) as u64;
            }
            std::hint::black_box(sum);
            assert_eq!(libc::mprotect(p.cast(), len, libc::PROT_READ), 0);
            (p as u64, p as u64 + len as u64)
        }
    }

    fn read_at(addr: u64) -> u8 {
        // SAFETY: `addr` is in a live mapping made by `private_mapping`.
        unsafe { std::ptr::read_volatile(addr as *const u8) }
    }

    #[test]
    fn file_pages_are_given_back_and_read_again_as_they_were_unless_copied_on_write() {
        let dir = tempfile::tempdir().unwrap();
        let len = 64 * 4096;
        let clean = private_mapping(dir.path(), 7, len, false);
        let copied = private_mapping(dir.path(), 9, len, true);
        let startup = StartupMappings(vec![clean, copied]);
        let returned = return_file_pages(&startup);
        // The clean mapping's pages went (all of them were resident), the copied one's did not.
        assert!(returned >= len as u64, "{returned} bytes given back");
        assert!(
            returned < 2 * len as u64,
            "the copied-on-write mapping was dropped"
        );
        assert_eq!(read_at(clean.0), 7);
        assert_eq!(read_at(clean.1 - 1), 7);
        assert_eq!(read_at(copied.0), 0xee, "a page copied on write was lost");
        assert_eq!(read_at(copied.0 + 4096), 9);
    }

    #[test]
    fn the_startup_mappings_hold_this_binary_s_code_and_it_runs_after_a_trim() {
        let startup = StartupMappings::read();
        let here = the_startup_mappings_hold_this_binary_s_code_and_it_runs_after_a_trim
            as *const () as usize as u64;
        assert!(
            startup.0.iter().any(|&(a, b)| (a..b).contains(&here)),
            "this function's code is not among {:x?}",
            startup.0
        );
        assert!(return_file_pages(&startup) > 0);
        // Code, constants and formatting work on after their pages went.
        assert_eq!(format!("{:?}", mapped().files > 0), "true");
    }

    /// A `Quiet` whose readings start at zero.
    fn quiet_at_zero() -> Quiet {
        Quiet {
            startup: StartupMappings::default(),
            stores: None,
            cpu: Duration::ZERO,
            faults: 0,
            since_trim: 0,
            worked: true,
            quiet_for: 0,
            trimmed: false,
            resettled: false,
            cpu_at_report: Duration::ZERO,
        }
    }

    /// Feed `q` a minute of seconds at the same readings: it must not trim in any.
    fn no_trim_for_a_minute(q: &mut Quiet, cpu: Duration, faults: u64) {
        for s in 0..60 {
            assert!(!q.observe(cpu, faults), "second {s}");
        }
    }

    /// Feed `q` quiet seconds at the same readings until it trims; how many it took.
    fn seconds_to_trim(q: &mut Quiet, cpu: Duration, faults: u64) -> u32 {
        (1..=60).find(|_| q.observe(cpu, faults)).expect("no trim")
    }

    #[test]
    fn an_idle_minute_has_no_memory_report_and_a_busy_one_has() {
        let mut q = quiet_at_zero();
        let ms = Duration::from_millis;
        // Idling: quiet checks, a snapshot and a trim, ~15 ms a minute.
        assert!(!q.report_due_at(ms(12)));
        // A pane printed a few MiB.
        assert!(q.report_due_at(ms(80)));
        q.cpu_at_report = ms(83);
        // The minute after the report (its own CPU time counted from it) was idle again.
        assert!(!q.report_due_at(ms(95)));
        assert!(q.report_due_at(ms(83) + REPORT_MIN_CPU));
    }

    #[test]
    fn a_report_after_the_trim_is_trimmed_at_once_and_one_after_other_work_is_not() {
        let mut q = quiet_at_zero();
        let ms = Duration::from_millis;
        assert!(!q.trim_after_report(), "work since start");
        seconds_to_trim(&mut q, ms(0), 0);
        assert!(q.trim_after_report());
        // The idle second after the trim changes nothing.
        assert!(!q.observe(ms(0), 12));
        assert!(q.trim_after_report());
        // Work: its trim comes once the server is quiet.
        assert!(!q.observe(ms(9), 300));
        assert!(!q.trim_after_report());
    }

    #[test]
    fn a_trim_waits_for_quiet_seconds_in_a_row_after_work() {
        let mut q = quiet_at_zero();
        let ms = Duration::from_millis;
        assert_eq!(seconds_to_trim(&mut q, ms(0), 0), QUIET_SECONDS);
        // Work: CPU in the second after the trim, then a second of page faults.
        assert!(!q.observe(ms(9), 40));
        assert!(!q.observe(ms(9), 300));
        assert_eq!(seconds_to_trim(&mut q, ms(9), 300), QUIET_SECONDS);
        // Idle after a trim: nothing more to trim.
        no_trim_for_a_minute(&mut q, ms(9), 300);
    }

    #[test]
    fn work_in_the_second_after_a_trim_is_trimmed_once_quiet_again() {
        let mut q = quiet_at_zero();
        let ms = Duration::from_millis;
        seconds_to_trim(&mut q, ms(0), 0);
        // The next second maps back what idling needs, and a state save ran in it.
        assert!(!q.observe(ms(5), 30));
        // Quiet again: what the save left mapped goes too.
        assert_eq!(seconds_to_trim(&mut q, ms(5), 30), QUIET_SECONDS);
        // Idling maps its pages back in the second after: not work, nothing more to trim.
        assert!(!q.observe(ms(5), 43));
        no_trim_for_a_minute(&mut q, ms(5), 43);
    }

    #[test]
    fn more_faults_after_a_trim_than_idling_maps_back_are_trimmed_once_more() {
        let mut q = quiet_at_zero();
        let us = Duration::from_micros;
        seconds_to_trim(&mut q, us(0), 0);
        // The second after: idling's pages and a thread's exit, with no CPU to speak of.
        assert!(!q.observe(us(300), 22));
        assert_eq!(seconds_to_trim(&mut q, us(300), 22), QUIET_SECONDS);
        // Once: if idling itself maps that much back, it is not trimmed over and over.
        assert!(!q.observe(us(600), 44));
        no_trim_for_a_minute(&mut q, us(600), 44);
        // Work starts it over.
        assert!(!q.observe(Duration::from_millis(9), 300));
        seconds_to_trim(&mut q, Duration::from_millis(9), 300);
        assert!(!q.observe(Duration::from_millis(9), 322));
        assert_eq!(
            seconds_to_trim(&mut q, Duration::from_millis(9), 322),
            QUIET_SECONDS
        );
    }

    #[test]
    fn page_faults_without_cpu_in_the_second_after_a_trim_are_idling_not_work() {
        let mut q = quiet_at_zero();
        let ms = Duration::from_millis;
        seconds_to_trim(&mut q, ms(0), 0);
        assert!(!q.observe(Duration::from_micros(300), 13));
        no_trim_for_a_minute(&mut q, Duration::from_micros(300), 13);
        // Faults beyond a stray one later are work: trimmed once quiet.
        assert!(!q.observe(ms(2), 20));
        assert_eq!(seconds_to_trim(&mut q, ms(2), 20), QUIET_SECONDS);
    }
}
