//! iTerm2 inline images (`OSC 1337 ; File = args : base64 BEL|ST`). Only `inline=1` is
//! shown; a file transfer without it (a download, in iTerm2) is counted and dropped. `width`
//! and `height` may be cells (`N`), pixels (`Npx`), a percentage of the screen (`N%`) or
//! `auto`.
//!
//! The emulator reads the OSC itself (vte keeps at most `OSC_MAX` bytes of one): the
//! arguments, at most [`ARGS_MAX`] bytes, then the file decoded from base64 as it arrives.

use super::b64::{Base64Sink, Head};
use super::{identify, CursorAfter, Dropped};
use crate::history::HistorySink;
use crate::screen::Screen;

/// Longest argument list kept (`name=…;size=…;width=…;height=…;inline=1`).
pub const ARGS_MAX: usize = 4096;

/// The OSC being read.
#[derive(Debug, Default)]
pub(crate) struct ItermFile {
    args: Head,
    /// The arguments lacked `inline=1`: a download, dropped, so its data is not decoded.
    download: bool,
    data: Base64Sink,
}

impl ItermFile {
    pub(crate) fn memory_bytes(&self) -> usize {
        self.args.bytes.capacity() + self.data.memory_bytes()
    }
}

/// A size argument in cells, given the image's pixels along it, the cell's pixels and the
/// screen's cells.
fn cells(arg: &[u8], cell_px: u16, screen: usize) -> Option<u16> {
    let s = std::str::from_utf8(arg).ok()?;
    let n = |v: &str| v.parse::<u32>().ok();
    let c = if let Some(px) = s.strip_suffix("px") {
        n(px)?.div_ceil(cell_px.max(1) as u32)
    } else if let Some(pc) = s.strip_suffix('%') {
        (n(pc)?.min(100) * screen as u32).div_ceil(100)
    } else if s == "auto" {
        return None;
    } else {
        n(s)?
    };
    Some(c.clamp(1, u16::MAX as u32) as u16)
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn iterm_begin(&mut self) {
        self.iterm = Some(Box::default());
    }

    pub(crate) fn iterm_bytes(&mut self, b: &[u8]) {
        let max = self.images.config.max_sequence_bytes;
        let Some(f) = self.iterm.as_mut() else {
            return;
        };
        let (data, crossed) = f.args.take(b, b':', ARGS_MAX);
        if crossed {
            f.download = !f
                .args
                .bytes
                .split(|&c| c == b';')
                .any(|kv| kv == b"inline=1");
        }
        if !f.download {
            f.data.feed(data, max);
        }
    }

    pub(crate) fn iterm_end(&mut self) {
        let (max, max_side) = (
            self.images.config.max_sequence_bytes,
            self.images.config.max_side,
        );
        let Some(mut f) = self.iterm.take() else {
            return;
        };
        f.data.finish(max);
        let mut inline = false;
        let (mut w, mut h) = (None, None);
        for kv in f.args.bytes.split(|&c| c == b';') {
            let Some(eq) = kv.iter().position(|&c| c == b'=') else {
                continue;
            };
            let (k, v) = (&kv[..eq], &kv[eq + 1..]);
            match k {
                b"inline" => inline = v == b"1",
                b"width" => w = cells(v, self.images.cell_px.0, self.cols),
                b"height" => h = cells(v, self.images.cell_px.1, self.rows),
                _ => {}
            }
        }
        let img = if !inline {
            Err(Dropped::Refused)
        } else if f.data.overflow {
            Err(Dropped::TooLong)
        } else if f.data.invalid || !f.args.in_payload {
            Err(Dropped::Invalid)
        } else {
            identify(std::mem::take(&mut f.data.out), max_side)
        };
        match img {
            Ok(img) => {
                self.show_image(img, w, h, CursorAfter::Below);
            }
            Err(why) => self.images.drop_image(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_cells_pixels_and_percent() {
        assert_eq!(cells(b"10", 10, 80), Some(10));
        assert_eq!(cells(b"95px", 10, 80), Some(10));
        assert_eq!(cells(b"50%", 10, 80), Some(40));
        assert_eq!(cells(b"auto", 10, 80), None);
        assert_eq!(cells(b"x", 10, 80), None);
    }
}
