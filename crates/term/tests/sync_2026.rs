//! DEC 2026 without a buffer: the model keeps applying bytes during a synchronized update,
//! memory stays the screen's, and only publication waits for the mode reset or the timeout.
//! These are the seed's three tests: 1 MiB and 8 MiB inside a hold, and the normal-mode control.

use std::time::{Duration, Instant};

use spool_term::{bench, memory_bound, NoHistory, Publication, Terminal, SYNC_TIMEOUT};

/// Would a consumer that saw everything published so far publish at `now`?
fn due(t: &mut Terminal<NoHistory>, now: Instant, seen: &mut Option<u64>) -> bool {
    match t.publication(now, *seen) {
        Publication::Changed { generation } => {
            *seen = Some(generation);
            true
        }
        _ => false,
    }
}

const COLS: usize = 120;
const ROWS: usize = 40;

/// Feed `mib` MiB of colored output inside `CSI ? 2026 h` at `t0`; returns the terminal.
fn held(mib: usize, t0: Instant, seen: &mut Option<u64>) -> Terminal<NoHistory> {
    let mut t = Terminal::new(COLS, ROWS, NoHistory);
    assert!(due(&mut t, t0, seen));
    t.feed_at(b"\x1b[?2026h", t0);
    let data = bench::colored_log(mib << 20);
    for chunk in data.chunks(64 * 1024) {
        t.feed_at(chunk, t0 + Duration::from_millis(1));
    }
    t
}

fn check_hold(mib: usize) {
    let t0 = Instant::now();
    let before = Terminal::new(COLS, ROWS, NoHistory).memory_bytes();
    let mut seen = None;
    let mut t = held(mib, t0, &mut seen);
    // The model applied everything: the last line is on screen.
    assert!(t.sync_active());
    assert!(
        !t.row_text(ROWS - 2).is_empty(),
        "screen was updated during the hold"
    );
    // Memory is the screen's (plus bounded tables), independent of how much was held.
    let mem = t.memory_bytes();
    assert!(mem <= memory_bound(COLS, ROWS), "{mem} > bound");
    assert!(
        mem <= before + 2 * t.screen_bytes() + 512 * 1024,
        "memory grew with held output: {before} -> {mem}"
    );
    assert!(
        mem < (mib << 20) / 2 || mib == 1,
        "held bytes were buffered: {mem}"
    );
    // Publication is held…
    assert_eq!(
        t.publication(t0 + Duration::from_millis(500), seen),
        Publication::Held {
            until: t0 + SYNC_TIMEOUT
        }
    );
    // …until the program ends the update.
    let t1 = t0 + Duration::from_millis(600);
    t.feed_at(b"\x1b[?2026l", t1);
    assert!(!t.sync_active());
    assert!(due(&mut t, t1, &mut seen));
    assert_eq!(t.publication(t1, seen), Publication::Unchanged);
}

#[test]
fn one_mib_in_a_hold() {
    check_hold(1);
}

#[test]
fn eight_mib_in_a_hold() {
    check_hold(8);
}

#[test]
fn normal_mode_publishes_at_once() {
    let t0 = Instant::now();
    let mut t = Terminal::new(COLS, ROWS, NoHistory);
    let mut seen = None;
    assert!(due(&mut t, t0, &mut seen));
    t.feed_at(&bench::colored_log(1 << 20), t0);
    assert!(!t.sync_active());
    assert!(due(&mut t, t0, &mut seen));
    assert!(t.sync_deadline().is_none());
}

#[test]
fn hold_times_out_after_one_second() {
    let t0 = Instant::now();
    let mut t = Terminal::new(20, 5, NoHistory);
    let mut seen = None;
    assert!(due(&mut t, t0, &mut seen));
    t.feed_at(b"\x1b[?2026hframe", t0);
    assert_eq!(t.sync_deadline(), Some(t0 + SYNC_TIMEOUT));
    assert!(!due(
        &mut t,
        t0 + SYNC_TIMEOUT - Duration::from_millis(1),
        &mut seen
    ));
    assert!(due(&mut t, t0 + SYNC_TIMEOUT, &mut seen));
    assert!(!t.sync_active(), "a timed-out hold ends the mode");
    // Output after the timeout publishes normally.
    t.feed_at(b"more", t0 + SYNC_TIMEOUT + Duration::from_millis(1));
    assert!(due(
        &mut t,
        t0 + SYNC_TIMEOUT + Duration::from_millis(1),
        &mut seen
    ));
}

#[test]
fn decrqm_reports_2026() {
    let mut t = Terminal::new(20, 5, NoHistory);
    t.feed(b"\x1b[?2026$p\x1b[?2026h\x1b[?2026$p");
    assert_eq!(t.take_replies(), b"\x1b[?2026;2$y\x1b[?2026;1$y");
}

#[test]
fn cursor_motion_alone_is_published() {
    let t0 = Instant::now();
    let mut t = Terminal::new(20, 5, NoHistory);
    t.feed_at(b"abc", t0);
    let mut seen = None;
    assert!(due(&mut t, t0, &mut seen));
    assert!(!due(&mut t, t0, &mut seen));
    t.feed_at(b"\x1b[D", t0);
    assert!(due(&mut t, t0, &mut seen));
    assert!(!due(&mut t, t0, &mut seen));
    // A second consumer that saw an older generation still publishes.
    assert!(matches!(
        t.publication(t0, Some(0)),
        Publication::Changed { .. }
    ));
}
