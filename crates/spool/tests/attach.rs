//! The attach client in a real terminal: spool runs inside tmux (`tmux -L … -f /dev/null`),
//! keys go in with `send-keys`, the screen comes back with `capture-pane`.

mod common;

use std::time::Duration;

use common::outer::{last_line, prompt_shown, Outer};
use common::TestServer;

#[test]
fn attach_run_split_tabs_detach_reattach() {
    let s = TestServer::new();
    let t = Outer::new(&s, 100, 30, "");
    // `spool` with no arguments starts a server and a session and attaches.
    let screen = t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[0] 0:") && prompt_shown(s)
    });
    assert_eq!(screen.lines().count(), 30);
    t.keys(&["echo hello-$((6*7))", "Enter"]);
    t.until("command output", |s| s.contains("\nhello-42"));
    // Split side by side: a border and a second shell.
    t.keys(&["C-b", "%"]);
    t.until("a vertical border", |s| {
        s.lines().next().is_some_and(|l| l.contains('│'))
    });
    t.keys(&["echo right-side", "Enter"]);
    let screen = t.until("output in the new pane", |s| {
        s.contains("right-side\n") || s.lines().any(|l| l.ends_with("right-side"))
    });
    let line = screen.lines().find(|l| l.contains("hello-42")).unwrap();
    assert!(
        line.find("hello-42").unwrap() < 50,
        "left pane keeps its output: {line}"
    );
    // A new tab, shown in the status line; back to the first.
    t.keys(&["C-b", "c"]);
    t.until("two tabs", |s| {
        last_line(s).contains("1:") && last_line(s).contains('*')
    });
    t.keys(&["C-b", "0"]);
    let before = t.until("the first tab again", |s| s.contains("hello-42"));
    // Detach: the client exits, the session lives on.
    t.keys(&["C-b", "d"]);
    t.until("the detach message", |s| {
        s.contains("[detached (from session 0)]")
    });
    assert!(s.ok(&["ls"]).contains("2 tabs, 3 panes"));
    // Reattach from a new terminal: the same screen.
    let w = t.window(&s, "attach -t 0");
    let after = t.until_in(&w, "the same screen", |s| {
        s.contains("hello-42") && s.contains("right-side")
    });
    let body = |s: &str| s.lines().take(10).map(str::to_string).collect::<Vec<_>>();
    assert_eq!(body(&before), body(&after));
}

#[test]
fn scroll_to_the_first_of_120k_lines() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[0] 0:") && prompt_shown(s)
    });
    t.keys(&["seq -f 'line %g' 1 120000", "Enter"]);
    t.until("the last line", |s| s.contains("line 120000\n"));
    // Scroll mode, top of history: the first line, from the disk store.
    t.keys(&["C-b", "["]);
    t.keys(&["g"]);
    let top = t.until("the first line", |s| {
        s.lines().any(|l| l.trim_end() == "line 1")
    });
    assert!(
        top.lines().next().unwrap().contains('/'),
        "position shown: {top}"
    );
    t.keys(&["PageDown"]);
    t.until("the next page", |s| {
        s.lines().any(|l| l.trim_end() == "line 30")
    });
    // `/` searches toward newer rows: from the bottom it wraps to the oldest match, as vi does.
    t.keys(&["/"]);
    t.keys(&["line 7777[0-9]$", "Enter"]);
    t.until("the oldest match", |s| {
        s.lines().next().unwrap().contains("1/10") && s.contains("line 77770\n")
    });
    t.keys(&["n"]);
    t.until("the next one", |s| {
        s.lines().next().unwrap().contains("2/10")
    });
    // `?` searches toward older rows: the newest match first.
    t.keys(&["?"]);
    t.keys(&["line 7777[0-9]$", "Enter"]);
    t.until("the newest match", |s| {
        s.lines().next().unwrap().contains("?line 7777[0-9]$ 1/10") && s.contains("line 77779\n")
    });
    // A pattern matching every row: the client is sent (and keeps) a bounded number of history
    // matches (plus those on the screen), and says there were more.
    t.keys(&["/"]);
    t.keys(&["[a-z]", "Enter"]);
    t.until("the capped match count", |s| {
        let top = s.lines().next().unwrap();
        top.contains("/1000") && top.contains("+ [")
    });
    // `?` with more matching rows than the client keeps: it keeps (and shows first) the newest.
    t.keys(&["?"]);
    t.keys(&["[a-z]", "Enter"]);
    t.until("the newest of the capped matches", |s| {
        let top = s.lines().next().unwrap();
        top.contains("?[a-z] 1/1000") && top.contains("+ [") && s.contains("line 1199")
    });
    // A search replaced while it runs: nothing of the old one shows in the new one's results.
    t.keys(&["/"]);
    t.keys(&["[a-z]", "Enter", "/"]);
    t.keys(&["line 7777[0-9]$", "Enter"]);
    t.until("the new search's own matches", |s| {
        let top = s.lines().next().unwrap();
        top.contains("/line 7777[0-9]$ 1/10 ") && s.contains("line 77770\n")
    });
    t.keys(&["q"]);
    t.until("live again", |s| s.contains("line 120000"));
}

