//! The on-disk form: one append-only file of framed, compressed segments per pane.
//!
//! ```text
//! history.seg   header | payload | header | payload | ...      (append-only; old ones hole-punched)
//! head          where the first live segment starts, and the next row number (rewritten by rename)
//! ```
//!
//! Header, [`HEADER_LEN`] bytes, little-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 0..8   | magic `SPOOLSG1` |
//! | 8..10  | format version ([`crate::FORMAT_VERSION`]) |
//! | 10..12 | reserved, zero |
//! | 12..16 | row count |
//! | 16..24 | number of the segment's first row |
//! | 24..28 | uncompressed payload length |
//! | 28..32 | compressed payload length |
//! | 32..36 | carry-in cells: width of the unfinished logical line the previous segments left |
//! | 36..40 | CRC-32 of the compressed payload |
//! | 40     | log2 of the text filter's bits, 0 for none (version 2; zero in version 1) |
//! | 41..44 | smallest image id its rows show, 0 for none, saturating at 2²⁴−1 (version 3; read as 1, "any", in versions 1 and 2) |
//! | 44..48 | CRC-32 of bytes 0..44 |
//!
//! The frame is the header, the compressed payload, then the segment's text filter
//! (`filter.rs`, [`crate::filter::filter_len`] bytes, with its own CRC), which search reads
//! alone to skip a segment that cannot match. Version 1 segments (no filter) are read as
//! they are. The payload's layout is `codec.rs`'s: split into a text frame and a table frame
//! since version 4, one joined frame before.
//!
//! A segment is written with one `write` at the end of the file. Recovery walks the headers from
//! the live start; the first header that is torn, fails its CRC, breaks row continuity, or runs
//! past the end of the file — and a last segment whose payload fails its CRC — marks where the
//! file is cut back to. Payload CRCs of earlier segments are checked on every read instead, so a
//! flipped byte in the middle of history costs that one segment, not everything after it.
//! A sound header of a newer format version is not damage: opening fails
//! ([`StoreError::Newer`]) and the file is left as it is, for the spool that wrote it.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use crate::{StoreError, FORMAT_VERSION, MAX_SEGMENT_RAW_BYTES};

pub const MAGIC: &[u8; 8] = b"SPOOLSG1";
pub const HEADER_LEN: usize = 48;
pub const HISTORY_FILE: &str = "history.seg";
pub const HEAD_FILE: &str = "head";

/// Why [`Header::decode`] refused a sound header (its checksum holds) of a version above
/// [`FORMAT_VERSION`]: a newer spool wrote it. Recovery stops there without cutting (see
/// [`SegFile::open`]), so that running an older spool after a newer one loses no history.
pub const NEWER_VERSION: &str = "written by a newer format version";

/// The fixed-size frame header of one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    pub row_count: u32,
    pub first_row: u64,
    pub raw_len: u32,
    pub comp_len: u32,
    pub carry_in: u32,
    pub crc: u32,
    /// log2 of the text filter's bits after the payload (0: none).
    pub filter_log2: u8,
    /// The smallest image id (`Style::image`) its rows show; 0 for none. Kept in 24 bits,
    /// saturating (a pane records fewer image rows than that, see the server's
    /// `PLACEMENTS_MAX_BYTES`).
    pub min_image: u32,
    /// Format version: which payload layout follows (`codec.rs`). Writers set
    /// [`FORMAT_VERSION`]; older ones are only read (and made by tests).
    pub version: u16,
}

/// Largest image id a header keeps exactly.
pub const MIN_IMAGE_MAX: u32 = (1 << 24) - 1;

