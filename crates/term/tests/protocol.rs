//! Replies to queries, mode tracking and OSC state, checked as (input, expected) data.

use spool_store::{Attrs, Color, RowFlags, Underline};
use spool_term::{CursorShape, MouseEncoding, MouseMode, Terminal};

fn term() -> Terminal {
    Terminal::new(20, 5, Vec::new())
}

/// (input, exact reply bytes)
const REPLIES: &[(&str, &str)] = &[
    ("\x1b[c", "\x1b[?62;4;22c"),
    ("\x1b[0c", "\x1b[?62;4;22c"),
    ("\x1b[>c", "\x1b[>1;10;0c"),
    ("\x1b[5n", "\x1b[0n"),
    ("\x1b[3;7H\x1b[6n", "\x1b[3;7R"),
    ("\x1b[2;4r\x1b[?6h\x1b[2;2H\x1b[6n", "\x1b[2;2R"),
    ("\x1b[?6n", "\x1b[?1;1R"),
    ("\x1b[4h\x1b[4$p\x1b[20$p", "\x1b[4;1$y\x1b[20;2$y"),
    (
        "\x1b[?1h\x1b[?1$p\x1b[?7$p\x1b[?9999$p",
        "\x1b[?1;1$y\x1b[?7;1$y\x1b[?9999;0$y",
    ),
    (
        "\x1b[>q",
        concat!("\x1bP>|spool(", env!("CARGO_PKG_VERSION"), ")\x1b\\"),
    ),
    (
        "\x1b[1;31;48:2::1:2:3m\x1bP$qm\x1b\\",
        "\x1bP1$r0;1;31;48:2::1:2:3m\x1b\\",
    ),
    ("\x1b[2;4r\x1bP$qr\x1b\\", "\x1bP1$r2;4r\x1b\\"),
    ("\x1b[5 q\x1bP$q q\x1b\\", "\x1bP1$r5 q\x1b\\"),
    ("\x1bP$qx\x1b\\", "\x1bP0$r\x1b\\"),
    ("\x1bP+q544e\x1b\\", "\x1bP0+r\x1b\\"),
    ("\x1b]4;1;?\x07", "\x1b]4;1;rgb:cdcd/0000/0000\x07"),
    (
        "\x1b]4;1;#102030\x1b\\\x1b]4;1;?\x1b\\",
        "\x1b]4;1;rgb:1010/2020/3030\x1b\\",
    ),
    ("\x1b]10;?\x07", "\x1b]10;rgb:e5e5/e5e5/e5e5\x07"),
    (
        "\x1b]11;rgb:12/34/56\x07\x1b]11;?\x07",
        "\x1b]11;rgb:1212/3434/5656\x07",
    ),
    (
        "\x1b]11;#ffffff\x07\x1b]111\x07\x1b]11;?\x07",
        "\x1b]11;rgb:0000/0000/0000\x07",
    ),
    (
        "\x1b]10;?;?\x07",
        "\x1b]10;rgb:e5e5/e5e5/e5e5\x07\x1b]11;rgb:0000/0000/0000\x07",
    ),
    (
        "\x1b]4;2;#ffffff\x07\x1b]104;2\x07\x1b]4;2;?\x07",
        "\x1b]4;2;rgb:0000/cdcd/0000\x07",
    ),
    ("\x1b[?u", "\x1b[?0u"),
    ("\x1b[>5u\x1b[?u", "\x1b[?5u"),
    ("\x1b[>5u\x1b[>1u\x1b[<u\x1b[?u", "\x1b[?5u"),
    ("\x1b[=3;1u\x1b[=8;2u\x1b[=1;3u\x1b[?u", "\x1b[?10u"),
];

