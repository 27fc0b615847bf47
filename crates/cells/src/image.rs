//! What happened to the images a terminal was sent: counted by the emulator, summed by the
//! server, shown by `spool stats`.

use serde::{Deserialize, Serialize};

/// Image counts of one terminal (or, summed, of a server).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageCounts {
    /// Images placed on cells.
    pub placed: u64,
    /// Image contents handed to the store.
    pub stored: u64,
    /// Dropped: past the sequence cap, past the size cap, undecodable, refused transfers
    /// (shared memory, a file that is not a regular file under the cap), queue full.
    pub too_long: u64,
    pub too_large: u64,
    pub invalid: u64,
    pub refused: u64,
    pub full: u64,
}

impl ImageCounts {
    /// Every image dropped, whatever the reason.
    pub fn dropped(&self) -> u64 {
        self.too_long + self.too_large + self.invalid + self.refused + self.full
    }

    /// Add another terminal's counts.
    pub fn add(&mut self, o: &ImageCounts) {
        self.placed += o.placed;
        self.stored += o.stored;
        self.too_long += o.too_long;
        self.too_large += o.too_large;
        self.invalid += o.invalid;
        self.refused += o.refused;
        self.full += o.full;
    }
}
