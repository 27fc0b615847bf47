//! Synchronized output (DEC private mode 2026) without a buffer.
//!
//! While the mode is set the model keeps applying every byte — memory stays exactly the
//! screen's — and only *publication* of a frame to clients is held, until the program resets
//! the mode or [`SYNC_TIMEOUT`] passes since it was set, whichever is first (on timeout the
//! mode is cleared, as tmux 3.7 and ghostty do).

use std::time::{Duration, Instant};

/// Longest a program can hold publication. 1 s, as tmux 3.7 and ghostty: long enough for any
/// redraw, short enough that a crashed program does not freeze its pane for the user.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Clone, Copy, Debug, Default)]
pub struct Sync {
    /// When the current hold began, if the mode is set.
    pub since: Option<Instant>,
}

impl Sync {
    pub fn begin(&mut self, now: Instant) {
        if self.since.is_none() {
            self.since = Some(now);
        }
    }

    pub fn end(&mut self) {
        self.since = None;
    }

    pub fn active(&self) -> bool {
        self.since.is_some()
    }

    /// When the hold times out, if one is active.
    pub fn deadline(&self) -> Option<Instant> {
        self.since.map(|t| t + SYNC_TIMEOUT)
    }

    /// Is publication held at `now`?
    pub fn holds(&self, now: Instant) -> bool {
        self.since
            .is_some_and(|t| now.saturating_duration_since(t) < SYNC_TIMEOUT)
    }
}
