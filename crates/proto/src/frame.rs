//! Frames: `len: u32 LE` then `len` bytes of postcard. A length over [`MAX_FRAME_BYTES`] is
//! refused before allocating, so a hostile 4 GiB prefix costs nothing.

use std::io::{Read, Write};

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Largest frame either side accepts: 16 MiB. Big enough for a full-screen update of the
/// largest screen with every attribute; capture and search stream in much smaller chunks.
pub const MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// Why a frame could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("frame of {0} bytes is larger than the {MAX_FRAME_BYTES}-byte limit")]
    TooLarge(u64),
    #[error("malformed message: {0}")]
    Malformed(#[from] postcard::Error),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// Check a frame's length prefix before reading its body.
pub fn body_len(prefix: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_le_bytes(prefix) as u64;
    if len as usize > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(len));
    }
    Ok(len as usize)
}

/// Encode a message as one frame (prefix included).
pub fn encode<T: Serialize>(msg: &T) -> Result<Vec<u8>, FrameError> {
    let mut out = Vec::new();
    encode_into(msg, &mut out)?;
    Ok(out)
}

/// Append a message to `out` as one frame (prefix included), so that many frames can be
/// written at once. On error, `out` is left as it was.
pub fn encode_into<T: Serialize>(msg: &T, out: &mut Vec<u8>) -> Result<(), FrameError> {
    /// postcard appends to anything `Extend`: here, the caller's buffer, borrowed.
    struct Append<'a>(&'a mut Vec<u8>);
    impl Extend<u8> for Append<'_> {
        fn extend<I: IntoIterator<Item = u8>>(&mut self, bytes: I) {
            self.0.extend(bytes);
        }
    }
    let start = out.len();
    out.extend_from_slice(&[0u8; 4]);
    if let Err(e) = postcard::to_extend(msg, Append(out)) {
        out.truncate(start);
        return Err(e.into());
    }
    let len = out.len() - start - 4;
    if len > MAX_FRAME_BYTES {
        out.truncate(start);
        return Err(FrameError::TooLarge(len as u64));
    }
    out[start..start + 4].copy_from_slice(&(len as u32).to_le_bytes());
    Ok(())
}

/// Decode a frame body.
pub fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, FrameError> {
    Ok(postcard::from_bytes(body)?)
}

/// Blocking write of one message (the CLI side).
pub fn write<T: Serialize>(w: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    w.write_all(&encode(msg)?)?;
    w.flush()?;
    Ok(())
}

/// Blocking read of one message (the CLI side).
pub fn read<T: DeserializeOwned>(r: &mut impl Read) -> Result<T, FrameError> {
    read_reusing(r, &mut Vec::new(), 0)
}

/// As [`read`], with the frame's body read into `body`, a buffer the caller keeps from frame
/// to frame (a stream of a million small frames is not a million allocations). A body that
/// needed more than `keep_max` bytes is let go once decoded, so what is kept between frames
/// is at most `keep_max`.
pub fn read_reusing<T: DeserializeOwned>(
    r: &mut impl Read,
    body: &mut Vec<u8>,
    keep_max: usize,
) -> Result<T, FrameError> {
    let mut prefix = [0u8; 4];
    match r.read_exact(&mut prefix) {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        other => other?,
    }
    let len = body_len(prefix)?;
    body.clear();
    body.resize(len, 0);
    let res = r
        .read_exact(body)
        .map_err(FrameError::from)
        .and_then(|()| decode(body));
    if body.capacity() > keep_max {
        *body = Vec::new();
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_encoded_one_after_another_read_back_one_by_one() {
        let mut out = Vec::new();
        encode_into(&"first".to_string(), &mut out).unwrap();
        encode_into(&42u32, &mut out).unwrap();
        assert_eq!(
            out[..out.len() - 5],
            encode(&"first".to_string()).unwrap()[..]
        );
        let mut r = &out[..];
        assert_eq!(read::<String>(&mut r).unwrap(), "first");
        assert_eq!(read::<u32>(&mut r).unwrap(), 42);
        assert!(matches!(read::<u32>(&mut r), Err(FrameError::Closed)));
    }

    #[test]
    fn a_reused_body_buffer_keeps_small_frames_room_and_lets_a_large_one_go() {
        let mut wire = encode(&vec![7u8; 100]).unwrap();
        encode_into(&vec![7u8; 100_000], &mut wire).unwrap();
        let mut r = &wire[..];
        let mut body = Vec::new();
        let small: Vec<u8> = read_reusing(&mut r, &mut body, 4096).unwrap();
        assert_eq!(small.len(), 100);
        assert!(body.capacity() >= 100 && body.capacity() <= 4096);
        let large: Vec<u8> = read_reusing(&mut r, &mut body, 4096).unwrap();
        assert_eq!(large.len(), 100_000);
        assert_eq!(body.capacity(), 0);
    }

    #[test]
    fn a_frame_over_the_limit_leaves_the_buffer_as_it_was() {
        let mut out = encode(&1u8).unwrap();
        let before = out.clone();
        let huge = vec![0u8; MAX_FRAME_BYTES + 1];
        assert!(matches!(
            encode_into(&huge, &mut out),
            Err(FrameError::TooLarge(_))
        ));
        assert_eq!(out, before);
    }
}
