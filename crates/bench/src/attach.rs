//! The attach client, measured from the outside: the bench plays the user's terminal on a PTY
//! of its own, types, and reads what the client draws.
//!
//! - keystroke latency: a byte typed to an idle pane running `cat` (no echo by the tty) until
//!   it shows on the outer terminal — through `spool attach` and with the same program directly
//!   on the PTY, interleaved;
//! - first frame: `spool attach` started until the status line arrives, for a pane with a large
//!   history;
//! - scroll jumps: `g` (top of history), `:N` to random positions, and a search for one unique
//!   line, until the row shows on the outer terminal's screen (emulated by spool-term).

use std::os::fd::{AsRawFd, OwnedFd};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use serde_json::{json, Value};

use crate::progress;
use crate::scenarios::Ctx;
use crate::util::{median, r3};

/// The outer terminal: a PTY whose slave runs a program.
pub(crate) struct Outer {
    master: OwnedFd,
    child: Child,
    /// What the outer terminal shows: everything read is fed here.
    screen: std::cell::RefCell<spool_term::Terminal<spool_term::history::NoHistory>>,
    /// Whether what is read is fed to `screen` (off where decoding it would be timed too).
    emulate: std::cell::Cell<bool>,
}

impl Outer {
    pub(crate) fn spawn(cmd: &mut Command, cols: u16, rows: u16) -> Result<Outer> {
        let (master, child) = crate::rawpty::spawn_on_pty(cmd, cols, rows)?;
        let screen =
            spool_term::Terminal::new(cols as usize, rows as usize, spool_term::history::NoHistory);
        Ok(Outer {
            master,
            child,
            screen: std::cell::RefCell::new(screen),
            emulate: std::cell::Cell::new(true),
        })
    }

    pub(crate) fn write(&self, b: &[u8]) {
        // SAFETY: writing our bytes to our fd.
        unsafe { libc::write(self.master.as_raw_fd(), b.as_ptr().cast(), b.len()) };
    }

    /// Read until `needle` appears in what arrives, or `limit` passes; the time it took.
    pub(crate) fn wait_for(&self, needle: &[u8], limit: Duration) -> Option<Duration> {
        self.wait_until(needle, limit, |_| true)
    }

    /// Read until the screen's row `y` satisfies `ok`, or `limit` passes; the time it took.
    fn wait_row(&self, y: usize, limit: Duration, ok: impl Fn(&str) -> bool) -> Option<Duration> {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if ok(&self.screen.borrow().row(y).text) {
                return Some(t0.elapsed());
            }
            self.read_some();
        }
        None
    }

    /// One read (up to 50 ms of waiting), fed to the screen; false at EOF.
    fn read_some(&self) -> Option<Vec<u8>> {
        let fd = self.master.as_raw_fd();
        let mut buf = [0u8; 65536];
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one valid fd.
        if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
            return Some(Vec::new());
        }
        // SAFETY: read into our buffer.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return None;
        }
        let got = &buf[..n as usize];
        if self.emulate.get() {
            self.screen.borrow_mut().feed(got);
        }
        Some(got.to_vec())
    }

    /// As `wait_for`, for an occurrence whose following byte passes `after`.
    fn wait_until(
        &self,
        needle: &[u8],
        limit: Duration,
        after: impl Fn(Option<u8>) -> bool,
    ) -> Option<Duration> {
        let t0 = Instant::now();
        let mut seen: Vec<u8> = Vec::new();
        while t0.elapsed() < limit {
            let got = self.read_some()?;
            if got.is_empty() {
                continue;
            }
            seen.extend_from_slice(&got);
            let found = seen
                .windows(needle.len())
                .enumerate()
                .any(|(i, w)| w == needle && after(seen.get(i + needle.len()).copied()));
            if found {
                return Some(t0.elapsed());
            }
            // Keep only a tail long enough to hold a needle split across reads.
            if seen.len() > 1 << 20 {
                seen.drain(..seen.len() - needle.len());
            }
        }
        None
    }

    /// Drain whatever is pending (e.g. a redraw) for `d`.
    /// Stop feeding what is read to the emulated screen.
    pub(crate) fn stop_emulating(&self) {
        self.emulate.set(false);
    }

    pub(crate) fn settle(&self, d: Duration) {
        let _ = self.wait_for(b"\x00never\x00", d);
    }
}

impl Drop for Outer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Keys typed for the latency test: each a distinct non-ASCII character, so it cannot be
/// confused with escape sequences or the clock in what the client draws.
const KEYS: [&str; 8] = ["é", "ß", "ø", "æ", "ñ", "ü", "ç", "å"];

fn latencies(outer: &Outer, n: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let k = KEYS[i % KEYS.len()];
        outer.write(k.as_bytes());
        match outer.wait_for(k.as_bytes(), Duration::from_secs(2)) {
            Some(d) => v.push(d.as_secs_f64() * 1e3),
            None => v.push(f64::NAN),
        }
        if i % 60 == 59 {
            outer.write(b"\n");
            outer.settle(Duration::from_millis(30));
        }
        // Typing cadence (fast typists: ~80 ms/key); the client coalesces frames closer than
        // its frame interval, which is not what this measures.
        std::thread::sleep(Duration::from_millis(25));
    }
    v
}

