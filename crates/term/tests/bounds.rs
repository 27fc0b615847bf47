//! Every table, queue and string that grows with pane output has a bound; these tests hit
//! each one and check memory stays within `memory_bound`.

use spool_term::*;

fn check_mem<S: HistorySink>(t: &Terminal<S>) {
    let m = t.memory_bytes();
    let b = memory_bound(t.cols(), t.rows());
    assert!(m <= b, "memory {m} over bound {b}");
}

#[test]
fn style_table_overflow_reclaims_and_stays_bounded() {
    let mut t = Terminal::new(80, 24, NoHistory);
    for i in 0..(3 * STYLE_MAX as u32) {
        let s = format!("\x1b[38;2;{};{};{}mx", i >> 16, (i >> 8) & 255, i & 255);
        t.feed(s.as_bytes());
    }
    check_mem(&t);
    // The screen still shows the latest styles correctly.
    let last = 3 * STYLE_MAX as u32 - 1;
    let c = t.cursor();
    let (x, y) = if c.pending_wrap {
        (c.x, c.y)
    } else {
        (c.x - 1, c.y)
    };
    let s = t.style(t.cell(x, y).style);
    assert_eq!(
        s.fg,
        spool_store::Color::Rgb((last >> 16) as u8, (last >> 8) as u8, last as u8)
    );
}

#[test]
fn style_table_full_of_live_styles_falls_back() {
    // 100×50 = 5000 cells, each its own style: more than STYLE_MAX live styles.
    let mut t = Terminal::new(100, 50, NoHistory);
    let mut s = String::new();
    for i in 0..5000u32 {
        s.push_str(&format!("\x1b[38;2;{};{};1mx", i >> 8, i & 255));
    }
    t.feed(s.as_bytes());
    check_mem(&t);
    assert_eq!(t.row_text(49).len(), 100);
}

#[test]
fn cluster_table_overflow() {
    let mut t = Terminal::new(100, 50, NoHistory);
    let mut s = String::new();
    for i in 0..(2 * CLUSTER_MAX as u32) {
        let base = char::from_u32(0x4e00 + i).unwrap();
        s.push(base);
        s.push('\u{301}');
    }
    t.feed(s.as_bytes());
    check_mem(&t);
    // Zalgo: a cluster cannot exceed CLUSTER_MAX_BYTES.
    t.feed(format!("\r\ne{}", "\u{301}".repeat(1000)).as_bytes());
    let y = t.cursor().y;
    assert!(t.row_text(y).len() <= CLUSTER_MAX_BYTES);
}

#[test]
fn oversized_osc_is_dropped_whole() {
    let mut t = Terminal::new(20, 2, NoHistory);
    let mut s = b"\x1b]52;c;".to_vec();
    s.extend(std::iter::repeat_n(b'A', 2 * OSC_MAX));
    s.extend_from_slice(b"\x07after");
    t.feed(&s);
    assert!(t.take_clipboard().is_empty());
    assert_eq!(t.row_text(0), "after");
    // A clipboard write under the cap is kept.
    let mut s = b"\x1b]52;c;".to_vec();
    s.extend(std::iter::repeat_n(b'A', OSC_MAX / 2));
    s.push(0x07);
    t.feed(&s);
    assert_eq!(t.take_clipboard()[0].base64.len(), OSC_MAX / 2);
    check_mem(&t);
}

#[test]
fn clipboard_queue_bounded() {
    let mut t = Terminal::new(20, 2, NoHistory);
    for _ in 0..100 {
        t.feed(b"\x1b]52;c;QUFB\x07");
    }
    assert_eq!(t.take_clipboard().len(), CLIPBOARD_MAX);
}

#[test]
fn reply_queue_bounded() {
    let mut t = Terminal::new(20, 2, NoHistory);
    for _ in 0..10_000 {
        t.feed(b"\x1b[c");
    }
    assert!(t.pending_replies().len() <= REPLY_MAX);
    let r = t.take_replies();
    assert_eq!(r.len() % b"\x1b[?62;4;22c".len(), 0, "no torn replies");
}

/// An unterminated sixel costs at most its capped canvas, an unterminated kitty image at most
/// its capped payload, and any other DCS nothing; each is let go when the string ends.
#[test]
fn unterminated_dcs_sixel_and_apc_cost_at_most_their_caps() {
    let mut t = Terminal::new(20, 2, NoHistory);
    let before = t.memory_bytes();
    let mut s = b"\x1bPq".to_vec();
    s.extend(std::iter::repeat_n(b'~', 4 << 20));
    t.feed(&s);
    assert!(
        t.memory_bytes() <= before + 4096,
        "a sixel past the side cap is dropped"
    );
    let mut s = b"\x1b_Ga=T;".to_vec();
    s.extend(std::iter::repeat_n(b'A', 4 << 20));
    t.feed(&s);
    assert!(t.memory_bytes() <= before + SEQUENCE_MAX_BYTES + 4096);
    let mut s = b"\x1bP$q".to_vec();
    s.extend(std::iter::repeat_n(b'm', 4 << 20));
    t.feed(&s);
    t.feed(b"\x1b\\ok");
    assert_eq!(t.take_replies(), b"\x1bP0$r\x1b\\");
    assert_eq!(t.row_text(0), "ok");
    assert!(t.memory_bytes() <= before + DCS_MAX * 2);
}