impl Header {
    /// Bytes of the whole frame: header, payload and filter.
    pub fn frame_len(&self) -> u64 {
        (HEADER_LEN + self.comp_len as usize + crate::filter::filter_len(self.filter_log2)) as u64
    }

    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut b = [0u8; HEADER_LEN];
        b[0..8].copy_from_slice(MAGIC);
        b[8..10].copy_from_slice(&self.version.to_le_bytes());
        b[12..16].copy_from_slice(&self.row_count.to_le_bytes());
        b[16..24].copy_from_slice(&self.first_row.to_le_bytes());
        b[24..28].copy_from_slice(&self.raw_len.to_le_bytes());
        b[28..32].copy_from_slice(&self.comp_len.to_le_bytes());
        b[32..36].copy_from_slice(&self.carry_in.to_le_bytes());
        b[36..40].copy_from_slice(&self.crc.to_le_bytes());
        b[40] = self.filter_log2;
        b[41..44].copy_from_slice(&self.min_image.min(MIN_IMAGE_MAX).to_le_bytes()[..3]);
        let hcrc = crc32fast::hash(&b[0..44]);
        b[44..48].copy_from_slice(&hcrc.to_le_bytes());
        b
    }

    /// Parse and validate a header; the reason is for the log when recovery cuts here.
    pub fn decode(b: &[u8]) -> Result<Header, &'static str> {
        if b.len() < HEADER_LEN {
            return Err("torn header");
        }
        if &b[0..8] != MAGIC {
            return Err("bad magic");
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap());
        if crc32fast::hash(&b[0..44]) != u32_at(44) {
            return Err("header checksum mismatch");
        }
        let version = u16::from_le_bytes([b[8], b[9]]);
        if version > FORMAT_VERSION {
            return Err(NEWER_VERSION);
        }
        if version == 0 {
            return Err("unknown format version");
        }
        let filter_log2 = b[40];
        if !crate::filter::valid_log2(filter_log2) || (version == 1 && filter_log2 != 0) {
            return Err("bad filter size");
        }
        let h = Header {
            version,
            row_count: u32_at(12),
            first_row: u64::from_le_bytes(b[16..24].try_into().unwrap()),
            raw_len: u32_at(24),
            comp_len: u32_at(28),
            carry_in: u32_at(32),
            crc: u32_at(36),
            filter_log2,
            // Before version 3 a segment did not say: it may show any image.
            min_image: if version >= 3 {
                u32::from_le_bytes([b[41], b[42], b[43], 0])
            } else {
                1
            },
        };
        if h.raw_len as usize > MAX_SEGMENT_RAW_BYTES
            || h.comp_len as usize > zstd::zstd_safe::compress_bound(MAX_SEGMENT_RAW_BYTES)
            || h.row_count == 0
        {
            return Err("lengths out of range");
        }
        Ok(h)
    }
}

/// Decompress and decode one framed payload, verifying its checksum. Used by reads and by the
/// fuzz target; never panics on any input.
pub fn decode_payload(h: &Header, comp: &[u8]) -> Result<crate::codec::SegmentBuf, &'static str> {
    let mut seg = crate::codec::SegmentBuf::new();
    decode_payload_into(h, comp, &mut ScanScratch::default(), &mut seg)?;
    Ok(seg)
}

/// What a scan reuses from segment to segment: the frame read from disk, the decompressed
/// table and runs (or a whole joined payload, before version 4) and a zstd context (made on
/// first use). One per scanning thread: decoding a segment then allocates nothing, where each
/// decode made a context (~100 KiB, mapped and unmapped) and two segment-sized buffers.
#[derive(Default)]
pub struct ScanScratch {
    pub(crate) frame: Vec<u8>,
    raw: Vec<u8>,
    dctx: Option<zstd::bulk::Decompressor<'static>>,
}

/// [`decode_payload`] into `out`, with `scratch`'s buffers and context.
pub fn decode_payload_into(
    h: &Header,
    comp: &[u8],
    scratch: &mut ScanScratch,
    out: &mut crate::codec::SegmentBuf,
) -> Result<(), &'static str> {
    if comp.len() != h.comp_len as usize {
        return Err("payload length mismatch");
    }
    if crc32fast::hash(comp) != h.crc {
        return Err("payload checksum mismatch");
    }
    let dctx = match &mut scratch.dctx {
        Some(d) => d,
        none => none.insert(zstd::bulk::Decompressor::new().map_err(|_| "zstd error")?),
    };
    out.decompress(h.version, comp, h.raw_len as usize, dctx, &mut scratch.raw)
        .map_err(|e| e.0)?;
    if out.len() != h.row_count as usize {
        return Err("row count mismatch");
    }
    Ok(())
}

