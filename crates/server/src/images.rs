//! Images the panes showed, kept with their history.
//!
//! - Bytes are stored once, by content: `STATE/images/<sha256>.<ext>` (0600 in a 0700
//!   directory, written to a temporary name and renamed), PNG/JPEG/GIF/TIFF as the emulator
//!   named them (`spool_term::image`). Reads check the content against its name, so a file
//!   torn by a crash is an error, never a wrong image.
//! - A pane's placements are records in its history directory, `images.idx`: record `id - 1`
//!   (at offset `(id - 1) × RECORD_BYTES`) says which image row `Style::image = id` shows.
//!   Rows in history keep only the id, so no row keeps image data alive, in RAM or anywhere.
//!   A restarted pane goes on numbering after the last record.
//! - RAM holds a least-recently-used cache of image bytes, for clients that fetch them, of at
//!   most [`IMAGE_CACHE_BYTES`]; its capacity is fixed when the server starts, and nothing
//!   lifts it (an image larger than the cache is read from disk each time, never kept).
//!
//! Not done yet: images are not counted in the disk budget, nor deleted when the last
//! history row showing them is pruned. A pane's records are capped at
//! [`PLACEMENTS_MAX_BYTES`]; the image files are not.

use std::collections::VecDeque;
use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use spool_term::{ImageData, ImageFormat, ImageHash, ImageInfo, Placement};

/// Image bytes kept in RAM for clients: a screenful of plots at a few hundred KiB each, a
/// fraction of what one uncompressed 4K image would take.
pub const IMAGE_CACHE_BYTES: usize = 32 * 1024 * 1024;

/// One placement record: hash (32), width, height (4 each), cols, rows, row (2 each),
/// format (1), a version byte (1), CRC-32 of the rest (4).
pub const RECORD_BYTES: usize = 52;

const RECORD_VERSION: u8 = 1;

/// Most bytes of one pane's `images.idx`: 1.3 million image rows (a screenful of images a
/// minute for a year). A program could otherwise grow it by 52 KB per 20-byte kitty `a=p`;
/// past it, new placements show as their placeholder text only, and are counted.
pub const PLACEMENTS_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// What `images.idx` says of one id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    pub info: ImageInfo,
    pub cols: u16,
    pub rows: u16,
    /// Which of the image's rows this id shows (0 = its top).
    pub row: u16,
}

fn format_byte(f: ImageFormat) -> u8 {
    match f {
        ImageFormat::Png => 1,
        ImageFormat::Jpeg => 2,
        ImageFormat::Gif => 3,
        ImageFormat::Tiff => 4,
    }
}

fn byte_format(b: u8) -> Option<ImageFormat> {
    Some(match b {
        1 => ImageFormat::Png,
        2 => ImageFormat::Jpeg,
        3 => ImageFormat::Gif,
        4 => ImageFormat::Tiff,
        _ => return None,
    })
}

impl Record {
    fn encode(&self) -> [u8; RECORD_BYTES] {
        let mut b = [0u8; RECORD_BYTES];
        b[..32].copy_from_slice(&self.info.hash);
        b[32..36].copy_from_slice(&self.info.width.to_le_bytes());
        b[36..40].copy_from_slice(&self.info.height.to_le_bytes());
        b[40..42].copy_from_slice(&self.cols.to_le_bytes());
        b[42..44].copy_from_slice(&self.rows.to_le_bytes());
        b[44..46].copy_from_slice(&self.row.to_le_bytes());
        b[46] = format_byte(self.info.format);
        b[47] = RECORD_VERSION;
        let crc = crc32fast::hash(&b[..48]);
        b[48..].copy_from_slice(&crc.to_le_bytes());
        b
    }

    /// A record read back; `None` for a hole, a torn write or garbage.
    fn decode(b: &[u8; RECORD_BYTES]) -> Option<Record> {
        let crc = u32::from_le_bytes(b[48..52].try_into().ok()?);
        if crc != crc32fast::hash(&b[..48]) || b[47] != RECORD_VERSION {
            return None;
        }
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().unwrap_or([0; 4]));
        let u16_at = |i: usize| u16::from_le_bytes(b[i..i + 2].try_into().unwrap_or([0; 2]));
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&b[..32]);
        Some(Record {
            info: ImageInfo {
                hash,
                format: byte_format(b[46])?,
                width: u32_at(32),
                height: u32_at(36),
            },
            cols: u16_at(40),
            rows: u16_at(42),
            row: u16_at(44),
        })
    }
}

