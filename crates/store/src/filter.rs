//! A sealed segment's text filter: which trigrams its text holds, so that a search for a
//! literal skips the segments that cannot match without reading or decompressing them.
//!
//! The filter is a one-hash bloom filter of the segment's text block's trigrams, ASCII
//! letters folded to lower case (so it serves case-insensitive searches too). It is built by
//! the compression worker when the segment is sealed and written after the compressed
//! payload, in the same frame (see `segfile.rs`):
//!
//! ```text
//! crc32 of the bits (4) | log2 of the bit count (1) | zero (3) | bits (2^log2 / 8 bytes)
//! ```
//!
//! Its size follows the text's variety, not its length: the power of two nearest to three bits
//! per distinct trigram ([`BITS_PER_TRIGRAM`]), so between 2.1 and 4.2, within
//! [`MIN_LOG2_BITS`]..=[`MAX_LOG2_BITS`]. A trigram that is not in the text is reported present
//! with a probability of 1 − e^(−1/bits), 21–38% (28% at three bits); a literal whose text
//! lacks k of its trigrams passes with about that to the k-th power, so a rare ten-letter word
//! skips all but a few segments in a thousand. A filter never says "absent" for text that is there.
//!
//! [`required`] reads a regex for what any match must contain (literals, alternatives of
//! literals); a pattern with no such literal of three bytes or more is scanned in full.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Bits per distinct trigram, before rounding to a power of two: one hash at this load keeps a
/// filter at a few percent of its segment's compressed size on log text (3% on a colored
/// log), with the false-positive rate above. Four bits rounded up (up to eight) made it 5.7
/// bits and 6% of the size on that log, which took history past 1.1× of `zstd -3`.
pub const BITS_PER_TRIGRAM: usize = 3;

/// The smallest filter: 512 bytes (a segment of a few distinct trigrams).
pub const MIN_LOG2_BITS: u8 = 12;

/// The largest filter: 64 KiB, for a segment of ~130k distinct trigrams (binary noise). It
/// is the bound on the bytes a search reads per segment it skips.
pub const MAX_LOG2_BITS: u8 = 19;

/// Trigram positions are drawn from 2^21 bits (the top bits of the hash). A filter of 2^k bits
/// keeps bit `p mod 2^k` of position `p`: this is the on-disk meaning of a filter's bits, fixed
/// since format 2.
const HASH_LOG2_BITS: u8 = 21;

/// Bytes before the bits.
pub const PREFIX_BYTES: usize = 8;

/// Most required literals kept for one pattern (alternatives): beyond this the pattern is
/// scanned in full.
const MAX_ALTERNATIVES: usize = 16;

/// The filter's length in bytes for `log2` bits (0: no filter).
pub fn filter_len(log2: u8) -> usize {
    if log2 == 0 {
        0
    } else {
        PREFIX_BYTES + (1usize << log2) / 8
    }
}

/// The size (log2 of its bits) a built filter says it has; 0 for no filter.
pub fn log2_of(filter: &[u8]) -> u8 {
    filter.get(4).copied().unwrap_or(0)
}

/// Is `log2` a size a filter may have (0: none)?
pub fn valid_log2(log2: u8) -> bool {
    log2 == 0 || (MIN_LOG2_BITS..=MAX_LOG2_BITS).contains(&log2)
}

fn fold(b: u8) -> u8 {
    FOLD[b as usize]
}

/// [`u8::to_ascii_lowercase`] as a table: the builder folds every byte of every sealed
/// segment's text, and a lookup has no branch to mispredict.
const FOLD: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = (i as u8).to_ascii_lowercase();
        i += 1;
    }
    t
};

/// The position (among 2^[`HASH_LOG2_BITS`]) of a trigram packed as `a | b << 8 | c << 16`,
/// its bytes already folded; a filter of 2^k bits uses its low k bits.
#[inline]
fn hash(packed: u32) -> usize {
    ((packed as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - HASH_LOG2_BITS)) as usize
}

/// The trigram's position (see [`hash`]).
fn position(a: u8, b: u8, c: u8) -> usize {
    hash(fold(a) as u32 | (fold(b) as u32) << 8 | (fold(c) as u32) << 16)
}

/// A compression worker's reusable bitmap: the largest filter's 2^[`MAX_LOG2_BITS`] bits
/// (64 KiB, allocated on first use), folded down to the size the text's variety asks for.
#[derive(Default)]
pub struct Builder {
    bits: Vec<u64>,
}

