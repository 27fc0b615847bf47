//! `spool debug …`: developer tools (replaying byte streams, benchmarking the emulator,
//! inspecting stores).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use spool_term::{bench, BoundedHistory, Terminal};

/// Most history rows `debug replay --history` keeps in memory (the newest win). Replays are
/// for checking conformance cases and bug reports, whose history is far shorter.
const REPLAY_HISTORY_MAX: usize = 100_000;

/// Bytes of a recording `debug replay` reads at a time: what a pane's inbox hands the
/// emulator at once under load (`INBOX_BYTES` in the server).
const REPLAY_READ_BYTES: usize = 64 * 1024;

/// Largest benchmark input accepted, in MiB (each workload is held in memory while measured).
const BENCH_MAX_MIB: usize = 4096;

/// Makes a workload of (bytes, cols, rows).
type Generator = fn(usize, usize, usize) -> Vec<u8>;

#[derive(Subcommand, Debug)]
pub enum DebugCommand {
    /// Print the store format version this binary reads and writes.
    StoreVersion,
    /// Feed FILE's bytes into a fresh emulator and print the final screen as plain text
    /// (trailing blanks trimmed); with --history, the history above it first, oldest first.
    Replay {
        /// Screen width in cells.
        #[arg(long, default_value_t = 80)]
        cols: usize,
        /// Screen height in rows.
        #[arg(long, default_value_t = 24)]
        rows: usize,
        /// Also print the rows that scrolled off the top (at most 100000, the newest).
        #[arg(long)]
        history: bool,
        /// The recorded output bytes.
        file: PathBuf,
    },
    /// Measure emulator throughput on generated colored logs, plain ASCII and a TUI redraw
    /// stream, against vte's bare parser; prints one JSON object.
    BenchTerm {
        /// Size of each generated workload in MiB.
        #[arg(long, default_value_t = 256)]
        mib: usize,
        #[arg(long, default_value_t = 200)]
        cols: usize,
        #[arg(long, default_value_t = 50)]
        rows: usize,
        /// Send history to a discarding sink instead of a real store.
        #[arg(long)]
        no_store: bool,
    },
}

pub fn run(cmd: DebugCommand) -> anyhow::Result<()> {
    match cmd {
        DebugCommand::StoreVersion => {
            println!("{}", spool_store::FORMAT_VERSION);
            Ok(())
        }
        DebugCommand::Replay {
            cols,
            rows,
            history,
            file,
        } => replay(cols, rows, history, &file),
        DebugCommand::BenchTerm {
            mib,
            cols,
            rows,
            no_store,
        } => bench_term(mib, cols, rows, no_store),
    }
}

fn replay(cols: usize, rows: usize, history: bool, file: &PathBuf) -> anyhow::Result<()> {
    use std::io::Read;
    let reading = || format!("reading {}", file.display());
    let mut input = std::fs::File::open(file).with_context(reading)?;
    let limit = if history { REPLAY_HISTORY_MAX } else { 0 };
    let mut term = Terminal::new(cols, rows, BoundedHistory::new(limit));
    // Streamed a piece at a time, as a pane's output arrives: a replay holds
    // REPLAY_READ_BYTES of input however long the recording is.
    let mut buf = vec![0u8; REPLAY_READ_BYTES];
    loop {
        let n = input.read(&mut buf).with_context(reading)?;
        if n == 0 {
            break;
        }
        term.feed(&buf[..n]);
    }
    let mut out = String::new();
    if history {
        for row in &term.sink().rows {
            out.push_str(row.text.trim_end_matches(' '));
            out.push('\n');
        }
    }
    out.push_str(&term.screen_text());
    print!("{out}");
    Ok(())
}

fn bench_term(mib: usize, cols: usize, rows: usize, no_store: bool) -> anyhow::Result<()> {
    let mib = mib.clamp(1, BENCH_MAX_MIB);
    let bytes = mib * 1024 * 1024;
    let dir = std::env::temp_dir().join(format!("spool-bench-term-{}", std::process::id()));
    let env = spool_store::Env::new(spool_store::StoreConfig::default());
    let mut results = Vec::new();
    let workloads: [(&str, Generator); 3] = [
        ("colored", |b, _, _| bench::colored_log(b)),
        ("plain", |b, _, _| bench::plain_log(b)),
        ("tui", bench::tui_redraw),
    ];
    for (i, (name, gen)) in workloads.iter().enumerate() {
        let data = gen(bytes, cols, rows);
        let parse = bench::parser_mib_s(&data);
        let (term_speed, mem) = if no_store {
            let mut t = Terminal::new(cols, rows, spool_term::NoHistory);
            (bench::terminal_mib_s(&data, &mut t), t.memory_bytes())
        } else {
            let store = spool_store::Store::open(&env, dir.join(format!("pane-{i}")))?;
            let mut t = Terminal::new(cols, rows, store);
            let s = bench::terminal_mib_s(&data, &mut t);
            t.sink().flush()?;
            (s, t.memory_bytes())
        };
        results.push(format!(
            "\"{name}\":{{\"bytes\":{},\"terminal_mib_s\":{:.1},\"parser_mib_s\":{:.1},\
             \"ratio\":{:.3},\"terminal_memory_bytes\":{mem}}}",
            data.len(),
            term_speed,
            parse,
            term_speed / parse
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{{\"mib\":{mib},\"cols\":{cols},\"rows\":{rows},\"history\":\"{}\",\"chunk\":{},{}}}",
        if no_store {
            "discarded"
        } else {
            "spool_store::Store"
        },
        bench::CHUNK,
        results.join(",")
    );
    Ok(())
}