#[test]
fn the_search_counter_keeps_up_with_output_that_streams_in() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[0] 0:") && prompt_shown(s)
    });
    let go = s.dir.path().join("go");
    t.keys(&["seq -f 'tick %g' 1 60", "Enter"]);
    t.until("the first ticks", |s| s.contains("tick 60\n"));
    // 30 more ticks, once the search has caught up (a file says when).
    let go_s = go.display().to_string();
    t.keys(&[
        &format!(
            "until [ -e {go_s} ]; do sleep 0.05; done; \
             for i in $(seq 61 90); do echo tick $i; sleep 0.05; done"
        ),
        "Enter",
    ]);
    t.keys(&["C-b", "["]);
    t.keys(&["?"]);
    t.keys(&["^tick", "Enter"]);
    t.until("the ticks so far counted", |s| {
        s.lines().next().unwrap().contains("?^tick 1/60 ")
    });
    std::fs::write(&go, "").unwrap();
    // Each new tick counted once, whether it was on the screen when the search started
    // and scrolled into history since, or came after.
    t.until("every tick counted", |s| {
        s.lines().next().unwrap().contains("/90 ")
    });
    std::thread::sleep(std::time::Duration::from_millis(800));
    let top = t.screen_of("0");
    assert!(top.lines().next().unwrap().contains("/90 "), "{top}");
    // `n` goes on to older matches from the one shown, as before.
    t.keys(&["n"]);
    t.until("the next older match", |s| {
        s.lines().next().unwrap().contains("/90 ") && !s.lines().next().unwrap().contains(" 1/90 ")
    });
    t.keys(&["q"]);
}

#[test]
fn two_clients_see_the_same_session() {
    let s = TestServer::new();
    let t = Outer::new(&s, 90, 25, "new -s shared");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[shared]") && prompt_shown(s)
    });
    let w = t.window(&s, "attach -t shared");
    t.until_in(&w, "the second client", |s| {
        last_line(s).starts_with("[shared]")
    });
    t.keys_to(&w, &["echo from-second", "Enter"]);
    t.until("output typed in the other client", |s| {
        s.contains("\nfrom-second")
    });
    t.until_in(&w, "its own output", |s| s.contains("\nfrom-second"));
}

#[test]
fn prompt_jumps_and_copy_in_scroll_mode() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 20, "");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[0] 0:") && prompt_shown(s)
    });
    // Three "commands", each starting with an OSC 133;A prompt mark, then lots of output.
    t.keys(&[
        "for i in 1 2 3; do printf '\\033]133;A\\007'; echo \"prompt-$i\"; seq 1 60; done; seq 101 130",
        "Enter",
    ]);
    t.until("the prompts scrolled away", |s| s.contains("\n130\n"));
    t.keys(&["C-b", "["]);
    t.keys(&["["]);
    let top = t.until("the newest prompt at the top", |s| {
        s.lines().next().unwrap().starts_with("prompt-3")
    });
    assert!(top.lines().nth(1).unwrap().starts_with('1'), "{top}");
    t.keys(&["["]);
    t.until("the one before", |s| {
        s.lines().next().unwrap().starts_with("prompt-2")
    });
    t.keys(&["]"]);
    t.until("forward again", |s| {
        s.lines().next().unwrap().starts_with("prompt-3")
    });
    // Select the prompt line and copy it (OSC 52 to the outer terminal).
    t.keys(&["g"]);
    t.keys(&["v", "$", "y"]);
    t.until("the copy message", |s| last_line(s).contains("copied"));
}

