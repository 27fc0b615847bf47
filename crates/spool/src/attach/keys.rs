//! What the outer terminal sends, decoded for the client's own use: keys for the bindings,
//! scroll mode and prompts (legacy bytes and kitty keyboard protocol `CSI … u`), mouse reports,
//! and the answer to the kitty-protocol probe. Bytes for the pane are passed on untouched;
//! only the client's keys are decoded.

/// A key as the bindings see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Byte(u8),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Escape,
    /// An arrow with modifiers: which (0 up, 1 down, 2 left, 3 right) and the modifier bits
    /// (`spool_proto::ui::MOD_*`).
    ModArrow(u8, u8),
    /// A printable key with Meta (Alt): `ESC x`, or a kitty report with the alt bit.
    Meta(u8),
    /// A key-release or -repeat report (kitty protocol, when the program asked for event
    /// types): bindings ignore it.
    Release,
    Other,
}

/// Kitty keyboard protocol modifier bits (in `mods - 1`).
const KITTY_SHIFT: u32 = 1;
const KITTY_ALT: u32 = 2;
const KITTY_CTRL: u32 = 4;
/// Caps Lock and Num Lock: reported with keys, but they change no binding.
const KITTY_LOCKS: u32 = 64 | 128;

/// Kitty's codes for modifier keys pressed alone (left/right shift, ctrl, alt, super, hyper,
/// meta, and the ISO level shifts): never a binding, so a binding waiting for its key ignores
/// them.
const KITTY_MODIFIER_KEYS: std::ops::RangeInclusive<u32> = 57441..=57454;

/// The key at the start of `b` and how many bytes it took.
pub fn key_at(b: &[u8]) -> (usize, Key) {
    if b.first() == Some(&0x1b) {
        let seq = |s: &[u8]| b.starts_with(s);
        for (s, k) in [
            (&b"\x1b[A"[..], Key::Up),
            (b"\x1bOA", Key::Up),
            (b"\x1b[B", Key::Down),
            (b"\x1bOB", Key::Down),
            (b"\x1b[C", Key::Right),
            (b"\x1bOC", Key::Right),
            (b"\x1b[D", Key::Left),
            (b"\x1bOD", Key::Left),
            (b"\x1b[5~", Key::PageUp),
            (b"\x1b[6~", Key::PageDown),
            (b"\x1b[H", Key::Home),
            (b"\x1bOH", Key::Home),
            (b"\x1b[F", Key::End),
            (b"\x1bOF", Key::End),
        ] {
            if seq(s) {
                return (s.len(), k);
            }
        }
        if b.len() == 1 {
            return (1, Key::Escape);
        }
        if let Some(&c) = b
            .get(1)
            .filter(|c| (0x21..0x7f).contains(*c) && **c != b'[')
        {
            if c != b'O' || b.len() == 2 {
                return (2, Key::Meta(c));
            }
        }
        if b.get(1) == Some(&b'[') {
            let Some(end) = csi_end(b) else {
                return (b.len(), Key::Other);
            };
            let key = match kitty_key(&b[..end]) {
                Some(k) => k.as_key(),
                None => modified_legacy(&b[..end]).unwrap_or(Key::Other),
            };
            return (end, key);
        }
        return (1, Key::Escape);
    }
    let len = match b[0] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
    .min(b.len());
    (
        len,
        if len == 1 {
            Key::Byte(b[0])
        } else {
            Key::Other
        },
    )
}

