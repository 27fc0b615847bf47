//! What an attached client's keys do and how its status line looks: the part of the user's
//! config the server hands every client (in [`crate::Response::Attached`], and again in
//! [`crate::Response::Ui`] after `spool reload`). The server parses and validates the config;
//! the client only applies it.

use serde::{Deserialize, Serialize};

/// A key after the prefix, as a binding names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum BindKey {
    /// A byte: a printable ASCII character, or a control key (`C-x`, `Enter`, `Tab`, `Escape`).
    Byte(u8),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

impl BindKey {
    /// `c`, `%`, `C-x`, `Up`, `PageDown`, `Space`, `Enter`, `Tab`, `Escape`, … (tmux's names).
    pub fn parse(s: &str) -> Option<BindKey> {
        Some(match s {
            "Up" => BindKey::Up,
            "Down" => BindKey::Down,
            "Left" => BindKey::Left,
            "Right" => BindKey::Right,
            "PageUp" | "PPage" => BindKey::PageUp,
            "PageDown" | "NPage" => BindKey::PageDown,
            "Home" => BindKey::Home,
            "End" => BindKey::End,
            "Space" => BindKey::Byte(b' '),
            "Enter" => BindKey::Byte(b'\r'),
            "Tab" => BindKey::Byte(b'\t'),
            "Escape" | "Esc" => BindKey::Byte(0x1b),
            "BSpace" => BindKey::Byte(0x7f),
            _ => {
                if let Some(k) = s.strip_prefix("C-").or_else(|| s.strip_prefix('^')) {
                    if !k.is_empty() {
                        return control_byte(k).map(BindKey::Byte);
                    }
                }
                let b = s.as_bytes();
                if b.len() == 1 && (0x21..0x7f).contains(&b[0]) {
                    BindKey::Byte(b[0])
                } else {
                    return None;
                }
            }
        })
    }
}

/// `x` in `C-x` to its control byte (`C-a` = 1 … `C-z` = 26, `C-[` = ESC, …).
pub fn control_byte(k: &str) -> Option<u8> {
    if k == "Space" {
        return Some(0);
    }
    let b = k.as_bytes();
    if b.len() != 1 {
        return None;
    }
    match b[0] {
        c @ b'a'..=b'z' => Some(c - b'a' + 1),
        c @ b'A'..=b'Z' => Some(c - b'A' + 1),
        c @ b'@'..=b'_' => Some(c - b'@'),
        b' ' => Some(0),
        _ => None,
    }
}

/// What a binding does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Command {
    NewTab,
    NextTab,
    PrevTab,
    SelectTab(u16),
    /// A new pane beside the focused one (tmux `split-window -h`, `%`).
    SplitRight,
    /// A new pane below the focused one (tmux `split-window -v`, `"`).
    SplitBelow,
    /// Focus the neighbour: 0 left, 1 down, 2 up, 3 right.
    Focus(u8),
    Zoom,
    /// Close the focused pane (after a y/n confirmation).
    KillPane,
    Detach,
    ScrollMode,
    ChooseSession,
    RenameTab,
    Help,
    Redraw,
    /// Send the prefix key itself to the pane.
    SendPrefix,
}

