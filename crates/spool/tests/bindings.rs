//! The default key bindings in the attach client inside a real outer terminal (tmux): paste
//! buffers, the command prompt, repeatable resize keys, display-panes, choose-tree,
//! `list-keys` full screen, confirm-before, and `display-message` on the status line.

mod common;

use std::time::Duration;

use common::outer::{last_line, prompt_shown, Outer};
use common::{panes_of as panes, TestServer};

/// A session `name` whose shell starts after printing `first`, attached in tmux.
fn attached(s: &TestServer, name: &str, first: &str) -> Outer {
    let cmd = format!("echo {first}; exec sh");
    s.ok(&["new", "-d", "-s", name, "--", "sh", "-c", &cmd]);
    let t = Outer::new(s, 80, 24, &format!("attach -t {name}"));
    t.until("the pane and the status line", |sc| {
        sc.contains(first) && last_line(sc).contains(name)
    });
    t
}

#[test]
fn a_copy_in_scroll_mode_becomes_a_buffer_and_prefix_bracket_pastes_it() {
    let s = TestServer::new();
    let t = attached(&s, "p", "COPY-ME-42");
    t.until("the prompt", |sc| {
        sc.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with('#') || l.starts_with('$'))
    });
    t.keys(&["C-b", "["]);
    t.keys(&["g"]);
    t.keys(&["v", "$", "y"]);
    t.until("the copy message", |sc| last_line(sc).contains("copied"));
    assert!(common::TestServer::eventually(
        &s,
        Duration::from_secs(10),
        || s.run(&["show-buffer"]).stdout.starts_with(b"COPY-ME-42")
    ));
    t.keys(&["C-b", "]"]);
    t.until("the text typed at the prompt", |sc| {
        sc.lines()
            .any(|l| l.starts_with("# COPY-ME-42") || l.starts_with("$ COPY-ME-42"))
    });
}