impl Builder {
    /// Heap held between segments.
    pub fn bytes(&self) -> usize {
        self.bits.capacity() * 8
    }

    /// The filter of `text`, as written to disk; empty for empty text.
    pub fn build(&mut self, text: &[u8]) -> Vec<u8> {
        let log2 = self.fold(text);
        let mut out = Vec::with_capacity(filter_len(log2));
        self.write(log2, &mut out);
        out
    }

    /// Build the filter of `text` in the bitmap and return its size (log2 of its bits; 0 for
    /// no filter), for [`Builder::write`] to append: a writer can size the buffer the filter
    /// goes into first.
    ///
    /// One pass over the text with the trigram rolled a byte at a time, into a bitmap of
    /// the largest filter's size (it stays in the core's cache, where the 2^21-bit one this
    /// replaced did not). The number of distinct trigrams, which sets the filter's size, is
    /// estimated from how full that bitmap is (linear counting: n ≈ −m·ln(1 − set/m)), which
    /// is within a few percent of the truth up to the largest filter's load.
    pub fn fold(&mut self, text: &[u8]) -> u8 {
        if text.len() < 3 {
            return 0;
        }
        let words = (1usize << MAX_LOG2_BITS) / 64;
        if self.bits.len() != words {
            self.bits = vec![0u64; words];
        }
        let mask = (1usize << MAX_LOG2_BITS) - 1;
        let bits = &mut self.bits[..];
        let mut t = (fold(text[0]) as u32) << 8 | (fold(text[1]) as u32) << 16;
        for &c in &text[2..] {
            t = t >> 8 | (fold(c) as u32) << 16;
            let p = hash(t) & mask;
            bits[p / 64] |= 1 << (p % 64);
        }
        let set: usize = bits.iter().map(|w| w.count_ones() as usize).sum();
        let m = (1usize << MAX_LOG2_BITS) as f64;
        let distinct = if set >= words * 64 {
            usize::MAX / 2
        } else {
            (-m * (1.0 - set as f64 / m).ln()).ceil() as usize
        };
        // The power of two nearest (in log2) to BITS_PER_TRIGRAM bits per trigram.
        let want = distinct.saturating_mul(BITS_PER_TRIGRAM).max(1) as f64;
        let log2 = (want.log2().round().min(f64::from(MAX_LOG2_BITS)) as u8)
            .clamp(MIN_LOG2_BITS, MAX_LOG2_BITS);
        // Fold the bitmap onto the filter's size: bit p lands on p mod 2^log2.
        let keep = (1usize << log2) / 64;
        for i in keep..words {
            let w = std::mem::take(&mut bits[i]);
            bits[i % keep] |= w;
        }
        log2
    }

    /// Append the filter [`Builder::fold`] made (of `log2`, what it returned: `filter_len`
    /// bytes) to `out`, and clear the bitmap for the next one.
    pub fn write(&mut self, log2: u8, out: &mut Vec<u8>) {
        if log2 == 0 {
            return;
        }
        let start = out.len();
        out.extend_from_slice(&[0; PREFIX_BYTES]);
        out[start + 4] = log2;
        let keep = (1usize << log2) / 64;
        for w in &mut self.bits[..keep] {
            out.extend_from_slice(&w.to_le_bytes());
            *w = 0;
        }
        let crc = crc32fast::hash(&out[start + PREFIX_BYTES..]);
        out[start..start + 4].copy_from_slice(&crc.to_le_bytes());
    }
}

/// What a search needs of a filter: whether any of `needles` (each folded to lower case,
/// each ≥ 3 bytes) may be in the segment. `None` when the filter is damaged: scan it.
pub fn may_contain(filter: &[u8], needles: &[Vec<u8>]) -> Option<bool> {
    let (prefix, bits) = (
        filter.get(..PREFIX_BYTES)?,
        &filter[PREFIX_BYTES.min(filter.len())..],
    );
    let log2 = log2_of(prefix);
    if log2 == 0 || !valid_log2(log2) || filter.len() != filter_len(log2) {
        return None;
    }
    if crc32fast::hash(bits) != u32::from_le_bytes(prefix[..4].try_into().ok()?) {
        return None;
    }
    let mask = (1usize << log2) - 1;
    let has = |a, b, c| {
        let p = position(a, b, c) & mask;
        bits[p / 8] & (1 << (p % 8)) != 0
    };
    Some(
        needles
            .iter()
            .any(|n| n.windows(3).all(|w| has(w[0], w[1], w[2]))),
    )
}

