//! What the attach client asks of the terminal it runs in, and does with mouse reports: the
//! outer terminal is played by the test on a PTY (answering queries, sending wheel events),
//! and what the client draws is read back through spool's own emulator.

mod common;

use std::time::Duration;

use common::pty::Pty;
use common::TestServer;

const WAIT: Duration = Duration::from_secs(10);

fn attach(s: &TestServer, session: &str) -> Pty {
    let mut c = s.cmd();
    c.args(["attach", "-t", session])
        .env("TERM", "xterm-256color")
        .env_remove("SPOOL");
    let mut t = Pty::spawn(&mut c, 80, 24);
    assert!(t.until(b"\x1b[c", WAIT), "no probe");
    t
}

fn pane_shows(s: &TestServer, pane: &str, text: &str) -> bool {
    s.eventually(WAIT, || s.ok(&["capture", "-t", pane]).contains(text))
}

/// The screen the client drew, as the outer terminal shows it.
fn drawn(t: &Pty) -> String {
    let mut term = spool_term::Terminal::new(80, 24, spool_term::NoHistory);
    term.feed(&t.seen);
    term.screen_text()
}

#[test]
fn programs_asking_for_the_terminal_colors_get_the_real_ones() {
    let s = TestServer::new();
    let p = s.pane(
        "c",
        &[
            "sh",
            "-c",
            "stty raw -echo; sleep 1; printf '\\033]11;?\\033\\\\'; exec cat -v",
        ],
    );
    let mut t = attach(&s, "c");
    // A light theme: the terminal answers its colors, then DA1.
    t.write(b"\x1b]10;rgb:0000/0000/0000\x1b\\\x1b]11;rgb:ffff/ffff/eeee\x1b\\\x1b[?62;22c");
    assert!(
        pane_shows(&s, &p, "rgb:ffff/ffff/eeee"),
        "{}",
        s.ok(&["capture", "-t", &p])
    );
    // The answers went nowhere near the pane as input.
    assert!(!s.ok(&["capture", "-t", &p]).contains("62;22c"));
    t.read_some();
}

#[test]
fn the_wheel_is_arrow_keys_in_a_full_screen_program_and_scrolls_the_pane_under_it() {
    let s = TestServer::new();
    let p = s.pane(
        "w",
        &[
            "sh",
            "-c",
            "printf '\\033[?1049h'; stty raw -echo; exec cat -v",
        ],
    );
    let mut t = attach(&s, "w");
    t.write(b"\x1b[?62;22c");
    // Wheel up over the pane (SGR mouse report, button 64).
    std::thread::sleep(Duration::from_millis(300));
    t.write(b"\x1b[<64;10;5M");
    assert!(
        pane_shows(&s, &p, "^[[A^[[A^[[A"),
        "{}",
        s.ok(&["capture", "-t", &p])
    );
    // Two panes: the wheel over the one not focused scrolls that one.
    let right = s
        .ok(&[
            "split",
            "-P",
            "-h",
            "-t",
            &p,
            "--",
            "sh",
            "-c",
            "seq 1 200; sleep 60",
        ])
        .trim()
        .to_string();
    assert!(pane_shows(&s, &right, "200"));
    s.ok(&["send", "-t", &p, "x"]);
    // Focus the left pane with a click, then wheel over the right one.
    t.write(b"\x1b[<0;5;5M\x1b[<0;5;5m");
    std::thread::sleep(Duration::from_millis(300));
    t.write(b"\x1b[<64;70;5M");
    let end = std::time::Instant::now() + WAIT;
    loop {
        t.read_some();
        let screen = drawn(&t);
        // Scroll mode's position label, in the right pane's top corner.
        if screen
            .lines()
            .next()
            .is_some_and(|l| l.trim_end().ends_with(']') && l.contains("/"))
        {
            break;
        }
        assert!(
            std::time::Instant::now() < end,
            "no scroll mode in the right pane:\n{screen}"
        );
    }
}

#[test]
fn dragging_a_border_resizes_and_dragging_over_text_copies_it_to_a_buffer() {
    let s = TestServer::new();
    let left = s.pane("d", &["sh", "-c", "echo drag-me-please; exec sleep 600"]);
    s.ok(&["split", "-h", "-t", &left, "--", "sleep", "600"]);
    let width = |s: &TestServer| -> u64 {
        let v: serde_json::Value =
            serde_json::from_str(&s.ok(&["panes", "-t", "d", "--json"])).unwrap();
        v[0]["cols"].as_u64().unwrap()
    };
    let w0 = width(&s);
    let mut t = attach(&s, "d");
    t.write(b"\x1b[?62;22c");
    std::thread::sleep(Duration::from_millis(300));
    // The border is the column right of the left pane (1-based: w0 + 1). Press there, move
    // 10 columns left with the button held (motion: +32), release.
    let b = w0 + 1;
    t.write(format!("\x1b[<0;{b};5M\x1b[<32;{};5M\x1b[<0;{};5m", b - 5, b - 10).as_bytes());
    assert!(
        s.eventually(WAIT, || width(&s) == w0 - 10),
        "width {} (was {w0})",
        width(&s)
    );
    // Drag over "drag-me" on the first row of the left pane: copied on release.
    t.write(b"\x1b[<0;1;1M\x1b[<32;4;1M\x1b[<32;7;1M\x1b[<0;7;1m");
    assert!(
        s.eventually(WAIT, || s.run(&["show-buffer"]).stdout == b"drag-me"),
        "{:?}",
        String::from_utf8_lossy(&s.run(&["show-buffer"]).stdout)
    );
    assert!(t.until(b"\x1b]52;c;", WAIT), "no OSC 52 copy");
}