#[test]
fn session_size_follows_the_smallest_or_the_latest_client() {
    for latest in [false, true] {
        let s = TestServer::new();
        if latest {
            let dir = s.dir.path().join("config/spool");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("config.toml"), "window_size = \"latest\"\n").unwrap();
        }
        let big = Outer::new(&s, 100, 30, "new -s sz");
        big.until("the status line", |s| last_line(s).starts_with("[sz]"));
        let small = Outer::new(&s, 70, 20, "attach -t sz");
        small.until("the status line", |s| last_line(s).starts_with("[sz]"));
        let ls = || s.ok(&["ls"]);
        // Smallest client by default (less the status line).
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while !ls().contains("[70x19]") && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(ls().contains("[70x19]"), "{}", ls());
        // Typing in the big client: with latest-client sizing the session grows to it.
        big.keys(&["true", "Enter"]);
        let want = if latest { "[100x29]" } else { "[70x19]" };
        let end = std::time::Instant::now() + Duration::from_secs(10);
        while !ls().contains(want) && std::time::Instant::now() < end {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(ls().contains(want), "latest={latest}: {}", ls());
    }
}

#[test]
fn config_sets_prefix_bindings_and_status_and_reload_keeps_it_on_error() {
    let s = TestServer::new();
    let dir = s.dir.path().join("config/spool");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("config.toml");
    std::fs::write(
        &file,
        "prefix = \"C-a\"\n[bindings]\n\"|\" = \"split-right\"\n[status]\nleft = \"<{session}> \"\n",
    )
    .unwrap();
    let t = Outer::new(&s, 100, 24, "new -s cfg");
    t.until("the configured status line", |s| {
        last_line(s).starts_with("<cfg> 0:")
    });
    let panes = || s.ok(&["panes", "-t", "cfg"]).lines().count();
    let until_panes = |n: usize| {
        assert!(
            s.eventually(Duration::from_secs(10), || panes() == n),
            "want {n} panes: {}",
            s.ok(&["panes", "-t", "cfg"])
        )
    };
    t.keys(&["C-a", "|"]);
    until_panes(2);
    // A bad file: reload fails naming the line and column, and the old config stays.
    std::fs::write(
        &file,
        "prefix = \"C-a\"\n[bindings]\n\"|\" = \"split-sideways\"\n",
    )
    .unwrap();
    let out = s.run(&["reload"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3, column 7"), "{err}");
    assert!(err.contains("kept"), "{err}");
    t.keys(&["C-a", "|"]);
    until_panes(3);
    // A good file takes effect in the attached client at once: prefix back to C-b, new status.
    // (`##` is a `#`, as in tmux: `#{…}` alone would be a tmux format.)
    std::fs::write(&file, "[status]\nleft = \"##{session}# \"\n").unwrap();
    s.ok(&["reload"]);
    t.until("the reloaded status line", |s| {
        last_line(s).starts_with("#cfg# ")
    });
    t.keys(&["C-b", "%"]);
    until_panes(4);
}

#[test]
fn a_pane_holding_its_output_keeps_its_last_frame() {
    let s = TestServer::new();
    let t = Outer::new(&s, 100, 24, "");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[0] 0:") && prompt_shown(s)
    });
    // This pane shows a line, then holds its output (DEC 2026) for most of a second...
    t.keys(&[
        "sleep 1; echo keep-me; sleep 0.5; printf '\\033[?2026h'; sleep 0.7; echo during; printf '\\033[?2026l'",
        "Enter",
    ]);
    // ...while a pane beside it keeps the client busy with updates.
    s.ok(&[
        "split",
        "-h",
        "-t",
        "0",
        "--",
        "sh",
        "-c",
        "while :; do date +%N; sleep 0.05; done",
    ]);
    t.until("the line before the hold", |s| s.contains("\nkeep-me"));
    let end = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let screen = t.screen_of("0");
        if screen.contains("\nduring") {
            break;
        }
        assert!(
            screen.contains("\nkeep-me"),
            "the held pane lost its frame:\n{screen}"
        );
        assert!(std::time::Instant::now() < end, "the hold never ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Wait until `f` holds, polling; panics with `what` if it never does.
fn eventually(what: &str, mut f: impl FnMut() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(15);
    while !f() {
        assert!(std::time::Instant::now() < end, "never: {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn bells_and_clipboard_writes_reach_the_real_terminal() {
    let s = TestServer::new();
    let t = Outer::new(&s, 100, 24, "new -s b");
    t.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[b] 0:") && prompt_shown(s)
    });
    // OSC 52 from a program: the outer tmux gets it as a paste buffer.
    t.keys(&["printf '\\033]52;c;c3Bvb2wtY2xpcA==\\a'", "Enter"]);
    eventually("the clipboard write in tmux's buffers", || {
        t.tmux(&["show-buffer"]).contains("spool-clip")
    });
    // A bell in the shown pane rings the outer terminal: tmux flags the window when it is
    // not the one looked at.
    t.tmux(&["new-window", "-d", "sleep 60"]);
    t.tmux(&["select-window", "-t", ":1"]);
    s.ok(&["send", "-t", "b", "printf '\\a'", "Enter"]);
    eventually("tmux's bell flag on the spool window", || {
        t.tmux(&["display-message", "-p", "-t", ":0", "#{window_bell_flag}"])
            .trim()
            == "1"
    });
    t.tmux(&["select-window", "-t", ":0"]);
    // A bell in a tab not shown: the tab is flagged with !.
    s.ok(&[
        "new-tab",
        "-t",
        "b",
        "--",
        "sh",
        "-c",
        "sleep 1; printf '\\a'; sleep 60",
    ]);
    t.keys(&["C-b", "0"]);
    t.until("the bell flag on tab 1", |s| last_line(s).contains("1:sh!"));
    // With clipboard = "off" programs cannot reach it.
    let dir = s.dir.path().join("config/spool");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), "clipboard = \"off\"\n").unwrap();
    s.ok(&["reload"]);
    t.keys(&["printf '\\033]52;c;b2ZmLWNsaXA=\\a'", "Enter"]);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!t.tmux(&["show-buffer"]).contains("off-clip"));
}

