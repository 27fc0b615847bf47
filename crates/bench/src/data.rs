//! Deterministic data sets: a colored application log (SGR 16/256/truecolor runs) and its
//! plain-ASCII twin. Same seed, same bytes, on every machine, so runs compare.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::Result;

/// splitmix64: tiny, fast, and stable across versions (unlike `rand`'s default generators).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "request",
    "handled",
    "connection",
    "accepted",
    "from",
    "peer",
    "latency",
    "bytes",
    "queue",
    "flushed",
    "segment",
    "compacted",
    "retry",
    "backoff",
    "upstream",
    "timeout",
    "cache",
    "miss",
    "hit",
    "worker",
    "spawned",
    "shutdown",
    "graceful",
    "session",
    "token",
    "refreshed",
    "user",
    "login",
    "failed",
    "succeeded",
    "index",
    "rebuilt",
    "shard",
    "replica",
    "lag",
    "commit",
    "applied",
    "snapshot",
    "written",
    "to",
    "disk",
    "in",
    "ms",
    "the",
    "a",
    "of",
    "with",
    "and",
    "on",
    "state",
    "changed",
    "health",
    "check",
    "ok",
    "degraded",
    "metrics",
    "exported",
];
const MODULES: &[&str] = &[
    "http::server",
    "db::pool",
    "auth::session",
    "store::segment",
    "net::tcp",
    "sched::worker",
    "cache::lru",
    "raft::log",
    "api::v2::users",
    "io::uring",
];
const LEVELS: &[(&str, &str)] = &[
    ("INFO ", "\x1b[32m"),
    ("INFO ", "\x1b[32m"),
    ("INFO ", "\x1b[32m"),
    ("DEBUG", "\x1b[38;5;39m"),
    ("WARN ", "\x1b[1;33m"),
    ("ERROR", "\x1b[1;31m"),
    ("TRACE", "\x1b[38;5;99m"),
];

/// Appends one log line (with its '\n') for line number `n`; SGR only when `colored`.
/// The visible text is the same whether colored or not.
pub fn push_line(rng: &mut Rng, n: u64, colored: bool, out: &mut Vec<u8>) {
    let target = 100 + rng.below(31) as usize; // visible length 100..=130
    let start = out.len();
    let mut visible = 0usize;
    let span = |out: &mut Vec<u8>, sgr: &str, text: &str, visible: &mut usize| {
        if colored && !sgr.is_empty() {
            out.extend_from_slice(sgr.as_bytes());
        }
        out.extend_from_slice(text.as_bytes());
        if colored && !sgr.is_empty() {
            out.extend_from_slice(b"\x1b[0m");
        }
        *visible += text.len();
    };
    // Timestamp: 2024-03-15T00:00:00.000Z advancing 37 ms a line.
    let ms = n * 37;
    let (s, m, h) = ((ms / 1000) % 60, (ms / 60_000) % 60, (ms / 3_600_000) % 24);
    let day = 15 + (ms / 86_400_000) % 14;
    let ts = format!("2024-03-{day:02}T{h:02}:{m:02}:{s:02}.{:03}Z ", ms % 1000);
    span(out, "\x1b[38;5;244m", &ts, &mut visible);
    let (lvl, lsgr) = LEVELS[rng.below(LEVELS.len() as u64) as usize];
    span(out, lsgr, lvl, &mut visible);
    span(out, "", " ", &mut visible);
    let module = MODULES[rng.below(MODULES.len() as u64) as usize];
    let msgr = format!("\x1b[38;5;{}m", 16 + rng.below(216));
    span(out, &msgr, &format!("[{module}]"), &mut visible);
    let id = format!(" id=0x{:012x}", rng.next() & 0xffff_ffff_ffff);
    let id_len = id.len();
    while visible + id_len < target {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        let room = target - id_len - visible;
        let w = if w.len() + 1 > room {
            &"xxxxxxxxxxxxxxxx"[..room.saturating_sub(1).min(16)]
        } else {
            w
        };
        span(out, "", " ", &mut visible);
        match rng.below(16) {
            0 => {
                let sgr = format!(
                    "\x1b[38;2;{};{};{}m",
                    rng.below(256),
                    rng.below(256),
                    rng.below(256)
                );
                span(out, &sgr, w, &mut visible)
            }
            1 => span(out, "\x1b[1m", w, &mut visible),
            2 => span(out, "\x1b[4;35m", w, &mut visible),
            _ => span(out, "", w, &mut visible),
        }
    }
    span(out, "\x1b[36m", &id, &mut visible);
    debug_assert!(out.len() > start);
    out.push(b'\n');
}

/// Writes a log of at least `bytes` bytes (whole lines); a line `needle-N marker` replaces
/// every `needle_every`-th line when set. Returns the number of lines.
pub fn write_log(
    path: &Path,
    bytes: u64,
    colored: bool,
    seed: u64,
    needle_every: Option<u64>,
) -> Result<u64> {
    write_until(path, colored, seed, needle_every, |len, _| len >= bytes)
}

/// Like `write_log`, but exactly `lines` lines.
pub fn write_lines(
    path: &Path,
    lines: u64,
    colored: bool,
    seed: u64,
    needle_every: Option<u64>,
) -> Result<u64> {
    write_until(path, colored, seed, needle_every, |_, n| n >= lines)
}

fn write_until(
    path: &Path,
    colored: bool,
    seed: u64,
    needle_every: Option<u64>,
    done: impl Fn(u64, u64) -> bool,
) -> Result<u64> {
    let mut w = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng::new(seed);
    let mut buf = Vec::with_capacity(1 << 16);
    let (mut len, mut n) = (0u64, 0u64);
    while !done(len, n) {
        buf.clear();
        match needle_every {
            Some(k) if n % k == k / 2 => {
                buf.extend_from_slice(format!("needle-{n} marker line\n").as_bytes())
            }
            _ => push_line(&mut rng, n, colored, &mut buf),
        }
        w.write_all(&buf)?;
        len += buf.len() as u64;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

/// Removes CSI sequences (ESC [ params final) and other ESC-introduced pairs from a line.
pub fn strip_sgr(line: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    let mut i = 0;
    while i < line.len() {
        if line[i] == 0x1b {
            if line.get(i + 1) == Some(&b'[') {
                i += 2;
                while i < line.len() && !(0x40..=0x7e).contains(&line[i]) {
                    i += 1;
                }
                i += 1;
            } else {
                i += 2;
            }
        } else {
            out.push(line[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colored_and_plain_have_the_same_visible_text() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        for n in 0..2000 {
            let (mut c, mut p) = (Vec::new(), Vec::new());
            push_line(&mut a, n, true, &mut c);
            push_line(&mut b, n, false, &mut p);
            assert_eq!(strip_sgr(&c), p);
            let vis = p.len() - 1;
            assert!((100..=130).contains(&vis), "{vis}");
            assert!(p.iter().all(|&b| b == b'\n' || (0x20..0x7f).contains(&b)));
        }
    }
}
