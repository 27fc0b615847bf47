//! The per-screen style table: cells hold a 2-byte index instead of a 24-byte [`Style`].
//!
//! Index 0 is always the default style. The table holds at most [`STYLE_MAX`] styles. It is
//! collected well before that: when it reaches its soft limit (twice what was live after the
//! last collection, at least [`STYLE_SOFT_MIN`]) the terminal marks the styles still
//! referenced (both grids, the edge, the pen), and [`StyleTable::compact`] keeps only those,
//! renumbered from 1; the terminal renumbers its cells to match. When the pane goes quiet the
//! buffers shrink to what is live ([`StyleTable::shrink`]), so a pane that once printed
//! thousands of colors holds the table of what it shows now, not of the most it ever showed. If every slot up to [`STYLE_MAX`] is live — a screen with more
//! distinct styles than that — new styles fall back to the default style (text is kept, its
//! colors are lost), which is logged.

use spool_cells::{Attrs, Color, Style, Underline};

use crate::hash::FastMap;

/// Most distinct styles a screen can hold at once. 4096 covers a full 200×20 screen in which
/// every cell has its own truecolor style, and costs at most ~4096 × (24 + ~40 map) ≈ 260 KiB;
/// real programs use tens.
pub const STYLE_MAX: usize = 4096;

/// The smallest soft limit: below it a table is never collected. 256 styles is a screen of
/// a colored log (a few styles per line) with room to change, at ~16 KiB.
pub const STYLE_SOFT_MIN: usize = 256;

/// A `Style` packed into three words: hashing and comparing it is a few instructions,
/// where the derived impls walk every field.
type Key = [u64; 3];

#[inline]
fn color_bits(c: Color) -> u64 {
    match c {
        Color::Default => 0,
        Color::Indexed(n) => 1 << 24 | n as u64,
        Color::Rgb(r, g, b) => 2 << 24 | (r as u64) << 16 | (g as u64) << 8 | b as u64,
    }
}

#[inline]
fn key(s: &Style) -> Key {
    [
        color_bits(s.fg) | color_bits(s.bg) << 32,
        color_bits(s.underline_color) | (s.attrs.0 as u64) << 32 | (s.underline as u64) << 48,
        s.link as u64 | (s.image as u64) << 32,
    ]
}

#[allow(dead_code)]
fn unkey(k: Key) -> Style {
    let color = |v: u64| match v >> 24 & 0xff {
        1 => Color::Indexed(v as u8),
        2 => Color::Rgb((v >> 16) as u8, (v >> 8) as u8, v as u8),
        _ => Color::Default,
    };
    Style {
        fg: color(k[0] & 0xffff_ffff),
        bg: color(k[0] >> 32),
        underline_color: color(k[1] & 0xffff_ffff),
        attrs: Attrs((k[1] >> 32) as u16),
        underline: Underline::from_u8((k[1] >> 48) as u8),
        link: k[2] as u32,
        image: (k[2] >> 32) as u32,
    }
}

/// Interned styles, indexed by `u16`.
#[derive(Debug, Clone)]
pub struct StyleTable {
    styles: Vec<Style>,
    map: FastMap<Key, u16>,
    /// Recently interned styles: programs alternate between a handful of styles, and a
    /// linear scan of a few entries beats hashing a `Style`.
    recent: [(Key, u16); RECENT],
    /// Styles added since creation (the garbage collector's measure of work).
    inserted: u64,
    /// Past this many slots the table asks to be collected ([`StyleTable::intern`] returns
    /// `None`); see the module docs.
    soft_max: usize,
}

/// Entries in the recent-styles cache (direct-mapped by a hash of the key). The all-zero key
/// is the default style, index 0, so a zeroed cache is valid.
const RECENT: usize = 64;

