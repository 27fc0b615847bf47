//! Images in a pane: what sixel (`sixel.rs`), kitty graphics (`kitty.rs`) and iTerm2
//! (`iterm.rs`) hand the screen, the caps on them, and how an image takes cells.
//!
//! An image never lives in the screen. The emulator turns each complete image into encoded
//! bytes (PNG, JPEG, GIF or TIFF, as the program sent them; sixel and raw pixels become PNG),
//! names them by content (SHA-256) and hands them to the server as an [`ImageEvent`]. The cells
//! it covers get a placeholder: the first row reads `[image W×H]`, the others are blank, and
//! every cell of row `r` carries `Style::image = first_id + r`. So history keeps, per row, only
//! a 4-byte id, capture and search see the placeholder text, and a client that can draw
//! images asks the server for the bytes by id.
//!
//! Bounds (each a field of [`ImageConfig`], defaults below):
//! - one sequence, and one kitty image assembled from chunks: at most `max_sequence_bytes`
//!   (16 MiB); the rest of a longer one is skipped, not stored, and the image is dropped;
//! - one decoded image: at most `max_side` pixels on each side (4096); a sixel canvas is one
//!   byte per pixel, so at most 16 MiB while it is being drawn;
//! - images handed over and not yet taken by the server: [`EVENTS_MAX_BYTES`];
//! - kitty image ids remembered for later placement: [`KITTY_IDS_MAX`].

pub(crate) mod b64;
pub(crate) mod intro;
pub(crate) mod iterm;
pub(crate) mod kitty;
pub(crate) mod sixel;
pub mod unicode;

use std::collections::VecDeque;

use sha2::{Digest, Sha256};
use spool_cells::Style;

use crate::history::HistorySink;
use crate::screen::Screen;

/// Default cap on the bytes of one image sequence (or one chunked kitty transfer): a 4096²
/// RGBA image is 64 MiB raw, but what programs send is PNG or sixel, a few MiB at most.
pub const SEQUENCE_MAX_BYTES: usize = 16 * 1024 * 1024;

/// Default cap on each side of a decoded image, in pixels: larger than any screen.
pub const IMAGE_MAX_SIDE: u32 = 4096;

/// Cell size assumed until a client reports its terminal's: xterm's default font is close.
pub const CELL_PIXELS_DEFAULT: (u16, u16) = (10, 20);

/// Images waiting for the server to take them (it does after every batch of output): two
/// sequences' worth, so one image in flight never drops the next.
pub const EVENTS_MAX_BYTES: usize = 2 * SEQUENCE_MAX_BYTES;

/// Kitty image ids (`i=`) remembered, so that a later `a=p` can place an image sent once:
/// 1024 entries of about 60 bytes. Past this the oldest is forgotten.
pub const KITTY_IDS_MAX: usize = 1024;

/// Most rows one image may take: its id range is this wide at most.
pub const IMAGE_MAX_ROWS: u16 = 1024;

/// Most bytes a terminal holds for images under `config`: two sequences' payloads (a kitty
/// transfer left waiting for its last chunk while an iTerm2 file arrives), their key lists, a
/// sixel canvas of `max_side²` bytes and its palette, the events not taken yet, and the
/// remembered kitty ids.
pub fn memory_bound(config: &ImageConfig) -> usize {
    let side = config.max_side as usize;
    2 * config.max_sequence_bytes
        + 2 * kitty::KEYS_MAX
        + iterm::ARGS_MAX
        + side * side
        + 3 * sixel::SIXEL_REGISTERS
        + EVENTS_MAX_BYTES
        + KITTY_IDS_MAX * kitty::KNOWN_BYTES
}

/// The caps (the defaults are the named constants above; `Terminal::set_image_config`
/// changes them for one terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageConfig {
    pub max_sequence_bytes: usize,
    pub max_side: u32,
}

impl Default for ImageConfig {
    fn default() -> ImageConfig {
        ImageConfig {
            max_sequence_bytes: SEQUENCE_MAX_BYTES,
            max_side: IMAGE_MAX_SIDE,
        }
    }
}

/// How an image's bytes are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageFormat {
    Png,
    Jpeg,
    Gif,
    Tiff,
}

