//! Scenario: the emulator alone against a raw PTY, on the same colored log.
//!
//! `spool debug replay --cols 120 --rows 40 FILE` (a fresh emulator, the file streamed in,
//! the final screen printed) against `script -q -c 'stty cols 120 rows 40; cat FILE'
//! /dev/null` (the kernel's PTY and `script` draining it, nothing parsed), interleaved round
//! by round so both see the same machine. The ratio is the issue's "emulator alone ≥ 2× the
//! raw PTY".

use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::progress;
use crate::scenarios::Ctx;
use crate::util::{median, min_max, r3, MIB};

const COLS: &str = "120";
const ROWS: &str = "40";

/// Wall seconds of one run of `cmd`, which must succeed.
fn timed(cmd: &mut Command, what: &str) -> Result<f64> {
    let t0 = Instant::now();
    let st = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {what}"))?;
    if !st.success() {
        bail!("{what} failed: {st}");
    }
    Ok(t0.elapsed().as_secs_f64())
}

pub fn emulator(ctx: &mut Ctx) -> Result<Value> {
    let size = ctx.q(16, 64);
    let rounds = ctx.q(3, 7);
    let file = ctx.log(size, true)?;
    let mib = std::fs::metadata(&file)?.len() as f64 / MIB;
    let script = format!(
        "stty cols {COLS} rows {ROWS}; cat {}",
        crate::servers::sq(&file)
    );
    let (mut replay, mut raw) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        // Alternate which goes first, so neither always runs on a warmer machine.
        for k in 0..2 {
            if (round + k) % 2 == 0 {
                let s = timed(
                    Command::new("timeout")
                        .arg("120")
                        .arg(&ctx.spool_bin)
                        .args(["debug", "replay", "--cols", COLS, "--rows", ROWS])
                        .arg(&file),
                    "spool debug replay",
                )?;
                progress!("emulator round {}: replay {s:.3}s", round + 1);
                replay.push(s);
            } else {
                let s = timed(
                    Command::new("timeout")
                        .args(["120", "script", "-q", "-c", &script, "/dev/null"])
                        .stdin(Stdio::null()),
                    "script",
                )?;
                progress!("emulator round {}: raw pty {s:.3}s", round + 1);
                raw.push(s);
            }
        }
    }
    let ratios: Vec<f64> = replay.iter().zip(&raw).map(|(s, r)| r / s).collect();
    let (lo, hi) = min_max(&ratios);
    let tput = |v: &[f64]| v.iter().map(|s| r3(mib / s)).collect::<Vec<_>>();
    Ok(json!({
        "scenario": "emulator",
        "file_mib": r3(mib),
        "cols": COLS, "rows": ROWS,
        "replay_secs": replay.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
        "raw_pty_secs": raw.iter().map(|&x| r3(x)).collect::<Vec<_>>(),
        "replay_mib_per_s": tput(&replay),
        "raw_pty_mib_per_s": tput(&raw),
        "replay_vs_raw_median": r3(median(&ratios)),
        "replay_vs_raw_range": [r3(lo), r3(hi)],
        "meets_target_2x": median(&ratios) >= 2.0,
    }))
}
