//! Images drawn as sixel, for outer terminals that report sixel in DA1 and have no kitty
//! graphics (xterm `-ti vt340`, foot, mlterm, Windows Terminal…). Sixel has no placements:
//! each visible block of an image (its consecutive rows in one pane, as the frame shows
//! them) is cut from the image, scaled to the outer terminal's cells, encoded (palette and
//! dithering by `icy_sixel`) and drawn at its top-left cell. A block that moves or goes is
//! erased (`ECH` on its cells, which sixel terminals treat as erasing the graphic) and its
//! cells repainted by the renderer; a full redraw (`ED 2`) draws every block again.
//!
//! Bounds: the image bytes kept to re-encode from ([`KEPT_BYTES_MAX`]), the encoded blocks
//! kept ([`ENCODED_BYTES_MAX`]), and the pixels of one block ([`BLOCK_MAX_PIXELS`]).

use std::collections::VecDeque;
use std::sync::Arc;

use spool_proto::ImageRecord;

use super::images::Segment;
use super::picture;

/// Image bytes kept to draw from: a screenful of plots. A larger image is not kept, and
/// keeps its placeholder text.
pub const KEPT_BYTES_MAX: usize = 16 * 1024 * 1024;

/// Encoded sixel kept per block, so an unchanged block moved back (scrolling up and down)
/// is not quantized again: a few screenfuls of sixel (about 1 byte per pixel).
pub const ENCODED_BYTES_MAX: usize = 8 * 1024 * 1024;

/// Pixels of one drawn block (4 bytes each while scaled): a 4K screen. A larger block keeps
/// its placeholder text.
pub const BLOCK_MAX_PIXELS: usize = 3840 * 2160;

/// Consecutive rows of one image, as one frame shows them: the unit drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    pub x: u16,
    pub y: u16,
    /// Cells wide, and rows tall.
    pub n: u16,
    pub rows: u16,
    /// The image (its file name) and the first of its rows shown.
    pub name: String,
    pub first_row: u16,
    /// The outer terminal's cell size it is drawn at.
    pub cell: (u16, u16),
}

/// Group the frame's known image segments into blocks: a segment continues the block above it
/// when it is the same image's next row, at the same column and width.
pub fn blocks<'a>(
    segs: impl Iterator<Item = (Segment, &'a ImageRecord)>,
    cell_px: Option<(u16, u16)>,
) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    for (s, r) in segs {
        let cell = cell_px.unwrap_or((
            (r.width / r.cols.max(1) as u32).clamp(1, 64) as u16,
            (r.height / r.rows.max(1) as u32).clamp(1, 128) as u16,
        ));
        let continues = out.iter_mut().rev().find(|b| {
            b.x == s.x
                && b.n == s.n
                && b.y + b.rows == s.y
                && b.name == r.name
                && b.first_row + b.rows == r.row
        });
        match continues {
            Some(b) => b.rows += 1,
            None => out.push(Block {
                x: s.x,
                y: s.y,
                n: s.n,
                rows: 1,
                name: r.name.clone(),
                first_row: r.row,
                cell,
            }),
        }
    }
    out
}

/// What the sixel path keeps: image bytes by name and encoded blocks, both least recently used
/// first out.
#[derive(Debug, Default)]
pub struct Sixel {
    /// (name, format, bytes).
    kept: VecDeque<(String, String, Arc<Vec<u8>>)>,
    kept_bytes: usize,
    /// Keyed by what is drawn, not where: a block scrolled to another row is drawn again
    /// from here.
    encoded: VecDeque<(Block, Arc<Vec<u8>>)>,
    encoded_bytes: usize,
    /// The blocks the outer terminal shows now.
    pub shown: Vec<Block>,
}

impl Sixel {
    /// Keep an image's bytes to draw from (not if larger than [`KEPT_BYTES_MAX`]).
    pub fn keep(&mut self, name: &str, format: &str, bytes: &[u8]) {
        if bytes.len() > KEPT_BYTES_MAX || self.kept.iter().any(|k| k.0 == name) {
            return;
        }
        while self.kept_bytes + bytes.len() > KEPT_BYTES_MAX {
            match self.kept.pop_front() {
                Some(old) => self.kept_bytes -= old.2.len(),
                None => break,
            }
        }
        self.kept_bytes += bytes.len();
        self.kept.push_back((
            name.to_string(),
            format.to_string(),
            Arc::new(bytes.to_vec()),
        ));
    }

    pub fn has(&self, name: &str) -> bool {
        self.kept.iter().any(|k| k.0 == name)
    }

    /// Bytes held (kept images and encoded blocks).
    #[cfg(test)]
    pub fn held_bytes(&self) -> usize {
        self.kept_bytes + self.encoded_bytes
    }

