//! Pane and session sizes: the one rule for every size that enters the server, so the PTY,
//! the emulator and what `panes` reports always agree.
//!
//! - A size given explicitly (`new -x/-y`, `resize -x/-y`) must be within 1 ..= the
//!   emulator's largest screen; anything else is refused with the range.
//! - A size that comes from a terminal (an attached client) is clamped into that range.

/// Largest width: the emulator's (`spool_term::MAX_COLS`).
pub const MAX_COLS: u16 = spool_term::MAX_COLS as u16;
/// Largest height: the emulator's (`spool_term::MAX_ROWS`).
pub const MAX_ROWS: u16 = spool_term::MAX_ROWS as u16;

/// Check an explicit width (`cols`) or height.
pub fn check(v: u16, cols: bool) -> Result<u16, String> {
    let (max, what) = if cols {
        (MAX_COLS, "width")
    } else {
        (MAX_ROWS, "height")
    };
    if v == 0 || v > max {
        return Err(format!("bad {what}: {v} (1-{max})"));
    }
    Ok(v)
}

/// Clamp a size from a terminal into what panes can be.
pub fn clamp(cols: u16, rows: u16) -> (u16, u16) {
    (cols.clamp(1, MAX_COLS), rows.clamp(1, MAX_ROWS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_sizes_out_of_range_are_refused_and_terminal_sizes_clamped() {
        assert!(check(0, true).is_err());
        assert!(check(4096, true).is_err());
        assert_eq!(check(2000, true), Ok(2000));
        assert!(check(1001, false).is_err());
        assert_eq!(clamp(0, 5000), (1, MAX_ROWS));
    }
}
