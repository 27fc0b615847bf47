//! Cell attributes as the store keeps them and the wire carries them: colors, attribute flags, underline style and
//! the ids of hyperlinks and images (never their data).
//!
//! A [`Style`] is what one run of cells shares. Rows carry a short list of runs, so a row of one
//! color costs one run, not one style per cell.

use serde::{Deserialize, Serialize};

/// A color as a terminal program chose it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Color {
    /// The terminal's default foreground/background (SGR 39/49/59).
    #[default]
    Default,
    /// An entry of the 256-color palette: 0–15 are the named 16 colors (SGR 30–37, 90–97, …).
    Indexed(u8),
    /// A 24-bit color (SGR 38;2;r;g;b).
    Rgb(u8, u8, u8),
}

/// Underline styles (SGR 4, 4:0–4:5, 21).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u8)]
pub enum Underline {
    #[default]
    None = 0,
    Single = 1,
    Double = 2,
    Curly = 3,
    Dotted = 4,
    Dashed = 5,
}

impl Underline {
    /// The style for an encoded byte; unknown values read as `None`, never as garbage.
    pub fn from_u8(v: u8) -> Underline {
        match v {
            1 => Underline::Single,
            2 => Underline::Double,
            3 => Underline::Curly,
            4 => Underline::Dotted,
            5 => Underline::Dashed,
            _ => Underline::None,
        }
    }
}

/// On/off attributes of a cell, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Attrs(pub u16);

impl Attrs {
    pub const BOLD: Attrs = Attrs(1 << 0);
    pub const DIM: Attrs = Attrs(1 << 1);
    pub const ITALIC: Attrs = Attrs(1 << 2);
    pub const BLINK: Attrs = Attrs(1 << 3);
    pub const RAPID_BLINK: Attrs = Attrs(1 << 4);
    pub const INVERSE: Attrs = Attrs(1 << 5);
    pub const HIDDEN: Attrs = Attrs(1 << 6);
    pub const STRIKE: Attrs = Attrs(1 << 7);
    pub const OVERLINE: Attrs = Attrs(1 << 8);
    /// Every bit this version knows; others are dropped when decoding.
    pub const ALL: Attrs = Attrs((1 << 9) - 1);

    pub const fn empty() -> Attrs {
        Attrs(0)
    }
    pub const fn contains(self, other: Attrs) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn insert(&mut self, other: Attrs) {
        self.0 |= other.0;
    }
    pub fn remove(&mut self, other: Attrs) {
        self.0 &= !other.0;
    }
    pub fn set(&mut self, other: Attrs, on: bool) {
        if on {
            self.insert(other)
        } else {
            self.remove(other)
        }
    }
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Attrs {
    type Output = Attrs;
    fn bitor(self, rhs: Attrs) -> Attrs {
        Attrs(self.0 | rhs.0)
    }
}

/// Everything a run of cells shares besides its text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Style {
    pub fg: Color,
    pub bg: Color,
    /// Underline color (SGR 58/59); `Default` means "same as the foreground".
    pub underline_color: Color,
    pub attrs: Attrs,
    pub underline: Underline,
    /// Hyperlink id (OSC 8), 0 = none. The URI lives with the pane, not in history rows.
    pub link: u32,
    /// Image placement id, 0 = none. Image data never enters history rows.
    pub image: u32,
}

impl Style {
    /// True for the style of a blank, never-written cell.
    pub fn is_default(&self) -> bool {
        *self == Style::default()
    }
}
