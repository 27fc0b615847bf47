//! Sessions survive a restart, a crash (`kill -9`) or an upgrade, with all their history: a
//! real server, really killed, then started again by the next command.

mod common;

use std::time::Duration;

use common::TestServer;

fn panes(s: &TestServer) -> serde_json::Value {
    serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap()
}

fn server_pid(s: &TestServer) -> i32 {
    s.stats()["pid"].as_i64().unwrap() as i32
}

/// Start a server again (it restores) with a session of its own; panics with the log if it
/// cannot.
fn restart(s: &TestServer) {
    let out = s.run(&["new", "-d", "-s", "probe", "--", "sleep", "60"]);
    if !out.status.success() {
        let log =
            std::fs::read_to_string(s.dir.path().join("state/spool/sock.log")).unwrap_or_default();
        panic!(
            "restart failed: {}\nlog:\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// The sessions, tabs and panes, as `panes --json` shows them (ids, session, tab, size).
fn layout(s: &TestServer) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = panes(s)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["session"].as_str().unwrap().to_string(),
                p["tab"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// Lines `NAME-N` in a pane's whole history, in order.
fn numbered(s: &TestServer, pane: &str, name: &str) -> Vec<u64> {
    s.ok(&["capture", "-t", pane, "-S", "-", "-J"])
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("{name}-")))
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

#[test]
fn a_killed_server_comes_back_with_every_session_and_every_line() {
    let s = TestServer::new();
    // Three sessions with tabs and splits, each pane with numbered output.
    let a = s.pane("alpha", &["sh", "-c", "seq -f 'a-%g' 1 3000; exec sh"]);
    let b = s
        .ok(&[
            "split",
            "-P",
            "-h",
            "-t",
            &a,
            "--",
            "sh",
            "-c",
            "seq -f 'b-%g' 1 500; exec sh",
        ])
        .trim()
        .to_string();
    let c = s
        .ok(&[
            "new-tab",
            "-P",
            "-t",
            "alpha",
            "--",
            "sh",
            "-c",
            "seq -f 'c-%g' 1 50; exec sh",
        ])
        .trim()
        .to_string();
    let d = s.pane("beta", &["sh", "-c", "seq -f 'd-%g' 1 20000; exec sh"]);
    // A ticker: 20 lines a second until the kill.
    let t = s.pane(
        "gamma",
        &[
            "sh",
            "-c",
            "i=0; while :; do i=$((i+1)); echo t-$i; sleep 0.05; done",
        ],
    );
    for (p, name, n) in [
        (&a, "a", 3000),
        (&b, "b", 500),
        (&c, "c", 50),
        (&d, "d", 20000),
    ] {
        assert!(
            s.eventually(Duration::from_secs(30), || numbered(&s, p, name).last()
                == Some(&n)),
            "{name} never printed"
        );
    }
    std::thread::sleep(Duration::from_millis(2500));
    let before = layout(&s);
    let ticks_before = numbered(&s, &t, "t");
    std::thread::sleep(Duration::from_millis(1200));
    s.kill9();
    let at_kill = ticks_before.last().copied().unwrap() + 24; // ~1.2 s more were printed
                                                              // The next command starts a server, which restores.
    let out = s.run(&["new", "-d", "-s", "probe", "--", "sleep", "60"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after: Vec<_> = layout(&s).into_iter().filter(|p| p.1 != "probe").collect();
    assert_eq!(after, before, "the same sessions, tabs and pane ids");
    // Every numbered line exactly once, from before the crash.
    for (p, name, n) in [
        (&a, "a", 3000u64),
        (&b, "b", 500),
        (&c, "c", 50),
        (&d, "d", 20000),
    ] {
        let got = numbered(&s, p, name);
        assert_eq!(got, (1..=n).collect::<Vec<_>>(), "pane {p} ({name})");
    }
    // The ticker lost at most a second (20 lines) of what it printed before the kill.
    let ticks = numbered(&s, &t, "t");
    assert_eq!(
        ticks,
        (1..=ticks.len() as u64).collect::<Vec<_>>(),
        "ticks in order, once"
    );
    assert!(
        ticks.len() as u64 + 20 + 24 >= at_kill,
        "lost too many ticks: {} restored, about {at_kill} printed",
        ticks.len()
    );
    // A marker separates old output from new; the shell is fresh.
    let all = s.ok(&["capture", "-t", &a, "-S", "-"]);
    assert!(all.contains("(server restarted after a crash)"), "{all}");
    // Row numbers go on: new output lands after the old.
    s.ok(&["send", "-t", &a, "echo after-restart", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &a])
        .contains("after-restart")));
    let tab_names = s.ok(&["ls"]);
    assert!(tab_names.contains("alpha: 2 tabs, 3 panes"), "{tab_names}");
}

#[test]
fn a_clean_restart_restores_and_says_so() {
    let s = TestServer::new();
    let p = s.pane("clean", &["sh", "-c", "echo before-restart; exec sh"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("before-restart")));
    s.ok(&["kill-server"]);
    restart(&s);
    let all = s.ok(&["capture", "-t", &p, "-S", "-"]);
    assert!(all.contains("before-restart"), "{all}");
    assert!(all.contains("(server restarted)"), "{all}");
    // restore = "off": nothing comes back, and the saved state is not replaced by an empty one.
    s.ok(&["kill-server"]);
    let dir = s.dir.path().join("config/spool");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "restore = \"off\"\n").unwrap();
    s.ok(&["new", "-d", "-s", "other", "--", "sleep", "60"]);
    assert!(!s.ok(&["ls"]).contains("clean:"));
    s.ok(&["kill", "-t", "other"]);
    std::thread::sleep(Duration::from_millis(300));
    std::fs::remove_file(dir.join("config.toml")).unwrap();
    let _ = s.run(&["kill-server"]);
    s.ok(&["new", "-d", "-s", "probe2", "--", "sleep", "60"]);
    assert!(s.ok(&["ls"]).contains("clean:"), "{}", s.ok(&["ls"]));
}

/// The state files, newest first.
fn state_files(s: &TestServer) -> Vec<std::path::PathBuf> {
    let d = s.dir.path().join("state/spool/sock/state");
    let mut v: Vec<_> = std::fs::read_dir(d)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("state.0")
        })
        .collect();
    v.sort();
    v.reverse();
    v
}