pub(crate) fn pct(v: &[f64], p: f64) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    s.sort_by(|a, b| a.total_cmp(b));
    s.get(((s.len() as f64 * p) as usize).min(s.len().saturating_sub(1)))
        .copied()
        .unwrap_or(f64::NAN)
}

const ECHO: &str = "stty -icanon -echo; exec cat";

pub fn attach(ctx: &mut Ctx) -> Result<Value> {
    let keys = if ctx.quick { 100 } else { 400 };
    let (cols, rows) = (120u16, 40u16);
    // Keystroke latency: direct vs through spool, interleaved in rounds.
    let sp = ctx.spool()?;
    sp.run(&[
        "new",
        "-d",
        "-s",
        "lat",
        "-x",
        &cols.to_string(),
        "-y",
        &(rows - 1).to_string(),
        "--",
        "sh",
        "-c",
        ECHO,
    ])?;
    let mut via = sp.cmd();
    via.args(["attach", "-t", "lat"])
        .env("TERM", "xterm-256color");
    let through = Outer::spawn(&mut via, cols, rows)?;
    if through
        .wait_for(b"[lat]", Duration::from_secs(10))
        .is_none()
    {
        bail!("the attach client drew no status line");
    }
    through.settle(Duration::from_millis(300));
    let direct = Outer::spawn(Command::new("sh").args(["-c", ECHO]), cols, rows)?;
    direct.settle(Duration::from_millis(300));
    let (mut lat_direct, mut lat_spool) = (Vec::new(), Vec::new());
    for round in 0..4 {
        progress!("attach: keystroke latency, round {}", round + 1);
        lat_direct.extend(latencies(&direct, keys / 4));
        lat_spool.extend(latencies(&through, keys / 4));
    }
    drop(through);
    drop(direct);

    // First frame and scroll jumps with a large history.
    // Full: ~1.1 GiB of history text (80 M lines of "line N").
    let lines: u64 = if ctx.quick { 500_000 } else { 80_000_000 };
    progress!("attach: filling a pane with {lines} lines of history");
    let pane = sp.new_pane(
        cols,
        rows - 1,
        &["sh", "-c", &format!("seq -f 'line %.0f' 1 {lines}")],
    )?;
    sp.wait(&pane, ctx.timeout)?;
    let disk = sp.pane_stats(&pane)?["disk_bytes"].as_u64().unwrap_or(0);
    let session = {
        let panes: Value = serde_json::from_str(&sp.run(&["panes", "--json"])?)?;
        panes
            .as_array()
            .and_then(|a| a.iter().find(|p| p["id"] == pane.as_str()))
            .and_then(|p| p["session"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let mut first = Vec::new();
    let mut top = Vec::new();
    let mut jumps = Vec::new();
    let mut random = Vec::new();
    let jumps_per_round = if ctx.quick { 30 } else { 100 };
    for round in 0..3 {
        progress!("attach: first frame and jumps, round {}", round + 1);
        let t0 = Instant::now();
        let mut c = sp.cmd();
        c.args(["attach", "-t", &session])
            .env("TERM", "xterm-256color");
        let o = Outer::spawn(&mut c, cols, rows)?;
        let status = format!("[{session}]");
        if o.wait_for(status.as_bytes(), Duration::from_secs(10))
            .is_none()
        {
            bail!("no first frame");
        }
        first.push(t0.elapsed().as_secs_f64() * 1e3);
        o.settle(Duration::from_millis(200));
        o.write(b"\x02[");
        o.settle(Duration::from_millis(200));
        o.write(b"g");
        if let Some(d) = o
            .wait_for(b"line 1\x1b", Duration::from_secs(30))
            .or_else(|| o.wait_for(b"line 1", Duration::from_secs(1)))
        {
            top.push(d.as_secs_f64() * 1e3);
        }
        // Random positions with `:N` (N display rows above the bottom, at the top of the
        // view). Every history line is one display row here, so the top row then shows
        // "line T-N+1" for a history of T rows, which the label `[T/T]` after `g` gave.
        let total = {
            let row0 = o.screen.borrow().row(0).text;
            row0.rsplit_once('[')
                .and_then(|(_, r)| r.split_once('/'))
                .and_then(|(a, _)| a.parse::<u64>().ok())
        };
        if let Some(total) = total {
            let mut x = 0x9e37_79b9_7f4a_7c15u64 ^ round as u64;
            for _ in 0..jumps_per_round {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let n = 1 + x % total;
                let want = format!("line {}", total - n + 1);
                o.write(format!(":{n}\r").as_bytes());
                let ok = |t: &str| {
                    t.strip_prefix(want.as_str())
                        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_digit()))
                };
                match o.wait_row(0, Duration::from_secs(30), ok) {
                    Some(d) => random.push(d.as_secs_f64() * 1e3),
                    None => bail!("`:{n}` did not show {want:?}"),
                }
            }
        }
        // A search for one unique line: the view jumps to it.
        let n = 1 + (round as u64 * 7_919_999 + 123_457) % lines;
        o.write(format!("/^line {n}$\r").as_bytes());
        // The row itself, not the search prompt echoing "^line N$".
        let row_end = |b: Option<u8>| b.is_some_and(|b| b != b'$' && !b.is_ascii_digit());
        let needle = format!("line {n}");
        if let Some(d) = o.wait_until(needle.as_bytes(), Duration::from_secs(60), row_end) {
            jumps.push(d.as_secs_f64() * 1e3);
        }
        o.write(b"q");
    }
    // Popups and layout changes, over the pane with the large history and a second one.
    progress!("attach: popups and layout changes");
    let (popup_ms, layout_ms) = popups_and_layouts(ctx, &sp, &session, &pane, cols, rows)?;
    let added: Vec<f64> = [0.5, 0.99]
        .iter()
        .map(|&p| pct(&lat_spool, p) - pct(&lat_direct, p))
        .collect();
    Ok(json!({
        "scenario": "attach",
        "keystrokes": lat_spool.len(),
        "direct_ms": {"p50": r3(pct(&lat_direct, 0.5)), "p99": r3(pct(&lat_direct, 0.99))},
        "spool_ms": {"p50": r3(pct(&lat_spool, 0.5)), "p99": r3(pct(&lat_spool, 0.99))},
        "added_ms": {"p50": r3(added[0]), "p99": r3(added[1]), "target_p99": 2.0},
        "history_lines": lines,
        "history_disk_mib": r3(disk as f64 / crate::util::MIB),
        "first_frame_ms": {"median": r3(median(&first)), "all": first.iter().map(|x| r3(*x)).collect::<Vec<_>>(), "target": 50.0},
        "scroll_to_top_ms": top.iter().map(|x| r3(*x)).collect::<Vec<_>>(),
        "search_jump_ms": jumps.iter().map(|x| r3(*x)).collect::<Vec<_>>(),
        "random_jump_ms": {"count": random.len(), "p50": r3(pct(&random, 0.5)), "p99": r3(pct(&random, 0.99)), "max": r3(pct(&random, 1.0)), "target_p99": 5.0},
        "popup_first_frame_ms": {"count": popup_ms.len(), "p50": r3(pct(&popup_ms, 0.5)), "max": r3(pct(&popup_ms, 1.0)), "target": 50.0},
        "layout_redraw_ms": {"count": layout_ms.len(), "p50": r3(pct(&layout_ms, 0.5)), "max": r3(pct(&layout_ms, 1.0)), "target": 20.0},
    }))
}

/// A popup's first frame: from `spool display-popup` started until its program's first
/// output shows on the outer terminal (the CLI's own start included). A layout change: from
/// the key (`C-b M-1` / `C-b M-2`, even-horizontal / even-vertical) until the new border
/// shows. The session's panes are the one with the large history and a split beside it.
fn popups_and_layouts(
    ctx: &Ctx,
    sp: &crate::servers::Spool,
    session: &str,
    pane: &str,
    cols: u16,
    rows: u16,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let n = if ctx.quick { 10 } else { 30 };
    sp.run(&["split", "-t", pane, "-h", "--", "sleep", "100000"])?;
    let mut c = sp.cmd();
    c.args(["attach", "-t", session])
        .env("TERM", "xterm-256color");
    let o = Outer::spawn(&mut c, cols, rows)?;
    if o.wait_for(format!("[{session}]").as_bytes(), Duration::from_secs(10))
        .is_none()
    {
        bail!("no first frame");
    }
    o.settle(Duration::from_millis(300));
    let mut popup = Vec::new();
    for i in 0..n {
        let mark = format!("POPUP-{i}-READY");
        let t0 = Instant::now();
        let mut cli = sp.cmd();
        cli.args(["display-popup", "-E", "-t", session, "--", "sh", "-c"])
            .arg(format!("printf {mark}; sleep 100"));
        let mut child = cli.spawn()?;
        let shown = o.wait_for(mark.as_bytes(), Duration::from_secs(10));
        let _ = child.wait();
        match shown {
            Some(_) => popup.push(t0.elapsed().as_secs_f64() * 1e3),
            None => bail!("the popup never showed"),
        }
        sp.run(&["display-popup", "-C", "-t", session])?;
        o.settle(Duration::from_millis(100));
    }
    let mut layout = Vec::new();
    let mid_row = (rows as usize - 1) / 2;
    for i in 0..n {
        // even-vertical: a horizontal border across the middle row; even-horizontal: a
        // vertical one in the middle column of the first row.
        let vertical = i % 2 == 0;
        o.write(if vertical { b"\x02\x1b2" } else { b"\x02\x1b1" });
        let t0 = Instant::now();
        let ok = if vertical {
            o.wait_row(mid_row, Duration::from_secs(10), |t| t.starts_with("───"))
        } else {
            o.wait_row(0, Duration::from_secs(10), |t| t.contains('│'))
        };
        match ok {
            Some(_) => layout.push(t0.elapsed().as_secs_f64() * 1e3),
            None => bail!("the layout change never showed"),
        }
        o.settle(Duration::from_millis(100));
    }
    Ok((popup, layout))
}
