//! Scenario: images. Distinct 256×256 images (kitty graphics, raw RGB zlib-compressed, sent
//! in 4 KiB chunks as kitty's clients do) pushed through one pane, then through 13 panes at
//! once. Reports the server's peak RSS (the target is 48 MiB in both), disk bytes per image
//! (files and placement records), and the seconds each push took.

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
    Ok(v)
}
