//! Paste buffers, as tmux's: text copied in scroll mode (or set with `set-buffer`), pasted
//! with `C-b ]` / `paste-buffer`. Newest first; a buffer set without a name gets an
//! automatic one (`buffer0`, `buffer1`, …).
//!
//! Bounds: at most [`BUFFERS_MAX`] buffers (tmux's `buffer-limit`) and [`BUFFERS_TOTAL_BYTES`]
//! in all; past either, the oldest buffers are dropped, named or not (tmux keeps named ones
//! past its count limit and has no byte limit: here every byte held is bounded). One buffer
//! is at most [`BUFFER_MAX_BYTES`]; a larger one is refused.

use std::collections::VecDeque;

use spool_proto::{BufferInfo, BUFFER_SAMPLE_BYTES};

/// tmux's default `buffer-limit`.
pub const BUFFERS_MAX: usize = 50;

/// Largest buffer: a copy of many screens of text, or a file loaded to paste; more than a
/// program can sensibly take as one paste.
pub const BUFFER_MAX_BYTES: usize = 4 * 1024 * 1024;

/// All buffers together: four of the largest, so a few big copies do not push out every
/// small one, while the server's memory stays bounded by its configuration.
pub const BUFFERS_TOTAL_BYTES: usize = 16 * 1024 * 1024;

pub struct Buffer {
    pub name: String,
    pub data: Vec<u8>,
    pub created_unix: u64,
}

#[derive(Default)]
pub struct Buffers {
    /// Newest first.
    list: VecDeque<Buffer>,
    next_automatic: u64,
    bytes: usize,
    /// Bumped by every change (the saved copy is rewritten when it moved).
    changes: u64,
}

/// The saved copy: `STATE/state/buffers`, framed (`framed.rs`: `SPOOL-BUFFERS 1 <crc32>
/// <length>`) around postcard (the buffers, newest first). Written to `tmp.buffers`, fsynced
/// and renamed; a file that is cut short or fails its checksum is ignored.
const FILE_MAGIC: &str = "SPOOL-BUFFERS";
const FILE_VERSION: u32 = 1;

/// Largest saved copy read: every buffer at its bounds, with room for names and lengths.
const FILE_MAX_BYTES: u64 = BUFFERS_TOTAL_BYTES as u64 + BUFFERS_MAX as u64 * 1024 + 4096;

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedBuffer {
    name: String,
    created_unix: u64,
    data: Vec<u8>,
}

impl Buffers {
    /// Store `data` as buffer `name` (replacing it, and making it the newest), as a new
    /// automatic buffer when `name` is `None`, or at the end of the buffer (`append`: the
    /// newest when `name` is `None`). Returns the buffer's name.
    pub fn set(
        &mut self,
        name: Option<&str>,
        data: &[u8],
        append: bool,
        now_unix: u64,
    ) -> Result<String, String> {
        // Looked up as it is stored: `a.b` is the buffer `a_b`.
        let cleaned = name
            .map(|n| crate::session::clean_name("buffer", n))
            .transpose()?;
        let name = cleaned.as_deref();
        let at = match name {
            Some(n) => self.list.iter().position(|b| b.name == n),
            None if append => (!self.list.is_empty()).then_some(0),
            None => None,
        };
        let mut buf = match at {
            Some(i) => {
                let b = self.list.remove(i).expect("index found");
                self.bytes -= b.data.len();
                b
            }
            None => Buffer {
                name: match name {
                    Some(n) => n.to_string(),
                    None => self.automatic_name(),
                },
                data: Vec::new(),
                created_unix: now_unix,
            },
        };
        if append {
            if buf.data.len() + data.len() > BUFFER_MAX_BYTES {
                let len = buf.data.len();
                self.bytes += len;
                self.list.insert(at.unwrap_or(0).min(self.list.len()), buf);
                return Err(too_big(len + data.len()));
            }
            buf.data.extend_from_slice(data);
        } else {
            if data.len() > BUFFER_MAX_BYTES {
                if at.is_some() {
                    self.bytes += buf.data.len();
                    self.list.insert(at.unwrap_or(0).min(self.list.len()), buf);
                }
                return Err(too_big(data.len()));
            }
            buf.data = data.to_vec();
            buf.created_unix = now_unix;
        }
        let name = buf.name.clone();
        self.bytes += buf.data.len();
        self.list.push_front(buf);
        self.enforce();
        self.changes += 1;
        Ok(name)
    }