/// `CSI 1 ; mods X` (arrows, Home, End) and `CSI 5|6 ; mods ~` (PageUp/Down) with no modifier
/// but the locks: what terminals send for plain keys in the kitty protocol's "all keys" mode.
fn modified_legacy(seq: &[u8]) -> Option<Key> {
    let body = std::str::from_utf8(seq.strip_prefix(b"\x1b[")?).ok()?;
    let (params, fin) = body.split_at(body.len().checked_sub(1)?);
    let mut p = params.split(';');
    let num = p.next()?;
    let mods: u32 = p.next()?.split(':').next()?.parse().ok()?;
    let held = mods.saturating_sub(1) & !KITTY_LOCKS;
    if held != 0 {
        // Shift, alt and ctrl on an arrow: a modified arrow (`C-Up` resizes).
        let arrow = match (num, fin) {
            ("1", "A") => 0,
            ("1", "B") => 1,
            ("1", "D") => 2,
            ("1", "C") => 3,
            _ => return None,
        };
        return (held & !7 == 0).then_some(Key::ModArrow(arrow, held as u8));
    }
    Some(match (num, fin) {
        ("1", "A") => Key::Up,
        ("1", "B") => Key::Down,
        ("1", "C") => Key::Right,
        ("1", "D") => Key::Left,
        ("1", "H") => Key::Home,
        ("1", "F") => Key::End,
        ("5", "~") => Key::PageUp,
        ("6", "~") => Key::PageDown,
        _ => return None,
    })
}

/// Length of the CSI sequence at the start of `b` (through its final byte), if complete.
pub fn csi_end(b: &[u8]) -> Option<usize> {
    b.get(2..)?
        .iter()
        .position(|&c| (0x40..=0x7e).contains(&c))
        .map(|p| p + 3)
}

/// A kitty keyboard protocol key report: `CSI code[:alternates] [; mods[:event] [; text]] u`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KittyKey {
    pub code: u32,
    /// The shifted key's code (`code:shifted`, flag 4), if sent.
    pub shifted: Option<u32>,
    /// The text the key produces (`;;text`, flag 16), first code point, if sent.
    pub text: Option<u32>,
    /// Modifier bits (the sent value minus one): 1 shift, 2 alt, 4 ctrl, …
    pub mods: u32,
    /// 1 press, 2 repeat, 3 release.
    pub event: u32,
}

impl KittyKey {
    /// The key as a legacy byte would have given it, for the bindings.
    fn as_key(self) -> Key {
        if self.event != 1 || KITTY_MODIFIER_KEYS.contains(&self.code) {
            return Key::Release;
        }
        let mods = self.mods & !KITTY_LOCKS;
        match self.code {
            27 if mods == 0 => Key::Escape,
            c if mods == KITTY_CTRL => match c {
                0x61..=0x7a => Key::Byte(c as u8 - 0x60),
                0x40..=0x5f => Key::Byte(c as u8 - 0x40),
                0x20 => Key::Byte(0),
                _ => Key::Other,
            },
            c if mods == 0 && c < 0x80 => Key::Byte(c as u8),
            c if mods == KITTY_ALT && (0x21..0x7f).contains(&c) => Key::Meta(c as u8),
            c if mods == KITTY_SHIFT => {
                // The code is the unshifted key: the shifted one comes as an alternate or as
                // text when the program asked for those; else a US layout is assumed.
                match self.shifted.or(self.text).or_else(|| us_shift(c)) {
                    Some(s) if s < 0x80 => Key::Byte(s as u8),
                    _ => Key::Other,
                }
            }
            _ => Key::Other,
        }
    }
}

/// The character shift gives on a US keyboard, for a kitty report without alternates or text.
fn us_shift(c: u32) -> Option<u32> {
    const FROM: &[u8] = b"`1234567890-=[]\\;',./";
    const TO: &[u8] = b"~!@#$%^&*()_+{}|:\"<>?";
    let b = u8::try_from(c).ok()?;
    if b.is_ascii_lowercase() {
        return Some(b.to_ascii_uppercase() as u32);
    }
    FROM.iter().position(|&f| f == b).map(|i| TO[i] as u32)
}

/// Parse a whole `CSI … u` sequence (as `csi_end` delimits it) as a kitty key report.
pub fn kitty_key(seq: &[u8]) -> Option<KittyKey> {
    let body = seq.strip_prefix(b"\x1b[")?.strip_suffix(b"u")?;
    if body.first().is_some_and(|c| !c.is_ascii_digit()) {
        return None; // `CSI ? flags u` and friends are not keys
    }
    let body = std::str::from_utf8(body).ok()?;
    let mut fields = body.split(';');
    let mut keys = fields.next()?.split(':');
    let code = keys.next()?.parse().ok()?;
    let shifted = keys.next().and_then(|s| s.parse().ok());
    let (mods, event) = match fields.next() {
        None | Some("") => (1, 1),
        Some(m) => {
            let mut p = m.split(':');
            let mods = p.next()?.parse().unwrap_or(1);
            let event = p.next().map_or(Some(1), |e| e.parse().ok())?;
            (mods, event)
        }
    };
    let text = fields
        .next()
        .and_then(|t| t.split(':').next())
        .and_then(|t| t.parse().ok());
    Some(KittyKey {
        code,
        shifted,
        text,
        mods: u32::saturating_sub(mods, 1),
        event,
    })
}

