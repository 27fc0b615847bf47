//! `restore`: `kill -9` at random moments while 13 panes print — colored logs, a TUI redrawing
//! under DEC 2026, slow tickers — then start the server again and check what came back.
//!
//! Every pane prints numbered lines `P<pane>:<trial>:<n>` (the TUI prints them once per
//! frame), and each ticker also writes the last number it printed to a file, so after each
//! restart: every line read back must be one that was printed (no garbage, no duplicate, no
//! gap inside a trial), and a ticker's loss is the numbers after the last one restored, at
//! its 20 lines a second. Reported: failed restores, corrupt reads, the worst and median loss
//! in seconds (target ≤ 1 s), and the time from starting the server to `spool ls` answering
//! with every pane (target ≤ 1 s), with the history each pane holds by then.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::{json, Value};

use crate::data::Rng;
use crate::progress;
use crate::scenarios::Ctx;
use crate::util::{median, r3};

const PANES: usize = 13;
/// Lines a second of a ticker (its loss in lines / this = seconds lost).
const TICKS_PER_SEC: f64 = 20.0;

/// What pane `k` runs in trial `t`: numbered output of its kind.
fn script(k: usize, t: usize, tick_file: &str) -> String {
    match k % 3 {
        // A colored log, as fast as the pane takes it (a few thousand lines a second).
        0 => format!(
            "i=0; while :; do i=$((i+1)); printf '\\033[32mINFO\\033[0m P{k}:{t}:%d request served in 12ms\\n' $i; done"
        ),
        // A TUI: every frame a synchronized redraw of the whole screen, with its number.
        1 => format!(
            "i=0; while :; do i=$((i+1)); printf '\\033[?2026h\\033[H\\033[2Jframe\\n'; echo P{k}:{t}:$i; printf '\\033[?2026l'; sleep 0.01; done"
        ),
        // A slow ticker that also records what it printed.
        _ => format!(
            "i=0; while :; do i=$((i+1)); echo P{k}:{t}:$i; echo $i > {tick_file}; sleep 0.05; done"
        ),
    }
}

pub fn restore(ctx: &mut Ctx) -> Result<Value> {
    let trials = if ctx.quick { 10 } else { 100 };
    let sp = ctx.spool()?;
    let mut panes = Vec::new();
    for _ in 0..PANES {
        panes.push(sp.new_pane(120, 30, &["sh"])?);
    }
    let ticks = ctx.tmp.join("ticks");
    std::fs::create_dir_all(&ticks)?;
    let mut rng = Rng::new(7);
    let mut failed = 0u32;
    let mut corrupt = 0u64;
    let mut losses: Vec<f64> = Vec::new();
    let mut restore_ms: Vec<f64> = Vec::new();
    let mut pid = sp.pid;
    for t in 0..trials {
        for (k, p) in panes.iter().enumerate() {
            let f = ticks.join(format!("{k}"));
            let _ = std::fs::remove_file(&f);
            sp.run(&[
                "send",
                "-t",
                p,
                &script(k, t, &f.display().to_string()),
                "Enter",
            ])?;
        }
        // A random moment: 0.5 to 3 s into the trial.
        std::thread::sleep(Duration::from_millis(500 + rng.below(2500)));
        // SAFETY: kill(2) on the server this bench started.
        unsafe {
            libc::kill(pid as i32, libc::SIGKILL);
        }
        let last_printed: BTreeMap<usize, u64> = (0..PANES)
            .filter(|k| k % 3 == 2)
            .filter_map(|k| {
                let n = std::fs::read_to_string(ticks.join(format!("{k}"))).ok()?;
                Some((k, n.trim().parse().ok()?))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));
        let t0 = Instant::now();
        pid = match sp.launch() {
            Ok(p) => p,
            Err(e) => {
                progress!("restore: trial {t}: the server did not come back: {e:#}");
                failed += 1;
                break;
            }
        };
        crate::util::register_server(pid);
        // Until `ls` answers with every pane.
        loop {
            let ls = sp.run(&["panes", "--json"]).unwrap_or_default();
            let n = serde_json::from_str::<Value>(&ls)
                .ok()
                .and_then(|v| v.as_array().map(|a| a.len()))
                .unwrap_or(0);
            if n >= PANES {
                break;
            }
            if t0.elapsed() > Duration::from_secs(30) {
                failed += 1;
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        restore_ms.push(t0.elapsed().as_secs_f64() * 1e3);
        // What came back: this trial's lines of each pane.
        for (k, p) in panes.iter().enumerate() {
            let text = sp
                .run(&["search", "-t", p, &format!("^P{k}:{t}:")])
                .unwrap_or_default();
            let mut nums: Vec<u64> = Vec::new();
            for line in text.lines() {
                let Some(body) = line.split(": ").nth(1) else {
                    corrupt += 1;
                    continue;
                };
                match body
                    .strip_prefix(&format!("P{k}:{t}:"))
                    .and_then(|n| n.trim().parse().ok())
                {
                    Some(n) => nums.push(n),
                    None => corrupt += 1,
                }
            }
            // Logs and tickers: 1..=m exactly once; a TUI's frames may be overdrawn.
            if k % 3 != 1 && nums != (1..=nums.len() as u64).collect::<Vec<_>>() {
                corrupt += 1;
            }
            if let Some(&printed) = last_printed.get(&k) {
                let kept = nums.iter().copied().max().unwrap_or(0);
                losses.push(printed.saturating_sub(kept) as f64 / TICKS_PER_SEC);
            }
        }
        if t % 10 == 9 {
            progress!("restore: {} trials", t + 1);
        }
    }
    let history_rows: u64 = sp
        .stats()
        .ok()
        .and_then(|v| {
            v["panes"].as_array().map(|a| {
                a.iter()
                    .map(|p| p["history_rows"].as_u64().unwrap_or(0))
                    .sum()
            })
        })
        .unwrap_or(0);
    let disk: u64 = sp
        .stats()
        .ok()
        .and_then(|v| {
            v["panes"].as_array().map(|a| {
                a.iter()
                    .map(|p| p["disk_bytes"].as_u64().unwrap_or(0))
                    .sum()
            })
        })
        .unwrap_or(0);
    let worst = losses.iter().copied().fold(0.0, f64::max);
    Ok(json!({
        "scenario": "restore",
        "trials": trials,
        "panes": PANES,
        "failed_restores": failed,
        "corrupt_reads": corrupt,
        "lost_secs": {"worst": r3(worst), "median": r3(median(&losses)), "target": 1.0},
        "restore_ms": {"median": r3(median(&restore_ms)), "worst": r3(restore_ms.iter().copied().fold(0.0, f64::max)), "target": 1000.0},
        "history_at_end": {"rows": history_rows, "disk_mib": r3(disk as f64 / crate::util::MIB)},
    }))
}
