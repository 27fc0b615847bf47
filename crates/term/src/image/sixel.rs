//! Sixel images (`DCS P1;P2;P3 q … ST`), decoded as the bytes arrive (vte hands DCS bodies
//! over one byte at a time and keeps none of them).
//!
//! The canvas is one byte per pixel, a color register number plus one (0: never drawn, shown
//! transparent), grown as the image is drawn and never past `max_side` on a side: a sixel
//! that declares or draws more is dropped, and its remaining bytes only counted. The image is
//! as large as what was drawn; raster attributes are checked against the cap, not allocated. At the end
//! the canvas becomes an indexed PNG. The pixel aspect ratio of the raster attributes
//! (`"Pan;Pad`, vertical to horizontal) is honored in whole numbers, 1 to
//! [`ASPECT_MAX`]: each sixel row becomes that many rows of the image (as VT340s draw a 2:1
//! image twice as tall). The DCS parameter's ratio (P1) is not: xterm and the terminals after
//! it draw 1:1 without raster attributes, and programs rely on it.

use super::{encode_png, Dropped, ImageData};

/// Most rows one sixel row is stretched to: the VT340's tallest pixel (5:1) rounded up.
pub const ASPECT_MAX: u32 = 8;

/// Color registers: sixel programs use at most 256 (XTSMGRAPHICS reports this many).
pub const SIXEL_REGISTERS: usize = 256;

/// The VT340's default palette for the first 16 registers (percent RGB, as sixel speaks).
const VT340: [(u8, u8, u8); 16] = [
    (0, 0, 0),
    (20, 20, 80),
    (80, 13, 13),
    (20, 80, 20),
    (80, 20, 80),
    (20, 80, 80),
    (80, 80, 20),
    (53, 53, 53),
    (26, 26, 26),
    (33, 33, 60),
    (60, 26, 26),
    (33, 60, 33),
    (60, 33, 60),
    (33, 60, 60),
    (60, 60, 33),
    (80, 80, 80),
];

fn percent(v: u32) -> u8 {
    ((v.min(100) * 255 + 50) / 100) as u8
}

/// HLS (hue 0–360 with blue at 0, lightness and saturation 0–100) to RGB.
fn hls(h: u32, l: u32, s: u32) -> [u8; 3] {
    let (l, s) = (l.min(100) as f32 / 100.0, s.min(100) as f32 / 100.0);
    // Sixel's hue 0 is blue; the usual formula's 0 is red, 240 blue.
    let h = ((h % 360) as f32 + 240.0) % 360.0;
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0) % 2.0 - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [to(r), to(g), to(b)]
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmd {
    Data,
    Repeat,
    Color,
    Raster,
}

/// A sixel image being drawn.
#[derive(Debug)]
pub(crate) struct SixelDecoder {
    max_side: u32,
    /// Canvas: `cap_w × cap_h` bytes, of which `width × height` are drawn on.
    canvas: Vec<u8>,
    cap_w: u32,
    cap_h: u32,
    width: u32,
    height: u32,
    x: u32,
    y: u32,
    color: u8,
    palette: Box<[[u8; 3]; SIXEL_REGISTERS]>,
    cmd: Cmd,
    params: [u32; 5],
    nparams: usize,
    /// Why the image will be dropped, once known; later bytes are skipped.
    failed: Option<Dropped>,
    /// Image rows per sixel row (the raster attributes' Pan/Pad, rounded).
    aspect: u32,
}

