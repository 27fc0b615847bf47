//! Image strings the emulator reads itself, before vte sees them: kitty graphics
//! (`ESC _ G … ST`; vte drops APC bodies) and iTerm2 files (`ESC ] 1337 ; File= … BEL|ST`;
//! vte keeps at most `OSC_MAX` bytes of an OSC). `Terminal::advance` looks for these
//! introducers at every ESC; an introducer cut by the end of a feed is held (at most
//! [`INTRO_MAX`] bytes) until the next one says what it is.
//!
//! A string ends at ST (`ESC \`), at BEL (iTerm2's OSC only), at CAN or SUB (cancelled), or at
//! an ESC that starts something else (ended, and the ESC parsed as usual), as in vte.

/// Kitty graphics command introducer.
pub(crate) const KITTY: &[u8] = b"\x1b_G";
/// iTerm2 file introducer.
pub(crate) const ITERM: &[u8] = b"\x1b]1337;File=";
/// The longest introducer: what may be held across feeds.
pub(crate) const INTRO_MAX: usize = 12;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Kitty,
    Iterm,
}

/// Does `b` (starting with ESC) begin an image string?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intro {
    /// Yes: its kind and introducer length.
    Full(Kind, usize),
    /// Perhaps: `b` is a proper prefix of an introducer.
    Prefix,
    No,
}

pub(crate) fn intro(b: &[u8]) -> Intro {
    for (intro, kind) in [(KITTY, Kind::Kitty), (ITERM, Kind::Iterm)] {
        if b.starts_with(intro) {
            return Intro::Full(kind, intro.len());
        }
        if intro.starts_with(b) {
            return Intro::Prefix;
        }
    }
    Intro::No
}

/// How an image string ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum End {
    /// By its terminator (consumed).
    Done,
    /// By CAN/SUB (consumed): the command is discarded.
    Cancelled,
    /// By an ESC that starts another sequence: ended, the ESC not consumed.
    Escape,
}

/// An image string being read.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ImageString {
    pub(crate) kind: Kind,
    /// The previous feed ended with an ESC: a terminator may be cut.
    esc: bool,
}

impl ImageString {
    pub(crate) fn new(kind: Kind) -> ImageString {
        ImageString { kind, esc: false }
    }

    /// Scan `b`: the length of the body bytes at its start, how many bytes were consumed, and
    /// the end if it was reached. An ESC that ended the previous feed and turns out to start
    /// another sequence is reported as `held_esc`: the caller parses one ESC before `b`.
    pub(crate) fn scan(&mut self, b: &[u8]) -> Scan {
        let held_esc = std::mem::take(&mut self.esc);
        if held_esc {
            match b.first() {
                Some(b'\\') => return Scan::end(0, 1, End::Done, false),
                // The held ESC starts another sequence: the caller parses it first.
                Some(_) => return Scan::end(0, 0, End::Escape, true),
                None => {
                    self.esc = true;
                    return Scan::more(0, 0, false);
                }
            }
        }
        for (i, &c) in b.iter().enumerate() {
            match c {
                0x1b => match b.get(i + 1) {
                    Some(b'\\') => return Scan::end(i, i + 2, End::Done, false),
                    Some(_) => return Scan::end(i, i, End::Escape, false),
                    None => {
                        self.esc = true;
                        return Scan::more(i, i + 1, false);
                    }
                },
                0x07 if self.kind == Kind::Iterm => return Scan::end(i, i + 1, End::Done, false),
                0x18 | 0x1a => return Scan::end(i, i + 1, End::Cancelled, false),
                _ => {}
            }
        }
        Scan::more(b.len(), b.len(), false)
    }
}

/// What [`ImageString::scan`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scan {
    pub(crate) body: usize,
    pub(crate) consumed: usize,
    pub(crate) end: Option<End>,
    pub(crate) held_esc: bool,
}

impl Scan {
    fn end(body: usize, consumed: usize, end: End, held_esc: bool) -> Scan {
        Scan {
            body,
            consumed,
            end: Some(end),
            held_esc,
        }
    }
    fn more(body: usize, consumed: usize, held_esc: bool) -> Scan {
        Scan {
            body,
            consumed,
            end: None,
            held_esc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn introducers_are_told_apart_from_prefixes() {
        assert_eq!(intro(b"\x1b_Ga=q"), Intro::Full(Kind::Kitty, 3));
        assert_eq!(intro(b"\x1b_"), Intro::Prefix);
        assert_eq!(intro(b"\x1b]1337;Fi"), Intro::Prefix);
        assert_eq!(intro(b"\x1b]1337;File=x"), Intro::Full(Kind::Iterm, 12));
        assert_eq!(intro(b"\x1b]0;title"), Intro::No);
        assert_eq!(intro(b"\x1b_X"), Intro::No);
        assert_eq!(intro(b"\x1b[31m"), Intro::No);
    }

    #[test]
    fn a_terminator_cut_between_feeds_still_ends_the_string() {
        let mut s = ImageString::new(Kind::Kitty);
        let a = s.scan(b"abc\x1b");
        assert_eq!((a.body, a.consumed, a.end), (3, 4, None));
        let b = s.scan(b"\\rest");
        assert_eq!((b.body, b.consumed, b.end), (0, 1, Some(End::Done)));
        let mut s = ImageString::new(Kind::Iterm);
        let c = s.scan(b"xy\x07z");
        assert_eq!((c.body, c.consumed, c.end), (2, 3, Some(End::Done)));
    }
}