/// The prefix key at the start of `b`, in either encoding: its length, and whether it was a
/// press (a kitty release report of the prefix is consumed but does nothing).
pub fn prefix_at(b: &[u8], prefix: u8) -> Option<(usize, bool)> {
    if b.first() == Some(&prefix) {
        return Some((1, true));
    }
    if !b.starts_with(b"\x1b[") {
        return None;
    }
    let end = csi_end(b)?;
    let k = kitty_key(&b[..end])?;
    let code = match prefix {
        0 => 0x20, // C-Space
        p => p as u32 + 0x60,
    };
    let is_prefix = k.mods & !KITTY_LOCKS == KITTY_CTRL
        && (k.code == code || (prefix != 0 && k.code == prefix as u32 + 0x40));
    is_prefix.then_some((end, k.event != 3))
}

/// The outer terminal's answer to `CSI ? u` (`CSI ? flags u`): its length, if `b` starts with
/// one.
pub fn kitty_flags_reply(b: &[u8]) -> Option<usize> {
    let rest = b.strip_prefix(b"\x1b[?")?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (rest.get(digits) == Some(&b'u')).then_some(3 + digits + 1)
}

/// Could `b` be the start of a probe answer (`CSI ? digits;… u|c`, or `OSC 1x ; spec`) cut
/// off by the end of a read?
pub fn partial_reply(b: &[u8]) -> bool {
    let head = b"\x1b[?";
    if b.len() <= head.len() && head.starts_with(b) {
        return true;
    }
    if b.starts_with(head) {
        return b[head.len()..]
            .iter()
            .all(|c| c.is_ascii_digit() || *c == b';');
    }
    let cell = b"\x1b[6;";
    if b.starts_with(cell) {
        return b.len() < 32
            && b[cell.len()..]
                .iter()
                .all(|c| c.is_ascii_digit() || *c == b';');
    }
    let apc = b"\x1b_G";
    if b.len() <= apc.len() && apc.starts_with(b) {
        return true;
    }
    if b.starts_with(apc) {
        return b.len() < 64 && !b.windows(2).any(|w| w == b"\x1b\\");
    }
    let osc = b"\x1b]1";
    if b.len() <= osc.len() {
        return osc.starts_with(b);
    }
    b.starts_with(osc) && !b.contains(&0x07) && !b.windows(2).any(|w| w == b"\x1b\\")
}

/// The answer to an OSC 10/11/12 color query (`OSC 1x ; rgb:… ST|BEL`): its length, which
/// color (10 foreground, 11 background, 12 cursor) and the color.
pub fn color_reply(b: &[u8]) -> Option<(usize, u8, (u8, u8, u8))> {
    let rest = b.strip_prefix(b"\x1b]")?;
    let which = match rest.get(..3)? {
        b"10;" => 10,
        b"11;" => 11,
        b"12;" => 12,
        _ => return None,
    };
    let body = &rest[3..];
    let end = body.iter().position(|&c| c == 0x07 || c == 0x1b)?;
    let term = if body[end] == 0x07 {
        1
    } else if body.get(end + 1) == Some(&b'\\') {
        2
    } else {
        return None;
    };
    let rgb = spool_term::palette::parse_spec(&body[..end])?;
    Some((2 + 3 + end + term, which, rgb))
}

/// The answer to the probe's kitty graphics query (`APC G i=31 ; OK|error ST`): its length,
/// and whether it said OK.
pub fn graphics_reply(b: &[u8]) -> Option<(usize, bool)> {
    let rest = b.strip_prefix(b"\x1b_Gi=31")?;
    let end = rest.windows(2).position(|w| w == b"\x1b\\")?;
    let body = &rest[..end];
    Some((4 + 3 + end + 2, body.ends_with(b";OK")))
}

