//! A pane's life from the CLI: `respawn-pane` (same pane, same id, history kept) and
//! `clear-history`.

mod common;

use std::time::Duration;

use common::TestServer;

#[test]
fn respawn_pane_restarts_a_dead_pane_in_place_and_keeps_its_history() {
    let s = TestServer::new();
    let p = s.pane("r", &["sh", "-c", "echo first-run; exit 3"]);
    s.ok(&["split", "-t", &p, "-h", "--", "sleep", "600"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["panes", "-F", "#{pane_id} #{pane_dead}"])
        .contains("%0 1")));
    let before = s.ok(&["panes", "-F", "#{pane_id} #{pane_width}"]);
    s.ok(&[
        "respawn-pane",
        "-t",
        &p,
        "--",
        "sh",
        "-c",
        "echo second-run; exec sleep 600",
    ]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("second-run")));
    // Same place, same size, alive; the old output is still there, above a marker.
    assert_eq!(s.ok(&["panes", "-F", "#{pane_id} #{pane_width}"]), before);
    assert_eq!(s.ok(&["display", "-p", "-t", &p, "#{pane_dead}"]), "0\n");
    let all = s.ok(&["capture", "-t", &p, "-S", "-"]);
    let first = all.find("first-run").expect("old output kept");
    let marker = all.find("── respawned").expect("a marker row");
    assert!(
        first < marker && marker < all.find("second-run").unwrap(),
        "{all}"
    );
}

#[test]
fn respawn_pane_refuses_a_running_program_unless_told_to_kill_it() {
    let s = TestServer::new();
    let p = s.pane("k", &["sleep", "600"]);
    let e = s.run(&["respawn-pane", "-t", &p]);
    assert!(!e.status.success());
    assert!(String::from_utf8_lossy(&e.stderr).contains("pane %0 still active"));
    let old_pid = s.ok(&["display", "-p", "-t", &p, "#{pane_pid}"]);
    s.ok(&[
        "respawn-pane",
        "-k",
        "-t",
        &p,
        "--",
        "sh",
        "-c",
        "echo again; exec sleep 600",
    ]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("again")));
    let new_pid = s.ok(&["display", "-p", "-t", &p, "#{pane_pid}"]);
    assert_ne!(old_pid, new_pid);
    // The old program is gone, and the session kept its one pane.
    let pid: i32 = old_pid.trim().parse().unwrap();
    // SAFETY: kill(pid, 0) only asks whether the process exists.
    assert!(
        s.eventually(Duration::from_secs(5), || unsafe { libc::kill(pid, 0) }
            != 0)
    );
    assert!(s.ok(&["ls"]).contains("1 tabs, 1 panes"));
}

#[test]
fn clear_history_forgets_the_history_but_not_the_screen() {
    let s = TestServer::new();
    let p = s.pane(
        "c",
        &["sh", "-c", "seq 1 500; echo on-screen; exec sleep 600"],
    );
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("on-screen")));
    let has = |text: &str, line: &str| text.lines().any(|l| l == line);
    assert!(has(&s.ok(&["capture", "-t", &p, "-S", "-"]), "1"));
    s.ok(&["clear-history", "-t", &p]);
    let all = s.ok(&["capture", "-t", &p, "-S", "-"]);
    assert!(!has(&all, "1") && !has(&all, "100"), "{all}");
    assert!(all.contains("on-screen"));
    assert_eq!(s.ok(&["display", "-p", "-t", &p, "#{history_size}"]), "0\n");
}
