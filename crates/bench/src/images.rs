//! Scenario: images. Distinct 256×256 images (kitty graphics, raw RGB zlib-compressed, sent
//! in 4 KiB chunks as kitty's clients do) pushed through one pane, then through 13 panes at
//! once. Reports the server's peak RSS (the target is 48 MiB in both), disk bytes per image
//! (files and placement records), and the seconds each push took. Then, through `spool
//! attach` to a terminal played on a PTY (kitty graphics, then sixel): the time from a new
//! image printed in the pane to its drawing on the outer terminal, and the time from `g` in
//! scroll mode to the drawing of an image a million rows up.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Result;
use base64::Engine;
use serde_json::{json, Value};

use crate::progress;
use crate::scenarios::Ctx;
use crate::util::{mib, r3, Sampler};

const SIDE: usize = 256;

/// A file of `n` distinct images (seeded by `seed`), one per line, written once per run.
fn image_stream(dir: &Path, n: usize, seed: u32) -> Result<PathBuf> {
    let path = dir.join(format!("images-{n}-{seed}.bin"));
    if path.exists() {
        return Ok(path);
    }
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
    let mut px = vec![0u8; SIDE * SIDE * 3];
    for i in 0..n as u32 {
        // A plot: a flat background, axes, and a curve that moves with the image's number,
        // which is also written into its first row: every image differs, and compresses as
        // plots do.
        px.fill(250);
        for t in 0..SIDE {
            let y = (SIDE / 2) as f64
                + (SIDE as f64 / 3.0) * ((t as f64 + i as f64) / 20.0 + seed as f64).sin();
            let y = (y as usize).min(SIDE - 1);
            for (x, yy) in [(t, y), (t, SIDE - 8), (8, t)] {
                let k = 3 * (yy * SIDE + x);
                px[k..k + 3].copy_from_slice(&[20, 60, (i % 200) as u8]);
            }
        }
        px[..12].copy_from_slice(&[i.to_le_bytes(), seed.to_le_bytes(), i.to_be_bytes()].concat());
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(&px)?;
        let data = base64::engine::general_purpose::STANDARD.encode(z.finish()?);
        let chunks: Vec<&[u8]> = data.as_bytes().chunks(4096).collect();
        for (c, chunk) in chunks.iter().enumerate() {
            let more = u8::from(c + 1 < chunks.len());
            if c == 0 {
                write!(out, "\x1b_Ga=T,f=24,s={SIDE},v={SIDE},o=z,q=2,m={more};")?;
            } else {
                write!(out, "\x1b_Gm={more};")?;
            }
            out.write_all(chunk)?;
            out.write_all(b"\x1b\\")?;
        }
        out.write_all(b"\r\n")?;
    }
    out.flush()?;
    Ok(path)
}

fn dir_bytes(dir: &Path, name_ends: &str) -> u64 {
    let mut total = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            match e.metadata() {
                Ok(m) if m.is_dir() => stack.push(p),
                Ok(m) if p.to_string_lossy().ends_with(name_ends) => total += m.len(),
                _ => {}
            }
        }
    }
    total
}