/// A pane's placement records (`images.idx`).
#[derive(Debug)]
pub struct Placements {
    file: Option<File>,
    /// Placements not recorded because the file reached [`PLACEMENTS_MAX_BYTES`].
    pub unrecorded: AtomicU64,
}

impl Placements {
    /// Open (creating, 0600) the records of the pane whose history is `dir`. A failure is
    /// logged and leaves a pane whose images are shown as their placeholders only.
    pub fn open(dir: &Path) -> Placements {
        Self::open_with(dir, true)
    }

    /// The records of a closed pane's history, to read: nothing is created.
    pub fn open_existing(dir: &Path) -> Placements {
        Self::open_with(dir, false)
    }

    fn open_with(dir: &Path, create: bool) -> Placements {
        let path = dir.join("images.idx");
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(create)
            .create(create)
            .truncate(false)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .mode(0o600)
            .open(&path);
        match file {
            Ok(f) => Placements {
                file: Some(f),
                unrecorded: AtomicU64::new(0),
            },
            Err(e) => {
                if create || e.kind() != std::io::ErrorKind::NotFound {
                    tracing::warn!(path = %path.display(), error = %e, "image placements not read");
                }
                Placements {
                    file: None,
                    unrecorded: AtomicU64::new(0),
                }
            }
        }
    }

    /// The id to number the pane's next image from: after the last record.
    pub fn next_id(&self) -> u32 {
        let len = self
            .file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
        (len / RECORD_BYTES as u64).min(u32::MAX as u64 - 1) as u32 + 1
    }

    /// Record every row of a placement.
    pub fn write(&self, p: &Placement) {
        let Some(f) = &self.file else { return };
        let mut buf = Vec::with_capacity(p.rows as usize * RECORD_BYTES);
        for row in 0..p.rows {
            let r = Record {
                info: p.info,
                cols: p.cols,
                rows: p.rows,
                row,
            };
            buf.extend_from_slice(&r.encode());
        }
        let at = (p.first_id as u64 - 1) * RECORD_BYTES as u64;
        if at + buf.len() as u64 > PLACEMENTS_MAX_BYTES {
            self.unrecorded.fetch_add(1, Ordering::Relaxed);
            return;
        }
        if let Err(e) = f.write_all_at(&buf, at) {
            tracing::warn!(error = %e, "image placement not recorded");
        }
    }

    /// What id `id` shows.
    pub fn read(&self, id: u32) -> Option<Record> {
        let f = self.file.as_ref()?;
        let mut b = [0u8; RECORD_BYTES];
        f.read_exact_at(&mut b, (id.checked_sub(1)? as u64) * RECORD_BYTES as u64)
            .ok()?;
        Record::decode(&b)
    }
}

/// The server's image bytes: files by content, and the RAM cache.
pub struct ImageStore {
    dir: PathBuf,
    cache: Mutex<Cache>,
    /// Image files this server wrote, and their bytes (for `stats`).
    pub files_written: AtomicU64,
    pub bytes_written: AtomicU64,
}

/// What one cache entry costs besides its bytes (its slot and the shared buffer's header).
const ENTRY_OVERHEAD: usize = 96;

struct Cache {
    capacity: usize,
    bytes: usize,
    /// Oldest first.
    entries: VecDeque<(ImageHash, Arc<Vec<u8>>)>,
}

impl Cache {
    fn get(&mut self, hash: &ImageHash) -> Option<Arc<Vec<u8>>> {
        let i = self.entries.iter().position(|e| &e.0 == hash)?;
        let e = self.entries.remove(i)?;
        let bytes = e.1.clone();
        self.entries.push_back(e);
        Some(bytes)
    }