/// The answer to `CSI 16 t` (`CSI 6 ; height ; width t`, a cell in pixels): its length and
/// the (width, height).
pub fn cell_size_reply(b: &[u8]) -> Option<(usize, (u16, u16))> {
    let rest = b.strip_prefix(b"\x1b[6;")?;
    let end = rest.iter().position(|&c| c == b't')?;
    let body = std::str::from_utf8(&rest[..end]).ok()?;
    let (h, w) = body.split_once(';')?;
    let (h, w) = (h.parse::<u16>().ok()?, w.parse::<u16>().ok()?);
    (h > 0 && w > 0).then_some((4 + end + 1, (w, h)))
}

/// A primary device attributes answer (`CSI ? … c`): its length, if `b` starts with one.
pub fn da1_reply(b: &[u8]) -> Option<(usize, bool)> {
    let rest = b.strip_prefix(b"\x1b[?")?;
    let body = rest
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b';')
        .count();
    // After the class (62, 64, …), the features: 4 is sixel graphics.
    let sixel = rest[..body]
        .split(|&c| c == b';')
        .skip(1)
        .any(|p| p == b"4");
    (rest.get(body) == Some(&b'c')).then_some((3 + body + 1, sixel))
}

/// A mouse report from the outer terminal.
#[derive(Clone, Copy, Debug)]
pub struct Mouse {
    pub button: u16,
    pub x: u16,
    pub y: u16,
    pub release: bool,
}

