//! `agents`: the pattern of coding agents — many panes, each running short commands in a loop
//! and waiting for each to finish — with one `spool events` subscriber watching everything.
//!
//! spool: each worker runs `spool run -t PANE -- echo …` (type, wait for the shell's D mark,
//! print the output, exit with the status). tmux, the same run, as agents drive it today:
//! `send-keys` the command with a marker, then poll `capture-pane` every [`POLL`] until the
//! marker shows. Reported: runs per second of each and their ratio; for spool the p50/p99
//! from a command's end (its `command-finished` event, stamped by the server) to `spool run`
//! returning, the events seen, server RSS and CPU.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::progress;
use crate::scenarios::Ctx;
use crate::servers::Tmux;
use crate::util::{mib, r3};

const PANES: usize = 50;
/// How often a tmux-driving agent looks at the pane for its marker.
const POLL: Duration = Duration::from_millis(50);

fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// CPU seconds (user + system) process `pid` has used.
fn cpu_secs(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    let after = stat.rsplit_once(')').map_or("", |x| x.1);
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 (utime, stime), counted from after the command name.
    (ticks(11) + ticks(12)) / 100.0
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

pub fn agents(ctx: &mut Ctx) -> Result<Value> {
    let secs = if ctx.quick { 10 } else { 30 };
    let sp = ctx.spool()?;
    let rc = ctx.tmp.join("agents-bashrc");
    let snippet = sp.run(&["shell-init", "bash"])?;
    std::fs::write(&rc, format!("PS1='$ '\n{snippet}"))?;
    let rc_s = rc.display().to_string();
    let panes: Vec<String> = (0..PANES)
        .map(|_| sp.new_pane(100, 30, &["bash", "--rcfile", &rc_s, "-i"]))
        .collect::<Result<_>>()?;
    // Every shell at its prompt, integrated.
    for p in &panes {
        let out = sp.run(&["run", "-t", p, "--", "true"])?;
        if !out.is_empty() {
            bail!("{p}: unexpected output {out:?}");
        }
    }
    // The subscriber: command-finished times per pane, in order.
    let mut sub = sp
        .cmd()
        .args(["events", "--json"])
        .stdout(Stdio::piped())
        .spawn()
        .context("spool events")?;
    let finished: Arc<Mutex<BTreeMap<String, Vec<u64>>>> = Default::default();
    let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
    {
        let (finished, seen) = (finished.clone(), seen.clone());
        let out = sub.stdout.take().context("events stdout")?;
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Ok(v) = serde_json::from_str::<Value>(&line) else {
                    continue;
                };
                if v["event"] == "command-finished" {
                    let pane = v["pane"].as_str().unwrap_or("").to_string();
                    let t = v["time_ms"].as_u64().unwrap_or(0);
                    finished.lock().unwrap().entry(pane).or_default().push(t);
                }
            }
        });
    }
    std::thread::sleep(Duration::from_millis(500));
    let (cpu0, t0) = (cpu_secs(sp.pid), Instant::now());
    let rss_peak = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop = Instant::now() + Duration::from_secs(secs);
    let returned: Vec<(String, Vec<u64>, u32)> = std::thread::scope(|s| {
        let sampler = {
            let (peak, pid) = (rss_peak.clone(), sp.pid);
            s.spawn(move || {
                while Instant::now() < stop {
                    let r = crate::util::rss(pid).unwrap_or(0);
                    peak.fetch_max(r, std::sync::atomic::Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(100));
                }
            })
        };
        let workers: Vec<_> = panes
            .iter()
            .map(|p| {
                let sp = &sp;
                s.spawn(move || {
                    let (mut times, mut failed) = (Vec::new(), 0u32);
                    let mut i = 0u64;
                    while Instant::now() < stop {
                        i += 1;
                        let word = format!("run-{i}");
                        let out = sp
                            .cmd()
                            .args(["run", "-t", p, "--", &format!("echo {word}")])
                            .output();
                        match out {
                            Ok(o)
                                if o.status.success()
                                    && String::from_utf8_lossy(&o.stdout).trim() == word =>
                            {
                                times.push(unix_ms())
                            }
                            _ => failed += 1,
                        }
                    }
                    (p.clone(), times, failed)
                })
            })
            .collect();
        let r = workers.into_iter().map(|w| w.join().unwrap()).collect();
        let _ = sampler.join();
        r
    });
    let wall = t0.elapsed().as_secs_f64();
    let cpu = cpu_secs(sp.pid) - cpu0;
    std::thread::sleep(Duration::from_millis(500));
    let _ = sub.kill();
    let _ = sub.wait();
    let runs: usize = returned.iter().map(|r| r.1.len()).sum();
    let failed: u32 = returned.iter().map(|r| r.2).sum();
    // End → return: a pane's k-th run returned after its k-th command-finished (the first
    // finished command of each pane was the warm-up `true`).
    let fin = finished.lock().unwrap();
    let mut lat = Vec::new();
    for (p, times, _) in &returned {
        if let Some(ends) = fin.get(p) {
            for (ret, end) in times.iter().zip(ends.iter()) {
                lat.push(ret.saturating_sub(*end) as f64);
            }
        }
    }
    drop(fin);
    let spool_rate = runs as f64 / wall;
    progress!("spool: {runs} runs in {wall:.1}s ({spool_rate:.0}/s), {failed} failed");
    let tmux_rate = tmux_polling(ctx, secs)?;
    Ok(json!({
        "scenario": "agents",
        "panes": PANES,
        "seconds": secs,
        "spool_runs": runs,
        "spool_failed": failed,
        "spool_runs_per_sec": r3(spool_rate),
        "end_to_return_ms_p50": pct(&mut lat.clone(), 0.5),
        "end_to_return_ms_p99": pct(&mut lat, 0.99),
        "events_seen": seen.load(std::sync::atomic::Ordering::Relaxed),
        "server_rss_mib_end": mib(sp.rss()),
        "server_rss_mib_peak": mib(rss_peak.load(std::sync::atomic::Ordering::Relaxed)),
        "server_cpu_cores": r3(cpu / wall),
        "tmux_polling_runs_per_sec": r3(tmux_rate),
        "runs_per_sec_ratio_spool_over_tmux_polling": r3(spool_rate / tmux_rate.max(1e-9)),
    }))
}

