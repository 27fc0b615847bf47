//! Making untrusted text safe to show. Names, titles, commands, paths and error messages can
//! come from any program in any pane; written raw to a terminal they could set its title or
//! clipboard, clear it, or worse. Everything spool writes to an outer terminal or to stdout
//! that it did not compose itself goes through here.

/// Is `c` a control character a terminal would act on: C0, DEL or C1 (`\u{80}`–`\u{9f}`, which
/// some terminals read as 8-bit CSI, OSC, …)?
pub fn is_control(c: char) -> bool {
    c.is_control()
}

/// `s` on one line with every control character shown as a visible escape (`^[`, `^?`,
/// `<U+009B>`), as tmux shows them in names. Printable text, including every non-ASCII
/// letter, passes unchanged.
pub fn sanitize(s: &str) -> String {
    sanitized(s).into_owned()
}

/// As [`sanitize`], borrowing `s` when it has nothing to escape (most text: what prints a
/// million search hits does not copy each).
pub fn sanitized(s: &str) -> std::borrow::Cow<'_, str> {
    if !has_control(s) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    std::borrow::Cow::Owned(out)
}

/// Does `s` hold a control character ([`is_control`])? A pass over bytes: C0 and DEL are
/// single bytes, and a C1 control is encoded as 0xC2 then 0x80–0x9F.
fn has_control(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &x)| {
        x < 0x20
            || x == 0x7f
            || (x == 0xc2 && b.get(i + 1).is_some_and(|n| (0x80..0xa0).contains(n)))
    })
}

fn push_visible(out: &mut String, c: char) {
    match c as u32 {
        0..=0x1f => {
            out.push('^');
            out.push((c as u8 + 0x40) as char);
        }
        0x7f => out.push_str("^?"),
        0x80..=0x9f => out.push_str(&format!("<U+{:04X}>", c as u32)),
        _ => out.push(c),
    }
}

/// As [`sanitize`], but newlines and tabs are kept (multi-line messages such as a starting
/// server's warnings).
pub fn sanitize_block(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '\n' || c == '\t' {
            out.push(c);
        } else {
            push_visible(&mut out, c);
        }
    }
    out
}

/// A URI fit for an OSC 8 hyperlink: bytes outside printable ASCII (controls, DEL, spaces,
/// and every non-ASCII byte, which could hide a C1 control) are percent-encoded, as URIs
/// require, so the link still works and can never end the sequence early.
pub fn uri(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if (0x21..0x7f).contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `s` cut to at most `max` bytes at a character boundary.
pub fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// JSON for stdout: `serde_json` escapes C0 controls but writes DEL and C1 characters raw;
/// this escapes those too (they can only occur inside strings, where `\uXXXX` is valid).
pub fn json_safe(json: &str) -> String {
    if !json.chars().any(|c| matches!(c as u32, 0x7f..=0x9f)) {
        return json.to_string();
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if matches!(c as u32, 0x7f..=0x9f) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds (the civil calendar from days since the
/// epoch), or without the seconds (`YYYY-MM-DD HH:MM UTC`).
pub fn utc(secs: u64, with_seconds: bool) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let (h, min) = (rem / 3600, (rem / 60) % 60);
    if with_seconds {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02}:{:02} UTC", rem % 60)
    } else {
        format!("{y:04}-{m:02}-{d:02} {h:02}:{min:02} UTC")
    }
}

/// `a` quoted for fish: bare when it is made of safe characters only, else in single quotes,
/// inside which fish reads `\\` and `\'` as escapes.
pub fn fish_quote(a: &str) -> String {
    if is_bare(a) {
        return a.to_string();
    }
    format!("'{}'", a.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn is_bare(a: &str) -> bool {
    !a.is_empty()
        && a.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./=:,+@%".contains(&b))
}

/// `a` quoted for a POSIX shell: bare when it is made of safe characters only, else in
/// single quotes.
pub fn shell_quote(a: &str) -> String {
    if is_bare(a) {
        return a.to_string();
    }
    format!("'{}'", a.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_check_finds_exactly_the_control_characters_among_every_char() {
        let mut s = String::new();
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            s.clear();
            s.push('a');
            s.push(c);
            s.push('\u{e9}');
            assert_eq!(has_control(&s), is_control(c), "U+{:04X}", c as u32);
            assert_eq!(
                matches!(sanitized(&s), std::borrow::Cow::Borrowed(_)),
                !is_control(c)
            );
        }
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(sanitize("a\x1b]2;X\x07b"), "a^[]2;X^Gb");
        assert_eq!(sanitize("\u{9b}2J\x7f"), "<U+009B>2J^?");
        assert_eq!(sanitize("héllo 世界"), "héllo 世界");
        assert_eq!(sanitize_block("a\nb\x1b"), "a\nb^[");
    }

    #[test]
    fn uris_cannot_carry_controls() {
        assert_eq!(uri("http://x/\x1b\\"), "http://x/%1B\\");
        assert_eq!(uri("http://x/\u{9b}"), "http://x/%C2%9B");
        assert_eq!(uri("http://x/a b\x7f"), "http://x/a%20b%7F");
    }

    #[test]
    fn json_escapes_del_and_c1() {
        let j = serde_json_like("\u{9b}x\x7f");
        assert_eq!(json_safe(&j), "\"\\u009bx\\u007f\"");
    }

    fn serde_json_like(s: &str) -> String {
        format!("\"{s}\"")
    }

    #[test]
    fn truncation_keeps_characters_whole() {
        assert_eq!(truncate("héllo", 2), "h");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
