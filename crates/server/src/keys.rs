//! Key names (`spool send --keys`) to the bytes a program expects, given its modes.
//!
//! Names follow tmux: `Enter`, `Tab`, `BTab`, `Escape`, `Space`, `BSpace`, `Up`/`Down`/`Left`/
//! `Right`, `Home`, `End`, `PageUp`/`PPage`, `PageDown`/`NPage`, `IC`/`Insert`, `DC`/`Delete`,
//! `F1`–`F12`, with `C-`, `M-` and `S-` prefixes (`C-c`, `M-x`, `C-Left`). A name that is none
//! of these is sent as literal text, as tmux does.

/// Encode one key name. `app_cursor` is DECCKM (arrows as `ESC O A`).
pub fn encode(name: &str, app_cursor: bool) -> Vec<u8> {
    let (mods, base) = split_mods(name);
    let ctrl = mods & CTRL != 0;
    let meta = mods & META != 0;
    let shift = mods & SHIFT != 0;
    let mut out = Vec::new();
    // xterm modifier parameter: 1 + shift + 2*alt + 4*ctrl.
    let param = 1 + u8::from(shift) + 2 * u8::from(meta) + 4 * u8::from(ctrl);
    let csi_key = |final_byte: u8, out: &mut Vec<u8>| {
        if param > 1 {
            out.extend_from_slice(format!("\x1b[1;{param}").as_bytes());
            out.push(final_byte);
        } else if app_cursor {
            out.extend_from_slice(&[0x1b, b'O', final_byte]);
        } else {
            out.extend_from_slice(&[0x1b, b'[', final_byte]);
        }
    };
    let tilde = |n: u8, out: &mut Vec<u8>| {
        if param > 1 {
            out.extend_from_slice(format!("\x1b[{n};{param}~").as_bytes());
        } else {
            out.extend_from_slice(format!("\x1b[{n}~").as_bytes());
        }
    };
    match base {
        "Up" => csi_key(b'A', &mut out),
        "Down" => csi_key(b'B', &mut out),
        "Right" => csi_key(b'C', &mut out),
        "Left" => csi_key(b'D', &mut out),
        "Home" => csi_key(b'H', &mut out),
        "End" => csi_key(b'F', &mut out),
        "IC" | "Insert" => tilde(2, &mut out),
        "DC" | "Delete" => tilde(3, &mut out),
        "PageUp" | "PPage" | "PgUp" => tilde(5, &mut out),
        "PageDown" | "NPage" | "PgDn" => tilde(6, &mut out),
        "F1" | "F2" | "F3" | "F4" if param == 1 => {
            out.extend_from_slice(&[0x1b, b'O', b"PQRS"[(base.as_bytes()[1] - b'1') as usize]])
        }
        "F1" | "F2" | "F3" | "F4" => {
            let f = b"PQRS"[(base.as_bytes()[1] - b'1') as usize];
            out.extend_from_slice(format!("\x1b[1;{param}").as_bytes());
            out.push(f);
        }
        "F5" => tilde(15, &mut out),
        "F6" => tilde(17, &mut out),
        "F7" => tilde(18, &mut out),
        "F8" => tilde(19, &mut out),
        "F9" => tilde(20, &mut out),
        "F10" => tilde(21, &mut out),
        "F11" => tilde(23, &mut out),
        "F12" => tilde(24, &mut out),
        "BTab" => out.extend_from_slice(b"\x1b[Z"),
        _ => {
            let bytes: Vec<u8> = match base {
                "Enter" => vec![b'\r'],
                "Tab" => vec![b'\t'],
                "Escape" | "Esc" => vec![0x1b],
                "Space" => vec![b' '],
                "BSpace" | "Backspace" => vec![0x7f],
                _ if mods == 0 => return name.as_bytes().to_vec(),
                _ => base.as_bytes().to_vec(),
            };
            let bytes = if ctrl { control(&bytes) } else { bytes };
            if meta {
                out.push(0x1b);
            }
            out.extend_from_slice(&bytes);
        }
    }
    out
}

const CTRL: u8 = 1;
const META: u8 = 2;
const SHIFT: u8 = 4;

fn split_mods(name: &str) -> (u8, &str) {
    let mut mods = 0;
    let mut rest = name;
    loop {
        // A lone "C-" or "M-" (or "-") is a literal, not a modifier.
        if rest.len() > 2 && rest.as_bytes()[1] == b'-' {
            let m = match rest.as_bytes()[0] {
                b'C' | b'c' => CTRL,
                b'M' | b'm' => META,
                b'S' | b's' => SHIFT,
                _ => break,
            };
            mods |= m;
            rest = &rest[2..];
        } else {
            break;
        }
    }
    (mods, rest)
}

/// The control character for a key: `C-a` = 0x01, `C-Space`/`C-@` = 0, `C-?` = DEL.
fn control(bytes: &[u8]) -> Vec<u8> {
    match bytes {
        [b' '] | [b'@'] | [b'2'] => vec![0],
        [b'?'] | [b'8'] => vec![0x7f],
        [c] if c.is_ascii_alphabetic() => vec![c.to_ascii_lowercase() - b'a' + 1],
        [c @ b'['..=b'_'] => vec![c - 0x40],
        [b'3'] => vec![0x1b],
        [b'4'] => vec![0x1c],
        [b'5'] => vec![0x1d],
        [b'6'] => vec![0x1e],
        [b'7'] => vec![0x1f],
        other => other.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    #[test]
    fn names() {
        assert_eq!(encode("Enter", false), b"\r");
        assert_eq!(encode("C-c", false), [3]);
        assert_eq!(encode("M-x", false), b"\x1bx");
        assert_eq!(encode("Up", false), b"\x1b[A");
        assert_eq!(encode("Up", true), b"\x1bOA");
        assert_eq!(encode("C-Left", false), b"\x1b[1;5D");
        assert_eq!(encode("F5", false), b"\x1b[15~");
        assert_eq!(encode("F1", false), b"\x1bOP");
        assert_eq!(encode("hello", false), b"hello");
        assert_eq!(encode("C-", false), b"C-");
        assert_eq!(encode("BSpace", false), [0x7f]);
    }
}
