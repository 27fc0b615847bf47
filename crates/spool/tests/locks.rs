//! The lock order under load: a pane waiting for its history to be written holds no lock
//! that anything else needs.

mod common;

use std::time::{Duration, Instant};

use common::{shows_line, TestServer};

/// `spool_store::STALL_HOOK`: while this file exists the compression workers take no job.
const STALL_HOOK: &str = "SPOOL_TEST_STALL_COMPRESSION";

/// `spool_store::STALL_WRITES_HOOK`: while this file exists a segment's write waits just
/// before it reaches the file, as on a stalled disk.
const STALL_WRITES_HOOK: &str = "SPOOL_TEST_STALL_WRITES";

#[test]
fn a_pane_stuck_behind_stalled_compression_holds_up_neither_ls_nor_captures_nor_other_panes() {
    a_pane_stuck_behind_its_history_holds_up_nothing_else(STALL_HOOK, false);
}

#[test]
fn a_pane_whose_history_write_hangs_on_disk_holds_up_neither_ls_nor_captures_nor_other_panes() {
    a_pane_stuck_behind_its_history_holds_up_nothing_else(STALL_WRITES_HOOK, true);
}

/// While the file `hook` names exists, a busy pane's history stops being written: it stalls,
/// and everything else goes on answering. With `logged`, the stall stays until the server's
/// log says so (`spool_store::SLOT_WAIT_LOGGED_AFTER`, 10 s), and then that it ended.
fn a_pane_stuck_behind_its_history_holds_up_nothing_else(hook: &str, logged: bool) {
    let mut s = TestServer::new();
    let stall = s.dir.path().join("stall");
    std::fs::write(&stall, b"").unwrap();
    // Dropped before the server (declared after it): a failing assertion still lets the
    // workers go on, so the server's shutdown is not left waiting for them.
    struct Unstall(std::path::PathBuf);
    impl Drop for Unstall {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
    let _unstall = Unstall(stall.clone());
    s.env
        .push((hook.into(), stall.to_string_lossy().into_owned()));
    let idle = s.pane("idle", &["sh"]);
    let busy = s.pane("busy", &["seq", "1", "3000000"]);
    // The busy pane fills every in-flight slot, then its parser waits for one: its history
    // stops growing.
    let rows = || s.pane_stats(&busy)["history_rows"].as_u64().unwrap_or(0);
    let mut last = u64::MAX;
    assert!(
        s.eventually(Duration::from_secs(20), || {
            std::thread::sleep(Duration::from_millis(300));
            let now = rows();
            let stuck = now == last && now > 0;
            last = now;
            stuck
        }),
        "the busy pane never stalled"
    );
    assert!(last < 3_000_000, "it should be stuck partway, at {last}");
    // Everything else answers at once, the stuck pane's own screen included.
    let mut times = Vec::new();
    for _ in 0..5 {
        let t0 = Instant::now();
        s.ok(&["ls"]);
        s.ok(&["capture", "-t", &busy]);
        s.ok(&["capture", "-t", &idle]);
        times.push(t0.elapsed());
    }
    times.sort();
    assert!(
        times[2] < Duration::from_millis(300) && times[4] < Duration::from_secs(2),
        "ls and two captures took {times:?}"
    );
    s.ok(&["send", "-t", &idle, "echo still-here", "Enter"]);
    assert!(s.eventually(Duration::from_secs(5), || shows_line(
        &s.ok(&["capture", "-t", &idle]),
        "still-here"
    )));
    let log =
        || std::fs::read_to_string(s.dir.path().join("state/spool/sock.log")).unwrap_or_default();
    if logged {
        assert!(
            s.eventually(Duration::from_secs(30), || log()
                .contains("history writing is stalled")),
            "no stall in the log:\n{}",
            log()
        );
    }
    // The workers go on: the busy pane finishes, with all of its output in history.
    std::fs::remove_file(&stall).unwrap();
    s.ok(&["wait", "-t", &busy]);
    if logged {
        assert!(log().contains("history writing resumed"), "{}", log());
    }
    let out = s.ok(&["capture", "-t", &busy, "-S", "-", "-E", "-"]);
    let lines: Vec<&str> = out.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.first().copied(), Some("1"));
    assert_eq!(lines.last().copied(), Some("3000000"));
    assert_eq!(lines.len(), 3_000_000);
}
