//! The per-screen style table: cells hold a 2-byte index instead of a 24-byte [`Style`].
//!
//! Index 0 is always the default style. The table holds at most [`STYLE_MAX`] styles; when it
//! is full the terminal marks the styles still referenced (both grids, the pen) and frees the
//! rest ([`StyleTable::retain`]). If every slot is still live — a screen with more distinct
//! styles than [`STYLE_MAX`] — new styles fall back to the default style (text is kept, its
//! colors are lost), which is logged.

use spool_store::Style;

use crate::hash::FastMap;

/// Most distinct styles a screen can hold at once. 4096 covers a full 200×20 screen in which
/// every cell has its own truecolor style, and costs at most ~4096 × (24 + ~40 map) ≈ 260 KiB;
/// real programs use tens.
pub const STYLE_MAX: usize = 4096;

/// Interned styles, indexed by `u16`.
#[derive(Debug, Clone)]
pub struct StyleTable {
    styles: Vec<Style>,
    map: FastMap<Style, u16>,
    free: Vec<u16>,
}

impl Default for StyleTable {
    fn default() -> Self {
        let mut map = FastMap::default();
        map.insert(Style::default(), 0);
        StyleTable {
            styles: vec![Style::default()],
            map,
            free: Vec::new(),
        }
    }
}

impl StyleTable {
    /// The style at `idx` (default for an unknown index).
    #[inline]
    pub fn get(&self, idx: u16) -> Style {
        self.styles.get(idx as usize).copied().unwrap_or_default()
    }

    /// The index of `style`, adding it if there is room; `None` when the table is full.
    #[inline]
    pub fn intern(&mut self, style: Style) -> Option<u16> {
        if let Some(&i) = self.map.get(&style) {
            return Some(i);
        }
        let i = if let Some(i) = self.free.pop() {
            self.styles[i as usize] = style;
            i
        } else if self.styles.len() < STYLE_MAX {
            self.styles.push(style);
            (self.styles.len() - 1) as u16
        } else {
            return None;
        };
        self.map.insert(style, i);
        Some(i)
    }

    /// Live entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Keep only the styles whose index is marked in `live` (index 0 is always kept).
    pub fn retain(&mut self, live: &[bool]) {
        self.free.clear();
        for (i, s) in self.styles.iter().enumerate().skip(1) {
            if !live.get(i).copied().unwrap_or(false) {
                if self.map.get(s) == Some(&(i as u16)) {
                    self.map.remove(s);
                }
                self.free.push(i as u16);
            }
        }
        // Hand out low indexes first.
        self.free.reverse();
    }

    /// Number of slots (live or free); the size a liveness bitmap must have.
    pub fn slots(&self) -> usize {
        self.styles.len()
    }

    pub fn memory_bytes(&self) -> usize {
        self.styles.capacity() * std::mem::size_of::<Style>()
            + self.map.capacity() * (std::mem::size_of::<(Style, u16)>() + 8)
            + self.free.capacity() * 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool_store::Color;

    #[test]
    fn bounded_and_reclaims() {
        let mut t = StyleTable::default();
        for i in 0..STYLE_MAX - 1 {
            let s = Style {
                fg: Color::Rgb((i >> 8) as u8, i as u8, 1),
                ..Style::default()
            };
            assert!(t.intern(s).is_some());
        }
        let extra = Style {
            fg: Color::Rgb(255, 255, 255),
            ..Style::default()
        };
        assert_eq!(t.intern(extra), None);
        let mut live = vec![false; t.slots()];
        live[5] = true;
        t.retain(&live);
        assert_eq!(t.len(), 2);
        let i = t.intern(extra).unwrap();
        assert_eq!(t.get(i), extra);
        assert!(t.slots() <= STYLE_MAX);
    }
}
