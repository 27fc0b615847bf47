//! The per-screen grapheme-cluster table: a cell whose text is more than one character
//! (a base plus combining marks, ZWJ emoji sequences, variation selectors, flags) stores an
//! index here instead of a character.
//!
//! Bounds: at most [`CLUSTER_MAX`] distinct clusters, each at most [`CLUSTER_MAX_BYTES`]
//! bytes. Characters that would make a cluster longer are dropped. When the table is full the
//! terminal marks the clusters still on screen and frees the rest; if all are live, the
//! extending character is dropped (the cell keeps its base).

use crate::hash::FastMap;

/// Most distinct clusters a screen holds. A screen rarely shows more than a few dozen distinct
/// multi-character clusters; 2048 × ≤ 32 bytes (+ map) bounds the table near 150 KiB.
pub const CLUSTER_MAX: usize = 2048;

/// Longest cluster in bytes. 32 bytes holds a four-person ZWJ family emoji with skin tones
/// removed (25 bytes) or a letter with several stacked combining marks; Zalgo text beyond that
/// is cut.
pub const CLUSTER_MAX_BYTES: usize = 32;

#[derive(Debug, Clone, Default)]
pub struct ClusterTable {
    items: Vec<Box<str>>,
    map: FastMap<Box<str>, u32>,
    free: Vec<u32>,
    /// Entries added since creation (the garbage collector's measure of work).
    inserted: u64,
}

impl ClusterTable {
    /// Entries added since creation.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    #[inline]
    pub fn get(&self, idx: u32) -> &str {
        self.items.get(idx as usize).map_or(" ", |s| s)
    }

    /// Index of `s`, adding it if there is room. `None` when full or `s` is too long.
    pub fn intern(&mut self, s: &str) -> Option<u32> {
        if s.len() > CLUSTER_MAX_BYTES {
            return None;
        }
        if let Some(&i) = self.map.get(s) {
            return Some(i);
        }
        let i = if let Some(i) = self.free.pop() {
            self.items[i as usize] = s.into();
            i
        } else if self.items.len() < CLUSTER_MAX {
            self.items.push(s.into());
            (self.items.len() - 1) as u32
        } else {
            return None;
        };
        self.map.insert(s.into(), i);
        self.inserted += 1;
        Some(i)
    }

    pub fn slots(&self) -> usize {
        self.items.len()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Keep only the clusters marked in `live`.
    pub fn retain(&mut self, live: &[bool]) {
        self.free.clear();
        for (i, s) in self.items.iter_mut().enumerate() {
            if !live.get(i).copied().unwrap_or(false) {
                if self.map.get(&**s) == Some(&(i as u32)) {
                    self.map.remove(&**s);
                }
                *s = "".into();
                self.free.push(i as u32);
            }
        }
        self.free.reverse();
    }

    pub fn memory_bytes(&self) -> usize {
        self.items.capacity() * 16
            + self.items.iter().map(|s| s.len() * 2).sum::<usize>()
            + self.map.capacity() * 24
            + self.free.capacity() * 4
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded() {
        let mut t = ClusterTable::default();
        for i in 0..CLUSTER_MAX {
            assert!(t.intern(&format!("{i}\u{301}")).is_some());
        }
        assert!(t.intern("x\u{301}").is_none());
        assert!(t.intern(&"e\u{301}".repeat(20)).is_none());
        t.retain(&[true]);
        assert_eq!(t.len(), 1);
        assert!(t.intern("x\u{301}").is_some());
    }
}
