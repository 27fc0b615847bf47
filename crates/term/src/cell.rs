//! One screen cell: 8 bytes, `Copy`, no heap.
//!
//! Layout (`#[repr(C)]`, 8 bytes):
//!
//! | field   | bytes | meaning |
//! |---------|-------|---------|
//! | `ch`    | 4     | the cell's character, or (with [`Cell::CLUSTER`]) an index into the screen's [`crate::clusters::ClusterTable`] |
//! | `style` | 2     | index into the screen's [`crate::styles::StyleTable`]; 0 is always the default style |
//! | `flags` | 2     | [`Cell::WIDE`], [`Cell::SPACER`], [`Cell::CLUSTER`], [`Cell::PROTECTED`], [`Cell::PAD`] |
//!
//! A blank cell is a space. A wide character occupies a `WIDE` head cell followed by a
//! `SPACER` cell whose `ch` is a space; the spacer is never exported to text.

/// A single character cell of the grid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(C)]
pub struct Cell {
    /// A Unicode scalar value, or a cluster-table index when `flags & CLUSTER`.
    pub ch: u32,
    /// Style-table index.
    pub style: u16,
    /// Bit set of the `Cell::*` flag constants.
    pub flags: u16,
}

const _: () = assert!(std::mem::size_of::<Cell>() == 8);

impl Cell {
    /// First half of a two-cell character.
    pub const WIDE: u16 = 1 << 0;
    /// Second half of a two-cell character; carries no text.
    pub const SPACER: u16 = 1 << 1;
    /// `ch` is an index into the cluster table (base + combining/ZWJ/VS characters).
    pub const CLUSTER: u16 = 1 << 2;
    /// DECSCA: protected from selective erase (DECSED/DECSEL).
    pub const PROTECTED: u16 = 1 << 3;
    /// The blank left in the last column when a wide character did not fit and wrapped to
    /// the next row: not text of the line, so history and reflow leave it out.
    pub const PAD: u16 = 1 << 4;

    /// The blank, default-styled cell.
    pub const BLANK: Cell = Cell {
        ch: ' ' as u32,
        style: 0,
        flags: 0,
    };

    /// A blank cell with the given style (background-color erase).
    #[inline]
    pub const fn blank(style: u16) -> Cell {
        Cell {
            ch: ' ' as u32,
            style,
            flags: 0,
        }
    }

    /// A narrow cell holding `c`.
    #[inline]
    pub const fn narrow(c: char, style: u16) -> Cell {
        Cell {
            ch: c as u32,
            style,
            flags: 0,
        }
    }

    #[inline]
    pub const fn is_wide(&self) -> bool {
        self.flags & Cell::WIDE != 0
    }
    #[inline]
    pub const fn is_spacer(&self) -> bool {
        self.flags & Cell::SPACER != 0
    }
    #[inline]
    pub const fn is_cluster(&self) -> bool {
        self.flags & Cell::CLUSTER != 0
    }
    #[inline]
    pub const fn is_protected(&self) -> bool {
        self.flags & Cell::PROTECTED != 0
    }

    /// The cell's character when it is not a cluster (spaces for spacers).
    #[inline]
    pub fn char(&self) -> char {
        if self.is_cluster() {
            ' '
        } else {
            char::from_u32(self.ch).unwrap_or(' ')
        }
    }

    /// The cell's 8 bytes as one word, so that scans over a row (is it blank, is it plain
    /// ASCII in one style) compare a word per cell instead of three fields. Compare words
    /// only with words made by this function (the layout is native-endian).
    #[inline(always)]
    pub const fn word(self) -> u64 {
        // SAFETY: `Cell` is `repr(C)` with fields of 4, 2 and 2 bytes: 8 bytes, no padding,
        // every bit initialized, so any `Cell` is a valid `u64`.
        unsafe { std::mem::transmute::<Cell, u64>(self) }
    }

    /// True when the cell is a space in the default style, i.e. trimmable.
    #[inline]
    pub const fn is_default_blank(&self) -> bool {
        self.ch == ' ' as u32 && self.style == 0 && self.flags & (Cell::CLUSTER | Cell::SPACER) == 0
    }
}

impl Default for Cell {
    fn default() -> Cell {
        Cell::BLANK
    }
}
