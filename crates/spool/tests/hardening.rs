//! spool tried as another user on the machine would try it, and as a careless user would use
//! it: sockets and directories, frames, names, timeouts, a full disk, sizes, big sends.
//! Every test here failed on the main branch before the hardening work.

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TestServer;

fn spool() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_spool"));
    c.env_remove("SPOOL").env_remove("RUST_BACKTRACE");
    c
}

fn mode(p: &std::path::Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A spool command with its fallback socket directory under `tmp` (no XDG_RUNTIME_DIR).
fn fallback(tmp: &std::path::Path, state: &std::path::Path) -> Command {
    let mut c = spool();
    c.env_remove("XDG_RUNTIME_DIR")
        .env("SPOOL_TMPDIR", tmp)
        .env("XDG_STATE_HOME", state)
        .env("XDG_CONFIG_HOME", state.join("config"))
        .env("SHELL", "/bin/sh");
    c
}

fn uid() -> u32 {
    // SAFETY: getuid cannot fail.
    unsafe { libc::getuid() }
}

#[test]
fn a_socket_path_never_changes_the_mode_of_the_directory_it_is_in() {
    let s = TestServer::new();
    let shared = s.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let sock = shared.join("mysock");
    let at = |args: &[&str]| {
        spool()
            .env("XDG_STATE_HOME", s.dir.path().join("state"))
            .env("SHELL", "/bin/sh")
            .arg("-S")
            .arg(&sock)
            .args(args)
            .output()
            .unwrap()
    };
    let out = at(&["new", "-d", "--", "sleep", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(mode(&shared), 0o1777, "the directory's mode was changed");
    assert_eq!(mode(&sock) & 0o777, 0o600);
    let _ = at(&["kill-server"]);
    // -L takes a name, not a path.
    let out = spool()
        .args(["-L", "/tmp/elsewhere", "ls"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad server name"), "{}", stderr(&out));
}

#[test]
fn a_fallback_socket_directory_that_is_not_private_is_refused_and_nothing_is_sent() {
    let t = tempfile::tempdir().unwrap();
    let state = t.path().join("state");
    let dir = t.path().join(format!("spool-{}", uid()));
    // Another user got there first: mode 0777, with a listener where root's socket would be.
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let listener = UnixListener::bind(dir.join("v")).unwrap();
    listener.set_nonblocking(true).unwrap();
    let out = fallback(t.path(), &state)
        .env("SECRET_TOKEN", "hunter2")
        .args(["-L", "v", "new", "-d", "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("must be 0700"), "{}", stderr(&out));
    assert!(
        listener.accept().is_err(),
        "the planted listener was connected to"
    );
    assert_eq!(mode(&dir), 0o777, "the directory's mode was changed");
    // A symbolic link there is refused, not followed (nor chmodded through).
    std::fs::remove_file(dir.join("v")).unwrap();
    std::fs::remove_dir(&dir).unwrap();
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &dir).unwrap();
    let out = fallback(t.path(), &state)
        .args(["-L", "v", "new", "-d", "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(mode(&elsewhere), 0o755);
    // Owned by another user, even with mode 0700: refused.
    std::fs::remove_file(&dir).unwrap();
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    if uid() == 0 {
        std::os::unix::fs::chown(&dir, Some(65534), Some(65534)).unwrap();
        let out = fallback(t.path(), &state)
            .args(["-L", "v", "new", "-d", "--", "true"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(stderr(&out).contains("not by you"), "{}", stderr(&out));
        std::os::unix::fs::chown(&dir, Some(0), Some(0)).unwrap();
    }
    // Ours and 0700: it works.
    let out = fallback(t.path(), &state)
        .args(["-L", "v", "new", "-d", "--", "sleep", "5"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let _ = fallback(t.path(), &state)
        .args(["-L", "v", "kill-server"])
        .output();
}

#[test]
fn a_client_sends_nothing_to_a_server_of_another_user() {
    if uid() != 0 {
        eprintln!("skipped: needs root to run a listener as another user");
        return;
    }
    let t = tempfile::tempdir().unwrap();
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let sock = t.path().join("sock");
    let got = t.path().join("got");
    // A listener run by uid 65534 that records what it receives.
    let script = format!(
        "import socket,os\ns=socket.socket(socket.AF_UNIX)\ns.bind('{}')\nos.chmod('{}',0o777)\n\
         s.listen(1)\nopen('{}.ready','w').close()\nc,_=s.accept()\nc.settimeout(2)\nd=b''\ntry:\n  d=c.recv(65536)\nexcept Exception:\n  pass\n\
         open('{}','w').write(str(len(d)))\n",
        sock.display(),
        sock.display(),
        got.display(),
        got.display()
    );
    let mut child = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
        ])
        .arg(&script)
        .spawn()
        .expect("setpriv and python3 run");
    let t0 = Instant::now();
    let ready = t.path().join("got.ready");
    while !ready.exists() && t0.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = spool()
        .arg("-S")
        .arg(&sock)
        .env("SECRET_TOKEN", "hunter2")
        .args(["new", "-d", "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("served by uid 65534"),
        "{}",
        stderr(&out)
    );
    let _ = child.wait();
    assert_eq!(std::fs::read_to_string(&got).unwrap_or_default(), "0");
}

/// Connect and say hello, as a client would.
fn hello(s: &TestServer) -> UnixStream {
    let mut c = UnixStream::connect(&s.socket).unwrap();
    let frame = spool_proto::frame::encode(&spool_proto::Request::Hello {
        protocol: spool_proto::PROTOCOL_VERSION,
        client: "test".into(),
        pane: None,
        for_client: None,
    })
    .unwrap();
    c.write_all(&frame).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut len = [0u8; 4];
    c.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_le_bytes(len) as usize];
    c.read_exact(&mut body).unwrap();
    c
}

#[test]
fn half_sent_frames_cost_what_was_sent_not_what_they_declared() {
    let s = TestServer::new();
    s.pane("a", &["sleep", "60"]);
    let before = s.rss();
    let mut conns = Vec::new();
    for _ in 0..250 {
        let mut c = hello(&s);
        // A frame as large as a request may be, all but its last byte sent (as much as the
        // kernel takes: the server reads only what its budget pays for).
        let len = spool_server::MAX_REQUEST_BYTES as u32;
        c.write_all(&len.to_le_bytes()).unwrap();
        c.set_nonblocking(true).unwrap();
        let body = vec![0u8; len as usize - 1];
        let mut sent = 0;
        while sent < body.len() {
            match c.write(&body[sent..]) {
                Ok(n) => sent += n,
                Err(_) => break,
            }
        }
        conns.push(c);
    }
    // A declared size over the limit is refused outright.
    let mut big = hello(&s);
    big.write_all(&(16u32 << 20).to_le_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = big.read_to_end(&mut buf);
    assert!(String::from_utf8_lossy(&buf).contains("larger than"));
    let during = s.rss();
    assert!(
        during < before + 48 * 1024 * 1024,
        "RSS went from {before} to {during}"
    );
    // Everyone else is still served.
    assert!(s.ok(&["ls"]).contains("a:"));
    drop(conns);
}

#[test]
fn connections_that_never_say_hello_do_not_lock_out_clients() {
    let s = TestServer::new();
    s.pane("a", &["sleep", "60"]);
    let idle: Vec<UnixStream> = (0..300)
        .filter_map(|_| UnixStream::connect(&s.socket).ok())
        .collect();
    let t0 = Instant::now();
    let out = loop {
        let out = s.run(&["ls"]);
        if out.status.success() || t0.elapsed() > Duration::from_secs(15) {
            break out;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(out.status.success(), "{}", stderr(&out));
    // The silent ones are dropped after the handshake timeout.
    std::thread::sleep(spool_server::HANDSHAKE_TIMEOUT + Duration::from_secs(1));
    let mut first = &idle[0];
    let mut b = [0u8; 64];
    first
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    assert!(matches!(first.read(&mut b), Ok(0) | Ok(_)));
    assert!(s.ok(&["ls"]).contains("a:"));
}

#[test]
fn names_never_reach_a_terminal_raw() {
    let s = TestServer::new();
    let evil = "X\x1b]2;TITLE-PWNED\x07\x1b]52;c;aGk=\x07\x1b[2J\u{9b}2J\x7f";
    let out = s.run(&["new", "-d", "-s", evil, "--", "sleep", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for args in [
        &["ls"][..],
        &["ls", "--json"],
        &["panes"],
        &["panes", "--json"],
    ] {
        let o = s.ok(args);
        assert!(
            !o.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?} printed a control character: {o:?}"
        );
    }
    let out = s.run(&["kill", "-t", "\x1b[2Jnope"]);
    assert!(!out.status.success());
    assert!(!stderr(&out).contains('\x1b'), "{:?}", stderr(&out));
    // Names are bounded.
    let huge = "n".repeat(100_000);
    let out = s
        .cmd()
        .args(["new", "-d", "-s", &huge, "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(s.run(&["ls"]).status.success());
}

#[test]
fn a_search_for_an_empty_or_single_byte_pattern_does_not_panic() {
    let s = TestServer::new();
    let p = s.pane("a", &["sh", "-c", "echo héllo; sleep 60"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("héllo")));
    for pat in ["", "x*", "(?-u:.)"] {
        let out = s.run(&["search", "-t", &p, pat]);
        assert!(out.status.success(), "{pat:?}: {}", stderr(&out));
    }
    assert!(s.ok(&["ls"]).contains("a:"));
}

#[test]
fn concurrent_searches_take_turns_and_stay_bounded() {
    let s = TestServer::new();
    let p = s.pane(
        "a",
        &[
            "sh",
            "-c",
            "seq 1 200000 | sed 's/$/ some words here/'; sleep 60",
        ],
    );
    assert!(s.eventually(Duration::from_secs(30), || s
        .ok(&["capture", "-t", &p])
        .contains("200000")));
    let pid = s.stats()["pid"].as_u64().unwrap();
    let base = common::rss_of(pid);
    let kids: Vec<_> = (0..120)
        .map(|_| {
            s.cmd()
                .args(["search", "-t", &p, r"(?i)\w{30}\W{30}\w{30}"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut peak = 0;
    let t0 = Instant::now();
    let mut slowest = Duration::ZERO;
    while t0.elapsed() < Duration::from_secs(3) {
        peak = peak.max(common::rss_of(pid));
        let t = Instant::now();
        s.ok(&["ls"]);
        slowest = slowest.max(t.elapsed());
    }
    for mut k in kids {
        let _ = k.kill();
        let _ = k.wait();
    }
    assert!(peak < base + 64 * 1024 * 1024, "RSS {base} -> {peak}");
    assert!(slowest < Duration::from_secs(2), "ls took {slowest:?}");
}

#[test]
fn a_search_whose_client_stops_reading_holds_only_a_bounded_share_of_its_hits() {
    let s = TestServer::new();
    // 500k hits of ~75 bytes: ~37 MB, if hits were queued for a client that reads none.
    let p = s.pane(
        "a",
        &[
            "sh",
            "-c",
            "seq 1 500000 | sed 's/$/ some words to make a line of seventy bytes or so ......../'; sleep 120",
        ],
    );
    assert!(s.eventually(Duration::from_secs(120), || s
        .ok(&["capture", "-t", &p])
        .contains("500000 some")));
    let pid = s.stats()["pid"].as_u64().unwrap();
    let base = common::rss_of(pid);
    // Its stdout is a pipe nobody reads yet: once that is full, the client stops reading.
    let mut kid = s
        .cmd()
        .args(["search", "-t", &p, "words"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(3) {
        peak = peak.max(common::rss_of(pid));
        s.ok(&["ls"]);
    }
    // Read now: every hit arrives, once.
    let mut out = String::new();
    kid.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    assert!(kid.wait().unwrap().success());
    assert_eq!(out.lines().count(), 500_000);
    assert!(out.lines().last().unwrap().contains("500000 some words"));
    // The channel's bytes (1 MiB), one chunk and the scan's buffers; not the 37 MB of hits.
    assert!(peak < base + 16 * 1024 * 1024, "RSS {base} -> {peak}");
}

#[test]
fn startup_errors_reach_the_client_that_started_the_server() {
    let s = TestServer::new();
    // The state home is a file: the server cannot make its directories.
    let bad = s.dir.path().join("not-a-dir");
    std::fs::write(&bad, b"").unwrap();
    let out = s
        .cmd()
        .env("XDG_STATE_HOME", &bad)
        .args(["new", "-d", "--", "true"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let e = stderr(&out);
    assert!(e.contains("not-a-dir"), "{e}");
    assert!(!e.contains("did not answer"), "{e}");
    // A bad config: the client that started the server is told, and the server runs.
    let cfg = s.dir.path().join("config/spool");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("config.toml"), "prefix = 12\n").unwrap();
    let out = s.run(&["new", "-d", "--", "sleep", "30"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("config not used"), "{}", stderr(&out));
}

#[test]
fn without_home_or_state_home_state_never_goes_to_tmp() {
    let t = tempfile::tempdir().unwrap();
    let sock = t.path().join(format!("nohome-{}", std::process::id()));
    let out = spool()
        .env_remove("HOME")
        .env_remove("XDG_STATE_HOME")
        .env("SHELL", "/bin/sh")
        .arg("-S")
        .arg(&sock)
        .args(["new", "-d", "--", "true"])
        .output()
        .unwrap();
    let name = sock.file_name().unwrap().to_str().unwrap().to_string();
    assert!(!std::path::Path::new("/tmp/.local/state/spool")
        .join(&name)
        .exists());
    if out.status.success() {
        // From the password database instead.
        let _ = spool().arg("-S").arg(&sock).arg("kill-server").output();
        let home = String::from_utf8(
            Command::new("sh")
                .args(["-c", "getent passwd $(id -u) | cut -d: -f6"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        let dir = std::path::Path::new(home.trim()).join(".local/state/spool");
        assert!(dir.join(&name).exists());
        let _ = std::fs::remove_dir_all(dir.join(&name));
        let _ = std::fs::remove_file(dir.join(format!("{name}.log")));
    } else {
        assert!(
            stderr(&out).contains("no home directory"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn sizes_are_one_rule_for_the_pty_the_emulator_and_panes() {
    let s = TestServer::new();
    let out = s.run(&["new", "-d", "-x", "0", "--", "true"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("bad width"), "{}", stderr(&out));
    let out = s.run(&["new", "-d", "-x", "4096", "-y", "4096", "--", "true"]);
    assert!(!out.status.success());
    let p = s.pane("a", &["sh", "-c", "stty size; sleep 60"]);
    s.ok(&["resize", "-t", &p, "-x", "2000", "-y", "1000"]);
    let out = s.run(&["resize", "-t", &p, "-x", "0"]);
    assert!(!out.status.success());
    let panes: serde_json::Value = serde_json::from_str(&s.ok(&["panes", "--json"])).unwrap();
    assert_eq!(panes[0]["cols"], 2000);
    assert_eq!(panes[0]["rows"], 1000);
}

#[test]
fn a_send_of_any_size_streams_in_and_a_stuck_pane_is_reported() {
    let s = TestServer::new();
    let file = s.dir.path().join("got");
    let p = s.pane(
        "a",
        &[
            "sh",
            "-c",
            &format!("stty raw -echo; cat > {}", file.display()),
        ],
    );
    std::thread::sleep(Duration::from_millis(500));
    // 1.5 MiB, more than a pane's input queue, in arguments the kernel accepts.
    let pieces: Vec<String> = (0..16)
        .map(|k| {
            (0..96 * 1024 / 8)
                .map(|i| format!("{k:02}{i:05}x"))
                .collect()
        })
        .collect();
    let text = pieces.concat();
    let out = s
        .cmd()
        .args(["send", "-t", &p, "-l"])
        .args(&pieces)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        s.eventually(Duration::from_secs(20), || std::fs::metadata(&file)
            .is_ok_and(|m| m.len() == text.len() as u64))
    );
    // A pane that reads nothing: an error saying so, not a hang.
    let q = s.pane("b", &["sh", "-c", "stty raw -echo; sleep 120"]);
    let t0 = Instant::now();
    let out = s
        .cmd()
        .args(["send", "-t", &q, "-l"])
        .args(&pieces)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("not reading its input"),
        "{}",
        stderr(&out)
    );
    assert!(t0.elapsed() < Duration::from_secs(40));
}

#[test]
fn a_capture_that_races_kill_says_it_was_cut_short() {
    let s = TestServer::new();
    let p = s.pane("a", &["sh", "-c", "seq 1 3000000; sleep 60"]);
    assert!(s.eventually(Duration::from_secs(60), || s
        .ok(&["capture", "-t", &p])
        .contains("3000000")));
    let mut cap = s
        .cmd()
        .args(["capture", "-t", &p, "-S", "-"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read a little, then kill the pane while the capture streams.
    let mut first = [0u8; 4096];
    let mut so = cap.stdout.take().unwrap();
    so.read_exact(&mut first).unwrap();
    s.ok(&["kill", "-t", &p]);
    let mut rest = Vec::new();
    let _ = so.read_to_end(&mut rest);
    let status = cap.wait().unwrap();
    let mut err = String::new();
    cap.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    let lines = rest.iter().filter(|&&b| b == b'\n').count();
    if lines < 2_999_000 {
        assert!(!status.success(), "a cut capture ended with success");
        assert!(err.contains("cut short"), "{err}");
    }
}

#[test]
fn a_full_disk_loses_only_what_did_not_fit_and_is_reported() {
    let t = tempfile::tempdir().unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=8m", "tmpfs"])
        .arg(t.path())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: cannot mount a tmpfs here (needs root)");
        return;
    }
    struct Unmount(std::path::PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _u = Unmount(t.path().to_owned());
    let s = TestServer::new();
    let state = t.path().join("state");
    let filler = t.path().join("filler");
    std::fs::write(&filler, vec![1u8; 5 << 20]).unwrap();
    let run = |args: &[&str]| {
        s.cmd()
            .env("XDG_STATE_HOME", &state)
            .args(args)
            .output()
            .unwrap()
    };
    // ~40 MB of output that compresses poorly, then a marker line.
    let out = run(&[
        "new",
        "-d",
        "-P",
        "-R",
        "-s",
        "flood",
        "--",
        "sh",
        "-c",
        "head -c 30000000 /dev/urandom | od -An -tx8 -v; echo AFTER-THE-FLOOD; read x; \
         seq 1 50000 | sed 's/^/resumed /'; sleep 600",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let p = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let lost = || {
        let v: serde_json::Value =
            serde_json::from_slice(&run(&["panes", "--json"]).stdout).unwrap_or_default();
        v[0]["history_lost_rows"].as_u64().unwrap_or(0)
    };
    let t0 = Instant::now();
    while !String::from_utf8_lossy(&run(&["capture", "-t", &p]).stdout).contains("AFTER-THE-FLOOD")
    {
        assert!(t0.elapsed() < Duration::from_secs(120), "flood never ended");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(lost() > 0, "the disk never filled");
    let v: serde_json::Value = serde_json::from_slice(&run(&["stats", "--json"]).stdout).unwrap();
    let err = v["panes"][0]["history_error"].as_str().unwrap_or("");
    assert!(err.contains("No space"), "{v}");
    // Space returns; writing resumes, and what is written after reads back.
    std::fs::remove_file(&filler).unwrap();
    let lost_then = lost();
    run(&["send", "-t", &p, "Enter"]);
    let t0 = Instant::now();
    while !String::from_utf8_lossy(&run(&["capture", "-t", &p]).stdout).contains("resumed 50000") {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the pane never went on"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let cap = run(&["capture", "-t", &p, "-S", "-"]);
    assert!(cap.status.success(), "{}", stderr(&cap));
    let text = String::from_utf8_lossy(&cap.stdout);
    assert!(text.contains("lost: disk full]"), "no marker row");
    assert!(
        text.contains("resumed 1\n"),
        "rows after the loss are missing"
    );
    let search = run(&["search", "-t", &p, "^resumed 2$"]);
    assert!(search.status.success(), "{}", stderr(&search));
    assert_eq!(
        lost(),
        lost_then,
        "writes still failed after space returned"
    );
    // The log says it, but not once per segment.
    let log = std::fs::read_to_string(state.join("spool/sock.log")).unwrap_or_default();
    let lines = log.matches("history segment lost").count();
    assert!((1..=3).contains(&lines), "{lines} log lines");
}

#[test]
fn a_screen_too_big_for_one_frame_still_attaches() {
    let s = TestServer::new();
    // 1,020 distinct 2 KiB hyperlinks, one cell each.
    let mut bytes = Vec::new();
    for i in 0..1020 {
        let uri = format!("http://example.com/{i:04}/{}", "u".repeat(2000));
        bytes.extend_from_slice(format!("\x1b]8;;{uri}\x1b\\L\x1b]8;;\x1b\\").as_bytes());
    }
    let file = s.dir.path().join("links");
    std::fs::write(&file, &bytes).unwrap();
    let show = format!("cat {}; sleep 600", file.display());
    let p = s.pane("big", &["sh", "-c", &show]);
    s.ok(&["resize", "-t", &p, "-x", "400", "-y", "100"]);
    let split = |t: &str, dir: &str, pct: &str| {
        s.ok(&[
            "split", "-P", "-t", t, dir, "-p", pct, "--", "sh", "-c", &show,
        ])
        .trim()
        .to_string()
    };
    // A 3×3 grid: every pane has room for all its links.
    let b = split(&p, "-h", "66");
    let c = split(&b, "-h", "50");
    for col in [&p, &b, &c] {
        let m = split(col, "-v", "66");
        split(&m, "-v", "50");
    }
    let mut cmd = s.cmd();
    cmd.args(["attach", "-t", "big"]);
    let mut pty = common::pty::Pty::spawn(&mut cmd, 400, 101);
    // 9 × 1,020 links of 2 KiB: more than one 16 MiB frame holds. A client keeps the URIs of
    // spool_proto::LINKS_MAX of them (8 MiB); the others show as plain text.
    let t0 = Instant::now();
    let drawn = |pty: &common::pty::Pty| {
        String::from_utf8_lossy(&pty.seen)
            .matches("http://example.com/")
            .count()
    };
    while drawn(&pty) < spool_proto::LINKS_MAX && t0.elapsed() < Duration::from_secs(30) {
        if !pty.read_some() {
            break;
        }
    }
    assert!(
        drawn(&pty) >= spool_proto::LINKS_MAX,
        "drew {} links",
        drawn(&pty)
    );
    assert!(!pty.wait_exit(Duration::from_secs(1)), "the client exited");
    let seen = String::from_utf8_lossy(&pty.seen);
    assert!(
        !seen.contains("server exited"),
        "the client lost the server"
    );
}
