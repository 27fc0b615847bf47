//! Soak benchmark for the store (not a test: run on demand, prints one JSON line).
//!
//! ```text
//! cargo run --release -p spool-store --example soak -- --rows 10000000 [--dir D] [--level 3] [--threads 1]
//! ```
//!
//! Pushes N rows of deterministic colored log text (timestamps, levels, module names in 256
//! colors, some truecolor, random hex ids, ~100–130 visible chars), flushes, reads every row
//! back and verifies it against a regenerated copy, times random cold single-row reads and a
//! full-history regex search, then compresses the same output as a program would print it
//! (with SGR escapes) and as plain text with zstd -3 for comparison.

use std::io::Write;
use std::ops::ControlFlow;
use std::time::Instant;

use spool_store::{Attrs, Color, Env, Row, Run, Store, StoreConfig, Style};

/// Deterministic generator (splitmix64).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const WORDS: &[&str] = &[
    "request",
    "handled",
    "connection",
    "accepted",
    "from",
    "upstream",
    "cache",
    "miss",
    "hit",
    "retrying",
    "after",
    "timeout",
    "worker",
    "started",
    "finished",
    "job",
    "queue",
    "depth",
    "bytes",
    "written",
    "flushed",
    "segment",
    "sealed",
    "compacted",
    "user",
    "session",
    "opened",
    "closed",
    "latency",
    "exceeded",
    "budget",
    "rebalancing",
    "partition",
    "leader",
    "elected",
];
const MODULES: &[&str] = &[
    "http::server",
    "db::pool",
    "cache::lru",
    "auth::session",
    "queue::worker",
    "net::tcp",
    "store::segment",
    "sched::timer",
];

/// Row `n` of the log, both as a store row and as the bytes a program would print.
fn gen_row(n: u64, ansi: &mut Vec<u8>) -> Row {
    let mut rng = Rng(n.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xDEAD_BEEF);
    let mut text = String::with_capacity(160);
    let mut runs: Vec<Run> = Vec::with_capacity(12);
    ansi.clear();
    let mut push = |text: &mut String, runs: &mut Vec<Run>, s: &str, style: Style| {
        text.push_str(s);
        match runs.last_mut() {
            Some(r) if r.style == style => r.len += s.len() as u32,
            _ => runs.push(Run {
                len: s.len() as u32,
                style,
            }),
        }
        sgr(ansi, &style);
        ansi.extend_from_slice(s.as_bytes());
    };
    let plain = Style::default();
    let dim = Style {
        attrs: Attrs::DIM,
        ..plain
    };
    let secs = 1_700_000_000 + n / 50;
    let ts = format!(
        "2026-11-{:02}T{:02}:{:02}:{:02}.{:03}Z ",
        1 + (secs / 86_400) % 28,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
        (n * 37) % 1000
    );
    push(&mut text, &mut runs, &ts, dim);
    let (lvl, style) = match rng.below(20) {
        0 => (
            "ERROR",
            Style {
                fg: Color::Indexed(1),
                attrs: Attrs::BOLD,
                ..plain
            },
        ),
        1..=3 => (
            "WARN ",
            Style {
                fg: Color::Indexed(3),
                ..plain
            },
        ),
        4..=5 => (
            "DEBUG",
            Style {
                fg: Color::Indexed(4),
                ..plain
            },
        ),
        _ => (
            "INFO ",
            Style {
                fg: Color::Indexed(2),
                ..plain
            },
        ),
    };
    push(&mut text, &mut runs, lvl, style);
    push(&mut text, &mut runs, " ", plain);
    let m = MODULES[rng.below(MODULES.len() as u64) as usize];
    push(
        &mut text,
        &mut runs,
        m,
        Style {
            fg: Color::Indexed(37 + rng.below(6) as u8 * 36),
            ..plain
        },
    );
    push(&mut text, &mut runs, ": ", plain);
    let target = 100 + rng.below(31) as usize;
    while text.chars().count() < target - 24 {
        let w = WORDS[rng.below(WORDS.len() as u64) as usize];
        push(&mut text, &mut runs, w, plain);
        push(&mut text, &mut runs, " ", plain);
        if rng.below(9) == 0 {
            let v = format!("{}ms ", rng.below(5000));
            let st = Style {
                fg: Color::Rgb(255, 135 + rng.below(100) as u8, 0),
                ..plain
            };
            push(&mut text, &mut runs, &v, st);
        }
    }
    push(&mut text, &mut runs, "id=", dim);
    let id = format!("{:016x}", rng.next());
    push(
        &mut text,
        &mut runs,
        &id,
        Style {
            fg: Color::Indexed(5),
            ..plain
        },
    );
    sgr(ansi, &plain);
    ansi.push(b'\n');
    while runs.last().is_some_and(|r| r.style.is_default()) {
        runs.pop();
    }
    Row {
        text,
        runs,
        flags: Default::default(),
    }
}

fn color_sgr(out: &mut Vec<u8>, base: u8, c: Color) {
    match c {
        Color::Default => {}
        Color::Indexed(i) if i < 8 => {
            let _ = write!(out, ";{}", base + i);
        }
        Color::Indexed(i) => {
            let _ = write!(out, ";{};5;{i}", base + 8);
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{};2;{r};{g};{b}", base + 8);
        }
    }
}

fn sgr(out: &mut Vec<u8>, s: &Style) {
    out.extend_from_slice(b"\x1b[0");
    if s.attrs.contains(Attrs::BOLD) {
        out.extend_from_slice(b";1");
    }
    if s.attrs.contains(Attrs::DIM) {
        out.extend_from_slice(b";2");
    }
    color_sgr(out, 30, s.fg);
    color_sgr(out, 40, s.bg);
    out.push(b'm');
}

