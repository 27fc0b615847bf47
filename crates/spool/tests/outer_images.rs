//! Images through `spool attach` to an outer terminal played by the test on a PTY (it answers
//! the client's probe and reads what the client draws): with kitty graphics, an image a
//! program shows in a pane is sent once and placed on its cells, row by row, follows its pane
//! through splits, zoom and a reattach, and is taken down once scrolled off; with sixel
//! (decoded by spool's own emulator) it is drawn on its cells, erased once scrolled off and
//! drawn again in scroll mode; a TIFF reaches kitty as PNG; a terminal without graphics gets
//! the placeholder text only.

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

/// Attach, give the probe `answer`, and type Enter to the pane once the client has drawn.
fn attach_answering(s: &TestServer, answer: &[u8]) -> Pty {
    let mut t = attach(s);
    t.write(answer);
    assert!(t.until(b"\x1b[?1049h", WAIT));
    std::thread::sleep(Duration::from_millis(300));
    t.write(b"\r");
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
    // Cells of 9×18 pixels: a 20×40 image takes 3×3 cells (at the default 10×20, 2×2).
    let _t = attach_answering(&s, b"\x1b[6;18;9t\x1b[?62;22c");
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

/// A terminal that answers none of the probe and is not typed to, but gives its PTY its size
/// in pixels: once the client stops waiting for the probe's answer, programs in panes are told
/// its cells (before, the wait ended only when input came, and they never were).
#[test]
fn a_terminal_that_never_answers_the_probe_still_gives_panes_its_cell_size() {
    let s = TestServer::new();
    let watch = s.dir.path().join("watch.py");
    std::fs::write(
        &watch,
        "import fcntl,struct,termios,time\n\
         last=None\n\
         while True:\n\
         \x20   r,c,xp,yp=struct.unpack('4H',fcntl.ioctl(1,termios.TIOCGWINSZ,bytes(8)))\n\
         \x20   now=(xp//c,yp//r)\n\
         \x20   if now!=last: print('cell %dx%d' % now, flush=True); last=now\n\
         \x20   time.sleep(0.1)\n",
    )
    .unwrap();
    s.ok(&[
        "new",
        "-d",
        "-s",
        "im",
        "--",
        "python3",
        &watch.to_string_lossy(),
    ]);
    assert!(s.eventually(WAIT, || s
        .ok(&["capture", "-t", "im"])
        .contains("cell 10x20")));
    let mut c = s.cmd();
    c.args(["attach", "-t", "im"]).env("TERM", "xterm-256color");
    let mut t = Pty::spawn_with_pixels(&mut c, 80, 24, (9, 18));
    // Read what the client draws (so it never blocks on a full PTY); write nothing.
    let told = s.eventually(WAIT, || {
        t.read_some();
        s.ok(&["capture", "-t", "im"]).contains("cell 9x18")
    });
    assert!(told, "{}", s.ok(&["capture", "-t", "im"]));
}

/// What an outer terminal that decodes sixel shows after `bytes`: spool's own emulator, told
/// the cell size the test's terminal reported, returns the sixel images it was drawn and
/// which cells each covers.
struct Shown {
    term: spool_term::Terminal<spool_term::NoHistory>,
    /// (first id, cols, rows, PNG bytes) of each sixel drawn, in order.
    images: Vec<(u32, u16, u16, Vec<u8>)>,
}

impl Shown {
    fn new() -> Shown {
        let mut term = spool_term::Terminal::new(80, 24, spool_term::NoHistory);
        term.set_cell_pixels(10, 20);
        Shown {
            term,
            images: Vec::new(),
        }
    }

    fn feed(&mut self, bytes: &[u8]) {
        self.term.feed(bytes);
        let mut png = None;
        for e in self.term.take_images() {
            match e {
                spool_term::ImageEvent::Stored(d) => png = Some(d.bytes),
                spool_term::ImageEvent::Placed(p) => {
                    self.images
                        .push((p.first_id, p.cols, p.rows, png.take().unwrap_or_default()));
                }
            }
        }
    }

    /// The cells that show an image now: (x, y, id).
    fn image_cells(&self) -> Vec<(usize, usize, u32)> {
        let mut out = Vec::new();
        for y in 0..24 {
            for x in 0..80 {
                let id = self.term.style(self.term.cell(x, y).style).image;
                if id != 0 {
                    out.push((x, y, id));
                }
            }
        }
        out
    }
}

fn rgb_at(png: &[u8], x: u32, y: u32) -> [u8; 3] {
    let mut d = png::Decoder::new(std::io::Cursor::new(png));
    d.set_transformations(png::Transformations::EXPAND);
    let mut r = d.read_info().unwrap();
    let mut buf = vec![0; r.output_buffer_size()];
    let info = r.next_frame(&mut buf).unwrap();
    let ch = info.color_type.samples();
    let i = ((y * info.width + x) as usize) * ch;
    [buf[i], buf[i + 1], buf[i + 2]]
}

/// The outer terminal reports sixel in DA1 and no kitty graphics: the client re-encodes the
/// image's visible block as sixel on its cells, erases it when it scrolls off, and draws it
/// again on the history rows scroll mode shows.
#[test]
fn a_sixel_terminal_is_drawn_the_image_on_its_cells_and_it_is_gone_after_scrolling_off() {
    let s = TestServer::new();
    // 20×40 px, kitty format 24: the top half red, the bottom half blue (2×2 cells at 10×20).
    let gen = s.dir.path().join("gen.py");
    std::fs::write(
        &gen,
        "import base64,sys\n\
         px=b''.join(bytes([255,0,0] if y<20 else [0,0,255])*20 for y in range(40))\n\
         sys.stdout.write('\\x1b_Ga=T,f=24,s=20,v=40;'+base64.b64encode(px).decode()+'\\x1b\\\\')\n",
    )
    .unwrap();
    let script = format!(
        "read x; python3 {}; printf '\\nshown\\n'; read x; seq 1 60; exec sleep 600",
        gen.display()
    );
    s.ok(&[
        "new", "-d", "-s", "im", "-x", "80", "-y", "24", "--", "sh", "-c", &script,
    ]);
    // No answer to the graphics query; cells of 10×20 pixels; DA1 with sixel (4).
    let mut t = attach_answering(&s, b"\x1b[6;20;10t\x1b[?62;4;22c");
    assert!(t.until(b"\x1bP", WAIT), "no sixel drawn");
    assert!(t.until(b"\x1b[?8452l", WAIT));
    let mut shown = Shown::new();
    shown.feed(&t.seen);
    assert_eq!(shown.images.len(), 1, "drawn once");
    let (first, cols, rows, png) = shown.images[0].clone();
    assert_eq!((cols, rows), (2, 2), "on the image's 2×2 cells");
    assert_eq!(rgb_at(&png, 5, 5), [255, 0, 0], "its top is red");
    assert_eq!(rgb_at(&png, 5, 30), [0, 0, 255], "its bottom is blue");
    // Where the program drew it: the row its placeholder is on (after the echoed Enter).
    let text = s.ok(&["capture", "-t", "im"]);
    let y = text
        .lines()
        .position(|l| l.starts_with("[i"))
        .expect("placeholder");
    assert_eq!(
        shown.image_cells(),
        vec![
            (0, y, first),
            (1, y, first),
            (0, y + 1, first + 1),
            (1, y + 1, first + 1)
        ],
        "on the cells the program drew it on:\n{text}"
    );
    assert!(find(&t.seen, b"\x1b_Ga=").is_none(), "no kitty graphics");

    // Scrolled off: erased from the outer terminal.
    let at = t.seen.len();
    t.write(b"\r");
    assert!(s.eventually(WAIT, || s.ok(&["capture", "-t", "im"]).contains("\n60")));
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline && !shown.image_cells().is_empty() {
        t.read_some();
        shown.feed(&t.seen[at..]);
        t.seen.truncate(at);
    }
    assert!(
        shown.image_cells().is_empty(),
        "still shown after scrolling off"
    );

    // Scroll mode, at the top of history: drawn again over its history rows.
    let drawn = shown.images.len();
    let at = t.seen.len();
    t.write(b"\x02[g");
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline && shown.images.len() == drawn {
        t.read_some();
        shown.feed(&t.seen[at..]);
        t.seen.truncate(at);
    }
    assert_eq!(shown.images.len(), drawn + 1, "not drawn in scroll mode");
    let cells = shown.image_cells();
    assert_eq!(cells.len(), 4, "{cells:?}");
}

/// Kitty graphics takes PNG: an image a pane got in another format (chafa's iTerm2 output is
/// TIFF) is decoded by the client and sent as PNG.
#[test]
fn a_tiff_from_chafa_reaches_a_kitty_terminal_as_png() {
    let s = TestServer::new();
    let png = s.dir.path().join("p.png");
    common::write_png(&png, 40, 40, 3);
    let script = format!(
        "read x; chafa -f iterm -s 4x2 {}; printf '\\nshown\\n'; exec sleep 600",
        png.display()
    );
    s.ok(&[
        "new", "-d", "-s", "im", "-x", "80", "-y", "24", "--", "sh", "-c", &script,
    ]);
    let mut t = attach_answering(&s, b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c");
    assert!(s.eventually(WAIT, || s.ok(&["capture", "-t", "im"]).contains("shown")));
    let out = s.dir.path().join("out");
    s.ok(&["capture", "-t", "im", "--images", &out.to_string_lossy()]);
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| n.ends_with(".tiff")), "{names:?}");
    assert!(t.until(b"\x1b_Ga=t,f=100,i=1,q=2", WAIT), "not sent");
    assert!(t.until(b"a=p,i=1,", WAIT), "not placed");
    // The payload is a PNG: base64 of "\x89PNG" starts "iVBOR".
    let at = find(&t.seen, b"\x1b_Ga=t,f=100,i=1,q=2").unwrap();
    let body = &t.seen[at..];
    let semi = body.iter().position(|&b| b == b';').unwrap();
    assert!(body[semi + 1..].starts_with(b"iVBOR"), "not PNG");
}