#[test]
fn a_damaged_state_file_falls_back_to_the_one_before() {
    for damage in ["truncate", "empty", "flip", "future"] {
        let s = TestServer::new();
        s.pane("one", &["sh"]);
        std::thread::sleep(Duration::from_millis(1500));
        s.pane("two", &["sh"]);
        std::thread::sleep(Duration::from_millis(1500));
        s.kill9();
        let files = state_files(&s);
        assert!(files.len() >= 2, "{files:?}");
        let newest = &files[0];
        let mut bytes = std::fs::read(newest).unwrap();
        match damage {
            "truncate" => bytes.truncate(bytes.len() / 2),
            "empty" => bytes.clear(),
            "flip" => {
                let n = bytes.len() - 3;
                bytes[n] ^= 0x20;
            }
            _ => {
                let text = String::from_utf8(bytes).unwrap();
                bytes = text
                    .replacen("SPOOL-STATE 1 ", "SPOOL-STATE 99 ", 1)
                    .into_bytes();
            }
        }
        std::fs::write(newest, &bytes).unwrap();
        let out = s.run(&["new", "-d", "-s", "probe", "--", "sleep", "60"]);
        assert!(
            out.status.success(),
            "{damage}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ls = s.ok(&["ls"]);
        assert!(
            ls.contains("one:"),
            "{damage}: the previous generation was not used: {ls}"
        );
        let log = std::fs::read_to_string(s.dir.path().join("state/spool/sock.log")).unwrap();
        assert!(
            log.contains("saved state not used"),
            "{damage}: no log line"
        );
    }
}

#[test]
fn a_pane_whose_history_is_gone_comes_back_empty_and_the_others_restore() {
    let s = TestServer::new();
    let a = s.pane("lost", &["sh", "-c", "echo a-1; exec sh"]);
    let b = s.pane("kept", &["sh", "-c", "echo b-1; exec sh"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &b])
        .contains("b-1")));
    std::thread::sleep(Duration::from_millis(1500));
    let hist: serde_json::Value =
        serde_json::from_str(&s.ok(&["history", "ls", "--json"])).unwrap();
    let id = hist
        .as_array()
        .unwrap()
        .iter()
        .find(|h| format!("%{}", h["pane"]) == a)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(&["kill-server"]);
    // Its directory is replaced by a file: the store cannot be opened at all.
    let dir = s.dir.path().join("state/spool/sock/panes").join(&id);
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::write(&dir, b"not a directory").unwrap();
    restart(&s);
    let ls = s.ok(&["ls"]);
    assert!(ls.contains("lost:") && ls.contains("kept:"), "{ls}");
    assert!(s.ok(&["capture", "-t", &b, "-S", "-"]).contains("b-1"));
    assert!(!s.ok(&["capture", "-t", &a, "-S", "-"]).contains("a-1"));
    let st = s.stats();
    let errs = st["restore_errors"].as_array().unwrap();
    assert!(
        errs.iter()
            .any(|e| e.as_str().unwrap().contains("not restored")),
        "{st}"
    );
}

