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

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "plain".into());
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    let mode = args.next().unwrap_or_default();
    let bytes = mib << 20;
    let data = match kind.as_str() {
        "colored" => bench::colored_log(bytes),
        "tui" => bench::tui_redraw(bytes, 200, 50),
        _ => bench::plain_log(bytes),
    };
    match mode.as_str() {
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
