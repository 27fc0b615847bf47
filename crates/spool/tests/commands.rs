//! Commands as data: the shell integration snippets (real bash, zsh and fish), the per-pane
//! command log, `capture --command` and `spool run`.

mod common;

use std::time::Duration;

use common::TestServer;

/// A pane running `shell` with spool's snippet loaded as a user's rc file would (prompt `$ `).
fn integrated(s: &TestServer, name: &str, shell: &str) -> String {
    let snippet = s.ok(&["shell-init", shell]);
    let dir = s.dir.path().join(format!("rc-{name}"));
    std::fs::create_dir_all(&dir).unwrap();
    let argv: Vec<String> = match shell {
        "bash" => {
            let rc = dir.join("bashrc");
            std::fs::write(&rc, format!("PS1='$ '\n{snippet}")).unwrap();
            vec![
                "bash".into(),
                "--rcfile".into(),
                rc.display().to_string(),
                "-i".into(),
            ]
        }
        "zsh" => {
            std::fs::write(dir.join(".zshrc"), format!("PS1='$ '\n{snippet}")).unwrap();
            vec![
                "env".into(),
                format!("ZDOTDIR={}", dir.display()),
                "zsh".into(),
                "-i".into(),
            ]
        }
        _ => {
            let rc = dir.join("init.fish");
            std::fs::write(
                &rc,
                format!("function fish_prompt; echo -n '$ '; end\n{snippet}"),
            )
            .unwrap();
            vec![
                "fish".into(),
                "--no-config".into(),
                "--init-command".into(),
                format!("source {}", rc.display()),
            ]
        }
    };
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let p = s.pane(name, &argv);
    assert!(
        s.eventually(Duration::from_secs(10), || s
            .ok(&["capture", "-t", &p])
            .lines()
            .any(|l| l.starts_with('$'))),
        "no prompt: {}",
        s.ok(&["capture", "-t", &p])
    );
    p
}

fn commands(s: &TestServer, p: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        serde_json::from_str(&s.ok(&["commands", "-t", p, "--json"])).unwrap();
    v.as_array().unwrap().clone()
}

/// Type `line` and Enter, and wait until the log has `n` finished commands.
fn typed(s: &TestServer, p: &str, line: &str, n: usize) {
    s.ok(&["send", "-t", p, line, "Enter"]);
    assert!(
        s.eventually(Duration::from_secs(20), || {
            let c = commands(s, p);
            c.len() == n && c.iter().all(|c| !c["ended_ms"].is_null())
        }),
        "{line}: {:?}",
        commands(s, p)
    );
}

