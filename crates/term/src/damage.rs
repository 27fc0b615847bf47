//! Damage tracking: which rows changed since the last publication to clients.
//!
//! One bit per row (so `rows / 8` bytes), plus flags for changes that are not rows: the whole
//! screen (resize, alternate-screen switch) and "other" state (cursor, title, modes).

/// Rows changed since the last [`Damage::take`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Damage {
    bits: Vec<u64>,
    rows: usize,
    /// Every row must be redrawn.
    pub full: bool,
    /// Cursor, title, modes or other non-row state changed.
    pub other: bool,
}

impl Damage {
    pub fn new(rows: usize) -> Damage {
        Damage {
            bits: vec![0; rows.div_ceil(64)],
            rows,
            full: true,
            other: true,
        }
    }

    #[inline]
    pub fn mark(&mut self, y: usize) {
        if let Some(w) = self.bits.get_mut(y >> 6) {
            *w |= 1 << (y & 63);
        }
    }

    pub fn mark_range(&mut self, from: usize, to_inclusive: usize) {
        let to = to_inclusive.min(self.rows.saturating_sub(1));
        if self.full || from > to {
            return;
        }
        let mut y = from;
        while y <= to {
            let bit = y & 63;
            let n = (64 - bit).min(to + 1 - y);
            let mask = if n == 64 {
                u64::MAX
            } else {
                ((1u64 << n) - 1) << bit
            };
            if let Some(w) = self.bits.get_mut(y >> 6) {
                *w |= mask;
            }
            y += n;
        }
    }

    pub fn mark_all(&mut self) {
        self.full = true;
    }

    #[inline]
    pub fn is_dirty(&self, y: usize) -> bool {
        self.full
            || self
                .bits
                .get(y >> 6)
                .is_some_and(|w| w & (1 << (y & 63)) != 0)
    }

    /// Anything to publish?
    pub fn any(&self) -> bool {
        self.full || self.other || self.bits.iter().any(|&w| w != 0)
    }

    /// The changed rows, top to bottom.
    pub fn rows(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.rows).filter(|&y| self.is_dirty(y))
    }

    /// Take the current damage, leaving none.
    pub fn take(&mut self) -> Damage {
        let out = self.clone();
        self.bits.fill(0);
        self.full = false;
        self.other = false;
        out
    }

    pub fn resize(&mut self, rows: usize) {
        self.rows = rows;
        self.bits = vec![0; rows.div_ceil(64)];
        self.full = true;
    }

    pub fn memory_bytes(&self) -> usize {
        self.bits.capacity() * 8
    }
}