impl ImageFormat {
    /// The usual file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Jpeg => "jpg",
            ImageFormat::Gif => "gif",
            ImageFormat::Tiff => "tiff",
        }
    }
}

/// The file an image is kept in, named by content: `<SHA-256 in hex>.<extension>`.
pub fn file_name(info: &ImageInfo) -> String {
    let hex: String = info.hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{}", info.format.extension())
}

/// The hash and format an image file's name gives, if it is one ([`file_name`]'s form, and
/// nothing else: never a path).
pub fn parse_file_name(name: &str) -> Option<(ImageHash, ImageFormat)> {
    let (hex, ext) = name.split_once('.')?;
    let format = [
        ImageFormat::Png,
        ImageFormat::Jpeg,
        ImageFormat::Gif,
        ImageFormat::Tiff,
    ]
    .into_iter()
    .find(|f| f.extension() == ext)?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut h = [0u8; 32];
    for (i, b) in h.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some((h, format))
}

/// An image's content address.
pub type ImageHash = [u8; 32];

/// What is known of an image without its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    pub hash: ImageHash,
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
}

/// An image's encoded bytes, named by content.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageData {
    pub info: ImageInfo,
    pub bytes: Vec<u8>,
}

/// An image placed on the screen: rows `first_id .. first_id + rows` of cells carry
/// `Style::image` ids, one per image row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placement {
    pub first_id: u32,
    pub rows: u16,
    pub cols: u16,
    pub info: ImageInfo,
}

/// What the emulator hands the server about images.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageEvent {
    /// New image bytes to keep (content-addressed: the server may have them already).
    Stored(ImageData),
    /// An image took cells.
    Placed(Placement),
}

/// Why an image was dropped (each counted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dropped {
    /// The sequence went past `max_sequence_bytes`.
    TooLong,
    /// The image is larger than `max_side` on a side (declared or drawn).
    TooLarge,
    /// Not an image we can read (bad encoding, unknown format, truncated).
    Invalid,
    /// A transfer we refuse: shared memory, a file that is not a regular file under the cap.
    Refused,
    /// The server had not taken the images before it (`EVENTS_MAX_BYTES`), or ids ran out.
    Full,
}

pub use spool_cells::ImageCounts;

/// Where the text cursor goes after an image is placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CursorAfter {
    /// To the line below the image, at the column it started (sixel, iTerm2).
    Below,
    /// To the image's last row, just right of it (kitty, `C=0`).
    Right,
    /// Where it was (kitty `C=1`).
    Stay,
}

/// A terminal's image state.
#[derive(Debug)]
pub struct Images {
    pub(crate) config: ImageConfig,
    pub(crate) cell_px: (u16, u16),
    events: VecDeque<ImageEvent>,
    events_bytes: usize,
    /// The next `Style::image` id (0 means "no image"; ids are never reused).
    next_id: u32,
    pub(crate) counters: ImageCounts,
    pub(crate) kitty: kitty::KittyState,
    /// The last Unicode placeholder printed (`unicode.rs`).
    pub(crate) last_placeholder: Option<unicode::LastPlaceholder>,
    pub(crate) sixel: Option<Box<sixel::SixelDecoder>>,
    /// DECSET 8452: the cursor goes right of a sixel image instead of below it.
    pub(crate) sixel_cursor_right: bool,
}

impl Default for Images {
    fn default() -> Images {
        Images {
            config: ImageConfig::default(),
            cell_px: CELL_PIXELS_DEFAULT,
            events: VecDeque::new(),
            events_bytes: 0,
            next_id: 1,
            counters: ImageCounts::default(),
            kitty: kitty::KittyState::default(),
            last_placeholder: None,
            sixel: None,
            sixel_cursor_right: false,
        }
    }
}

impl Images {
    /// Bytes held: pending events, the sixel canvas, a kitty transfer in progress.
    pub fn memory_bytes(&self) -> usize {
        self.events_bytes
            + self.sixel.as_ref().map_or(0, |s| s.memory_bytes())
            + self.kitty.memory_bytes()
    }

    pub fn counters(&self) -> ImageCounts {
        self.counters
    }

