//! The framing of spool's own state files (`persist.rs` states, `buffers.rs` buffers): a
//! header line `MAGIC VERSION CRC32 LENGTH\n` (the checksum in hex) and then the body. A file
//! cut short or changed reads as an error, never as a shorter body.

/// `body` framed under `magic` at `version`.
pub fn frame(magic: &str, version: u32, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "{magic} {version} {:08x} {}\n",
        crc32fast::hash(body),
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The version and the body of a framed file whose header starts with `magic`; why not, if
/// it is not whole.
pub fn unframe<'a>(magic: &str, bytes: &'a [u8]) -> Result<(u32, &'a [u8]), String> {
    let nl = bytes.iter().position(|&b| b == b'\n').ok_or("no header")?;
    let header = std::str::from_utf8(&bytes[..nl]).map_err(|_| "bad header")?;
    let mut f = header.split(' ');
    if f.next() != Some(magic) {
        return Err(format!("not a {magic} file"));
    }
    let version: u32 = f.next().and_then(|v| v.parse().ok()).ok_or("bad version")?;
    let crc = f
        .next()
        .and_then(|v| u32::from_str_radix(v, 16).ok())
        .ok_or("bad checksum field")?;
    let len: usize = f.next().and_then(|v| v.parse().ok()).ok_or("bad length")?;
    let body = &bytes[nl + 1..];
    if body.len() != len {
        return Err(format!("truncated: {} of {len} bytes", body.len()));
    }
    if crc32fast::hash(body) != crc {
        return Err("checksum mismatch".into());
    }
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_reads_back_and_any_cut_or_flip_is_refused() {
        let f = frame("SPOOL-X", 3, b"body bytes");
        assert_eq!(unframe("SPOOL-X", &f).unwrap(), (3, &b"body bytes"[..]));
        assert!(unframe("SPOOL-Y", &f).is_err());
        for cut in 0..f.len() {
            assert!(unframe("SPOOL-X", &f[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad = f.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(unframe("SPOOL-X", &bad).unwrap_err().contains("checksum"));
    }
}
