//! The kitty keyboard protocol through `spool attach`: the client asks the outer terminal
//! whether it speaks the protocol (`CSI ? u`, then DA1) and, when it does, sets the flags the
//! focused pane's program asked for, so keys arrive encoded as the program wants; the prefix key
//! is recognized in both encodings. The outer terminal is played by the test on a PTY.

mod common;

use std::time::Duration;

use common::pty::Pty;
use common::TestServer;

const WAIT: Duration = Duration::from_secs(10);

/// A session whose pane turns on kitty flag 1 (disambiguate) and echoes what it gets, visibly.
fn session(s: &TestServer) {
    s.ok(&[
        "new",
        "-d",
        "-s",
        "k",
        "--",
        "sh",
        "-c",
        "printf '\\033[>1u'; stty -icanon -echo; exec cat -v",
    ]);
}

fn attach(s: &TestServer) -> Pty {
    let mut c = s.cmd();
    c.args(["attach", "-t", "k"]).env("TERM", "xterm-256color");
    let mut t = Pty::spawn(&mut c, 80, 24);
    // The probe: kitty keyboard flags, the default colors, then DA1 to end it.
    assert!(
        t.until(
            b"\x1b[?u\x1b]10;?\x1b\\\x1b]11;?\x1b\\\x1b]12;?\x1b\\\x1b[c",
            WAIT
        ),
        "no probe"
    );
    t
}

fn pane_shows(s: &TestServer, text: &str) -> bool {
    s.eventually(WAIT, || s.ok(&["capture", "-t", "k"]).contains(text))
}

#[test]
fn a_kitty_terminal_gets_the_programs_flags_and_its_keys_pass_through() {
    let s = TestServer::new();
    session(&s);
    let mut t = attach(&s);
    // A terminal that speaks the protocol, with no flags set.
    t.write(b"\x1b[?0u\x1b[?62;22c");
    assert!(t.until(b"\x1b[>0u", WAIT), "flags not pushed");
    assert!(
        t.until(b"\x1b[=1;1u", WAIT),
        "the pane's flags not set on the outer terminal"
    );
    // A kitty-encoded key reaches the program as sent.
    t.write(b"\x1b[27u");
    assert!(
        pane_shows(&s, "^[[27u"),
        "{}",
        s.ok(&["capture", "-t", "k"])
    );
    // The probe's answers went nowhere near the pane.
    assert!(!s.ok(&["capture", "-t", "k"]).contains("62;22c"));
    // The prefix in kitty encoding (ctrl+b), a release report of it, then `c`: a new tab.
    t.write(b"\x1b[98;5u\x1b[98;5:3uc");
    assert!(
        s.eventually(WAIT, || s.ok(&["panes", "-t", "k"]).lines().count() == 2),
        "{}",
        s.ok(&["panes", "-t", "k"])
    );
    // Detach with the kitty prefix: the terminal gets its flags back (pop).
    t.write(b"\x1b[98;5ud");
    assert!(t.wait_exit(WAIT), "the client did not detach");
    assert!(t.until(b"\x1b[<u", WAIT), "flags not restored");
}

#[test]
fn a_legacy_terminal_gets_no_kitty_sequences() {
    let s = TestServer::new();
    session(&s);
    let mut t = attach(&s);
    // Only DA1: no kitty support.
    t.write(b"\x1b[?1;2c");
    t.write(b"hello");
    assert!(pane_shows(&s, "hello"));
    assert!(!s.ok(&["capture", "-t", "k"]).contains("1;2c"));
    t.write(b"\x02d");
    assert!(t.wait_exit(WAIT));
    assert!(
        !t.seen.windows(3).any(|w| w == b"\x1b[="),
        "kitty flags sent to a legacy terminal"
    );
}