#[test]
fn hyperlink_table_bounded() {
    let mut t = Terminal::new(40, 10, NoHistory);
    for i in 0..(3 * LINK_MAX) {
        t.feed(format!("\x1b]8;;https://e.com/{i}\x07x\x1b]8;;\x07").as_bytes());
    }
    check_mem(&t);
    let long = "u".repeat(LINK_URI_MAX + 1);
    t.feed(format!("\x1b]8;;{long}\x07y").as_bytes());
    let c = t.cursor();
    assert_eq!(t.style(t.cell(c.x - 1, c.y).style).link, 0);
}

#[test]
fn titles_and_kitty_stack_bounded() {
    let mut t = Terminal::new(20, 2, NoHistory);
    t.feed(format!("\x1b]2;{}\x07", "t".repeat(10 * TITLE_MAX)).as_bytes());
    assert_eq!(t.title().len(), TITLE_MAX);
    for _ in 0..100 {
        t.feed(b"\x1b[>1u");
    }
    assert_eq!(t.modes().kitty[0].depth(), KITTY_STACK_MAX);
}

#[test]
fn huge_sizes_are_clamped() {
    let t = Terminal::new(1_000_000, 1_000_000, NoHistory);
    assert_eq!((t.cols(), t.rows()), (MAX_COLS, MAX_ROWS));
    let t = Terminal::new(0, 0, NoHistory);
    assert_eq!((t.cols(), t.rows()), (1, 1));
}

#[test]
fn large_counts_do_not_hang() {
    let mut t = Terminal::new(80, 24, NoHistory);
    t.feed(b"x\x1b[65535b\x1b[65535S\x1b[65535T\x1b[65535L\x1b[65535M\x1b[65535@\x1b[65535P\x1b[65535X\x1b[65535I\x1b[65535Z");
    check_mem(&t);
}

/// One truecolor style per cell on a screen with more cells than `STYLE_MAX`: the style
/// table stays full of live styles, and a collection must not rescan the screen for every new
/// style (that took ingest to 0.87 MB/s). Each style printed pays for at most
/// `GC_WORK_RATIO` cells scanned.
#[test]
fn interning_stays_amortized_constant_when_every_cell_has_its_own_style() {
    let (cols, rows) = (200usize, 50usize);
    let mut t = Terminal::new(cols, rows, NoHistory);
    let mut s = String::new();
    let printed = 20 * cols * rows;
    for i in 0..printed as u32 {
        s.push_str(&format!(
            "\x1b[38;2;{};{};{}mx",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        ));
        if s.len() > 64 * 1024 {
            t.feed(s.as_bytes());
            s.clear();
        }
    }
    t.feed(s.as_bytes());
    let budget = GC_WORK_RATIO * printed as u64 + 2 * (cols * rows) as u64;
    assert!(
        t.gc_cells_scanned() <= budget,
        "{} cells scanned for {printed} styles (budget {budget})",
        t.gc_cells_scanned()
    );
    check_mem(&t);
}

/// A pane that printed thousands of colors and went quiet holds a style table of what its
/// screen shows, not of the most it ever showed; what it shows keeps its colors.
#[test]
fn a_quiet_terminal_gives_back_the_style_table_it_no_longer_needs() {
    let mut t = Terminal::new(80, 24, NoHistory);
    let mut s = String::new();
    for i in 0..(3 * STYLE_MAX as u32) {
        s.push_str(&format!(
            "\x1b[38;2;{};{};{}mx",
            i >> 16,
            (i >> 8) & 255,
            i & 255
        ));
        if i % 40 == 39 {
            s.push_str("\r\n");
        }
    }
    // The colors scroll away under plain lines; the last line is red.
    for _ in 0..30 {
        s.push_str("\x1b[0mplain\r\n");
    }
    s.push_str("\x1b[31mred\x1b[0m");
    t.feed(s.as_bytes());
    let busy = t.memory_bytes();
    t.trim();
    let quiet = t.memory_bytes();
    let fresh = Terminal::new(80, 24, NoHistory).memory_bytes();
    assert!(
        quiet < fresh + 16 * 1024,
        "quiet: {quiet} bytes, a fresh terminal {fresh} (busy: {busy})"
    );
    assert_eq!(
        t.style(t.cell(0, t.cursor().y).style).fg,
        spool_store::Color::Indexed(1)
    );
    check_mem(&t);
}
