//! Paste buffers from the CLI, against a real server: set, show, list, save, load, paste and
//! delete, and the bounds in count and bytes (the oldest buffers go first).

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::Duration;

use common::TestServer;
use serde_json::Value;

fn names(s: &TestServer) -> Vec<String> {
    let v: Value = serde_json::from_str(&s.ok(&["list-buffers", "--json"])).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn buffers_are_set_shown_appended_listed_and_deleted_as_in_tmux() {
    let s = TestServer::new();
    s.pane("b", &["sleep", "600"]);
    s.ok(&["set-buffer", "first"]);
    s.ok(&["setb", "second"]);
    assert_eq!(names(&s), ["buffer1", "buffer0"]);
    assert_eq!(s.ok(&["show-buffer"]), "second");
    assert_eq!(s.ok(&["showb", "-b", "buffer0"]), "first");
    s.ok(&["set-buffer", "-a", " and more"]);
    assert_eq!(s.ok(&["show-buffer"]), "second and more");
    s.ok(&["set-buffer", "-b", "mine", "named"]);
    assert_eq!(names(&s)[0], "mine");
    let listing = s.ok(&["list-buffers"]);
    assert!(listing.contains("mine: 5 bytes: \"named\""), "{listing}");
    s.ok(&["delete-buffer", "-b", "buffer0"]);
    assert_eq!(names(&s), ["mine", "buffer1"]);
    let e = s.run(&["show-buffer", "-b", "buffer0"]);
    assert!(!e.status.success());
    assert!(String::from_utf8_lossy(&e.stderr).contains("no buffer buffer0"));
    s.ok(&["deleteb"]);
    s.ok(&["deleteb"]);
    let e = s.run(&["show-buffer"]);
    assert!(String::from_utf8_lossy(&e.stderr).contains("no buffers"));
}

#[test]
fn past_fifty_buffers_the_oldest_are_dropped() {
    let s = TestServer::new();
    s.pane("b", &["sleep", "600"]);
    for i in 0..60 {
        s.ok(&["set-buffer", &format!("text {i}")]);
    }
    let n = names(&s);
    assert_eq!(n.len(), 50);
    assert_eq!(n[0], "buffer59");
    assert_eq!(n[49], "buffer10");
}

#[test]
fn buffers_are_bounded_in_bytes_each_and_together() {
    let s = TestServer::new();
    s.pane("b", &["sleep", "600"]);
    let dir = s.dir.path();
    let big = dir.join("big");
    std::fs::write(&big, vec![b'x'; 4 * 1024 * 1024]).unwrap();
    let over = dir.join("over");
    std::fs::write(&over, vec![b'y'; 4 * 1024 * 1024 + 1]).unwrap();
    // One buffer: at most 4 MiB (loaded in pieces of one request each).
    s.ok(&["load-buffer", "-b", "big0", big.to_str().unwrap()]);
    assert_eq!(s.ok(&["show-buffer"]).len(), 4 * 1024 * 1024);
    let e = s.run(&["load-buffer", over.to_str().unwrap()]);
    assert!(!e.status.success());
    // Appending past the bound is refused and leaves the buffer as it was.
    let e = s.run(&["set-buffer", "-a", "-b", "big0", "z"]);
    assert!(
        String::from_utf8_lossy(&e.stderr).contains("bytes"),
        "{e:?}"
    );
    assert_eq!(s.ok(&["show-buffer", "-b", "big0"]).len(), 4 * 1024 * 1024);
    // Together: at most 16 MiB; the fifth big buffer pushes out the first.
    for i in 1..5 {
        s.ok(&[
            "load-buffer",
            "-b",
            &format!("big{i}"),
            big.to_str().unwrap(),
        ]);
    }
    assert_eq!(names(&s), ["big4", "big3", "big2", "big1"]);
    // The gauge accounts for them.
    let gauge = s.gauge("paste_buffers");
    assert_eq!(gauge, 16 * 1024 * 1024);
}

#[test]
fn save_and_load_carry_bytes_exactly_and_saved_files_are_private() {
    let s = TestServer::new();
    s.pane("b", &["sleep", "600"]);
    let data: Vec<u8> = (0..=255u8).cycle().take(1_500_000).collect();
    let mut child = s
        .cmd()
        .args(["load-buffer", "-b", "bin", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&data).unwrap();
    assert!(child.wait().unwrap().success());
    let out = s.dir.path().join("saved");
    s.ok(&["save-buffer", "-b", "bin", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap(), data);
    let mode = std::fs::metadata(&out).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    s.ok(&["save-buffer", "-a", "-b", "bin", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(&out).unwrap().len(), 2 * data.len());
}

#[test]
fn paste_buffer_types_the_text_and_brackets_it_when_the_program_asked() {
    let s = TestServer::new();
    let p = s.pane("b", &["sh", "-c", "printf '\\033[?2004h'; exec cat -v"]);
    s.ok(&["set-buffer", "one\ntwo\x1b[201~"]);
    s.ok(&["paste-buffer", "-t", &p]);
    assert!(s.eventually(Duration::from_secs(10), || {
        let c = s.ok(&["capture", "-t", &p]);
        c.lines().any(|l| l == "one") && c.lines().any(|l| l.starts_with("two"))
    }));
    // -p: inside the markers, and an ESC in the text cannot end the paste early.
    s.ok(&["set-buffer", "three"]);
    s.ok(&["paste-buffer", "-p", "-d", "-t", &p]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &p])
        .contains("^[[200~three^[[201~")));
    // -d deleted it: the newest is the first one again.
    assert!(s.ok(&["show-buffer"]).starts_with("one"));
}

#[test]
fn buffers_survive_a_restart_and_a_killed_server() {
    let s = TestServer::new();
    s.pane("b", &["sleep", "600"]);
    s.ok(&["set-buffer", "-b", "kept", "across restarts"]);
    s.ok(&["set-buffer", "binary\x01\u{7f}"]);
    s.ok(&["kill-server"]);
    s.ok(&["new", "-d", "-s", "probe", "--", "sleep", "600"]);
    assert_eq!(s.ok(&["show-buffer", "-b", "kept"]), "across restarts");
    assert_eq!(names(&s), ["buffer0", "kept"]);
    // A killed server loses at most the last second.
    s.ok(&["set-buffer", "-b", "late", "written before the kill"]);
    std::thread::sleep(Duration::from_millis(2500));
    let pid = s.stats()["pid"].as_u64().unwrap() as i32;
    // SAFETY: kill(2) of the test's own server.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert!(s.eventually(Duration::from_secs(10), || s
        .run(&["new", "-d", "-s", "again", "--", "sleep", "600"])
        .status
        .success()));
    assert_eq!(
        s.ok(&["show-buffer", "-b", "late"]),
        "written before the kill"
    );
    let mode = std::fs::metadata(s.dir.path().join("state/spool/sock/state/buffers"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}