/// Parse `ESC [ < b ; x ; y (M|m)` (1-based coordinates) at the start of `b`.
pub fn parse_sgr_mouse(b: &[u8]) -> Option<(usize, Mouse)> {
    let end = b.iter().position(|&c| c == b'M' || c == b'm')?;
    let body = std::str::from_utf8(&b[3..end]).ok()?;
    let mut it = body.split(';').map(|v| v.parse::<u16>().ok());
    let (button, x, y) = (it.next()??, it.next()??, it.next()??);
    Some((
        end + 1,
        Mouse {
            button,
            x: x.saturating_sub(1),
            y: y.saturating_sub(1),
            release: b[end] == b'm',
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_keys() {
        assert_eq!(key_at(b"c"), (1, Key::Byte(b'c')));
        assert_eq!(key_at(b"\x1b[A"), (3, Key::Up));
        assert_eq!(key_at(b"\x1b"), (1, Key::Escape));
        assert_eq!(key_at(b"\x1b[1;5A").0, 6);
        assert_eq!(key_at("é".as_bytes()), (2, Key::Other));
    }

    #[test]
    fn kitty_keys() {
        assert_eq!(key_at(b"\x1b[99u"), (5, Key::Byte(b'c')));
        assert_eq!(key_at(b"\x1b[27u"), (5, Key::Escape));
        assert_eq!(key_at(b"\x1b[98;5u"), (7, Key::Byte(2)));
        assert_eq!(key_at(b"\x1b[99;1:3u"), (9, Key::Release));
        assert_eq!(key_at(b"\x1b[53;2u").1, Key::Byte(b'%')); // shift+5, US layout
        assert_eq!(key_at(b"\x1b[53:37;2u").1, Key::Byte(b'%')); // with the alternate
        assert_eq!(key_at(b"\x1b[110;2u").1, Key::Byte(b'N'));
        assert_eq!(key_at(b"\x1b[47;2;63u").1, Key::Byte(b'?')); // with text
        assert_eq!(key_at(b"\x1b[57441;2u").1, Key::Release); // shift alone
        assert_eq!(key_at(b"\x1b[98;133u").1, Key::Byte(2)); // ctrl+b with Num Lock
        assert_eq!(key_at(b"\x1b[1;1A").1, Key::Up);
        assert_eq!(key_at(b"\x1b[6;129~").1, Key::PageDown);
        assert_eq!(key_at(b"\x1b[1;5A").1, Key::ModArrow(0, 4)); // ctrl+up (C-b C-Up)
        assert_eq!(key_at(b"\x1b[1;3D").1, Key::ModArrow(2, 2)); // alt+left (C-b M-Left)
        assert_eq!(key_at(b"\x1bOH"), (3, Key::Home));
        assert_eq!(key_at(b"\x1b[99;;99u").1, Key::Byte(b'c'));
        assert_eq!(key_at(b"\x1b[13u").1, Key::Byte(b'\r'));
        assert_eq!(key_at(b"\x1b[99;3u").1, Key::Meta(b'c')); // alt+c
        assert_eq!(key_at(b"\x1bo").1, Key::Meta(b'o')); // legacy alt+o
        assert_eq!(key_at(b"\x1b[?1u").1, Key::Other);
    }

    #[test]
    fn prefix_in_both_encodings() {
        assert_eq!(prefix_at(b"\x02x", 2), Some((1, true)));
        assert_eq!(prefix_at(b"\x1b[98;5u", 2), Some((7, true)));
        assert_eq!(prefix_at(b"\x1b[98;5:1u", 2), Some((9, true)));
        assert_eq!(prefix_at(b"\x1b[98;5:3u", 2), Some((9, false)));
        assert_eq!(prefix_at(b"\x1b[98;7u", 2), None); // ctrl+alt+b
        assert_eq!(prefix_at(b"\x1b[98;69u", 2), Some((8, true))); // with Caps Lock
        assert_eq!(prefix_at(b"\x1b[32;5u", 0), Some((7, true))); // C-Space
        assert_eq!(prefix_at(b"\x1b[97;5u", 2), None);
        assert_eq!(prefix_at(b"b", 2), None);
    }

    #[test]
    fn probe_answers() {
        assert!(partial_reply(b"\x1b"));
        assert!(partial_reply(b"\x1b[?62;2"));
        assert!(!partial_reply(b"\x1b[?62;2c"));
        assert!(!partial_reply(b"\x1b[A"));
        assert_eq!(kitty_flags_reply(b"\x1b[?0u"), Some(5));
        assert_eq!(kitty_flags_reply(b"\x1b[?31ux"), Some(6));
        assert_eq!(kitty_flags_reply(b"\x1b[?62;22c"), None);
        assert_eq!(da1_reply(b"\x1b[?62;22c"), Some((9, false)));
        assert_eq!(da1_reply(b"\x1b[?63;1;4;22c"), Some((13, true)));
        assert_eq!(
            da1_reply(b"\x1b[?4;22c"),
            Some((8, false)),
            "4 as the class is not sixel"
        );
        assert_eq!(graphics_reply(b"\x1b_Gi=31;OK\x1b\\x"), Some((12, true)));
        assert_eq!(
            graphics_reply(b"\x1b_Gi=31;ENOTSUPPORTED\x1b\\"),
            Some((23, false))
        );
        assert!(partial_reply(b"\x1b_Gi=3"));
        assert_eq!(cell_size_reply(b"\x1b[6;20;10tx"), Some((10, (10, 20))));
        assert!(partial_reply(b"\x1b[6;20;"));
        assert_eq!(
            color_reply(b"\x1b]11;rgb:ffff/fefe/0000\x1b\\x"),
            Some((25, 11, (0xff, 0xfe, 0)))
        );
        assert_eq!(
            color_reply(b"\x1b]10;rgb:00/11/22\x07"),
            Some((18, 10, (0, 0x11, 0x22)))
        );
        assert!(partial_reply(b"\x1b]11;rgb:ff"));
        assert!(!partial_reply(b"\x1b]11;rgb:ff\x07"));
        assert_eq!(da1_reply(b"\x1b[?1u"), None);
    }

    #[test]
    fn garbage_never_panics() {
        for b in [
            &b"\x1b["[..],
            b"\x1b[;u",
            b"\x1b[:::u",
            b"\x1b[99999999999999u",
            b"\x1b[<",
        ] {
            let _ = key_at(b);
            let _ = prefix_at(b, 2);
            let _ = parse_sgr_mouse(b);
        }
    }
}