    pub(crate) fn drop_image(&mut self, why: Dropped) {
        let c = &mut self.counters;
        match why {
            Dropped::TooLong => c.too_long += 1,
            Dropped::TooLarge => c.too_large += 1,
            Dropped::Invalid => c.invalid += 1,
            Dropped::Refused => c.refused += 1,
            Dropped::Full => c.full += 1,
        }
        tracing::debug!(?why, "image dropped");
    }

    /// Take what the server has not taken yet.
    pub fn take_events(&mut self) -> Vec<ImageEvent> {
        self.events_bytes = 0;
        self.events.drain(..).collect()
    }

    /// The next id the terminal gives (saved with a pane, so ids stay unique across restarts).
    pub fn next_id(&self) -> u32 {
        self.next_id
    }

    pub fn set_next_id(&mut self, id: u32) {
        self.next_id = self.next_id.max(id).max(1);
    }

    /// The cells an image takes: `cols` × `rows` if given (and not 0), else as many as its
    /// pixels cover at the cell size; rows at most [`IMAGE_MAX_ROWS`].
    pub(crate) fn cells_for(
        &self,
        info: &ImageInfo,
        cols: Option<u16>,
        rows: Option<u16>,
    ) -> (u16, u16) {
        let (cw, ch) = self.cell_px;
        let cover =
            |px: u32, cell: u16| px.div_ceil(cell.max(1) as u32).min(u16::MAX as u32) as u16;
        let cols = cols
            .filter(|&c| c > 0)
            .unwrap_or_else(|| cover(info.width, cw))
            .max(1);
        let rows = rows
            .filter(|&r| r > 0)
            .unwrap_or_else(|| cover(info.height, ch))
            .clamp(1, IMAGE_MAX_ROWS);
        (cols, rows)
    }

    pub(crate) fn alloc_ids(&mut self, rows: u16) -> Option<u32> {
        let first = self.next_id;
        let end = first.checked_add(rows as u32)?;
        self.next_id = end;
        Some(first)
    }

    /// Hand new image bytes to the server; false (and counted) when its queue is full.
    pub(crate) fn store(&mut self, data: ImageData) -> bool {
        let n = data.bytes.len();
        if self.events_bytes + n > EVENTS_MAX_BYTES {
            self.drop_image(Dropped::Full);
            return false;
        }
        self.events_bytes += n;
        self.counters.stored += 1;
        self.events.push_back(ImageEvent::Stored(data));
        true
    }

    pub(crate) fn placed(&mut self, p: Placement) {
        self.counters.placed += 1;
        self.events.push_back(ImageEvent::Placed(p));
    }
}

/// Name encoded bytes by content, checking the decoded size against the cap.
pub(crate) fn identify(bytes: Vec<u8>, max_side: u32) -> Result<ImageData, Dropped> {
    let format = match imagesize::image_type(&bytes) {
        Ok(imagesize::ImageType::Png) => ImageFormat::Png,
        Ok(imagesize::ImageType::Jpeg) => ImageFormat::Jpeg,
        Ok(imagesize::ImageType::Gif) => ImageFormat::Gif,
        Ok(imagesize::ImageType::Tiff) => ImageFormat::Tiff,
        _ => return Err(Dropped::Invalid),
    };
    let size = imagesize::blob_size(&bytes).map_err(|_| Dropped::Invalid)?;
    let (w, h) = (size.width as u64, size.height as u64);
    if w == 0 || h == 0 {
        return Err(Dropped::Invalid);
    }
    if w > max_side as u64 || h > max_side as u64 {
        return Err(Dropped::TooLarge);
    }
    Ok(ImageData {
        info: ImageInfo {
            hash: Sha256::digest(&bytes).into(),
            format,
            width: w as u32,
            height: h as u32,
        },
        bytes,
    })
}

/// Encode 8-bit pixels (`channels` 1 = palette indices with `palette`, 3 = RGB, 4 = RGBA) as
/// PNG and name it.
pub(crate) fn encode_png(
    width: u32,
    height: u32,
    channels: u8,
    pixels: &[u8],
    palette: Option<(&[u8], &[u8])>,
) -> Result<ImageData, Dropped> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, width, height);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(png::Compression::Fast);
        match (channels, palette) {
            (1, Some((rgb, trns))) => {
                enc.set_color(png::ColorType::Indexed);
                enc.set_palette(rgb.to_vec());
                enc.set_trns(trns.to_vec());
            }
            (3, _) => enc.set_color(png::ColorType::Rgb),
            (4, _) => enc.set_color(png::ColorType::Rgba),
            _ => return Err(Dropped::Invalid),
        }
        let mut w = enc.write_header().map_err(|_| Dropped::Invalid)?;
        w.write_image_data(pixels).map_err(|_| Dropped::Invalid)?;
    }
    Ok(ImageData {
        info: ImageInfo {
            hash: Sha256::digest(&out).into(),
            format: ImageFormat::Png,
            width,
            height,
        },
        bytes: out,
    })
}

