//! Where a pane's parser runs: confined to the work CPUs while its output flows in bulk and
//! parses cheaply, anywhere otherwise.
//!
//! The compression workers always keep off the CPU left to output chains (see
//! `spool_store`'s `placement.rs`). A parser joins them only when that pays:
//! - Output flows in bulk: batches of [`BULK_BATCH_BYTES`]. An echo or a redraw never moves a
//!   parser, so a pane someone types in is parsed wherever a CPU is free.
//! - It parses cheaply: at least [`CONFINE_MIN_RATE`] bytes per second of the parser's own CPU
//!   time. Then the chain that carries the output (program, kernel tty worker, reader) is what
//!   the program waits for, and it needs a CPU to itself. Output that is dear to parse (random
//!   bytes, dense escape sequences) makes the parser what the program waits for; confined, it
//!   would share its CPUs with compression and go slower (measured: 64 MiB of random bytes,
//!   5.3–6.0 s free against 7.1–8.5 s confined, on 2 cores).
//!
//! The rate is judged on the first bulk batch, then again on every [`RATE_WINDOW_BYTES`] of bulk
//! output, so output that changes kind moves the parser at most once per window. Once the pane
//! is quiet, the parser runs anywhere again.

use std::time::Duration;

use spool_store::WorkCpus;

/// A batch this large means output flows in bulk: the reader filled half an inbox while the
/// parser was busy with the last one. An echo is a few bytes, and even a full-screen redraw of
/// a 200×50 editor is a few KiB.
pub const BULK_BATCH_BYTES: usize = crate::inbox::INBOX_BYTES / 2;

/// Parsing at least this fast (bytes per second of the parser thread's CPU time) is cheap next
/// to the chain that carries the output: on 2 cores here, the program, the kernel's tty worker
/// and the reader together move 80–140 MiB per CPU-second. A colored log parses at ~130 MiB
/// per CPU-second and plain text faster; random bytes at ~12.
pub const CONFINE_MIN_RATE: f64 = 64.0 * 1024.0 * 1024.0;

/// Bulk output between two judgements of the rate: 1 MiB is about a hundredth of a second of
/// a fast stream, and at most one move of the parser per MiB costs nothing next to parsing it.
pub const RATE_WINDOW_BYTES: usize = 1024 * 1024;

/// One parser's placement; lives on its thread (see `Pane::read_loop`).
pub struct ParserPlacement<'a> {
    work: &'a WorkCpus,
    confined: bool,
    /// Bulk bytes parsed since the last judgement, and the CPU time they took; `None` before
    /// the first bulk batch since the pane was quiet.
    window: Option<(usize, Duration)>,
}

impl<'a> ParserPlacement<'a> {
    pub fn new(work: &'a WorkCpus) -> ParserPlacement<'a> {
        ParserPlacement {
            work,
            confined: false,
            window: None,
        }
    }

    /// Before parsing a batch of `len` bytes: the thread's CPU time if the batch is bulk
    /// output, for [`Self::parsed`]; nothing is read for small batches (typing).
    pub fn start(&self, len: usize) -> Option<Duration> {
        (len >= BULK_BATCH_BYTES).then(thread_cpu_time)
    }

    /// The batch [`Self::start`] was given is parsed. Confines or releases the calling thread
    /// when the judgement of its output changes.
    pub fn parsed(&mut self, len: usize, start: Option<Duration>) {
        if let Some(before) = start {
            self.judge(len, thread_cpu_time().saturating_sub(before));
        }
    }

    /// A bulk batch of `len` bytes took `cpu` of the thread's CPU time.
    fn judge(&mut self, len: usize, cpu: Duration) {
        let (bytes, time) = match self.window {
            None => (len, cpu),
            Some((b, t)) => (b + len, t + cpu),
        };
        if self.window.is_some() && bytes < RATE_WINDOW_BYTES {
            self.window = Some((bytes, time));
            return;
        }
        self.window = Some((0, Duration::ZERO));
        self.set(cheap(bytes, time));
    }

    /// The pane is quiet: the parser runs anywhere again, and the next bulk batch is judged
    /// afresh.
    pub fn quiet(&mut self) {
        self.window = None;
        self.set(false);
    }

    #[cfg(test)]
    fn is_confined(&self) -> bool {
        self.confined
    }

    fn set(&mut self, confined: bool) {
        if confined == self.confined {
            return;
        }
        self.confined = confined;
        if confined {
            self.work.confine_current_thread();
        } else {
            self.work.release_current_thread();
        }
    }
}

/// Did `bytes` parse cheaply in `cpu` (see [`CONFINE_MIN_RATE`])? Too short to measure counts
/// as cheap.
fn cheap(bytes: usize, cpu: Duration) -> bool {
    let secs = cpu.as_secs_f64();
    secs <= 0.0 || bytes as f64 / secs >= CONFINE_MIN_RATE
}

/// CPU time the calling thread has used (zero if it cannot be read).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: writes one timespec we own; CLOCK_THREAD_CPUTIME_ID needs nothing else.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: usize = 1024 * 1024;

    /// What the calling thread may run on, as the kernel says.
    fn allowed() -> String {
        let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
            .unwrap()
            .trim()
            .to_string()
    }

    #[test]
    fn cheap_bulk_output_confines_and_dear_output_releases_at_the_next_window() {
        std::thread::spawn(|| {
            let work = WorkCpus::leave_one_for_output();
            let everywhere = allowed();
            let mut p = ParserPlacement::new(&work);
            // Small batches (typing) are not even measured, and never move the parser.
            assert_eq!(p.start(100), None);
            p.parsed(100, None);
            assert!(!p.is_confined());
            // A first bulk batch at 200 MiB per CPU-second: confined at once.
            p.judge(64 * 1024, Duration::from_micros(312));
            assert!(p.is_confined());
            if !work.cpus().is_empty() {
                assert_ne!(allowed(), everywhere);
            }
            // Random bytes at 12 MiB per CPU-second: released once a window of them is seen.
            let batch = 64 * 1024;
            let dear = Duration::from_micros(5_200);
            for _ in 0..(MIB / batch - 1) {
                p.judge(batch, dear);
                assert!(p.is_confined(), "judged only once a window is full");
            }
            p.judge(batch, dear);
            assert!(!p.is_confined());
            assert_eq!(allowed(), everywhere);
            // Quiet, then a fresh cheap burst is judged on its first batch again.
            p.quiet();
            p.judge(64 * 1024, Duration::from_micros(312));
            assert!(p.is_confined());
            p.quiet();
            assert!(!p.is_confined());
            assert_eq!(allowed(), everywhere);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_first_bulk_batch_that_parses_dearly_leaves_the_parser_free() {
        let work = WorkCpus::leave_one_for_output();
        let mut p = ParserPlacement::new(&work);
        p.judge(64 * 1024, Duration::from_millis(5));
        assert!(!p.is_confined());
    }

    #[test]
    fn the_threads_cpu_time_advances_with_work() {
        let t0 = thread_cpu_time();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        std::hint::black_box(x);
        assert!(thread_cpu_time() > t0);
    }
}
