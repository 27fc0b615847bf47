//! `spool-bench`: spool against tmux on the same machine, in the same run.
//!
//! `spool-bench <scenario|all> [--quick] [--huge] [--spool PATH] [--out DIR]` prints one JSON object
//! per scenario on stdout (progress on stderr); `all` also writes
//! `bench/results/<date>.json`, `<date>.md` and PNG plots.

mod agents;
mod attach;
mod data;
mod emulator;
mod images;
mod plot;
mod rawpty;
mod report;
mod restore;
mod scenarios;
mod servers;
mod util;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use scenarios::Ctx;

type Scenario = fn(&mut Ctx) -> Result<Value>;

const SCENARIOS: &[(&str, Scenario)] = &[
    ("flat-memory", scenarios::flat_memory),
    ("ingest", scenarios::ingest),
    ("emulator", emulator::emulator),
    ("bytes-per-row", scenarios::bytes_per_row),
    ("search", scenarios::search),
    ("burst", scenarios::burst),
    ("hostile", scenarios::hostile),
    ("idle", scenarios::idle),
    ("attach", attach::attach),
    ("restore", restore::restore),
    ("agents", agents::agents),
    ("images", images::images),
];

const USAGE: &str =
    "usage: spool-bench <all|flat-memory|ingest|emulator|bytes-per-row|search|burst|hostile|idle|attach|restore|agents|images> \
[--quick] [--huge] [--spool PATH] [--out DIR] [--keep-data]
       spool-bench report RESULTS.json
  --huge  search also at 80M lines (~9 GiB of text, ~3 GiB of history on disk, ~15 min)
  report  write RESULTS.md again from RESULTS.json (and the plots beside it), after a change to
          how results are reported; nothing is run";

/// Removes the temp dir (data sets, sockets, history) on every exit path.
struct TempDir(PathBuf, bool);
impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.1 {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn main() {
    util::since_start();
    util::install_signal_cleanup();
    if let Err(e) = real_main() {
        eprintln!("spool-bench: {e:#}");
        std::process::exit(1);
    }
}

/// `spool-bench report FILE.json`: the markdown beside a results file, written again from it
/// and the plots named after it.
fn rewrite_report(json_path: &Path) -> Result<()> {
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(json_path)
            .with_context(|| format!("reading {}", json_path.display()))?,
    )?;
    let stem = json_path
        .file_stem()
        .context("a results file name")?
        .to_string_lossy()
        .to_string();
    let dir = json_path.parent().unwrap_or(Path::new("."));
    let mut pngs = Vec::new();
    for e in std::fs::read_dir(dir)?.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if let Some(plot) = name
            .strip_prefix(&format!("{stem}-"))
            .and_then(|n| n.strip_suffix(".png"))
        {
            pngs.push((plot.to_string(), e.path()));
        }
    }
    pngs.sort();
    let md_path = dir.join(format!("{stem}.md"));
    std::fs::write(&md_path, report::markdown(&doc, &stem, &pngs))?;
    progress!("wrote {}", md_path.display());
    Ok(())
}

fn real_main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut which, mut quick, mut spool, mut out, mut keep) = (None, false, None, None, false);
    let mut huge = false;
    let mut results_file = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--keep-data" => keep = true,
            "--huge" => huge = true,
            "--spool" => spool = Some(PathBuf::from(args.next().context("--spool PATH")?)),
            "--out" => out = Some(PathBuf::from(args.next().context("--out DIR")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            s if !s.starts_with('-') && which.is_none() => which = Some(s.to_string()),
            s if !s.starts_with('-') && which.as_deref() == Some("report") => {
                results_file = Some(PathBuf::from(s))
            }
            s => bail!("unknown argument {s}\n{USAGE}"),
        }
    }
    let which = which.context(USAGE)?;
    if which == "report" {
        return rewrite_report(&results_file.context(USAGE)?);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spool_bin = match spool {
        Some(p) => p,
        None => {
            let exe = std::env::current_exe()?;
            let beside = exe.parent().map(|d| d.join("spool"));
            match beside {
                Some(p) if p.exists() => p,
                _ => root.join("target/release/spool"),
            }
        }
    };
    if !spool_bin.exists() {
        bail!(
            "no spool binary at {}: build it with `cargo build --release -p spool`",
            spool_bin.display()
        );
    }
    let base = std::env::var_os("TMPDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    let tmp = base.join(format!("spool-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let _guard = TempDir(tmp.clone(), keep);
    // A comparison that runs away is stopped before it can exhaust the shared machine.
    let cap = (util::mem_available() / 3).min(8 << 30);
    let mut ctx = Ctx {
        quick,
        huge,
        spool_bin: spool_bin.clone(),
        tmp,
        cap,
        timeout: Duration::from_secs(if quick { 300 } else { 1800 }),
        plots: Vec::new(),
    };
    progress!(
        "spool {} | tmux {} | quick={quick} | RSS cap {:.0} MiB | temp {}",
        spool_bin.display(),
        report::tmux_version(),
        cap as f64 / util::MIB,
        ctx.tmp.display()
    );
    if which == "all" {
        let mut results = serde_json::Map::new();
        for (name, f) in SCENARIOS {
            progress!("=== {name}");
            let t0 = std::time::Instant::now();
            let mut v = f(&mut ctx).unwrap_or_else(|e| {
                progress!("{name} failed: {e:#}");
                json!({"scenario": name, "error": format!("{e:#}")})
            });
            v["wall_secs"] = json!(util::r3(t0.elapsed().as_secs_f64()));
            println!("{v}");
            results.insert(name.to_string(), v);
        }
        let dir = out.unwrap_or_else(|| root.join("bench/results"));
        std::fs::create_dir_all(&dir)?;
        let date = util::today();
        let stem = if quick {
            format!("{date}-quick")
        } else {
            date.clone()
        };
        let meta = report::meta(&spool_bin, quick, cap);
        let doc = json!({"date": date, "meta": meta, "results": Value::Object(results)});
        let json_path = dir.join(format!("{stem}.json"));
        std::fs::write(&json_path, serde_json::to_string_pretty(&doc)? + "\n")?;
        let mut pngs = Vec::new();
        for p in &ctx.plots {
            let path = dir.join(format!("{stem}-{}.png", p.name));
            match plot::lines(&path, &p.title, &p.x_label, &p.y_label, &p.series, p.log_x) {
                Ok(()) => pngs.push((p.name.clone(), path)),
                Err(e) => progress!("plot {} failed: {e:#}", p.name),
            }
        }
        let md = report::markdown(&doc, &stem, &pngs);
        let md_path = dir.join(format!("{stem}.md"));
        std::fs::write(&md_path, md)?;
        progress!(
            "wrote {}, {} and {} plots",
            json_path.display(),
            md_path.display(),
            pngs.len()
        );
    } else {
        let f = SCENARIOS
            .iter()
            .find(|(n, _)| *n == which)
            .with_context(|| format!("unknown scenario {which}\n{USAGE}"))?
            .1;
        let v = f(&mut ctx)?;
        println!("{v}");
    }
    Ok(())
}
