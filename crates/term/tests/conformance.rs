//! Replays every recorded stream of the alacritty reference corpus
//! (`../shared/conformance/alacritty-ref/`, see its README) and compares the final screen text,
//! the tail of history, and (reported, not required) soft-wrap flags and cell attributes.

use std::path::{Path, PathBuf};

use serde_json::Value;
use spool_store::{Attrs, Color, Underline};
use spool_term::{BoundedHistory, Terminal};

/// Cases where the reference terminal differs from xterm and we follow xterm, with why.
const EXCEPTIONS: &[(&str, &str)] = &[
    (
        "selective_erasure",
        "the stream protects B with DECSCA 1 and erases with DECSED (CSI ? 2 J) and DECSEL \
         (CSI ? 2 K); xterm (ctlseqs: DECSED/DECSEL erase only unprotected characters) \
         leaves ' B' on both rows, the reference ignores DECSED/DECSEL and leaves 'ABC'",
    ),
    (
        "erase_in_line",
        "EL 0/1/2 issued while a wrap is pending (after writing the last column): xterm's \
         ClearInLine resets the pending wrap and ClearRight erases the last column, so 'b' \
         lands in the last column of the same row; the reference keeps the wrap pending, \
         does not erase the last column for EL 0, and prints 'b' on the next row",
    ),
    (
        "decaln_reset",
        "DECALN (ESC # 8): DEC's VT510 manual and xterm reset the margins and home the \
         cursor, so the next prompt is drawn on row 1; the reference leaves the cursor \
         where it was (prompt on row 4)",
    ),
];

/// Attribute differences we keep on purpose (attributes are reported, not required).
#[allow(dead_code)]
const ATTRIBUTE_NOTES: &[(&str, &str)] = &[
    (
        "underline",
        "row 7 is written with SGR 4:3;21: xterm (ctlseqs) and ECMA-48 make 21 doubly \
         underlined, the reference treats 21 as 'bold off' and keeps the curly underline",
    ),
    (
        "decaln_reset",
        "follows from the DECALN cursor-home difference listed in EXCEPTIONS",
    ),
];

fn corpus() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/alacritty-ref");
    p.is_dir().then_some(p)
}

const NAMES: [&str; 16] = [
    "Black",
    "Red",
    "Green",
    "Yellow",
    "Blue",
    "Magenta",
    "Cyan",
    "White",
    "BrightBlack",
    "BrightRed",
    "BrightGreen",
    "BrightYellow",
    "BrightBlue",
    "BrightMagenta",
    "BrightCyan",
    "BrightWhite",
];

fn color_name(c: Color, default: &str) -> String {
    match c {
        Color::Default => default.to_string(),
        Color::Indexed(n) if n < 16 => NAMES[n as usize].to_string(),
        Color::Indexed(n) => n.to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
    }
}

fn expected_color(v: &Value) -> String {
    match v {
        Value::Number(n) => {
            let n = n.as_u64().unwrap_or(0);
            if n < 16 {
                NAMES[n as usize].to_string()
            } else {
                n.to_string()
            }
        }
        Value::String(s) => s.clone(),
        _ => String::new(),
    }
}

fn our_flags(s: &spool_store::Style) -> Vec<&'static str> {
    let mut f = Vec::new();
    let a = s.attrs;
    for (flag, name) in [
        (Attrs::BOLD, "BOLD"),
        (Attrs::ITALIC, "ITALIC"),
        (Attrs::INVERSE, "INVERSE"),
        (Attrs::DIM, "DIM"),
        (Attrs::HIDDEN, "HIDDEN"),
        (Attrs::STRIKE, "STRIKEOUT"),
    ] {
        if a.contains(flag) {
            f.push(name);
        }
    }
    match s.underline {
        Underline::None => {}
        Underline::Single => f.push("UNDERLINE"),
        Underline::Double => f.push("DOUBLE_UNDERLINE"),
        Underline::Curly => f.push("UNDERCURL"),
        Underline::Dotted => f.push("DOTTED_UNDERLINE"),
        Underline::Dashed => f.push("DASHED_UNDERLINE"),
    }
    f.sort();
    f
}

/// Flags the reference records that are not visual attributes we compare.
const IGNORED_FLAGS: &[&str] = &[
    "WIDE_CHAR",
    "WIDE_CHAR_SPACER",
    "LEADING_WIDE_CHAR_SPACER",
    "WRAPLINE",
    "",
];

fn expected_cells(row: &Value) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for run in row.as_array().into_iter().flatten() {
        let mut flags: Vec<String> = run["flags"]
            .as_str()
            .unwrap_or("")
            .split(',')
            .filter(|f| !IGNORED_FLAGS.contains(f))
            .map(str::to_string)
            .collect();
        flags.sort();
        let cell = (
            expected_color(&run["fg"]),
            expected_color(&run["bg"]),
            flags,
        );
        for _ in 0..run["cells"].as_u64().unwrap_or(0) {
            out.push(cell.clone());
        }
    }
    out
}