    fn automatic_name(&mut self) -> String {
        loop {
            let n = format!("buffer{}", self.next_automatic);
            self.next_automatic += 1;
            if !self.list.iter().any(|b| b.name == n) {
                return n;
            }
        }
    }

    /// Drop the oldest buffers past the bounds (never the newest one).
    fn enforce(&mut self) {
        while self.list.len() > BUFFERS_MAX
            || (self.bytes > BUFFERS_TOTAL_BYTES && self.list.len() > 1)
        {
            if let Some(old) = self.list.pop_back() {
                self.bytes -= old.data.len();
            }
        }
    }

    /// Buffer `name`, or the newest.
    pub fn get(&self, name: Option<&str>) -> Result<&Buffer, String> {
        match name {
            Some(n) => {
                let clean = crate::session::clean_name("buffer", n).unwrap_or_default();
                self.list
                    .iter()
                    .find(|b| b.name == clean)
                    .ok_or_else(|| format!("no buffer {n}"))
            }
            None => self.list.front().ok_or_else(|| "no buffers".into()),
        }
    }

    pub fn delete(&mut self, name: Option<&str>) -> Result<(), String> {
        let i = match name {
            Some(n) => {
                let clean = crate::session::clean_name("buffer", n).unwrap_or_default();
                self.list
                    .iter()
                    .position(|b| b.name == clean)
                    .ok_or_else(|| format!("no buffer {n}"))?
            }
            None if self.list.is_empty() => return Err("no buffers".into()),
            None => 0,
        };
        if let Some(b) = self.list.remove(i) {
            self.bytes -= b.data.len();
        }
        self.changes += 1;
        Ok(())
    }

    pub fn list(&self) -> Vec<BufferInfo> {
        self.list
            .iter()
            .map(|b| {
                let cut = b.data.len().min(BUFFER_SAMPLE_BYTES);
                BufferInfo {
                    name: b.name.clone(),
                    bytes: b.data.len() as u64,
                    created_unix: b.created_unix,
                    sample: String::from_utf8_lossy(&b.data[..cut]).into_owned(),
                }
            })
            .collect()
    }

    /// The change counter (see `changes`).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// The buffers as the saved file holds them.
    pub fn encode(&self) -> Vec<u8> {
        let saved: Vec<SavedBuffer> = self
            .list
            .iter()
            .map(|b| SavedBuffer {
                name: b.name.clone(),
                created_unix: b.created_unix,
                data: b.data.clone(),
            })
            .collect();
        let body = postcard::to_allocvec(&saved).unwrap_or_default();
        crate::framed::frame(FILE_MAGIC, FILE_VERSION, &body)
    }

    /// Buffers from a saved file's bytes, within the same bounds as ever (a file edited to
    /// hold more keeps the newest that fit).
    pub fn decode(bytes: &[u8]) -> Result<Buffers, String> {
        let (version, body) = crate::framed::unframe(FILE_MAGIC, bytes)?;
        if version != FILE_VERSION {
            return Err(format!("buffers file version {version}"));
        }
        let saved: Vec<SavedBuffer> =
            postcard::from_bytes(body).map_err(|e| format!("unreadable: {e}"))?;
        let mut b = Buffers::default();
        // Oldest first, so the newest end up in front, each checked as `set` checks it.
        for s in saved.into_iter().rev() {
            if let Ok(name) = b.set(Some(&s.name), &s.data, false, s.created_unix) {
                if let Some(n) = name
                    .strip_prefix("buffer")
                    .and_then(|n| n.parse::<u64>().ok())
                {
                    b.next_automatic = b.next_automatic.max(n + 1);
                }
            }
        }
        Ok(b)
    }

