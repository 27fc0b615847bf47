//! The client's picture of the outer terminal and how it is brought up to date: compose the
//! next frame into a [`Grid`], compare it with what is shown, write only the differences, and
//! wrap the whole frame in DEC 2026 so the outer terminal never shows half of it.

use std::collections::HashMap;

use spool_cells::Row;

/// A style as drawn: the row's style (its link id cleared; its image id kept, with the pane it
/// belongs to, for `images.rs`) plus a client-wide link key.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pen {
    pub style: spool_cells::Style,
    /// The pane whose image row `style.image` is (0 when there is no image).
    pub image_pane: u32,
    /// (pane << 32 | link id), 0 = none.
    pub link: u64,
}

/// One cell of the outer terminal: a grapheme cluster and its width, or the spacer behind a
/// wide one (`width == 0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub width: u8,
    pub pen: Pen,
}

impl Default for Cell {
    fn default() -> Cell {
        Cell {
            text: " ".into(),
            width: 1,
            pen: Pen::default(),
        }
    }
}

/// A frame: `cols × rows` cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    pub cols: u16,
    pub rows: u16,
    cells: Vec<Cell>,
}

impl Grid {
    pub fn new(cols: u16, rows: u16) -> Grid {
        Grid {
            cols,
            rows,
            cells: vec![Cell::default(); cols as usize * rows as usize],
        }
    }

    fn idx(&self, x: u16, y: u16) -> usize {
        y as usize * self.cols as usize + x as usize
    }

    /// The cell at (x, y), which must be inside the grid.
    pub fn cell(&self, x: u16, y: u16) -> &Cell {
        &self.cells[self.idx(x, y)]
    }

    pub fn set(&mut self, x: u16, y: u16, c: Cell) {
        if x < self.cols && y < self.rows {
            let i = self.idx(x, y);
            self.cells[i] = c;
        }
    }

    /// Draw `row` at (x, y), clipped to `w` cells; blank the rest of the span.
    pub fn put_row(&mut self, x: u16, y: u16, w: u16, row: &Row, pane: u32) {
        let mut col = 0u16;
        let mut run_i = 0usize;
        let mut run_end = row.runs.first().map_or(usize::MAX, |r| r.len as usize);
        for (off, cl, cw) in spool_cells::width::clusters(&row.text) {
            while off >= run_end {
                run_i += 1;
                run_end = row
                    .runs
                    .get(run_i)
                    .map_or(usize::MAX, |r| run_end + r.len as usize);
            }
            let run = row.runs.get(run_i).copied().unwrap_or_default();
            let pen = Pen {
                style: spool_cells::Style {
                    link: 0,
                    ..run.style
                },
                image_pane: if run.style.image == 0 { 0 } else { pane },
                link: if run.style.link == 0 {
                    0
                } else {
                    (pane as u64) << 32 | run.style.link as u64
                },
            };
            let cw = cw.max(1) as u16;
            if col + cw > w {
                break;
            }
            // Row text never holds control characters (the emulator's invariant); if a
            // server ever sent one, it must not reach the outer terminal.
            let text = if cl.chars().any(spool_proto::text::is_control) {
                "\u{fffd}".to_string()
            } else {
                cl.to_string()
            };
            self.set(
                x + col,
                y,
                Cell {
                    text,
                    width: cw as u8,
                    pen,
                },
            );
            if cw == 2 {
                self.set(
                    x + col + 1,
                    y,
                    Cell {
                        text: String::new(),
                        width: 0,
                        pen,
                    },
                );
            }
            col += cw;
        }
        while col < w {
            self.set(x + col, y, Cell::default());
            col += 1;
        }
    }

    /// Reverse video at (x, y) (selections).
    pub fn invert(&mut self, x: u16, y: u16) {
        if x < self.cols && y < self.rows {
            let i = self.idx(x, y);
            self.cells[i].pen.style.attrs.0 ^= spool_cells::Attrs::INVERSE.0;
        }
    }

    /// Show matches of `re` in `text` (drawn at (x, y), `w` cells) in reverse video.
    pub fn highlight(&mut self, x: u16, y: u16, w: u16, text: &str, re: &regex::Regex) {
        let cols: Vec<(usize, u16, u16)> = {
            let mut col = 0u16;
            spool_cells::width::clusters(text)
                .map(|(off, _, cw)| {
                    let c = col;
                    col += cw.max(1) as u16;
                    (off, c, cw.max(1) as u16)
                })
                .collect()
        };
        for m in re.find_iter(text) {
            for &(off, c, cw) in &cols {
                if off >= m.start() && off < m.end().max(m.start() + 1) && c + cw <= w {
                    for k in 0..cw {
                        if x + c + k < self.cols && y < self.rows {
                            let i = self.idx(x + c + k, y);
                            self.cells[i].pen.style.attrs.0 ^= spool_cells::Attrs::INVERSE.0;
                        }
                    }
                }
            }
        }
    }

    /// Write `s` at (x, y) in `pen`, clipped to the grid; returns the column after it. `s`
    /// may come from anywhere (names, titles, messages): control characters are drawn as
    /// visible escapes (`^[`), never sent.
    pub fn put_str(&mut self, x: u16, y: u16, s: &str, pen: Pen) -> u16 {
        let s = spool_proto::text::sanitize(s);
        let mut col = x;
        for (_, cl, cw) in spool_cells::width::clusters(&s) {
            let cw = cw.max(1) as u16;
            if col + cw > self.cols {
                break;
            }
            self.set(
                col,
                y,
                Cell {
                    text: cl.to_string(),
                    width: cw as u8,
                    pen,
                },
            );
            if cw == 2 {
                self.set(
                    col + 1,
                    y,
                    Cell {
                        text: String::new(),
                        width: 0,
                        pen,
                    },
                );
            }
            col += cw;
        }
        col
    }

