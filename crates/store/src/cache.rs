//! One cache of decompressed segments shared by every pane, bounded in bytes.
//!
//! The capacity is fixed when the cache is made and nothing can raise it: not a resize, not a
//! clear, not a search. A segment too large to fit is handed to the reader without being
//! cached. Eviction is least-recently-used. Readers hold `Arc`s, so an evicted segment lives on
//! only while a reader is still walking it (one or two per reader at a time).

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::codec::SegmentBuf;

/// Default capacity: 32 typical 256 KiB segments, enough for a client's scroll window and a
/// search's read-ahead over all panes, small next to the tens of MiB the server may use.
pub const DEFAULT_CACHE_BYTES: usize = 8 * 1024 * 1024;

/// Bytes charged per entry on top of the segment itself (map slots, LRU slot, Arc header).
const ENTRY_OVERHEAD: usize = 96;

/// Key: which store, which segment (its first row; row numbers are never reused in a store).
pub type Key = (u64, u64);

#[derive(Debug, Default)]
struct Inner {
    map: HashMap<Key, (u64, Arc<SegmentBuf>, usize)>,
    lru: BTreeMap<u64, Key>,
    tick: u64,
    bytes: usize,
}

/// Counters of a [`SegmentCache`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CacheStats {
    pub capacity_bytes: usize,
    pub bytes: usize,
    pub entries: usize,
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

/// The shared, byte-bounded segment cache.
#[derive(Debug)]
pub struct SegmentCache {
    capacity: usize,
    inner: Mutex<Inner>,
    hits: AtomicU64,
    misses: AtomicU64,
    evictions: AtomicU64,
}

impl SegmentCache {
    pub fn new(capacity_bytes: usize) -> SegmentCache {
        SegmentCache {
            capacity: capacity_bytes,
            inner: Mutex::new(Inner::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn get(&self, key: Key) -> Option<Arc<SegmentBuf>> {
        let mut g = self.lock();
        let inner = &mut *g;
        inner.tick += 1;
        let tick = inner.tick;
        match inner.map.get_mut(&key) {
            Some(e) => {
                inner.lru.remove(&e.0);
                e.0 = tick;
                inner.lru.insert(tick, key);
                self.hits.fetch_add(1, Ordering::Relaxed);
                Some(e.1.clone())
            }
            None => {
                self.misses.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Insert, evicting least-recently-used entries until the total fits the capacity.
    pub fn insert(&self, key: Key, seg: Arc<SegmentBuf>) {
        let size = seg.heap_bytes() + ENTRY_OVERHEAD;
        if size > self.capacity {
            return;
        }
        let mut g = self.lock();
        let inner = &mut *g;
        if let Some(old) = inner.map.remove(&key) {
            inner.lru.remove(&old.0);
            inner.bytes -= old.2;
        }
        while inner.bytes + size > self.capacity {
            let Some((_, victim)) = inner.lru.pop_first() else {
                break;
            };
            if let Some(v) = inner.map.remove(&victim) {
                inner.bytes -= v.2;
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
        inner.tick += 1;
        let tick = inner.tick;
        inner.lru.insert(tick, key);
        inner.map.insert(key, (tick, seg, size));
        inner.bytes += size;
    }

    /// Forget one segment (pruned or cleared).
    pub fn remove(&self, key: Key) {
        let mut g = self.lock();
        if let Some(old) = g.map.remove(&key) {
            g.lru.remove(&old.0);
            g.bytes -= old.2;
        }
    }

    /// Forget every segment of one store.
    pub fn remove_store(&self, store: u64) {
        let mut g = self.lock();
        let inner = &mut *g;
        let keys: Vec<Key> = inner.map.keys().filter(|k| k.0 == store).copied().collect();
        for k in keys {
            if let Some(old) = inner.map.remove(&k) {
                inner.lru.remove(&old.0);
                inner.bytes -= old.2;
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let g = self.lock();
        CacheStats {
            capacity_bytes: self.capacity,
            bytes: g.bytes,
            entries: g.map.len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
        }
    }
}