    fn insert(&mut self, hash: ImageHash, bytes: Arc<Vec<u8>>) {
        let cost = bytes.len() + ENTRY_OVERHEAD;
        if cost > self.capacity || self.entries.iter().any(|e| e.0 == hash) {
            return;
        }
        while self.bytes + cost > self.capacity {
            match self.entries.pop_front() {
                Some(old) => self.bytes -= old.1.len() + ENTRY_OVERHEAD,
                None => break,
            }
        }
        self.bytes += cost;
        self.entries.push_back((hash, bytes));
    }
}

/// The file name of an image.
pub fn file_name(info: &ImageInfo) -> String {
    let hex: String = info.hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.{}", info.format.extension())
}

impl ImageStore {
    /// The store under `dir` (created on the first image), caching at most `cache_bytes`.
    pub fn new(dir: PathBuf, cache_bytes: usize) -> ImageStore {
        ImageStore {
            dir,
            cache: Mutex::new(Cache {
                capacity: cache_bytes,
                bytes: 0,
                entries: VecDeque::new(),
            }),
            files_written: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
        }
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes the cache holds now, and its capacity.
    pub fn cache_bytes(&self) -> (usize, usize) {
        let c = self.cache();
        (c.bytes, c.capacity)
    }

    pub fn path(&self, info: &ImageInfo) -> PathBuf {
        self.dir.join(file_name(info))
    }

    /// Keep an image's bytes (nothing to do if a file of that content is there already).
    pub fn put(&self, data: &ImageData) -> std::io::Result<()> {
        let path = self.path(&data.info);
        let len = data.bytes.len() as u64;
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == len) {
            return Ok(());
        }
        spool_proto::paths::private_dir(&self.dir).map_err(std::io::Error::other)?;
        // Unique per write: two panes storing the same content at once never share one.
        static NEXT_TMP: AtomicU64 = AtomicU64::new(0);
        let n = NEXT_TMP.fetch_add(1, Ordering::Relaxed);
        let tmp = self.dir.join(format!(".{}.{n}.tmp", file_name(&data.info)));
        {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .mode(0o600)
                .open(&tmp)?;
            // Not synced: a crash may leave a torn file, which `get` tells by its hash (and
            // the next `put` of the same content replaces one of the wrong length).
            f.write_all(&data.bytes)?;
        }
        std::fs::rename(&tmp, &path)?;
        self.files_written.fetch_add(1, Ordering::Relaxed);
        self.bytes_written
            .fetch_add(data.bytes.len() as u64, Ordering::Relaxed);
        Ok(())
    }

    /// An image's bytes: from the cache, else from its file (then cached, if it fits).
    pub fn get(&self, info: &ImageInfo) -> std::io::Result<Arc<Vec<u8>>> {
        if let Some(b) = self.cache().get(&info.hash) {
            return Ok(b);
        }
        use std::io::Read;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(self.path(info))?;
        let max = spool_term::SEQUENCE_MAX_BYTES as u64 * 4;
        let mut bytes = Vec::new();
        f.take(max).read_to_end(&mut bytes)?;
        use sha2::Digest;
        if sha2::Sha256::digest(&bytes).as_slice() != info.hash {
            return Err(std::io::Error::other("image file damaged"));
        }
        let bytes = Arc::new(bytes);
        self.cache().insert(info.hash, bytes.clone());
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_garbage_reads_as_none() {
        let r = Record {
            info: ImageInfo {
                hash: [7; 32],
                format: ImageFormat::Jpeg,
                width: 640,
                height: 480,
            },
            cols: 64,
            rows: 24,
            row: 3,
        };
        assert_eq!(Record::decode(&r.encode()), Some(r));
        let mut b = r.encode();
        b[5] ^= 1;
        assert_eq!(Record::decode(&b), None);
        assert_eq!(Record::decode(&[0; RECORD_BYTES]), None);
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let s = ImageStore::new(PathBuf::from("/nonexistent"), 1000);
        for i in 0..100u8 {
            s.cache().insert([i; 32], Arc::new(vec![i; 300]));
            assert!(s.cache_bytes().0 <= 1000);
        }
        s.cache().insert([200; 32], Arc::new(vec![0; 5000]));
        assert!(s.cache_bytes().0 <= 1000);
    }
}
