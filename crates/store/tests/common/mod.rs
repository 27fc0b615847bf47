//! Shared helpers for the store's integration tests: row generators and a temp env.
#![allow(dead_code)]

use proptest::prelude::*;
use spool_store::{Attrs, Color, Env, Row, RowFlags, Run, Store, StoreConfig, Style, Underline};

/// A fresh env with small segments so tests cross many segment boundaries.
pub fn small_env(segment_bytes: usize) -> Env {
    Env::new(StoreConfig {
        segment_bytes,
        ..StoreConfig::default()
    })
}

pub fn open(env: &Env, dir: &std::path::Path) -> Store {
    Store::open(env, dir).expect("open store")
}

/// A deterministic row for row number `n`, with a few styles; every 7th row is soft-wrapped.
pub fn det_row(n: u64) -> Row {
    let text = format!("row {n:08} {}", "xyz日本é".repeat((n % 5) as usize));
    let split = text.char_indices().nth(4).map_or(text.len(), |(i, _)| i);
    let mut flags = RowFlags::empty();
    flags.set(RowFlags::WRAPPED, n % 7 == 3);
    Row {
        runs: vec![
            Run {
                len: split as u32,
                style: Style {
                    fg: Color::Indexed((n % 256) as u8),
                    attrs: Attrs::BOLD,
                    ..Style::default()
                },
            },
            Run {
                len: (text.len() - split) as u32,
                style: Style {
                    bg: Color::Rgb(n as u8, (n >> 8) as u8, 7),
                    link: (n % 3) as u32,
                    ..Style::default()
                },
            },
        ],
        text,
        flags,
    }
}

fn arb_color() -> impl Strategy<Value = Color> {
    prop_oneof![
        Just(Color::Default),
        any::<u8>().prop_map(Color::Indexed),
        any::<(u8, u8, u8)>().prop_map(|(r, g, b)| Color::Rgb(r, g, b)),
    ]
}

pub fn arb_style() -> impl Strategy<Value = Style> {
    (
        arb_color(),
        arb_color(),
        arb_color(),
        0u16..(1 << 9),
        0u8..6,
        prop_oneof![Just(0u32), any::<u32>()],
        prop_oneof![Just(0u32), any::<u32>()],
    )
        .prop_map(|(fg, bg, ul, attrs, u, link, image)| Style {
            fg,
            bg,
            underline_color: ul,
            attrs: Attrs(attrs),
            underline: Underline::from_u8(u),
            link,
            image,
        })
}

/// Text pieces mixing ASCII, wide characters, combining marks, ZWJ emoji and VS16.
pub fn arb_cluster() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[ -~]".prop_map(|s| s),
        1 => Just("日".to_string()),
        1 => Just("e\u{301}".to_string()),
        1 => Just("👨\u{200D}👩\u{200D}👧".to_string()),
        1 => Just("\u{2764}\u{FE0F}".to_string()),
        1 => Just("🇺🇸".to_string()),
        1 => Just("a\u{0308}\u{0323}".to_string()),
    ]
}

/// Random rows: text of clusters, runs on cluster boundaries, random flags.
pub fn arb_row() -> impl Strategy<Value = Row> {
    (
        prop::collection::vec((arb_cluster(), arb_style()), 0..40),
        0u8..32,
        0usize..4,
    )
        .prop_map(|(cells, flags, merge)| {
            let mut text = String::new();
            let mut runs: Vec<Run> = Vec::new();
            for (i, (c, style)) in cells.into_iter().enumerate() {
                text.push_str(&c);
                // Share a style across a few cells sometimes, like real output.
                match runs.last_mut() {
                    Some(r) if merge > 0 && i % (merge + 1) != 0 => r.len += c.len() as u32,
                    _ => runs.push(Run {
                        len: c.len() as u32,
                        style,
                    }),
                }
            }
            Row {
                text,
                runs,
                flags: RowFlags(flags),
            }
        })
}
