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
//! - A file is deleted once no row that is kept shows it ([`ImageStore::collect`]): not in a
//!   live pane's history (from [`spool_store::Store::image_floor`] on) nor on its screens
//!   (from [`spool_term::Terminal::image_floor`] on), not remembered for a later kitty `a=p`,
//!   and not in a closed history still kept. So images are pruned with the last history row
//!   that shows them. Collections run every `PRUNE_EVERY`, after `clear-history` and
//!   history removal, at the first round after start, and when the files near their cap.
//! - Image files have their own disk cap, [`IMAGE_DISK_MAX_BYTES`], beside the history
//!   budgets: a file shown on a screen cannot be freed by pruning history, so counting them
//!   in `history_bytes_total` would let one screenful of images empty every history. Past the
//!   cap, new images show as their placeholder text only, and are counted (`disk_full`).
//! - A pane's records are capped at [`PLACEMENTS_MAX_BYTES`].

use std::collections::VecDeque;
use std::fs::File;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};

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

/// Most bytes of image files kept on disk, across panes: ten thousand screenshots of 400 KiB.
/// History is kept by the gigabyte per pane; images are what a pane could fill a disk with
/// fastest (16 MiB in one sequence), so they get a cap of their own.
pub const IMAGE_DISK_MAX_BYTES: u64 = 4 << 30;

/// The live-set filter a collection builds: 8 Mi bits, 4 probes. At a million live images 2%
/// of dead files survive a round (they go at a later one, once fewer are live); the filter
/// is made for the collection and freed after it.
pub const COLLECT_FILTER_BYTES: usize = 1 << 20;

/// Hashes stored while a collection runs, which it must not delete (a pane may store content
/// again just as it is found dead). Past this many, that collection deletes nothing.
pub const STORED_DURING_COLLECT_MAX: usize = 4096;

/// Dead files deleted per hold of the gate, so panes storing images wait at most this many
/// unlinks.
const DELETE_BATCH: usize = 64;