#[test]
fn programs_on_the_list_come_back_and_others_become_a_shell() {
    let s = TestServer::new();
    let file = s.dir.path().join("notes.txt");
    std::fs::write(&file, "line one\nline two\n").unwrap();
    let l = s.pane("pager", &["less", file.to_str().unwrap()]);
    let x = s.pane("script", &["sh", "-c", "sleep 600; rm nothing"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &l])
        .contains("line one")));
    std::thread::sleep(Duration::from_millis(1500));
    s.kill9();
    restart(&s);
    let p = panes(&s);
    let cmd = |id: &str| {
        p.as_array()
            .unwrap()
            .iter()
            .find(|q| q["id"] == id)
            .unwrap()["command"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(cmd(&l), format!("less {}", file.display()));
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &l])
        .contains("line two")));
    assert_eq!(cmd(&x), "/bin/sh");
}

/// What a shell does after the server went idle (its save rounds read no directory and no
/// foreground program while nothing prints) is saved still: the output that announces it
/// wakes the rounds up.
#[test]
fn a_directory_and_a_program_a_shell_starts_after_a_quiet_spell_come_back() {
    let s = TestServer::new();
    let dir = s.dir.path().join("work dir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), "line one\nline two\n").unwrap();
    let p = s.pane("shell", &["sh"]);
    // The prompt (`#` for root).
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains(['$', '#'])));
    // Longer than the rounds that follow output: the server is idle.
    std::thread::sleep(Duration::from_secs(7));
    s.ok(&[
        "send",
        "-t",
        &p,
        "-l",
        &format!("cd '{}' && less notes.txt\n", dir.display()),
    ]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("line one")));
    std::thread::sleep(Duration::from_millis(1500));
    s.kill9();
    restart(&s);
    let back = panes(&s)
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["id"] == p.as_str())
        .cloned()
        .expect("the pane came back");
    // A shell again, in that directory, with `less` typed into it once more.
    assert_eq!(back["cwd"], dir.to_str().unwrap(), "{back}");
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["display", "-p", "-t", &p, "#{pane_current_command}"])
        .trim()
        == "less"));
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("line two")));
}

#[test]
fn closed_panes_keep_their_history_and_it_can_be_read_and_removed() {
    let s = TestServer::new();
    s.pane("stay", &["sleep", "600"]);
    let out = s.ok(&[
        "new",
        "-d",
        "-P",
        "-s",
        "gone",
        "--",
        "sh",
        "-c",
        "echo closed-words; sleep 0.5",
    ]);
    let gone = out.trim().to_string();
    assert!(s.eventually(Duration::from_secs(10), || !s.ok(&["ls"]).contains("gone:")));
    let list: serde_json::Value =
        serde_json::from_str(&s.ok(&["history", "ls", "--json"])).unwrap();
    let h = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| format!("%{}", h["pane"]) == gone && !h["live"].as_bool().unwrap())
        .unwrap_or_else(|| panic!("{list}"));
    let id = h["id"].as_str().unwrap().to_string();
    assert_eq!(h["session"], "gone");
    assert!(s
        .ok(&["capture", "--history", &id])
        .contains("closed-words"));
    let hits = s.ok(&["search", "--history", &id, "closed-w"]);
    assert_eq!(hits.lines().count(), 1, "{hits}");
    let all = s.ok(&["search", "--all", "closed-w"]);
    assert!(all.contains(&id), "{all}");
    // A live pane's history cannot be removed; a closed one can.
    let live = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["live"].as_bool().unwrap())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!s.run(&["history", "rm", &live]).status.success());
    assert!(s.ok(&["history", "rm", &id]).contains("deleted"));
    assert!(!s.ok(&["history", "ls"]).contains(&id));
}

