//! Kitty graphics (`APC G keys ; payload ST`): transmit (`a=t`, `a=T`) in formats 24, 32 and
//! 100 (PNG), zlib-compressed (`o=z`), chunked (`m=1`), directly or from a regular file
//! (`t=f`, `t=t`); put (`a=p`) of an image sent before; delete (`a=d`); query (`a=q`),
//! answered as a terminal that supports all of this. Shared memory (`t=s`) is refused with an
//! error reply. Virtual placements (`U=1`) are shown where the program prints Unicode
//! placeholders (`unicode.rs`).
//!
//! The emulator reads the APC string itself (vte drops APC bodies): the keys first, at most
//! [`KEYS_MAX`] bytes, then the payload decoded from base64 as it arrives, into one buffer
//! per transfer of at most `max_sequence_bytes`.

use std::collections::VecDeque;
use std::io::Read;

use super::b64::{Base64Sink, Head};
use super::{identify, CursorAfter, Dropped, ImageData, ImageInfo, KITTY_IDS_MAX};
use crate::history::HistorySink;
use crate::screen::Screen;

/// Longest key list kept (`a=T,f=100,i=1234,…` is a few dozen bytes).
pub const KEYS_MAX: usize = 4096;

/// Placements remembered per kitty image id, so `a=d,d=i` can clear them from the screen.
const PLACEMENTS_PER_ID: usize = 16;

/// Bytes one remembered id holds at most (the entry and its placements).
pub(crate) const KNOWN_BYTES: usize =
    std::mem::size_of::<Known>() + PLACEMENTS_PER_ID * std::mem::size_of::<(u32, u16)>();

/// The keys of one command (0 / `\0` where absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Keys {
    action: u8,
    format: u32,
    medium: u8,
    compression: u8,
    width: u32,
    height: u32,
    id: u32,
    number: u32,
    placement: u32,
    more: u32,
    cols: u32,
    rows: u32,
    cursor: u32,
    quiet: u32,
    virtual_: u32,
    delete: u8,
}

fn parse_keys(s: &[u8]) -> Keys {
    let mut k = Keys::default();
    for kv in s.split(|&b| b == b',') {
        let Some(eq) = kv.iter().position(|&b| b == b'=') else {
            continue;
        };
        let (key, val) = (&kv[..eq], &kv[eq + 1..]);
        let num = || {
            std::str::from_utf8(val)
                .ok()
                .and_then(|v| v.parse::<u32>().ok())
                .unwrap_or(0)
        };
        let ch = val.first().copied().unwrap_or(0);
        match key {
            b"a" => k.action = ch,
            b"f" => k.format = num(),
            b"t" => k.medium = ch,
            b"o" => k.compression = ch,
            b"s" => k.width = num(),
            b"v" => k.height = num(),
            b"i" => k.id = num(),
            b"I" => k.number = num(),
            b"p" => k.placement = num(),
            b"m" => k.more = num(),
            b"c" => k.cols = num(),
            b"r" => k.rows = num(),
            b"C" => k.cursor = num(),
            b"q" => k.quiet = num(),
            b"U" => k.virtual_ = num(),
            b"d" => k.delete = ch,
            _ => {}
        }
    }
    k
}

/// A chunked transfer waiting for its last chunk.
#[derive(Debug)]
struct Transfer {
    keys: Keys,
    data: Base64Sink,
}

/// An image id the program gave, and where it was placed lately.
#[derive(Debug)]
struct Known {
    id: u32,
    info: ImageInfo,
    placements: VecDeque<(u32, u16)>,
    /// Its virtual placement (`U=1`), for Unicode placeholders: first id, cols, rows.
    virtual_placement: Option<(u32, u16, u16)>,
}

/// The APC string being read.
#[derive(Debug, Default)]
struct Reading {
    head: Head,
    keys: Keys,
    /// The payload goes to the transfer in progress (a continuation chunk).
    continuation: bool,
    /// The payload of a single-chunk command.
    data: Base64Sink,
}

/// A terminal's kitty graphics state.
#[derive(Debug, Default)]
pub(crate) struct KittyState {
    reading: Option<Reading>,
    transfer: Option<Transfer>,
    known: VecDeque<Known>,
    /// Ids given to images sent with a number (`I=`) and no id.
    next_auto_id: u32,
}

impl KittyState {
    pub(crate) fn memory_bytes(&self) -> usize {
        self.transfer.as_ref().map_or(0, |t| t.data.memory_bytes())
            + self
                .reading
                .as_ref()
                .map_or(0, |r| r.head.bytes.capacity() + r.data.memory_bytes())
            + self
                .known
                .iter()
                .map(|k| std::mem::size_of::<Known>() + k.placements.capacity() * 8)
                .sum::<usize>()
    }