/// Decode a whole frame (header + payload) from bytes: the fuzz entry point.
pub fn decode_frame(bytes: &[u8]) -> Result<(Header, crate::codec::SegmentBuf), &'static str> {
    let h = Header::decode(bytes)?;
    let comp = bytes
        .get(HEADER_LEN..HEADER_LEN + h.comp_len as usize)
        .ok_or("torn payload")?;
    let seg = decode_payload(&h, comp)?;
    Ok((h, seg))
}

/// Where live history starts, persisted beside the segments.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Head {
    /// File offset of the first live segment.
    pub offset: u64,
    /// Row number the next segment would start at if no segment is live.
    pub next_row: u64,
}

impl Head {
    fn encode(&self) -> [u8; 20] {
        let mut b = [0u8; 20];
        b[0..8].copy_from_slice(&self.offset.to_le_bytes());
        b[8..16].copy_from_slice(&self.next_row.to_le_bytes());
        let crc = crc32fast::hash(&b[0..16]);
        b[16..20].copy_from_slice(&crc.to_le_bytes());
        b
    }

    fn decode(b: &[u8]) -> Option<Head> {
        if b.len() != 20 || crc32fast::hash(&b[0..16]).to_le_bytes() != b[16..20] {
            return None;
        }
        Some(Head {
            offset: u64::from_le_bytes(b[0..8].try_into().unwrap()),
            next_row: u64::from_le_bytes(b[8..16].try_into().unwrap()),
        })
    }
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Create a directory (and parents) with mode 0700.
pub fn create_dir_private(dir: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))?;
    // An existing directory keeps its mode with DirBuilder: tighten it.
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io_err(dir))
}

/// The open history file of one pane.
#[derive(Debug)]
pub struct SegFile {
    pub dir: PathBuf,
    pub path: PathBuf,
    pub file: std::sync::Arc<File>,
    /// Length of the valid file: where the next segment goes.
    pub end: u64,
    punch_supported: bool,
    /// Everything before this offset has been punched out.
    punched_to: u64,
}

/// One frame's append to a [`SegFile`], done without the store's lock (see
/// [`SegFile::appender`]).
pub struct Appender {
    file: std::sync::Arc<File>,
    /// Where the frame goes: the file's end when the appender was taken.
    pub off: u64,
}

impl Appender {
    /// Write one frame: `frame` is [`HEADER_LEN`] bytes of space for `header`, then the
    /// compressed payload and the filter. The caller decides when to fsync. On failure no
    /// partial frame is left behind for the next append to follow.
    pub fn write(&self, header: &Header, frame: &mut [u8]) -> std::io::Result<()> {
        frame[..HEADER_LEN].copy_from_slice(&header.encode());
        if let Err(e) = self.file.write_all_at(frame, self.off) {
            let _ = self.file.set_len(self.off);
            return Err(e);
        }
        Ok(())
    }
}

/// A segment found by recovery.
#[derive(Clone, Copy, Debug)]
pub struct Found {
    pub offset: u64,
    pub header: Header,
}

