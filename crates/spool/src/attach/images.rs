//! Images in the attach client: which cells of a frame show image rows, fetching what they
//! show from the server lazily (by id: `Request::Image`), and drawing them with the best
//! graphics the outer terminal has:
//! - kitty graphics, when it answered the probe's graphics query: an image is sent once
//!   (as PNG: JPEG, GIF and TIFF are decoded and sent as PNG), then placed row by row, each
//!   row cut from the image by its source rectangle;
//! - else sixel, when its DA1 answer lists it (`4`): each visible block of rows re-encoded
//!   from the image (`sixel.rs`);
//! - else the cells show their placeholder text (`[image W×H]`).
//!
//! What is drawn is read off the composed frame, so images are clipped to their pane and
//! move with its content, in splits, zoom, popups and scroll mode.
//!
//! Bounds: [`RECORDS_MAX`] remembered records, [`SENT_MAX`] images sent to the outer
//! terminal (the oldest is deleted there past it), [`IN_FLIGHT_MAX`] requests at once, and
//! the sixel caches (`sixel.rs`).

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use base64::Engine;
use spool_proto::{ImageRecord, Request};

use super::render::Grid;
use super::sixel::{self, Sixel};

/// (pane, id) → what the server said: about 100 bytes each.
pub const RECORDS_MAX: usize = 4096;
/// Images sent to the outer terminal and not deleted there.
pub const SENT_MAX: usize = 256;
/// Image requests waiting for their answers.
pub const IN_FLIGHT_MAX: usize = 8;
/// A record the server did not have is asked again after this long (the parser thread
/// records a batch's images just after applying it, so a frame can show one first).
const MISSING_RETRY: std::time::Duration = std::time::Duration::from_millis(200);
/// Rows of a placement filled in from one row's record (the emulator's `IMAGE_MAX_ROWS`).
const INFER_ROWS: usize = 1024;
/// Bytes of base64 per kitty transmission chunk (the protocol's maximum).
const CHUNK: usize = 4096;

/// A run of frame cells showing one image row: from (x, y), `n` cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub x: u16,
    pub y: u16,
    pub n: u16,
    pub pane: u32,
    pub id: u32,
}

/// The image segments of a composed frame, left to right, top to bottom.
pub fn segments(g: &Grid) -> Vec<Segment> {
    let mut out: Vec<Segment> = Vec::new();
    for y in 0..g.rows {
        for x in 0..g.cols {
            let c = g.cell(x, y);
            let (id, pane) = (c.pen.style.image, c.pen.image_pane);
            if id == 0 {
                continue;
            }
            match out.last_mut() {
                Some(s) if s.y == y && s.id == id && s.pane == pane && s.x + s.n == x => s.n += 1,
                _ => out.push(Segment {
                    x,
                    y,
                    n: 1,
                    pane,
                    id,
                }),
            }
        }
    }
    out
}

/// What drawing a frame's images takes, around the renderer's text.
#[derive(Debug, Default)]
pub struct Drawing {
    /// Before the text: erase the images that went.
    pub before: Vec<u8>,
    /// Cells `(x, y, n)` the renderer must paint again (an erased image covered them).
    pub repaint: Vec<(u16, u16, u16)>,
    /// After the text: the images.
    pub after: Vec<u8>,
}

/// The client's image state.
#[derive(Debug, Default)]
pub struct Images {
    /// The outer terminal answered the kitty graphics query.
    pub kitty: bool,
    /// Its DA1 answer lists sixel (used when it has no kitty graphics).
    pub sixel: bool,
    /// Its cell size in pixels (`CSI 16 t`), if it said.
    pub cell_px: Option<(u16, u16)>,
    /// Its default background (OSC 11), under an image's transparent pixels in sixel.
    pub background: (u8, u8, u8),
    six: Sixel,
    /// What the server said of each (pane, id): its record, or that it had none when asked
    /// (and when): the row may have been drawn before the parser thread recorded it, so a
    /// missing record is asked again after [`MISSING_RETRY`].
    records: HashMap<(u32, u32), Result<ImageRecord, Instant>>,
    asked: Vec<(u32, u32)>,
    /// Image names sent to the outer terminal, oldest first, with the kitty id given.
    sent: VecDeque<(String, u32)>,
    next_kitty_id: u32,
    /// What the outer terminal shows now.
    placed: Vec<Segment>,
}