pub fn images(ctx: &mut Ctx) -> Result<Value> {
    let n = ctx.q(1000, 10_000);
    let mut v = json!({"scenario": "images", "images_per_pane": n, "side": SIDE});
    for panes in [1usize, 13] {
        let files: Vec<PathBuf> = (0..panes)
            .map(|p| image_stream(&ctx.tmp, n, p as u32))
            .collect::<Result<_>>()?;
        let stream_mib = files
            .iter()
            .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
            .sum::<u64>() as f64
            / (1 << 20) as f64;
        progress!("images: {panes} pane(s) × {n} images ({stream_mib:.0} MiB of escapes)");
        let sp = ctx.spool()?;
        let base = sp.rss();
        let sampler = Sampler::start("images", sp.pid, Duration::from_millis(50), ctx.cap);
        let t0 = Instant::now();
        let ids: Vec<String> = files
            .iter()
            .map(|f| sp.new_pane(200, 50, &["cat", &f.to_string_lossy()]))
            .collect::<Result<_>>()?;
        for id in &ids {
            sp.wait(id, ctx.timeout)?;
        }
        let secs = t0.elapsed().as_secs_f64();
        // The last batches' files land just after the pane ends.
        std::thread::sleep(Duration::from_millis(500));
        let peak = sampler.peak();
        let capped = sampler.was_capped();
        sampler.finish();
        let st = sp.stats()?;
        let im = &st["images"];
        let state = sp.state_dir();
        let (files_b, records_b) = (
            dir_bytes(&state.join("spool"), ".png"),
            dir_bytes(&state.join("spool"), "images.idx"),
        );
        let placed = im["counts"]["placed"].as_u64().unwrap_or(0);
        let per = |b: u64| r3(b as f64 / placed.max(1) as f64);
        progress!(
            "images {panes}: peak {:.1} MiB, {placed} placed, {:.0} B/image on disk",
            peak as f64 / (1 << 20) as f64,
            (files_b + records_b) as f64 / placed.max(1) as f64
        );
        v[format!("panes_{panes}")] = json!({
            "baseline_rss_mib": mib(base),
            "peak_rss_mib": mib(peak),
            "capped": capped,
            "secs": r3(secs),
            "images_per_sec": r3(placed as f64 / secs.max(1e-9)),
            "placed": placed,
            "dropped": im["counts"]["too_long"].as_u64().unwrap_or(0)
                + im["counts"]["too_large"].as_u64().unwrap_or(0)
                + im["counts"]["invalid"].as_u64().unwrap_or(0)
                + im["counts"]["full"].as_u64().unwrap_or(0),
            "files_written": im["files_written"],
            "disk_bytes_per_image": per(files_b + records_b),
            "file_bytes_per_image": per(files_b),
            "record_bytes_per_image": per(records_b),
            "image_cache_mib": mib(im["cache_bytes"].as_u64().unwrap_or(0)),
            "stream_mib": r3(stream_mib),
        });
    }
    v["draw"] = draw(ctx)?;
    Ok(v)
}

/// The outer terminal's answer to the client's probe: kitty graphics or sixel, 10×20 cells.
fn probe_answer(kitty: bool) -> &'static [u8] {
    if kitty {
        b"\x1b_Gi=31;OK\x1b\\\x1b[6;20;10t\x1b[?62;22c"
    } else {
        b"\x1b[6;20;10t\x1b[?62;4;22c"
    }
}

/// The session a pane is in.
fn session_of(sp: &crate::servers::Spool, pane: &str) -> Result<String> {
    let panes: Value = serde_json::from_str(&sp.run(&["panes", "--json"])?)?;
    Ok(panes
        .as_array()
        .and_then(|a| a.iter().find(|p| p["id"] == pane))
        .and_then(|p| p["session"].as_str())
        .unwrap_or_default()
        .to_string())
}

/// Attach a played terminal of 80×24 to `session`, answering the probe as `kitty` says.
fn attach_outer(sp: &crate::servers::Spool, session: &str, kitty: bool) -> Result<Outer> {
    let mut c = sp.cmd();
    c.args(["attach", "-t", session])
        .env("TERM", "xterm-256color");
    let o = Outer::spawn(&mut c, 80, 24)?;
    if o.wait_for(b"\x1b[c", Duration::from_secs(10)).is_none() {
        anyhow::bail!("the attach client sent no probe");
    }
    o.write(probe_answer(kitty));
    if o.wait_for(format!("[{session}]").as_bytes(), Duration::from_secs(10))
        .is_none()
    {
        anyhow::bail!("the attach client drew no status line");
    }
    o.settle(Duration::from_millis(300));
    Ok(o)
}

use crate::attach::{pct, Outer};

