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
fn respawns_of_one_pane_at_once_leave_it_one_program_and_one_history() {
    let s = TestServer::new();
    let p = s.pane("race", &["sleep", "600"]);
    // Eight at once: each is refused, or replaces the program before it; never two
    // programs in one pane (the loser's would write into the same history, unseen).
    let tag = format!("respawn-race-{}", std::process::id());
    let script = format!("exec -a {tag} sleep 600");
    let runs: Vec<_> = (0..8)
        .map(|_| {
            s.cmd()
                .args(["respawn-pane", "-k", "-t", &p, "--", "bash", "-c", &script])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut ok = 0;
    for r in runs {
        let out = r.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if out.status.success() {
            ok += 1;
        } else {
            assert!(
                err.contains("is being respawned") || err.contains("can't find pane"),
                "{err}"
            );
        }
    }
    assert!(ok >= 1);
    let running = || {
        std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter(|e| {
                std::fs::read(e.path().join("cmdline")).is_ok_and(|c| c.starts_with(tag.as_bytes()))
            })
            .count()
    };
    assert!(
        s.eventually(Duration::from_secs(10), || running() == 1),
        "{} programs run for one pane",
        running()
    );
    assert!(s.ok(&["ls"]).contains("1 tabs, 1 panes"));
    let all = s.ok(&["capture", "-t", &p, "-S", "-"]);
    assert_eq!(all.matches("── respawned").count(), ok, "{all}");
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

/// `panes --json` of the pane: (pipe command, lost bytes).
fn pipe_of(s: &TestServer, pane: &str) -> (Option<String>, u64) {
    let v: serde_json::Value = serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap();
    let p = v
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == pane)
        .unwrap()
        .clone();
    (
        p["pipe"].as_str().map(str::to_string),
        p["pipe_lost_bytes"].as_u64().unwrap(),
    )
}

#[test]
fn pipe_pane_copies_output_to_a_command_and_dash_o_toggles_it() {
    let s = TestServer::new();
    let p = s.pane("pp", &["sh"]);
    let log = s.dir.path().join("pane.log");
    let cmd = format!("cat >> {}", log.display());
    s.ok(&["pipe-pane", "-t", &p, &cmd]);
    assert_eq!(pipe_of(&s, &p).0.as_deref(), Some(cmd.as_str()));
    s.ok(&["send", "-t", &p, "seq -f 'piped-%g' 1 500", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || {
        std::fs::read_to_string(&log).is_ok_and(|t| t.contains("piped-500"))
    }));
    // -o with a pipe open: closed (a toggle); again: open.
    s.ok(&["pipe-pane", "-o", "-t", &p, &cmd]);
    assert_eq!(pipe_of(&s, &p).0, None);
    s.ok(&["pipep", "-o", "-t", &p, &cmd]);
    assert!(pipe_of(&s, &p).0.is_some());
    // No command: closed.
    s.ok(&["pipe-pane", "-t", &p]);
    assert_eq!(pipe_of(&s, &p).0, None);
}

#[test]
fn a_pipe_command_slower_than_the_pane_loses_counted_bytes_and_never_holds_the_pane() {
    let s = TestServer::new();
    let p = s.pane("slow", &["sh"]);
    // A command that never reads: the queue fills, the rest is dropped.
    s.ok(&["pipe-pane", "-t", &p, "sleep 600"]);
    // 8 MiB of output.
    s.ok(&[
        "send",
        "-t",
        &p,
        "head -c 8388608 /dev/zero | tr '\\0' x; echo; echo done-printing",
        "Enter",
    ]);
    // (Its own line: the command line typed holds the words too.)
    assert!(s.eventually(Duration::from_secs(30), || common::shows_line(
        &s.ok(&["capture", "-t", &p]),
        "done-printing"
    )));
    let (_, lost) = pipe_of(&s, &p);
    // Everything past the 1 MiB queue (and the kernel's pipe buffer) was counted, not kept.
    assert!(lost >= 6 * 1024 * 1024, "lost {lost}");
    assert_eq!(
        s.ok(&["display", "-p", "-t", &p, "#{pipe_lost_bytes}"])
            .trim(),
        lost.to_string()
    );
    // What the server holds for the pipe is the queue's bound at most.
    let queued = s.gauge("pane_input_queues");
    assert!(queued <= 1024 * 1024, "queued {queued}");
}