/// The same loop against tmux as agents drive it: send-keys with a marker, poll capture-pane.
fn tmux_polling(ctx: &Ctx, secs: u64) -> Result<f64> {
    let tm = Tmux::start(&ctx.tmp, 2000)?;
    let panes: Vec<String> = (0..PANES)
        .map(|i| tm.new_pane(100, 30, "exec sh", &format!("agents-{i}")))
        .collect::<Result<_>>()?;
    std::thread::sleep(Duration::from_millis(500));
    let stop = Instant::now() + Duration::from_secs(secs);
    let t0 = Instant::now();
    let runs: usize = std::thread::scope(|s| {
        let workers: Vec<_> = panes
            .iter()
            .map(|p| {
                let tm = &tm;
                s.spawn(move || {
                    let mut n = 0;
                    let mut i = 0u64;
                    while Instant::now() < stop {
                        i += 1;
                        let marker = format!("done-{i}-$?");
                        let line = format!("clear; echo run-{i}; echo {marker}");
                        if tm.run(&["send-keys", "-t", p, &line, "Enter"]).is_err() {
                            break;
                        }
                        let want = format!("done-{i}-0");
                        loop {
                            std::thread::sleep(POLL);
                            let sc = tm.run(&["capture-pane", "-p", "-t", p]).unwrap_or_default();
                            if sc.lines().any(|l| l.trim() == want) {
                                n += 1;
                                break;
                            }
                            if Instant::now() > stop + Duration::from_secs(5) {
                                break;
                            }
                        }
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    let rate = runs as f64 / t0.elapsed().as_secs_f64();
    progress!("tmux polling: {runs} runs ({rate:.0}/s)");
    Ok(rate)
}