#[test]
fn the_focused_pane_border_is_highlighted_on_every_side() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "new -s h");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[h] 0:") && prompt_shown(s)
    });
    // Split: the new (right) pane is focused; its only border is the one on its left.
    t.keys(&["C-b", "%"]);
    t.until("a vertical border", |s| {
        s.lines().next().is_some_and(|l| l.contains('│'))
    });
    eventually("a green border", || {
        let out = t.tmux(&["capture-pane", "-p", "-e", "-t", ":0"]);
        out.lines().take(5).any(|l| l.contains("\x1b[32m│"))
    });
}

#[test]
fn scroll_mode_search_finds_what_is_on_the_screen() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "new -s z");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[z] 0:") && prompt_shown(s)
    });
    t.keys(&["echo zebra", "Enter"]);
    t.until("zebra", |s| s.contains("\nzebra"));
    t.keys(&["C-b", "[", "?"]);
    t.keys(&["zebra", "Enter"]);
    t.until("the match on the screen", |s| {
        s.lines().next().unwrap().contains("?zebra 1/")
    });
}

#[test]
fn panes_opened_by_keys_get_the_attaching_clients_environment_and_the_panes_directory() {
    let s = TestServer::new();
    let t = Outer::with_env(&s, 80, 24, "SSH_AUTH_SOCK=/first", "new -s env");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[env] 0:") && prompt_shown(s)
    });
    let dir = s.dir.path().join("work dir");
    std::fs::create_dir(&dir).unwrap();
    t.keys(&[&format!("cd '{}'", dir.display()), "Enter"]);
    t.keys(&["C-b", "d"]);
    t.until("detached", |s| s.contains("[detached"));
    // Attach again from a terminal with a new agent socket: keys' panes get it.
    let w = t.window_env(&s, "SSH_AUTH_SOCK=/second", "attach -t env");
    t.until_in(&w, "the status line", |s| last_line(s).starts_with("[env]"));
    t.keys_to(&w, &["C-b", "c"]);
    t.until_in(&w, "two tabs", |s| last_line(s).contains("1:"));
    let out = s.dir.path().join("seen");
    t.keys_to(
        &w,
        &[
            &format!("echo \"$SSH_AUTH_SOCK $(pwd)\" > '{}'", out.display()),
            "Enter",
        ],
    );
    eventually("the new pane's report", || out.exists());
    let seen = std::fs::read_to_string(&out).unwrap();
    assert_eq!(seen.trim(), format!("/second {}", dir.display()));
    // ls shows the session is attached.
    assert!(s.ok(&["ls"]).contains("(attached)"));
}

