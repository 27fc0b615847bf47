//! Kitty graphics' Unicode placeholders: how programs show images through a multiplexer.
//! The program sends an image with a virtual placement (`a=T,U=1` or `a=p,U=1`, `c=` × `r=`
//! cells), then prints U+10EEEE in each cell the image should cover. The foreground color
//! names the image (its low 24 bits: RGB, or a 256-color index), and combining marks from
//! the protocol's table give the image row, the column and the id's high byte. A placeholder
//! without marks continues the one left of it (same row, next column).
//!
//! A virtual placement takes ids like any placement (one per image row, recorded by the
//! server), and each placeholder cell becomes an ordinary image cell: `Style::image` of its
//! row, the `[image W×H]` text on row 0. So history, reflow, `capture` and the attach
//! client treat them as any image. The cells of a row are drawn from the image's left edge
//! on: a program that prints only some columns of a row sees the leftmost ones.

use spool_cells::{Color, Style};

use crate::history::HistorySink;
use crate::screen::Screen;

/// The placeholder character.
pub const PLACEHOLDER: char = '\u{10EEEE}';

/// Combining marks that stand for 0, 1, 2, … in a placeholder: the protocol's table (kitty's
/// `rowcolumn-diacritics.txt`), in order. Sorted, so a mark's number is found by binary search.
const MARKS: [u32; 297] = [
    0x0305, 0x030D, 0x030E, 0x0310, 0x0312, 0x033D, 0x033E, 0x033F, 0x0346, 0x034A, 0x034B, 0x034C,
    0x0350, 0x0351, 0x0352, 0x0357, 0x035B, 0x0363, 0x0364, 0x0365, 0x0366, 0x0367, 0x0368, 0x0369,
    0x036A, 0x036B, 0x036C, 0x036D, 0x036E, 0x036F, 0x0483, 0x0484, 0x0485, 0x0486, 0x0487, 0x0592,
    0x0593, 0x0594, 0x0595, 0x0597, 0x0598, 0x0599, 0x059C, 0x059D, 0x059E, 0x059F, 0x05A0, 0x05A1,
    0x05A8, 0x05A9, 0x05AB, 0x05AC, 0x05AF, 0x05C4, 0x0610, 0x0611, 0x0612, 0x0613, 0x0614, 0x0615,
    0x0616, 0x0617, 0x0657, 0x0658, 0x0659, 0x065A, 0x065B, 0x065D, 0x065E, 0x06D6, 0x06D7, 0x06D8,
    0x06D9, 0x06DA, 0x06DB, 0x06DC, 0x06DF, 0x06E0, 0x06E1, 0x06E2, 0x06E4, 0x06E7, 0x06E8, 0x06EB,
    0x06EC, 0x0730, 0x0732, 0x0733, 0x0735, 0x0736, 0x073A, 0x073D, 0x073F, 0x0740, 0x0741, 0x0743,
    0x0745, 0x0747, 0x0749, 0x074A, 0x07EB, 0x07EC, 0x07ED, 0x07EE, 0x07EF, 0x07F0, 0x07F1, 0x07F3,
    0x0816, 0x0817, 0x0818, 0x0819, 0x081B, 0x081C, 0x081D, 0x081E, 0x081F, 0x0820, 0x0821, 0x0822,
    0x0823, 0x0825, 0x0826, 0x0827, 0x0829, 0x082A, 0x082B, 0x082C, 0x082D, 0x0951, 0x0953, 0x0954,
    0x0F82, 0x0F83, 0x0F86, 0x0F87, 0x135D, 0x135E, 0x135F, 0x17DD, 0x193A, 0x1A17, 0x1A75, 0x1A76,
    0x1A77, 0x1A78, 0x1A79, 0x1A7A, 0x1A7B, 0x1A7C, 0x1B6B, 0x1B6D, 0x1B6E, 0x1B6F, 0x1B70, 0x1B71,
    0x1B72, 0x1B73, 0x1CD0, 0x1CD1, 0x1CD2, 0x1CDA, 0x1CDB, 0x1CE0, 0x1DC0, 0x1DC1, 0x1DC3, 0x1DC4,
    0x1DC5, 0x1DC6, 0x1DC7, 0x1DC8, 0x1DC9, 0x1DCB, 0x1DCC, 0x1DD1, 0x1DD2, 0x1DD3, 0x1DD4, 0x1DD5,
    0x1DD6, 0x1DD7, 0x1DD8, 0x1DD9, 0x1DDA, 0x1DDB, 0x1DDC, 0x1DDD, 0x1DDE, 0x1DDF, 0x1DE0, 0x1DE1,
    0x1DE2, 0x1DE3, 0x1DE4, 0x1DE5, 0x1DE6, 0x1DFE, 0x20D0, 0x20D1, 0x20D4, 0x20D5, 0x20D6, 0x20D7,
    0x20DB, 0x20DC, 0x20E1, 0x20E7, 0x20E9, 0x20F0, 0x2CEF, 0x2CF0, 0x2CF1, 0x2DE0, 0x2DE1, 0x2DE2,
    0x2DE3, 0x2DE4, 0x2DE5, 0x2DE6, 0x2DE7, 0x2DE8, 0x2DE9, 0x2DEA, 0x2DEB, 0x2DEC, 0x2DED, 0x2DEE,
    0x2DEF, 0x2DF0, 0x2DF1, 0x2DF2, 0x2DF3, 0x2DF4, 0x2DF5, 0x2DF6, 0x2DF7, 0x2DF8, 0x2DF9, 0x2DFA,
    0x2DFB, 0x2DFC, 0x2DFD, 0x2DFE, 0x2DFF, 0xA66F, 0xA67C, 0xA67D, 0xA6F0, 0xA6F1, 0xA8E0, 0xA8E1,
    0xA8E2, 0xA8E3, 0xA8E4, 0xA8E5, 0xA8E6, 0xA8E7, 0xA8E8, 0xA8E9, 0xA8EA, 0xA8EB, 0xA8EC, 0xA8ED,
    0xA8EE, 0xA8EF, 0xA8F0, 0xA8F1, 0xAAB0, 0xAAB2, 0xAAB3, 0xAAB7, 0xAAB8, 0xAABE, 0xAABF, 0xAAC1,
    0xFE20, 0xFE21, 0xFE22, 0xFE23, 0xFE24, 0xFE25, 0xFE26, 0x10A0F, 0x10A38, 0x1D185, 0x1D186,
    0x1D187, 0x1D188, 0x1D189, 0x1D1AA, 0x1D1AB, 0x1D1AC, 0x1D1AD, 0x1D242, 0x1D243, 0x1D244,
];