/// The test server's state directory, made ahead of the server as it would make it (every
/// level private), for tests that put files there first.
fn state_dir(s: &TestServer) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = s.dir.path().join("state/spool/sock/state");
    std::fs::create_dir_all(&dir).unwrap();
    for d in [
        "state",
        "state/spool",
        "state/spool/sock",
        "state/spool/sock/state",
    ] {
        let d = s.dir.path().join(d);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

#[test]
fn a_state_written_by_this_version_is_restored() {
    // tests/fixtures/state-v1: the format of this version, kept so that every later version
    // is tested against it.
    let s = TestServer::new();
    let dir = state_dir(&s);
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/state-v1"
    ))
    .unwrap();
    std::fs::write(dir.join("state.00000000000000000007"), fixture).unwrap();
    restart(&s);
    let ls = s.ok(&["ls"]);
    assert!(ls.contains("fixture: 2 tabs, 3 panes"), "{ls}");
    let ids: Vec<String> = layout(&s).into_iter().map(|p| p.0).collect();
    for id in ["%4", "%5", "%9"] {
        assert!(ids.contains(&id.to_string()), "{ids:?}");
    }
}

#[test]
fn an_upgrade_keeps_the_programs_running_and_the_history_whole() {
    let s = TestServer::new();
    let sleeper = s.pane("up", &["sleep", "1000"]);
    let counter = s.pane(
        "count",
        &[
            "sh",
            "-c",
            "i=0; while :; do i=$((i+1)); echo n-$i; sleep 0.02; done",
        ],
    );
    std::thread::sleep(Duration::from_millis(800));
    // Panes whose programs have ended (kept by remain-on-exit): nothing to wait for when
    // the readers stop, and their exit statuses go over with them.
    let dead: Vec<String> = (0..4)
        .map(|i| {
            s.pane(
                &format!("dead{i}"),
                &["sh", "-c", &format!("exit {}", 3 + i)],
            )
        })
        .collect();
    assert!(s.eventually(Duration::from_secs(5), || {
        panes(&s)
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["exit_status"].is_number())
            .count()
            == 4
    }));
    // Paste buffers go over too, and popups.
    s.ok(&["set-buffer", "-b", "over", "kept by the upgrade"]);
    s.ok(&["display-popup", "-t", "up", "--", "sleep", "1000"]);
    let before = panes(&s);
    let pid = server_pid(&s);
    // "The installed binary": a copy of this one.
    let exe = s.dir.path().join("spool-new");
    std::fs::copy(env!("CARGO_BIN_EXE_spool"), &exe).unwrap();
    let out = s.run(&["upgrade", "--exe", exe.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server_pid(&s), pid, "the same process");
    let after = panes(&s);
    let pids = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["id"].as_str().unwrap().to_string(),
                    p["pid"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(pids(&after), pids(&before), "the same programs");
    let popups = |v: &serde_json::Value| {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|p| p["popup"] == true)
            .map(|p| p["id"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(popups(&after), popups(&before), "the popup still floats");
    assert_eq!(popups(&after).len(), 1);
    assert_eq!(s.ok(&["show-buffer", "-b", "over"]), "kept by the upgrade");
    std::thread::sleep(Duration::from_millis(500));
    let n = numbered(&s, &counter, "n");
    assert!(n.len() > 40, "{}", n.len());
    assert_eq!(
        n,
        (1..=n.len() as u64).collect::<Vec<_>>(),
        "the counter went on without a gap"
    );
    assert!(s.ok(&["panes"]).contains(&format!("{sleeper} up:0")));
    for (i, id) in dead.iter().enumerate() {
        let p = after
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["id"] == id.as_str())
            .unwrap()
            .clone();
        assert_eq!(p["exit_status"].as_i64(), Some(3 + i as i64), "{p}");
    }
    // A binary that cannot take over: the old server goes on.
    let bad = s.dir.path().join("not-spool");
    std::fs::write(&bad, "#!/bin/sh\nexit 1\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&bad, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = s.run(&["upgrade", "--exe", bad.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a spool binary"));
    assert_eq!(server_pid(&s), pid);
    assert!(s.ok(&["ls"]).contains("count:"));
}

/// The newest state file's JSON.
fn newest_state(s: &TestServer) -> serde_json::Value {
    let f = state_files(s).into_iter().next().expect("a state file");
    let bytes = std::fs::read(f).unwrap();
    let nl = bytes.iter().position(|&b| b == b'\n').unwrap();
    serde_json::from_slice(&bytes[nl + 1..]).unwrap()
}

#[test]
fn a_clean_stop_leaves_its_sessions_as_the_newest_state() {
    // The save rounds stop before the final save: none writes the emptied state of a
    // server hanging up its panes after it.
    for round in 0..5 {
        let s = TestServer::new();
        s.pane("keep", &["sh", "-c", "seq 1 5000; exec sleep 60"]);
        std::thread::sleep(Duration::from_millis(200 * round));
        s.ok(&["kill-server"]);
        let st = newest_state(&s);
        assert_eq!(st["clean"], true, "round {round}: {st}");
        assert_eq!(st["sessions"][0]["name"], "keep", "round {round}: {st}");
    }
}

#[test]
fn state_generations_go_on_from_the_newest_file_even_when_it_is_not_restored() {
    let s = TestServer::new();
    let dir = state_dir(&s);
    // A file from a later version: skipped, so nothing is restored, and never overwritten.
    let future = b"SPOOL-STATE 99 00000000 2\n{}".to_vec();
    std::fs::write(dir.join("state.00000000000000000050"), &future).unwrap();
    s.pane("fresh", &["sleep", "60"]);
    assert!(s.eventually(Duration::from_secs(5), || { state_files(&s).len() >= 2 }));
    let newest = state_files(&s)[0].clone();
    let name = newest.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.as_str() > "state.00000000000000000050", "{name}");
    assert_eq!(newest_state(&s)["sessions"][0]["name"], "fresh");
    assert_eq!(
        std::fs::read(dir.join("state.00000000000000000050")).unwrap(),
        future
    );
}

