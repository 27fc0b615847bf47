//! History: rows leaving the top of the primary screen reach the sink with their soft-wrap
//! flag, styles (runs in bytes) and prompt marks; the alternate screen and scroll regions
//! not at the top produce none; ED 3 clears; resize reflows the primary screen.

use spool_store::{Color, Row, RowFlags};
use spool_term::Terminal;
use spool_term::EDGE_MAX_ROWS;

fn texts(rows: &[Row]) -> Vec<&str> {
    rows.iter().map(|r| r.text.as_str()).collect()
}

#[test]
fn scrolled_rows_with_wrap_flags() {
    let mut t = Terminal::new(4, 2, Vec::new());
    t.feed(b"abcdefgh\r\nij\r\nkl");
    assert_eq!(texts(t.sink()), ["abcd", "efgh"]);
    assert!(t.sink()[0].wrapped());
    assert!(!t.sink()[1].wrapped());
    assert_eq!(t.row_text(0), "ij");
}

#[test]
fn runs_are_bytes_and_wide_chars_appear_once() {
    let mut t = Terminal::new(10, 1, Vec::new());
    t.feed("a\x1b[31m日é\x1b[0mb  \r\n".as_bytes());
    let row = &t.sink()[0];
    assert_eq!(row.text, "a日éb");
    assert_eq!(row.runs.len(), 2);
    assert_eq!(row.runs[0].len, 1);
    assert!(row.runs[0].style.is_default());
    assert_eq!(row.runs[1].len, "日é".len() as u32);
    assert_eq!(row.runs[1].style.fg, Color::Indexed(1));
    assert_eq!(row.cells(), 5);
}

#[test]
fn colored_blanks_are_kept_default_blanks_trimmed() {
    let mut t = Terminal::new(6, 1, Vec::new());
    t.feed(b"x\x1b[42m  \x1b[0m   \r\n");
    let row = &t.sink()[0];
    assert_eq!(row.text, "x  ");
    assert_eq!(row.runs.last().unwrap().style.bg, Color::Indexed(2));
}

#[test]
fn prompt_marks_travel_with_rows() {
    let mut t = Terminal::new(10, 1, Vec::new());
    t.feed(b"\x1b]133;A\x07$ ls\r\n");
    assert!(t.sink()[0].flags.contains(RowFlags::PROMPT));
}

#[test]
fn alternate_screen_makes_no_history() {
    let mut t = Terminal::new(5, 2, Vec::new());
    t.feed(b"\x1b[?1049h1\r\n2\r\n3\r\n4\x1b[?1049l");
    assert!(t.sink().is_empty());
}

#[test]
fn region_not_at_top_makes_no_history() {
    let mut t = Terminal::new(5, 4, Vec::new());
    t.feed(b"\x1b[2;4r\x1b[4;1H1\n2\n3\n");
    assert!(t.sink().is_empty());
    t.feed(b"\x1b[1;3r\x1b[3;1Hx\ny\n");
    assert_eq!(t.sink().len(), 2, "region at the top scrolls into history");
}

#[test]
fn ed3_clears_history() {
    let mut t = Terminal::new(5, 1, Vec::new());
    t.feed(b"a\r\nb\r\n");
    assert_eq!(t.sink().len(), 2);
    t.feed(b"\x1b[3J");
    assert!(t.sink().is_empty());
}

#[test]
fn resize_reflows_and_keeps_cursor_on_text() {
    let mut t = Terminal::new(10, 3, Vec::new());
    t.feed(b"0123456789abcde\r\nxy");
    assert_eq!(t.row_text(0), "0123456789");
    assert_eq!(t.row_text(1), "abcde");
    t.resize(20, 3);
    assert_eq!(t.row_text(0), "0123456789abcde");
    assert_eq!(t.row_text(1), "xy");
    assert_eq!((t.cursor().x, t.cursor().y), (2, 1));
    t.resize(5, 3);
    // 15 chars -> 3 rows, "xy" -> 1 row: the top row leaves the screen, but its line goes on
    // at the top, so it waits at the edge instead of going to history.
    assert!(t.sink().is_empty());
    assert_eq!(texts(&t.edge_rows()), ["01234"]);
    assert!(t.edge_rows()[0].wrapped());
    assert_eq!(t.row_text(0), "56789");
    assert_eq!(t.row_text(1), "abcde");
    assert_eq!(t.row_text(2), "xy");
    assert_eq!((t.cursor().x, t.cursor().y), (2, 2));
    assert!(t.line(0).wrapped() && !t.line(1).wrapped());
    // Growing back reflows the whole line onto the screen again.
    t.resize(20, 3);
    assert_eq!(t.row_text(0), "0123456789abcde");
    assert_eq!(t.edge_len(), 0);
    // When the line ends above the screen, it goes to history whole.
    t.resize(5, 3);
    t.feed(b"\r\n1\r\n2\r\n3");
    assert_eq!(texts(t.sink()), ["01234", "56789", "abcde", "xy"]);
    assert_eq!(t.edge_len(), 0);
}

#[test]
fn a_long_line_scrolling_off_waits_at_the_edge_within_its_bound() {
    let mut t = Terminal::new(10, 2, Vec::new());
    let line = "x".repeat(10 * (EDGE_MAX_ROWS + 10));
    t.feed(line.as_bytes());
    assert_eq!(t.edge_len(), EDGE_MAX_ROWS);
    // The oldest rows beyond the bound went to history, soft-wrapped.
    // 74 rows, 2 on screen: 72 left the top, 64 wait.
    assert_eq!(t.sink().len(), 72 - EDGE_MAX_ROWS);
    assert!(t.sink().iter().all(|r| r.wrapped()));
    t.feed(b"\r\nend\r\n\r\n");
    assert_eq!(t.edge_len(), 0);
    let all: usize = t.sink().iter().map(|r| r.text.len()).sum();
    assert_eq!(all, line.len() + 3);
}

