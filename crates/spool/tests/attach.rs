//! The attach client in a real terminal: spool runs inside tmux (`tmux -L … -f /dev/null`),
//! keys go in with `send-keys`, the screen comes back with `capture-pane`.

mod common;

use std::process::Command;
use std::time::Duration;

use common::TestServer;

/// A tmux server of our own with one window running a command.
struct Outer {
    name: String,
}

impl Outer {
    fn new(s: &TestServer, cols: u16, rows: u16, args: &str) -> Outer {
        let name = format!("spool-test-{}-{}", std::process::id(), rand_suffix());
        let cmd = format!(
            "env XDG_STATE_HOME={} XDG_CONFIG_HOME={} SHELL=/bin/sh PS1='$ ' {} -S {} {args}; sleep 30",
            s.dir.path().join("state").display(),
            s.dir.path().join("config").display(),
            env!("CARGO_BIN_EXE_spool"),
            s.socket.display()
        );
        let ok = Command::new("tmux")
            .args(["-L", &name, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &cols.to_string(), "-y", &rows.to_string(), &cmd])
            .status()
            .expect("tmux runs")
            .success();
        assert!(ok);
        Outer { name }
    }

    /// Another window (a second terminal) on the same tmux server.
    fn window(&self, s: &TestServer, args: &str) -> String {
        let cmd = format!(
            "env XDG_STATE_HOME={} XDG_CONFIG_HOME={} {} -S {} {args}; sleep 30",
            s.dir.path().join("state").display(),
            s.dir.path().join("config").display(),
            env!("CARGO_BIN_EXE_spool"),
            s.socket.display()
        );
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.name,
                "new-window",
                "-P",
                "-F",
                "#{window_index}",
                &cmd,
            ])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    }

    fn keys(&self, keys: &[&str]) {
        let ok = Command::new("tmux")
            .args(["-L", &self.name, "send-keys", "-t", ":0"])
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok);
    }

    fn keys_to(&self, window: &str, keys: &[&str]) {
        Command::new("tmux")
            .args(["-L", &self.name, "send-keys", "-t", &format!(":{window}")])
            .args(keys)
            .status()
            .unwrap();
    }

    fn screen_of(&self, window: &str) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.name,
                "capture-pane",
                "-p",
                "-t",
                &format!(":{window}"),
            ])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Wait until the screen satisfies `f`; panics with the screen if it never does.
    fn until(&self, what: &str, f: impl Fn(&str) -> bool) -> String {
        self.until_in("0", what, f)
    }

    fn until_in(&self, window: &str, what: &str, f: impl Fn(&str) -> bool) -> String {
        let end = std::time::Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen_of(window);
            if f(&s) {
                return s;
            }
            if std::time::Instant::now() > end {
                panic!("never saw {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Outer {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.name, "kill-server"])
            .status();
    }
}

fn rand_suffix() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}

fn last_line(screen: &str) -> &str {
    screen.lines().last().unwrap_or("")
}

/// The shell has printed its first prompt (keys typed before it would be echoed by the tty
/// ahead of the prompt, and the output would not start a line).
fn prompt_shown(screen: &str) -> bool {
    matches!(screen.lines().next().map(str::trim_end), Some("#" | "$"))
}

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
    std::fs::write(&file, "[status]\nleft = \"#{session}# \"\n").unwrap();
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