/// What recovery found and did.
#[derive(Debug, Default)]
pub struct Recovery {
    pub segments: Vec<Found>,
    pub next_row: u64,
    /// Bytes cut from the end of the file, and why.
    pub cut: Option<(u64, &'static str)>,
}

impl SegFile {
    /// Open (creating if needed) the history in `dir`, recovering what is valid.
    pub fn open(dir: &Path) -> Result<(SegFile, Recovery), StoreError> {
        create_dir_private(dir)?;
        let path = dir.join(HISTORY_FILE);
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(io_err(&path))?;
        let len = file.metadata().map_err(io_err(&path))?.len();
        let head = std::fs::read(dir.join(HEAD_FILE))
            .ok()
            .and_then(|b| Head::decode(&b))
            .unwrap_or_default();
        let mut rec = Recovery {
            next_row: head.next_row,
            ..Recovery::default()
        };
        let start = head.offset.min(len);
        let mut off = start;
        let mut hbuf = [0u8; HEADER_LEN];
        while off < len {
            let cut_reason = match file.read_exact_at(&mut hbuf, off) {
                Err(_) => Some("torn header"),
                Ok(()) => match Header::decode(&hbuf) {
                    Err(NEWER_VERSION) => {
                        return Err(StoreError::Newer {
                            path,
                            version: u16::from_le_bytes([hbuf[8], hbuf[9]]),
                        })
                    }
                    Err(why) => Some(why),
                    Ok(h) => {
                        let end = off + h.frame_len();
                        if end > len {
                            Some("torn payload")
                        } else if !rec.segments.is_empty() && h.first_row != rec.next_row {
                            Some("row numbers not continuous")
                        } else if h.first_row < rec.next_row && rec.segments.is_empty() {
                            Some("row numbers go backwards")
                        } else if end == len && !payload_ok(&file, off, &h) {
                            Some("last payload checksum mismatch")
                        } else {
                            rec.segments.push(Found {
                                offset: off,
                                header: h,
                            });
                            rec.next_row = h.first_row + h.row_count as u64;
                            off = end;
                            None
                        }
                    }
                },
            };
            if let Some(why) = cut_reason {
                // Before the first valid segment, damage (or a hole left by pruning that a
                // stale `head` points into) is skipped: resynchronize on the next valid header.
                if rec.segments.is_empty() {
                    if let Some(next) = find_next_header(&file, off + 1, len) {
                        tracing::warn!(path = %path.display(), skipped = next - off, reason = why,
                            "skipped damaged bytes before the first valid history segment");
                        off = next;
                        continue;
                    }
                }
                if rec.segments.is_empty() {
                    off = start;
                }
                rec.cut = Some((len - off, why));
                break;
            }
        }
        if rec.cut.is_some() {
            file.set_len(off).map_err(io_err(&path))?;
            file.sync_all().map_err(io_err(&path))?;
        }
        let punch_supported = true;
        Ok((
            SegFile {
                dir: dir.to_owned(),
                path,
                file: std::sync::Arc::new(file),
                end: off,
                punch_supported,
                punched_to: start,
            },
            rec,
        ))
    }

    /// Where the next frame goes, and the file to write it to. The store takes this under its
    /// lock and writes with the lock released ([`Appender::write`]), then records the new end
    /// ([`SegFile::appended`]); one append at a time (the store's `writing`), and the file is
    /// not truncated meanwhile.
    pub fn appender(&self) -> Appender {
        Appender {
            file: self.file.clone(),
            off: self.end,
        }
    }

    /// The frame of `len` bytes an [`Appender`] wrote at `off` is in: the next goes after it.
    pub fn appended(&mut self, off: u64, len: u64) {
        debug_assert_eq!(off, self.end, "one append at a time");
        self.end = off + len;
    }

    /// An [`Appender`]'s error, naming this file.
    pub fn write_error(&self, e: std::io::Error) -> StoreError {
        io_err(&self.path)(e)
    }

    pub fn sync(&self) -> Result<(), StoreError> {
        self.file.sync_data().map_err(io_err(&self.path))
    }

    /// Read the whole frame (header and payload) of the segment at `offset` into `buf` (its
    /// contents replaced).
    pub fn read_frame_into(
        file: &File,
        offset: u64,
        comp_len: u32,
        buf: &mut Vec<u8>,
    ) -> std::io::Result<()> {
        buf.clear();
        buf.resize(HEADER_LEN + comp_len as usize, 0);
        file.read_exact_at(buf, offset)
    }

    /// Read the text filter of the segment at `offset` (its header says where and how long).
    pub fn read_filter(file: &File, offset: u64, comp_len: u32, log2: u8) -> Option<Vec<u8>> {
        let mut buf = vec![0u8; crate::filter::filter_len(log2)];
        let at = offset + HEADER_LEN as u64 + comp_len as u64;
        file.read_exact_at(&mut buf, at).ok()?;
        Some(buf)
    }