#[test]
fn resize_wide_chars_do_not_split() {
    let mut t = Terminal::new(5, 2, Vec::new());
    t.feed("ab日本".as_bytes());
    t.resize(3, 3);
    assert_eq!(t.row_text(0), "ab");
    assert_eq!(t.row_text(1), "日");
    assert_eq!(t.row_text(2), "本");
}

#[test]
fn shrinking_height_drops_blank_rows_below_cursor_first() {
    let mut t = Terminal::new(5, 5, Vec::new());
    t.feed(b"a\r\nb");
    t.resize(5, 2);
    assert!(t.sink().is_empty());
    assert_eq!(t.row_text(0), "a");
    assert_eq!(t.row_text(1), "b");
}

#[test]
fn resize_in_alternate_screen_reflows_primary() {
    let mut t = Terminal::new(6, 2, Vec::new());
    t.feed(b"abcdefgh\x1b[?1049hALT");
    t.resize(10, 2);
    assert_eq!(t.row_text(1), "  ALT");
    t.feed(b"\x1b[?1049l");
    assert_eq!(t.row_text(0), "abcdefgh");
}

#[test]
fn ascii_rows_with_several_styles() {
    let mut t = Terminal::new(10, 1, Vec::new());
    t.feed(b"a\x1b[31mbc\x1b[0md\x1b[1me\r\n\x1b[0mplain\r\n\x1b[32mgreen\x1b[0m\r\n");
    let rows = t.sink();
    let lens: Vec<u32> = rows[0].runs.iter().map(|r| r.len).collect();
    assert_eq!(lens, [1, 2, 1, 1]);
    assert_eq!(rows[0].runs[1].style.fg, Color::Indexed(1));
    assert!(rows[0].runs[3]
        .style
        .attrs
        .contains(spool_store::Attrs::BOLD));
    assert!(rows[1].runs.is_empty());
    assert_eq!(rows[2].runs.len(), 1);
    assert_eq!(rows[2].runs[0].len, 5);
}

#[test]
fn history_into_a_real_store() {
    let dir = std::env::temp_dir().join(format!("spool-term-store-test-{}", std::process::id()));
    let env = spool_store::Env::new(spool_store::StoreConfig::default());
    let store = spool_store::Store::open(&env, &dir).unwrap();
    let mut t = Terminal::new(5, 2, store);
    t.feed(b"abcdefg\r\n\x1b[31mred\x1b[0m\r\nx\r\n");
    let store = t.into_sink();
    store.flush().unwrap();
    let rows: Vec<Row> = (0..store.len())
        .map(|i| store.get(i).unwrap().unwrap())
        .collect();
    assert_eq!(texts(&rows), ["abcde", "fg", "red"]);
    assert!(rows[0].wrapped());
    assert_eq!(rows[2].runs[0].style.fg, Color::Indexed(1));
    let mut t = Terminal::new(5, 2, store);
    t.feed(b"\x1b[3J");
    assert_eq!(t.sink().len(), 0);
    drop(t);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn wrapped_rows_keep_trailing_spaces_but_not_wide_padding() {
    // A space in the last column is text of the logical line…
    let mut t = Terminal::new(10, 1, Vec::new());
    t.feed(b"aaaaaaaaa bbbb\r\n");
    assert_eq!(t.sink()[0].text, "aaaaaaaaa ");
    assert!(t.sink()[0].wrapped());
    assert_eq!(t.sink()[1].text, "bbbb");
    // …but the blank left when a wide character wraps early is not.
    let mut t = Terminal::new(5, 1, Vec::new());
    t.feed("abcd日x\r\n".as_bytes());
    assert_eq!(t.sink()[0].text, "abcd");
    assert!(t.sink()[0].wrapped());
    assert_eq!(t.sink()[1].text, "日x");
    // Reflow agrees.
    let mut t = Terminal::new(5, 3, Vec::new());
    t.feed("abcd日x".as_bytes());
    t.resize(10, 3);
    assert_eq!(t.row_text(0), "abcd日x");
    let mut t = Terminal::new(10, 3, Vec::new());
    t.feed(b"aaaaaaaaa bbbb");
    t.resize(20, 3);
    assert_eq!(t.row_text(0), "aaaaaaaaa bbbb");
}

#[test]
fn clearing_the_screen_keeps_what_it_showed_in_history_and_marks_their_numbers() {
    let mut t = Terminal::new(10, 4, Vec::new());
    // A prompt mark, a command's output, then `clear` (ED 2 from the top).
    t.feed(b"\x1b]133;A\x07$ \x1b]133;C\x07\r\none\r\ntwo\r\n\x1b[H\x1b[2Jthree");
    assert_eq!(
        texts(t.sink()),
        ["$", "one", "two"],
        "to history, blank rows not"
    );
    assert!(t.sink()[0].flags.contains(RowFlags::PROMPT));
    assert_eq!(t.row_text(0), "three");
    // The marks said the rows by the numbers they got.
    let rows: Vec<Option<u64>> = t.take_marks().iter().map(|m| m.row).collect();
    assert_eq!(rows, [Some(0), Some(0)]);
    // The alternate screen's clear keeps nothing.
    t.feed(b"\x1b[?1049hfull\x1b[2J\x1b[?1049l");
    assert_eq!(t.sink().len(), 3);
}