impl Images {
    /// The record of image row (`pane`, `id`), if the server gave one.
    fn record(&self, pane: u32, id: u32) -> Option<&ImageRecord> {
        self.records.get(&(pane, id))?.as_ref().ok()
    }

    /// Forget what the outer terminal shows: the next frame draws every image.
    fn forget_drawn(&mut self) {
        self.placed.clear();
        self.six.forget_shown();
    }

    /// Requests for the records of segments not known yet.
    pub fn wants(&mut self, segs: &[Segment]) -> Vec<Request> {
        if !self.kitty && !self.sixel {
            return Vec::new();
        }
        let mut out = Vec::new();
        for s in segs {
            let key = (s.pane, s.id);
            let known = match self.records.get(&key) {
                Some(Ok(_)) => true,
                Some(Err(at)) => at.elapsed() < MISSING_RETRY,
                None => false,
            };
            if known || self.asked.contains(&key) {
                continue;
            }
            if self.asked.len() >= IN_FLIGHT_MAX {
                break;
            }
            self.asked.push(key);
            out.push(Request::Image {
                pane: s.pane,
                id: s.id,
            });
        }
        out
    }

    /// An answer arrived: remember it, and return what sends its image to the outer terminal
    /// (nothing if sent already, or not a PNG).
    pub fn received(
        &mut self,
        pane: u32,
        id: u32,
        record: Option<ImageRecord>,
        bytes: &[u8],
    ) -> Vec<u8> {
        self.asked.retain(|k| *k != (pane, id));
        // This answer adds its record and its placement's other rows (at most INFER_ROWS).
        let adds = 1 + record
            .as_ref()
            .map_or(0, |r| (r.rows as usize).min(INFER_ROWS));
        if self.records.len() + adds > RECORDS_MAX {
            self.records.clear();
        }
        let mut out = Vec::new();
        if let Some(r) = record.as_ref().filter(|_| !self.kitty) {
            if !bytes.is_empty() {
                self.six.keep(&r.name, &r.format, bytes);
            }
        }
        if let Some(r) = record.as_ref().filter(|_| self.kitty) {
            let fresh = !self.sent.iter().any(|(n, _)| *n == r.name);
            // Kitty takes PNG; other formats are decoded and sent as PNG.
            let png: Option<std::borrow::Cow<[u8]>> = match r.format.as_str() {
                _ if !fresh || bytes.is_empty() => None,
                "png" => Some(std::borrow::Cow::Borrowed(bytes)),
                f => super::picture::decode(bytes, f)
                    .and_then(|img| super::picture::to_png(&img))
                    .map(std::borrow::Cow::Owned),
            };
            if let Some(png) = png {
                if self.sent.len() >= SENT_MAX {
                    if let Some((_, old)) = self.sent.pop_front() {
                        out.extend_from_slice(
                            format!("\x1b_Ga=d,d=I,i={old},q=2\x1b\\").as_bytes(),
                        );
                    }
                }
                self.next_kitty_id = self.next_kitty_id.wrapping_add(1).max(1);
                let kid = self.next_kitty_id;
                transmit(&mut out, kid, &png);
                self.sent.push_back((r.name.clone(), kid));
            }
        }
        // One placement's rows have consecutive ids (`first + row`) and one image: the
        // record of one row gives all the others, without asking.
        if let Some(r) = &record {
            let first = id.saturating_sub(r.row as u32);
            for row in 0..r.rows.min(INFER_ROWS as u16) {
                let key = (pane, first + row as u32);
                if key.1 != id && self.record(key.0, key.1).is_none() {
                    self.records
                        .insert(key, Ok(ImageRecord { row, ..r.clone() }));
                }
            }
        }
        self.records
            .insert((pane, id), record.ok_or_else(Instant::now));
        out
    }

