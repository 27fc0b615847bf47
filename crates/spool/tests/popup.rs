//! Popups (`display-popup`): a pane floating over the tab, focused, drawn in a box over the
//! tiles in the attach client (inside tmux), closed with its program (-E), toggled (C-b P).

mod common;

use std::time::Duration;

use common::outer::{last_line, Outer};
use common::{panes_of as panes, TestServer};

#[test]
fn a_popup_floats_over_the_tiles_takes_the_keys_and_closes_with_its_program() {
    let s = TestServer::new();
    s.ok(&[
        "new",
        "-d",
        "-s",
        "p",
        "--",
        "sh",
        "-c",
        "echo TILE-TEXT; exec sleep 600",
    ]);
    let t = Outer::new(&s, 80, 24, "attach -t p");
    t.until("the tile", |sc| sc.contains("TILE-TEXT"));
    s.ok(&[
        "display-popup",
        "-E",
        "-w",
        "40",
        "-h",
        "10",
        "-t",
        "p",
        "--",
        "cat",
    ]);
    let p = panes(&s, "p");
    assert_eq!(p.len(), 2);
    assert_eq!((p[1].1, p[1].2, p[1].3), (40, 10, true), "{p:?}");
    // Drawn in a box in the middle, over the tile; the tile's text is still beside it.
    let sc = t.until("the popup's box", |sc| sc.contains("┌────────"));
    assert!(sc.contains("TILE-TEXT"), "{sc}");
    let top = sc.lines().position(|l| l.contains('┌')).unwrap();
    let bottom = sc.lines().position(|l| l.contains('└')).unwrap();
    assert_eq!(bottom - top, 11, "{sc}");
    // Keys go to the popup's program.
    t.keys(&["-l", "into-the-popup"]);
    t.keys(&["Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p[1].0])
        .contains("into-the-popup")));
    assert!(!s.ok(&["capture", "-t", "%0"]).contains("into-the-popup"));
    // -E: its program ends, the popup closes, the tile is whole again.
    t.keys(&["C-d"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "p").len() == 1));
    t.until("no box", |sc| !sc.contains('┌') && sc.contains("TILE-TEXT"));
}

#[test]
fn prefix_p_toggles_a_scratch_shell_that_keeps_running_while_hidden() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "t", "--", "sleep", "600"]);
    let t = Outer::new(&s, 80, 24, "attach -t t");
    t.until("the status line", |sc| last_line(sc).contains("[t]"));
    t.keys(&["C-b", "P"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "t").len() == 2));
    t.until("the popup's box", |sc| sc.contains('┌'));
    let scratch = panes(&s, "t")[1].0.clone();
    t.keys(&["-l", "echo scratch-$((6*7))"]);
    t.keys(&["Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &scratch])
        .contains("scratch-42")));
    // Hidden: not drawn, not focused, still there.
    t.keys(&["C-b", "P"]);
    t.until("no box", |sc| !sc.contains('┌'));
    let p = panes(&s, "t");
    assert_eq!(p.len(), 2);
    assert!(p[0].3 && !p[1].3, "{p:?}");
    // Shown again: the same shell, its output kept.
    t.keys(&["C-b", "P"]);
    let sc = t.until("the popup again", |sc| sc.contains('┌'));
    assert!(sc.contains("scratch-42"), "{sc}");
    // -C closes it.
    s.ok(&["display-popup", "-C", "-t", "t"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "t").len() == 1));
}

#[test]
fn layout_commands_refuse_a_popup_and_a_closed_tab_takes_its_popup_along() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "l", "--", "sleep", "600"]);
    s.ok(&["new-tab", "-t", "l", "--", "sleep", "600"]);
    s.ok(&["display-popup", "-t", "l:1", "--", "sleep", "600"]);
    let popup = panes(&s, "l")[2].0.clone();
    for args in [
        vec!["split", "-t", popup.as_str()],
        vec!["break-pane", "-s", popup.as_str()],
        vec!["swap-pane", "-s", popup.as_str(), "-t", "%0"],
        vec!["join-pane", "-s", popup.as_str(), "-t", "%0"],
        vec!["resize", "-t", popup.as_str(), "-x", "10"],
    ] {
        let e = s.run(&args);
        assert!(
            String::from_utf8_lossy(&e.stderr).contains("is a popup"),
            "{args:?}: {e:?}"
        );
    }
    assert_eq!(panes(&s, "l").len(), 3);
    // The tab's only tile closes: the tab goes, and its popup with it.
    s.ok(&["kill", "-t", "%1"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "l").len() == 1));
}

#[test]
fn popup_sizes_are_checked_and_kept_inside_the_session() {
    let s = TestServer::new();
    s.ok(&[
        "new", "-d", "-s", "z", "-x", "60", "-y", "20", "--", "sleep", "600",
    ]);
    let e = s.run(&["display-popup", "-w", "0", "--", "true"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("not a size"));
    let e = s.run(&["display-popup", "-w", "150%", "--", "true"]);
    assert!(!e.status.success());
    s.ok(&[
        "display-popup",
        "-w",
        "500",
        "-h",
        "100%",
        "-t",
        "z",
        "--",
        "sleep",
        "600",
    ]);
    let p = panes(&s, "z");
    assert_eq!(
        (p[1].1, p[1].2),
        (58, 18),
        "a box of one cell stays inside: {p:?}"
    );
    // The session shrinks: the popup follows.
    s.ok(&["resize", "-t", "%0", "-x", "40", "-y", "12"]);
    assert!(s.eventually(Duration::from_secs(5), || {
        let p = panes(&s, "z");
        (p[1].1, p[1].2) == (38, 10)
    }));
}
