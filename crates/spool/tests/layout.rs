//! Layouts and pane moves from the CLI, against a real server: the sizes the panes get after
//! each operation, and that moving panes keeps their programs and histories.

mod common;

use std::time::Duration;

use common::TestServer;
use serde_json::Value;

/// (id, tab, cols, rows, active) of every pane of session `s`, in layout order.
fn panes(s: &TestServer, session: &str) -> Vec<(String, u64, u64, u64, bool)> {
    let v: Value = serde_json::from_str(&s.ok(&["panes", "-t", session, "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["tab"].as_u64().unwrap(),
                p["cols"].as_u64().unwrap(),
                p["rows"].as_u64().unwrap(),
                p["active"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// A session `w` of `cols`×`rows` with `n` panes (each split from the last).
fn session_with(s: &TestServer, n: usize, cols: u16, rows: u16) {
    s.ok(&[
        "new",
        "-d",
        "-s",
        "w",
        "-x",
        &cols.to_string(),
        "-y",
        &rows.to_string(),
    ]);
    for i in 1..n {
        let dir = if i % 2 == 0 { "-v" } else { "-h" };
        s.ok(&["split", "-t", &format!("%{}", i - 1), dir]);
    }
}

#[test]
fn even_horizontal_gives_widths_within_one_column() {
    let s = TestServer::new();
    session_with(&s, 5, 121, 30);
    s.ok(&["select-layout", "-t", "w:0", "even-horizontal"]);
    let p = panes(&s, "w");
    let widths: Vec<u64> = p.iter().map(|p| p.2).collect();
    let (lo, hi) = (widths.iter().min().unwrap(), widths.iter().max().unwrap());
    assert!(hi - lo <= 1, "{widths:?}");
    assert_eq!(widths.iter().sum::<u64>() + 4, 121, "{widths:?}");
    assert!(p.iter().all(|p| p.3 == 30));
    // even-vertical: heights within one row, full width.
    s.ok(&["select-layout", "even-vertical"]);
    let p = panes(&s, "w");
    let heights: Vec<u64> = p.iter().map(|p| p.3).collect();
    let (lo, hi) = (heights.iter().min().unwrap(), heights.iter().max().unwrap());
    assert!(hi - lo <= 1, "{heights:?}");
    assert_eq!(heights.iter().sum::<u64>() + 4, 30);
    assert!(p.iter().all(|p| p.2 == 121));
}

#[test]
fn each_preset_layout_keeps_every_pane_and_next_cycles_them() {
    let s = TestServer::new();
    session_with(&s, 4, 161, 50);
    let before: Vec<String> = panes(&s, "w").into_iter().map(|p| p.0).collect();
    s.ok(&["select-layout", "main-vertical"]);
    let p = panes(&s, "w");
    // The main pane: tmux's 80 columns; the others share the rest, stacked.
    assert_eq!((p[0].2, p[0].3), (80, 50));
    assert!(p[1..].iter().all(|p| p.2 == 80));
    s.ok(&["select-layout", "main-horizontal"]);
    let p = panes(&s, "w");
    assert_eq!((p[0].2, p[0].3), (161, 24));
    s.ok(&["select-layout", "tiled"]);
    let p = panes(&s, "w");
    // 2×2: 80 + 1 + 80 columns, 25 + 1 + 24 rows.
    let mut sizes: Vec<(u64, u64)> = p.iter().map(|p| (p.2, p.3)).collect();
    sizes.sort();
    assert_eq!(sizes, [(80, 24), (80, 24), (80, 25), (80, 25)]);
    // -n goes on from tiled to the first, even-horizontal.
    s.ok(&["select-layout", "-n"]);
    let widths: Vec<u64> = panes(&s, "w").iter().map(|p| p.2).collect();
    assert_eq!(widths, [40, 40, 39, 39]);
    let after: Vec<String> = panes(&s, "w").into_iter().map(|p| p.0).collect();
    assert_eq!(before, after);
    let e = s.run(&["select-layout", "diagonal"]);
    assert!(!e.status.success());
    assert!(String::from_utf8_lossy(&e.stderr).contains("even-horizontal"));
}

#[test]
fn relative_resizes_move_the_enclosing_split_of_a_nested_pane() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "w", "-x", "101", "-y", "30"]);
    s.ok(&["split", "-t", "%0", "-h"]);
    s.ok(&["split", "-t", "%1", "-v"]);
    // %2 is stacked below %1 in the right column: -x changes the column's width.
    s.ok(&["resize", "-t", "%2", "-x", "-10"]);
    let p = panes(&s, "w");
    assert_eq!((p[0].2, p[1].2, p[2].2), (60, 40, 40), "{p:?}");
    s.ok(&["resize", "-t", "%2", "-x", "+5"]);
    assert_eq!(panes(&s, "w")[2].2, 45);
    s.ok(&["resize", "-t", "%2", "-x", "30"]);
    assert_eq!(panes(&s, "w")[2].2, 30);
    // -U moves %2's top border up: it grows, %1 shrinks.
    let h = panes(&s, "w")[2].3;
    s.ok(&["resize", "-t", "%2", "-U", "3"]);
    let p = panes(&s, "w");
    assert_eq!(p[2].3, h + 3);
    assert_eq!(p[1].3 + p[2].3 + 1, 30);
    // -L on the left pane moves its right border left: it shrinks.
    let w = panes(&s, "w")[0].2;
    s.ok(&["resize", "-t", "%0", "-L", "4"]);
    assert_eq!(panes(&s, "w")[0].2, w - 4);
    // A pane alone in its tab resizes the session, relative too.
    s.ok(&["new-tab", "-t", "w"]);
    s.ok(&["resize", "-t", "%3", "-y", "-5"]);
    assert!(s.ok(&["ls"]).contains("[101x25]"));
    // -Z zooms.
    s.ok(&["resize", "-t", "%0", "-Z"]);
    assert_eq!(panes(&s, "w")[0].2, 101);
}

/// Each pane prints its own marker, so its history can be told apart after moves.
fn mark(s: &TestServer, pane: &str, text: &str) {
    s.ok(&["send", "-t", pane, &format!("echo {text}"), "Enter"]);
    assert!(s.eventually(Duration::from_secs(20), || common::shows_line(
        &s.ok(&["capture", "-t", pane]),
        text
    )));
}

#[test]
fn break_pane_then_join_pane_restores_the_panes_and_keeps_their_histories() {
    let s = TestServer::new();
    session_with(&s, 3, 120, 40);
    for i in 0..3 {
        let pane = format!("%{i}");
        // Enough lines that most are in the history, not on the screen.
        s.ok(&[
            "send",
            "-t",
            &pane,
            &format!("seq -f 'p{i}-%g' 1 200"),
            "Enter",
        ]);
        mark(&s, &pane, &format!("marker-{i}"));
    }
    let before = panes(&s, "w");
    s.ok(&["break-pane", "-s", "%1", "-n", "alone"]);
    let p = panes(&s, "w");
    assert_eq!(p.len(), 3);
    let moved = p.iter().find(|p| p.0 == "%1").unwrap();
    assert_eq!((moved.1, moved.2, moved.3, moved.4), (1, 120, 40, true));
    assert!(s.ok(&["ls"]).contains("2 tabs, 3 panes"));
    let e = s.run(&["break-pane", "-s", "%1"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("only one pane"));
    // Back where it was: beside %0.
    s.ok(&["join-pane", "-s", "%1", "-t", "%0", "-h"]);
    let after = panes(&s, "w");
    assert!(s.ok(&["ls"]).contains("1 tabs, 3 panes"));
    let ids =
        |v: &[(String, u64, u64, u64, bool)]| v.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&before));
    for i in 0..3 {
        let text = s.ok(&["capture", "-t", &format!("%{i}"), "-S", "-"]);
        assert!(text.contains(&format!("p{i}-1\n")), "%{i} lost its history");
        assert!(text.contains(&format!("marker-{i}")));
        for j in (0..3).filter(|j| *j != i) {
            assert!(!text.contains(&format!("marker-{j}")));
        }
    }
    // The moved pane's program is the same process, at its new size.
    assert_eq!(
        panes(&s, "w").iter().find(|p| p.0 == "%1").unwrap().2,
        after.iter().find(|p| p.0 == "%1").unwrap().2
    );
    s.ok(&["send", "-t", "%1", "stty size", "Enter"]);
    let want = after.iter().find(|p| p.0 == "%1").unwrap();
    let size = format!("{} {}", want.3, want.2);
    assert!(s.eventually(Duration::from_secs(5), || s
        .ok(&["capture", "-t", "%1"])
        .contains(&size)));
}

#[test]
fn swap_rotate_and_focus_moves_follow_tmux() {
    let s = TestServer::new();
    session_with(&s, 3, 120, 40);
    s.ok(&["select-layout", "even-horizontal"]);
    let order =
        |s: &TestServer| -> Vec<String> { panes(s, "w").into_iter().map(|p| p.0).collect() };
    let active = |s: &TestServer| -> String { panes(s, "w").into_iter().find(|p| p.4).unwrap().0 };
    assert_eq!(active(&s), "%2");
    // -U: with the previous pane; the focus moves with the pane.
    s.ok(&["swap-pane", "-t", "%2", "-U"]);
    assert_eq!(order(&s), ["%0", "%2", "%1"]);
    assert_eq!(active(&s), "%2");
    s.ok(&["swap-pane", "-s", "%0", "-t", "%1"]);
    assert_eq!(order(&s), ["%1", "%2", "%0"]);
    // rotate-window: up by default, the focus staying at its place on the screen.
    s.ok(&["rotate-window", "-t", "w:0"]);
    assert_eq!(order(&s), ["%2", "%0", "%1"]);
    assert_eq!(active(&s), "%0");
    s.ok(&["rotate-window", "-D"]);
    assert_eq!(order(&s), ["%1", "%2", "%0"]);
    // Next pane (C-b o is select-pane -t :.+), then the last pane (C-b ;).
    let a = active(&s);
    s.ok(&["select-pane", "-t", ":.+"]);
    let b = active(&s);
    assert_ne!(a, b);
    s.ok(&["last-pane"]);
    assert_eq!(active(&s), a);
    s.ok(&["select-pane", "-l"]);
    assert_eq!(active(&s), b);
    s.ok(&["select-pane", "-t", "%1"]);
    s.ok(&["select-pane", "-t", "%1", "-R"]);
    assert_eq!(active(&s), "%2");
}

#[test]
fn tabs_are_selected_renamed_and_killed_by_tmux_verbs() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "w"]);
    s.ok(&["new-window", "-t", "w"]);
    s.ok(&["new-tab", "-t", "w", "-d"]);
    let current = |s: &TestServer| -> u64 { panes(s, "w").into_iter().find(|p| p.4).unwrap().1 };
    assert_eq!(current(&s), 1);
    s.ok(&["select-window", "-t", "2"]);
    assert_eq!(current(&s), 2);
    s.ok(&["last-window"]);
    assert_eq!(current(&s), 1);
    s.ok(&["select-tab", "-l"]);
    assert_eq!(current(&s), 2);
    s.ok(&["next-tab"]);
    assert_eq!(current(&s), 0);
    s.ok(&["previous-window"]);
    assert_eq!(current(&s), 2);
    s.ok(&["select-tab", "-t", "w:^"]);
    assert_eq!(current(&s), 0);
    s.ok(&["rename-window", "-t", "w:1", "editor"]);
    s.ok(&["select-window", "-t", "editor"]);
    assert_eq!(current(&s), 1);
    s.ok(&["rename-session", "-t", "w", "work"]);
    assert!(s.ok(&["ls"]).starts_with("work: 3 tabs"));
    s.ok(&["kill-window", "-t", "work:1"]);
    assert!(s.ok(&["ls"]).starts_with("work: 2 tabs"));
    // The active tab closed: the last one shows.
    assert_eq!(current_in(&s, "work"), 0);
    s.ok(&["new", "-d", "-s", "other"]);
    let e = s.run(&["rename-session", "-t", "other", "work"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("duplicate session"));
    s.ok(&["kill-tab", "-t", "other:0"]);
    assert!(!s.ok(&["ls"]).contains("other"));
}

fn current_in(s: &TestServer, session: &str) -> u64 {
    panes(s, session).into_iter().find(|p| p.4).unwrap().1
}
