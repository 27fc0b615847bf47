//! Screen semantics as data: each case feeds bytes into a fresh terminal and lists the rows it
//! must show (trailing blanks trimmed; rows not listed must be empty).

use spool_term::Terminal;

struct Case {
    name: &'static str,
    cols: usize,
    rows: usize,
    input: &'static str,
    screen: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        name: "plain text",
        cols: 10,
        rows: 3,
        input: "hello",
        screen: &["hello"],
    },
    Case {
        name: "autowrap",
        cols: 5,
        rows: 3,
        input: "abcdefg",
        screen: &["abcde", "fg"],
    },
    Case {
        name: "pending wrap then CR stays on row",
        cols: 5,
        rows: 3,
        input: "abcde\rX",
        screen: &["Xbcde"],
    },
    Case {
        name: "pending wrap survives to next char",
        cols: 5,
        rows: 3,
        input: "abcdeX",
        screen: &["abcde", "X"],
    },
    Case {
        name: "DECAWM off overwrites last column",
        cols: 5,
        rows: 2,
        input: "\x1b[?7labcdefg",
        screen: &["abcdg"],
    },
    Case {
        name: "wide chars",
        cols: 6,
        rows: 2,
        input: "日本語",
        screen: &["日本語"],
    },
    Case {
        name: "wide char wraps early",
        cols: 5,
        rows: 2,
        input: "abcd日",
        screen: &["abcd", "日"],
    },
    Case {
        name: "combining mark joins",
        cols: 5,
        rows: 1,
        input: "e\u{301}x",
        screen: &["e\u{301}x"],
    },
    Case {
        name: "ZWJ emoji is one cluster",
        cols: 6,
        rows: 1,
        input: "👨\u{200d}👩\u{200d}👧|",
        screen: &["👨\u{200d}👩\u{200d}👧|"],
    },
    Case {
        name: "VS16 widens",
        cols: 6,
        rows: 1,
        input: "\u{2764}\u{fe0f}|",
        screen: &["\u{2764}\u{fe0f}|"],
    },
    Case {
        name: "overwrite half of wide char",
        cols: 6,
        rows: 1,
        input: "日本\x1b[2Gx",
        screen: &[" x本"],
    },
    Case {
        name: "CUP and CUF",
        cols: 10,
        rows: 3,
        input: "\x1b[2;3Hx\x1b[2Cy",
        screen: &["", "  x  y"],
    },
    Case {
        name: "CUU CUD CUB",
        cols: 10,
        rows: 4,
        input: "\x1b[3;5Ha\x1b[2Ab\x1b[1B\x1b[3Dc",
        screen: &["     b", "   c", "    a"],
    },
    Case {
        name: "CHA HPA VPA HPR VPR",
        cols: 10,
        rows: 4,
        input: "\x1b[3Ga\x1b[6`b\x1b[3dc\x1b[2ad\x1b[ee",
        screen: &["  a  b", "", "      c  d", "         e"],
    },
    Case {
        name: "CNL CPL",
        cols: 10,
        rows: 4,
        input: "  a\x1b[2Eb\x1b[1Fc",
        screen: &["  a", "c", "b"],
    },
    Case {
        name: "ED 0",
        cols: 5,
        rows: 3,
        input: "aaaaabbbbbccccc\x1b[2;3H\x1b[J",
        screen: &["aaaaa", "bb"],
    },
    Case {
        name: "ED 1",
        cols: 5,
        rows: 3,
        input: "aaaaabbbbbcccc\x1b[2;3H\x1b[1J",
        screen: &["", "   bb", "cccc"],
    },
    Case {
        name: "ED 2",
        cols: 5,
        rows: 2,
        input: "abc\x1b[2Jx",
        screen: &["   x"],
    },
    Case {
        name: "EL 0 1 2",
        cols: 6,
        rows: 3,
        input: "abcdef\x1b[1;3H\x1b[Kghijkl\x1b[2;3H\x1b[1Kmnopqr\x1b[3;3H\x1b[2K",
        screen: &["abghij", "  mnop", ""],
    },
    Case {
        name: "ECH",
        cols: 6,
        rows: 1,
        input: "abcdef\x1b[1;2H\x1b[2X",
        screen: &["a  def"],
    },
    Case {
        name: "DCH",
        cols: 6,
        rows: 1,
        input: "abcdef\x1b[1;2H\x1b[2P",
        screen: &["adef"],
    },
    Case {
        name: "ICH",
        cols: 6,
        rows: 1,
        input: "abcdef\x1b[1;2H\x1b[2@",
        screen: &["a  bcd"],
    },
    Case {
        name: "IRM insert mode",
        cols: 6,
        rows: 1,
        input: "abcd\x1b[1;2H\x1b[4hXY\x1b[4lZ",
        screen: &["aXYZcd"],
    },
    Case {
        name: "IL DL",
        cols: 3,
        rows: 4,
        input: "a\r\nb\r\nc\r\nd\x1b[2;1H\x1b[L\x1b[4;1H\x1b[M",
        screen: &["a", "", "b"],
    },
    Case {
        name: "REP",
        cols: 10,
        rows: 1,
        input: "x\x1b[4b",
        screen: &["xxxxx"],
    },
    Case {
        name: "SU SD",
        cols: 3,
        rows: 3,
        input: "a\r\nb\r\nc\x1b[S\x1b[2T",
        screen: &["", "", "b"],
    },
    Case {
        name: "DECSTBM scroll inside region",
        cols: 3,
        rows: 4,
        input: "1\r\n2\r\n3\r\n4\x1b[2;3r\x1b[3;1H\nX",
        screen: &["1", "3", "X", "4"],
    },
    Case {
        name: "RI at top of region",
        cols: 3,
        rows: 3,
        input: "a\r\nb\r\nc\x1b[1;1H\x1bMz",
        screen: &["z", "a", "b"],
    },
    Case {
        name: "NEL and IND",
        cols: 5,
        rows: 3,
        input: "ab\x1bEc\x1bDd",
        screen: &["ab", "c", " d"],
    },
    Case {
        name: "origin mode",
        cols: 5,
        rows: 4,
        input: "\x1b[2;3r\x1b[?6h\x1b[1;1Hx\x1b[9;1Hy",
        screen: &["", "x", "y"],
    },
    Case {
        name: "tabs default and CHT CBT",
        cols: 20,
        rows: 1,
        input: "a\tb\x1b[Ic\x1b[Zd",
        screen: &["a       b       d"],
    },
    Case {
        name: "HTS TBC",
        cols: 20,
        rows: 2,
        input: "\x1b[3g\x1b[4G\x1bH\r\tx\x1b[0g\r\n\ty",
        screen: &["   x", "   y"],
    },
    Case {
        name: "DECSC DECRC",
        cols: 10,
        rows: 2,
        input: "ab\x1b7\x1b[2;5Hc\x1b8d",
        screen: &["abd", "    c"],
    },
    Case {
        name: "DEC special graphics via SO/SI",
        cols: 10,
        rows: 1,
        input: "\x1b)0a\x0eqx\x0fq",
        screen: &["a─│q"],
    },
    Case {
        name: "G0 line drawing",
        cols: 10,
        rows: 1,
        input: "\x1b(0lqk\x1b(Bq",
        screen: &["┌─┐q"],
    },
    Case {
        name: "DECALN",
        cols: 3,
        rows: 2,
        input: "\x1b#8",
        screen: &["EEE", "EEE"],
    },
    Case {
        name: "alt screen 1049 restores",
        cols: 5,
        rows: 2,
        input: "main\x1b[?1049halt\x1b[?1049l!",
        screen: &["main!"],
    },
    Case {
        name: "alt screen 47 keeps content",
        cols: 5,
        rows: 2,
        input: "\x1b[?47hA\x1b[?47l\x1b[?47h",
        screen: &["A"],
    },
    Case {
        name: "RIS",
        cols: 5,
        rows: 2,
        input: "abc\x1b[31m\x1bcx",
        screen: &["x"],
    },
    Case {
        name: "DECSTR keeps text",
        cols: 5,
        rows: 2,
        input: "abc\x1b[!pd",
        screen: &["abcd"],
    },
    Case {
        name: "LNM",
        cols: 5,
        rows: 3,
        input: "\x1b[20hab\ncd",
        screen: &["ab", "cd"],
    },
    Case {
        name: "DECSED honors DECSCA",
        cols: 5,
        rows: 1,
        input: "a\x1b[1\"qb\x1b[0\"qc\x1b[?2J",
        screen: &[" b"],
    },
    Case {
        name: "BS at pending wrap",
        cols: 3,
        rows: 2,
        input: "abc\x08x",
        screen: &["axc"],
    },
    Case {
        name: "kitty graphics APC consumed",
        cols: 10,
        rows: 1,
        input: "a\x1b_Gf=100,a=T;AAAAAAAA\x1b\\b",
        screen: &["ab"],
    },
    Case {
        name: "a sixel takes a cell and the cursor goes below it",
        cols: 10,
        rows: 2,
        input: "a\x1bPq#0;2;0;0;0#0~~@@vv\x1b\\b",
        screen: &["a[", " b"],
    },
    Case {
        name: "iTerm2 image consumed",
        cols: 10,
        rows: 1,
        input: "a\x1b]1337;File=inline=1:AAAA\x07b",
        screen: &["ab"],
    },
    Case {
        name: "C1 controls in UTF-8",
        cols: 5,
        rows: 3,
        input: "a\u{85}b",
        screen: &["a", "b"],
    },
];

