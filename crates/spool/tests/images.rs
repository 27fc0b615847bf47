//! Images from real producers (`img2sixel`, `chafa`, `timg`) in real panes: stored once by
//! content, placed where the program drew them, counted by `spool stats`, kept across a
//! restart with the history that shows them, and written out by `capture --images`. No row
//! keeps image data alive: ten thousand images leave the image RAM under its cap.

mod common;

use std::path::Path;
use std::time::Duration;

use common::{write_png, TestServer};

const WAIT: Duration = Duration::from_secs(30);

/// The producers come from Debian packages (libsixel-bin, chafa, timg); `.ci/run` installs
/// them.
fn need(tool: &str) {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(found, "{tool} is not installed (.ci/run installs it)");
}

fn capture(s: &TestServer, pane: &str) -> String {
    s.ok(&["capture", "-t", pane, "-S", "-"])
}

/// `capture --images OUT` of all of a pane's history and screen.
fn capture_images(s: &TestServer, pane: &str, out: &Path) {
    s.ok(&[
        "capture",
        "-t",
        pane,
        "-S",
        "-",
        "--images",
        out.to_str().unwrap(),
    ]);
}

fn image_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn images_from_img2sixel_chafa_timg_and_icat_are_stored_placed_and_counted() {
    // (kitty's icat reads images through ImageMagick's `identify` and `convert`.)
    for t in ["img2sixel", "chafa", "timg", "kitty", "identify"] {
        need(t);
    }
    let s = TestServer::new();
    let png = s.dir.path().join("p.png");
    write_png(&png, 64, 40, 3);
    let producers = [
        "img2sixel p.png",
        "chafa -f sixel -s 8x4 p.png",
        "chafa -f kitty -s 8x4 p.png",
        "chafa -f iterm -s 8x4 p.png",
        "timg -pk -g 8x4 p.png",
        "timg -pi -g 8x4 p.png",
        "kitty +kitten icat --align left --transfer-mode=stream p.png",
    ];
    let mut script = format!("cd {} && ", s.dir.path().display());
    for (i, p) in producers.iter().enumerate() {
        script.push_str(&format!("{p}; echo; echo mark-{i}; "));
    }
    script.push_str("sleep 600");
    let pane = s.pane("img", &["sh", "-c", &script]);
    let last = format!("mark-{}", producers.len() - 1);
    assert!(
        s.eventually(WAIT, || capture(&s, &pane).contains(&last)),
        "{}",
        capture(&s, &pane)
    );
    let text = capture(&s, &pane);
    // Each image starts right after the mark before it, at the left edge, with its
    // placeholder (as wide as the image's cells allow).
    let lines: Vec<&str> = text.lines().collect();
    for (i, producer) in producers.iter().enumerate() {
        let at = if i == 0 {
            0
        } else {
            lines
                .iter()
                .position(|l| *l == format!("mark-{}", i - 1))
                .unwrap()
                + 1
        };
        let line = lines[at..].iter().find(|l| !l.trim().is_empty()).unwrap();
        assert!(line.starts_with("[im"), "{producer}: {line:?} in\n{text}");
    }
    let st = s.stats();
    let im = &st["images"]["counts"];
    assert_eq!(im["placed"].as_u64(), Some(producers.len() as u64), "{im}");
    let dropped: u64 = ["too_long", "too_large", "invalid", "refused", "full"]
        .iter()
        .map(|k| im[k].as_u64().unwrap())
        .sum();
    assert_eq!(dropped, 0, "{im}");
    // Bytes on disk, once per content, private.
    let dir = s.dir.path().join("state/spool/sock/images");
    // Written by the parser thread once the batch that showed them is applied.
    assert!(s.eventually(WAIT, || image_files(&dir).len() >= 4));
    std::thread::sleep(Duration::from_millis(300));
    let files = image_files(&dir);
    assert!(files.len() >= 4, "{files:?}");
    for f in &files {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", f.display());
    }
    // `capture --images` writes each shown image once.
    let out = s.dir.path().join("out");
    capture_images(&s, &pane, &out);
    let written = image_files(&out);
    assert_eq!(written.len(), files.len(), "{written:?}");
    for f in &written {
        let b = std::fs::read(f).unwrap();
        assert!(b.starts_with(b"\x89PNG") || b.starts_with(b"II*\0") || b.starts_with(b"MM\0*"));
    }
}

