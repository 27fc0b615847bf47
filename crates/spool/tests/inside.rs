//! Living inside a pane: the CLI run from a pane of a real server (as agents and scripts run
//! it), the environment panes get, and the messages a tmux user meets first.

mod common;

use std::process::Command;
use std::time::Duration;

use common::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_spool");

/// Run `script` in pane `pane` (through a file, so no quoting reaches the pane's shell), and
/// wait until it wrote `done` into `marker`.
fn run_in(s: &TestServer, pane: &str, script: &str) -> String {
    let n = s
        .dir
        .path()
        .join(format!("script-{}.sh", pane.trim_start_matches('%')));
    let marker = s.dir.path().join("marker");
    let _ = std::fs::remove_file(&marker);
    std::fs::write(
        &n,
        format!("BIN={BIN}\n{script}\necho done > {}\n", marker.display()),
    )
    .unwrap();
    s.ok(&["send", "-t", pane, &format!(". {}", n.display()), "Enter"]);
    assert!(
        s.eventually(Duration::from_secs(15), || marker.exists()),
        "the script in {pane} never finished: {}",
        s.ok(&["capture", "-t", pane])
    );
    std::fs::read_to_string(s.dir.path().join("out")).unwrap_or_default()
}

fn panes(s: &TestServer) -> serde_json::Value {
    serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap()
}

#[test]
fn a_command_run_in_a_pane_acts_on_that_pane_and_its_server() {
    let s = TestServer::new();
    let here = s.pane("s", &["sh"]);
    // Another tab is in front, as when a human looks at one tab and an agent runs in another.
    s.ok(&["new-tab", "-t", "s", "--", "sh"]);
    let out = s.dir.path().join("out");
    run_in(
        &s,
        &here,
        &format!(
            "$BIN send 'echo SENT-''HERE' Enter\n$BIN split -- sleep 60\n\
             $BIN capture > {out}\n$BIN panes --json > {out}.panes",
            out = out.display()
        ),
    );
    // `send` typed into this pane, not the one in front (the shell ran it after the script;
    // its output may follow the prompt on the line).
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &here])
        .lines()
        .any(|l| l.ends_with("SENT-HERE") && !l.contains("echo"))));
    assert!(!s.ok(&["capture", "-t", "%1"]).contains("SENT-HERE"));
    // `split` split this pane, in this tab.
    let p = panes(&s);
    let tab0 = p
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["tab"] == 0)
        .count();
    assert_eq!(tab0, 2, "{p}");
    // `capture` talked to this server (no -S given inside the pane) and captured this pane.
    let captured = std::fs::read_to_string(&out).unwrap();
    assert!(captured.contains("script-0.sh"), "{captured}");
    // S:T.P targets.
    assert_eq!(
        s.ok(&["capture", "-t", "s:0.0"]),
        s.ok(&["capture", "-t", &here])
    );
    assert!(s.run(&["capture", "-t", "s:5"]).status.code() == Some(1));
}

#[test]
fn attach_inside_a_pane_of_the_same_server_is_refused() {
    let s = TestServer::new();
    let p = s.pane("n", &["sh"]);
    let out = s.dir.path().join("out");
    let got = run_in(
        &s,
        &p,
        &format!(
            "$BIN attach > {o} 2>&1; $BIN new >> {o} 2>&1; SPOOL= $BIN ls >> {o} 2>&1",
            o = out.display()
        ),
    );
    assert_eq!(
        got.matches("sessions should be nested with care").count(),
        2,
        "{got}"
    );
    // Unset, $SPOOL no longer points at this server: `ls` asks the default one.
    assert!(!got.contains("n: 1 tabs"), "{got}");
    assert!(
        !s.ok(&["ls"]).contains("\n1:"),
        "a session was created anyway"
    );
}

#[test]
fn commands_that_only_read_never_start_a_server() {
    let t = tempfile::tempdir().unwrap();
    let sock = t.path().join("typo");
    for args in [
        &["ls"][..],
        &["panes"],
        &["capture"],
        &["stats"],
        &["kill-server"],
    ] {
        let out = Command::new(BIN)
            .arg("-S")
            .arg(&sock)
            .args(args)
            .env_remove("SPOOL")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no server running on"), "{args:?}: {err}");
        assert!(!sock.exists(), "{args:?} started a server");
    }
}