    /// Read the compressed payload of the segment at `offset`.
    pub fn read_payload(file: &File, offset: u64, comp_len: u32) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; comp_len as usize];
        file.read_exact_at(&mut buf, offset + HEADER_LEN as u64)?;
        Ok(buf)
    }

    /// Record where live history starts. Written before the space is released. It is a hint:
    /// without `durable` it is not fsynced (pruning happens once per sealed segment), and a
    /// stale head pointing into a punched hole is survived by recovery resynchronizing on the
    /// next valid header.
    pub fn write_head(&self, head: Head, durable: bool) -> Result<(), StoreError> {
        let tmp = self.dir.join("head.tmp");
        let dst = self.dir.join(HEAD_FILE);
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        f.write_all(&head.encode()).map_err(io_err(&tmp))?;
        if durable {
            f.sync_all().map_err(io_err(&tmp))?;
        }
        std::fs::rename(&tmp, &dst).map_err(io_err(&dst))
    }

    /// Release the disk space of everything before `live_start` by punching a hole (O(1), no
    /// rewrite). The hole starts where the previous one ended, rounded down to a block, so
    /// segments smaller than a block are freed once their neighbours are too.
    pub fn punch_before(&mut self, live_start: u64) {
        const BLOCK: u64 = 4096;
        let offset = self.punched_to / BLOCK * BLOCK;
        if !self.punch_supported || live_start <= offset {
            return;
        }
        let len = live_start - offset;
        self.punched_to = live_start;
        // SAFETY: fallocate on an fd we own; no memory is passed.
        let rc = unsafe {
            libc::fallocate(
                std::os::fd::AsRawFd::as_raw_fd(&self.file),
                libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE,
                offset as libc::off_t,
                len as libc::off_t,
            )
        };
        if rc != 0 {
            let err = std::io::Error::last_os_error();
            tracing::warn!(path = %self.path.display(), %err,
                "cannot punch holes here; pruned history keeps its disk space until cleared");
            self.punch_supported = false;
        }
    }

    /// Drop everything: the file becomes empty (used when no segment is live any more).
    pub fn truncate_all(&mut self, next_row: u64) -> Result<(), StoreError> {
        self.write_head(
            Head {
                offset: 0,
                next_row,
            },
            true,
        )?;
        self.file.set_len(0).map_err(io_err(&self.path))?;
        self.end = 0;
        self.punched_to = 0;
        Ok(())
    }
}

fn payload_ok(file: &File, off: u64, h: &Header) -> bool {
    match SegFile::read_payload(file, off, h.comp_len) {
        Ok(buf) => crc32fast::hash(&buf) == h.crc,
        Err(_) => false,
    }
}

/// Offset of the next plausible segment header at or after `from`: magic, header checksum, and
/// a payload that ends inside the file. Holes are skipped with `SEEK_DATA`.
fn find_next_header(file: &File, mut from: u64, len: u64) -> Option<u64> {
    const CHUNK: usize = 1024 * 1024;
    let mut buf = vec![0u8; CHUNK];
    while from < len {
        // SAFETY: lseek on an fd we own; the shared offset is not used by our positional I/O.
        let data = unsafe {
            libc::lseek(
                std::os::fd::AsRawFd::as_raw_fd(file),
                from as libc::off_t,
                libc::SEEK_DATA,
            )
        };
        if data < 0 {
            return None;
        }
        from = from.max(data as u64);
        let n = ((len - from) as usize).min(CHUNK);
        file.read_exact_at(&mut buf[..n], from).ok()?;
        let mut start = 0;
        while let Some(p) = buf[start..n].windows(MAGIC.len()).position(|w| w == MAGIC) {
            let at = from + (start + p) as u64;
            let mut hb = [0u8; HEADER_LEN];
            if file.read_exact_at(&mut hb, at).is_ok() {
                // A newer spool's segment is where recovery stops and says so.
                if Header::decode(&hb) == Err(NEWER_VERSION) {
                    return Some(at);
                }
                if let Ok(h) = Header::decode(&hb) {
                    if at + h.frame_len() <= len {
                        return Some(at);
                    }
                }
            }
            start += p + 1;
        }
        if n < CHUNK {
            return None;
        }
        from += (n - MAGIC.len() + 1) as u64;
    }
    None
}