impl SixelDecoder {
    pub(crate) fn new(max_side: u32) -> SixelDecoder {
        let mut palette = Box::new([[0u8; 3]; SIXEL_REGISTERS]);
        for (i, &(r, g, b)) in VT340.iter().enumerate() {
            palette[i] = [percent(r as u32), percent(g as u32), percent(b as u32)];
        }
        SixelDecoder {
            max_side,
            canvas: Vec::new(),
            cap_w: 0,
            cap_h: 0,
            width: 0,
            height: 0,
            x: 0,
            y: 0,
            color: 0,
            palette,
            cmd: Cmd::Data,
            params: [0; 5],
            nparams: 0,
            failed: None,
            aspect: 1,
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.canvas.capacity() + std::mem::size_of::<[[u8; 3]; SIXEL_REGISTERS]>()
    }

    /// Make room for pixels up to (`w`, `h`), growing the canvas geometrically.
    fn reserve(&mut self, w: u32, h: u32) -> bool {
        if w > self.max_side || h > self.max_side {
            self.fail(Dropped::TooLarge);
            return false;
        }
        if w <= self.cap_w && h <= self.cap_h {
            return true;
        }
        let nw = if w > self.cap_w {
            (w.max(64).next_power_of_two()).min(self.max_side)
        } else {
            self.cap_w
        };
        let nh = if h > self.cap_h {
            (h.max(60).next_power_of_two()).min(self.max_side)
        } else {
            self.cap_h
        };
        let mut canvas = vec![0u8; nw as usize * nh as usize];
        for row in 0..self.height.min(self.cap_h) as usize {
            let src = &self.canvas[row * self.cap_w as usize..][..self.width as usize];
            canvas[row * nw as usize..][..self.width as usize].copy_from_slice(src);
        }
        self.canvas = canvas;
        self.cap_w = nw;
        self.cap_h = nh;
        true
    }

    fn fail(&mut self, why: Dropped) {
        if self.failed.is_none() {
            self.failed = Some(why);
            self.canvas = Vec::new();
        }
    }

    /// Draw one sixel (six pixels, bit 0 on top) `count` times.
    fn sixel(&mut self, bits: u8, count: u32) {
        let count = count.max(1);
        let end = self.x.saturating_add(count);
        if !self.reserve(end, self.y + 6) {
            return;
        }
        if bits != 0 {
            let ink = self.color.saturating_add(1);
            let w = self.cap_w as usize;
            for bit in 0..6 {
                if bits & (1 << bit) != 0 {
                    let row = (self.y + bit) as usize * w;
                    self.canvas[row + self.x as usize..row + end as usize].fill(ink);
                }
            }
            let bottom = self.y + 6 - bits.leading_zeros().saturating_sub(2);
            self.height = self.height.max(bottom);
        }
        self.x = end;
        self.width = self.width.max(end);
    }

    fn end_command(&mut self) {
        let p = self.params;
        match self.cmd {
            Cmd::Data => {}
            Cmd::Repeat => {} // applied by the data byte that follows
            Cmd::Color => {
                let reg = p[0].min(SIXEL_REGISTERS as u32 - 2) as u8;
                if self.nparams >= 5 {
                    let rgb = match p[1] {
                        1 => hls(p[2], p[3], p[4]),
                        2 => [percent(p[2]), percent(p[3]), percent(p[4])],
                        _ => self.palette[reg as usize],
                    };
                    self.palette[reg as usize] = rgb;
                }
                self.color = reg;
            }
            Cmd::Raster => {
                if self.nparams >= 2 && p[0] > 0 && p[1] > 0 {
                    self.aspect = ((p[0] + p[1] / 2) / p[1]).clamp(1, ASPECT_MAX);
                }
                if self.nparams >= 4 {
                    let (w, h) = (p[2], p[3]);
                    // Checked, not allocated: the image is as large as what is drawn, so a
                    // few bytes declaring 4096×4096 cost nothing.
                    if w > self.max_side || h > self.max_side {
                        self.fail(Dropped::TooLarge);
                        return;
                    }
                }
            }
        }
        if self.cmd != Cmd::Repeat {
            self.cmd = Cmd::Data;
        }
    }

    /// One byte of the DCS body.
    pub(crate) fn put(&mut self, b: u8) {
        if self.failed.is_some() {
            return;
        }
        match b {
            b'0'..=b'9' if self.cmd != Cmd::Data => {
                let i = self.nparams.saturating_sub(1).min(4);
                if self.nparams == 0 {
                    self.nparams = 1;
                }
                self.params[i] = self.params[i]
                    .saturating_mul(10)
                    .saturating_add((b - b'0') as u32);
                return;
            }
            b';' if self.cmd != Cmd::Data => {
                if self.nparams == 0 {
                    self.nparams = 1;
                }
                self.nparams = (self.nparams + 1).min(5);
                return;
            }
            _ => {}
        }
        let repeat = if self.cmd == Cmd::Repeat {
            self.cmd = Cmd::Data;
            Some(self.params[0])
        } else {
            self.end_command();
            None
        };
        if self.failed.is_some() {
            return;
        }
        match b {
            0x3f..=0x7e => self.sixel(b - 0x3f, repeat.unwrap_or(1)),
            b'!' | b'#' | b'"' => {
                self.cmd = match b {
                    b'!' => Cmd::Repeat,
                    b'#' => Cmd::Color,
                    _ => Cmd::Raster,
                };
                self.params = [0; 5];
                self.nparams = 0;
            }
            b'$' => self.x = 0,
            b'-' => {
                self.x = 0;
                self.y = self.y.saturating_add(6);
                if self.y >= self.max_side {
                    self.fail(Dropped::TooLarge);
                }
            }
            _ => {} // other bytes (controls vte passes on, stray characters) are ignored
        }
    }

    /// The end of the sequence: the image as PNG, or why it was dropped.
    pub(crate) fn finish(mut self) -> Result<ImageData, Dropped> {
        self.end_command();
        if let Some(why) = self.failed {
            return Err(why);
        }
        let (w, h) = (self.width, self.height);
        if w == 0 || h == 0 {
            return Err(Dropped::Invalid);
        }
        let stretch = self.aspect as usize;
        if h as u64 * stretch as u64 > self.max_side as u64 {
            return Err(Dropped::TooLarge);
        }
        let mut pixels = Vec::with_capacity(w as usize * h as usize * stretch);
        for row in 0..h as usize {
            let line = &self.canvas[row * self.cap_w as usize..][..w as usize];
            for _ in 0..stretch {
                pixels.extend_from_slice(line);
            }
        }
        let h = h * self.aspect;
        self.canvas = Vec::new();
        // Palette entry 0 is "never drawn" (transparent); entry r + 1 is register r.
        let mut rgb = Vec::with_capacity(3 * SIXEL_REGISTERS);
        rgb.extend_from_slice(&[0, 0, 0]);
        for c in self.palette.iter().take(SIXEL_REGISTERS - 1) {
            rgb.extend_from_slice(c);
        }
        let trns = [0u8];
        encode_png(w, h, 1, &pixels, Some((&rgb, &trns)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(body: &[u8], max: u32) -> Result<ImageData, Dropped> {
        let mut d = SixelDecoder::new(max);
        for &b in body {
            d.put(b);
        }
        d.finish()
    }

    #[test]
    fn a_2_to_1_raster_aspect_draws_each_sixel_row_twice_as_tall() {
        let one = decode(b"\"1;1;4;6#1;2;100;0;0#1!4~", 4096).unwrap();
        assert_eq!((one.info.width, one.info.height), (4, 6));
        let two = decode(b"\"2;1;4;6#1;2;100;0;0#1!4~", 4096).unwrap();
        assert_eq!((two.info.width, two.info.height), (4, 12));
        // Past the cap once stretched: dropped, not allocated.
        assert_eq!(
            decode(b"\"8;1;4;6#1;2;100;0;0#1!4~-!4~", 40).unwrap_err(),
            Dropped::TooLarge
        );
    }

    #[test]
    fn a_sixel_is_as_large_as_it_draws_within_its_raster_attributes_cap() {
        let img = decode(b"\"1;1;20;12#1;2;100;0;0#1!20~-!20~", 4096).unwrap();
        assert_eq!((img.info.width, img.info.height), (20, 12));
        // Declared larger than drawn: as large as drawn, and nothing allocated for the rest.
        let mut d = SixelDecoder::new(4096);
        for &b in b"\"1;1;4096;4096#0~" {
            d.put(b);
        }
        assert!(d.memory_bytes() < 64 * 1024);
        let img = d.finish().unwrap();
        assert_eq!((img.info.width, img.info.height), (1, 6));
        assert_eq!(&img.bytes[1..4], b"PNG");
    }

    #[test]
    fn a_declared_or_drawn_giant_is_dropped_without_its_canvas() {
        assert_eq!(
            decode(b"\"1;1;60000;60000#0~", 4096).unwrap_err(),
            Dropped::TooLarge
        );
        assert_eq!(decode(b"!99999999~", 4096).unwrap_err(), Dropped::TooLarge);
        let mut d = SixelDecoder::new(4096);
        for _ in 0..1000 {
            d.put(b'-');
        }
        assert!(d.memory_bytes() < 4096);
        assert_eq!(d.finish().unwrap_err(), Dropped::TooLarge);
    }

    #[test]
    fn hls_primary_hues_are_right() {
        assert_eq!(hls(0, 50, 100), [0, 0, 255]);
        assert_eq!(hls(120, 50, 100), [255, 0, 0]);
        assert_eq!(hls(240, 50, 100), [0, 255, 0]);
    }
}
