//! Images through `spool attach` to an outer terminal with kitty graphics, played by the test
//! on a PTY (it answers the client's graphics query and reads what the client draws): an
//! image a program shows in a pane is sent once and placed on its cells, row by row; once
//! scrolled off, its placements are taken down. A terminal without graphics gets the
//! placeholder text only.

mod common;

use std::time::{Duration, Instant};

use common::pty::Pty;
use common::TestServer;

const WAIT: Duration = Duration::from_secs(15);

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A pane that shows a kitty image (RGBA, 20×40 px: 2×2 cells at 10×20), then waits for a
/// line before printing enough to scroll it away.
fn session(s: &TestServer) {
    let script = "printf '\\033_Ga=T,f=32,s=20,v=40;'; head -c 3200 /dev/zero | base64 -w0; \
                  printf '\\033\\\\\\nshown\\n'; read x; seq 1 60; exec sleep 600";
    s.ok(&[
        "new", "-d", "-s", "im", "-x", "80", "-y", "24", "--", "sh", "-c", script,
    ]);
    assert!(s.eventually(WAIT, || s.ok(&["capture", "-t", "im"]).contains("shown")));
}

fn attach(s: &TestServer) -> Pty {
    let mut c = s.cmd();
    c.args(["attach", "-t", "im"]).env("TERM", "xterm-256color");
    let mut t = Pty::spawn(&mut c, 80, 24);
    assert!(
        t.until(b"\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\", WAIT),
        "no graphics query in the probe"
    );
    t
}

#[test]
fn a_kitty_terminal_is_sent_the_image_once_and_shown_it_on_its_cells_until_it_scrolls_off() {
    let s = TestServer::new();
    session(&s);
    let mut t = attach(&s);
    t.write(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c");
    assert!(t.until(b"\x1b_Ga=t,f=100,i=1,q=2", WAIT), "image not sent");
    // Its two rows, each cut from the image, on the pane's top two rows.
    assert!(
        t.until(
            b"\x1b[1;1H\x1b_Ga=p,i=1,x=0,y=0,w=20,h=20,c=2,r=1,C=1,q=2\x1b\\\
              \x1b[2;1H\x1b_Ga=p,i=1,x=0,y=20,w=20,h=20,c=2,r=1,C=1,q=2\x1b\\",
            WAIT
        ),
        "image not placed: {}",
        String::from_utf8_lossy(&t.seen)
    );
    let sent_once = t.seen.windows(6).filter(|w| w == b"\x1b_Ga=t").count();
    assert_eq!(sent_once, 1);
    // Scrolled off: every placement taken down, and none placed again.
    let before = t.seen.len();
    t.write(b"\r");
    assert!(s.eventually(WAIT, || s.ok(&["capture", "-t", "im"]).contains("\n60")));
    // Read until the client has drawn the last frame and gone quiet.
    let deadline = Instant::now() + WAIT;
    let (mut len, mut quiet) = (t.seen.len(), Instant::now());
    while Instant::now() < deadline && quiet.elapsed() < Duration::from_millis(700) {
        t.read_some();
        if t.seen.len() != len {
            (len, quiet) = (t.seen.len(), Instant::now());
        }
    }
    let after = &t.seen[before..];
    let last_down = rfind(after, b"a=d,d=a").expect("placements never taken down");
    let last_place = rfind(after, b"a=p,");
    assert!(
        last_place.is_none_or(|p| p < last_down),
        "an image is still placed after scrolling off"
    );
}

fn rfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).rposition(|w| w == needle)
}

#[test]
fn a_terminal_without_graphics_gets_the_placeholder_and_no_graphics() {
    let s = TestServer::new();
    session(&s);
    let mut t = attach(&s);
    t.write(b"\x1b[?62;22c");
    assert!(t.until(b"shown", WAIT));
    assert!(t.until(b"[i", WAIT), "no placeholder");
    std::thread::sleep(Duration::from_millis(300));
    t.read_some();
    assert!(find(&t.seen, b"\x1b_Ga=t").is_none());
    assert!(find(&t.seen, b"\x1b_Ga=p").is_none());
}

#[test]
fn images_take_cells_by_the_cell_size_the_outer_terminal_reports() {
    let s = TestServer::new();
    let script =
        "read x; printf '\\033_Ga=T,f=32,s=20,v=40;'; head -c 3200 /dev/zero | base64 -w0; \
                  printf '\\033\\\\\\nagain\\n'; exec sleep 600";
    s.ok(&["new", "-d", "-s", "im", "--", "sh", "-c", script]);
    let mut t = attach(&s);
    // Cells of 9×18 pixels: a 20×40 image takes 3×3 cells (at the default 10×20, 2×2).
    t.write(b"\x1b[6;18;9t\x1b[?62;22c");
    assert!(t.until(b"\x1b[?1049h", WAIT));
    std::thread::sleep(Duration::from_millis(300));
    t.write(b"\r");
    assert!(s.eventually(WAIT, || s.ok(&["capture", "-t", "im"]).contains("again")));
    let text = s.ok(&["capture", "-t", "im"]);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("[im"))
        .expect("placeholder");
    assert_eq!(lines[at], "[im", "{text}");
    assert_eq!(lines[at + 3], "again", "{text}");
}
