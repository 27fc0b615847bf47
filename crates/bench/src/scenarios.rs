//! The scenarios. Each returns one JSON object; spool and tmux run in the same invocation,
//! interleaved, so that comparisons are ratios taken under the same machine noise.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use serde_json::{json, Value};

use crate::data;
use crate::plot::{Series, SPOOL, TARGET, TMUX};
use crate::progress;
use crate::rawpty;
use crate::servers::{sq, Spool, Tmux};
use crate::util::{median, mib, min_max, r3, settled_rss, Sampler, MIB};

const TICK: Duration = Duration::from_millis(100);
const COLS: u16 = 200;
const ROWS: u16 = 50;

pub struct Plot {
    pub name: String,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    pub log_x: bool,
}

pub struct Ctx {
    pub quick: bool,
    /// `--huge`: the search scenario also runs at 80M lines.
    pub huge: bool,
    pub spool_bin: PathBuf,
    pub tmp: PathBuf,
    /// A server whose RSS passes this is killed (the comparison is then reported as capped).
    pub cap: u64,
    pub timeout: Duration,
    pub plots: Vec<Plot>,
}

impl Ctx {
    pub fn q<T>(&self, quick: T, full: T) -> T {
        if self.quick {
            quick
        } else {
            full
        }
    }

    /// The colored log of `mib` MiB (generated once per run, cached in the temp dir).
    pub fn log(&self, mib: u64, colored: bool) -> Result<PathBuf> {
        let kind = if colored { "colored" } else { "plain" };
        let p = self.tmp.join(format!("{kind}-{mib}MiB.log"));
        if !p.exists() {
            progress!("generating {} ({mib} MiB)", p.display());
            let part = p.with_extension("part");
            data::write_log(&part, mib << 20, colored, 42, None)?;
            std::fs::rename(&part, &p)?;
        }
        Ok(p)
    }

    pub fn spool(&self) -> Result<Spool> {
        Spool::start(&self.spool_bin, &self.tmp, None)
    }

    /// A server started with this `config.toml`.
    pub fn spool_with_config(&self, toml: &str) -> Result<Spool> {
        Spool::start(&self.spool_bin, &self.tmp, Some(toml))
    }

    fn tmux(&self, history_limit: u64) -> Result<Tmux> {
        Tmux::start(&self.tmp, history_limit)
    }
}

fn rss_series(s: &[(f64, u64)]) -> Vec<(f64, f64)> {
    s.iter().map(|&(t, b)| (t, b as f64 / MIB)).collect()
}

fn file_mib(p: &Path) -> f64 {
    std::fs::metadata(p)
        .map(|m| m.len() as f64 / MIB)
        .unwrap_or(0.0)
}

/// Compares a pane's `capture -S - -J` with the file's lines, SGR stripped. Streams both.
fn verify_capture(sp: &Spool, pane: &str, file: &Path) -> Result<Value> {
    let t0 = Instant::now();
    let mut child = sp
        .cmd()
        .args(["capture", "-t", pane, "-S", "-", "-J"])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut cap = BufReader::with_capacity(1 << 20, child.stdout.take().context("stdout")?);
    let mut src = BufReader::with_capacity(1 << 20, File::open(file)?);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut line = 0u64;
    let mut mismatch: Option<Value> = None;
    let mut cap_bytes = 0u64;
    let trim = |v: &mut Vec<u8>| {
        while matches!(v.last(), Some(b'\n' | b'\r')) {
            v.pop();
        }
    };
    loop {
        a.clear();
        if src.read_until(b'\n', &mut a)? == 0 {
            break;
        }
        line += 1;
        trim(&mut a);
        let want = data::strip_sgr(&a);
        b.clear();
        let n = cap.read_until(b'\n', &mut b)?;
        cap_bytes += n as u64;
        if n == 0 {
            mismatch = Some(json!({"line": line, "why": "capture ended early",
                "expected": String::from_utf8_lossy(&want)}));
            break;
        }
        trim(&mut b);
        if b != want {
            mismatch = Some(json!({"line": line,
                "expected": String::from_utf8_lossy(&want),
                "got": String::from_utf8_lossy(&b[..b.len().min(400)])}));
            break;
        }
    }
    if mismatch.is_none() {
        // Anything left must be blank screen rows.
        loop {
            b.clear();
            let n = cap.read_until(b'\n', &mut b)?;
            if n == 0 {
                break;
            }
            cap_bytes += n as u64;
            line += 1;
            trim(&mut b);
            if !b.is_empty() {
                mismatch = Some(
                    json!({"line": line, "why": "extra non-empty line after the file's end",
                    "got": String::from_utf8_lossy(&b[..b.len().min(400)])}),
                );
                break;
            }
        }
    }
    if mismatch.is_some() {
        let _ = child.kill();
    } else {
        // Drain whatever remains so capture exits cleanly.
        let mut sink = Vec::new();
        let _ = cap.read_to_end(&mut sink);
    }
    let st = child.wait()?;
    let secs = t0.elapsed().as_secs_f64();
    Ok(json!({
        "pane": pane,
        "matched": mismatch.is_none() && st.success(),
        "capture_exit": st.code(),
        "lines_compared": line,
        "capture_secs": r3(secs),
        "capture_mib_per_s": r3(cap_bytes as f64 / MIB / secs),
        "first_mismatch": mismatch,
    }))
}