    /// The encoded sixel of `b` (cut from `r`), from the cache or encoded now; `None` if the
    /// image is not kept, does not decode, or the block is too large.
    pub fn encoded(
        &mut self,
        b: &Block,
        r: &ImageRecord,
        background: (u8, u8, u8),
    ) -> Option<Arc<Vec<u8>>> {
        let same = |e: &Block| {
            (&e.name, e.first_row, e.rows, e.n, e.cell)
                == (&b.name, b.first_row, b.rows, b.n, b.cell)
        };
        if let Some(i) = self.encoded.iter().position(|e| same(&e.0)) {
            let e = self.encoded.remove(i)?;
            let out = e.1.clone();
            self.encoded.push_back(e);
            return Some(out);
        }
        let (format, bytes) = self
            .kept
            .iter()
            .find(|k| k.0 == b.name)
            .map(|k| (k.1.clone(), k.2.clone()))?;
        let out = Arc::new(encode_block(&bytes, &format, b, r, background)?);
        if out.len() <= ENCODED_BYTES_MAX {
            while self.encoded_bytes + out.len() > ENCODED_BYTES_MAX {
                match self.encoded.pop_front() {
                    Some(old) => self.encoded_bytes -= old.1.len(),
                    None => break,
                }
            }
            self.encoded_bytes += out.len();
            self.encoded.push_back((b.clone(), out.clone()));
        }
        Some(out)
    }

    /// Forget what the outer terminal shows (it was cleared).
    pub fn forget_shown(&mut self) {
        self.shown.clear();
    }

    /// Leaving: drop everything.
    pub fn clear(&mut self) {
        *self = Sixel::default();
    }
}

/// Cut block `b` from the image, scale it to the block's cells (nearest pixel), lay it on
/// the background, and encode it as sixel.
fn encode_block(
    bytes: &[u8],
    format: &str,
    b: &Block,
    r: &ImageRecord,
    background: (u8, u8, u8),
) -> Option<Vec<u8>> {
    let img = picture::decode(bytes, format)?;
    let (cols, rows) = (r.cols.max(1) as usize, r.rows.max(1) as usize);
    // The part of the image the block shows: its rows, and its first `n` of `cols` columns.
    let y0 = img.h * b.first_row as usize / rows;
    let y1 = (img.h * (b.first_row + b.rows) as usize / rows).min(img.h);
    let x1 = (img.w * (b.n as usize).min(cols) / cols).min(img.w);
    if y1 <= y0 || x1 == 0 {
        return None;
    }
    let tw = b.n as usize * b.cell.0 as usize;
    let th = b.rows as usize * b.cell.1 as usize;
    if tw == 0 || th == 0 || tw * th > BLOCK_MAX_PIXELS {
        return None;
    }
    let mut px = Vec::with_capacity(tw * th * 4);
    for ty in 0..th {
        let sy = y0 + ty * (y1 - y0) / th;
        for tx in 0..tw {
            let sx = tx * x1 / tw;
            let i = (sy * img.w + sx) * 4;
            let p = &img.px[i..i + 4];
            let a = p[3] as u32;
            let over = |c: u8, bg: u8| ((c as u32 * a + bg as u32 * (255 - a)) / 255) as u8;
            px.extend_from_slice(&[
                over(p[0], background.0),
                over(p[1], background.1),
                over(p[2], background.2),
                255,
            ]);
        }
    }
    icy_sixel::sixel_encode(&px, tw, th, &icy_sixel::EncodeOptions::default())
        .ok()
        .map(String::into_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(name: &str, row: u16) -> ImageRecord {
        ImageRecord {
            name: name.into(),
            format: "png".into(),
            width: 20,
            height: 40,
            cols: 2,
            rows: 2,
            row,
        }
    }

    fn seg(x: u16, y: u16, n: u16, id: u32) -> Segment {
        Segment {
            x,
            y,
            n,
            pane: 1,
            id,
        }
    }

    #[test]
    fn an_image_s_consecutive_rows_make_one_block_and_a_gap_makes_two() {
        let (a0, a1, b0) = (record("a", 0), record("a", 1), record("b", 0));
        let segs = [
            (seg(0, 3, 2, 1), &a0),
            (seg(0, 4, 2, 2), &a1),
            (seg(5, 4, 2, 9), &b0),
        ];
        let got = blocks(segs.iter().map(|(s, r)| (*s, *r)), Some((10, 20)));
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!((got[0].y, got[0].rows, got[0].first_row), (3, 2, 0));
        assert_eq!((got[1].x, got[1].rows), (5, 1));
        // The same image's row 1 above its row 0 does not continue it.
        let segs = [(seg(0, 3, 2, 2), &a1), (seg(0, 4, 2, 1), &a0)];
        assert_eq!(blocks(segs.iter().map(|(s, r)| (*s, *r)), None).len(), 2);
    }

    #[test]
    fn the_sixel_caches_stay_under_their_caps() {
        let mut s = Sixel::default();
        for i in 0..100 {
            s.keep(&format!("{i}"), "png", &vec![0; 1024 * 1024]);
            assert!(s.kept_bytes <= KEPT_BYTES_MAX);
        }
        s.keep("huge", "png", &vec![0; KEPT_BYTES_MAX + 1]);
        assert!(!s.has("huge"));
        assert!(s.held_bytes() <= KEPT_BYTES_MAX + ENCODED_BYTES_MAX);
    }
}