fn peak_rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let rows: u64 = arg("--rows").map_or(Ok(1_000_000), |v| v.parse())?;
    let level: i32 = arg("--level").map_or(Ok(3), |v| v.parse())?;
    let threads: usize = arg("--threads").map_or(Ok(1), |v| v.parse())?;
    let tmp = tempdir_in(arg("--dir"))?;
    let pane = tmp.join("pane");
    let env = Env::new(StoreConfig {
        zstd_level: level,
        compress_threads: threads,
        retention_pane_bytes: 0,
        ..StoreConfig::default()
    });
    let store = Store::open(&env, &pane)?;
    let mut ansi = Vec::new();

    // Push.
    let mut text_bytes = 0u64;
    let mut push_time = std::time::Duration::ZERO;
    for n in 0..rows {
        let row = gen_row(n, &mut ansi);
        text_bytes += row.text.len() as u64 + 1;
        let t = Instant::now();
        store.push(row.as_ref())?;
        push_time += t.elapsed();
    }
    let t = Instant::now();
    store.flush()?;
    push_time += t.elapsed();

    // Read everything back, verified.
    let mut verified = 0u64;
    let t = Instant::now();
    for (i, r) in store.range(0..u64::MAX).enumerate() {
        let (n, row) = r?;
        assert_eq!(n, i as u64);
        if row == gen_row(n, &mut ansi) {
            verified += 1;
        }
    }
    let read_all_s = t.elapsed().as_secs_f64();

    // Random single-row reads (segment cache: 8 MiB of thousands of segments, so nearly cold).
    let mut rng = Rng(42);
    let mut lat: Vec<f64> = (0..20_000)
        .map(|_| {
            let n = rng.below(rows.max(1));
            let t = Instant::now();
            let _ = store.get(n);
            t.elapsed().as_secs_f64() * 1e6
        })
        .collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };

    // Full-history search for something rare.
    let re = spool_store::compile(r"ERROR http::server: .*timeout .*id=ffff")?;
    let t = Instant::now();
    let mut hits = 0u64;
    let out = store.search(
        &re,
        0..u64::MAX,
        |_| {
            hits += 1;
            ControlFlow::Continue(())
        },
        |_| ControlFlow::Continue(()),
    )?;
    let search_s = t.elapsed().as_secs_f64();
    let st = store.stats();
    let cache = env.cache().stats();
    let peak = peak_rss();

    // Reference: zstd -3 of the same output, streamed (not counted in the peak above).
    let mut z_ansi = zstd_len(level);
    let mut z_plain = zstd_len(level);
    let mut ansi_bytes = 0u64;
    for n in 0..rows {
        let row = gen_row(n, &mut ansi);
        ansi_bytes += ansi.len() as u64;
        z_ansi.write_all(&ansi)?;
        z_plain.write_all(row.text.as_bytes())?;
        z_plain.write_all(b"\n")?;
    }
    let z_ansi = z_ansi.finish()?.0;
    let z_plain = z_plain.finish()?.0;
    drop(store);
    let _ = std::fs::remove_dir_all(&tmp);

    let mb = |b: u64, s: f64| if s > 0.0 { b as f64 / 1e6 / s } else { 0.0 };
    println!(
        "{{\"rows\":{rows},\"verified_rows\":{verified},\"raw_text_bytes\":{text_bytes},\"ansi_bytes\":{ansi_bytes},\
\"disk_bytes\":{},\"uncompressed_bytes\":{},\"segments\":{},\"disk_bytes_per_row\":{:.2},\
\"zstd3_ansi_bytes\":{z_ansi},\"zstd3_plain_bytes\":{z_plain},\"disk_vs_zstd3_ansi\":{:.3},\"disk_vs_zstd3_plain\":{:.3},\
\"push_mb_per_s\":{:.1},\"read_all_mb_per_s\":{:.1},\"read_p50_us\":{:.1},\"read_p99_us\":{:.1},\
\"search_mb_per_s\":{:.1},\"search_hits\":{hits},\"store_memory_bytes\":{},\"index_bytes\":{},\
\"cache_bytes\":{},\"cache_hits\":{},\"cache_misses\":{},\"peak_rss_bytes\":{peak}}}",
        st.disk_bytes,
        st.uncompressed_bytes,
        st.segments,
        st.disk_bytes as f64 / rows.max(1) as f64,
        st.disk_bytes as f64 / z_ansi.max(1) as f64,
        st.disk_bytes as f64 / z_plain.max(1) as f64,
        mb(text_bytes, push_time.as_secs_f64()),
        mb(text_bytes, read_all_s),
        pct(0.50),
        pct(0.99),
        mb(out.bytes_searched, search_s),
        st.memory_bytes,
        st.index_bytes,
        cache.bytes,
        cache.hits,
        cache.misses,
    );
    Ok(())
}

/// A zstd encoder that only counts its output.
fn zstd_len(level: i32) -> zstd::stream::write::Encoder<'static, Counter> {
    zstd::stream::write::Encoder::new(Counter(0), level).expect("zstd encoder")
}

struct Counter(u64);
impl Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
fn tempdir_in(dir: Option<String>) -> std::io::Result<std::path::PathBuf> {
    let base = dir
        .map(std::path::PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let p = base.join(format!("spool-soak-{}", std::process::id()));
    std::fs::create_dir_all(&p)?;
    Ok(p)
}