/// Literals at least one of which every match of `pattern` contains (folded to lower case),
/// or `None` if the pattern promises none of three bytes or more (then every segment is read).
pub fn required(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .multi_line(true)
        .build()
        .parse(pattern)
        .ok()?;
    let set = needed(&hir)?;
    (set.iter().all(|l| l.len() >= 3) && !set.is_empty()).then_some(set)
}

/// How good a set of alternatives is: its shortest literal (0 = useless).
fn score(set: &[Vec<u8>]) -> usize {
    set.iter().map(Vec::len).min().unwrap_or(0)
}

/// The byte a class stands for when it is one byte, or one ASCII letter in either case.
fn class_byte(c: &Class) -> Option<u8> {
    let ranges: Vec<(u32, u32)> = match c {
        Class::Unicode(u) => u
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
        Class::Bytes(b) => b
            .ranges()
            .iter()
            .map(|r| (r.start() as u32, r.end() as u32))
            .collect(),
    };
    let chars: Vec<u32> = ranges.iter().flat_map(|&(a, b)| a..=b.min(a + 3)).collect();
    if ranges.iter().map(|&(a, b)| b - a + 1).sum::<u32>() > 3 || chars.iter().any(|&c| c > 0x7f) {
        return None;
    }
    let folded: Vec<u8> = chars.iter().map(|&c| fold(c as u8)).collect();
    // ASCII letters fold alone; `(?i)k` also matches the Kelvin sign, outside ASCII, so
    // such a class is refused by the check above and the pattern is scanned.
    folded.iter().all(|&b| b == folded[0]).then_some(folded[0])
}

/// The literal set a match of `h` must contain one of, if any.
fn needed(h: &Hir) -> Option<Vec<Vec<u8>>> {
    match h.kind() {
        HirKind::Literal(l) => Some(vec![l.0.iter().map(|&b| fold(b)).collect()]),
        HirKind::Class(c) => class_byte(c).map(|b| vec![vec![b]]),
        HirKind::Capture(c) => needed(&c.sub),
        HirKind::Repetition(r) if r.min >= 1 => needed(&r.sub),
        HirKind::Alternation(alts) => {
            let mut set = Vec::new();
            for a in alts {
                set.extend(needed(a)?);
            }
            set.sort();
            set.dedup();
            (set.len() <= MAX_ALTERNATIVES).then_some(set)
        }
        HirKind::Concat(parts) => {
            // Runs of adjacent one-literal parts join into one literal; otherwise the best
            // part's set stands for the whole.
            let mut best: Option<Vec<Vec<u8>>> = None;
            let mut run: Vec<u8> = Vec::new();
            let consider = |cand: Vec<Vec<u8>>, best: &mut Option<Vec<Vec<u8>>>| {
                if score(&cand) > best.as_deref().map_or(0, score) {
                    *best = Some(cand);
                }
            };
            for p in parts {
                match needed(p) {
                    Some(set) if set.len() == 1 && is_exact(p) => run.extend_from_slice(&set[0]),
                    other => {
                        if !run.is_empty() {
                            consider(vec![std::mem::take(&mut run)], &mut best);
                        }
                        if let Some(set) = other {
                            consider(set, &mut best);
                        }
                    }
                }
            }
            if !run.is_empty() {
                consider(vec![run], &mut best);
            }
            best
        }
        _ => None,
    }
}

