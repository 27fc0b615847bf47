//! vi motions inside one row, for scroll mode (tmux's copy-mode-vi): words (`w` `b` `e`, and
//! `W` `B` `E` for blank-separated words) and finds (`f` `t` `F` `T`). A row is its cells:
//! each cluster's first column and first character. A motion that runs off the row says so
//! (`None`), and scroll mode goes on in the next or previous row.

use spool_cells::Row;

/// A row's cells: (column, first character of the cluster there).
pub fn cells(row: Option<&Row>) -> Vec<(u16, char)> {
    let Some(row) = row else {
        return Vec::new();
    };
    let mut col = 0u16;
    let mut out = Vec::new();
    for (_, cluster, width) in spool_cells::width::clusters(&row.text) {
        out.push((col, cluster.chars().next().unwrap_or(' ')));
        col = col.saturating_add(width.max(1) as u16);
    }
    out
}

/// vi's character classes: blank, word (letters, digits, `_`; with `big`, every non-blank),
/// punctuation.
fn class(c: char, big: bool) -> u8 {
    if c.is_whitespace() {
        0
    } else if big || c.is_alphanumeric() || c == '_' {
        1
    } else {
        2
    }
}

/// The cell the cursor at column `x` is on (the last starting at or before it).
fn at(cells: &[(u16, char)], x: u16) -> Option<usize> {
    cells.iter().rposition(|c| c.0 <= x)
}

/// `w`: the start of the next word in the row.
pub fn next_word(cells: &[(u16, char)], x: u16, big: bool) -> Option<u16> {
    let n = cells.len();
    let mut i = at(cells, x)?;
    let c = class(cells[i].1, big);
    if c != 0 {
        while i < n && class(cells[i].1, big) == c {
            i += 1;
        }
    }
    while i < n && class(cells[i].1, big) == 0 {
        i += 1;
    }
    (i < n).then(|| cells[i].0)
}

/// The first word's start in a row (where `w` lands coming from the row above).
pub fn first_word(cells: &[(u16, char)], big: bool) -> u16 {
    cells
        .iter()
        .find(|c| class(c.1, big) != 0)
        .map_or(0, |c| c.0)
}

/// `e`: the end of this word, or of the next one if the cursor is at an end.
pub fn word_end(cells: &[(u16, char)], x: u16, big: bool) -> Option<u16> {
    let n = cells.len();
    let mut i = at(cells, x).map_or(0, |i| i + 1);
    while i < n && class(cells[i].1, big) == 0 {
        i += 1;
    }
    if i >= n {
        return None;
    }
    let c = class(cells[i].1, big);
    while i + 1 < n && class(cells[i + 1].1, big) == c {
        i += 1;
    }
    Some(cells[i].0)
}

/// The end of a row's first word (where `e` lands coming from the row above).
pub fn first_word_end(cells: &[(u16, char)], big: bool) -> u16 {
    let Some(mut i) = cells.iter().position(|c| class(c.1, big) != 0) else {
        return 0;
    };
    let c = class(cells[i].1, big);
    while i + 1 < cells.len() && class(cells[i + 1].1, big) == c {
        i += 1;
    }
    cells[i].0
}

/// `b`: the start of this word, or of the one before if the cursor is at a start.
pub fn word_start(cells: &[(u16, char)], x: u16, big: bool) -> Option<u16> {
    let mut i = match at(cells, x) {
        Some(i) if cells[i].0 == x => i,
        // Past the row's text: from its end.
        _ => cells.len(),
    };
    while i > 0 && class(cells[i - 1].1, big) == 0 {
        i -= 1;
    }
    if i == 0 {
        return None;
    }
    let c = class(cells[i - 1].1, big);
    while i > 1 && class(cells[i - 2].1, big) == c {
        i -= 1;
    }
    Some(cells[i - 1].0)
}

/// The last word's start in a row (where `b` lands coming from the row below).
pub fn last_word(cells: &[(u16, char)], big: bool) -> u16 {
    word_start(cells, u16::MAX, big).unwrap_or(0)
}

/// A find: `f` (forward, onto), `t` (forward, till before), `F`, `T` (backward).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Find {
    pub forward: bool,
    pub till: bool,
}

impl Find {
    /// The same find the other way (`,`).
    pub fn reversed(self) -> Find {
        Find {
            forward: !self.forward,
            till: self.till,
        }
    }
}

/// Where a find for `ch` from column `x` lands, if `ch` is there.
pub fn find(cells: &[(u16, char)], x: u16, f: Find, ch: char) -> Option<u16> {
    let i = at(cells, x)?;
    if f.forward {
        // `t` repeated from just before a match goes on to the next one, as in vim.
        let from = if f.till { i + 2 } else { i + 1 };
        let j = (from..cells.len()).find(|&j| cells[j].1 == ch)?;
        Some(cells[if f.till { j - 1 } else { j }].0)
    } else {
        let to = if f.till { i.saturating_sub(1) } else { i };
        let j = (0..to).rev().find(|&j| cells[j].1 == ch)?;
        Some(cells[if f.till { j + 1 } else { j }].0)
    }
}

/// The last cell's column (`$`), 0 for an empty row.
pub fn line_end(cells: &[(u16, char)]) -> u16 {
    cells.last().map_or(0, |c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(s: &str) -> Vec<(u16, char)> {
        cells(Some(&Row {
            text: s.to_string(),
            ..Default::default()
        }))
    }

    #[test]
    fn words_move_as_vi_moves_them() {
        let r = row("foo bar-baz  qux");
        assert_eq!(next_word(&r, 0, false), Some(4));
        assert_eq!(next_word(&r, 4, false), Some(7)); // `-` is a word of its own
        assert_eq!(next_word(&r, 4, true), Some(13)); // W: blanks separate
        assert_eq!(next_word(&r, 13, false), None);
        assert_eq!(word_end(&r, 0, false), Some(2));
        assert_eq!(word_end(&r, 2, false), Some(6));
        assert_eq!(word_end(&r, 4, true), Some(10));
        assert_eq!(word_start(&r, 13, false), Some(8));
        assert_eq!(word_start(&r, 10, false), Some(8));
        assert_eq!(word_start(&r, 10, true), Some(4));
        assert_eq!(word_start(&r, 0, false), None);
        assert_eq!(first_word(&row("   x"), false), 3);
        assert_eq!(first_word_end(&row("  ab-c"), false), 3);
        assert_eq!(first_word_end(&row("  ab-c"), true), 5);
        assert_eq!(last_word(&r, false), 13);
    }

    #[test]
    fn wide_characters_count_their_columns() {
        let r = row("日本 go");
        assert_eq!(next_word(&r, 0, false), Some(5));
        assert_eq!(line_end(&r), 6);
    }

    #[test]
    fn finds_land_on_or_before_the_character() {
        let r = row("a,b,c,d");
        let f = Find {
            forward: true,
            till: false,
        };
        let t = Find {
            forward: true,
            till: true,
        };
        assert_eq!(find(&r, 0, f, ','), Some(1));
        assert_eq!(find(&r, 1, f, ','), Some(3));
        assert_eq!(find(&r, 0, t, 'c'), Some(3));
        assert_eq!(find(&r, 0, t, ','), Some(2)); // from just before a match: the next one
        assert_eq!(find(&r, 6, f.reversed(), 'b'), Some(2));
        assert_eq!(find(&r, 6, t.reversed(), 'b'), Some(3));
        assert_eq!(find(&r, 0, f, 'z'), None);
    }
}