#[test]
fn replies() {
    let mut failures = Vec::new();
    for (input, want) in REPLIES {
        let mut t = term();
        t.feed(input.as_bytes());
        let got = t.take_replies();
        if got != want.as_bytes() {
            failures.push(format!(
                "{input:?}: want {want:?} got {:?}",
                String::from_utf8_lossy(&got)
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn modes() {
    let mut t = term();
    assert!(t.modes().autowrap && t.modes().cursor_visible);
    t.feed(b"\x1b[?1h\x1b=\x1b[?2004h\x1b[?1004h\x1b[?1002h\x1b[?1006h\x1b[?25l\x1b[3 q");
    let m = t.modes();
    assert!(m.cursor_keys && m.keypad_app && m.bracketed_paste && m.focus && !m.cursor_visible);
    assert_eq!(m.mouse, MouseMode::Button);
    assert_eq!(m.mouse_encoding, MouseEncoding::Sgr);
    assert_eq!(m.cursor_shape, CursorShape::BlinkingUnderline);
    t.feed(b"\x1b[?1003h");
    assert_eq!(t.modes().mouse, MouseMode::Any);
    t.feed(b"\x1b[?1003l\x1b[?1015h\x1b>\x1b[?9h");
    assert_eq!(t.modes().mouse, MouseMode::X10);
    assert_eq!(t.modes().mouse_encoding, MouseEncoding::Urxvt);
    assert!(!t.modes().keypad_app);
    t.feed(b"\x1b[?1000h");
    assert_eq!(t.modes().mouse, MouseMode::Normal);
    // Kitty flags are per screen.
    t.feed(b"\x1b[>3u\x1b[?1049h\x1b[?u");
    assert_eq!(t.take_replies(), b"\x1b[?0u");
    t.feed(b"\x1b[?1049l\x1b[?u");
    assert_eq!(t.take_replies(), b"\x1b[?3u");
}

#[test]
fn sgr_styles() {
    let mut t = term();
    t.feed(b"\x1b[1;2;3;4:3;5;7;8;9;53;38;5;100;48;2;1;2;3;58:2::9:8:7mA\x1b[0mB\x1b[21;91;104mC\x1b[22;24;39;49mD");
    let a = t.style(t.cell(0, 0).style);
    assert!(a.attrs.contains(
        Attrs::BOLD
            | Attrs::DIM
            | Attrs::ITALIC
            | Attrs::BLINK
            | Attrs::INVERSE
            | Attrs::HIDDEN
            | Attrs::STRIKE
            | Attrs::OVERLINE
    ));
    assert_eq!(a.underline, Underline::Curly);
    assert_eq!(a.fg, Color::Indexed(100));
    assert_eq!(a.bg, Color::Rgb(1, 2, 3));
    assert_eq!(a.underline_color, Color::Rgb(9, 8, 7));
    assert!(t.style(t.cell(1, 0).style).is_default());
    let c = t.style(t.cell(2, 0).style);
    assert_eq!(
        (c.fg, c.bg, c.underline),
        (Color::Indexed(9), Color::Indexed(12), Underline::Double)
    );
    let d = t.style(t.cell(3, 0).style);
    assert!(d.is_default());
    // Colon forms with and without the color-space id.
    t.feed(b"\r\x1b[38:2:10:20:30mE\x1b[38:2:0:1:2:3mF\x1b[38:5:7mG");
    assert_eq!(t.style(t.cell(0, 0).style).fg, Color::Rgb(10, 20, 30));
    assert_eq!(t.style(t.cell(1, 0).style).fg, Color::Rgb(1, 2, 3));
    assert_eq!(t.style(t.cell(2, 0).style).fg, Color::Indexed(7));
}

#[test]
fn bce_erase_uses_background() {
    let mut t = term();
    t.feed(b"\x1b[44m\x1b[2J\x1b[0m");
    let s = t.style(t.cell(5, 3).style);
    assert_eq!(s.bg, Color::Indexed(4));
    assert_eq!(s.fg, Color::Default);
}

#[test]
fn titles_cwd_links_clipboard_marks() {
    let mut t = term();
    t.feed(b"\x1b]0;both\x07\x1b]2;title only\x1b\\\x1b]7;file://host/tmp\x07");
    assert_eq!(t.title(), "title only");
    assert_eq!(t.icon_title(), "both");
    assert_eq!(t.cwd(), "file://host/tmp");
    t.feed(b"\x1b]8;id=x;https://example.com/a;b\x07link\x1b]8;;\x07 no");
    let id = t.style(t.cell(0, 0).style).link;
    assert!(id != 0);
    assert_eq!(t.link_uri(id), Some("https://example.com/a;b"));
    assert_eq!(t.style(t.cell(5, 0).style).link, 0);
    t.feed(b"\x1b]52;c;aGVsbG8=\x07\x1b]52;c;?\x07");
    let clip = t.take_clipboard();
    assert_eq!(clip.len(), 1);
    assert_eq!(clip[0].selection, "c");
    assert_eq!(clip[0].base64, b"aGVsbG8=");
    assert!(
        t.take_replies().is_empty(),
        "clipboard reads are not answered"
    );
    t.feed(b"\r\n\x1b]133;A\x07$ \x1b]133;B\x07ls\r\n\x1b]133;C\x07out\r\n\x1b]133;D;0\x07");
    assert!(t
        .line(1)
        .flags
        .contains(RowFlags(RowFlags::PROMPT.0 | RowFlags::COMMAND.0)));
    assert!(t.line(2).flags.contains(RowFlags::OUTPUT));
    assert!(t.line(3).flags.contains(RowFlags::COMMAND_END));
}

#[test]
fn terminal_is_send() {
    fn assert_send<T: Send>() {}
    assert_send::<Terminal<Vec<spool_store::Row>>>();
    assert_send::<Terminal<spool_store::Store>>();
}

/// `DCS tmux; … ST` wraps a sequence for the terminal outside tmux; a pane must not apply it
/// (tmux consumes it with `allow-passthrough` off). vte alone ends the DCS at the first inner
/// ESC and then runs the wrapped OSC.
#[test]
fn tmux_passthrough_is_consumed_whole_even_across_feeds() {
    let seq: &[u8] = b"a\x1bPtmux;\x1b\x1b]2;PWNED\x07\x1b\x1b]52;c;eA==\x07\x1b\x1b[2J\x1b\\b";
    for cut in 0..seq.len() {
        let mut t = term();
        t.feed(&seq[..cut]);
        t.feed(&seq[cut..]);
        assert_eq!(t.title(), "", "cut at {cut}");
        assert!(t.take_clipboard().is_empty(), "cut at {cut}");
        assert_eq!(t.row_text(0), "ab", "cut at {cut}");
    }
    // An inner ST is doubled too; what follows the real end is parsed again.
    let mut t = term();
    t.feed(b"\x1bPtmux;\x1b\x1b]0;X\x1b\x1b\\\x1b\\\x1b]2;ok\x07");
    assert_eq!(t.title(), "ok");
    // Another DCS starting with `t` is not a passthrough.
    let mut t = term();
    t.feed(b"\x1bPtest\x1b\\z");
    assert_eq!(t.row_text(0), "z");
}

/// What `dump` writes makes a fresh emulator show the same: both screens, styles, wrapped
/// rows, the cursor, modes and the title (what `spool upgrade` hands to the new server).
#[test]
fn a_dumped_screen_is_the_same_screen_again() {
    let mut t = Terminal::new(20, 5, Vec::new());
    t.feed(b"\x1b]2;the title\x07\x1b[1;31mred\x1b[0m plain\r\n");
    t.feed(b"0123456789abcdefghijKLMNO\r\n\xe6\x97\xa5\xe6\x9c\xac");
    t.feed(b"\x1b[?1h\x1b[?2004h\x1b[?1000h\x1b[?1006h\x1b[5 q");
    let check = |a: &Terminal, b: &Terminal| {
        assert_eq!(a.screen_text(), b.screen_text());
        for y in 0..a.rows() {
            assert_eq!(a.row(y), b.row(y), "row {y}");
        }
        assert_eq!(a.cursor().x, b.cursor().x);
        assert_eq!(a.cursor().y, b.cursor().y);
        assert_eq!(a.modes().cursor_keys, b.modes().cursor_keys);
        assert_eq!(a.modes().bracketed_paste, b.modes().bracketed_paste);
        assert_eq!(a.modes().mouse, b.modes().mouse);
        assert_eq!(a.modes().mouse_encoding, b.modes().mouse_encoding);
        assert_eq!(a.modes().cursor_shape, b.modes().cursor_shape);
        assert_eq!(a.title(), b.title());
        assert_eq!(a.alt_screen(), b.alt_screen());
    };
    let mut u = Terminal::new(20, 5, Vec::new());
    u.feed(&t.dump());
    check(&t, &u);
    assert!(u.line(1).wrapped());
    // In the alternate screen, with the primary behind it.
    t.feed(b"\x1b[?1049h\x1b[2;3Hin alt");
    let mut v = Terminal::new(20, 5, Vec::new());
    v.feed(&t.dump());
    check(&t, &v);
    t.feed(b"\x1b[?1049l");
    v.feed(b"\x1b[?1049l");
    check(&t, &v);
    // A scroll region with origin mode: the cursor is where it was, not `top` rows lower.
    t.feed(b"\x1b[2;4r\x1b[?6h\x1b[2;5H");
    let mut w = Terminal::new(20, 5, Vec::new());
    w.feed(&t.dump());
    check(&t, &w);
    assert_eq!(w.cursor().y, 2);
}
