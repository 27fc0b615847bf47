//! tmux's formats from the CLI (`display-message -p`, `panes -F`), `list-keys`, and tab names
//! that follow the program in the foreground.

mod common;

use std::time::Duration;

use common::TestServer;

#[test]
fn display_message_prints_tmux_format_variables_for_the_target_pane() {
    let s = TestServer::new();
    s.ok(&[
        "new", "-d", "-s", "fmt", "-x", "100", "-y", "30", "--", "sleep", "600",
    ]);
    s.ok(&["split", "-t", "%0", "-h", "--", "sleep", "601"]);
    let out = s.ok(&[
        "display-message",
        "-p",
        "-t",
        "%1",
        "#{session_name}|#S:#I.#P|#{pane_id}|#{pane_width}x#{pane_height}|#{pane_current_command}|#{window_panes}|#{?pane_active,active,idle}|##",
    ]);
    assert_eq!(out, "fmt|fmt:0.1|%1|49x30|sleep|2|active|#\n");
    let pid = s.ok(&["display", "-p", "-t", "%0", "#{pane_pid}"]);
    assert!(pid.trim().parse::<u32>().unwrap() > 1);
    // A path from the program is printed safely.
    let cwd = s.ok(&["display", "-p", "-t", "%0", "#{pane_current_path}"]);
    assert!(cwd.starts_with('/'));
    // Unknown variables are empty; a bad target fails as any command's does.
    assert_eq!(s.ok(&["display", "-p", "-t", "%0", "[#{no_such}]"]), "[]\n");
    assert!(!s.run(&["display", "-p", "-t", "%9", "x"]).status.success());
}

#[test]
fn panes_dash_f_prints_one_format_line_per_pane() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "a", "--", "sleep", "600"]);
    s.ok(&["split", "-t", "%0", "-v", "--", "sleep", "600"]);
    s.ok(&["new", "-d", "-s", "b", "--", "sleep", "600"]);
    let all = s.ok(&["panes", "-F", "#D #S #{window_index}.#{pane_index}"]);
    assert_eq!(all, "%0 a 0.0\n%1 a 0.1\n%2 b 0.0\n");
    let one = s.ok(&["list-panes", "-t", "b", "-F", "#{pane_id}"]);
    assert_eq!(one, "%2\n");
}

#[test]
fn list_keys_names_every_binding_readably() {
    let s = TestServer::new();
    s.pane("k", &["sleep", "600"]);
    let keys = s.ok(&["list-keys"]);
    for want in [
        "C-b ]",
        "paste-buffer -p",
        "C-b Space",
        "select-layout -n",
        "C-b C-Up",
        "-r resize-pane -U",
        "C-b M-Left",
        "C-b :",
        "command-prompt",
        "C-b q",
        "display-panes",
    ] {
        assert!(keys.contains(want), "{want} missing from:\n{keys}");
    }
    assert!(keys.lines().count() > 40);
}

#[test]
fn a_tab_without_a_name_is_named_after_its_foreground_program() {
    let s = TestServer::new();
    let p = s.pane("auto", &["sh"]);
    let name = |s: &TestServer| s.ok(&["display", "-p", "-t", &p, "#W"]).trim().to_string();
    assert_eq!(name(&s), "sh");
    s.ok(&["send", "-t", &p, "sleep 30", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || name(&s) == "sleep"));
    s.ok(&["send", "-t", &p, "C-c"]);
    assert!(s.eventually(Duration::from_secs(10), || name(&s) == "sh"));
    // A name set by the user stays.
    s.ok(&["rename-tab", "-t", &p, "mine"]);
    assert_eq!(name(&s), "mine");
}
