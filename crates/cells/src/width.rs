//! How many terminal cells text occupies, and where its grapheme clusters begin.
//!
//! The emulator places characters into cells and the store rewraps history at read time; both
//! must agree on widths or a reflowed row would not match the screen it came from. This module
//! is that one rule set. It is deliberately small:
//!
//! - a character's width is Unicode's East Asian width (`unicode-width`): 0, 1 or 2;
//! - a cluster is a base character plus every following character that *extends* it: a
//!   zero-width character (combining marks, ZWJ, variation selectors), an emoji skin-tone
//!   modifier after a wide base, or anything right after a ZWJ (emoji ZWJ sequences), or the
//!   second of a pair of regional indicators (flags);
//! - a cluster is as wide as its base, except that VS16 (U+FE0F) makes a narrow base wide.

use unicode_width::UnicodeWidthChar;

const ZWJ: char = '\u{200D}';
const VS16: char = '\u{FE0F}';

/// Width of one character on its own: 0, 1 or 2 cells. Control characters are 0.
#[inline]
pub fn char_width(c: char) -> usize {
    if (c as u32) < 0x7f {
        return if (c as u32) >= 0x20 { 1 } else { 0 };
    }
    c.width().unwrap_or(0)
}

fn is_regional_indicator(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_emoji_modifier(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// Does `c` join the cluster whose last character is `prev`, whose base is `base`, and which
/// currently holds `len` characters?
#[inline]
pub fn extends_cluster(base: char, prev: char, len: usize, c: char) -> bool {
    if (c as u32) < 0x300 {
        // Fast path: nothing below U+0300 extends a cluster except after a ZWJ.
        return prev == ZWJ;
    }
    prev == ZWJ
        || char_width(c) == 0
        || (is_emoji_modifier(c) && char_width(base) == 2)
        || (len == 1 && is_regional_indicator(base) && is_regional_indicator(c))
}

/// Width of a cluster given its base width and the character that extended it.
#[inline]
pub fn widen(width: usize, c: char, base: char) -> usize {
    let emoji_presentation = c == VS16 && width == 1;
    let flag = is_regional_indicator(base) && is_regional_indicator(c);
    if emoji_presentation || flag {
        2
    } else {
        width
    }
}

/// Iterator over `(byte_offset, cluster, width)` of a string.
pub struct Clusters<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Clusters<'a> {
    type Item = (usize, &'a str, usize);

    fn next(&mut self) -> Option<Self::Item> {
        let rest = &self.s[self.pos..];
        let mut chars = rest.char_indices();
        let (_, base) = chars.next()?;
        let mut width = char_width(base);
        let mut prev = base;
        let mut end = base.len_utf8();
        for (len, (i, c)) in (1..).zip(chars) {
            if !extends_cluster(base, prev, len, c) {
                break;
            }
            width = widen(width, c, base);
            prev = c;
            end = i + c.len_utf8();
        }
        let start = self.pos;
        self.pos += end;
        Some((start, &rest[..end], width))
    }
}

/// The clusters of `s` with their byte offsets and widths.
pub fn clusters(s: &str) -> Clusters<'_> {
    Clusters { s, pos: 0 }
}

/// Width of a string in cells.
pub fn str_width(s: &str) -> usize {
    if s.is_ascii() {
        return s.bytes().filter(|b| (0x20..0x7f).contains(b)).count();
    }
    clusters(s).map(|(_, _, w)| w).sum()
}

/// Cell width of the text in `bytes` up to the last whole character: a byte offset found by a
/// byte-level regex may fall inside a character, whose cell then is the column.
pub fn bytes_width(bytes: &[u8]) -> usize {
    let valid = match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => {
            // `valid_up_to` is a char boundary, so this is valid UTF-8.
            std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("")
        }
    };
    str_width(valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths() {
        assert_eq!(str_width("abc"), 3);
        assert_eq!(str_width("日本"), 4);
        assert_eq!(str_width("e\u{301}"), 1);
        assert_eq!(str_width("👍🏽"), 2);
        assert_eq!(str_width("👨\u{200D}👩\u{200D}👧"), 2);
        assert_eq!(str_width("🇺🇸"), 2);
        assert_eq!(str_width("\u{2764}\u{FE0F}"), 2);
        let c: Vec<_> = clusters("ae\u{301}日").collect();
        assert_eq!(c, vec![(0, "a", 1), (1, "e\u{301}", 1), (4, "日", 2)]);
    }
}