    pub(crate) fn cancel(&mut self) {
        self.reading = None;
    }

    fn remember(&mut self, id: u32, info: ImageInfo) {
        self.known.retain(|k| k.id != id);
        if self.known.len() >= KITTY_IDS_MAX {
            self.known.pop_front();
        }
        self.known.push_back(Known {
            id,
            info,
            placements: VecDeque::new(),
            virtual_placement: None,
        });
    }

    /// What a placeholder at (`row`, `col`) of image `id`'s virtual placement shows: its
    /// row's image id and the character of the cell (the `[image W×H]` text on row 0).
    pub(crate) fn virtual_cell(&self, id: u32, row: u32, col: u32) -> Option<(u32, char)> {
        let k = self.known.iter().find(|k| k.id == id)?;
        let (first, cols, rows) = k.virtual_placement?;
        if row >= rows as u32 || col >= cols as u32 {
            return None;
        }
        let ch = if row == 0 {
            super::placeholder(k.info.width, k.info.height)
                .chars()
                .nth(col as usize)
                .unwrap_or(' ')
        } else {
            ' '
        };
        Some((first + row, ch))
    }

    /// The images remembered by kitty id: a later `a=p` may place any of them.
    pub(crate) fn known_images(&self) -> impl Iterator<Item = &ImageInfo> {
        self.known.iter().map(|k| &k.info)
    }

    fn lookup(&mut self, id: u32) -> Option<&mut Known> {
        self.known.iter_mut().find(|k| k.id == id)
    }
}

/// Read a file named by a `t=f`/`t=t` transfer: only a regular file of at most `max` bytes.
fn read_file(path: &[u8], max: usize) -> Result<Vec<u8>, Dropped> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::path::Path::new(std::ffi::OsStr::from_bytes(path));
    let meta = std::fs::metadata(path).map_err(|_| Dropped::Refused)?;
    if !meta.is_file() || meta.len() > max as u64 {
        return Err(Dropped::Refused);
    }
    let mut out = Vec::new();
    std::fs::File::open(path)
        .map_err(|_| Dropped::Refused)?
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| Dropped::Refused)?;
    if out.len() > max {
        return Err(Dropped::Refused);
    }
    Ok(out)
}

/// Inflate a zlib stream to at most `max` bytes.
fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, Dropped> {
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .take(max as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| Dropped::Invalid)?;
    if out.len() > max {
        return Err(Dropped::TooLong);
    }
    Ok(out)
}

/// A `c=`/`r=` key as a cell count: `None` when absent (0).
fn cells(n: u32) -> Option<u16> {
    (n > 0).then_some(n.min(u16::MAX as u32) as u16)
}

fn error_code(why: Dropped) -> &'static str {
    match why {
        Dropped::TooLong => "EFBIG:image data too large",
        Dropped::TooLarge => "EFBIG:image dimensions too large",
        Dropped::Invalid => "EBADMSG:cannot decode image data",
        Dropped::Refused => "EBADF:transfer medium refused",
        Dropped::Full => "ENOSPC:too many images pending",
    }
}

impl<S: HistorySink> Screen<S> {
    /// `ESC _ G` was seen: a kitty graphics command begins.
    pub(crate) fn kitty_begin(&mut self) {
        self.images.kitty.reading = Some(Reading::default());
    }

    /// Bytes of the command's body.
    pub(crate) fn kitty_bytes(&mut self, b: &[u8]) {
        let max = self.images.config.max_sequence_bytes;
        let transferring = self.images.kitty.transfer.is_some();
        let Some(r) = self.images.kitty.reading.as_mut() else {
            return;
        };
        let (b, crossed) = r.head.take(b, b';', KEYS_MAX);
        if crossed {
            r.keys = parse_keys(&r.head.bytes);
            r.continuation = transferring;
        }
        if b.is_empty() {
            return;
        }
        if r.continuation {
            if let Some(t) = self.images.kitty.transfer.as_mut() {
                t.data.feed(b, max);
            }
        } else {
            r.data.feed(b, max);
        }
    }

