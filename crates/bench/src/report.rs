//! The run's metadata and its markdown summary.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn out(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "?".into())
}

pub fn tmux_version() -> String {
    out("tmux", &["-V"])
}

pub fn meta(spool: &Path, quick: bool, cap: u64) -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let root = root.to_string_lossy();
    json!({
        "quick": quick,
        "spool_version": out(&spool.to_string_lossy(), &["--version"]),
        "spool_commit": out("git", &["-C", &root, "rev-parse", "--short", "HEAD"]),
        "tmux_version": tmux_version(),
        "kernel": out("uname", &["-sr"]),
        "cpu": cpu,
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        "mem_total_mib": out("sh", &["-c", "awk '/MemTotal/{print int($2/1024)}' /proc/meminfo"]),
        "loadavg_at_end": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "rss_cap_mib": cap >> 20,
    })
}

fn f(v: &Value) -> String {
    match v {
        Value::Null => "–".into(),
        Value::Number(n) => {
            let x = n.as_f64().unwrap_or(0.0);
            if x.fract() == 0.0 || x.abs() >= 100.0 {
                format!("{x:.0}")
            } else {
                format!("{x:.2}")
            }
        }
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub fn markdown(doc: &Value, stem: &str, pngs: &[(String, PathBuf)]) -> String {
    let m = &doc["meta"];
    let r = &doc["results"];
    let mut s = String::new();
    let _ = writeln!(s, "# spool vs tmux benchmarks, {stem}\n");
    let _ = writeln!(
        s,
        "Produced by `cargo run --release -p spool-bench -- all{}`. Raw numbers: `{stem}.json`.\n",
        if m["quick"] == true { " --quick" } else { "" }
    );
    let _ = writeln!(s, "| | |\n|---|---|");
    for k in [
        "spool_version",
        "spool_commit",
        "tmux_version",
        "kernel",
        "cpu",
        "cores",
        "mem_total_mib",
        "loadavg_at_end",
        "rss_cap_mib",
    ] {
        let _ = writeln!(s, "| {k} | {} |", f(&m[k]));
    }
    let _ = writeln!(s, "\n## Method\n");
    s.push_str(
        "- One machine, 2 cores, **shared with other jobs** (builds by other engineers may run at \
the same time): absolute times are noisy; comparisons are taken in the same run, interleaved \
(spool, tmux and the raw PTY drain rotate within each round), and quoted as ratios.\n\
- Data is generated deterministically by the bench (splitmix64, fixed seeds) into a temp dir: \
a colored log (100–130 visible chars a line: timestamp in 256-color grey, level in 16/256 \
colors, module in a 256-color, words with ~1/16 truecolor `38;2;r;g;b`, bold and underline \
runs, a hex id) and a plain-ASCII twin with the same visible text.\n\
- Panes are 200×50. tmux runs with `-f` a config that sets `history-limit` (1 000 000 unless \
stated), `status off` (so the pane is 200×50 too), `remain-on-exit on`; it is a separate server \
on its own `-L` socket. spool runs with `-S` a temp socket and `XDG_STATE_HOME` in the temp dir.\n\
- RSS is VmRSS of the server process read from `/proc/<pid>/status` every 100 ms. A server \
whose RSS passes the cap above is killed and reported as `capped` (so a comparison cannot take \
the shared machine down); its peak is then a lower bound.\n\
- spool timings end when `spool wait` returns (process exited *and* all output processed). \
tmux timings end when `tmux wait-for` fires, signalled by the pane's shell after `cat` exits — \
tmux may still have up to a PTY buffer (a few KiB) unprocessed then, a negligible advantage \
for tmux. The raw drain is the bench reading a PTY master (openpty) until EIO while `cat` \
writes into the slave: the floor for any terminal program.\n\
- Throughput ratios: spool/raw = raw time ÷ spool time (1.0 = as fast as draining the PTY); \
spool/tmux = tmux time ÷ spool time.\n\n",
    );

    let fm = &r["flat-memory"];
    let _ = writeln!(s, "## 1. Flat memory: 13 panes cat the same log at once\n");
    if fm["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&fm["error"]));
    } else {
        let _ = writeln!(
            s,
            "{} panes × {} MiB colored log each.\n\n| | peak RSS MiB | RSS after MiB | seconds | aggregate MiB/s | notes |\n|---|---|---|---|---|---|",
            f(&fm["panes"]),
            f(&fm["file_mib"])
        );
        let sp = &fm["spool"];
        let tm = &fm["tmux"];
        let _ = writeln!(
            s,
            "| spool | {} | {} | {} | {} | {}/{} panes' captures equal the file (SGR stripped); target ≤ {} MiB: {} |",
            f(&sp["peak_rss_mib"]),
            f(&sp["rss_after_mib"]),
            f(&sp["secs"]),
            f(&sp["aggregate_mib_per_s"]),
            f(&sp["panes_matched"]),
            f(&sp["panes"]),
            f(&sp["target_peak_mib"]),
            if sp["meets_target"] == true { "met" } else { "**missed**" }
        );
        let _ = writeln!(
            s,
            "| tmux | {} | {} | {} | {} | completed: {}, capped: {}, history rows per pane: {} |\n",
            f(&tm["peak_rss_mib"]),
            f(&tm["rss_after_mib"]),
            f(&tm["secs"]),
            f(&tm["aggregate_mib_per_s"]),
            f(&tm["completed"]),
            f(&tm["capped"]),
            f(&tm["history_rows"].get(0).cloned().unwrap_or(Value::Null))
        );
        if let Some(ms) = sp["mismatches"].as_array().filter(|a| !a.is_empty()) {
            let _ = writeln!(s, "Capture mismatches (first differing line of each):\n");
            for m in ms {
                let _ = writeln!(s, "- `{}`", m);
            }
            s.push('\n');
        }
    }
    for (name, path) in pngs {
        if name.starts_with("flat-memory") {
            let _ = writeln!(
                s,
                "![{name}]({})\n",
                path.file_name().unwrap().to_string_lossy()
            );
        }
    }

    let ing = &r["ingest"];
    let _ = writeln!(s, "## 2. Ingest throughput (one pane)\n");
    if ing["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&ing["error"]));
    } else {
        let _ = writeln!(s, "{} rounds.\n\n| data | MiB | spool MiB/s | raw PTY MiB/s | tmux MiB/s | spool/raw median [range] | spool/tmux median [range] |\n|---|---|---|---|---|---|---|", f(&ing["rounds"]));
        for k in ["colored", "plain"] {
            let v = &ing[k];
            let med = |key: &str| {
                let xs: Vec<f64> = v[key]
                    .as_array()
                    .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
                    .unwrap_or_default();
                format!("{:.0}", crate::util::median(&xs))
            };
            let _ = writeln!(
                s,
                "| {k} | {} | {} | {} | {} | {} [{}–{}] | {} [{}–{}] |",
                f(&v["file_mib"]),
                med("spool_mib_per_s"),
                med("raw_mib_per_s"),
                med("tmux_mib_per_s"),
                f(&v["spool_vs_raw_median"]),
                f(&v["spool_vs_raw_range"][0]),
                f(&v["spool_vs_raw_range"][1]),
                f(&v["spool_vs_tmux_median"]),
                f(&v["spool_vs_tmux_range"][0]),
                f(&v["spool_vs_tmux_range"][1]),
            );
        }
        s.push_str("\nTargets (issue #14): spool ≥ 0.9× raw, ≥ 3× tmux.\n\n");
    }

    let b = &r["bytes-per-row"];
    let _ = writeln!(s, "## 3. Bytes per history row\n");
    if b["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&b["error"]));
    } else {
        s.push_str("| data | lines | spool disk B/row | spool RAM B/row (pane memory) | spool RSS Δ B/row | tmux RSS Δ B/row | zstd -3 of raw bytes B/line | zstd -3 of text B/line | raw B/line |\n|---|---|---|---|---|---|---|---|---|\n");
        for k in ["colored", "plain"] {
            let v = &b[k];
            let _ = writeln!(
                s,
                "| {k} | {} | {} | {} | {} | {} | {} | {} | {} |",
                f(&v["file_lines"]),
                f(&v["spool_disk_bytes_per_row"]),
                f(&v["spool_memory_bytes_per_row"]),
                f(&v["spool_rss_delta_bytes_per_row"]),
                f(&v["tmux_rss_delta_bytes_per_row"]),
                f(&v["zstd3_raw_bytes_per_line"]),
                f(&v["zstd3_text_bytes_per_line"]),
                f(&v["raw_bytes_per_line"]),
            );
        }
        s.push_str("\nspool's disk bytes include cell attributes (colors), so the fair zstd comparison for the colored log is the raw-bytes column (SGR included); RSS Δ is RSS after ÷ rows minus RSS before, 1.5 s after ingest.\n\n");
    }

    let se = &r["search"];
    let _ = writeln!(s, "## 4. Search time vs history size\n");
    if se["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&se["error"]));
    } else {
        let sizes = se["sizes"].as_array().cloned().unwrap_or_default();
        let _ = writeln!(s, "A plain log, each case searched 3 times (the median is shown) by `spool search` over the pane's whole history, by `rg` over the same text in a file, and by `tmux capture-pane -S - | grep -c`.\n\n| lines | text MiB | spool disk MiB | spool RSS MiB | tmux RSS MiB |\n|---|---|---|---|---|");
        for row in &sizes {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                f(&row["lines"]),
                f(&row["text_mib"]),
                f(&row["spool_disk_mib"]),
                f(&row["spool_rss_mib"]),
                f(&row["tmux_rss_mib"]),
            );
        }
        let _ = writeln!(s, "\n| lines | case | pattern | spool s | spool GiB/s of text | rg (file) s | tmux capture \\| grep s | spool hits | rg hits |\n|---|---|---|---|---|---|---|---|---|");
        for row in &sizes {
            let Some(cases) = row["cases"].as_object() else {
                continue;
            };
            for (case, c) in cases {
                let _ = writeln!(
                    s,
                    "| {} | {case} | `{}` | {} | {} | {} | {} | {} | {} |",
                    f(&row["lines"]),
                    f(&c["pattern"]),
                    f(&c["spool_secs_median"]),
                    f(&c["spool_text_gib_per_s"]),
                    f(&c["rg_file_secs_median"]),
                    f(&c["tmux_capture_grep_secs_median"]),
                    f(&c["spool_hits"]),
                    f(&c["rg_hits"]),
                );
            }
        }
        let _ = writeln!(s, "\nTargets (issue #14): a rare literal or word over 1 GiB of history in ≤ 200 ms; any regex at ≥ 1 GiB/s of text. spool counts matches, `rg -c` lines, so a common word's counts differ.");
        s.push('\n');
    }
    for (name, path) in pngs {
        if name == "search" {
            let _ = writeln!(
                s,
                "![{name}]({})\n",
                path.file_name().unwrap().to_string_lossy()
            );
        }
    }

    let bu = &r["burst"];
    let _ = writeln!(s, "## 5. Memory after a burst\n");
    if bu["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&bu["error"]));
    } else {
        let _ = writeln!(s, "{} MiB into one pane, then {} s idle. Baseline and after idle are settled levels: the median RSS over {} s (after the settle, and at the end of the idle time).\n\n| | baseline MiB | peak MiB | at burst end MiB | after idle MiB | last sample MiB | burst s |\n|---|---|---|---|---|---|---|", f(&bu["burst_mib"]), f(&bu["idle_secs"]), f(&bu["settled_window_secs"]));
        for k in ["spool", "tmux"] {
            let v = &bu[k];
            let _ = writeln!(
                s,
                "| {k} | {} | {} | {} | {} | {} | {} |",
                f(&v["baseline_rss_mib"]),
                f(&v["peak_rss_mib"]),
                f(&v["rss_at_burst_end_mib"]),
                f(&v["rss_after_idle_mib"]),
                f(&v["rss_last_sample_mib"]),
                f(&v["burst_secs"]),
            );
        }
        s.push('\n');
        if let Some(rise) = bu["spool"]["account_rise_bytes"].as_object() {
            let parts: Vec<String> = rise
                .iter()
                .map(|(name, b)| format!("{name} {:+.1}", b.as_f64().unwrap_or(0.0) / 1024.0))
                .collect();
            let _ = writeln!(
                s,
                "spool's accounts after idle against before the burst, KiB (`spool stats`; the allocator's counters count reserved pages too): {}\n",
                parts.join(", ")
            );
        }
    }
    for (name, path) in pngs {
        if name == "burst" {
            let _ = writeln!(
                s,
                "![{name}]({})\n",
                path.file_name().unwrap().to_string_lossy()
            );
        }
    }

    let h = &r["hostile"];
    let _ = writeln!(s, "## 6. Hostile output (fresh server per case)\n");
    if h["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&h["error"]));
    } else {
        s.push_str("| case | MiB | spool peak MiB | spool s | tmux peak MiB | tmux s | notes |\n|---|---|---|---|---|---|---|\n");
        for c in h["cases"].as_array().cloned().unwrap_or_default() {
            let mut notes = Vec::new();
            for k in ["spool", "tmux"] {
                if c[k]["error"].is_string() {
                    notes.push(format!("{k}: {}", f(&c[k]["error"])));
                }
                if c[k]["capped"] == true {
                    notes.push(format!("{k} killed at the RSS cap"));
                }
            }
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} | {} |",
                f(&c["case"]),
                f(&c["mib"]),
                f(&c["spool"]["peak_rss_mib"]),
                f(&c["spool"]["secs"]),
                f(&c["tmux"]["peak_rss_mib"]),
                f(&c["tmux"]["secs"]),
                notes.join("; ")
            );
        }
        s.push('\n');
    }

    let i = &r["idle"];
    let _ = writeln!(s, "## 7. Idle: 13 shells\n");
    if i["error"].is_string() {
        let _ = writeln!(s, "Failed: {}\n", f(&i["error"]));
    } else {
        let _ = writeln!(
            s,
            "| | RSS MiB 2 s after the last shell | settled ({} s) | empty-server RSS MiB |\n|---|---|---|---|\n| spool | {} | {} | {} |\n| tmux | {} | {} | {} |\n\nTarget for spool, settled, ≤ tmux's + 2 MiB: {}.\n",
            f(&i["settle_secs"]),
            f(&i["spool"]["rss_at_2s_mib"]),
            f(&i["spool"]["rss_mib"]),
            f(&i["spool"]["baseline_rss_mib"]),
            f(&i["tmux"]["rss_at_2s_mib"]),
            f(&i["tmux"]["rss_mib"]),
            f(&i["tmux"]["baseline_rss_mib"]),
            if i["spool"]["meets_target"] == true { "met" } else { "**missed**" }
        );
    }
    s
}
