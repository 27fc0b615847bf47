//! The index of a store's sealed segments: what the store knows of each one without reading
//! it ([`Entry`], 40 bytes), oldest first, contiguous in rows.
//!
//! A store that is being written or read keeps its entries in a `VecDeque`, where lookups are
//! a binary search. A quiet store keeps them **packed**: each entry's fields as varints,
//! where what follows from the entry before (its first row is where the last one ended; its
//! offset is where the last one's frame ended on disk; its width is the last one's) costs
//! nothing. A 1 GiB history's 4,096 entries take 160 KiB
//! unpacked and ~38 KiB packed (measured: `spool-bench burst`).
//!
//! - Packing is [`Index::pack`], which a store calls when it is quiet ([`crate::Store::trim`];
//!   the write of its last pending segment after that; every store of an env at once through
//!   [`crate::Env::trim`]).
//! - Anything that needs an entry calls [`Index::entries`], which unpacks first. Only the
//!   count, the first row and the heap held are answered while packed, so that `stats` and
//!   row bounds never unpack, and a new segment is appended packed ([`Index::push`]), so
//!   that a pane printing a little now and then does not unpack its index for each segment.
//! - An index is only packed when that takes fewer bytes than its entries do, so its bound
//!   stays 40 bytes per segment either way ([`crate::MAX_SEGMENTS_PER_STORE`]).

use std::collections::VecDeque;

use crate::codec::{put_varint, take_varint};
use crate::segfile::HEADER_LEN;

/// Offset marking a segment whose write failed: its rows are counted, and reads see one
/// marker row in their place (see `store::lost_segment`).
pub(crate) const LOST: u64 = u64::MAX;

/// A quiet index keeps spare room up to 1/this of its entries once unpacked: the next
/// segments then do not double it at once (40 bytes per entry, up to 2.5 MiB).
const SPARE_DIV: usize = 16;

/// What the index keeps per sealed segment: 40 bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Entry {
    pub first_row: u64,
    pub offset: u64,
    pub comp_len: u32,
    pub raw_len: u32,
    pub carry_in: u32,
    /// Display rows at `geo_width` of the lines that end in this segment (0 width = unknown).
    pub geo_rows: u32,
    pub row_count: u16,
    pub geo_width: u16,
    /// log2 of its text filter's bits (0: none; see `filter.rs`).
    pub filter_log2: u8,
}

impl Entry {
    pub(crate) fn end_row(&self) -> u64 {
        self.first_row + self.row_count as u64
    }

    /// Bytes its frame takes in the segment file (none for a lost segment).
    pub(crate) fn disk_len(&self) -> u64 {
        if self.offset == LOST {
            0
        } else {
            (HEADER_LEN + self.comp_len as usize + crate::filter::filter_len(self.filter_log2))
                as u64
        }
    }

    /// Where the next segment's frame starts on disk if it follows this one's.
    fn next_offset(&self) -> u64 {
        self.offset.wrapping_add(self.disk_len())
    }
}

/// The tag byte of a packed entry: its filter's log2 in the low bits, and which fields are
/// written out because they do not follow from the entry before.
const TAG_LOG2_MASK: u8 = 0x1f;
const TAG_FIRST_ROW: u8 = 1 << 5;
const TAG_OFFSET: u8 = 1 << 6;
const TAG_GEO_WIDTH: u8 = 1 << 7;
const _: () = assert!(crate::filter::MAX_LOG2_BITS <= TAG_LOG2_MASK);

/// Most bytes one packed entry takes: the tag, three `u64`/`u16` fields written out (10 + 10
/// + 3 bytes of varint) and five `u32`s (5 each).
const PACKED_ENTRY_MAX: usize = 1 + 10 + 10 + 3 + 5 * 5;

/// A store's segment index, unpacked or packed (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Index {
    /// The entries, while unpacked; empty while packed.
    entries: VecDeque<Entry>,
    /// The entries packed, oldest first; empty while unpacked.
    packed: Vec<u8>,
    /// How many entries `packed` holds.
    packed_len: usize,
    /// The first row of the oldest packed entry.
    packed_first_row: u64,
    /// The newest packed entry: what the next one pushed is packed against.
    packed_last: Entry,
}

