//! Deterministic workloads for `spool debug bench-term`: colored log lines, plain ASCII lines
//! and a full-screen TUI redraw stream. Generated in memory from a fixed seed, so every run
//! measures the same bytes.

/// xorshift64*: tiny, deterministic, good enough to vary text and colors.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "request",
    "served",
    "user",
    "cache",
    "miss",
    "hit",
    "connection",
    "closed",
    "opened",
    "latency",
    "bytes",
    "segment",
    "flushed",
    "worker",
    "queue",
    "depth",
    "retry",
    "timeout",
    "handshake",
    "complete",
    "session",
    "token",
    "refreshed",
    "upstream",
    "healthy",
    "shard",
    "rebalanced",
    "compaction",
    "started",
    "finished",
    "snapshot",
    "written",
    "GET",
    "POST",
    "/api/v1/items",
    "/healthz",
    "200",
    "404",
    "503",
    "ms",
    "ok",
    "id=7f3a",
    "peer=10.0.3.7",
];

fn push_words(out: &mut Vec<u8>, rng: &mut Rng, visible: usize, colored: bool) {
    let mut n = 0;
    while n < visible {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        if colored && rng.below(6) == 0 {
            let c = 16 + rng.below(216);
            out.extend_from_slice(format!("\x1b[38;5;{c}m{w}\x1b[39m ").as_bytes());
        } else {
            out.extend_from_slice(w.as_bytes());
            out.push(b' ');
        }
        n += w.len() + 1;
    }
}

/// Log lines with SGR 256-color and truecolor runs, ~100–130 visible characters each.
pub fn colored_log(bytes: usize) -> Vec<u8> {
    let mut rng = Rng(0x5eed_0001);
    let mut out = Vec::with_capacity(bytes + 512);
    let mut seq = 0u64;
    while out.len() < bytes {
        seq += 1;
        let (lvl, color) = match rng.below(10) {
            0 => ("ERROR", "1;31"),
            1 | 2 => ("WARN ", "33"),
            3 => ("DEBUG", "2;37"),
            _ => ("INFO ", "32"),
        };
        let (r, g, b) = (rng.below(256), rng.below(256), rng.below(256));
        out.extend_from_slice(
            format!(
                "\x1b[38;5;245m2026-11-25T10:{:02}:{:02}.{:03}Z\x1b[0m \x1b[{color}m{lvl}\x1b[0m \
                 \x1b[38;2;{r};{g};{b}mspool::pane::{:<6}\x1b[0m ",
                (seq / 60_000) % 60,
                (seq / 1000) % 60,
                seq % 1000,
                seq % 997,
            )
            .as_bytes(),
        );
        let visible = 50 + rng.below(30) as usize;
        push_words(&mut out, &mut rng, visible, true);
        out.extend_from_slice(b"\x1b[0m\r\n");
    }
    out
}

/// Plain ASCII lines of 60–130 characters.
pub fn plain_log(bytes: usize) -> Vec<u8> {
    let mut rng = Rng(0x5eed_0002);
    let mut out = Vec::with_capacity(bytes + 256);
    while out.len() < bytes {
        let visible = 60 + rng.below(70) as usize;
        push_words(&mut out, &mut rng, visible, false);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Full-screen redraws of a `cols` × `rows` TUI (like htop/vim): cursor addressing, colored
/// cells, an inverse status line, erase-to-end-of-line, all inside DEC 2026 updates.
pub fn tui_redraw(bytes: usize, cols: usize, rows: usize) -> Vec<u8> {
    let mut rng = Rng(0x5eed_0003);
    let mut out = Vec::with_capacity(bytes + cols * rows * 4);
    out.extend_from_slice(b"\x1b[?1049h\x1b[?25l");
    let mut frame = 0u64;
    while out.len() < bytes {
        frame += 1;
        out.extend_from_slice(b"\x1b[?2026h\x1b[H");
        for y in 0..rows.saturating_sub(1) {
            out.extend_from_slice(format!("\x1b[{};1H", y + 1).as_bytes());
            let mut x = 0;
            while x + 12 < cols {
                let c = rng.below(256);
                let w = 4 + rng.below(8) as usize;
                out.extend_from_slice(format!("\x1b[38;5;{c}m").as_bytes());
                for i in 0..w {
                    out.push(b'a' + ((frame as usize + x + i) % 26) as u8);
                }
                out.push(b' ');
                x += w + 1;
            }
            out.extend_from_slice(b"\x1b[0m\x1b[K");
        }
        out.extend_from_slice(
            format!(
                "\x1b[{rows};1H\x1b[7m frame {frame:<10} {:>w$}\x1b[0m",
                "spool",
                w = cols.saturating_sub(20)
            )
            .as_bytes(),
        );
        out.extend_from_slice(b"\x1b[?2026l");
    }
    out.extend_from_slice(b"\x1b[?1049l\x1b[?25h");
    out
}

/// Bytes handed to the emulator per call when measuring: a typical PTY read.
pub const CHUNK: usize = 64 * 1024;

fn mib_s(bytes: usize, secs: f64) -> f64 {
    (bytes as f64 / (1024.0 * 1024.0)) / secs.max(1e-9)
}

/// A `vte::Perform` that does nothing: the parse-only speed limit.
struct Nop;
impl vte::Perform for Nop {}

/// MiB/s of vte's bare parser over `data` (fed in [`CHUNK`]s).
pub fn parser_mib_s(data: &[u8]) -> f64 {
    let mut p = Box::new(vte::Parser::<{ crate::OSC_MAX }>::new_with_size());
    let t = std::time::Instant::now();
    for chunk in data.chunks(CHUNK) {
        p.advance(&mut Nop, chunk);
    }
    mib_s(data.len(), t.elapsed().as_secs_f64())
}

/// MiB/s of the full emulator over `data` (fed in [`CHUNK`]s, replies drained), and the
/// emulator's memory afterwards.
pub fn terminal_mib_s<S: crate::HistorySink>(data: &[u8], term: &mut crate::Terminal<S>) -> f64 {
    let t = std::time::Instant::now();
    for chunk in data.chunks(CHUNK) {
        term.feed(chunk);
        let _ = term.take_replies();
    }
    mib_s(data.len(), t.elapsed().as_secs_f64())
}
