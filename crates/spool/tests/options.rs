//! `set-option` / `show-options` from the CLI, against a real server: global options (the
//! config file's settings, at runtime, written nowhere), session and tab options, and what
//! the tab options do (synchronized typing in the attach client, silence and activity flags).

mod common;

use std::time::Duration;

use common::outer::{last_line, Outer};
use common::TestServer;

#[test]
fn global_options_change_at_runtime_are_checked_and_never_written() {
    let s = TestServer::new();
    s.pane("o", &["sleep", "600"]);
    assert_eq!(s.ok(&["show-options", "-g", "-v", "monitor-bell"]), "on\n");
    s.ok(&["set-option", "-g", "monitor-bell", "off"]);
    assert_eq!(s.ok(&["show", "-gv", "monitor_bell"]), "off\n");
    // A flag without a value toggles.
    s.ok(&["set", "-g", "monitor-bell"]);
    assert_eq!(s.ok(&["show", "-gv", "monitor-bell"]), "on\n");
    s.ok(&["set", "-g", "status-left", "[{session}] "]);
    s.ok(&["set", "-g", "prefix", "C-a"]);
    let all = s.ok(&["show-options", "-g"]);
    assert!(all.contains("prefix C-a\n"), "{all}");
    assert!(all.contains("compression-level 3\n"), "{all}");
    s.ok(&["set", "-g", "status-bg", "colour33"]);
    assert_eq!(s.ok(&["show", "-gv", "status-bg"]), "colour33\n");
    // Bad values are refused with the reason, and change nothing.
    let e = s.run(&["set", "-g", "compression-level", "40"]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("not in 1-19"),
        "{e:?}"
    );
    let e = s.run(&["set", "-g", "window-size", "huge"]);
    assert!(!e.status.success());
    let e = s.run(&["set", "-g", "no-such-option", "1"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("invalid option: no-such-option"));
    let e = s.run(&["set", "-g", "status-right", &"x".repeat(5000)]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("at most 4096 bytes"));
    // Written nowhere; a reload keeps them on top of the (absent) file; -u forgets one.
    assert!(!s.dir.path().join("config/spool/config.toml").exists());
    s.ok(&["reload"]);
    assert_eq!(s.ok(&["show", "-gv", "prefix"]), "C-a\n");
    s.ok(&["set", "-gu", "prefix"]);
    assert_eq!(s.ok(&["show", "-gv", "prefix"]), "C-b\n");
    // A history setting says when it applies.
    let out = s.run(&["set", "-g", "history-bytes-per-pane", "2G"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("next server start"));
}

#[test]
fn session_and_tab_options_belong_to_their_target_and_survive_a_restart() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "a", "--", "sleep", "600"]);
    s.ok(&["new-tab", "-t", "a", "--", "sleep", "600"]);
    s.ok(&["set-option", "-t", "a:1", "synchronize-panes", "on"]);
    s.ok(&["setw", "-t", "a:1", "monitor-silence", "30"]);
    assert_eq!(
        s.ok(&["show", "-t", "a:1", "-v", "synchronize-panes"]),
        "on\n"
    );
    assert_eq!(
        s.ok(&["show", "-t", "a:0", "-v", "synchronize-panes"]),
        "off\n"
    );
    let tab = s.ok(&["show-options", "-w", "-t", "a:1"]);
    assert!(tab.contains("monitor-silence 30\n"), "{tab}");
    s.ok(&["set", "-t", "a", "remain-on-exit", "on"]);
    assert_eq!(s.ok(&["show", "-t", "a"]), "remain-on-exit on\n");
    let e = s.run(&["set", "-g", "synchronize-panes", "on"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("a tab option"));
    // automatic-rename off keeps the name the tab has now.
    s.ok(&["set", "-t", "a:0", "automatic-rename", "off"]);
    assert_eq!(s.ok(&["display", "-p", "-t", "a:0", "#W"]), "sleep\n");
    assert_eq!(
        s.ok(&["show", "-t", "a:0", "-v", "automatic-rename"]),
        "off\n"
    );
    s.ok(&["kill-server"]);
    s.ok(&["new", "-d", "-s", "probe", "--", "true"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .run(&["show", "-t", "a:1", "-v", "monitor-silence"])
        .stdout
        == b"30\n"));
    assert_eq!(
        s.ok(&["show", "-t", "a:1", "-v", "synchronize-panes"]),
        "on\n"
    );
}

#[test]
fn synchronized_panes_all_get_what_is_typed_and_a_silent_tab_is_flagged() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "sy", "--", "cat"]);
    s.ok(&["split", "-t", "%0", "-h", "--", "cat"]);
    s.ok(&["new-tab", "-d", "-t", "sy", "--", "sleep", "600"]);
    s.ok(&["set", "-t", "sy:0", "synchronize-panes", "on"]);
    s.ok(&["set", "-t", "sy:1", "monitor-silence", "1"]);
    let t = Outer::new(&s, 80, 24, "attach -t sy");
    t.until("the session", |sc| last_line(sc).contains("sy"));
    t.keys(&["-l", "typed-in-both"]);
    t.keys(&["Enter"]);
    for p in ["%0", "%1"] {
        assert!(
            s.eventually(Duration::from_secs(10), || s
                .ok(&["capture", "-t", p])
                .contains("typed-in-both")),
            "{p} did not get it"
        );
    }
    // The hidden tab printed nothing for a second: `~`.
    t.until("the silence flag", |sc| last_line(sc).contains("1:sleep~"));
}

#[test]
fn past_max_panes_new_panes_are_refused_and_the_others_go_on() {
    let s = TestServer::new();
    s.pane("m", &["sleep", "600"]);
    s.ok(&["set-option", "-g", "max-panes", "3"]);
    s.ok(&["split", "-t", "%0", "--", "sleep", "600"]);
    s.ok(&["new-tab", "-t", "m", "--", "sleep", "600"]);
    for args in [
        &["split", "-t", "%0", "--", "sleep", "600"][..],
        &["new", "-d", "-s", "more", "--", "sleep", "600"],
        &["display-popup", "-t", "m", "--", "sleep", "600"],
    ] {
        let e = s.run(args);
        assert!(!e.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&e.stderr).contains("too many panes: at most 3"),
            "{args:?}: {e:?}"
        );
    }
    assert!(s.ok(&["ls"]).contains("2 tabs, 3 panes"));
    // A pane closed makes room again.
    s.ok(&["kill", "-t", "%2"]);
    assert!(s.eventually(Duration::from_secs(5), || s
        .run(&["split", "-t", "%0", "--", "sleep", "600"])
        .status
        .success()));
}
