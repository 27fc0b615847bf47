//! Damage: has anything a client would draw changed since the last publication?
//!
//! Two flags, not a row map: a pane is published to every attached client, each of which has
//! seen a different frame, so which rows changed is decided per client (by row hashes, in the
//! server's `compose`); the emulator only says *whether* anything did, as a generation number
//! (see `Terminal::publication`). The marks are kept where the changes happen, so that a change
//! is never missed.

/// What changed since the last [`Damage::take`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Damage {
    /// A row's cells changed (or all did: resize, reset, alternate screen).
    rows: bool,
    /// Cursor, title, modes or other non-row state changed.
    pub other: bool,
}

impl Damage {
    /// A new screen: everything is to be drawn.
    pub fn new(_rows: usize) -> Damage {
        Damage {
            rows: true,
            other: true,
        }
    }

    #[inline]
    pub fn mark(&mut self, _y: usize) {
        self.rows = true;
    }

    #[inline]
    pub fn mark_range(&mut self, _from: usize, _to_inclusive: usize) {
        self.rows = true;
    }

    #[inline]
    pub fn mark_all(&mut self) {
        self.rows = true;
    }

    /// Anything to publish?
    pub fn any(&self) -> bool {
        self.rows || self.other
    }

    /// Whether anything changed, leaving nothing marked.
    pub fn take(&mut self) -> bool {
        std::mem::take(self).any()
    }

    pub fn resize(&mut self, _rows: usize) {
        self.rows = true;
    }
}