/// The number a combining mark stands for in a placeholder.
pub fn mark_number(c: char) -> Option<u32> {
    MARKS.binary_search(&(c as u32)).ok().map(|i| i as u32)
}

/// The last placeholder printed: marks after it, and a bare placeholder right of it,
/// continue it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct LastPlaceholder {
    x: usize,
    y: usize,
    /// The image id as far as known (its high byte from a third mark).
    id: u32,
    row: u32,
    col: u32,
    /// Marks read after it so far (row, column, id's high byte).
    marks: u8,
}

/// The image id a placeholder's foreground names (its low 24 bits).
fn id_of(fg: Color) -> u32 {
    match fg {
        Color::Rgb(r, g, b) => (r as u32) << 16 | (g as u32) << 8 | b as u32,
        Color::Indexed(i) => i as u32,
        _ => 0,
    }
}

impl<S: HistorySink> Screen<S> {
    /// U+10EEEE: a placeholder cell, continuing the one left of it if that is one.
    pub(crate) fn print_placeholder(&mut self) {
        let low = id_of(self.pen.fg);
        let left = self.placeholder_left();
        // Right of a placeholder of the same image: its row, the next column, its full id.
        let (id, row, col) = match self.images.last_placeholder {
            Some(l) if Some((l.x, l.y)) == left && l.id & 0xFF_FFFF == low => {
                (l.id, l.row, l.col + 1)
            }
            _ => (low, 0, 0),
        };
        if self.cursor.pending_wrap {
            self.wrap();
        }
        let (x, y) = (self.cursor.x, self.cursor.y);
        self.put_placeholder(id, row, col);
        self.images.last_placeholder = Some(LastPlaceholder {
            x,
            y,
            id,
            row,
            col,
            marks: 0,
        });
    }

    /// A combining mark right after a placeholder: its row, then column, then the id's high
    /// byte. False when `c` is not one (it is printed as usual).
    pub(crate) fn placeholder_mark(&mut self, c: char) -> bool {
        let Some(mut l) = self.images.last_placeholder else {
            return false;
        };
        let Some(n) = mark_number(c) else {
            return false;
        };
        if self.placeholder_left() != Some((l.x, l.y)) || l.marks >= 3 {
            return false;
        }
        match l.marks {
            0 => l.row = n,
            1 => l.col = n,
            _ => l.id = (l.id & 0xFF_FFFF) | (n & 0xFF) << 24,
        }
        l.marks += 1;
        // Write the cell again, as it now reads.
        let (cx, cy, wrap) = (self.cursor.x, self.cursor.y, self.cursor.pending_wrap);
        self.cursor.x = l.x;
        self.cursor.y = l.y;
        self.cursor.pending_wrap = false;
        // Over the cell, not before it, whatever insert mode says.
        let insert = std::mem::replace(&mut self.modes.insert, false);
        self.put_placeholder(l.id, l.row, l.col);
        self.modes.insert = insert;
        (self.cursor.x, self.cursor.y, self.cursor.pending_wrap) = (cx, cy, wrap);
        self.images.last_placeholder = Some(l);
        true
    }

    /// The cell left of the cursor (where the last character went).
    fn placeholder_left(&self) -> Option<(usize, usize)> {
        let x = if self.cursor.pending_wrap {
            self.cursor.x
        } else {
            self.cursor.x.checked_sub(1)?
        };
        Some((x, self.cursor.y))
    }

    /// Put the cell image `id` shows at (`row`, `col`) of its virtual placement; a blank if
    /// there is no such placement.
    fn put_placeholder(&mut self, id: u32, row: u32, col: u32) {
        let pen = self.pen;
        let (image, ch) = self
            .images
            .kitty
            .virtual_cell(id, row, col)
            .unwrap_or((0, ' '));
        self.pen = Style {
            image,
            bg: pen.bg,
            ..Style::default()
        };
        self.pen_dirty = true;
        self.put(ch, 1);
        self.pen = pen;
        self.pen_dirty = true;
    }
}
