//! DCS strings: DECRQSS (`DCS $ q … ST`), XTGETTCAP (`DCS + q … ST`), and sixel images
//! (`DCS … q`), decoded as they arrive by `image/sixel.rs`. Any other DCS is consumed and
//! ignored.
//!
//! Bound: only DECRQSS/XTGETTCAP bodies are kept, at most [`DCS_MAX`] bytes; everything else
//! is counted, not stored, so an unterminated sixel stream costs no memory.
//!
//! Kitty graphics (`APC G … ST`) is read by the emulator before vte (`image/intro.rs`); other
//! SOS/PM/APC strings never reach us: vte consumes them in its `SosPmApcString` state without
//! buffering, until ST/CAN/SUB/ESC.
//!
//! tmux's passthrough (`DCS tmux; … ST`, the wrapped sequence's ESCs doubled) is consumed
//! whole, as tmux does with `allow-passthrough` off: vte alone would end the DCS at the first
//! inner ESC and apply the wrapped sequence to the pane. Once `tmux;` is seen the emulator
//! skips bytes itself until a lone `ESC \` (see `Terminal::advance`), at most
//! [`PASSTHROUGH_MAX`] of them.

use vte::Params;

use crate::history::HistorySink;
use crate::screen::Screen;
use crate::sgr;

/// Longest DECRQSS/XTGETTCAP body kept. Requests are a few bytes (`m`, `r`, ` q`) or a few
/// hex-encoded capability names; 256 bytes is ample and overlong requests are answered as
/// invalid.
pub const DCS_MAX: usize = 256;

/// Most bytes of one tmux passthrough skipped before the emulator gives up on its end and
/// parses again (a program that never ends one must not silence its pane forever). Large
/// enough for an image sent through tmux.
pub const PASSTHROUGH_MAX: u64 = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum DcsKind {
    #[default]
    Ignore,
    Decrqss,
    Xtgettcap,
    Sixel,
    /// `DCS t…`: perhaps tmux's `DCS tmux;` passthrough (the rest of `mux;` to check).
    Tmux,
}

/// State of the DCS string being received.
#[derive(Clone, Debug, Default)]
pub struct Dcs {
    pub(crate) kind: DcsKind,
    buf: Vec<u8>,
    overflow: bool,
    /// Bytes of the current string (sixel sizes for statistics).
    pub(crate) len: u64,
    /// `DCS tmux;` was just seen: the emulator takes over until its end.
    pub(crate) passthrough: bool,
}

impl Dcs {
    #[inline]
    pub(crate) fn put(&mut self, b: u8) {
        self.len = self.len.saturating_add(1);
        match self.kind {
            DcsKind::Decrqss | DcsKind::Xtgettcap => {
                if self.buf.len() < DCS_MAX {
                    self.buf.push(b);
                } else {
                    self.overflow = true;
                }
            }
            DcsKind::Tmux => {
                self.buf.push(b);
                if !b"mux;".starts_with(&self.buf) {
                    self.kind = DcsKind::Ignore;
                } else if self.buf.len() == 4 {
                    self.kind = DcsKind::Ignore;
                    self.passthrough = true;
                }
            }
            _ => {}
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.buf.capacity()
    }
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn dcs_hook(&mut self, _p: &Params, inter: &[u8], ignore: bool, action: char) {
        self.dcs.buf.clear();
        self.dcs.overflow = false;
        self.dcs.len = 0;
        self.dcs.passthrough = false;
        self.dcs.kind = match (inter, action) {
            _ if ignore => DcsKind::Ignore,
            ([b'$'], 'q') => DcsKind::Decrqss,
            ([b'+'], 'q') => DcsKind::Xtgettcap,
            ([], 'q') => {
                let max = self.images.config.max_side;
                self.images.sixel = Some(Box::new(crate::image::sixel::SixelDecoder::new(max)));
                DcsKind::Sixel
            }
            ([], 't') => DcsKind::Tmux,
            _ => DcsKind::Ignore,
        };
    }

    pub(crate) fn dcs_unhook(&mut self) {
        let kind = std::mem::take(&mut self.dcs.kind);
        let body = std::mem::take(&mut self.dcs.buf);
        match kind {
            DcsKind::Decrqss => self.decrqss(&body),
            DcsKind::Xtgettcap => {
                // No capabilities are advertised this way (yet): answer "not found" so
                // programs stop waiting.
                self.replies.push(b"\x1bP0+r\x1b\\");
            }
            DcsKind::Sixel => {
                if let Some(d) = self.images.sixel.take() {
                    let after = if self.images.sixel_cursor_right {
                        crate::image::CursorAfter::Right
                    } else {
                        crate::image::CursorAfter::Below
                    };
                    match d.finish() {
                        Ok(img) => {
                            self.show_image(img, None, None, after);
                        }
                        Err(why) => self.images.drop_image(why),
                    }
                }
            }
            DcsKind::Ignore | DcsKind::Tmux => {}
        }
        // Keep the (bounded) buffer's capacity for the next request.
        self.dcs.buf = body;
        self.dcs.buf.clear();
    }

    fn decrqss(&mut self, body: &[u8]) {
        let reply = if self.dcs.overflow {
            None
        } else {
            match body {
                b"m" => Some(format!("{}m", sgr::describe(&self.pen))),
                b"r" => Some(format!("{};{}r", self.top + 1, self.bottom + 1)),
                b" q" => Some(format!("{} q", self.modes.cursor_shape.param())),
                b"\"q" => Some(format!("{}\"q", self.protected as u8)),
                _ => None,
            }
        };
        match reply {
            Some(r) => self.replies.push_str(&format!("\x1bP1$r{r}\x1b\\")),
            None => self.replies.push(b"\x1bP0$r\x1b\\"),
        }
    }
}