/// The placeholder text of an image's first row.
pub fn placeholder(width: u32, height: u32) -> String {
    format!("[image {width}×{height}]")
}

impl<S: HistorySink> Screen<S> {
    /// CAN or SUB cut an image string: what was read of it is dropped.
    pub(crate) fn image_cancel(&mut self) {
        self.images.kitty.cancel();
        self.iterm = None;
    }

    /// Bytes held for images, the string being read included.
    pub(crate) fn image_memory_bytes(&self) -> usize {
        self.images.memory_bytes() + self.iterm.as_ref().map_or(0, |f| f.memory_bytes())
    }

    /// Place an image at the cursor: `cols` × `rows` cells (computed from its pixel size and
    /// the cell size when not given), scrolling as text would. `None` if dropped.
    pub(crate) fn place_image(
        &mut self,
        info: ImageInfo,
        cols: Option<u16>,
        rows: Option<u16>,
        after: CursorAfter,
    ) -> Option<Placement> {
        let (cols, rows) = self.images.cells_for(&info, cols, rows);
        let cols = cols.min(self.cols as u16);
        let Some(first_id) = self.images.alloc_ids(rows) else {
            self.images.drop_image(Dropped::Full);
            return None;
        };
        if self.cursor.pending_wrap {
            self.wrap();
        }
        let (x0, y0) = (self.cursor.x, self.cursor.y);
        let cols = cols.min((self.cols - x0) as u16);
        let text: Vec<char> = placeholder(info.width, info.height).chars().collect();
        let (pen, autowrap, insert) = (self.pen, self.modes.autowrap, self.modes.insert);
        self.modes.autowrap = false;
        self.modes.insert = false;
        for r in 0..rows {
            if r > 0 {
                self.cursor.pending_wrap = false;
                self.index();
            }
            self.cursor.x = x0;
            self.cursor.pending_wrap = false;
            self.pen = Style {
                image: first_id + r as u32,
                ..Style::default()
            };
            self.pen_dirty = true;
            for c in 0..cols as usize {
                let ch = if r == 0 {
                    text.get(c).copied().unwrap_or(' ')
                } else {
                    ' '
                };
                self.put(ch, 1);
            }
        }
        self.pen = pen;
        self.pen_dirty = true;
        self.modes.autowrap = autowrap;
        self.modes.insert = insert;
        match after {
            CursorAfter::Below => {
                self.cursor.pending_wrap = false;
                self.index();
                self.cursor.x = x0;
            }
            CursorAfter::Right => {
                let x = x0 + cols as usize;
                if x >= self.cols {
                    self.cursor.x = self.cols - 1;
                    self.cursor.pending_wrap = true;
                } else {
                    self.cursor.x = x;
                    self.cursor.pending_wrap = false;
                }
            }
            CursorAfter::Stay => {
                // Back where it was, unless the image scrolled the screen under it.
                let room = self.bottom.saturating_sub(y0);
                let scrolled = (rows as usize - 1).saturating_sub(room);
                self.cursor.y = y0.saturating_sub(scrolled);
                self.cursor.x = x0;
                self.cursor.pending_wrap = false;
            }
        }
        self.damage.other = true;
        let p = Placement {
            first_id,
            rows,
            cols,
            info,
        };
        self.images.placed(p);
        Some(p)
    }

    /// Store a complete image and place it.
    pub(crate) fn show_image(
        &mut self,
        data: ImageData,
        cols: Option<u16>,
        rows: Option<u16>,
        after: CursorAfter,
    ) -> Option<ImageInfo> {
        let info = data.info;
        if !self.images.store(data) {
            return None;
        }
        self.place_image(info, cols, rows, after).map(|p| p.info)
    }
}