#[test]
fn panes_get_one_documented_environment() {
    let s = TestServer::new();
    let envdump = |p: &str| {
        let f = s
            .dir
            .path()
            .join(format!("env-{}", p.trim_start_matches('%')));
        s.ok(&[
            "send",
            "-t",
            p,
            &format!("env > {}.tmp && mv {0}.tmp {0}", f.display()),
            "Enter",
        ]);
        assert!(s.eventually(Duration::from_secs(10), || f.exists()));
        std::fs::read_to_string(&f).unwrap()
    };
    // The server is started by a client inside tmux, in an editor's terminal.
    let out = s
        .cmd()
        .env("TMUX_PANE", "%9")
        .env("TERM_PROGRAM", "vscode")
        .env("TERM_PROGRAM_VERSION", "1.0")
        .env("SSH_AUTH_SOCK", "/first/agent")
        .env("KEEP_ME", "yes")
        .args(["new", "-d", "-P", "-s", "e", "-e", "FOO=bar", "--", "sh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let p = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let env = envdump(&p);
    for gone in ["TMUX_PANE=", "TERM_PROGRAM=", "TERM_PROGRAM_VERSION="] {
        assert!(!env.lines().any(|l| l.starts_with(gone)), "{gone} leaked");
    }
    assert!(env.lines().any(|l| l == "KEEP_ME=yes"));
    assert!(env.lines().any(|l| l == "FOO=bar"));
    assert!(env.lines().any(|l| l == "SSH_AUTH_SOCK=/first/agent"));
    assert!(env.lines().any(|l| l == "TERM=xterm-256color"));
    // A CLI new-tab gets the session's environment, not its caller's.
    let out = s
        .cmd()
        .env("SSH_AUTH_SOCK", "/stale/agent")
        .args(["new-tab", "-P", "-t", "e", "-e", "ONLY=tab", "--", "sh"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let q = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let env = envdump(&q);
    assert!(
        env.lines().any(|l| l == "SSH_AUTH_SOCK=/first/agent"),
        "{env}"
    );
    assert!(env.lines().any(|l| l == "ONLY=tab"));
    // -e in a bad form is refused by the CLI.
    assert!(!s
        .run(&["new-tab", "-t", "e", "-e", "NOEQUALS"])
        .status
        .success());
}

#[test]
fn messages_name_what_is_wrong_and_help_explains_targets() {
    let s = TestServer::new();
    s.pane("m", &["sleep", "60"]);
    let out = s.run(&["new", "-d", "-c", "/nonexistent/dir", "--", "true"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("/nonexistent/dir"), "{err}");
    for cmd in [
        "capture", "kill", "new-tab", "panes", "resize", "search", "send", "split", "wait",
    ] {
        let help = s.ok(&[cmd, "--help"]);
        assert!(help.contains("SESSION:TAB.PANE"), "{cmd} --help: {help}");
    }
    let new_help = s.ok(&["new", "--help"]);
    assert!(!new_help.contains("until the attach client exists"));
    for shell in ["bash", "zsh", "fish"] {
        let c = s.ok(&["completions", shell]);
        assert!(c.contains("spool"), "{shell}");
    }
    assert!(s.ok(&["man"]).contains(".TH spool 1"));
}

#[test]
fn send_mixes_text_and_key_names_as_tmux_does() {
    let s = TestServer::new();
    let p = s.pane("k", &["sh"]);
    s.ok(&["send", "-t", &p, "echo mixed-", "'ok'", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || common::shows_line(
        &s.ok(&["capture", "-t", &p]),
        "mixed-ok"
    )));
    // -l: the word Enter is text.
    s.ok(&["send", "-t", &p, "-l", "echo lit", "Enter"]);
    s.ok(&["send", "-t", &p, "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || common::shows_line(
        &s.ok(&["capture", "-t", &p]),
        "litEnter"
    )));
    // --keys still works.
    s.ok(&["send", "-t", &p, "--keys", "C-c"]);
}

#[test]
fn a_logical_line_across_history_and_screen_is_found_by_search() {
    let s = TestServer::new();
    let p = s.pane(
        "r",
        &["sh", "-c", "printf 'D%.0s' $(seq 150); echo; sleep 600"],
    );
    s.ok(&["resize", "-t", &p, "-x", "160", "-y", "10"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("DDDD")));
    // 150 cells at 30 columns are 5 rows; 4 rows of screen push the line's head to history.
    s.ok(&["resize", "-t", &p, "-x", "30", "-y", "4"]);
    s.ok(&["resize", "-t", &p, "-x", "160", "-y", "10"]);
    // On the screen, the line is whole again.
    let screen = s.ok(&["capture", "-t", &p]);
    assert!(screen.lines().any(|l| l == "D".repeat(150)), "{screen}");
    // Shrunk again, the head is history (the edge): search and capture -J see one line.
    s.ok(&["resize", "-t", &p, "-x", "30", "-y", "4"]);
    let hits = s.ok(&["search", "-t", &p, "D{100}"]);
    assert!(!hits.is_empty(), "the line was not found whole");
    let joined = s.ok(&["capture", "-t", &p, "-S", "-", "-J"]);
    assert!(joined.lines().any(|l| l == "D".repeat(150)), "{joined}");
}