/// Does `h` match exactly its one literal (so that it may join its neighbours into a longer
/// literal)? A repetition or alternation does not, even when it needs a literal.
fn is_exact(h: &Hir) -> bool {
    match h.kind() {
        HirKind::Literal(_) => true,
        HirKind::Class(c) => class_byte(c).is_some(),
        HirKind::Capture(c) => is_exact(&c.sub),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(p: &str) -> Option<Vec<String>> {
        required(p).map(|v| {
            v.into_iter()
                .map(|l| String::from_utf8(l).unwrap())
                .collect()
        })
    }

    #[test]
    fn a_pattern_is_read_for_the_literals_every_match_contains() {
        assert_eq!(lits("needle"), Some(vec!["needle".into()]));
        assert_eq!(lits("needle-[0-9]+ marker"), Some(vec!["needle-".into()]));
        assert_eq!(lits("(?i)NeeDle"), Some(vec!["needle".into()]));
        assert_eq!(
            lits("foo|barbaz"),
            Some(vec!["barbaz".into(), "foo".into()])
        );
        assert_eq!(lits("(error|warn)ing: x+"), Some(vec!["ing: ".into()]));
        assert_eq!(lits("a.*b"), None, "nothing of three bytes");
        assert_eq!(lits("foo|b"), None, "one alternative is too short");
        assert_eq!(lits("\\w+"), None);
        assert_eq!(lits("(?:needle)?"), None, "optional");
        assert_eq!(
            lits("[unclosed"),
            None,
            "not a pattern: scanned, and the regex says why"
        );
    }

    #[test]
    fn a_filter_never_misses_text_that_is_there_and_skips_most_that_is_not() {
        let mut b = Builder::default();
        let mut text = Vec::new();
        for i in 0..5000 {
            text.extend_from_slice(format!("request {i} served in {}ms OK\n", i * 7).as_bytes());
        }
        text.extend_from_slice(b"a rare Needle here\n");
        let f = b.build(&text);
        assert!(f.len() <= filter_len(MAX_LOG2_BITS), "{}", f.len());
        assert_eq!(may_contain(&f, &[b"needle".to_vec()]), Some(true));
        assert_eq!(may_contain(&f, &[b"served in".to_vec()]), Some(true));
        let absent = (0..200)
            .filter(|i| may_contain(&f, &[format!("zebra{i}quux").into_bytes()]) == Some(false))
            .count();
        assert!(absent >= 190, "only {absent} of 200 absent words skipped");
        // Damage is noticed: the segment is scanned.
        let mut bad = f.clone();
        bad[PREFIX_BYTES + 3] ^= 0x10;
        assert_eq!(may_contain(&bad, &[b"zebra".to_vec()]), None);
        assert_eq!(may_contain(&f[..5], &[b"zebra".to_vec()]), None);
    }

    #[test]
    fn a_built_filter_holds_exactly_the_bits_of_its_text_s_trigrams() {
        let mut b = Builder::default();
        let mut x = 7u64;
        for len in [3usize, 4, 100, 5_000, 300_000] {
            let text: Vec<u8> = (0..len)
                .map(|i| {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    // Mixed case, newlines and bytes past ASCII.
                    match i % 7 {
                        0 => b'A' + (x >> 60) as u8,
                        1 => b'\n',
                        2 => 0xc3,
                        _ => b'a' + (x >> 59) as u8 % 26,
                    }
                })
                .collect();
            let f = b.build(&text);
            let log2 = log2_of(&f);
            let mut want = vec![0u8; (1usize << log2) / 8];
            for w in text.windows(3) {
                let p = position(w[0], w[1], w[2]) & ((1 << log2) - 1);
                want[p / 8] |= 1 << (p % 8);
            }
            assert_eq!(&f[PREFIX_BYTES..], &want[..], "text of {len} bytes");
        }
    }

    #[test]
    fn a_filter_s_size_follows_the_text_s_variety_within_its_bounds() {
        let mut b = Builder::default();
        let small = b.build(&b"abcabcabc".repeat(1000));
        assert_eq!(small.len(), filter_len(MIN_LOG2_BITS));
        let mut noise = Vec::new();
        let mut x = 1u64;
        for _ in 0..2_000_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            noise.push((x >> 56) as u8);
        }
        assert_eq!(b.build(&noise).len(), filter_len(MAX_LOG2_BITS));
        assert!(b.build(b"ab").is_empty());
        // Between the bounds: the power of two nearest to three bits per distinct trigram.
        for words in [300u64, 1_000, 3_000, 9_000] {
            let text: Vec<u8> = (0..words)
                .flat_map(|w| format!("w{}x{} ", w * 7919 % 100_003, w % 97).into_bytes())
                .collect();
            let distinct = text
                .windows(3)
                .map(|t| t.to_ascii_lowercase())
                .collect::<std::collections::HashSet<_>>()
                .len() as f64;
            let bits = 8.0 * (b.build(&text).len() - PREFIX_BYTES) as f64 / distinct;
            assert!(
                (3.0 / 2.0f64.sqrt() * 0.95..=3.0 * 2.0f64.sqrt() * 1.05).contains(&bits),
                "{bits:.2} bits per trigram for {distinct} trigrams"
            );
        }
    }
}