fn log_and_output_hold_for(shell: &str) {
    let s = TestServer::new();
    let p = integrated(&s, "sh", shell);
    typed(&s, &p, "true", 1);
    typed(&s, &p, "false", 2);
    typed(&s, &p, "seq 1 100000", 3);
    let c = commands(&s, &p);
    let statuses: Vec<_> = c.iter().map(|c| c["status"].as_i64()).collect();
    assert_eq!(statuses, [Some(0), Some(1), Some(0)], "{c:?}");
    assert_eq!(c[2]["text"], "seq 1 100000", "{c:?}");
    assert!(c[2]["cwd"].as_str().is_some_and(|d| !d.is_empty()), "{c:?}");
    let out = s.ok(&["capture", "-t", &p, "--command", "last"]);
    let want: String = (1..=100_000).map(|i| format!("{i}\n")).collect();
    assert!(
        out == want,
        "{} lines, first {:?}",
        out.lines().count(),
        out.lines().next()
    );
    // By number and from the end, the same command.
    assert_eq!(s.ok(&["capture", "-t", &p, "--command", "3"]), want);
    assert_eq!(s.ok(&["capture", "-t", &p, "--command", "-3"]), "");
    let e = s.run(&["capture", "-t", &p, "--command", "9"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("no command 9"));
    // The directory, through OSC 7 as a URL: a `%20` in a name stays itself.
    let dir = s.dir.path().join("a%20b c-é");
    std::fs::create_dir_all(&dir).unwrap();
    typed(&s, &p, &format!("cd '{}'", dir.display()), 4);
    typed(&s, &p, "true", 5);
    let c = commands(&s, &p);
    assert_eq!(c[4]["cwd"].as_str(), Some(dir.to_str().unwrap()), "{shell}");
    // Words reach this shell as they are: quoted for it (fish reads \\ in quotes).
    let out = s.run(&[
        "run",
        "-t",
        &p,
        "--",
        "printf",
        "%s|\\n",
        "a\\\\b",
        "it's",
        "two words",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "a\\\\b|\nit's|\ntwo words|\n",
        "{shell}: {out:?}"
    );
}

#[test]
fn bash_logs_each_command_with_its_status_and_exactly_its_output() {
    log_and_output_hold_for("bash");
}

#[test]
fn zsh_logs_each_command_with_its_status_and_exactly_its_output() {
    log_and_output_hold_for("zsh");
}

#[test]
fn fish_logs_each_command_with_its_status_and_exactly_its_output() {
    log_and_output_hold_for("fish");
}

#[test]
fn run_prints_the_output_and_exits_with_the_status() {
    let s = TestServer::new();
    let p = integrated(&s, "r", "bash");
    let out = s.run(&["run", "-t", &p, "--", "sh", "-c", "echo hi; exit 3"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi\n");
    assert_eq!(out.status.code(), Some(3));
    // A command that clears the screen first: its rows are still its own.
    let out = s.run(&["run", "-t", &p, "--", "clear; echo after-clear"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "after-clear\n");
    // One word is the shell's to read: a pipeline.
    let out = s.run(&["run", "-t", &p, "--", "seq 1 5 | tail -n 2"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "4\n5\n");
    assert_eq!(out.status.code(), Some(0));
    // Still running at the timeout: what it printed, and 124.
    let out = s.run(&[
        "run",
        "-t",
        &p,
        "--timeout",
        "1",
        "--",
        "echo started; sleep 3",
    ]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "started\n");
    assert_eq!(out.status.code(), Some(124));
    // The shell is busy with it: another run is refused, not typed into it.
    let out = s.run(&["run", "-t", &p, "--", "true"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("running a command"),
        "{out:?}"
    );
}

#[test]
fn run_without_shell_integration_fails_saying_how_to_turn_it_on() {
    let s = TestServer::new();
    let p = s.pane("plain", &["sh"]);
    let t = std::time::Instant::now();
    let out = s.run(&["run", "-t", &p, "--", "true"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no shell integration") && err.contains("shell-init"),
        "{err}"
    );
    // A new pane's shell gets a few seconds to show an integrated prompt, no more.
    assert!(t.elapsed() < Duration::from_secs(8));
    assert_eq!(
        s.ok(&["capture", "-t", &p]).matches("true").count(),
        0,
        "nothing typed"
    );
}

#[test]
fn the_command_log_survives_a_kill_9_restart() {
    let s = TestServer::new();
    let p = integrated(&s, "k", "bash");
    typed(&s, &p, "echo one", 1);
    typed(&s, &p, "false", 2);
    std::thread::sleep(Duration::from_millis(1500));
    s.kill9();
    s.ok(&["new", "-d", "-s", "probe", "--", "sleep", "60"]);
    let c = commands(&s, &p);
    let texts: Vec<_> = c.iter().map(|c| c["text"].as_str().unwrap_or("")).collect();
    assert_eq!(texts, ["echo one", "false"], "{c:?}");
    assert_eq!(c[1]["status"], 1);
    assert_eq!(s.ok(&["capture", "-t", &p, "--command", "1"]), "one\n");
}

/// `spool events ARGS…` running, its lines arriving on the receiver.
fn events(
    s: &TestServer,
    args: &[&str],
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    use std::io::BufRead;
    let mut child = s
        .cmd()
        .arg("events")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(out).lines() {
            if tx.send(line.unwrap_or_default()).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Lines until one satisfies `f` (all of them, that one last).
fn until_line(rx: &std::sync::mpsc::Receiver<String>, f: impl Fn(&str) -> bool) -> Vec<String> {
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(l) => {
                let done = f(&l);
                seen.push(l);
                if done {
                    return seen;
                }
            }
            Err(_) => break,
        }
    }
    panic!("never saw the line; saw {seen:?}");
}

#[test]
fn events_show_a_pane_created_its_commands_and_its_exit_in_order() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "keep", "--", "sleep", "600"]);
    let (mut child, rx) = events(&s, &["--json"]);
    // Subscribed once a session made now is seen.
    let mut n = 0;
    loop {
        n += 1;
        s.ok(&[
            "new",
            "-d",
            "-s",
            &format!("probe{n}"),
            "--",
            "sleep",
            "600",
        ]);
        if rx.recv_timeout(Duration::from_millis(500)).is_ok() {
            break;
        }
        assert!(n < 20, "no events");
    }
    let p = integrated(&s, "ev", "bash");
    let out = s.run(&["run", "-t", &p, "--", "sh", "-c", "exit 4"]);
    assert_eq!(out.status.code(), Some(4));
    s.ok(&["send", "-t", &p, "exit", "Enter"]);
    let pane = format!("\"pane\":\"{p}\"");
    let lines = until_line(&rx, |l| l.contains("pane-exited") && l.contains(&pane));
    let mine: Vec<serde_json::Value> = lines
        .iter()
        .filter(|l| l.contains(&pane))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let kinds: Vec<&str> = mine.iter().map(|e| e["event"].as_str().unwrap()).collect();
    let pos = |k: &str| {
        kinds
            .iter()
            .position(|x| *x == k)
            .unwrap_or_else(|| panic!("{k}: {kinds:?}"))
    };
    assert!(pos("pane-created") < pos("command-started"), "{kinds:?}");
    assert!(
        pos("command-started") < pos("command-finished"),
        "{kinds:?}"
    );
    assert!(pos("command-finished") < pos("pane-exited"), "{kinds:?}");
    let fin = &mine[pos("command-finished")];
    assert_eq!(fin["status"], 4);
    assert_eq!(fin["session"], "ev");
    assert!(fin["duration_ms"].is_u64());
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_subscriber_that_stops_reading_costs_a_bounded_queue_and_is_told_it_lagged() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "idle", "--", "sleep", "600"]);
    let base_rss = s.rss();
    // Its output is piped to us, and we do not read: the pipe fills, then its socket, then
    // its queue at the server.
    let mut child = s
        .cmd()
        .args(["events", "--output"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let panes: Vec<String> = (0..4)
        .map(|i| {
            s.pane(
                &format!("flood{i}"),
                &["sh", "-c", "yes 0123456789abcdef0123456789abcdef | head -c 64000000; echo done-flooding; exec sleep 600"],
            )
        })
        .collect();
    for p in &panes {
        assert!(
            s.eventually(Duration::from_secs(60), || s
                .ok(&["capture", "-t", p])
                .contains("done-flooding")),
            "{p} never finished"
        );
    }
    let grown = s.rss().saturating_sub(base_rss);
    // One full queue (1 MiB) and the socket's buffers, not the 256 MB printed.
    assert!(grown < 48 * 1024 * 1024, "server RSS grew by {grown} bytes");
    // The queue is full, and no fuller than its bound (bus::SUBSCRIBER_QUEUE_BYTES).
    let queued = s.gauge("event_queues");
    assert!(queued > 512 * 1024 && queued <= 1024 * 1024, "{queued}");
    // Reading again: it is told how much it missed.
    use std::io::Read;
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut text = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while std::time::Instant::now() < deadline {
        let n = out.read(&mut buf).unwrap();
        text.extend_from_slice(&buf[..n]);
        if text.windows(7).any(|w| w == b" lagged") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let text = String::from_utf8_lossy(&text);
    let lagged = text
        .lines()
        .find(|l| l.contains(" lagged "))
        .expect("a lagged event");
    assert!(lagged.contains("missed="), "{lagged}");
}

#[test]
fn wait_returns_when_the_pane_is_idle_when_output_matches_and_when_the_command_ends() {
    let s = TestServer::new();
    let p = integrated(&s, "w", "bash");
    // --match: a line that comes later (the command line typed does not match).
    s.ok(&[
        "send",
        "-t",
        &p,
        "sleep 1; echo build-$((6*7))-done",
        "Enter",
    ]);
    let t = std::time::Instant::now();
    let out = s.ok(&["wait", "-t", &p, "--match", "build-[0-9]+-done"]);
    assert_eq!(out.trim(), "build-42-done");
    assert!(
        t.elapsed() >= Duration::from_millis(500),
        "it waited for the line"
    );
    // --command: until the running one ends, with its status.
    s.ok(&["send", "-t", &p, "sleep 1; (exit 7)", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || commands(&s, &p)
        .last()
        .is_some_and(|c| c["ended_ms"].is_null())));
    let out = s.run(&["wait", "-t", &p, "--command"]);
    assert_eq!(out.status.code(), Some(7), "{out:?}");
    // --idle: not while it prints, then once it is quiet.
    s.ok(&[
        "send",
        "-t",
        &p,
        "for i in 1 2 3 4 5 6; do echo tick; sleep 0.2; done",
        "Enter",
    ]);
    let t = std::time::Instant::now();
    s.ok(&["wait", "-t", &p, "--idle", "600ms"]);
    assert!(
        t.elapsed() >= Duration::from_millis(1000),
        "{:?}",
        t.elapsed()
    );
    let e = s.run(&["wait", "-t", &p, "--match", "("]);
    assert!(!e.status.success());
}

#[test]
fn shell_integration_in_the_config_injects_the_snippet_and_the_users_rc_files_still_run() {
    let s = TestServer::new();
    let conf = s.dir.path().join("config/spool");
    std::fs::create_dir_all(&conf).unwrap();
    std::fs::write(conf.join("config.toml"), "shell_integration = true\n").unwrap();
    let home = s.dir.path().join("home");
    // fish reads $XDG_CONFIG_HOME/fish, which the test server's panes have set.
    std::fs::create_dir_all(&home).unwrap();
    let fish_conf = s.dir.path().join("config/fish");
    std::fs::create_dir_all(&fish_conf).unwrap();
    std::fs::write(
        home.join(".bash_profile"),
        "export FROM_RC=bash-profile\nPS1='$ '\n",
    )
    .unwrap();
    std::fs::write(home.join(".zshrc"), "export FROM_RC=zshrc\nPS1='$ '\n").unwrap();
    std::fs::write(
        fish_conf.join("config.fish"),
        "set -gx FROM_RC fish-config\nfunction fish_prompt; echo -n '$ '; end\n",
    )
    .unwrap();
    let h = home.display().to_string();
    for (shell, want) in [
        ("/bin/bash", "bash-profile"),
        ("/usr/bin/zsh", "zshrc"),
        ("/usr/bin/fish", "fish-config"),
    ] {
        let name = shell.rsplit('/').next().unwrap();
        s.ok(&[
            "new",
            "-d",
            "-s",
            name,
            "-e",
            &format!("SHELL={shell}"),
            "-e",
            &format!("HOME={h}"),
        ]);
        let p = format!("{name}:0.0");
        let out = s.run(&["run", "-t", &p, "--", "echo \"$FROM_RC\""]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{want}\n"),
            "{shell}: {out:?}"
        );
        assert_eq!(out.status.code(), Some(0));
    }
    // zsh gets its ZDOTDIR back: the user's (here $HOME), not spool's.
    let out = s.run(&["run", "-t", "zsh:0.0", "--", "echo \"${ZDOTDIR:-unset}\""]);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), h);
    // Nothing was written into the user's files.
    assert_eq!(
        std::fs::read_to_string(home.join(".bash_profile")).unwrap(),
        "export FROM_RC=bash-profile\nPS1='$ '\n"
    );
}

#[test]
fn the_bash_snippet_is_idempotent_keeps_prompt_command_and_does_nothing_outside_spool() {
    let s = TestServer::new();
    let snippet = s.ok(&["shell-init", "bash"]);
    let dir = s.dir.path().join("rc-twice");
    std::fs::create_dir_all(&dir).unwrap();
    let ran = dir.join("prompt-command-ran");
    let rc = dir.join("bashrc");
    std::fs::write(
        &rc,
        format!(
            "PS1='$ '\nPROMPT_COMMAND='echo x >> {}; '\n{snippet}\n{snippet}\n",
            ran.display()
        ),
    )
    .unwrap();
    let p = s.pane("twice", &["bash", "--rcfile", rc.to_str().unwrap(), "-i"]);
    for (i, word) in ["one", "two"].iter().enumerate() {
        let out = s.run(&["run", "-t", &p, "--", &format!("echo {word}")]);
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("{word}\n"));
        assert_eq!(commands(&s, &p).len(), i + 1, "each command once");
    }
    let lines = std::fs::read_to_string(&ran)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(lines >= 2, "the user's PROMPT_COMMAND ran {lines} times");
    // Outside spool: nothing defined, nothing printed.
    let out = std::process::Command::new("bash")
        .args([
            "-ic",
            &format!("{snippet}\ndeclare -F __spool_precmd || echo none"),
        ])
        .env_remove("SPOOL")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "none");
}

#[test]
fn the_last_exit_status_is_a_format_and_a_failed_command_flags_its_hidden_tab() {
    let s = TestServer::new();
    let p = integrated(&s, "f", "bash");
    let out = s.run(&["run", "-t", &p, "--", "sh -c 'exit 5'"]);
    assert_eq!(out.status.code(), Some(5));
    let shown = s.ok(&[
        "display-message",
        "-p",
        "-t",
        &p,
        "#{pane_last_exit_status} #{pane_last_command}",
    ]);
    assert_eq!(shown.trim(), "5 sh -c 'exit 5'");
    // A second tab shown by a client inside tmux; a command failing in the first flags it.
    let t = common::outer::Outer::new(&s, 80, 24, "attach -t f");
    s.ok(&["new-tab", "-t", "f", "--", "sleep", "600"]);
    t.until("tab 1 shown", |sc| {
        common::outer::last_line(sc).contains("1:sleep*")
    });
    s.ok(&["send", "-t", &p, "false", "Enter"]);
    let last = t.until("tab 0 flagged E", |sc| {
        common::outer::last_line(sc)
            .split_whitespace()
            .any(|w| w.starts_with("0:") && w.ends_with('E'))
    });
    assert!(
        !common::outer::last_line(&last).contains("1:sleepE"),
        "{last}"
    );
}

#[test]
fn shift_o_in_scroll_mode_copies_the_output_of_the_command_under_the_cursor() {
    let s = TestServer::new();
    let p = integrated(&s, "o", "bash");
    typed(&s, &p, "seq -f 'out-%g' 1 5", 1);
    typed(&s, &p, "echo after", 2);
    let t = common::outer::Outer::new(&s, 80, 24, "attach -t o");
    t.until("the output", |sc| {
        sc.contains("out-5") && sc.contains("after")
    });
    t.keys(&["C-b", "["]);
    // From the prompt, up onto `out-3`: past `after`, its command line and out-5, out-4.
    t.keys(&["k", "k", "k", "k", "k"]);
    t.keys(&["O"]);
    assert!(
        s.eventually(Duration::from_secs(10), || s
            .run(&["show-buffer"])
            .stdout
            .starts_with(b"out-1")),
        "{:?}",
        s.run(&["show-buffer"])
    );
    assert_eq!(
        s.ok(&["show-buffer"]),
        "out-1\nout-2\nout-3\nout-4\nout-5\n"
    );
}

#[test]
fn runs_back_to_back_and_at_once_each_get_their_own_command() {
    let s = TestServer::new();
    let p = integrated(&s, "b2b", "bash");
    // Back to back: the next starts while the shell is between its D and its next prompt.
    for i in 0..10 {
        let out = s.run(&["run", "-t", &p, "--", &format!("echo n{i}")]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("n{i}\n"),
            "{out:?}"
        );
    }
    // Four at once on one pane: they take turns, each with its own output.
    let runs: Vec<_> = (0..4)
        .map(|i| {
            s.cmd()
                .args(["run", "-t", &p, "--", &format!("echo at-once-{i}")])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, r) in runs.into_iter().enumerate() {
        let out = r.wait_with_output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("at-once-{i}\n"),
            "{out:?}"
        );
    }
    // Control characters would edit the line instead of being typed: refused.
    let e = s.run(&["run", "-t", &p, "--", "echo a\tb"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("control characters"));
}

#[test]
fn after_an_upgrade_the_same_shell_keeps_its_log_and_runs_commands() {
    let s = TestServer::new();
    let p = integrated(&s, "up", "bash");
    let out = s.run(&["run", "-t", &p, "--", "echo before"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "before\n");
    let exe = s.dir.path().join("spool-new");
    std::fs::copy(env!("CARGO_BIN_EXE_spool"), &exe).unwrap();
    let out = s.run(&["upgrade", "--exe", exe.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    let out = s.run(&["run", "-t", &p, "--", "echo after"]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "after\n", "{out:?}");
    let texts: Vec<String> = commands(&s, &p)
        .iter()
        .map(|c| c["text"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(texts, ["echo before", "echo after"]);
}

#[test]
fn a_session_filtered_subscriber_is_not_flooded_by_other_sessions() {
    let s = TestServer::new();
    let mine = s.pane("mine", &["sh"]);
    s.ok(&["new", "-d", "-s", "noisy", "--", "sleep", "600"]);
    let (mut child, rx) = events(&s, &["-t", "mine", "--output"]);
    std::thread::sleep(Duration::from_millis(500));
    // Another session prints 32 MB while this reader is slow to start reading.
    let noisy = s.pane(
        "noisy2",
        &[
            "sh",
            "-c",
            "yes 0123456789abcdef | head -c 32000000; echo flood-done; exec sleep 600",
        ],
    );
    assert!(s.eventually(Duration::from_secs(60), || s
        .ok(&["capture", "-t", &noisy])
        .contains("flood-done")));
    s.ok(&["send", "-t", &mine, "echo mine-$((40+2))", "Enter"]);
    let lines = until_line(&rx, |l| l.contains("mine-42"));
    assert!(!lines.iter().any(|l| l.contains(" lagged ")), "{lines:?}");
    assert!(
        !lines.iter().any(|l| l.contains("0123456789abcdef")),
        "only its session's output"
    );
    let _ = child.kill();
    let _ = child.wait();
}