#[derive(Default)]
struct Score {
    cases: usize,
    text_pass: usize,
    attr_rows: usize,
    attr_rows_ok: usize,
    wrap_rows: usize,
    wrap_rows_ok: usize,
    failures: Vec<String>,
}

fn run_case(dir: &Path, score: &mut Score) {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let exp: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected.json")).unwrap()).unwrap();
    let input = std::fs::read(dir.join("input.bin")).unwrap();
    let cols = exp["cols"].as_u64().unwrap() as usize;
    let rows = exp["rows"].as_u64().unwrap() as usize;
    let mut t = Terminal::new(cols, rows, BoundedHistory::new(100_000));
    t.feed(&input);
    score.cases += 1;

    let mut diffs = Vec::new();
    let screen: Vec<String> = exp["screen"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    for (y, want) in screen.iter().enumerate() {
        let got = t.row_text(y);
        if &got != want {
            diffs.push(format!("  row {y}:\n    want {want:?}\n    got  {got:?}"));
        }
    }
    // The reference dumps its whole preallocated history buffer, so rows it never received
    // appear as leading blank rows: skip them.
    let history: Vec<String> = exp["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .skip_while(|r| r.is_empty())
        .collect();
    if !history.is_empty() {
        let ours: Vec<String> = t
            .sink()
            .rows
            .iter()
            .map(|r| r.text.trim_end_matches(' ').to_string())
            .collect();
        let tail = &ours[ours.len().saturating_sub(history.len())..];
        if tail != history.as_slice() {
            diffs.push(format!(
                "  history differs: want {} rows, ours {} rows; first difference at {:?}",
                history.len(),
                ours.len(),
                tail.iter().zip(&history).position(|(a, b)| a != b)
            ));
        }
    }
    let exception = EXCEPTIONS.iter().find(|(n, _)| *n == name);
    if diffs.is_empty() {
        score.text_pass += 1;
        if exception.is_some() {
            eprintln!("note: {name} is listed as an exception but passes");
        }
    } else if let Some((_, why)) = exception {
        eprintln!("EXCEPTION {name}: {why}\n{}", diffs.join("\n"));
    } else {
        score
            .failures
            .push(format!("{name}:\n{}", diffs.join("\n")));
    }

    // Soft-wrap flags.
    for (y, w) in exp["screen_wrapped"].as_array().unwrap().iter().enumerate() {
        score.wrap_rows += 1;
        if t.line(y).wrapped() == w.as_bool().unwrap_or(false) {
            score.wrap_rows_ok += 1;
        } else if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
            eprintln!("wrap {name} row {y}: want {w}");
        }
    }
    // Attributes per cell.
    let mut bad_attr_rows = 0;
    for (y, row) in exp["screen_attrs"].as_array().unwrap().iter().enumerate() {
        let want = expected_cells(row);
        let got: Vec<_> = t
            .line(y)
            .cells
            .iter()
            // The reference's runs do not count the spacer half of wide characters.
            .filter(|c| !c.is_spacer())
            .map(|c| {
                let s = t.style(c.style);
                (
                    color_name(s.fg, "Foreground"),
                    color_name(s.bg, "Background"),
                    our_flags(&s)
                        .into_iter()
                        .map(str::to_string)
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        score.attr_rows += 1;
        if want == got {
            score.attr_rows_ok += 1;
        } else {
            bad_attr_rows += 1;
            if std::env::var_os("CONFORMANCE_VERBOSE").is_some() {
                let i = want.iter().zip(&got).position(|(a, b)| a != b);
                eprintln!(
                    "attr {name} row {y} cell {i:?}: want {:?} got {:?}",
                    i.map(|i| &want[i]),
                    i.map(|i| &got[i])
                );
            }
        }
    }
    eprintln!(
        "{:<48} text {}  attrs {} bad rows",
        name,
        if diffs.is_empty() { "ok  " } else { "FAIL" },
        bad_attr_rows
    );
}

#[test]
fn alacritty_reference_corpus() {
    let Some(dir) = corpus() else {
        eprintln!("conformance corpus not found; skipping");
        return;
    };
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("expected.json").is_file())
        .collect();
    cases.sort();
    let mut score = Score::default();
    for c in &cases {
        run_case(c, &mut score);
    }
    eprintln!(
        "conformance: text {}/{} (exceptions {}), wrap flags {}/{} rows, attributes {}/{} rows",
        score.text_pass,
        score.cases,
        EXCEPTIONS.len(),
        score.wrap_rows_ok,
        score.wrap_rows,
        score.attr_rows_ok,
        score.attr_rows
    );
    assert!(
        score.failures.is_empty(),
        "{} case(s) differ:\n{}",
        score.failures.len(),
        score.failures.join("\n")
    );
}
