//! Which CPUs the bulk work behind a pane's output runs on.
//!
//! A pane's output reaches the server through a chain that hands each 4 KiB along (a PTY's
//! line discipline holds no more): the program writes, the kernel's tty worker moves the bytes
//! to the master side, the pane's reader reads them, and the next write goes on. Every hand-off
//! is a wake-up, and a wake-up that crosses to another CPU costs several times one that stays
//! (an inter-processor interrupt; on a virtual machine, an exit to the hypervisor).
//!
//! The bulk work behind the chain is the pane's parser, the compression workers and the
//! geometry warmers (a parser joins them while its output is bulk and cheap to parse; the
//! server's `placement.rs` decides). Left to the scheduler, it lands on every CPU in turn.
//! Then the chain is pushed from CPU to CPU and waits behind it. Kept off one CPU, the bulk
//! work leaves the chain a CPU where its hand-offs stay local, and it fills the other CPUs
//! itself.
//!
//! Measured on 2 cores, with a pane `cat`ting 128 MiB of colored log:
//! - 45 MiB/s with the scheduler placing everything;
//! - 67–71 MiB/s with the parser and compression kept off one CPU;
//! - no gain keeping only the parser off it, or only compression: the chain needs a CPU that
//!   none of the bulk work visits.
//!
//! Nice values and `SCHED_BATCH` were measured too, and change nothing: the cost is where
//! threads run, not how long they wait for a turn.
//!
//! Nothing else is confined. The programs, the kernel's workers, the pane readers, the
//! runtime's threads and searches (someone is waiting for those) run anywhere. With a single
//! allowed CPU there is nothing to leave, and nothing is confined.

/// The CPUs bulk work may run on; empty means anywhere.
///
/// At most `CPU_SETSIZE` (1,024, the kernel's affinity mask for a thread) entries of 2 bytes:
/// the size of the machine bounds it, never anything a pane prints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkCpus {
    cpus: Vec<u16>,
    /// What was allowed when this was made, for [`WorkCpus::release_current_thread`]; the
    /// same bound.
    allowed: Vec<u16>,
}

impl WorkCpus {
    /// No confinement: the scheduler places bulk work anywhere.
    pub fn anywhere() -> WorkCpus {
        WorkCpus::default()
    }

    /// All the CPUs the calling thread may use but the first, which is left to output chains.
    /// Anywhere when it may use fewer than two, or when they cannot be read.
    pub fn leave_one_for_output() -> WorkCpus {
        WorkCpus::leaving_first(&allowed_cpus())
    }

    /// `allowed` less its first CPU; anywhere when fewer than two are allowed.
    fn leaving_first(allowed: &[u16]) -> WorkCpus {
        match allowed {
            [_, rest @ ..] if !rest.is_empty() => WorkCpus {
                cpus: rest.to_vec(),
                allowed: allowed.to_vec(),
            },
            _ => WorkCpus::anywhere(),
        }
    }

    /// The CPUs, in increasing order; empty for anywhere.
    pub fn cpus(&self) -> &[u16] {
        &self.cpus
    }

    /// Confine the calling thread to these CPUs (Linux affinity is per thread, and threads
    /// started from it inherit it). Anywhere confines nothing. A failure (a CPU taken away
    /// since, a sandbox that forbids it) leaves the thread where it could run before: placement
    /// is a speed-up, never a condition.
    pub fn confine_current_thread(&self) {
        set_current_thread(&self.cpus);
    }

    /// Let the calling thread run anywhere it could when this was made (a pane's parser once
    /// its output stops: see `pane.rs`). Anywhere releases nothing.
    pub fn release_current_thread(&self) {
        set_current_thread(&self.allowed);
    }
}

/// Set the calling thread's CPUs; nothing for an empty list.
fn set_current_thread(cpus: &[u16]) {
    if cpus.is_empty() {
        return;
    }
    // SAFETY: cpu_set_t is plain bits; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    for &c in cpus {
        // SAFETY: CPU_SET writes one bit of `set`, and ignores a CPU beyond CPU_SETSIZE.
        unsafe { libc::CPU_SET(usize::from(c), &mut set) };
    }
    // SAFETY: `set` is a valid cpu_set_t of the size passed; pid 0 is the calling thread.
    let rc = unsafe { libc::sched_setaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &set) };
    if rc != 0 {
        tracing::debug!(
            error = %std::io::Error::last_os_error(),
            "thread placement not changed"
        );
    }
}

/// The CPUs the calling thread may use, in increasing order; empty if they cannot be read.
fn allowed_cpus() -> Vec<u16> {
    // SAFETY: cpu_set_t is plain bits; all zeros is the empty set.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    // SAFETY: `set` is a valid, writable cpu_set_t of the size passed; pid 0 is this thread.
    let rc =
        unsafe { libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) };
    if rc != 0 {
        return Vec::new();
    }
    (0..libc::CPU_SETSIZE as usize)
        // SAFETY: CPU_ISSET reads one bit of a valid set, `c` is below CPU_SETSIZE.
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .map(|c| c as u16)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_allowed_cpu_is_left_and_the_rest_take_the_work() {
        assert_eq!(WorkCpus::leaving_first(&[0, 1]).cpus(), &[1]);
        assert_eq!(WorkCpus::leaving_first(&[2, 5, 7]).cpus(), &[5, 7]);
    }

    #[test]
    fn one_allowed_cpu_or_none_known_confines_nothing() {
        assert_eq!(WorkCpus::leaving_first(&[3]), WorkCpus::anywhere());
        assert_eq!(WorkCpus::leaving_first(&[]), WorkCpus::anywhere());
    }

    #[test]
    fn a_confined_thread_runs_only_on_the_work_cpus_and_others_keep_theirs() {
        let all = allowed_cpus();
        let work = WorkCpus::leave_one_for_output();
        let seen = std::thread::spawn(move || {
            work.confine_current_thread();
            (allowed_cpus(), work)
        })
        .join()
        .unwrap();
        if all.len() < 2 {
            assert!(seen.1.cpus().is_empty(), "one CPU: nothing is confined");
            assert_eq!(seen.0, all);
        } else {
            assert_eq!(seen.0, all[1..], "the first CPU is left to output");
        }
        assert_eq!(allowed_cpus(), all, "the calling thread is untouched");
    }

    #[test]
    fn a_released_thread_runs_anywhere_again() {
        let all = allowed_cpus();
        let seen = std::thread::spawn(|| {
            let work = WorkCpus::leave_one_for_output();
            work.confine_current_thread();
            work.release_current_thread();
            allowed_cpus()
        })
        .join()
        .unwrap();
        assert_eq!(seen, all);
    }
}