    /// Write a saved copy (`encode`'s bytes) into `dir`, atomically: a crash leaves the old
    /// one or the new.
    pub fn write_file(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        spool_proto::paths::private_dir(dir).map_err(std::io::Error::other)?;
        let tmp = dir.join("tmp.buffers");
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, dir.join("buffers"))?;
        std::fs::File::open(dir)?.sync_all()
    }

    /// The saved copy in `dir`, if there is a good one.
    pub fn load(dir: &std::path::Path) -> Option<Buffers> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(dir.join("buffers"))
            .ok()?;
        let mut bytes = Vec::new();
        f.take(FILE_MAX_BYTES).read_to_end(&mut bytes).ok()?;
        match Buffers::decode(&bytes) {
            Ok(b) => Some(b),
            Err(e) => {
                tracing::warn!(error = %e, "saved paste buffers not restored");
                None
            }
        }
    }

    /// Bytes held by all buffers (a `spool stats` gauge).
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }
}

fn too_big(n: usize) -> String {
    format!("buffer too large: {n} bytes, at most {BUFFER_MAX_BYTES}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_saved_copy_reads_back_and_a_damaged_one_is_refused() {
        let mut b = Buffers::default();
        b.set(None, b"first", false, 10).unwrap();
        b.set(Some("named"), &[0, 1, 2, 255], false, 20).unwrap();
        b.set(None, b"third", false, 30).unwrap();
        let bytes = b.encode();
        let back = Buffers::decode(&bytes).unwrap();
        assert_eq!(back.list(), b.list());
        // Automatic names go on after the restored ones.
        let mut back = back;
        assert_eq!(back.set(None, b"x", false, 0).unwrap(), "buffer2");
        for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
            assert!(Buffers::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(Buffers::decode(&bad).is_err());
    }

    #[test]
    fn a_name_is_found_as_it_is_stored() {
        let mut b = Buffers::default();
        assert_eq!(b.set(Some("a.b"), b"one", false, 0).unwrap(), "a_b");
        b.set(Some("a.b"), b" two", true, 0).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b.get(Some("a.b")).unwrap().data, b"one two");
        b.delete(Some("a.b")).unwrap();
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn past_the_count_the_oldest_buffers_go() {
        let mut b = Buffers::default();
        for i in 0..BUFFERS_MAX + 5 {
            b.set(None, format!("text {i}").as_bytes(), false, 0)
                .unwrap();
        }
        assert_eq!(b.len(), BUFFERS_MAX);
        assert_eq!(
            b.get(None).unwrap().data,
            format!("text {}", BUFFERS_MAX + 4).as_bytes()
        );
        assert!(b.get(Some("buffer0")).is_err());
        assert!(b.get(Some("buffer5")).is_ok());
    }

    #[test]
    fn past_the_bytes_the_oldest_buffers_go_and_a_huge_one_is_refused() {
        let mut b = Buffers::default();
        let big = vec![b'x'; BUFFER_MAX_BYTES];
        for _ in 0..6 {
            b.set(None, &big, false, 0).unwrap();
        }
        assert!(b.bytes() <= BUFFERS_TOTAL_BYTES);
        assert_eq!(b.len(), BUFFERS_TOTAL_BYTES / BUFFER_MAX_BYTES);
        assert!(b
            .set(None, &vec![0; BUFFER_MAX_BYTES + 1], false, 0)
            .is_err());
        // Appending past the limit is refused and leaves the buffer as it was.
        let n = b.set(Some("n"), b"abc", false, 0).unwrap();
        assert!(b.set(Some(&n), &big, true, 0).is_err());
        assert_eq!(b.get(Some("n")).unwrap().data, b"abc");
        let before = b.bytes();
        b.set(Some("n"), b"def", true, 0).unwrap();
        assert_eq!(b.get(None).unwrap().data, b"abcdef");
        assert_eq!(b.bytes(), before + 3);
        b.delete(Some("n")).unwrap();
        assert_eq!(b.bytes(), before - 3);
    }
}