    /// ST: the command is complete.
    pub(crate) fn kitty_end(&mut self) {
        let max = self.images.config.max_sequence_bytes;
        let Some(mut r) = self.images.kitty.reading.take() else {
            return;
        };
        if !r.head.in_payload {
            r.keys = parse_keys(&r.head.bytes);
            r.continuation = self.images.kitty.transfer.is_some();
        }
        if r.continuation {
            let Some(mut t) = self.images.kitty.transfer.take() else {
                return;
            };
            // A transfer past the cap keeps reading (and discarding) until its last chunk,
            // so the chunks after the cap are not taken for new commands.
            if r.keys.more == 1 {
                self.images.kitty.transfer = Some(t);
                return;
            }
            t.data.finish(max);
            let keys = t.keys;
            self.kitty_transmitted(keys, t.data);
            return;
        }
        let keys = r.keys;
        match keys.action {
            b'q' => {
                r.data.finish(max);
                match self.kitty_image(keys, r.data) {
                    Ok(_) => self.kitty_reply(keys, None),
                    Err(why) => self.kitty_reply(keys, Some(error_code(why))),
                }
            }
            b't' | b'T' | 0 if keys.more == 1 => {
                self.images.kitty.transfer = Some(Transfer { keys, data: r.data });
            }
            b't' | b'T' | 0 => {
                r.data.finish(max);
                self.kitty_transmitted(keys, r.data);
            }
            b'p' => self.kitty_put(keys),
            b'd' => self.kitty_delete(keys),
            _ => self.kitty_reply(keys, Some("EINVAL:unknown action")),
        }
    }

    /// The image a transmission carries, decoded only as far as needed to name and size it.
    fn kitty_image(&mut self, keys: Keys, data: Base64Sink) -> Result<ImageData, Dropped> {
        let (max, max_side) = (
            self.images.config.max_sequence_bytes,
            self.images.config.max_side,
        );
        if data.overflow {
            return Err(Dropped::TooLong);
        }
        if data.invalid {
            return Err(Dropped::Invalid);
        }
        let mut bytes = match keys.medium {
            0 | b'd' => data.out,
            b'f' | b't' => {
                let path = data.out;
                let bytes = read_file(&path, max)?;
                if keys.medium == b't' {
                    remove_temp_file(&path);
                }
                bytes
            }
            _ => return Err(Dropped::Refused),
        };
        if keys.compression == b'z' {
            bytes = inflate(&bytes, max)?;
        }
        match keys.format {
            100 => identify(bytes, max_side),
            0 | 24 | 32 => {
                let channels = if keys.format == 24 { 3 } else { 4 };
                let (w, h) = (keys.width, keys.height);
                if w == 0 || h == 0 {
                    return Err(Dropped::Invalid);
                }
                if w > max_side || h > max_side {
                    return Err(Dropped::TooLarge);
                }
                if bytes.len() as u64 != w as u64 * h as u64 * channels as u64 {
                    return Err(Dropped::Invalid);
                }
                super::encode_png(w, h, channels, &bytes, None)
            }
            _ => Err(Dropped::Invalid),
        }
    }

    /// A whole transmission arrived (`a=t`, or `a=T` which also places it).
    fn kitty_transmitted(&mut self, keys: Keys, data: Base64Sink) {
        let img = match self.kitty_image(keys, data) {
            Ok(img) => img,
            Err(why) => {
                self.images.drop_image(why);
                self.kitty_reply(keys, Some(error_code(why)));
                return;
            }
        };
        let info = img.info;
        if !self.images.store(img) {
            self.kitty_reply(keys, Some(error_code(Dropped::Full)));
            return;
        }
        let id = if keys.id == 0 && keys.number > 0 {
            self.images.kitty.next_auto_id = self.images.kitty.next_auto_id.wrapping_add(1).max(1);
            // Ids the program chose are small; ours count down from the top.
            u32::MAX - self.images.kitty.next_auto_id
        } else {
            keys.id
        };
        if id != 0 {
            self.images.kitty.remember(id, info);
        }
        let keys = Keys { id, ..keys };
        if keys.action == b'T' && keys.virtual_ == 0 {
            self.kitty_place(keys, info);
        } else if keys.action == b'T' {
            self.kitty_virtual(keys, info);
        }
        self.kitty_reply(keys, None);
    }

    fn kitty_place(&mut self, keys: Keys, info: ImageInfo) {
        let after = if keys.cursor == 1 {
            CursorAfter::Stay
        } else {
            CursorAfter::Right
        };
        let Some(p) = self.place_image(info, cells(keys.cols), cells(keys.rows), after) else {
            return;
        };
        if let Some(k) = self.images.kitty.lookup(keys.id).filter(|_| keys.id != 0) {
            if k.placements.len() >= PLACEMENTS_PER_ID {
                k.placements.pop_front();
            }
            k.placements.push_back((p.first_id, p.rows));
        }
    }