#[inline]
fn slot(k: &Key) -> usize {
    let h =
        (k[0] ^ k[1].rotate_left(21) ^ k[2].rotate_left(42)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (h >> 58) as usize
}

impl Default for StyleTable {
    fn default() -> Self {
        let mut map = FastMap::default();
        map.insert(key(&Style::default()), 0);
        StyleTable {
            styles: vec![Style::default()],
            map,
            recent: [([0; 3], 0); RECENT],
            inserted: 0,
            soft_max: STYLE_SOFT_MIN,
        }
    }
}

impl StyleTable {
    /// The style at `idx` (default for an unknown index).
    #[inline]
    pub fn get(&self, idx: u16) -> Style {
        self.styles.get(idx as usize).copied().unwrap_or_default()
    }

    /// The index of `style`, adding it if there is room; `None` when the table is at its
    /// soft limit (collect it, or [`StyleTable::grow`] the limit) or full.
    #[inline]
    pub fn intern(&mut self, style: Style) -> Option<u16> {
        let k = key(&style);
        let slot = slot(&k);
        let (ck, ci) = self.recent[slot];
        if ck == k {
            return Some(ci);
        }
        let i = self.intern_slow(style, k)?;
        self.recent[slot] = (k, i);
        Some(i)
    }

    fn intern_slow(&mut self, style: Style, k: Key) -> Option<u16> {
        if let Some(&i) = self.map.get(&k) {
            return Some(i);
        }
        if self.styles.len() >= self.soft_max {
            return None;
        }
        let i = self.styles.len() as u16;
        self.styles.push(style);
        self.map.insert(k, i);
        self.inserted += 1;
        Some(i)
    }

    /// Styles added since creation.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// Live entries.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// A collection was not due yet: let the table grow to twice its soft limit (up to
    /// [`STYLE_MAX`]). False when it is at [`STYLE_MAX`] already.
    pub fn grow(&mut self) -> bool {
        if self.soft_max >= STYLE_MAX {
            return false;
        }
        self.soft_max = (self.soft_max * 2).min(STYLE_MAX);
        true
    }

    /// Keep only the styles whose index is marked in `live` (index 0 is always kept),
    /// renumbered in order from 1. Returns the new index of each old one (0 for those
    /// dropped), for the caller to renumber what refers to them. The buffers are kept for
    /// the styles to come (a table collected while output flows would otherwise be grown
    /// again by doubling each time); [`StyleTable::shrink`] gives them back.
    pub fn compact(&mut self, live: &[bool]) -> Vec<u16> {
        let mut remap = vec![0u16; self.styles.len()];
        let mut kept = 1;
        for (i, new) in remap.iter_mut().enumerate().skip(1) {
            if live.get(i).copied().unwrap_or(false) {
                self.styles[kept] = self.styles[i];
                *new = kept as u16;
                kept += 1;
            }
        }
        self.styles.truncate(kept);
        self.map.clear();
        for (i, s) in self.styles.iter().enumerate() {
            self.map.insert(key(s), i as u16);
        }
        self.recent = [([0; 3], 0); RECENT];
        self.soft_max = (2 * kept).clamp(STYLE_SOFT_MIN, STYLE_MAX);
        remap
    }

    /// Buffers of the size of what the table holds (after a [`StyleTable::compact`], of what
    /// is live): for a pane that went quiet.
    pub fn shrink(&mut self) {
        self.styles.shrink_to_fit();
        if self.map.capacity() > 2 * self.map.len() {
            let mut map = FastMap::default();
            map.reserve(self.map.len());
            map.extend(self.map.drain());
            self.map = map;
        }
    }

    /// Number of slots; the size a liveness bitmap must have.
    pub fn slots(&self) -> usize {
        self.styles.len()
    }

    pub fn memory_bytes(&self) -> usize {
        self.styles.capacity() * std::mem::size_of::<Style>()
            + self.map.capacity() * (std::mem::size_of::<(Key, u16)>() + 8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use spool_cells::Color;

    fn nth(i: usize) -> Style {
        Style {
            fg: Color::Rgb((i >> 8) as u8, i as u8, 1),
            ..Style::default()
        }
    }

    #[test]
    fn bounded_and_reclaims() {
        let mut t = StyleTable::default();
        let mut added = 0;
        while added < STYLE_MAX - 1 {
            match t.intern(nth(added)) {
                Some(_) => added += 1,
                None => assert!(t.grow(), "refused below STYLE_MAX, at {added}"),
            }
        }
        let extra = Style {
            fg: Color::Rgb(255, 255, 255),
            ..Style::default()
        };
        assert_eq!(t.intern(extra), None);
        assert!(!t.grow(), "full at STYLE_MAX");
        let mut live = vec![false; t.slots()];
        live[5] = true;
        let five = t.get(5);
        let remap = t.compact(&live);
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.get(remap[5]),
            five,
            "the live style kept its value under its new index"
        );
        assert_eq!(remap[5], 1);
        let i = t.intern(extra).unwrap();
        assert_eq!(t.get(i), extra);
        assert!(t.slots() <= STYLE_MAX);
    }

    #[test]
    fn a_compacted_table_holds_the_memory_of_what_is_live() {
        let mut t = StyleTable::default();
        let full = {
            let mut added = 0;
            while added < STYLE_MAX - 1 {
                match t.intern(nth(added)) {
                    Some(_) => added += 1,
                    None => assert!(t.grow()),
                }
            }
            t.memory_bytes()
        };
        let mut live = vec![false; t.slots()];
        for i in (1..t.slots()).step_by(64) {
            live[i] = true;
        }
        t.compact(&live);
        t.shrink();
        assert_eq!(t.len(), 1 + STYLE_MAX / 64);
        assert!(
            t.memory_bytes() * 8 < full,
            "{} bytes after compaction, {full} full",
            t.memory_bytes()
        );
        // Its soft limit is twice what is live (at least STYLE_SOFT_MIN).
        let mut n = 0;
        while t.intern(nth(10_000 + n)).is_some() {
            n += 1;
        }
        assert_eq!(t.slots(), STYLE_SOFT_MIN.max(2 * (1 + STYLE_MAX / 64)));
    }

    #[test]
    fn key_roundtrip() {
        let s = Style {
            fg: Color::Rgb(1, 2, 3),
            bg: Color::Indexed(200),
            underline_color: Color::Rgb(255, 0, 9),
            attrs: Attrs::BOLD | Attrs::OVERLINE,
            underline: Underline::Curly,
            link: 77,
            image: u32::MAX,
        };
        assert_eq!(unkey(key(&s)), s);
        assert_eq!(unkey(key(&Style::default())), Style::default());
    }
}
