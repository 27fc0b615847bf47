//! Quick throughput check of the emulator:
//! `cargo run --release -p spool-term --example throughput -- [plain|colored|tui] [MiB] [store|encode|none|nofeed]`.
//! With `store`, history goes to a real `spool_store::Store` in a temporary directory.

use std::time::Instant;

use spool_term::{bench, HistorySink, NoHistory, Terminal};

fn run<S: HistorySink>(kind: &str, data: &[u8], sink: S) -> Terminal<S> {
    let mut t = Terminal::new(200, 50, sink);
    let start = Instant::now();
    for chunk in data.chunks(64 * 1024) {
        t.feed(chunk);
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{kind}: {:.1} MiB/s ({} bytes, memory {} bytes)",
        data.len() as f64 / 1048576.0 / secs,
        data.len(),
        t.memory_bytes()
    );
    t
}

/// Encodes every history row (like a real sink) but keeps nothing: isolates the store's cost.
struct Encoded(u64);
impl HistorySink for Encoded {
    fn push_row(&mut self, row: spool_store::RowRef<'_>) {
        self.0 += row.text.len() as u64 + row.runs.len() as u64;
    }
    fn clear_history(&mut self) {}
}

/// `all [MiB]`: what `spool debug bench-term` prints, for when the binary cannot be built.
fn all(mib: usize) {
    let env = spool_store::Env::new(spool_store::StoreConfig::default());
    let dir = std::env::temp_dir().join(format!("spool-term-all-{}", std::process::id()));
    let mut out = Vec::new();
    for (i, kind) in ["colored", "plain", "tui"].iter().enumerate() {
        let data = match *kind {
            "colored" => bench::colored_log(mib << 20),
            "tui" => bench::tui_redraw(mib << 20, 200, 50),
            _ => bench::plain_log(mib << 20),
        };
        let parse = bench::parser_mib_s(&data);
        let store = spool_store::Store::open(&env, dir.join(i.to_string())).expect("store");
        let mut t = Terminal::new(200, 50, store);
        let term = bench::terminal_mib_s(&data, &mut t);
        let _ = t.sink().flush();
        let mut t2 = Terminal::new(200, 50, NoHistory);
        let alone = bench::terminal_mib_s(&data, &mut t2);
        out.push(format!(
            "\"{kind}\":{{\"terminal_mib_s\":{term:.1},\"terminal_no_history_mib_s\":{alone:.1},\"parser_mib_s\":{parse:.1},\"ratio\":{:.3}}}",
            term / parse
        ));
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "{{\"mib\":{mib},\"history\":\"spool_store::Store\",{}}}",
        out.join(",")
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "plain".into());
    if kind == "all" {
        all(args.next().and_then(|s| s.parse().ok()).unwrap_or(256));
        return;
    }
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    let mode = args.next().unwrap_or_default();
    let bytes = mib << 20;
    let data = match kind.as_str() {
        "colored" => bench::colored_log(bytes),
        "tui" => bench::tui_redraw(bytes, 200, 50),
        _ => bench::plain_log(bytes),
    };
    match mode.as_str() {
        "storeonly" => {
            // The store's own cost: push the rows this workload produces, without a terminal.
            let mut t = Terminal::new(200, 50, Vec::new());
            t.feed(&data[..data.len().min(8 << 20)]);
            let rows = t.into_sink();
            let total = data.len() / (8 << 20).min(data.len());
            let dir = std::env::temp_dir().join(format!("spool-term-so-{}", std::process::id()));
            let env = spool_store::Env::new(spool_store::StoreConfig::default());
            let store = spool_store::Store::open(&env, &dir).expect("open store");
            let start = Instant::now();
            for _ in 0..total {
                for r in &rows {
                    store.push(r.as_ref()).expect("push");
                }
            }
            let _ = store.flush();
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{kind}: store alone takes {:.1} rows/us = {:.1} MiB/s of terminal input",
                (rows.len() * total) as f64 / secs / 1e6,
                (total * (8 << 20)) as f64 / 1048576.0 / secs
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
        "nofeed" => println!("{}", data.len()),
        "encode" => {
            let t = run(&kind, &data, Encoded(0));
            println!("history bytes {}", t.sink().0);
        }
        "store" => {
            let dir = std::env::temp_dir().join(format!("spool-term-tp-{}", std::process::id()));
            let env = spool_store::Env::new(spool_store::StoreConfig::default());
            let store = spool_store::Store::open(&env, &dir).expect("open store");
            let t = run(&kind, &data, store);
            let _ = t.sink().flush();
            drop(t);
            let _ = std::fs::remove_dir_all(&dir);
        }
        _ => {
            run(&kind, &data, NoHistory);
        }
    }
}