    /// Make the outer terminal show `segs`, with kitty graphics or sixel. `whole` says the
    /// renderer redraws the whole screen this frame (which erases sixel images).
    pub fn draw(&mut self, segs: &[Segment], whole: bool) -> Drawing {
        // A whole redraw (a cleared screen) draws every image again.
        if whole {
            self.forget_drawn();
        }
        if self.kitty {
            return Drawing {
                after: self.draw_kitty(segs),
                ..Drawing::default()
            };
        }
        if self.sixel {
            return self.draw_sixel(segs, whole);
        }
        Drawing::default()
    }

    /// Sixel: erase the blocks that moved or went, and draw the new ones.
    fn draw_sixel(&mut self, segs: &[Segment], whole: bool) -> Drawing {
        let mut d = Drawing::default();
        // Records still on their way would cut a block short and have it drawn twice: wait
        // for them (their answer draws again). Nothing is erased meanwhile either, unless the
        // screen was cleared.
        let unknown = segs.iter().any(|s| self.record(s.pane, s.id).is_none());
        if unknown && !self.asked.is_empty() && !whole {
            return d;
        }
        let known: Vec<(Segment, ImageRecord)> = segs
            .iter()
            .filter_map(|s| {
                let r = self.record(s.pane, s.id)?;
                self.six.has(&r.name).then(|| (*s, r.clone()))
            })
            .collect();
        let now = sixel::blocks(known.iter().map(|(s, r)| (*s, r)), self.cell_px);
        for b in self.six.shown.iter().filter(|b| !now.contains(b)) {
            for row in 0..b.rows {
                let y = b.y + row;
                d.before.extend_from_slice(
                    format!("\x1b[{};{}H\x1b[{}X", y + 1, b.x + 1, b.n).as_bytes(),
                );
                d.repaint.push((b.x, y, b.n));
            }
        }
        let fresh: Vec<&sixel::Block> =
            now.iter().filter(|b| !self.six.shown.contains(b)).collect();
        if !fresh.is_empty() {
            // The cursor stays right of a drawn image (DECSET 8452), so an image on the bottom
            // row never scrolls the screen.
            d.after.extend_from_slice(b"\x1b[?8452h");
            for b in fresh {
                let Some((_, r)) = known
                    .iter()
                    .find(|(_, r)| r.name == b.name && r.row == b.first_row)
                else {
                    continue;
                };
                if let Some(bytes) = self.six.encoded(b, r, self.background) {
                    d.after
                        .extend_from_slice(format!("\x1b[{};{}H", b.y + 1, b.x + 1).as_bytes());
                    d.after.extend_from_slice(&bytes);
                }
            }
            d.after.extend_from_slice(b"\x1b[?8452l");
        }
        self.six.shown = now;
        d
    }