#[test]
fn the_command_prompt_runs_verbs_by_tmux_names_with_completion_and_history() {
    let s = TestServer::new();
    let t = attached(&s, "cp", "ready");
    t.keys(&["C-b", ":"]);
    t.until("the prompt", |sc| last_line(sc).starts_with(':'));
    t.keys(&["-l", "split-window -h"]);
    t.keys(&["Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "cp").len() == 2));
    // Tab completes the verb; the line runs for the focused pane.
    t.keys(&["C-b", ":"]);
    t.keys(&["-l", "select-l"]);
    t.keys(&["Tab"]);
    // (The capture drops the space completion adds.)
    t.until("the completed verb", |sc| {
        last_line(sc).starts_with(":select-layout")
    });
    t.keys(&["-l", "even-vertical"]);
    t.keys(&["Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || {
        panes(&s, "cp").iter().all(|p| p.1 == 80)
    }));
    // Up brings the last line back.
    t.keys(&["C-b", ":"]);
    t.keys(&["Up"]);
    t.until("the line from history", |sc| {
        last_line(sc).starts_with(":select-layout even-vertical")
    });
    t.keys(&["Escape"]);
    // A failing command says why on the status line.
    t.keys(&["C-b", ":"]);
    t.keys(&["-l", "select-pane -t %99"]);
    t.keys(&["Enter"]);
    t.until("the error", |sc| last_line(sc).contains("%99"));
    // A command line that prints several lines opens them full screen; q leaves.
    t.keys(&["C-b", "?"]);
    let v = t.until("the bindings", |sc| last_line(sc).contains("[list-keys]"));
    assert!(v.contains("C-b :           command-prompt"), "{v}");
    t.keys(&["q"]);
    t.until("the panes again", |sc| last_line(sc).contains("cp"));
}

#[test]
fn resize_keys_repeat_without_the_prefix_within_the_repeat_time() {
    let s = TestServer::new();
    let t = attached(&s, "r", "ready");
    s.ok(&["split", "-t", "%0", "-h"]);
    let before = panes(&s, "r");
    assert!(before[1].3, "the new pane is focused");
    // The prefix once, then three C-Left: the right pane's left border moves 3 columns.
    t.keys(&["C-b", "C-Left", "C-Left", "C-Left"]);
    assert!(
        s.eventually(Duration::from_secs(10), || panes(&s, "r")[1].1
            == before[1].1 + 3),
        "{:?}",
        panes(&s, "r")
    );
    // M-arrows move 5; after the repeat time, an arrow is the pane's again.
    t.keys(&["C-b", "M-Right"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "r")[1].1
        == before[1].1 - 2));
    std::thread::sleep(Duration::from_millis(800));
    t.keys(&["C-Right"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(panes(&s, "r")[1].1, before[1].1 - 2);
}

#[test]
fn display_panes_then_a_digit_focuses_that_pane() {
    let s = TestServer::new();
    let t = attached(&s, "dp", "ready");
    s.ok(&["split", "-t", "%0", "-h"]);
    assert!(panes(&s, "dp")[1].3);
    t.keys(&["C-b", "q"]);
    // In the middle of each pane (the capture drops the space after the right one's).
    t.until("the numbers", |sc| {
        sc.lines()
            .any(|l| l.contains(" 0 ") && l.trim_end().ends_with(" 1"))
    });
    t.keys(&["0"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "dp")[0].3));
}

#[test]
fn choose_tree_filters_and_switches_sessions() {
    let s = TestServer::new();
    let t = attached(&s, "one", "ready");
    s.ok(&[
        "new",
        "-d",
        "-s",
        "other",
        "--",
        "sh",
        "-c",
        "echo OTHER-SCREEN; exec sh",
    ]);
    t.keys(&["C-b", "w"]);
    t.until("the chooser", |sc| last_line(sc).contains("[choose-tree]"));
    t.keys(&["-l", "other"]);
    let sc = t.until("the preview of the other session", |sc| {
        sc.contains("OTHER-SCREEN")
    });
    assert!(sc.contains("other: 1 tabs"), "{sc}");
    t.keys(&["Enter"]);
    t.until("the other session shown", |sc| {
        last_line(sc).contains("other") && sc.starts_with("OTHER-SCREEN")
    });
}

#[test]
fn confirm_before_kills_the_tab_only_on_y() {
    let s = TestServer::new();
    let t = attached(&s, "k", "ready");
    s.ok(&["new-tab", "-t", "k", "--", "sleep", "600"]);
    t.keys(&["C-b", "&"]);
    t.until("the question", |sc| {
        last_line(sc).contains("kill this tab? (y/n)")
    });
    t.keys(&["n"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(s.ok(&["ls"]).contains("2 tabs"));
    t.keys(&["C-b", "&"]);
    t.until("the question", |sc| {
        last_line(sc).contains("kill this tab? (y/n)")
    });
    t.keys(&["y"]);
    assert!(s.eventually(Duration::from_secs(10), || s.ok(&["ls"]).contains("1 tabs")));
}

#[test]
fn tmux_formats_in_the_status_line_follow_the_focused_pane() {
    let s = TestServer::new();
    let t = attached(&s, "fm", "ready");
    s.ok(&[
        "set-option",
        "-g",
        "status-right",
        "<#{session_name}:#{pane_id}:#{pane_current_command}> {{braces}}",
    ]);
    t.until("the expanded formats", |sc| {
        last_line(sc).contains("<fm:%0:sh> {braces}")
    });
    s.ok(&["split", "-t", "%0", "-h", "--", "sleep", "600"]);
    t.until("the new focused pane", |sc| {
        last_line(sc).contains("<fm:%1:sleep>")
    });
    // A title with braces and escapes shows as text, placeholders in it unexpanded.
    s.ok(&["set-option", "-g", "status-right", "[#{pane_title}]"]);
    s.ok(&[
        "send",
        "-t",
        "%0",
        "printf '\\033]2;{time}\\033[31m\\007'",
        "Enter",
    ]);
    s.ok(&["select-pane", "-t", "%0"]);
    t.until("the title", |sc| last_line(sc).contains("[{time}"));
}

#[test]
fn display_message_shows_on_the_attached_clients_status_line() {
    let s = TestServer::new();
    let t = attached(&s, "m", "ready");
    t.until("a prompt", |sc| {
        prompt_shown(&sc[sc.find('\n').map_or(0, |i| i + 1)..])
    });
    let out = s.ok(&["display-message", "-t", "m", "hello from #S: #{pane_id}"]);
    assert_eq!(out, "", "shown, not printed");
    t.until("the message", |sc| {
        last_line(sc).contains("hello from m: %0")
    });
    // A hostile title cannot reach the outer terminal through a message.
    s.ok(&["display-message", "-t", "m", "x\x1b]2;PWNED\x07y"]);
    t.until("the sanitized message", |sc| last_line(sc).contains('x'));
    let title = t.tmux(&["display-message", "-p", "#{pane_title}"]);
    assert!(!title.contains("PWNED"), "{title}");
}

/// The pane ids of session `s` in layout order, and the focused one.
fn order(s: &TestServer, session: &str) -> (Vec<String>, String) {
    let p = panes(s, session);
    let active = p
        .iter()
        .find(|p| p.3)
        .map(|p| p.0.clone())
        .unwrap_or_default();
    (p.into_iter().map(|p| p.0).collect(), active)
}

#[test]
fn tmux_keys_move_focus_swap_break_and_pick_tabs() {
    let s = TestServer::new();
    let t = attached(&s, "k", "ready");
    s.ok(&["split", "-t", "%0", "-h", "--", "sleep", "600"]);
    s.ok(&["split", "-t", "%1", "-v", "--", "sleep", "600"]);
    assert_eq!(
        order(&s, "k"),
        (vec!["%0".into(), "%1".into(), "%2".into()], "%2".into())
    );
    let wait = |want: (Vec<&str>, &str)| {
        let want = (
            want.0.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            want.1.to_string(),
        );
        assert!(
            s.eventually(Duration::from_secs(10), || order(&s, "k") == want),
            "{:?}, wanted {want:?}",
            order(&s, "k")
        );
    };
    // o: the next pane (wrapping); ;: the last one.
    t.keys(&["C-b", "o"]);
    wait((vec!["%0", "%1", "%2"], "%0"));
    // (`\\;`: a bare `;` separates tmux commands.)
    t.keys(&["C-b", "\\;"]);
    wait((vec!["%0", "%1", "%2"], "%2"));
    // { and }: swap with the previous / next pane.
    t.keys(&["C-b", "{"]);
    wait((vec!["%0", "%2", "%1"], "%2"));
    t.keys(&["C-b", "}"]);
    wait((vec!["%0", "%1", "%2"], "%2"));
    // C-o: rotate.
    t.keys(&["C-b", "C-o"]);
    assert!(s.eventually(Duration::from_secs(10), || order(&s, "k").0
        != ["%0", "%1", "%2"]));
    // Space: the next preset layout (even-horizontal first): three side by side.
    t.keys(&["C-b", "Space"]);
    assert!(s.eventually(Duration::from_secs(10), || panes(&s, "k")
        .iter()
        .all(|p| p.2 == 23)));
    // !: the pane into a tab of its own; l and ' pick tabs.
    t.keys(&["C-b", "!"]);
    assert!(s.eventually(Duration::from_secs(10), || s.ok(&["ls"]).contains("2 tabs")));
    // Which tab the status line marks shown (`N:name*`).
    let shown = |sc: &str, n: usize| {
        last_line(sc)
            .split_whitespace()
            .any(|w| w.starts_with(&format!("{n}:")) && w.ends_with('*'))
    };
    t.until("the new tab shown", |sc| shown(sc, 1));
    t.keys(&["C-b", "l"]);
    t.until("tab 0 shown", |sc| shown(sc, 0));
    t.keys(&["C-b", "'"]);
    t.until("the tab prompt", |sc| {
        last_line(sc).starts_with("tab index:")
    });
    t.keys(&["1", "Enter"]);
    t.until("tab 1 shown", |sc| shown(sc, 1));
    // $: rename the session.
    t.keys(&["C-b", "$"]);
    t.until("the rename prompt", |sc| {
        last_line(sc).starts_with("rename session:")
    });
    t.keys(&["-l", "renamed"]);
    t.keys(&["Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["ls"])
        .starts_with("renamed:")));
}

#[test]
fn ctrl_hjkl_move_focus_meta_digits_pick_layouts_and_meta_o_rotates_down() {
    let s = TestServer::new();
    let t = attached(&s, "mk", "ready");
    s.ok(&["split", "-t", "%0", "-h", "--", "sleep", "600"]);
    s.ok(&["split", "-t", "%1", "-v", "--", "sleep", "600"]);
    // [%0 | %1 over %2], %2 focused.
    let focus = |want: &str| {
        assert!(
            s.eventually(Duration::from_secs(10), || order(&s, "mk").1 == want),
            "{:?}, wanted {want} focused",
            order(&s, "mk")
        );
    };
    t.keys(&["C-b", "C-h"]);
    focus("%0");
    t.keys(&["C-b", "C-l"]);
    assert!(s.eventually(Duration::from_secs(10), || order(&s, "mk").1 != "%0"));
    t.keys(&["C-b", "C-k"]);
    focus("%1");
    t.keys(&["C-b", "C-j"]);
    focus("%2");
    // The sizes each preset gives (80x23 of panes, one-cell borders).
    type Sizes = [(String, u64, u64, bool)];
    let sizes = |want: &dyn Fn(&Sizes) -> bool, what: &str| {
        assert!(
            s.eventually(Duration::from_secs(10), || want(&panes(&s, "mk"))),
            "{what}: {:?}",
            panes(&s, "mk")
        );
    };
    t.keys(&["C-b", "M-1"]);
    sizes(
        &|p| {
            let w: Vec<u64> = p.iter().map(|p| p.1).collect();
            p.iter().all(|p| p.2 == 23) && w.iter().max().unwrap() - w.iter().min().unwrap() <= 1
        },
        "even-horizontal",
    );
    t.keys(&["C-b", "M-2"]);
    sizes(&|p| p.iter().all(|p| p.1 == 80), "even-vertical");
    t.keys(&["C-b", "M-3"]);
    sizes(
        &|p| p[0].1 == 80 && p[1..].iter().all(|p| p.1 < 80),
        "main-horizontal",
    );
    t.keys(&["C-b", "M-4"]);
    sizes(
        &|p| p[0].2 == 23 && p[1..].iter().all(|p| p.2 < 23),
        "main-vertical",
    );
    t.keys(&["C-b", "M-5"]);
    // Two rows of two cells; the last row's one pane fills its width, as in tmux.
    sizes(
        &|p| p.iter().all(|p| p.2 == 11) && p[0].1 + p[1].1 == 79 && p[2].1 == 80,
        "tiled",
    );
    // M-o: every pane one place down the layout order (the last first).
    let before = order(&s, "mk").0;
    t.keys(&["C-b", "M-o"]);
    let mut want = before.clone();
    want.rotate_right(1);
    assert!(
        s.eventually(Duration::from_secs(10), || order(&s, "mk").0 == want),
        "{:?}, wanted {want:?}",
        order(&s, "mk")
    );
}

#[test]
fn keys_pressed_in_a_row_act_on_the_pane_the_key_before_focused() {
    let s = TestServer::new();
    let t = attached(&s, "row", "ready");
    s.ok(&["split", "-t", "%0", "-h", "--", "sleep", "600"]);
    s.ok(&["split", "-t", "%1", "-v", "--", "sleep", "600"]);
    t.until("three panes drawn", |sc| sc.matches('│').count() >= 20);
    // Both keys at once: `}` must swap the pane `o` went to (%0, with the next one), not
    // the one focused when the keys were pressed (%2), whatever this client has drawn yet.
    t.keys(&["C-b", "o", "C-b", "}"]);
    let want = (
        vec!["%1".to_string(), "%0".into(), "%2".into()],
        "%0".to_string(),
    );
    assert!(
        s.eventually(Duration::from_secs(10), || order(&s, "row") == want),
        "{:?}, wanted {want:?}",
        order(&s, "row")
    );
    // A command line run from the prompt also acts on the pane focused when it runs.
    t.keys(&["C-b", "o", "C-b", ":"]);
    t.keys(&["-l", "swap-pane -D"]);
    t.keys(&["Enter"]);
    let want = (
        vec!["%2".to_string(), "%0".into(), "%1".into()],
        "%2".to_string(),
    );
    assert!(
        s.eventually(Duration::from_secs(10), || order(&s, "row") == want),
        "{:?}, wanted {want:?}",
        order(&s, "row")
    );
}

#[test]
fn prefix_equals_chooses_a_buffer_to_paste_and_hash_lists_them() {
    let s = TestServer::new();
    let t = attached(&s, "bf", "ready");
    t.until("the prompt", |sc| {
        sc.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with('#') || l.starts_with('$'))
    });
    s.ok(&["set-buffer", "-b", "older", "echo from-the-older-one"]);
    s.ok(&["set-buffer", "-b", "newer", "echo from-the-newer-one"]);
    t.keys(&["C-b", "#"]);
    t.until("the listing", |sc| {
        sc.contains("newer: 23 bytes") && sc.contains("older: 23 bytes")
    });
    t.keys(&["q"]);
    t.keys(&["C-b", "="]);
    t.until("the chooser", |sc| {
        last_line(sc).contains("[choose-buffer]")
    });
    t.keys(&["-l", "older"]);
    t.keys(&["Enter"]);
    t.until("the older buffer typed", |sc| {
        sc.contains("echo from-the-older-one")
    });
}