#[test]
fn images_scrolled_into_history_come_back_after_a_crash() {
    need("img2sixel");
    let s = TestServer::new();
    let png = s.dir.path().join("p.png");
    write_png(&png, 200, 40, 9);
    let script = format!(
        "cd {} && img2sixel p.png; seq 1 300; echo printed; sleep 600",
        s.dir.path().display()
    );
    let pane = s.pane("keep", &["sh", "-c", &script]);
    assert!(s.eventually(WAIT, || capture(&s, &pane).contains("printed")));
    // Saved state and the history checkpoint are written every second.
    std::thread::sleep(Duration::from_millis(2500));
    s.kill9();
    s.ok(&["new", "-d", "-s", "probe", "--", "sleep", "60"]);
    let text = capture(&s, &pane);
    assert!(
        text.lines().any(|l| l.starts_with("[image 200×40]")),
        "{text}"
    );
    // The first collection after the restart runs before this capture: it keeps the file
    // that history shows.
    assert!(
        s.eventually(WAIT, || s.stats()["images"]["collections"].as_u64()
            >= Some(1))
    );
    let out = s.dir.path().join("out");
    capture_images(&s, &pane, &out);
    assert_eq!(image_files(&out).len(), 1);
}

/// Image files go with the last row that shows them: `clear-history` frees those only
/// history showed; the one on the screen and the one kitty remembers by id stay; a closed
/// history keeps its images until it is removed.
#[test]
fn image_files_are_deleted_once_no_kept_row_shows_them() {
    let s = TestServer::new();
    s.ok(&["new", "-d", "-s", "probe", "--", "sleep", "600"]);
    let script = s.dir.path().join("gen.py");
    std::fs::write(
        &script,
        "import base64,sys\n\
         out=sys.stdout.buffer\n\
         def img(i, keys=b'a=T'):\n\
         \x20   px=bytes((i*7+k)&255 for k in range(192))\n\
         \x20   out.write(b'\\x1b_G'+keys+b',f=24,s=8,v=8;'+base64.b64encode(px)+b'\\x1b\\\\')\n\
         for i in range(30):\n\
         \x20   img(i); out.write(b'\\r\\n')\n\
         for i in range(300):\n\
         \x20   out.write(b'line %d\\r\\n' % i)\n\
         img(100, b'a=t,i=77')\n\
         img(101); out.write(b'\\r\\nshown\\r\\n')\n\
         out.flush()\n",
    )
    .unwrap();
    let dir = s.dir.path().join("state/spool/sock/images");
    let cmd = format!("python3 {}; sleep 600", script.display());
    let pane = s.pane("gc", &["sh", "-c", &cmd]);
    assert!(s.eventually(WAIT, || capture(&s, &pane).contains("shown")));
    assert!(s.eventually(WAIT, || image_files(&dir).len() == 32));
    // Nothing is deleted while history shows them (another pane's clear-history runs a
    // collection).
    let before = s.stats()["images"]["collections"].as_u64().unwrap();
    s.ok(&["clear-history", "-t", "probe"]);
    assert!(
        s.eventually(WAIT, || s.stats()["images"]["collections"].as_u64()
            > Some(before))
    );
    assert_eq!(image_files(&dir).len(), 32);

    s.ok(&["clear-history", "-t", &pane]);
    assert!(
        s.eventually(WAIT, || image_files(&dir).len() == 2),
        "{:?}",
        image_files(&dir)
    );
    let st = s.stats();
    assert_eq!(
        st["images"]["deleted_files"].as_u64(),
        Some(30),
        "{}",
        st["images"]
    );
    assert_eq!(
        st["images"]["disk_files"].as_u64(),
        Some(2),
        "{}",
        st["images"]
    );
    // The screen's image is still there to fetch.
    let out = s.dir.path().join("out");
    capture_images(&s, &pane, &out);
    assert_eq!(image_files(&out).len(), 1);

    // A closed history keeps what it shows until it is removed.
    s.ok(&["kill-pane", "-t", &pane]);
    let before = s.stats()["images"]["collections"].as_u64().unwrap();
    s.ok(&["clear-history", "-t", "probe"]);
    assert!(
        s.eventually(WAIT, || s.stats()["images"]["collections"].as_u64()
            > Some(before))
    );
    // What only the emulator remembered went with it; what its history shows stays.
    assert_eq!(
        image_files(&dir).len(),
        1,
        "the closed history still shows one"
    );
    let list: serde_json::Value =
        serde_json::from_str(&s.ok(&["history", "ls", "--json"])).unwrap();
    let id = list
        .as_array()
        .unwrap()
        .iter()
        .find(|h| !h["live"].as_bool().unwrap())
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.ok(&["history", "rm", &id]);
    assert!(
        s.eventually(WAIT, || image_files(&dir).is_empty()),
        "{:?}",
        image_files(&dir)
    );
}

