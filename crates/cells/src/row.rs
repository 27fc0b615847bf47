//! A history row: one screen row as it left the top of the screen.

use serde::{Deserialize, Serialize};

use crate::style::Style;

/// Per-row flags.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RowFlags(pub u8);

impl RowFlags {
    /// The row's logical line continues on the next row (it soft-wrapped at the right margin).
    pub const WRAPPED: RowFlags = RowFlags(1 << 0);
    /// OSC 133;A — a shell prompt starts on this row.
    pub const PROMPT: RowFlags = RowFlags(1 << 1);
    /// OSC 133;B — the user's command input starts on this row.
    pub const COMMAND: RowFlags = RowFlags(1 << 2);
    /// OSC 133;C — the command's output starts on this row.
    pub const OUTPUT: RowFlags = RowFlags(1 << 3);
    /// OSC 133;D — a command finished on this row.
    pub const COMMAND_END: RowFlags = RowFlags(1 << 4);
    /// Every bit this version knows; others are dropped when decoding.
    pub const ALL: RowFlags = RowFlags((1 << 5) - 1);

    pub const fn empty() -> RowFlags {
        RowFlags(0)
    }
    pub const fn contains(self, other: RowFlags) -> bool {
        self.0 & other.0 == other.0
    }
    pub fn set(&mut self, other: RowFlags, on: bool) {
        if on {
            self.0 |= other.0
        } else {
            self.0 &= !other.0
        }
    }
}

/// A run of `len` bytes of a row's text sharing one [`Style`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Run {
    /// Length in bytes of the row's UTF-8 text (not cells), always on a char boundary.
    pub len: u32,
    pub style: Style,
}

/// One stored row.
///
/// `text` holds the row's cells as UTF-8: a wide character appears once (its spacer cell is not
/// stored), combining and zero-width characters follow their base, blank cells are spaces, and
/// trailing default-styled blanks are trimmed by whoever builds the row — except in a
/// soft-wrapped row, where they are text of the logical line. It holds no control characters. `runs` cover `text` from its start; text past the last run has the default style.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Row {
    pub text: String,
    pub runs: Vec<Run>,
    pub flags: RowFlags,
}

impl Row {
    /// A row of unstyled text that ends its logical line.
    pub fn plain(text: impl Into<String>) -> Row {
        Row {
            text: text.into(),
            runs: Vec::new(),
            flags: RowFlags::empty(),
        }
    }

    /// True when the row's logical line continues on the next row.
    pub fn wrapped(&self) -> bool {
        self.flags.contains(RowFlags::WRAPPED)
    }

    /// Bytes this row holds on the heap (its text and style runs): what batches of rows are
    /// bounded by.
    pub fn heap_bytes(&self) -> usize {
        self.text.capacity() + self.runs.capacity() * std::mem::size_of::<Run>()
    }

    /// Width in terminal cells, by the rules of [`crate::width`].
    pub fn cells(&self) -> usize {
        crate::width::str_width(&self.text)
    }

    /// A borrowed view, for the store's `push`.
    pub fn as_ref(&self) -> RowRef<'_> {
        RowRef {
            text: &self.text,
            runs: &self.runs,
            flags: self.flags,
        }
    }

    /// The style of the text at byte offset `at`.
    pub fn style_at(&self, at: usize) -> Style {
        let mut start = 0usize;
        for run in &self.runs {
            let end = start + run.len as usize;
            if at < end {
                return run.style;
            }
            start = end;
        }
        Style::default()
    }
}

/// A borrowed row, so the emulator can hand rows to the store without building a `Row`.
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    pub text: &'a str,
    pub runs: &'a [Run],
    pub flags: RowFlags,
}

impl RowRef<'_> {
    pub fn to_row(&self) -> Row {
        Row {
            text: self.text.to_owned(),
            runs: self.runs.to_vec(),
            flags: self.flags,
        }
    }
}
