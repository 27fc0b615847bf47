//! Hostile panes and clients: the server stays responsive, memory stays bounded, and nobody
//! else is affected.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::TestServer;

/// The server's memory may not exceed this while panes misbehave. Its parts: code and
/// runtime (~8 MiB), the 8 MiB segment cache, segments in flight to zstd, a few screens.
const RSS_LIMIT: u64 = 32 * 1024 * 1024;

fn rss_of(pid: u64) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Run `cmd` in a pane while sampling the server's RSS and checking `spool ls` answers
/// promptly; returns (peak RSS, slowest ls).
fn misbehave(s: &TestServer, cmd: &str) -> (u64, Duration) {
    // A bystander pane that must keep working.
    let calm = s.pane("calm", &["sh"]);
    let pid = s.stats()["pid"].as_u64().unwrap();
    let peak = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_of(pid), Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(50));
            }
        })
    };
    let pane = s.pane("hostile", &["sh", "-c", cmd]);
    let mut slowest = Duration::ZERO;
    let waiter = {
        let mut c = s.cmd();
        c.args(["wait", "-t", &pane]);
        std::thread::spawn(move || c.output().unwrap())
    };
    while !waiter.is_finished() {
        let t = Instant::now();
        assert!(s.ok(&["ls"]).contains("hostile"));
        slowest = slowest.max(t.elapsed());
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = waiter.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stop.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    // The bystander still works.
    s.ok(&["send", "-t", &calm, "echo still-here"]);
    s.ok(&["send", "-t", &calm, "--keys", "Enter"]);
    assert!(s.eventually(Duration::from_secs(10), || s
        .ok(&["capture", "-t", &calm])
        .contains("\nstill-here")));
    (peak.load(Ordering::Relaxed), slowest)
}

fn check(what: &str, (peak, slowest): (u64, Duration)) {
    eprintln!(
        "{what}: peak RSS {} MiB, slowest ls {slowest:?}",
        peak >> 20
    );
    assert!(peak < RSS_LIMIT, "{what}: peak RSS {peak}");
    assert!(
        slowest < Duration::from_secs(2),
        "{what}: ls took {slowest:?}"
    );
}

#[test]
fn random_bytes() {
    let s = TestServer::new();
    check("urandom", misbehave(&s, "head -c 64M /dev/urandom"));
}

#[test]
fn synchronized_output_never_released() {
    let s = TestServer::new();
    check(
        "2026 held",
        misbehave(&s, "printf '\\033[?2026h'; seq 1 2000000; printf 'done\\n'"),
    );
    // The model kept applying bytes while publication was held.
    let screen = s.ok(&["capture", "-t", "hostile"]);
    assert!(screen.contains("2000000\ndone"), "{screen}");
}

#[test]
fn osc_never_closed() {
    let s = TestServer::new();
    check(
        "open OSC",
        misbehave(&s, "printf '\\033]0;'; head -c 256M /dev/zero | tr '\\0' x"),
    );
}

#[test]
fn a_gib_without_a_newline() {
    let s = TestServer::new();
    check(
        "1 GiB line",
        misbehave(&s, "head -c 1G /dev/zero | tr '\\0' a; printf '\\nend\\n'"),
    );
    let tail = s.ok(&["capture", "-t", "hostile", "-S", "-2"]);
    assert!(tail.contains("end"), "{tail}");
}

fn hello() -> Vec<u8> {
    spool_proto::frame::encode(&spool_proto::Request::Hello {
        protocol: spool_proto::PROTOCOL_VERSION,
        client: "test".into(),
        pane: None,
        for_client: None,
    })
    .unwrap()
}

/// Read one response frame from a raw socket.
fn read_response(c: &mut UnixStream) -> Option<spool_proto::Response> {
    spool_proto::frame::read(c).ok()
}

#[test]
fn garbage_and_huge_frames_drop_only_that_client() {
    let s = TestServer::new();
    let pane = s.pane("main", &["sh"]);
    // A well-behaved client stays connected throughout.
    let mut good = UnixStream::connect(&s.socket).unwrap();
    good.write_all(&hello()).unwrap();
    assert!(matches!(
        read_response(&mut good),
        Some(spool_proto::Response::Welcome { .. })
    ));

    // 4 GiB length prefix: refused before allocating, with a message, then dropped.
    let mut bad = UnixStream::connect(&s.socket).unwrap();
    bad.write_all(&hello()).unwrap();
    read_response(&mut bad).unwrap();
    bad.write_all(&u32::MAX.to_le_bytes()).unwrap();
    match read_response(&mut bad) {
        Some(spool_proto::Response::Error { message }) => {
            assert!(message.contains("larger than"), "{message}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let mut rest = Vec::new();
    bad.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(bad.read_to_end(&mut rest).unwrap(), 0, "connection closed");

    // Garbage: malformed postcard in a valid frame, and garbage instead of a hello.
    let mut bad = UnixStream::connect(&s.socket).unwrap();
    bad.write_all(&hello()).unwrap();
    read_response(&mut bad).unwrap();
    bad.write_all(&[5, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff])
        .unwrap();
    assert!(matches!(
        read_response(&mut bad),
        Some(spool_proto::Response::Error { .. })
    ));
    let mut bad = UnixStream::connect(&s.socket).unwrap();
    let mut x = 0x1234_5678u64;
    let junk: Vec<u8> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let _ = bad.write_all(&junk);
    drop(bad);

    // Everyone else is untouched.
    spool_proto::frame::write(&mut good, &spool_proto::Request::ListSessions).unwrap();
    assert!(
        matches!(read_response(&mut good), Some(spool_proto::Response::Sessions(l)) if l.len() == 1)
    );
    s.ok(&["send", "-t", &pane, "echo ok"]);
    assert!(s.ok(&["ls"]).starts_with("main:"));
}
