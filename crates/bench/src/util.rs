//! Process plumbing: RSS sampling from /proc, commands with deadlines, small statistics.

use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

pub const MIB: f64 = 1024.0 * 1024.0;

/// Pids of the servers this bench started, so that an interrupt (Ctrl-C, `timeout`) still
/// stops them: their Drop impls do not run when the process is killed by a signal.
static SERVERS: [AtomicU32; 64] = [const { AtomicU32::new(0) }; 64];

pub fn register_server(pid: u32) {
    for s in &SERVERS {
        if s.compare_exchange(0, pid, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

pub fn unregister_server(pid: u32) {
    for s in &SERVERS {
        let _ = s.compare_exchange(pid, 0, Ordering::SeqCst, Ordering::SeqCst);
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    for s in &SERVERS {
        let pid = s.load(Ordering::SeqCst);
        if pid != 0 {
            // SAFETY: kill and _exit are async-signal-safe.
            unsafe { libc::kill(pid as i32, libc::SIGTERM) };
        }
    }
    unsafe { libc::_exit(128 + sig) };
}

pub fn install_signal_cleanup() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only calls async-signal-safe functions.
        unsafe { libc::signal(sig, on_signal as *const () as libc::sighandler_t) };
    }
}

#[macro_export]
macro_rules! progress {
    ($($t:tt)*) => { eprintln!("[bench {:>7.1}s] {}", $crate::util::since_start(), format!($($t)*)) };
}

static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

pub fn since_start() -> f64 {
    START.get_or_init(Instant::now).elapsed().as_secs_f64()
}

/// VmRSS of a process in bytes, None once it is gone.
pub fn rss(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The RSS a process holds over `window`: the median of samples every 100 ms, 0 if it is
/// gone. An idle server is not flat: work of its own (a state snapshot, a memory report)
/// maps code back for the seconds until its next trim, and a trim dips below the level for a
/// second. The median of a window longer than twice those is the level it settles at, where
/// one sample is that level or a bump or a dip depending on when it is taken.
pub fn settled_rss(pid: u32, window: Duration) -> u64 {
    let tick = Duration::from_millis(100);
    let mut samples = Vec::new();
    let end = Instant::now() + window;
    while let Some(r) = rss(pid) {
        samples.push(r);
        if Instant::now() >= end {
            break;
        }
        std::thread::sleep(tick);
    }
    samples.sort_unstable();
    samples.get(samples.len() / 2).copied().unwrap_or(0)
}

pub fn mem_available() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with("MemAvailable:"))?;
            l.split_whitespace().nth(1)?.parse::<u64>().ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or(8 << 30)
}

/// Bytes read so far (rchar) by live processes named `comm` that descend from `root`: how far
/// the `cat`s feeding panes have got, for progress lines.
pub fn descendants_read(root: u32, comms: &[&str]) -> u64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    let mut procs = Vec::new(); // (pid, ppid, comm)
    for e in dir.flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let (Some(l), Some(r)) = (stat.find('('), stat.rfind(')')) else {
            continue;
        };
        let comm = stat[l + 1..r].to_string();
        let ppid: u32 = stat[r + 2..]
            .split_whitespace()
            .nth(1)
            .and_then(|x| x.parse().ok())
            .unwrap_or(0);
        procs.push((pid, ppid, comm));
    }
    let mut set = vec![root];
    let mut grew = true;
    while grew {
        grew = false;
        for (pid, ppid, _) in &procs {
            if set.contains(ppid) && !set.contains(pid) {
                set.push(*pid);
                grew = true;
            }
        }
    }
    procs
        .iter()
        .filter(|(pid, _, c)| set.contains(pid) && comms.contains(&c.as_str()))
        .filter_map(|(pid, _, _)| {
            let io = std::fs::read_to_string(format!("/proc/{pid}/io")).ok()?;
            io.lines()
                .find(|l| l.starts_with("rchar:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<u64>()
                .ok()
        })
        .sum()
}

/// Samples a server's RSS every `interval` on a thread; kills the server (SIGKILL) when it
/// passes `cap` so that a runaway comparison cannot take the shared machine down.
pub struct Sampler {
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    pub capped: Arc<AtomicBool>,
    handle: Option<JoinHandle<Vec<(f64, u64)>>>,
}

impl Sampler {
    pub fn start(label: &str, pid: u32, interval: Duration, cap: u64) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let capped = Arc::new(AtomicBool::new(false));
        let (s, p, c) = (stop.clone(), peak.clone(), capped.clone());
        let label = label.to_string();
        let handle = std::thread::spawn(move || {
            let t0 = Instant::now();
            let mut series = Vec::new();
            let mut last_note = Instant::now();
            while let Some(r) = rss(pid) {
                series.push((t0.elapsed().as_secs_f64(), r));
                p.fetch_max(r, Ordering::Relaxed);
                if r > cap && !c.load(Ordering::Relaxed) {
                    progress!(
                        "{label}: RSS {:.0} MiB passed the cap {:.0} MiB: killing pid {pid}",
                        r as f64 / MIB,
                        cap as f64 / MIB
                    );
                    c.store(true, Ordering::Relaxed);
                    unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                }
                if last_note.elapsed() >= Duration::from_secs(3) {
                    last_note = Instant::now();
                    let read = descendants_read(pid, &["cat", "head", "tr"]);
                    progress!(
                        "{label}: t={:.1}s rss {:.1} MiB (peak {:.1}), feeders read {:.0} MiB so far",
                        t0.elapsed().as_secs_f64(),
                        r as f64 / MIB,
                        p.load(Ordering::Relaxed) as f64 / MIB,
                        read as f64 / MIB
                    );
                }
                if s.load(Ordering::Relaxed) {
                    break;
                }
                std::thread::sleep(interval);
            }
            series
        });
        Sampler {
            stop,
            peak,
            capped,
            handle: Some(handle),
        }
    }

    pub fn peak(&self) -> u64 {
        self.peak.load(Ordering::Relaxed)
    }

    pub fn was_capped(&self) -> bool {
        self.capped.load(Ordering::Relaxed)
    }

    pub fn finish(mut self) -> Vec<(f64, u64)> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle
            .take()
            .map(|h| h.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Sampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Waits for a child with a deadline; kills it past the deadline.
pub fn wait_deadline(child: &mut Child, deadline: Instant, what: &str) -> Result<i32> {
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok(st.code().unwrap_or(-1));
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{what}: timed out");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs a command to completion, failing on a non-zero status, returning stdout.
pub fn run(cmd: &mut Command) -> Result<String> {
    let out: Output = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

pub fn min_max(v: &[f64]) -> (f64, f64) {
    v.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
            (a.min(x), b.max(x))
        })
}

/// Rounds for JSON readability.
pub fn r3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

pub fn mib(b: u64) -> f64 {
    r3(b as f64 / MIB)
}

/// Today's date (UTC) as YYYY-MM-DD.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    spool_proto::text::utc(secs, false)[..10].to_string()
}
