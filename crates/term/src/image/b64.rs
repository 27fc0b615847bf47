//! Base64 decoded as it arrives, so an image sequence is never held twice (encoded and
//! decoded). Whitespace is skipped; padding ends a group. The output is capped: past `max`
//! bytes the decoder only reports overflow.

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;

/// Lenient as terminals are: programs pad every chunk and leave stray bits in the last
/// symbol (chafa does both).
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A streaming base64 decoder into a byte buffer of at most `max` bytes.
#[derive(Debug, Default)]
pub(crate) struct Base64Sink {
    quad: [u8; 4],
    n: usize,
    pub(crate) out: Vec<u8>,
    pub(crate) overflow: bool,
    pub(crate) invalid: bool,
}

impl Base64Sink {
    /// Decode `input`, appending to `out` while it stays within `max` bytes.
    pub(crate) fn feed(&mut self, input: &[u8], max: usize) {
        for &b in input {
            if matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                continue;
            }
            self.quad[self.n] = b;
            self.n += 1;
            if self.n == 4 {
                self.flush_quad(max);
            }
        }
    }

    fn flush_quad(&mut self, max: usize) {
        let n = std::mem::take(&mut self.n);
        if self.overflow || self.invalid || n == 0 {
            return;
        }
        let mut quad = self.quad;
        // A short final group: pad it as the standard engine expects.
        for q in quad.iter_mut().skip(n) {
            *q = b'=';
        }
        let mut three = [0u8; 3];
        match LENIENT.decode_slice(quad, &mut three) {
            Ok(k) => {
                if self.out.len() + k > max {
                    self.overflow = true;
                    self.out = Vec::new();
                } else {
                    self.out.extend_from_slice(&three[..k]);
                }
            }
            Err(_) => self.invalid = true,
        }
    }

    /// End of input: decode a last unpadded group.
    pub(crate) fn finish(&mut self, max: usize) {
        if self.n > 0 {
            self.flush_quad(max);
        }
    }

    pub(crate) fn memory_bytes(&self) -> usize {
        self.out.capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_in_any_split_and_stops_at_the_cap() {
        let text = b"aGVsbG8gd29ybGQ="; // "hello world"
        for cut in 0..text.len() {
            let mut s = Base64Sink::default();
            s.feed(&text[..cut], 100);
            s.feed(&text[cut..], 100);
            s.finish(100);
            assert_eq!(s.out, b"hello world");
        }
        let mut s = Base64Sink::default();
        s.feed(text, 5);
        s.finish(5);
        assert!(s.overflow && s.out.is_empty());
        let mut s = Base64Sink::default();
        s.feed(b"aGk", 10); // unpadded "hi"
        s.finish(10);
        assert_eq!(s.out, b"hi");
        let mut s = Base64Sink::default();
        s.feed(b"aGl=aGl=", 10); // padded chunks, stray trailing bits (as chafa sends)
        s.finish(10);
        assert_eq!(s.out, b"hihi");
        assert!(!s.invalid);
    }
}

/// An image string's arguments up to a separator (`;` for kitty, `:` for iTerm2), kept up to
/// a bound, then its payload.
#[derive(Debug, Default)]
pub(crate) struct Head {
    pub(crate) bytes: Vec<u8>,
    pub(crate) in_payload: bool,
}

impl Head {
    /// Take `b`: what precedes the separator joins the head (while it stays within `max`
    /// bytes); returns the payload part of `b` and whether the separator was crossed in it.
    pub(crate) fn take<'a>(&mut self, b: &'a [u8], sep: u8, max: usize) -> (&'a [u8], bool) {
        if self.in_payload {
            return (b, false);
        }
        let at = b.iter().position(|&c| c == sep);
        let head = &b[..at.unwrap_or(b.len())];
        if self.bytes.len() + head.len() <= max {
            self.bytes.extend_from_slice(head);
        }
        match at {
            Some(i) => {
                self.in_payload = true;
                (&b[i + 1..], true)
            }
            None => (&[], false),
        }
    }
}