impl Command {
    /// Every command's config name, for `--help`-style listings and error messages.
    pub const NAMES: &'static [&'static str] = &[
        "new-tab",
        "next-tab",
        "previous-tab",
        "select-tab-0 … select-tab-9",
        "split-right",
        "split-below",
        "focus-left",
        "focus-down",
        "focus-up",
        "focus-right",
        "zoom",
        "kill-pane",
        "detach",
        "scroll-mode",
        "choose-session",
        "rename-tab",
        "help",
        "redraw",
        "send-prefix",
        "none",
    ];

    /// A command by its config name; `Ok(None)` for `none` (unbind the key).
    pub fn parse(s: &str) -> Result<Option<Command>, String> {
        Ok(Some(match s {
            "new-tab" => Command::NewTab,
            "next-tab" => Command::NextTab,
            "previous-tab" | "prev-tab" => Command::PrevTab,
            "split-right" => Command::SplitRight,
            "split-below" => Command::SplitBelow,
            "focus-left" => Command::Focus(0),
            "focus-down" => Command::Focus(1),
            "focus-up" => Command::Focus(2),
            "focus-right" => Command::Focus(3),
            "zoom" => Command::Zoom,
            "kill-pane" => Command::KillPane,
            "detach" => Command::Detach,
            "scroll-mode" | "copy-mode" => Command::ScrollMode,
            "choose-session" => Command::ChooseSession,
            "rename-tab" => Command::RenameTab,
            "help" => Command::Help,
            "redraw" => Command::Redraw,
            "send-prefix" => Command::SendPrefix,
            "none" => return Ok(None),
            _ => match s.strip_prefix("select-tab-").and_then(|n| n.parse().ok()) {
                Some(n) => Command::SelectTab(n),
                None => {
                    return Err(format!(
                        "unknown command {s:?}; one of: {}",
                        Command::NAMES.join(", ")
                    ))
                }
            },
        }))
    }
}

/// The default bindings (tmux's, with tabs for windows).
pub fn default_bindings() -> Vec<(BindKey, Command)> {
    use BindKey::*;
    use Command::*;
    let mut v = vec![
        (Byte(b'd'), Detach),
        (Byte(b'c'), NewTab),
        (Byte(b'n'), NextTab),
        (Byte(b'p'), PrevTab),
        (Byte(b'%'), SplitRight),
        (Byte(b'"'), SplitBelow),
        (Left, Focus(0)),
        (Byte(b'h'), Focus(0)),
        (Down, Focus(1)),
        (Byte(b'j'), Focus(1)),
        (Up, Focus(2)),
        (Byte(b'k'), Focus(2)),
        (Right, Focus(3)),
        (Byte(b'l'), Focus(3)),
        (Byte(b'z'), Zoom),
        (Byte(b'x'), KillPane),
        (Byte(b'['), ScrollMode),
        (PageUp, ScrollMode),
        (Byte(b','), RenameTab),
        (Byte(b's'), ChooseSession),
        (Byte(b'r'), Redraw),
        (Byte(b'?'), Help),
    ];
    v.extend((0..10u8).map(|i| (Byte(b'0' + i), SelectTab(i as u16))));
    v
}

/// The status line: `left`, the tabs (each drawn with `tab`), `right` at the right edge.
/// Placeholders: `{session}`, `{title}` (the focused pane's), `{host}`, `{time}` (HH:MM),
/// `{date}` (YYYY-MM-DD); in `tab`: `{index}`, `{name}`, `{flags}` (`*` active, `#` activity,
/// `Z` zoomed).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    pub left: String,
    pub tab: String,
    pub right: String,
    /// Colors in the wire encoding ([`crate::WireRun`]: 0 default, `0x1000000 | index`,
    /// `0x2000000 | rgb`).
    pub fg: u32,
    pub bg: u32,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            left: "[{session}] ".into(),
            tab: "{index}:{name}{flags} ".into(),
            right: "{time}".into(),
            fg: 0x100_0000,
            bg: 0x100_0002,
        }
    }
}

/// Placeholders a status format may use.
pub const STATUS_FIELDS: &[&str] = &["session", "title", "host", "time", "date"];
/// Placeholders a tab format may use.
pub const TAB_FIELDS: &[&str] = &["index", "name", "flags"];