/// Scenario 1: 13 panes cat the same big colored log at once.
pub fn flat_memory(ctx: &mut Ctx) -> Result<Value> {
    let size = ctx.q(16, 200);
    let n = 13;
    let file = ctx.log(size, true)?;
    let fq = sq(&file);
    // The hot-path issue's target: 13 panes x 200 MiB at once peak at 24 MiB or less.
    let target_mib = 24.0;

    progress!("flat-memory: spool, {n} panes x {size} MiB");
    let (spool_v, spool_series) = {
        let sp = ctx.spool()?;
        let base = sp.rss();
        let sampler = Sampler::start("flat-memory spool", sp.pid, TICK, ctx.cap);
        let t0 = Instant::now();
        let f = file.to_string_lossy().to_string();
        let mut panes = Vec::new();
        for _ in 0..n {
            panes.push(sp.new_pane(COLS, ROWS, &["cat", &f])?);
        }
        let mut waits = Vec::new();
        for p in &panes {
            waits.push(sp.spawn_wait(p)?);
        }
        let deadline = Instant::now() + ctx.timeout;
        let mut statuses = Vec::new();
        for w in &mut waits {
            statuses.push(crate::util::wait_deadline(w, deadline, "spool wait")?);
        }
        let secs = t0.elapsed().as_secs_f64();
        let peak = sampler.peak();
        let capped = sampler.was_capped();
        let series = sampler.finish();
        let rss_after = sp.rss();
        progress!(
            "flat-memory spool: done in {secs:.1}s, peak {:.1} MiB; verifying captures",
            peak as f64 / MIB
        );
        let stats = sp.stats()?;
        let mut checks = Vec::new();
        for (i, p) in panes.iter().enumerate() {
            let c = verify_capture(&sp, p, &file)?;
            progress!(
                "flat-memory spool: pane {}/{n} {p}: matched={} ({} lines, {} MiB/s)",
                i + 1,
                c["matched"],
                c["lines_compared"],
                c["capture_mib_per_s"]
            );
            checks.push(c);
        }
        let matched = checks.iter().filter(|c| c["matched"] == true).count();
        let rows: Vec<Value> = stats["panes"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|p| p["history_rows"].clone())
            .collect();
        let disk: u64 = stats["panes"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["disk_bytes"].as_u64()).sum())
            .unwrap_or(0);
        let v = json!({
            "peak_rss_mib": mib(peak),
            "baseline_rss_mib": mib(base),
            "rss_after_mib": mib(rss_after),
            "target_peak_mib": target_mib,
            "meets_target": (peak as f64 / MIB) <= target_mib,
            "capped": capped,
            "secs": r3(secs),
            "aggregate_mib_per_s": r3((n as f64) * file_mib(&file) / secs),
            "wait_statuses": statuses,
            "panes_matched": matched,
            "panes": n,
            "history_rows": rows,
            "disk_mib_total": mib(disk),
            "gauges": stats["gauges"].clone(),
            "unexplained_mib": mib(stats["unexplained_bytes"].as_u64().unwrap_or(0)),
            "mismatches": checks.iter().filter(|c| c["matched"] != true).cloned().collect::<Vec<_>>(),
            "capture_mib_per_s_median": r3(median(&checks.iter().filter_map(|c| c["capture_mib_per_s"].as_f64()).collect::<Vec<_>>())),
        });
        (v, series)
    };

    progress!("flat-memory: tmux, {n} panes x {size} MiB (history-limit 1000000)");
    let (tmux_v, tmux_series) = {
        let tm = ctx.tmux(1_000_000)?;
        let base = tm.rss();
        let sampler = Sampler::start("flat-memory tmux", tm.pid, TICK, ctx.cap);
        let t0 = Instant::now();
        let mut panes = Vec::new();
        for i in 0..n {
            panes.push(tm.new_pane(COLS, ROWS, &format!("cat {fq}"), &format!("done{i}"))?);
        }
        let deadline = Instant::now() + ctx.timeout;
        let mut ok = true;
        for i in 0..n {
            let mut w = tm.spawn_wait_for(&format!("done{i}"))?;
            match crate::util::wait_deadline(&mut w, deadline, "tmux wait-for") {
                Ok(0) => {}
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        let peak = sampler.peak();
        let capped = sampler.was_capped();
        let series = sampler.finish();
        let rss_after = tm.rss();
        let rows: Vec<u64> = if tm.alive() {
            panes
                .iter()
                .filter_map(|p| tm.history_size(p).ok())
                .collect()
        } else {
            Vec::new()
        };
        progress!(
            "flat-memory tmux: done={ok} in {secs:.1}s, peak {:.1} MiB",
            peak as f64 / MIB
        );
        let v = json!({
            "peak_rss_mib": mib(peak),
            "baseline_rss_mib": mib(base),
            "rss_after_mib": mib(rss_after),
            "completed": ok,
            "capped": capped,
            "cap_mib": mib(ctx.cap),
            "secs": r3(secs),
            "aggregate_mib_per_s": if ok { r3((n as f64) * file_mib(&file) / secs) } else { f64::NAN },
            "history_rows": rows,
        });
        (v, series)
    };
    let mut tgt = vec![(0.0, target_mib)];
    let t_end = spool_series
        .last()
        .map(|p| p.0)
        .unwrap_or(1.0)
        .max(tmux_series.last().map(|p| p.0).unwrap_or(1.0));
    tgt.push((t_end, target_mib));
    let sp_pts = rss_series(&spool_series);
    ctx.plots.push(Plot {
        name: "flat-memory".into(),
        title: format!("Server RSS: 13 panes each cat {size} MiB colored log"),
        x_label: "seconds".into(),
        y_label: "RSS (MiB)".into(),
        series: vec![
            Series {
                label: "spool".into(),
                points: sp_pts.clone(),
                color: SPOOL,
            },
            Series {
                label: "tmux (history-limit 1000000)".into(),
                points: rss_series(&tmux_series),
                color: TMUX,
            },
        ],
        log_x: false,
    });
    let sp_end = sp_pts.last().map(|p| p.0).unwrap_or(1.0);
    ctx.plots.push(Plot {
        name: "flat-memory-spool".into(),
        title: format!("spool server RSS, 13 x {size} MiB (zoom)"),
        x_label: "seconds".into(),
        y_label: "RSS (MiB)".into(),
        series: vec![
            Series {
                label: "spool".into(),
                points: sp_pts,
                color: SPOOL,
            },
            Series {
                label: format!("target {target_mib} MiB"),
                points: vec![(0.0, target_mib), (sp_end, target_mib)],
                color: TARGET,
            },
        ],
        log_x: false,
    });
    Ok(json!({
        "scenario": "flat-memory",
        "panes": n,
        "file_mib": r3(file_mib(&file)),
        "spool": spool_v,
        "tmux": tmux_v,
    }))
}

fn spool_run(sp: &Spool, argv: &[&str], timeout: Duration) -> Result<(f64, String)> {
    let t0 = Instant::now();
    let p = sp.new_pane(COLS, ROWS, argv)?;
    sp.wait(&p, timeout)?;
    Ok((t0.elapsed().as_secs_f64(), p))
}

fn tmux_run(tm: &Tmux, script: &str, timeout: Duration) -> Result<(f64, String)> {
    let chan = format!("c{}", crate::util::since_start().to_bits());
    let t0 = Instant::now();
    let p = tm.new_pane(COLS, ROWS, script, &chan)?;
    // tmux remembers a signal that came before its waiter, so waiting after is safe.
    tm.wait_for(&chan, timeout)?;
    Ok((t0.elapsed().as_secs_f64(), p))
}

/// Scenario 2: ingest throughput, spool vs raw PTY drain vs tmux, rotated within each round.
pub fn ingest(ctx: &mut Ctx) -> Result<Value> {
    let size = ctx.q(24, 256);
    let rounds = ctx.q(2, 5);
    let mut out = serde_json::Map::new();
    for colored in [true, false] {
        let kind = if colored { "colored" } else { "plain" };
        let file = ctx.log(size, colored)?;
        let f = file.to_string_lossy().to_string();
        let mb = file_mib(&file);
        let sp = ctx.spool()?;
        let _keep = sp.new_pane(80, 24, &["sleep", "100000"])?;
        let tm = ctx.tmux(1_000_000)?;
        let (mut ts, mut tt, mut tr) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds {
            for k in 0..3 {
                match (round + k) % 3 {
                    0 => {
                        let (s, p) = spool_run(&sp, &["cat", &f], ctx.timeout)?;
                        sp.kill_pane(&p);
                        progress!(
                            "ingest {kind} round {}: spool {s:.2}s ({:.0} MiB/s)",
                            round + 1,
                            mb / s
                        );
                        ts.push(s);
                    }
                    1 => {
                        let (s, p) = tmux_run(&tm, &format!("cat {}", sq(&file)), ctx.timeout)?;
                        tm.kill_pane(&p);
                        progress!(
                            "ingest {kind} round {}: tmux {s:.2}s ({:.0} MiB/s)",
                            round + 1,
                            mb / s
                        );
                        tt.push(s);
                    }
                    _ => {
                        let (d, bytes) = rawpty::drain(&["cat", &f], COLS, ROWS)?;
                        let s = d.as_secs_f64();
                        progress!(
                            "ingest {kind} round {}: raw pty {s:.2}s ({:.0} MiB/s, {:.0} MiB read)",
                            round + 1,
                            mb / s,
                            bytes as f64 / MIB
                        );
                        tr.push(s);
                    }
                }
            }
        }
        let vs_raw: Vec<f64> = ts.iter().zip(&tr).map(|(s, r)| r / s).collect();
        let vs_tmux: Vec<f64> = ts.iter().zip(&tt).map(|(s, t)| t / s).collect();
        let (a, b) = min_max(&vs_raw);
        let (c, d) = min_max(&vs_tmux);
        let tput = |v: &[f64]| v.iter().map(|s| r3(mb / s)).collect::<Vec<_>>();
        out.insert(
            kind.into(),
            json!({
                "file_mib": r3(mb),
                "spool_secs": ts.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                "tmux_secs": tt.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                "raw_secs": tr.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                "spool_mib_per_s": tput(&ts),
                "tmux_mib_per_s": tput(&tt),
                "raw_mib_per_s": tput(&tr),
                "spool_vs_raw": vs_raw.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                "spool_vs_tmux": vs_tmux.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                "spool_vs_raw_median": r3(median(&vs_raw)),
                "spool_vs_raw_range": [r3(a), r3(b)],
                "spool_vs_tmux_median": r3(median(&vs_tmux)),
                "spool_vs_tmux_range": [r3(c), r3(d)],
                "meets_raw_target_0_9": median(&vs_raw) >= 0.9,
                "meets_tmux_target_3x": median(&vs_tmux) >= 3.0,
            }),
        );
    }
    let mut v = json!({"scenario": "ingest", "rounds": rounds});
    v.as_object_mut().unwrap().extend(out);
    Ok(v)
}

struct Counter(u64);
impl std::io::Write for Counter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len() as u64;
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn zstd3(path: &Path, strip: bool) -> Result<u64> {
    let mut c = Counter(0);
    if strip {
        let mut r = BufReader::new(File::open(path)?);
        let mut enc = zstd::stream::Encoder::new(&mut c, 3)?;
        let mut l = Vec::new();
        loop {
            l.clear();
            if r.read_until(b'\n', &mut l)? == 0 {
                break;
            }
            std::io::Write::write_all(&mut enc, &data::strip_sgr(&l))?;
        }
        enc.finish()?;
    } else {
        zstd::stream::copy_encode(File::open(path)?, &mut c, 3)?;
    }
    Ok(c.0)
}

/// Scenario 3: what one row of history costs, on disk and in RAM.
pub fn bytes_per_row(ctx: &mut Ctx) -> Result<Value> {
    let size = ctx.q(8, 64);
    let mut v = json!({"scenario": "bytes-per-row"});
    for colored in [true, false] {
        let kind = if colored { "colored" } else { "plain" };
        let file = ctx.log(size, colored)?;
        let f = file.to_string_lossy().to_string();
        let lines = BufReader::new(File::open(&file)?).split(b'\n').count() as u64;
        progress!("bytes-per-row {kind}: spool");
        let sp = ctx.spool()?;
        let before = sp.rss();
        let (_, p) = spool_run(&sp, &["cat", &f], ctx.timeout)?;
        std::thread::sleep(Duration::from_millis(1500));
        let after = sp.rss();
        let ps = sp.pane_stats(&p)?;
        drop(sp);
        let rows = ps["history_rows"].as_u64().unwrap_or(0).max(1) as f64;
        let g = |k: &str| ps[k].as_u64().unwrap_or(0) as f64;
        progress!("bytes-per-row {kind}: tmux");
        let tm = ctx.tmux(2_000_000)?;
        let tbefore = tm.rss();
        let (_, tp) = tmux_run(&tm, &format!("cat {}", sq(&file)), ctx.timeout)?;
        std::thread::sleep(Duration::from_millis(1500));
        let tafter = tm.rss();
        let trows = tm.history_size(&tp)?.max(1) as f64;
        drop(tm);
        progress!("bytes-per-row {kind}: zstd -3");
        let z_raw = zstd3(&file, false)? as f64;
        let z_text = zstd3(&file, true)? as f64;
        v[kind] = json!({
            "file_mib": r3(file_mib(&file)),
            "file_lines": lines,
            "spool_history_rows": rows,
            "spool_disk_bytes_per_row": r3(g("disk_bytes") / rows),
            "spool_memory_bytes_per_row": r3(g("memory_bytes") / rows),
            "spool_uncompressed_bytes_per_row": r3(g("uncompressed_bytes") / rows),
            "spool_rss_delta_bytes_per_row": r3((after as f64 - before as f64) / rows),
            "spool_rows_in_memory": ps["history_rows_in_memory"].clone(),
            "tmux_history_rows": trows,
            "tmux_rss_delta_bytes_per_row": r3((tafter as f64 - tbefore as f64) / trows),
            "zstd3_raw_bytes_per_line": r3(z_raw / lines as f64),
            "zstd3_text_bytes_per_line": r3(z_text / lines as f64),
            "raw_bytes_per_line": r3(file_mib(&file) * MIB / lines as f64),
        });
    }
    Ok(v)
}

fn time_cmd_count(mut producer: Command, grep: Option<&str>) -> Result<(f64, u64)> {
    let t0 = Instant::now();
    let mut p = producer.stdout(Stdio::piped()).spawn()?;
    let out = p.stdout.take().context("stdout")?;
    let count = if let Some(re) = grep {
        let g = Command::new("grep")
            .args(["-E", "-c", re])
            .stdin(out)
            .output()?;
        String::from_utf8_lossy(&g.stdout)
            .trim()
            .parse()
            .unwrap_or(0)
    } else {
        BufReader::new(out).lines().count() as u64
    };
    p.wait()?;
    Ok((t0.elapsed().as_secs_f64(), count))
}

/// The patterns of the search scenario: what each stands for, the pattern, and the same for
/// `grep`/`rg` (POSIX ERE where the syntax differs).
const SEARCH_CASES: &[(&str, &str, &str)] = &[
    // Eight needle lines per history: what the segment filters are for.
    ("rare_literal", "marker line", "marker line"),
    ("rare_regex", "needle-[0-9]+ marker", "needle-[0-9]* marker"),
    // In about one line in twelve: most segments hold it, so nothing is skipped.
    ("common_word", "timeout", "timeout"),
    // No literal of three bytes: every segment is read; this is the scan speed.
    (
        "regex_no_literal",
        "[A-Z][0-9]{3}[a-z]{2}Q",
        "[A-Z][0-9]{3}[a-z]{2}Q",
    ),
];

/// The largest history tmux is asked to hold here: 10M lines would take it ~6 GiB.
const SEARCH_TMUX_MAX_LINES: u64 = 1_000_000;

/// Scenario 4: searching the whole history, by history size and kind of pattern, against
/// `tmux capture-pane | grep -c` and `rg -c` over the same text in a file.
pub fn search(ctx: &mut Ctx) -> Result<Value> {
    let mut sizes: Vec<u64> = ctx.q(
        vec![100_000, 1_000_000],
        vec![100_000, 1_000_000, 10_000_000],
    );
    if ctx.huge {
        sizes.push(80_000_000);
    }
    let reps = 3;
    let have_rg = Command::new("rg").arg("--version").output().is_ok();
    let mut rows = Vec::new();
    for &n in &sizes {
        let file = ctx.tmp.join(format!("search-{n}.log"));
        if !file.exists() {
            progress!("search: generating {n} lines");
            data::write_lines(&file, n, false, 9, Some(n / 8))?;
        }
        let f = file.to_string_lossy().to_string();
        let text_bytes = std::fs::metadata(&file)?.len();
        progress!("search {n} lines: spool ingest");
        // No history budget: 80M lines take ~3 GiB on disk, past the 1 GiB default, and a
        // pruned history would not be the history the other tools search.
        let sp = ctx.spool_with_config("history_bytes_per_pane = \"0\"\n")?;
        let (_, p) = spool_run(&sp, &["cat", &f], ctx.timeout)?;
        let tm = if n <= SEARCH_TMUX_MAX_LINES {
            progress!("search {n} lines: tmux ingest");
            let tm = ctx.tmux(n + 1000)?;
            let (_, tp) = tmux_run(&tm, &format!("cat {}", sq(&file)), ctx.timeout)?;
            Some((tm, tp))
        } else {
            None
        };
        let mut cases = serde_json::Map::new();
        for &(name, re, ere) in SEARCH_CASES {
            let (mut st, mut tt, mut rt) = (Vec::new(), Vec::new(), Vec::new());
            let (mut sh, mut th, mut rh) = (0, None, None);
            for _ in 0..reps {
                let mut c = sp.cmd();
                c.args(["search", "-t", &p, re]);
                let (s, hits) = time_cmd_count(c, None)?;
                st.push(s);
                sh = hits;
                if let Some((tm, tp)) = &tm {
                    let mut c = tm.cmd();
                    c.args(["capture-pane", "-p", "-S", "-", "-t", tp]);
                    let (s, hits) = time_cmd_count(c, Some(ere))?;
                    tt.push(s);
                    th = Some(hits);
                }
                if have_rg {
                    let t0 = Instant::now();
                    let out = Command::new("rg").args(["-c", re, &f]).output()?;
                    rt.push(t0.elapsed().as_secs_f64());
                    rh = String::from_utf8_lossy(&out.stdout)
                        .trim()
                        .parse::<u64>()
                        .ok();
                }
            }
            let spool_s = median(&st);
            progress!(
                "search {n} lines, {name}: spool {spool_s:.3}s ({sh} hits), tmux {:?}, rg {:?}",
                (!tt.is_empty()).then(|| r3(median(&tt))),
                (!rt.is_empty()).then(|| r3(median(&rt)))
            );
            cases.insert(
                name.into(),
                json!({
                    "pattern": re,
                    "spool_secs_median": r3(spool_s),
                    "spool_secs": st.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
                    "spool_hits": sh,
                    "spool_text_gib_per_s": r3(text_bytes as f64 / (1u64 << 30) as f64 / spool_s),
                    "tmux_capture_grep_secs_median": (!tt.is_empty()).then(|| r3(median(&tt))),
                    "tmux_hits": th,
                    "rg_file_secs_median": (!rt.is_empty()).then(|| r3(median(&rt))),
                    "rg_hits": rh,
                }),
            );
        }
        let ps = sp.pane_stats(&p).ok();
        rows.push(json!({
            "lines": n,
            "text_mib": r3(text_bytes as f64 / MIB),
            "cases": cases,
            "expected_rare_hits": n.div_ceil(n / 8).min(8),
            "spool_history_rows": ps.as_ref().map(|v| v["history_rows"].clone()),
            "spool_disk_mib": ps.as_ref().map(|v| mib(v["disk_bytes"].as_u64().unwrap_or(0))),
            "tmux_rss_mib": tm.as_ref().map(|(tm, _)| mib(tm.rss())),
            "spool_rss_mib": mib(sp.rss()),
        }));
    }
    let pts = |case: &str, k: &str| {
        rows.iter()
            .filter_map(|r| Some((r["lines"].as_f64()?, r["cases"][case][k].as_f64()?)))
            .collect::<Vec<_>>()
    };
    ctx.plots.push(Plot {
        name: "search".into(),
        title: "Full-history search for a rare literal".into(),
        x_label: "history lines".into(),
        y_label: "seconds (median)".into(),
        series: vec![
            Series {
                label: "spool search".into(),
                points: pts("rare_literal", "spool_secs_median"),
                color: SPOOL,
            },
            Series {
                label: "tmux capture-pane -p -S - | grep -c".into(),
                points: pts("rare_literal", "tmux_capture_grep_secs_median"),
                color: TMUX,
            },
        ],
        log_x: true,
    });
    Ok(json!({"scenario": "search", "rg_available": have_rg, "sizes": rows}))
}

/// Scenario 5: a burst into one pane, then idle: does RSS come back down?
pub fn burst(ctx: &mut Ctx) -> Result<Value> {
    let part = ctx.q(24, 256);
    let idle = ctx.q(5, 30);
    // Both levels are read as `settled_rss` over this window: the baseline after the settle,
    // the level after the burst over the idle time's last seconds.
    let window = Duration::from_secs(ctx.q(5, 15));
    let file = ctx.log(part, true)?;
    let f = file.to_string_lossy().to_string();
    let fq = sq(&file);
    let total = 4.0 * file_mib(&file);
    let mut v = json!({"scenario": "burst", "burst_mib": r3(total), "idle_secs": idle,
                       "settled_window_secs": window.as_secs()});
    let mut plot = Vec::new();
    for which in ["spool", "tmux"] {
        progress!("burst: {which}, {total:.0} MiB then {idle}s idle");
        // The baseline is the settled server, as the RSS after idle is.
        let (pid, base, guard): (u32, u64, Box<dyn std::any::Any>) = if which == "spool" {
            let sp = ctx.spool()?;
            // A pane that keeps the server (which leaves when it has no session) while it
            // settles; tmux's has its first session.
            sp.new_pane(80, 24, &["sleep", "100000"])?;
            std::thread::sleep(settle(ctx));
            (sp.pid, settled_rss(sp.pid, window), Box::new(sp))
        } else {
            let tm = ctx.tmux(1_000_000)?;
            std::thread::sleep(settle(ctx));
            (tm.pid, settled_rss(tm.pid, window), Box::new(tm))
        };
        // spool's accounts before and after, read once both levels are taken (a `stats`
        // maps code that the next trim gives back): what the rise is made of.
        let accounts = |g: &Box<dyn std::any::Any>| {
            g.downcast_ref::<Spool>()
                .and_then(|sp| sp.stats().ok())
                .map(|st| account_bytes(&st))
        };
        let accounts_before = accounts(&guard);
        let sampler = Sampler::start(&format!("burst {which}"), pid, TICK, ctx.cap);
        let t0 = Instant::now();
        let ok = if let Some(sp) = guard.downcast_ref::<Spool>() {
            spool_run(sp, &["cat", &f, &f, &f, &f], ctx.timeout).is_ok()
        } else {
            let tm = guard.downcast_ref::<Tmux>().context("tmux")?;
            tmux_run(tm, &format!("cat {fq} {fq} {fq} {fq}"), ctx.timeout).is_ok()
        };
        let burst_secs = t0.elapsed().as_secs_f64();
        let end = crate::util::rss(pid).unwrap_or(0);
        let peak_burst = sampler.peak();
        std::thread::sleep(Duration::from_secs(idle).saturating_sub(window));
        let settled = settled_rss(pid, window);
        let after = crate::util::rss(pid).unwrap_or(0);
        let accounts_after = accounts(&guard);
        let capped = sampler.was_capped();
        let series = sampler.finish();
        drop(guard);
        progress!(
            "burst {which}: settled {:.2} MiB, peak {:.1}, end {:.1}, settled after idle {:.2} \
             (last sample {:.2})",
            base as f64 / MIB,
            peak_burst as f64 / MIB,
            end as f64 / MIB,
            settled as f64 / MIB,
            after as f64 / MIB
        );
        v[which] = json!({
            "completed": ok,
            "capped": capped,
            "baseline_rss_mib": mib(base),
            "peak_rss_mib": mib(peak_burst),
            "rss_at_burst_end_mib": mib(end),
            "rss_after_idle_mib": mib(settled),
            "rss_last_sample_mib": mib(after),
            "burst_secs": r3(burst_secs),
            "returned_fraction": r3(if peak_burst > base { (peak_burst.saturating_sub(settled)) as f64 / (peak_burst - base) as f64 } else { 0.0 }),
            // The target: back within 10% of the baseline once idle, both settled levels.
            "meets_target_within_10_percent": (settled as f64) <= 1.1 * base as f64,
            "last_sample_within_10_percent": (after as f64) <= 1.1 * base as f64,
            // Each account's change from before the burst to after the idle time (spool).
            "account_rise_bytes": account_rise(accounts_before.as_ref(), accounts_after.as_ref()),
        });
        plot.push(Series {
            label: which.into(),
            points: rss_series(&series),
            color: if which == "spool" { SPOOL } else { TMUX },
        });
    }
    ctx.plots.push(Plot {
        name: "burst".into(),
        title: format!("RSS during a {total:.0} MiB burst, then {idle}s idle"),
        x_label: "seconds".into(),
        y_label: "RSS (MiB)".into(),
        series: plot,
        log_x: false,
    });
    Ok(v)
}

/// Every memory account and allocator counter of a `spool stats --json`, by name.
fn account_bytes(stats: &Value) -> std::collections::BTreeMap<String, i64> {
    let mut out = std::collections::BTreeMap::new();
    for list in ["gauges", "allocator"] {
        for g in stats[list].as_array().into_iter().flatten() {
            if let (Some(name), Some(bytes)) = (g["name"].as_str(), g["bytes"].as_i64()) {
                out.insert(name.to_string(), bytes);
            }
        }
    }
    out
}

/// The accounts that changed from `before` to `after`, with their change in bytes (null for
/// tmux, which has none).
fn account_rise(
    before: Option<&std::collections::BTreeMap<String, i64>>,
    after: Option<&std::collections::BTreeMap<String, i64>>,
) -> Value {
    let (Some(before), Some(after)) = (before, after) else {
        return Value::Null;
    };
    let mut rise = serde_json::Map::new();
    for (name, bytes) in after {
        let change = bytes - before.get(name).copied().unwrap_or(0);
        if change != 0 {
            rise.insert(name.clone(), json!(change));
        }
    }
    Value::Object(rise)
}

/// Scenario 6: hostile output. Peak RSS for each input, spool then tmux.
pub fn hostile(ctx: &mut Ctx) -> Result<Value> {
    let rnd = ctx.q(8, 64);
    let text = ctx.q(24, 256);
    let nonl = ctx.q(64, 1024);
    let plain = ctx.log(text, false)?;
    let pq = sq(&plain);
    let cases = [
        ("urandom", format!("head -c {rnd}M /dev/urandom"), rnd),
        (
            "sync-update-never-reset",
            format!("printf '\\033[?2026h'; cat {pq}"),
            text,
        ),
        (
            "osc-never-closed",
            format!("printf '\\033]52;c;'; cat {pq}"),
            text,
        ),
        (
            "no-newline",
            format!("head -c {nonl}M /dev/zero | tr '\\0' x"),
            nonl,
        ),
    ];
    let mut out = Vec::new();
    for (name, script, size) in cases {
        let mut row = json!({"case": name, "mib": size, "script": script});
        for which in ["spool", "tmux"] {
            progress!("hostile {name} ({size} MiB): {which}");
            let r: Result<Value> = (|| {
                if which == "spool" {
                    let sp = ctx.spool()?;
                    let s = Sampler::start(&format!("hostile {name} spool"), sp.pid, TICK, ctx.cap);
                    let res = spool_run(&sp, &["sh", "-c", &script], ctx.timeout);
                    let end = sp.rss();
                    let responsive = sp.stats().is_ok();
                    let (peak, capped) = (s.peak(), s.was_capped());
                    s.finish();
                    Ok(
                        json!({"secs": res.as_ref().map(|x| r3(x.0)).ok(), "error": res.err().map(|e| e.to_string()),
                        "peak_rss_mib": mib(peak), "rss_end_mib": mib(end), "capped": capped, "responsive_after": responsive}),
                    )
                } else {
                    let tm = ctx.tmux(1_000_000)?;
                    let s = Sampler::start(&format!("hostile {name} tmux"), tm.pid, TICK, ctx.cap);
                    let res = tmux_run(&tm, &script, ctx.timeout);
                    let end = tm.rss();
                    let (peak, capped) = (s.peak(), s.was_capped());
                    s.finish();
                    Ok(
                        json!({"secs": res.as_ref().map(|x| r3(x.0)).ok(), "error": res.err().map(|e| e.to_string()),
                        "peak_rss_mib": mib(peak), "rss_end_mib": mib(end), "capped": capped, "responsive_after": tm.alive()}),
                    )
                }
            })();
            row[which] = r.unwrap_or_else(|e| json!({"error": e.to_string()}));
            progress!("hostile {name} {which}: {}", row[which]);
        }
        out.push(row);
    }
    Ok(json!({"scenario": "hostile", "cases": out}))
}

/// How long a server is left alone before its RSS counts as settled (idle, and the burst's
/// baseline): spool gives back the code pages its work touched once it has been quiet for a
/// second after the last work (see `memory::Quiet` in the server), and saves its state for
/// five seconds after a pane last printed.
fn settle(ctx: &Ctx) -> Duration {
    Duration::from_secs(ctx.q(8, 12))
}

/// Scenario 7: 13 idle shells. RSS 2 s after the last shell started, and once settled.
pub fn idle(ctx: &mut Ctx) -> Result<Value> {
    let n = 13;
    progress!("idle: spool, {n} shells");
    let sp = ctx.spool()?;
    let base = sp.rss();
    for _ in 0..n {
        sp.new_pane(COLS, ROWS, &["sh"])?;
    }
    std::thread::sleep(Duration::from_secs(2));
    let s_rss_2s = sp.rss();
    std::thread::sleep(settle(ctx));
    let s_rss = sp.rss();
    let stats = sp.stats()?;
    drop(sp);
    progress!("idle: tmux, {n} shells");
    let tm = ctx.tmux(1_000_000)?;
    let tbase = tm.rss();
    for i in 0..n {
        tm.run(&[
            "new-session",
            "-d",
            "-s",
            &format!("idle{i}"),
            "-x",
            "200",
            "-y",
            "50",
            "sh",
        ])?;
    }
    std::thread::sleep(Duration::from_secs(2));
    let t_rss_2s = tm.rss();
    std::thread::sleep(settle(ctx));
    let t_rss = tm.rss();
    drop(tm);
    Ok(json!({
        "scenario": "idle",
        "shells": n,
        "settle_secs": settle(ctx).as_secs() + 2,
        // The target: tmux's RSS for the same shells plus 2 MiB, both settled.
        "spool": {"rss_mib": mib(s_rss), "rss_at_2s_mib": mib(s_rss_2s),
                   "baseline_rss_mib": mib(base),
                   "target_mib": mib(t_rss + (2 << 20)),
                   "meets_target": s_rss <= t_rss + (2 << 20), "gauges": stats["gauges"].clone(),
                   "unexplained_mib": mib(stats["unexplained_bytes"].as_u64().unwrap_or(0))},
        "tmux": {"rss_mib": mib(t_rss), "rss_at_2s_mib": mib(t_rss_2s),
                 "baseline_rss_mib": mib(tbase)},
    }))
}