impl Index {
    pub(crate) fn from_entries(entries: VecDeque<Entry>) -> Index {
        Index {
            entries,
            ..Index::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len() + self.packed_len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first row of the oldest segment, if any.
    pub(crate) fn first_row(&self) -> Option<u64> {
        if self.packed_len > 0 {
            Some(self.packed_first_row)
        } else {
            self.entries.front().map(|e| e.first_row)
        }
    }

    /// Heap bytes held, packed or not.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>() + self.packed.capacity()
    }

    pub(crate) fn is_packed(&self) -> bool {
        self.packed_len > 0
    }

    /// The entries, unpacked first if need be.
    pub(crate) fn entries(&mut self) -> &mut VecDeque<Entry> {
        if self.packed_len > 0 {
            self.unpack();
        }
        &mut self.entries
    }

    /// The position of the entry holding `row`, if a sealed segment does.
    pub(crate) fn find(&mut self, row: u64) -> Option<usize> {
        let entries = self.entries();
        let i = entries.partition_point(|e| e.first_row <= row);
        (i > 0 && row < entries[i - 1].end_row()).then(|| i - 1)
    }

    /// The entry of the sealed segment holding `row`.
    pub(crate) fn holding(&mut self, row: u64) -> Option<Entry> {
        self.find(row).map(|i| self.entries[i])
    }

    /// The entry of the sealed segment that starts at `first_row`, to change.
    pub(crate) fn starting_at(&mut self, first_row: u64) -> Option<&mut Entry> {
        let i = self.find(first_row)?;
        let e = &mut self.entries[i];
        (e.first_row == first_row).then_some(e)
    }

    /// Add the newest segment's entry; appended packed if the index is packed, unless that
    /// would make it hold more than the 40 bytes an entry its entries take unpacked.
    pub(crate) fn push(&mut self, e: Entry) {
        if self.packed_len == 0 {
            self.entries.push_back(e);
            return;
        }
        if self.packed.capacity() - self.packed.len() < PACKED_ENTRY_MAX {
            // Room for 1/SPARE_DIV more, so that appending copies the packed bytes seldom.
            self.packed
                .reserve_exact(self.packed.len() / SPARE_DIV + PACKED_ENTRY_MAX);
        }
        pack_entry(&mut self.packed, &self.packed_last, &e);
        self.packed_len += 1;
        self.packed_last = e;
        if self.packed.capacity() > self.packed_len * std::mem::size_of::<Entry>() {
            self.unpack();
        }
    }

    /// Take every entry out, leaving the index empty.
    pub(crate) fn take(&mut self) -> VecDeque<Entry> {
        let entries = std::mem::take(self.entries());
        *self = Index::default();
        entries
    }

    /// The store is quiet: pack the entries if that takes fewer bytes than they do, and
    /// otherwise give back spare room beyond 1/[`SPARE_DIV`] of them.
    pub(crate) fn pack(&mut self) {
        // Packed already (what was appended since keeps its room), or nothing to pack.
        if self.packed_len > 0 || self.entries.is_empty() {
            return;
        }
        let unpacked = self.entries.len() * std::mem::size_of::<Entry>();
        let mut out = Vec::new();
        let mut prev = Entry::default();
        for e in &self.entries {
            pack_entry(&mut out, &prev, e);
            prev = *e;
            if out.len() >= unpacked {
                break;
            }
        }
        if out.len() < unpacked {
            out.shrink_to_fit();
            self.packed = out;
            self.packed_len = self.entries.len();
            self.packed_first_row = self.entries[0].first_row;
            self.packed_last = prev;
            self.entries = VecDeque::new();
        } else {
            let n = self.entries.len();
            if self.entries.capacity() > n + n / SPARE_DIV {
                self.entries.shrink_to(n + n / SPARE_DIV);
            }
        }
    }

    fn unpack(&mut self) {
        let n = self.packed_len;
        let mut entries = VecDeque::with_capacity(n + n / SPARE_DIV);
        let mut buf = &self.packed[..];
        let mut prev = Entry::default();
        while entries.len() < n {
            let Some(e) = unpack_entry(&mut buf, &prev) else {
                // Only this module writes what it reads: a short read is a bug here, and the
                // entries read so far are what the store keeps.
                tracing::error!(
                    entries = n,
                    read = entries.len(),
                    "a packed segment index did not unpack whole; its newest entries are lost"
                );
                break;
            };
            entries.push_back(e);
            prev = e;
        }
        self.entries = entries;
        self.packed = Vec::new();
        self.packed_len = 0;
    }
}

fn pack_entry(out: &mut Vec<u8>, prev: &Entry, e: &Entry) {
    let mut tag = e.filter_log2 & TAG_LOG2_MASK;
    if e.first_row != prev.end_row() {
        tag |= TAG_FIRST_ROW;
    }
    if e.offset != prev.next_offset() {
        tag |= TAG_OFFSET;
    }
    if e.geo_width != prev.geo_width {
        tag |= TAG_GEO_WIDTH;
    }
    out.push(tag);
    if tag & TAG_FIRST_ROW != 0 {
        put_varint(out, e.first_row);
    }
    if tag & TAG_OFFSET != 0 {
        put_varint(out, e.offset);
    }
    if tag & TAG_GEO_WIDTH != 0 {
        put_varint(out, e.geo_width as u64);
    }
    for v in [
        e.row_count as u32,
        e.comp_len,
        e.raw_len,
        e.carry_in,
        e.geo_rows,
    ] {
        put_varint(out, v as u64);
    }
}

fn unpack_entry(buf: &mut &[u8], prev: &Entry) -> Option<Entry> {
    let (&tag, rest) = buf.split_first()?;
    *buf = rest;
    let mut field = |explicit: bool, predicted: u64| {
        if explicit {
            take_varint(buf)
        } else {
            Some(predicted)
        }
    };
    let first_row = field(tag & TAG_FIRST_ROW != 0, prev.end_row())?;
    let offset = field(tag & TAG_OFFSET != 0, prev.next_offset())?;
    let geo_width = field(tag & TAG_GEO_WIDTH != 0, prev.geo_width as u64)?;
    let mut small = [0u32; 5];
    for v in &mut small {
        *v = u32::try_from(take_varint(buf)?).ok()?;
    }
    let [row_count, comp_len, raw_len, carry_in, geo_rows] = small;
    Some(Entry {
        first_row,
        offset,
        comp_len,
        raw_len,
        carry_in,
        geo_rows,
        row_count: u16::try_from(row_count).ok()?,
        geo_width: u16::try_from(geo_width).ok()?,
        filter_log2: tag & TAG_LOG2_MASK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Entries as a store makes them: contiguous rows and frames, with now and then a lost
    /// segment, a gap on disk or a width change.
    fn arb_entries() -> impl Strategy<Value = Vec<Entry>> {
        let one = (
            1u16..=16384,
            (1u32..4_000_000, any::<u32>(), any::<u32>(), any::<u32>()),
            prop_oneof![Just(0u8), 12u8..=19],
            prop_oneof![8 => Just(0u8), 1 => Just(1), 1 => Just(2), 1 => Just(3)],
            any::<u16>(),
        );
        (any::<u64>(), proptest::collection::vec(one, 0..200)).prop_map(|(start, v)| {
            let mut row = start >> 16;
            let mut offset = 0u64;
            let mut width = 80u16;
            let mut out = Vec::new();
            for (rows, (comp, raw, carry, geo), log2, odd, w) in v {
                let mut e = Entry {
                    first_row: row,
                    offset,
                    comp_len: comp,
                    raw_len: raw,
                    carry_in: carry,
                    geo_rows: geo,
                    row_count: rows,
                    geo_width: width,
                    filter_log2: log2,
                };
                match odd {
                    1 => e.offset = LOST,
                    2 => e.offset += 4096,
                    3 => {
                        width = w;
                        e.geo_width = w;
                    }
                    _ => {}
                }
                row = e.end_row();
                offset = if e.offset == LOST {
                    offset
                } else {
                    e.next_offset()
                };
                out.push(e);
            }
            out
        })
    }

    /// The entries of a log's segments from row `first_row` on: 256 KiB of 3,000 rows each,
    /// compressed to 40-41 KB, one after another on disk.
    fn log_segments(first_row: u64) -> impl Iterator<Item = Entry> {
        let mut e = Entry {
            first_row,
            offset: first_row >> 10,
            comp_len: 40_000,
            raw_len: 262_000,
            carry_in: 0,
            geo_rows: 3_000,
            row_count: 3_000,
            geo_width: 200,
            filter_log2: 17,
        };
        (0..).map(move |i: u32| {
            e.comp_len = 40_000 + i % 1000;
            let now = e;
            e.first_row = e.end_row();
            e.offset = e.next_offset();
            now
        })
    }

    proptest! {
        #[test]
        fn packing_and_unpacking_gives_back_the_same_entries(
            v in arb_entries(),
            split in any::<proptest::sample::Index>(),
        ) {
            // Some entries packed, the rest pushed after.
            let k = split.index(v.len() + 1);
            let mut index = Index::from_entries(v[..k].iter().copied().collect());
            index.pack();
            for e in &v[k..] {
                index.push(*e);
                prop_assert!(index.heap_bytes() <= index.len() * std::mem::size_of::<Entry>()
                    || !index.is_packed());
            }
            prop_assert_eq!(index.len(), v.len());
            prop_assert_eq!(index.first_row(), v.first().map(|e| e.first_row));
            let back: Vec<Entry> = index.entries().iter().copied().collect();
            prop_assert_eq!(back, v);
            prop_assert!(!index.is_packed());
        }
    }

    #[test]
    fn entries_that_follow_each_other_pack_to_a_third_of_their_size() {
        let mut index = Index::from_entries(log_segments(1 << 40).take(4096).collect());
        index.pack();
        assert!(index.is_packed());
        assert!(
            index.heap_bytes() * 3 <= 4096 * 40,
            "{} bytes packed",
            index.heap_bytes()
        );
    }

    #[test]
    fn an_index_that_would_not_pack_smaller_keeps_its_entries_and_gives_back_spare_room() {
        // Every entry with every field out of line costs more packed than its 40 bytes.
        let mut v = VecDeque::with_capacity(1024);
        for i in 0..100u64 {
            v.push_back(Entry {
                first_row: u64::MAX / 2 - i * 1_000_000,
                offset: LOST - 1 - i,
                comp_len: u32::MAX,
                raw_len: u32::MAX,
                carry_in: u32::MAX,
                geo_rows: u32::MAX,
                row_count: u16::MAX,
                geo_width: if i % 2 == 0 { u16::MAX } else { 1 },
                filter_log2: 19,
            });
        }
        let mut index = Index::from_entries(v);
        index.pack();
        assert!(!index.is_packed());
        assert!(index.heap_bytes() <= (100 + 100 / SPARE_DIV) * 40);
        assert_eq!(index.len(), 100);
    }

    #[test]
    fn a_segment_added_to_a_packed_index_is_appended_packed() {
        let mut segments = log_segments(0);
        let mut index = Index::from_entries(segments.by_ref().take(1000).collect());
        index.pack();
        for e in segments.take(1000) {
            index.push(e);
            assert!(index.is_packed());
        }
        assert_eq!(index.len(), 2000);
        // 12 bytes an entry here, with at most 1/16 room to spare and one entry's worth.
        let max = 2000 * 12 * (SPARE_DIV + 1) / SPARE_DIV + PACKED_ENTRY_MAX;
        assert!(index.heap_bytes() <= max, "{} > {max}", index.heap_bytes());
    }
}