    /// Kitty graphics: if `segs` differ from what the outer terminal shows, delete its
    /// placements and place each known row again. The cursor is saved and restored around.
    fn draw_kitty(&mut self, segs: &[Segment]) -> Vec<u8> {
        let mut out = Vec::new();
        let drawable: Vec<(Segment, &ImageRecord, u32)> = segs
            .iter()
            .filter_map(|s| {
                let r = self.record(s.pane, s.id)?;
                let kid = self.sent.iter().find(|(n, _)| *n == r.name)?.1;
                Some((*s, r, kid))
            })
            .collect();
        let now: Vec<Segment> = drawable.iter().map(|d| d.0).collect();
        if now == self.placed {
            return out;
        }
        out.extend_from_slice(b"\x1b7\x1b_Ga=d,d=a,q=2\x1b\\");
        for (s, r, kid) in drawable {
            let rows = r.rows.max(1) as u32;
            let cols = r.cols.max(1) as u32;
            let y0 = r.height * r.row as u32 / rows;
            let y1 = (r.height * (r.row as u32 + 1) / rows).min(r.height);
            let w = (r.width * (s.n as u32).min(cols) / cols).max(1);
            let h = y1.saturating_sub(y0).max(1);
            out.extend_from_slice(
                format!(
                    "\x1b[{};{}H\x1b_Ga=p,i={kid},x=0,y={y0},w={w},h={h},c={},r=1,C=1,q=2\x1b\\",
                    s.y + 1,
                    s.x + 1,
                    s.n
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(b"\x1b8");
        self.placed = now;
        out
    }

    /// After a resize has settled: draw every image again, as if the terminal had none. Kitty
    /// drops the images it holds when it reflows a resized screen (seen in kitty 0.26), so they
    /// are fetched and sent again; the bytes returned delete whatever it still has.
    pub fn after_resize(&mut self) -> Vec<u8> {
        self.forget_drawn();
        if !self.kitty {
            return Vec::new();
        }
        self.sent.clear();
        self.records.clear();
        b"\x1b_Ga=d,d=A,q=2\x1b\\".to_vec()
    }

    /// Leaving: take every placement off the outer terminal and free what was sent.
    pub fn clear(&mut self) -> Vec<u8> {
        self.six.clear();
        if !self.kitty || self.sent.is_empty() {
            return Vec::new();
        }
        self.sent.clear();
        self.placed.clear();
        b"\x1b_Ga=d,d=A,q=2\x1b\\".to_vec()
    }
}

/// Send PNG `bytes` to the outer terminal as kitty image `kid` (`a=t`), in chunks.
fn transmit(out: &mut Vec<u8>, kid: u32, bytes: &[u8]) {
    let data = base64::engine::general_purpose::STANDARD.encode(bytes);
    let chunks: Vec<&[u8]> = data.as_bytes().chunks(CHUNK).collect();
    for (i, c) in chunks.iter().enumerate() {
        let more = u8::from(i + 1 < chunks.len());
        if i == 0 {
            out.extend_from_slice(format!("\x1b_Ga=t,f=100,i={kid},q=2,m={more};").as_bytes());
        } else {
            out.extend_from_slice(format!("\x1b_Gm={more};").as_bytes());
        }
        out.extend_from_slice(c);
        out.extend_from_slice(b"\x1b\\");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_the_server_did_not_have_yet_is_asked_again_later() {
        let mut im = Images {
            kitty: true,
            ..Images::default()
        };
        let seg = Segment {
            x: 0,
            y: 0,
            n: 2,
            pane: 1,
            id: 9,
        };
        assert_eq!(im.wants(&[seg]).len(), 1);
        im.received(1, 9, None, b"");
        assert!(im.wants(&[seg]).is_empty(), "not at once");
        std::thread::sleep(MISSING_RETRY + std::time::Duration::from_millis(20));
        assert_eq!(im.wants(&[seg]).len(), 1, "asked again");
    }

    #[test]
    fn one_row_s_record_gives_the_placement_s_other_rows_and_records_stay_bounded() {
        let mut im = Images {
            sixel: true,
            ..Images::default()
        };
        let r = ImageRecord {
            name: "n".into(),
            format: "png".into(),
            width: 10,
            height: 40,
            cols: 1,
            rows: 4,
            row: 2,
        };
        im.received(1, 5, Some(r.clone()), b"");
        for (id, row) in [(3, 0), (4, 1), (5, 2), (6, 3)] {
            let got = im.records.get(&(1, id)).cloned().and_then(Result::ok);
            assert_eq!(got.map(|g| g.row), Some(row), "id {id}");
        }
        assert!(!im.records.contains_key(&(1, 7)));
        for id in 0..10_000 {
            im.received(
                2,
                id * 8 + 3,
                Some(ImageRecord {
                    row: 3,
                    ..r.clone()
                }),
                b"",
            );
            assert!(im.records.len() <= RECORDS_MAX);
        }
    }
}