#[test]
fn a_second_server_on_the_same_state_directory_is_refused() {
    let s = TestServer::new();
    s.pane("first", &["sleep", "60"]);
    // Another socket of the same name elsewhere: the same state directory.
    let other = s.dir.path().join("elsewhere");
    std::fs::create_dir_all(&other).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_spool"))
        .arg("-S")
        .arg(other.join("sock"))
        .env("XDG_STATE_HOME", s.dir.path().join("state"))
        .env("XDG_CONFIG_HOME", s.dir.path().join("config"))
        .env("SHELL", "/bin/sh")
        .args(["new", "-d", "-s", "second"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another spool server uses the state directory"),
        "{err}"
    );
    assert!(s.ok(&["ls"]).contains("first:"));
}

#[test]
fn a_popup_comes_back_over_its_tab_hidden_or_shown_with_its_history() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "pop", "--", "sleep", "600"]);
    s.ok(&[
        "display-popup",
        "-t",
        "pop",
        "-w",
        "30",
        "-h",
        "8",
        "--",
        "sh",
        "-c",
        "echo in-the-popup; exec sh",
    ]);
    let popup = || {
        panes(&s)
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["popup"] == true)
            .cloned()
    };
    let p = popup().expect("a popup listed");
    let id = p["id"].as_str().unwrap().to_string();
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &id])
        .contains("in-the-popup")));
    // Hidden (`C-b P`'s toggle): it keeps running, and comes back hidden.
    s.ok(&["display-popup", "--toggle", "-t", "pop"]);
    assert_eq!(popup().unwrap()["active"], false);
    std::thread::sleep(Duration::from_millis(2500));
    s.kill9();
    restart(&s);
    let back = popup().expect("the popup came back");
    assert_eq!(back["id"], id.as_str());
    assert_eq!(back["session"], "pop");
    assert_eq!(
        (back["cols"].as_u64(), back["rows"].as_u64()),
        (Some(30), Some(8))
    );
    assert_eq!(back["active"], false, "still hidden");
    let all = s.ok(&["capture", "-t", &id, "-S", "-"]);
    assert!(all.contains("in-the-popup"), "{all}");
    assert!(all.contains("restored"), "{all}");
    // Shown again, it takes the keys.
    s.ok(&["display-popup", "--toggle", "-t", "pop"]);
    assert_eq!(popup().unwrap()["active"], true);
}
