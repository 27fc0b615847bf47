//! Property tests: hostile bytes never panic and never grow memory past the bound; printed
//! text reads back; split feeds equal whole feeds. (CI has no nightly for cargo-fuzz; the
//! fuzz target in `fuzz/` runs the same checks with coverage guidance.)

use proptest::prelude::*;
use spool_term::{memory_bound, BoundedHistory, NoHistory, Terminal};

/// Fragments that steer the parser into every state, mixed with random bytes.
const FRAGMENTS: &[&[u8]] = &[
    b"\x1b[",
    b"\x1b]",
    b"\x1bP",
    b"\x1b_",
    b"\x1b^",
    b"\x1bX",
    b"\x1b\\",
    b"\x07",
    b"\x1b[?",
    b"\x1b[>",
    b"\x1b[<",
    b"\x1b[=",
    b"\x1b[?1049h",
    b"\x1b[?1049l",
    b"\x1b[?47h",
    b"\x1b[?2026h",
    b"\x1b[2;5r",
    b"\x1b[r",
    b"\x1b[?6h",
    b"\x1b[?7l",
    b"\x1b[4h",
    b"\x1b#8",
    b"\x1bc",
    b"\x1b[!p",
    b"\x1b(0",
    b"\x0e",
    b"\x0f",
    b"\x1b[38;2;1;2;3m",
    b"\x1b[48:5:9m",
    b"\x1b[0m",
    b"\x1b[3J",
    b"\x1b]8;;http://x\x07",
    b"\x1b]52;c;QQ==\x07",
    b"\x1b]133;A\x07",
    b"\x1b]4;1;?\x07",
    b"\x1bP$qm\x1b\\",
    b"\x1bPq#0;2",
    b"\x1b_Ga=T;",
    b"\x1b[6n",
    b"\x1b[5b",
    b"\x1b[999;999H",
    b"\x1b[L",
    b"\x1b[M",
    b"\x1b[P",
    b"\x1b[@",
    b"\x1b[X",
    b"\x1b[J",
    b"\x1b[1K",
    b"\x1b[?5W",
    "日本".as_bytes(),
    "e\u{301}".as_bytes(),
    "\u{200d}".as_bytes(),
    "\u{fe0f}".as_bytes(),
    "🇺🇸".as_bytes(),
    "👨\u{200d}👩".as_bytes(),
    b"\r\n",
    b"\t",
    b"\x08",
    b"\x85",
    b"\xc3",
    b"\xff",
];

fn stream() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(FRAGMENTS).prop_map(|f| f.to_vec()),
            prop::collection::vec(any::<u8>(), 0..8),
            "[ -~]{0,20}".prop_map(|s| s.into_bytes()),
        ],
        0..120,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn hostile_bytes_never_panic_or_grow(
        data in stream(),
        cols in 1usize..40,
        rows in 1usize..12,
        cols2 in 1usize..40,
        rows2 in 1usize..12,
        split in any::<prop::sample::Index>(),
    ) {
        let mut t = Terminal::new(cols, rows, BoundedHistory::new(50));
        let at = split.index(data.len() + 1);
        t.feed(&data[..at]);
        t.resize(cols2, rows2);
        t.feed(&data[at..]);
        let c = t.cursor();
        prop_assert!(c.x < t.cols() && c.y < t.rows());
        prop_assert!(t.memory_bytes() <= memory_bound(t.cols(), t.rows()));
        for y in 0..t.rows() {
            let _ = t.row(y);
            prop_assert_eq!(t.line(y).cells.len(), t.cols());
        }
        let _ = t.take_replies();
        let _ = t.publication(std::time::Instant::now(), None);
    }

    #[test]
    fn split_feed_equals_whole_feed(data in stream(), at in any::<prop::sample::Index>()) {
        let mut a = Terminal::new(20, 6, NoHistory);
        a.feed(&data);
        let mut b = Terminal::new(20, 6, NoHistory);
        let at = at.index(data.len() + 1);
        b.feed(&data[..at]);
        b.feed(&data[at..]);
        prop_assert_eq!(a.screen_text(), b.screen_text());
        prop_assert_eq!(a.cursor(), b.cursor());
        prop_assert_eq!(a.take_replies(), b.take_replies());
    }

    #[test]
    fn printed_text_reads_back(words in prop::collection::vec(
        prop_oneof![
            "[a-zA-Z0-9 .,;:!?_-]{1,8}",
            Just("日本".to_string()),
            Just("e\u{301}".to_string()),
            Just("🙂".to_string()),
            Just("\u{2764}\u{fe0f}".to_string()),
        ],
        1..20,
    )) {
        let text: String = words.concat();
        let width = spool_store::width::str_width(&text);
        let mut t = Terminal::new(width.max(1) + 1, 2, Vec::new());
        t.feed(text.as_bytes());
        prop_assert_eq!(t.row_text(0), text.trim_end_matches(' '));
        prop_assert_eq!(t.cursor().x, width);
        // And through history: the row the store gets has the same text and width.
        t.feed(b"\r\n\n");
        let row = &t.sink()[0];
        prop_assert_eq!(&row.text, text.trim_end_matches(' '));
    }

    #[test]
    fn wrapped_text_reflows_back(text in "[a-z]{1,60}", cols in 2usize..15, cols2 in 2usize..70) {
        let mut t = Terminal::new(cols, 8, Vec::new());
        t.feed(text.as_bytes());
        t.resize(cols2, 8);
        // History, then the edge (rows whose line goes on at the top), then the screen.
        let mut all: String = t.sink().iter().map(|r| r.text.clone()).collect();
        all.extend(t.edge_rows().into_iter().map(|r| r.text));
        for y in 0..t.rows() {
            all.push_str(&t.row_text(y));
        }
        prop_assert_eq!(all, text);
    }
}