/// Collections asked for by disk pressure run at most this often: when every image on disk
/// is live, a collection frees nothing and should not run every round.
const PRESSURE_COLLECT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

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

    /// Every valid record from id `from` on, in 64 KiB reads.
    pub fn each_from(&self, from: u32, mut f: impl FnMut(Record)) {
        let Some(file) = &self.file else { return };
        const CHUNK: usize = 1260 * RECORD_BYTES;
        let mut buf = vec![0u8; CHUNK];
        let mut at = (from.max(1) as u64 - 1) * RECORD_BYTES as u64;
        loop {
            let n = match file.read_at(&mut buf, at) {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let whole = n - n % RECORD_BYTES;
            if whole == 0 {
                return;
            }
            for rec in buf[..whole].chunks_exact(RECORD_BYTES) {
                if let Some(r) = rec.try_into().ok().and_then(Record::decode) {
                    f(r);
                }
            }
            at += whole as u64;
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
    /// Held (read) by a pane while it stores a batch's images and records their placements,
    /// and (write) by a collection when it starts and while it deletes: so every file a
    /// collection sees has its records written, and no file is deleted mid-`put`.
    gate: RwLock<()>,
    /// While a collection runs: the hashes stored since it started (`None` past
    /// [`STORED_DURING_COLLECT_MAX`]); `put` adds to it.
    stored_during: Mutex<Option<Option<Vec<ImageHash>>>>,
    /// The cap on `disk_bytes` ([`IMAGE_DISK_MAX_BYTES`] in a server).
    pub disk_cap: u64,
    /// The files on disk and their bytes, known from the first collection on.
    pub disk_files: AtomicU64,
    pub disk_bytes: AtomicU64,
    disk_known: AtomicBool,
    /// Images refused because the files reached [`IMAGE_DISK_MAX_BYTES`].
    pub disk_full: AtomicU64,
    /// Collections run, and the files they deleted.
    pub collections: AtomicU64,
    pub deleted_files: AtomicU64,
    /// A collection was asked for: by a history being cleared (at once) or by disk pressure
    /// (at most every [`PRESSURE_COLLECT_EVERY`]).
    wanted_now: AtomicBool,
    wanted_pressure: AtomicBool,
    last_collect: Mutex<Option<std::time::Instant>>,
}

/// The hashes a collection found live: a bloom filter of [`COLLECT_FILTER_BYTES`]. A dead
/// file may read as live (and wait for a later round); a live one never reads as dead.
pub struct LiveSet {
    bits: Vec<u64>,
}

impl LiveSet {
    fn new() -> LiveSet {
        LiveSet {
            bits: vec![0; COLLECT_FILTER_BYTES / 8],
        }
    }

    /// Four probes from the hash's own bytes (it is SHA-256: uniform already).
    fn probes(hash: &ImageHash) -> impl Iterator<Item = usize> + '_ {
        let n = (COLLECT_FILTER_BYTES * 8) as u32;
        (0..4).map(move |i| {
            let w = u32::from_le_bytes([
                hash[4 * i],
                hash[4 * i + 1],
                hash[4 * i + 2],
                hash[4 * i + 3],
            ]);
            (w % n) as usize
        })
    }

    pub fn insert(&mut self, hash: &ImageHash) {
        for b in Self::probes(hash) {
            self.bits[b / 64] |= 1 << (b % 64);
        }
    }

    pub fn contains(&self, hash: &ImageHash) -> bool {
        Self::probes(hash).all(|b| self.bits[b / 64] & (1 << (b % 64)) != 0)
    }
}

/// What a collection did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    pub kept_files: u64,
    pub kept_bytes: u64,
    pub deleted: u64,
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

    fn remove(&mut self, hash: &ImageHash) {
        if let Some(i) = self.entries.iter().position(|e| &e.0 == hash) {
            if let Some(e) = self.entries.remove(i) {
                self.bytes -= e.1.len() + ENTRY_OVERHEAD;
            }
        }
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

/// The file name of an image (one rule, `spool_term::image_file_name`).
pub use spool_term::image_file_name as file_name;

impl ImageStore {
    /// The store under `dir` (created on the first image), caching at most `cache_bytes` and
    /// keeping at most `disk_cap` bytes of files.
    pub fn new(dir: PathBuf, cache_bytes: usize, disk_cap: u64) -> ImageStore {
        ImageStore {
            dir,
            cache: Mutex::new(Cache {
                capacity: cache_bytes,
                bytes: 0,
                entries: VecDeque::new(),
            }),
            files_written: AtomicU64::new(0),
            bytes_written: AtomicU64::new(0),
            gate: RwLock::new(()),
            stored_during: Mutex::new(None),
            disk_cap,
            disk_files: AtomicU64::new(0),
            disk_bytes: AtomicU64::new(0),
            disk_known: AtomicBool::new(false),
            disk_full: AtomicU64::new(0),
            collections: AtomicU64::new(0),
            deleted_files: AtomicU64::new(0),
            wanted_now: AtomicBool::new(false),
            wanted_pressure: AtomicBool::new(false),
            last_collect: Mutex::new(None),
        }
    }

    /// Hold while storing a batch's images and writing their placements (see `gate`).
    pub fn batch(&self) -> RwLockReadGuard<'_, ()> {
        self.gate.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Ask for a collection at the next round (a history was cleared or removed).
    pub fn want_collection(&self) {
        self.wanted_now.store(true, Ordering::Relaxed);
    }

    /// Whether a collection is due now, besides the hourly one: asked for, the first since
    /// start, or disk pressure at most every [`PRESSURE_COLLECT_EVERY`].
    pub fn collection_due(&self) -> bool {
        let last = *self.last_collect.lock().unwrap_or_else(|p| p.into_inner());
        let Some(last) = last else { return true };
        self.wanted_now.load(Ordering::Relaxed)
            || (self.wanted_pressure.load(Ordering::Relaxed)
                && last.elapsed() >= PRESSURE_COLLECT_EVERY)
    }

    /// Delete every image file no source marks live. `sources` is called once, after every
    /// batch stored before the collection began has its placements written; it marks what
    /// the panes and closed histories still show. Files stored while it runs are kept.
    pub fn collect(&self, sources: impl FnOnce(&mut LiveSet)) -> Collected {
        self.wanted_now.store(false, Ordering::Relaxed);
        self.wanted_pressure.store(false, Ordering::Relaxed);
        *self.last_collect.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(std::time::Instant::now());
        {
            let _barrier = self.gate.write().unwrap_or_else(|p| p.into_inner());
            *self.stored_during() = Some(Some(Vec::new()));
        }
        let mut live = LiveSet::new();
        sources(&mut live);
        let mut out = Collected::default();
        let mut dead: Vec<(PathBuf, u64)> = Vec::with_capacity(DELETE_BATCH);
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                let name = entry.file_name();
                let Some(name) = name.to_str() else { continue };
                let Ok(meta) = entry.metadata() else { continue };
                if !meta.is_file() {
                    continue;
                }
                let path = entry.path();
                // A temporary file is a write in progress, or one a crash left.
                let stale_tmp = name.starts_with('.') && name.ends_with(".tmp");
                match spool_term::parse_image_file_name(name).map(|n| n.0) {
                    Some(h) if live.contains(&h) => {
                        out.kept_files += 1;
                        out.kept_bytes += meta.len();
                    }
                    Some(_) => dead.push((path, meta.len())),
                    None if stale_tmp => dead.push((path, 0)),
                    None => {}
                }
                if dead.len() >= DELETE_BATCH {
                    out.deleted += self.delete(&mut dead, &mut out);
                }
            }
        }
        out.deleted += self.delete(&mut dead, &mut out);
        *self.stored_during() = None;
        self.disk_files.store(out.kept_files, Ordering::Relaxed);
        self.disk_bytes.store(out.kept_bytes, Ordering::Relaxed);
        self.disk_known.store(true, Ordering::Relaxed);
        self.collections.fetch_add(1, Ordering::Relaxed);
        self.deleted_files.fetch_add(out.deleted, Ordering::Relaxed);
        out
    }

    fn stored_during(&self) -> std::sync::MutexGuard<'_, Option<Option<Vec<ImageHash>>>> {
        self.stored_during.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Delete `dead` files, except those stored since the collection began (kept, and
    /// counted as kept): with the gate held, so no `put` of the same content is under way.
    fn delete(&self, dead: &mut Vec<(PathBuf, u64)>, out: &mut Collected) -> u64 {
        if dead.is_empty() {
            return 0;
        }
        let _held = self.gate.write().unwrap_or_else(|p| p.into_inner());
        let during = self.stored_during();
        let mut deleted = 0;
        for (path, len) in dead.drain(..) {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let stored_again = match (
                &*during,
                spool_term::parse_image_file_name(name).map(|n| n.0),
            ) {
                (_, None) => false,
                (Some(Some(v)), Some(h)) => v.contains(&h),
                // Too many stored to remember: keep every file this round.
                _ => true,
            };
            if stored_again {
                out.kept_files += 1;
                out.kept_bytes += len;
                continue;
            }
            match std::fs::remove_file(&path) {
                Ok(()) => {
                    if let Some(h) = spool_term::parse_image_file_name(name).map(|n| n.0) {
                        self.cache().remove(&h);
                    }
                    deleted += 1;
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "image file not deleted");
                    out.kept_files += 1;
                    out.kept_bytes += len;
                }
            }
        }
        deleted
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
    /// Call with [`ImageStore::batch`] held. Refused past [`IMAGE_DISK_MAX_BYTES`].
    pub fn put(&self, data: &ImageData) -> std::io::Result<()> {
        let path = self.path(&data.info);
        let len = data.bytes.len() as u64;
        if let Some(during) = self.stored_during().as_mut() {
            match during {
                Some(v) if v.len() < STORED_DURING_COLLECT_MAX => v.push(data.info.hash),
                _ => *during = None,
            }
        }
        if std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == len) {
            return Ok(());
        }
        let on_disk = self.disk_bytes.load(Ordering::Relaxed);
        if on_disk + len > self.disk_cap / 4 * 3 {
            self.wanted_pressure.store(true, Ordering::Relaxed);
        }
        if self.disk_known.load(Ordering::Relaxed) && on_disk + len > self.disk_cap {
            self.disk_full.fetch_add(1, Ordering::Relaxed);
            return Err(std::io::Error::other("image files are at their disk cap"));
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
        self.disk_files.fetch_add(1, Ordering::Relaxed);
        self.disk_bytes.fetch_add(len, Ordering::Relaxed);
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

impl crate::server::Server {
    /// Delete the image files nothing shows any more ([`ImageStore::collect`]), marking live
    /// what each live pane's history and screens show, what its emulator remembers for kitty
    /// `a=p`, and every record of the closed histories still kept.
    pub fn collect_images(&self) -> Collected {
        let panes: Vec<Arc<crate::pane::Pane>> = self.state().panes.values().cloned().collect();
        let state_dir = self.config.state_dir.clone();
        let out = self.images.collect(|live| {
            let mut live_dirs = Vec::with_capacity(panes.len());
            for p in &panes {
                live_dirs.push(p.history_dir.clone());
                // The terminal first, then the store: a row leaving the screen for history
                // between the two reads is seen in one or the other (ids only ever move
                // from screen to history).
                let (screen, remembered) = {
                    let t = p.term();
                    (t.image_floor(), t.images_remembered())
                };
                for info in &remembered {
                    live.insert(&info.hash);
                }
                let floor = [screen, p.store.image_floor()].into_iter().flatten().min();
                if let Some(floor) = floor {
                    p.placements.each_from(floor, |r| live.insert(&r.info.hash));
                }
            }
            for dir in crate::histories::all_dirs(&state_dir) {
                if !live_dirs.contains(&dir) {
                    Placements::open_existing(&dir).each_from(1, |r| live.insert(&r.info.hash));
                }
            }
        });
        if out.deleted > 0 {
            tracing::info!(
                deleted = out.deleted,
                kept = out.kept_files,
                bytes = out.kept_bytes,
                "image files no row shows were deleted"
            );
        }
        out
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

    /// An image of `len` bytes whose name is `n` repeated.
    fn image(n: u8, len: usize) -> ImageData {
        ImageData {
            info: ImageInfo {
                hash: [n; 32],
                format: ImageFormat::Png,
                width: 1,
                height: 1,
            },
            bytes: vec![n; len],
        }
    }

    #[test]
    fn a_collection_deletes_only_what_nothing_marks_and_keeps_what_is_stored_meanwhile() {
        let tmp = tempfile::tempdir().unwrap();
        let s = ImageStore::new(tmp.path().join("images"), 1000, 1 << 20);
        let data = |n: u8| image(n, 100);
        for n in 1..=3 {
            s.put(&data(n)).unwrap();
        }
        std::fs::write(tmp.path().join("images/.left-by-a-crash.tmp"), b"x").unwrap();
        std::fs::write(tmp.path().join("images/not-an-image"), b"x").unwrap();
        let out = s.collect(|live| {
            live.insert(&[1; 32]);
            // Content 3 is found dead, but a pane stores it again meanwhile.
            s.put(&data(3)).unwrap();
        });
        assert_eq!(out.deleted, 2, "{out:?}");
        assert!(s.path(&data(1).info).exists());
        assert!(!s.path(&data(2).info).exists());
        assert!(s.path(&data(3).info).exists());
        assert!(!tmp.path().join("images/.left-by-a-crash.tmp").exists());
        assert!(
            tmp.path().join("images/not-an-image").exists(),
            "not spool's to delete"
        );
        assert_eq!((out.kept_files, out.kept_bytes), (2, 200));
        assert_eq!(s.disk_bytes.load(Ordering::Relaxed), 200);
    }

    #[test]
    fn a_collection_that_cannot_remember_what_was_stored_meanwhile_deletes_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let s = ImageStore::new(tmp.path().join("images"), 1000, 1 << 30);
        s.put(&image(1, 10)).unwrap();
        let out = s.collect(|_| {
            // More stores than STORED_DURING_COLLECT_MAX while it runs (distinct contents).
            for i in 0..=STORED_DURING_COLLECT_MAX as u32 {
                let mut d = image(0, 10);
                d.info.hash[..4].copy_from_slice(&(i + 2).to_le_bytes());
                d.info.hash[4] = 0xEE;
                s.put(&d).unwrap();
            }
        });
        assert_eq!(out.deleted, 0, "{out:?}");
        assert!(
            s.path(&image(1, 10).info).exists(),
            "dead, but kept this round"
        );
    }

    #[test]
    fn image_files_stop_at_their_disk_cap_and_the_refusals_are_counted() {
        let tmp = tempfile::tempdir().unwrap();
        let s = ImageStore::new(tmp.path().join("images"), 1000, 1000);
        s.collect(|_| {});
        let data = |n: u8| image(n, 300);
        let stored = (0..10).filter(|&n| s.put(&data(n)).is_ok()).count();
        assert_eq!(stored, 3);
        assert_eq!(s.disk_full.load(Ordering::Relaxed), 7);
        assert!(s.disk_bytes.load(Ordering::Relaxed) <= 1000);
        assert!(
            s.wanted_pressure.load(Ordering::Relaxed),
            "pressure asks for a collection (run within PRESSURE_COLLECT_EVERY)"
        );
        // Once a collection frees them, there is room again.
        s.collect(|_| {});
        assert!(s.put(&data(9)).is_ok());
    }

    #[test]
    fn a_live_hash_always_reads_as_live() {
        let mut live = LiveSet::new();
        let hashes: Vec<ImageHash> = (0..5000u32)
            .map(|i| {
                use sha2::Digest;
                sha2::Sha256::digest(i.to_le_bytes()).into()
            })
            .collect();
        for h in &hashes {
            live.insert(h);
        }
        assert!(hashes.iter().all(|h| live.contains(h)));
        let false_live = (5000..15000u32)
            .filter(|i| {
                use sha2::Digest;
                live.contains(&sha2::Sha256::digest(i.to_le_bytes()).into())
            })
            .count();
        assert!(
            false_live < 10,
            "{false_live} of 10000 dead hashes read as live"
        );
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let s = ImageStore::new(PathBuf::from("/nonexistent"), 1000, 1 << 20);
        for i in 0..100u8 {
            s.cache().insert([i; 32], Arc::new(vec![i; 300]));
            assert!(s.cache_bytes().0 <= 1000);
        }
        s.cache().insert([200; 32], Arc::new(vec![0; 5000]));
        assert!(s.cache_bytes().0 <= 1000);
    }
}
