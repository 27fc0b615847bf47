//! The color palette programs can set and query (OSC 4/10/11/12, reset with 104/110–112),
//! and X11-style color specs (`rgb:r/g/b`, `#rgb`…).

/// An RGB color.
pub type Rgb = (u8, u8, u8);

/// xterm's default 16 colors.
const BASE16: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// The default RGB of palette entry `i` (xterm's 16 + 6×6×6 cube + 24 grays).
pub fn default_color(i: u8) -> Rgb {
    match i {
        0..=15 => BASE16[i as usize],
        16..=231 => {
            let i = i - 16;
            let v = |n: u8| if n == 0 { 0 } else { 55 + n * 40 };
            (v(i / 36), v((i / 6) % 6), v(i % 6))
        }
        _ => {
            let g = 8 + (i - 232) * 10;
            (g, g, g)
        }
    }
}

pub const DEFAULT_FG: Rgb = (0xe5, 0xe5, 0xe5);
pub const DEFAULT_BG: Rgb = (0x00, 0x00, 0x00);
pub const DEFAULT_CURSOR: Rgb = (0xe5, 0xe5, 0xe5);

/// Program-set overrides (fixed size: 256 + 3 entries of 4 bytes).
#[derive(Clone, Debug)]
pub struct Palette {
    pub indexed: [Option<Rgb>; 256],
    pub fg: Option<Rgb>,
    pub bg: Option<Rgb>,
    pub cursor: Option<Rgb>,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            indexed: [None; 256],
            fg: None,
            bg: None,
            cursor: None,
        }
    }
}

impl Palette {
    pub fn color(&self, i: u8) -> Rgb {
        self.indexed[i as usize].unwrap_or_else(|| default_color(i))
    }
}

/// Parse an X11 color spec: `rgb:R/G/B` with 1–4 hex digits per channel, or `#RGB`,
/// `#RRGGBB`, `#RRRGGGBBB`, `#RRRRGGGGBBBB`.
pub fn parse_spec(s: &[u8]) -> Option<Rgb> {
    let s = std::str::from_utf8(s).ok()?;
    fn scale(h: &str) -> Option<u8> {
        if h.is_empty() || h.len() > 4 {
            return None;
        }
        let v = u32::from_str_radix(h, 16).ok()?;
        let max = (1u32 << (4 * h.len())) - 1;
        Some((v * 255 / max) as u8)
    }
    if let Some(rest) = s.strip_prefix("rgb:") {
        let mut it = rest.split('/');
        let (r, g, b) = (it.next()?, it.next()?, it.next()?);
        if it.next().is_some() {
            return None;
        }
        return Some((scale(r)?, scale(g)?, scale(b)?));
    }
    if let Some(hex) = s.strip_prefix('#') {
        if hex.is_empty() || hex.len() % 3 != 0 || hex.len() > 12 {
            return None;
        }
        let n = hex.len() / 3;
        // In `#` form the digits are the most significant bits.
        let chan = |i: usize| -> Option<u8> {
            let h = hex.get(i * n..(i + 1) * n)?;
            let v = u32::from_str_radix(h, 16).ok()?;
            Some(((v << (16 - 4 * n as u32)) >> 8) as u8)
        };
        return Some((chan(0)?, chan(1)?, chan(2)?));
    }
    None
}

/// The reply form of a color: `rgb:rrrr/gggg/bbbb`.
pub fn format_spec(c: Rgb) -> String {
    format!(
        "rgb:{:02x}{:02x}/{:02x}{:02x}/{:02x}{:02x}",
        c.0, c.0, c.1, c.1, c.2, c.2
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(parse_spec(b"rgb:ff/00/80"), Some((255, 0, 128)));
        assert_eq!(parse_spec(b"rgb:ffff/0/8"), Some((255, 0, 136)));
        assert_eq!(parse_spec(b"#ff0080"), Some((255, 0, 128)));
        assert_eq!(parse_spec(b"#f08"), Some((240, 0, 128)));
        assert_eq!(parse_spec(b"nonsense"), None);
        assert_eq!(format_spec((255, 0, 128)), "rgb:ffff/0000/8080");
        assert_eq!(default_color(196), (255, 0, 0));
        assert_eq!(default_color(232), (8, 8, 8));
    }
}