/// The leak wezterm has: rows keeping image data alive after the cache let it go. Here rows
/// hold ids only, so 10,000 distinct images leave the image account at or under its cap.
#[test]
fn ten_thousand_distinct_images_leave_the_image_ram_under_its_cap() {
    let s = TestServer::new();
    // 10,000 distinct 8×8 RGB images, kitty format 24, one per line.
    let script = s.dir.path().join("gen.py");
    std::fs::write(
        &script,
        "import base64,sys\n\
         out=sys.stdout.buffer\n\
         for i in range(10000):\n\
         \x20   px=bytes(((i>>(8*(k%3)))+k)&255 for k in range(192))\n\
         \x20   out.write(b'\\x1b_Ga=T,f=24,s=8,v=8;'+base64.b64encode(px)+b'\\x1b\\\\\\r\\n')\n\
         out.write(b'generated\\n')\n",
    )
    .unwrap();
    let cmd = format!("python3 {}; sleep 600", script.display());
    let pane = s.pane("many", &["sh", "-c", &cmd]);
    assert!(s.eventually(Duration::from_secs(120), || s
        .ok(&["capture", "-t", &pane])
        .contains("generated")));
    // The parser thread writes a batch's images after applying it: the last ones land just
    // after the screen shows the end.
    assert!(
        s.eventually(WAIT, || s.stats()["images"]["files_written"].as_u64()
            == Some(10_000))
    );
    let st = s.stats();
    assert_eq!(
        st["images"]["counts"]["placed"].as_u64(),
        Some(10_000),
        "{}",
        st["images"]
    );
    let cap = st["images"]["cache_capacity"].as_u64().unwrap();
    let gauge = |st: &serde_json::Value| common::gauge(st, "images");
    assert!(gauge(&st) <= cap, "{}", gauge(&st));
    // Reading them all back (the capture sends at most CAPTURE_IMAGES_MAX) goes through the
    // cache, which stays at or under its capacity.
    let out = s.dir.path().join("out");
    capture_images(&s, &pane, &out);
    assert_eq!(image_files(&out).len(), spool_proto::CAPTURE_IMAGES_MAX);
    let st = s.stats();
    assert!(gauge(&st) <= cap, "{}", gauge(&st));
    assert!(st["images"]["cache_bytes"].as_u64().unwrap() > 0);
}

/// Programs inside multiplexers show kitty images through Unicode placeholders: the pane
/// keeps the virtual placement's image, and the placeholder cells read as the image's rows.
#[test]
fn an_image_shown_through_unicode_placeholders_is_stored_and_captured() {
    let s = TestServer::new();
    let png = s.dir.path().join("p.png");
    write_png(&png, 40, 40, 7);
    let script = s.dir.path().join("gen.py");
    std::fs::write(
        &script,
        format!(
            "import base64,sys\n\
             out=sys.stdout\n\
             data=base64.b64encode(open('{}','rb').read()).decode()\n\
             out.write('\\x1b_Ga=T,U=1,i=5,c=4,r=2,f=100,q=2;'+data+'\\x1b\\\\')\n\
             out.write('mark\\n')\n\
             for r, m in enumerate(['\\u0305', '\\u030d']):\n\
             \x20   out.write('\\x1b[38;5;5m\\U0010eeee'+m+'\\u0305'+'\\U0010eeee'*3+'\\x1b[39m\\n')\n\
             out.write('done\\n')\n",
            png.display()
        ),
    )
    .unwrap();
    let cmd = format!("python3 {}; sleep 600", script.display());
    let pane = s.pane("ph", &["sh", "-c", &cmd]);
    assert!(s.eventually(WAIT, || capture(&s, &pane).contains("done")));
    let text = capture(&s, &pane);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| *l == "mark").unwrap() + 1;
    assert_eq!(&lines[at..at + 3], &["[ima", "    ", "done"], "{text}");
    assert!(!text.contains('\u{10EEEE}'));
    let out = s.dir.path().join("out");
    capture_images(&s, &pane, &out);
    let files = image_files(&out);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(
        std::fs::read(&files[0]).unwrap(),
        std::fs::read(&png).unwrap()
    );
}