    /// `a=p`: place an image sent before.
    fn kitty_put(&mut self, keys: Keys) {
        let Some(info) = self.images.kitty.lookup(keys.id).map(|k| k.info) else {
            self.kitty_reply(keys, Some("ENOENT:no such image"));
            return;
        };
        if keys.virtual_ == 0 {
            self.kitty_place(keys, info);
        } else {
            self.kitty_virtual(keys, info);
        }
        self.kitty_reply(keys, None);
    }

    /// A virtual placement (`U=1`): ids for its rows, recorded like any placement, and no
    /// cells until the program prints placeholders for it.
    fn kitty_virtual(&mut self, keys: Keys, info: ImageInfo) {
        if keys.id == 0 {
            return;
        }
        let (cols, rows) = self
            .images
            .cells_for(&info, cells(keys.cols), cells(keys.rows));
        let Some(first_id) = self.images.alloc_ids(rows) else {
            self.images.drop_image(Dropped::Full);
            return;
        };
        self.images.placed(super::Placement {
            first_id,
            rows,
            cols,
            info,
        });
        if let Some(k) = self.images.kitty.lookup(keys.id) {
            k.virtual_placement = Some((first_id, cols, rows));
        }
    }

    /// `a=d`: delete placements (`d=a`/`A`: all; `d=i`/`I`: one image's). The cells they
    /// took are blanked on the shown screen; history keeps what scrolled off.
    fn kitty_delete(&mut self, keys: Keys) {
        let ranges: Vec<(u32, u16)> = match keys.delete {
            b'i' | b'I' => self
                .images
                .kitty
                .lookup(keys.id)
                .map(|k| k.placements.iter().copied().collect())
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let all = matches!(keys.delete, 0 | b'a' | b'A');
        self.clear_image_cells(|id| {
            all || ranges.iter().any(|&(f, n)| id >= f && id < f + n as u32)
        });
        if keys.delete == b'I' {
            self.images.kitty.known.retain(|k| k.id != keys.id);
        } else if keys.delete == b'A' {
            self.images.kitty.known.clear();
        }
    }

    /// Blank the shown cells whose image id `hit` accepts.
    fn clear_image_cells(&mut self, hit: impl Fn(u32) -> bool) {
        for y in 0..self.rows {
            let mut touched = false;
            for x in 0..self.cols {
                let cell = self.grid.lines[y].cells[x];
                let img = self.styles.get(cell.style).image;
                if img != 0 && hit(img) {
                    self.grid.lines[y].cells[x] = crate::cell::Cell::BLANK;
                    touched = true;
                }
            }
            if touched {
                self.damage.mark(y);
            }
        }
    }

    /// Answer a command that named an image (`i=`), unless `q=` silences the answer.
    fn kitty_reply(&mut self, keys: Keys, error: Option<&str>) {
        if keys.id == 0 && keys.number == 0 {
            return;
        }
        let quiet = match error {
            None => keys.quiet >= 1,
            Some(_) => keys.quiet >= 2,
        };
        if quiet {
            return;
        }
        let mut s = format!("\x1b_Gi={}", keys.id);
        if keys.number > 0 {
            s.push_str(&format!(",I={}", keys.number));
        }
        if keys.placement > 0 {
            s.push_str(&format!(",p={}", keys.placement));
        }
        s.push(';');
        s.push_str(error.unwrap_or("OK"));
        s.push_str("\x1b\\");
        self.replies.push_str(&s);
    }
}

/// Kitty deletes a `t=t` file once read, if it looks like one made for the purpose; so does
/// spool (and nothing else: a program cannot make the server delete arbitrary files).
fn remove_temp_file(path: &[u8]) {
    use std::os::unix::ffi::OsStrExt;
    // Resolved first: `/tmp/../home/…` must not pass for a file in /tmp.
    let Ok(p) = std::fs::canonicalize(std::path::Path::new(std::ffi::OsStr::from_bytes(path)))
    else {
        return;
    };
    let tmp = std::fs::canonicalize(std::env::temp_dir()).unwrap_or_else(|_| "/tmp".into());
    let named = p.file_name().is_some_and(|n| {
        n.as_bytes()
            .windows(21)
            .any(|w| w == b"tty-graphics-protocol")
    });
    let in_tmp = p.starts_with(&tmp) || p.starts_with("/dev/shm");
    if named && in_tmp {
        let _ = std::fs::remove_file(&p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_and_ignore_garbage() {
        let k = parse_keys(b"a=T,f=100,i=7,m=1,q=2,zz,=,x=y");
        assert_eq!(
            (k.action, k.format, k.id, k.more, k.quiet),
            (b'T', 100, 7, 1, 2)
        );
    }
}