/// Expand `{name}` placeholders with `value`; `{{` and `}}` are literal braces. Errors name an
/// unknown placeholder or an unclosed brace.
pub fn expand(
    fmt: &str,
    known: &[&str],
    mut value: impl FnMut(&str) -> String,
) -> Result<String, String> {
    let mut out = String::with_capacity(fmt.len());
    let mut rest = fmt;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
            continue;
        }
        if tail.starts_with('}') {
            return Err("a lone '}' (write '}}' for a brace)".into());
        }
        let end = tail.find('}').ok_or("an unclosed '{'")?;
        let name = &tail[1..end];
        if !known.contains(&name) {
            return Err(format!(
                "unknown placeholder {{{name}}}; one of: {}",
                known
                    .iter()
                    .map(|k| format!("{{{k}}}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        out.push_str(&value(name));
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A color by name (`black` … `white`, `bright-red`, …), `colour123`/`color123`, `#rrggbb`, or
/// `default`, in the wire encoding.
pub fn parse_color(s: &str) -> Option<u32> {
    const NAMES: [&str; 8] = [
        "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
    ];
    if s == "default" {
        return Some(0);
    }
    if let Some(i) = NAMES.iter().position(|n| *n == s) {
        return Some(0x100_0000 | i as u32);
    }
    if let Some(i) = s
        .strip_prefix("bright-")
        .or_else(|| s.strip_prefix("bright"))
        .and_then(|n| NAMES.iter().position(|x| *x == n))
    {
        return Some(0x100_0000 | (i as u32 + 8));
    }
    if let Some(n) = s.strip_prefix("colour").or_else(|| s.strip_prefix("color")) {
        return n.parse::<u8>().ok().map(|i| 0x100_0000 | i as u32);
    }
    let hex = s.strip_prefix('#')?;
    (hex.len() == 6)
        .then(|| u32::from_str_radix(hex, 16).ok())
        .flatten()
        .map(|rgb| 0x200_0000 | rgb)
}

/// The client's part of the config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiConfig {
    /// The prefix key's control byte (C-b = 2).
    pub prefix: u8,
    pub bindings: Vec<(BindKey, Command)>,
    pub status: Status,
}

impl Default for UiConfig {
    fn default() -> UiConfig {
        UiConfig {
            prefix: 0x02,
            bindings: default_bindings(),
            status: Status::default(),
        }
    }
}

impl UiConfig {
    /// What `key` after the prefix does.
    pub fn binding(&self, key: BindKey) -> Option<Command> {
        self.bindings
            .iter()
            .rev()
            .find(|(k, _)| *k == key)
            .map(|(_, c)| *c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_commands() {
        assert_eq!(BindKey::parse("c"), Some(BindKey::Byte(b'c')));
        assert_eq!(BindKey::parse("C-a"), Some(BindKey::Byte(1)));
        assert_eq!(BindKey::parse("PageUp"), Some(BindKey::PageUp));
        assert_eq!(BindKey::parse("cc"), None);
        assert_eq!(Command::parse("split-right"), Ok(Some(Command::SplitRight)));
        assert_eq!(
            Command::parse("select-tab-12"),
            Ok(Some(Command::SelectTab(12)))
        );
        assert_eq!(Command::parse("none"), Ok(None));
        assert!(Command::parse("splat").unwrap_err().contains("split-right"));
        let ui = UiConfig::default();
        assert_eq!(ui.binding(BindKey::Byte(b'%')), Some(Command::SplitRight));
        assert_eq!(ui.binding(BindKey::Byte(b'Q')), None);
    }

    #[test]
    fn formats_and_colors() {
        let v = |k: &str| k.to_uppercase();
        assert_eq!(
            expand("[{session}] {{x}}", STATUS_FIELDS, v).unwrap(),
            "[SESSION] {x}"
        );
        assert!(expand("{nope}", STATUS_FIELDS, v)
            .unwrap_err()
            .contains("{session}"));
        assert!(expand("{session", STATUS_FIELDS, v).is_err());
        assert!(expand("a}b", STATUS_FIELDS, v).is_err());
        assert_eq!(parse_color("green"), Some(0x100_0002));
        assert_eq!(parse_color("bright-red"), Some(0x100_0009));
        assert_eq!(parse_color("colour200"), Some(0x100_00c8));
        assert_eq!(parse_color("#ff8000"), Some(0x2ff_8000));
        assert_eq!(parse_color("#ff80"), None);
        assert_eq!(parse_color("mauve"), None);
    }
}