/// Draw times through the attach client, kitty graphics and sixel.
fn draw(ctx: &mut Ctx) -> Result<Value> {
    let sp = ctx.spool()?;
    let n = if ctx.quick { 10 } else { 40 };
    let stream = image_stream(&ctx.tmp, n + 1, 77)?;
    // A pane that shows the next image of the stream each time Enter is typed.
    let shower = ctx.tmp.join("show.py");
    std::fs::write(
        &shower,
        format!(
            "import sys\n\
             imgs=open('{}','rb').read().split(b'\\r\\n')\n\
             for im in imgs:\n\
             \x20   sys.stdin.readline()\n\
             \x20   sys.stdout.buffer.write(im+b'\\r\\n'); sys.stdout.flush()\n",
            stream.display()
        ),
    )?;
    let mut out = json!({});
    for kitty in [true, false] {
        let mode = if kitty { "kitty" } else { "sixel" };
        progress!("images: draw time through attach ({mode})");
        let pane = sp.new_pane(
            80,
            23,
            &[
                "sh",
                "-c",
                &format!("stty -echo; exec python3 {}", shower.display()),
            ],
        )?;
        let session = session_of(&sp, &pane)?;
        let o = attach_outer(&sp, &session, kitty)?;
        // Only the client's work is timed, not this process decoding what it draws.
        o.stop_emulating();
        let mut ms = Vec::with_capacity(n);
        for i in 0..n {
            o.write(b"\r");
            // Kitty: the new image's placement (the client's kitty ids count from 1); sixel:
            // the end of the frame's fresh blocks.
            let needle = if kitty {
                format!("a=p,i={},", i + 1).into_bytes()
            } else {
                b"\x1b[?8452l".to_vec()
            };
            if let Some(d) = o.wait_for(&needle, Duration::from_secs(10)) {
                ms.push(d.as_secs_f64() * 1e3);
            }
            o.settle(Duration::from_millis(50));
        }
        drop(o);
        sp.run(&["kill", "-t", &pane]).ok();
        out[format!("{mode}_image_to_drawn_ms")] = json!({
            "median": r3(pct(&ms, 0.5)),
            "p90": r3(pct(&ms, 0.9)),
            "drawn": ms.len(),
            "of": n,
        });
    }
    // An image a million rows up: `g` in scroll mode until it is placed (kitty).
    let rows: u64 = if ctx.quick { 100_000 } else { 1_000_000 };
    progress!("images: jump to an image {rows} rows up");
    let first = ctx.tmp.join("first.py");
    std::fs::write(
        &first,
        format!(
            "import sys\n\
             im=open('{}','rb').read().split(b'\\r\\n')[0]\n\
             sys.stdout.buffer.write(im+b'\\r\\n')\n\
             sys.stdout.buffer.write(b''.join(b'line %d\\n' % i for i in range({rows})))\n\
             sys.stdout.buffer.write(b'printed\\n'); sys.stdout.flush()\n",
            stream.display()
        ),
    )?;
    let pane = sp.new_pane(
        80,
        23,
        &[
            "sh",
            "-c",
            &format!("python3 {}; exec sleep 3600", first.display()),
        ],
    )?;
    let t0 = Instant::now();
    while !sp.run(&["capture", "-t", &pane])?.contains("printed") {
        if t0.elapsed() > ctx.timeout {
            anyhow::bail!("the history was not printed in time");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let session = session_of(&sp, &pane)?;
    let (mut text_ms, mut image_ms) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let o = attach_outer(&sp, &session, true)?;
        o.stop_emulating();
        o.write(b"\x02[");
        o.settle(Duration::from_millis(200));
        let t = Instant::now();
        o.write(b"g");
        if o.wait_for(b"[ima", Duration::from_secs(30)).is_some() {
            text_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        if o.wait_for(b"a=p,i=", Duration::from_secs(30)).is_some() {
            image_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    out["jump_to_image"] = json!({
        "rows_above": rows,
        "placeholder_text_ms_median": r3(pct(&text_ms, 0.5)),
        "image_placed_ms_median": r3(pct(&image_ms, 0.5)),
        "rounds": image_ms.len(),
    });
    sp.run(&["kill", "-t", &pane]).ok();
    Ok(out)
}