    fn row(&self, y: u16) -> &[Cell] {
        let i = self.idx(0, y);
        &self.cells[i..i + self.cols as usize]
    }
}

/// What the outer terminal shows, and writing the difference to a new frame.
pub struct Renderer {
    shown: Option<Grid>,
    title: String,
    pub links: HashMap<u64, String>,
}

/// Cursor to show after a frame.
pub struct CursorState {
    pub pos: Option<(u16, u16)>,
    pub shape: u8,
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer {
            shown: None,
            title: String::new(),
            links: HashMap::new(),
        }
    }

    /// Forget what is shown: the next frame is drawn whole (after a resize or a redraw key).
    pub fn invalidate(&mut self) {
        self.shown = None;
    }

    /// Remember a link's URI. The server sends at most `spool_proto::LINKS_MAX` between
    /// resets (then [`Renderer::forget_links`]); past that, a URI is not kept.
    pub fn remember_link(&mut self, key: u64, uri: String) {
        if self.links.len() < spool_proto::LINKS_MAX || self.links.contains_key(&key) {
            self.links.insert(key, uri);
        }
    }

    /// The server reset its record of the URIs it sent.
    pub fn forget_links(&mut self) {
        self.links.clear();
    }

    /// Whether the next frame of `next`'s size is drawn whole (`ED 2` first).
    pub fn whole(&self, next: &Grid) -> bool {
        self.shown
            .as_ref()
            .is_none_or(|g| (g.cols, g.rows) != (next.cols, next.rows))
    }

    /// Paint cells `x..x + n` of row `y` in the next frame even if they did not change (an
    /// image over them was erased).
    pub fn repaint(&mut self, x: u16, y: u16, n: u16) {
        let Some(g) = &mut self.shown else { return };
        for x in x..x.saturating_add(n).min(g.cols) {
            // No cell of a frame has empty text: this one differs from whatever comes.
            g.set(
                x,
                y,
                Cell {
                    text: String::new(),
                    width: 1,
                    pen: Pen::default(),
                },
            );
        }
    }

    /// Bytes that turn the shown frame into `next`, with `images.0` written before the text
    /// and `images.1` after it, in the same synchronized update.
    pub fn frame(
        &mut self,
        next: &Grid,
        cursor: &CursorState,
        title: &str,
        images: (&[u8], &[u8]),
        out: &mut Vec<u8>,
    ) {
        let mut s = String::with_capacity(4096);
        s.push_str("\x1b[?2026h\x1b[?25l");
        let full = self.whole(next);
        if full {
            s.push_str("\x1b[0m\x1b[H\x1b[2J");
        }
        // (Image bytes are escape sequences the client made: ASCII.)
        s.push_str(&String::from_utf8_lossy(images.0));
        let mut pen: Option<Pen> = None;
        let mut link: u64 = 0;
        for y in 0..next.rows {
            let new = next.row(y);
            let old = if full {
                None
            } else {
                self.shown.as_ref().map(|g| g.row(y))
            };
            let (first, last) = match old {
                None => (0, new.len()),
                Some(old) => {
                    let Some(f) = (0..new.len()).find(|&i| new[i] != old[i]) else {
                        continue;
                    };
                    let l = (0..new.len())
                        .rev()
                        .find(|&i| new[i] != old[i])
                        .unwrap_or(f)
                        + 1;
                    // Start at the head of a wide character, end past its spacer.
                    let f = if f > 0 && new[f].width == 0 { f - 1 } else { f };
                    let l = if l < new.len() && new[l].width == 0 {
                        l + 1
                    } else {
                        l
                    };
                    (f, l)
                }
            };
            if full && new.iter().all(|c| *c == Cell::default()) {
                continue;
            }
            s.push_str(&format!("\x1b[{};{}H", y + 1, first + 1));
            for c in &new[first..last] {
                if c.width == 0 {
                    continue;
                }
                if pen != Some(c.pen) {
                    spool_proto::ansi::sgr(&mut s, &c.pen.style);
                    pen = Some(c.pen);
                }
                if c.pen.link != link {
                    link = c.pen.link;
                    let uri = self.links.get(&link).map_or("", |u| u.as_str());
                    s.push_str("\x1b]8;;");
                    s.push_str(&spool_proto::text::uri(uri));
                    s.push_str("\x1b\\");
                }
                s.push_str(&c.text);
            }
        }
        if link != 0 {
            s.push_str("\x1b]8;;\x1b\\");
        }
        s.push_str("\x1b[0m");
        s.push_str(&String::from_utf8_lossy(images.1));
        if title != self.title {
            self.title = title.to_string();
            s.push_str("\x1b]2;");
            s.push_str(&spool_proto::text::sanitize(title));
            s.push_str("\x1b\\");
        }
        if let Some((x, y)) = cursor.pos {
            s.push_str(&format!(
                "\x1b[{} q\x1b[{};{}H\x1b[?25h",
                cursor.shape,
                y + 1,
                x + 1
            ));
        }
        s.push_str("\x1b[?2026l");
        out.extend_from_slice(s.as_bytes());
        self.shown = Some(next.clone());
    }
}
