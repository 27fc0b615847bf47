//! Quick throughput check of the emulator alone (history discarded):
//! `cargo run --release -p spool-term --example throughput -- [plain|colored|tui] [MiB]`.

use std::time::Instant;

use spool_term::{bench, NoHistory, Terminal};

fn main() {
    let mut args = std::env::args().skip(1);
    let kind = args.next().unwrap_or_else(|| "plain".into());
    let mib: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(64);
    let bytes = mib << 20;
    let data = match kind.as_str() {
        "colored" => bench::colored_log(bytes),
        "tui" => bench::tui_redraw(bytes, 200, 50),
        _ => bench::plain_log(bytes),
    };
    if args.next().as_deref() == Some("nofeed") {
        println!("{}", data.len());
        return;
    }
    let mut t = Terminal::new(200, 50, NoHistory);
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
}
