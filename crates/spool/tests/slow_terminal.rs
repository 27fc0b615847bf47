//! A client whose terminal stops reading (a stalled ssh link) while its pane prints flat out:
//! the client keeps one merged update, not a backlog, so its memory stays flat.

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;
use common::TestServer;

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn a_stalled_terminal_does_not_grow_the_client() {
    let s = TestServer::new();
    // Every line different and colored, so every frame changes most rows.
    let flood = "awk 'BEGIN { s = sprintf(\"%0280d\", 0); for (i = 0; ; i++) \
                 printf \"\\033[3%dm%d %s\\033[0m\\n\", i % 8, i, s }'";
    s.ok(&["new", "-d", "-s", "f", "--", "sh", "-c", flood]);
    let mut c = s.cmd();
    c.args(["attach", "-t", "f"]).env("TERM", "xterm-256color");
    let mut t = Pty::spawn(&mut c, 300, 100);
    assert!(t.until(b"[f]", Duration::from_secs(10)), "no first frame");
    // Read for a moment, then stop reading: the client's writes to the terminal block.
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_millis(500) {
        t.read_some();
    }
    let before = rss_kib(t.pid());
    std::thread::sleep(Duration::from_secs(5));
    let after = rss_kib(t.pid());
    assert!(before > 0 && after > 0);
    // A backlog of full 300x100 colored frames at the server's frame rate would be tens of MiB
    // by now; merged, the client holds about one frame.
    assert!(
        after < before + 8 * 1024,
        "client grew from {before} KiB to {after} KiB while its terminal was stalled"
    );
    // And it recovers: reading again, frames keep coming.
    t.seen.clear();
    assert!(t.until(b"\x1b[?2026l", Duration::from_secs(10)));
}
