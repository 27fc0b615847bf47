//! Images in the attach client: which cells of a frame show image rows, fetching what they
//! show from the server lazily (by id: `Request::Image`), and drawing them with kitty
//! graphics when the outer terminal answered the probe's graphics query. An image is sent
//! to the outer terminal once (PNG only; other formats keep their placeholder), then placed
//! row by row, each row cut from the image by its source rectangle: so images are clipped to
//! their pane and move with its content, in scroll mode too, because what is placed is read
//! off the composed frame. Without kitty graphics the cells show their placeholder text
//! (`[image W×H]`). Sixel output is not done yet.
//!
//! Bounds: [`RECORDS_MAX`] remembered records, [`SENT_MAX`] images sent to the outer
//! terminal (the oldest is deleted there past it), [`IN_FLIGHT_MAX`] requests at once.

use std::collections::{HashMap, VecDeque};

use base64::Engine;
use spool_proto::{ImageRecord, Request};

use super::render::Grid;

/// (pane, id) → what the server said: about 100 bytes each.
pub const RECORDS_MAX: usize = 4096;
/// Images sent to the outer terminal and not deleted there.
pub const SENT_MAX: usize = 256;
/// Image requests waiting for their answers.
pub const IN_FLIGHT_MAX: usize = 8;
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

/// The client's image state.
#[derive(Debug, Default)]
pub struct Images {
    /// The outer terminal answered the kitty graphics query.
    pub kitty: bool,
    records: HashMap<(u32, u32), Option<ImageRecord>>,
    asked: Vec<(u32, u32)>,
    /// Image names sent to the outer terminal, oldest first, with the kitty id given.
    sent: VecDeque<(String, u32)>,
    next_kitty_id: u32,
    /// What the outer terminal shows now.
    placed: Vec<Segment>,
}

impl Images {
    /// Requests for the records of segments not known yet.
    pub fn wants(&mut self, segs: &[Segment]) -> Vec<Request> {
        if !self.kitty {
            return Vec::new();
        }
        let mut out = Vec::new();
        for s in segs {
            let key = (s.pane, s.id);
            if self.records.contains_key(&key) || self.asked.contains(&key) {
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
        if self.records.len() >= RECORDS_MAX {
            self.records.clear();
        }
        let mut out = Vec::new();
        if let Some(r) = &record {
            let fresh = !self.sent.iter().any(|(n, _)| *n == r.name);
            if fresh && r.format == "png" && !bytes.is_empty() {
                if self.sent.len() >= SENT_MAX {
                    if let Some((_, old)) = self.sent.pop_front() {
                        out.extend_from_slice(
                            format!("\x1b_Ga=d,d=I,i={old},q=2\x1b\\").as_bytes(),
                        );
                    }
                }
                self.next_kitty_id = self.next_kitty_id.wrapping_add(1).max(1);
                let kid = self.next_kitty_id;
                transmit(&mut out, kid, bytes);
                self.sent.push_back((r.name.clone(), kid));
            }
        }
        self.records.insert((pane, id), record);
        out
    }

    /// Make the outer terminal show `segs`: if they differ from what it shows, delete its
    /// placements and place each known row again. The cursor is saved and restored around.
    pub fn draw(&mut self, segs: &[Segment]) -> Vec<u8> {
        let mut out = Vec::new();
        if !self.kitty {
            return out;
        }
        let drawable: Vec<(Segment, &ImageRecord, u32)> = segs
            .iter()
            .filter_map(|s| {
                let r = self.records.get(&(s.pane, s.id))?.as_ref()?;
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

    /// Leaving: take every placement off the outer terminal and free what was sent.
    pub fn clear(&mut self) -> Vec<u8> {
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
