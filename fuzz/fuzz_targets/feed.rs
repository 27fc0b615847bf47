//! Arbitrary bytes into the emulator, with a resize in the middle: must never panic, and the
//! accounted memory must stay within `memory_bound`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spool_term::{memory_bound, BoundedHistory, Terminal};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let (head, rest) = data.split_at(4);
    let cols = 1 + head[0] as usize % 120;
    let rows = 1 + head[1] as usize % 40;
    let mut t = Terminal::new(cols, rows, BoundedHistory::new(100));
    let at = (head[2] as usize * rest.len()) / 256;
    t.feed(&rest[..at]);
    t.resize(1 + head[3] as usize % 120, 1 + head[2] as usize % 40);
    t.feed(&rest[at..]);
    assert!(t.memory_bytes() <= memory_bound(t.cols(), t.rows()));
    let c = t.cursor();
    assert!(c.x < t.cols() && c.y < t.rows());
    for y in 0..t.rows() {
        let _ = t.row(y);
    }
    let _ = t.take_replies();
});