#[test]
fn screen_cases() {
    let mut failures = Vec::new();
    for case in CASES {
        let mut t = Terminal::new(case.cols, case.rows, Vec::new());
        t.feed(case.input.as_bytes());
        for y in 0..case.rows {
            let want = case.screen.get(y).copied().unwrap_or("").trim_end();
            let got = t.row_text(y);
            if got != want {
                failures.push(format!("{}: row {y}: want {want:?} got {got:?}", case.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn split_input_matches_whole_input() {
    // Every case, fed one byte at a time, must give the same screen as fed whole.
    for case in CASES {
        let mut whole = Terminal::new(case.cols, case.rows, Vec::new());
        whole.feed(case.input.as_bytes());
        let mut split = Terminal::new(case.cols, case.rows, Vec::new());
        for b in case.input.as_bytes() {
            split.feed(std::slice::from_ref(b));
        }
        assert_eq!(whole.screen_text(), split.screen_text(), "{}", case.name);
        assert_eq!(whole.cursor(), split.cursor(), "{}", case.name);
    }
}

#[test]
fn character_split_across_feeds_keeps_following_bytes() {
    // vte 0.15 resumes a split character but skips what follows it in the same feed; the
    // terminal must never let that happen.
    let mut t = Terminal::new(10, 1, Vec::new());
    t.feed(b"x\xc3");
    t.feed(b"\xa9 y\xf0\x9f");
    t.feed(b"\x98\x80 z");
    assert_eq!(t.row_text(0), "x\u{e9} y\u{1F600} z");
}