/// The kitty placement of the newest frame: its (row, col) and source rectangle height.
fn last_places(seen: &[u8]) -> Vec<String> {
    let last_down = rfind(seen, b"a=d,d=a").unwrap_or(0);
    let after = &seen[last_down..];
    let text = String::from_utf8_lossy(after);
    text.match_indices("\x1b_Ga=p,")
        .map(|(i, _)| {
            // The cursor position written just before the placement.
            let head = &text[..i];
            let at = head.rfind("\x1b[").unwrap_or(0);
            head[at..].to_string()
        })
        .collect()
}

/// Splits, rotation, zoom and a detach and reattach: the image follows its pane's cells, and
/// a new client is sent it again.
#[test]
fn an_image_follows_its_pane_through_splits_zoom_and_a_reattach() {
    let s = TestServer::new();
    session(&s);
    let mut t = attach(&s);
    t.write(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c");
    assert!(
        t.until(b"\x1b[1;1H\x1b_Ga=p,i=1,", WAIT),
        "not placed at first"
    );
    let settle = |t: &mut Pty| {
        let (mut len, mut quiet) = (t.seen.len(), Instant::now());
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline && quiet.elapsed() < Duration::from_millis(500) {
            t.read_some();
            if t.seen.len() != len {
                (len, quiet) = (t.seen.len(), Instant::now());
            }
        }
    };
    let panes: serde_json::Value =
        serde_json::from_str(&s.ok(&["panes", "-t", "im", "--json"])).unwrap();
    let first = panes.as_array().unwrap()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // A pane beside it, then rotated: the image's pane is now the right half.
    s.ok(&["split", "-t", "im", "-h", "--", "sleep", "600"]);
    s.ok(&["rotate-window", "-t", "im:0"]);
    settle(&mut t);
    let places = last_places(&t.seen);
    assert_eq!(
        places,
        vec!["\x1b[1;42H", "\x1b[2;42H"],
        "after the rotation"
    );
    // Zoomed: the whole window again, from column 1.
    s.ok(&["resize", "-t", &first, "-Z"]);
    settle(&mut t);
    assert_eq!(
        last_places(&t.seen),
        vec!["\x1b[1;1H", "\x1b[2;1H"],
        "zoomed"
    );
    // Detached and attached again: a new client is sent the image again, and places it.
    t.write(b"\x02d");
    settle(&mut t);
    drop(t);
    let mut t = attach(&s);
    t.write(b"\x1b_Gi=31;OK\x1b\\\x1b[?62;22c");
    assert!(
        t.until(b"\x1b_Ga=t,f=100,i=1,", WAIT),
        "not sent to the new client"
    );
    assert!(
        t.until(b"\x1b[1;1H\x1b_Ga=p,i=1,", WAIT),
        "not placed for the new client"
    );
}
