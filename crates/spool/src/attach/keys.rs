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
    /// A key-release or -repeat report (kitty protocol, when the program asked for event
    /// types): bindings ignore it.
    Release,
    Other,
}

/// Kitty keyboard protocol modifier bit for Ctrl (in `mods - 1`).
const KITTY_CTRL: u32 = 4;

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
            (b"\x1b[F", Key::End),
        ] {
            if seq(s) {
                return (s.len(), k);
            }
        }
        if b.len() == 1 {
            return (1, Key::Escape);
        }
        if b.get(1) == Some(&b'[') {
            let Some(end) = csi_end(b) else {
                return (b.len(), Key::Other);
            };
            let key = match kitty_key(&b[..end]) {
                Some(k) => k.as_key(),
                None => Key::Other,
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
    /// Modifier bits (the sent value minus one): 1 shift, 2 alt, 4 ctrl, …
    pub mods: u32,
    /// 1 press, 2 repeat, 3 release.
    pub event: u32,
}

impl KittyKey {
    /// The key as a legacy byte would have given it, for the bindings.
    fn as_key(self) -> Key {
        if self.event != 1 {
            return Key::Release;
        }
        let only_ctrl = self.mods & !KITTY_CTRL == 0;
        match self.code {
            27 if self.mods == 0 => Key::Escape,
            c if self.mods & KITTY_CTRL != 0 && only_ctrl => match c {
                0x61..=0x7a => Key::Byte(c as u8 - 0x60),
                0x40..=0x5f => Key::Byte(c as u8 - 0x40),
                _ => Key::Other,
            },
            c if self.mods & !1 == 0 && c < 0x80 => Key::Byte(c as u8),
            _ => Key::Other,
        }
    }
}

/// Parse a whole `CSI … u` sequence (as `csi_end` delimits it) as a kitty key report.
pub fn kitty_key(seq: &[u8]) -> Option<KittyKey> {
    let body = seq.strip_prefix(b"\x1b[")?.strip_suffix(b"u")?;
    if body.first().is_some_and(|c| !c.is_ascii_digit()) {
        return None; // `CSI ? flags u` and friends are not keys
    }
    let body = std::str::from_utf8(body).ok()?;
    let mut fields = body.split(';');
    let code = fields.next()?.split(':').next()?.parse().ok()?;
    let (mods, event) = match fields.next() {
        None | Some("") => (1, 1),
        Some(m) => {
            let mut p = m.split(':');
            let mods = p.next()?.parse().unwrap_or(1);
            let event = p.next().map_or(Some(1), |e| e.parse().ok())?;
            (mods, event)
        }
    };
    Some(KittyKey {
        code,
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
    let is_prefix =
        k.mods == KITTY_CTRL && (k.code == prefix as u32 + 0x60 || k.code == prefix as u32 + 0x40);
    is_prefix.then_some((end, k.event != 3))
}

/// The outer terminal's answer to `CSI ? u` (`CSI ? flags u`): its length, if `b` starts with
/// one.
pub fn kitty_flags_reply(b: &[u8]) -> Option<usize> {
    let rest = b.strip_prefix(b"\x1b[?")?;
    let digits = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    (rest.get(digits) == Some(&b'u')).then_some(3 + digits + 1)
}

/// A primary device attributes answer (`CSI ? … c`): its length, if `b` starts with one.
pub fn da1_reply(b: &[u8]) -> Option<usize> {
    let rest = b.strip_prefix(b"\x1b[?")?;
    let body = rest
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b';')
        .count();
    (rest.get(body) == Some(&b'c')).then_some(3 + body + 1)
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
        assert_eq!(key_at(b"\x1b[37;2u").1, Key::Byte(b'%'));
        assert_eq!(key_at(b"\x1b[99;;99u").1, Key::Byte(b'c'));
        assert_eq!(key_at(b"\x1b[13u").1, Key::Byte(b'\r'));
        assert_eq!(key_at(b"\x1b[99;3u").1, Key::Other); // alt+c
        assert_eq!(key_at(b"\x1b[?1u").1, Key::Other);
    }

    #[test]
    fn prefix_in_both_encodings() {
        assert_eq!(prefix_at(b"\x02x", 2), Some((1, true)));
        assert_eq!(prefix_at(b"\x1b[98;5u", 2), Some((7, true)));
        assert_eq!(prefix_at(b"\x1b[98;5:1u", 2), Some((9, true)));
        assert_eq!(prefix_at(b"\x1b[98;5:3u", 2), Some((9, false)));
        assert_eq!(prefix_at(b"\x1b[98;7u", 2), None); // ctrl+alt+b
        assert_eq!(prefix_at(b"\x1b[97;5u", 2), None);
        assert_eq!(prefix_at(b"b", 2), None);
    }

    #[test]
    fn probe_answers() {
        assert_eq!(kitty_flags_reply(b"\x1b[?0u"), Some(5));
        assert_eq!(kitty_flags_reply(b"\x1b[?31ux"), Some(6));
        assert_eq!(kitty_flags_reply(b"\x1b[?62;22c"), None);
        assert_eq!(da1_reply(b"\x1b[?62;22c"), Some(9));
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