#[test]
fn kill_server_tells_attached_clients_the_server_exited() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "new -s k");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[k] 0:") && prompt_shown(s)
    });
    s.ok(&["kill-server"]);
    t.until("server exited", |s| s.contains("[server exited"));
}

#[test]
fn focus_keys_leave_a_zoomed_pane_and_the_current_tab_stays_visible() {
    let s = TestServer::new();
    let t = Outer::new(&s, 40, 12, "new -s f");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[f] 0:") && prompt_shown(s)
    });
    t.keys(&["C-b", "%"]);
    t.until("a vertical border", |s| {
        s.lines().next().is_some_and(|l| l.contains('│'))
    });
    t.keys(&["C-b", "z"]);
    t.until("zoomed", |s| last_line(s).contains("*Z"));
    t.keys(&["C-b", "Left"]);
    t.until("unzoomed, the border back", |s| {
        !last_line(s).contains("*Z") && s.lines().next().is_some_and(|l| l.contains('│'))
    });
    // Many tabs on a 40-column status line: the current one is shown.
    for _ in 0..12 {
        s.ok(&["new-tab", "-t", "f", "--", "sh"]);
    }
    t.until("the current tab", |s| last_line(s).contains("12:sh*"));
}

#[test]
fn a_tab_opened_behind_shows_activity_from_its_first_prompt() {
    let s = TestServer::new();
    let t = Outer::new(&s, 80, 24, "new -s a");
    t.until("the status line and a prompt", |s| {
        last_line(s).starts_with("[a] 0:") && prompt_shown(s)
    });
    s.ok(&[
        "new-tab",
        "-d",
        "-t",
        "a",
        "--",
        "sh",
        "-c",
        "sleep 0.5; echo hi; sleep 60",
    ]);
    t.until("the activity flag", |s| last_line(s).contains("1:sh#"));
}

#[test]
fn a_bigger_client_sees_where_the_smaller_ones_area_ends() {
    let s = TestServer::new();
    let big = Outer::new(&s, 100, 30, "new -s d");
    big.until("the status line", |s| last_line(s).starts_with("[d]"));
    let small = Outer::new(&s, 60, 20, "attach -t d");
    small.until("the status line", |s| last_line(s).starts_with("[d]"));
    let end = std::time::Instant::now() + Duration::from_secs(15);
    while !s.ok(&["ls"]).contains("[60x19]") {
        assert!(std::time::Instant::now() < end, "{}", s.ok(&["ls"]));
        std::thread::sleep(Duration::from_millis(50));
    }
    big.until("dots past the small client's area", |s| {
        s.lines().next().is_some_and(|l| l.ends_with("····"))
    });
}
