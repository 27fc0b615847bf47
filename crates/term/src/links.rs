//! OSC 8 hyperlinks: the pane's id → URI table. Cells carry the link id in their style
//! (`Style::link`); the URI stays here and never enters history rows.
//!
//! Bounds: at most [`LINK_MAX`] links, URIs of at most [`LINK_URI_MAX`] bytes (longer ones
//! are ignored, the text stays unlinked). When full, links no live style refers to are freed;
//! if all are live, new links are ignored.

use crate::hash::FastMap;

/// Most hyperlinks a pane tracks at once. A screen shows at most a few hundred links; 1024 ×
/// ≤ 2 KiB bounds the table at ~2 MiB in the worst case, and only programs that emit OSC 8 pay.
pub const LINK_MAX: usize = 1024;

/// Longest URI kept. 2 KiB is the practical URL limit browsers and servers share.
pub const LINK_URI_MAX: usize = 2048;

/// Hyperlink table. Link ids are `slot + 1` (0 means "no link").
#[derive(Clone, Debug, Default)]
pub struct LinkTable {
    /// (`id=` parameter, URI) per slot; empty URI = free slot.
    slots: Vec<(Box<str>, Box<str>)>,
    map: FastMap<(Box<str>, Box<str>), u32>,
    free: Vec<u32>,
    /// Entries added since creation (the garbage collector's measure of work).
    inserted: u64,
}

impl LinkTable {
    /// Entries added since creation.
    pub fn inserted(&self) -> u64 {
        self.inserted
    }

    /// The URI of link `id`.
    pub fn uri(&self, id: u32) -> Option<&str> {
        let (_, uri) = self.slots.get((id as usize).checked_sub(1)?)?;
        (!uri.is_empty()).then_some(&**uri)
    }

    /// The id for (`key`, `uri`); links with the same explicit id and URI share one id.
    pub fn intern(&mut self, key: &str, uri: &str) -> Option<u32> {
        if uri.is_empty() || uri.len() > LINK_URI_MAX || key.len() > LINK_URI_MAX {
            return None;
        }
        let k: (Box<str>, Box<str>) = (key.into(), uri.into());
        if !key.is_empty() {
            if let Some(&id) = self.map.get(&k) {
                return Some(id);
            }
        }
        let slot = if let Some(s) = self.free.pop() {
            self.slots[s as usize] = k.clone();
            s
        } else if self.slots.len() < LINK_MAX {
            self.slots.push(k.clone());
            (self.slots.len() - 1) as u32
        } else {
            return None;
        };
        if !key.is_empty() {
            self.map.insert(k, slot + 1);
        }
        self.inserted += 1;
        Some(slot + 1)
    }

    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// Keep links whose id (`slot + 1`) is marked in `live` (indexed by id).
    pub fn retain(&mut self, live: &[bool]) {
        self.free.clear();
        for (i, s) in self.slots.iter_mut().enumerate() {
            if !live.get(i + 1).copied().unwrap_or(false) {
                self.map.remove(&*s);
                *s = ("".into(), "".into());
                self.free.push(i as u32);
            }
        }
        self.free.reverse();
    }

    pub fn memory_bytes(&self) -> usize {
        self.slots.capacity() * 32
            + self
                .slots
                .iter()
                .map(|(k, u)| 2 * (k.len() + u.len()))
                .sum::<usize>()
            + self.map.capacity() * 40
    }
}
