//! What an attached client's keys do and how its status line looks: the part of the user's
//! config the server hands every client (in [`crate::Response::Attached`], and again in
//! [`crate::Response::Ui`] after `spool reload`). The server parses and validates the config;
//! the client only applies it.

use serde::{Deserialize, Serialize};
use spool_cells::Color;

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
    /// An arrow with modifiers (`C-Up`, `M-Left`, `S-Down`): which arrow (0 up, 1 down,
    /// 2 left, 3 right) and the modifiers ([`MOD_SHIFT`], [`MOD_META`], [`MOD_CTRL`]).
    ModArrow(u8, u8),
    /// A printable key with Meta (Alt) held: `M-o`, `M-1`.
    Meta(u8),
}

/// Modifier bits of [`BindKey::ModArrow`] (xterm's modifier parameter less one).
pub const MOD_SHIFT: u8 = 1;
pub const MOD_META: u8 = 2;
pub const MOD_CTRL: u8 = 4;

const ARROWS: [&str; 4] = ["Up", "Down", "Left", "Right"];

impl BindKey {
    /// `c`, `%`, `C-x`, `Up`, `PageDown`, `Space`, `Enter`, `Tab`, `Escape`, `C-Up`, `M-o`, …
    /// (tmux's names).
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
                // Modifiers before an arrow: C-, M-, S- in any order.
                let (mut mods, mut rest) = (0u8, s);
                while rest.len() > 2 && rest.as_bytes()[1] == b'-' {
                    let m = match rest.as_bytes()[0] {
                        b'C' => MOD_CTRL,
                        b'M' => MOD_META,
                        b'S' => MOD_SHIFT,
                        _ => break,
                    };
                    mods |= m;
                    rest = &rest[2..];
                }
                if let Some(a) = ARROWS.iter().position(|a| *a == rest) {
                    if mods != 0 {
                        return Some(BindKey::ModArrow(a as u8, mods));
                    }
                }
                if let Some(k) = s.strip_prefix("M-") {
                    let b = k.as_bytes();
                    if b.len() == 1 && (0x21..0x7f).contains(&b[0]) {
                        return Some(BindKey::Meta(b[0]));
                    }
                }
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

    /// The key's name, as `parse` reads it and `list-keys` shows it.
    pub fn name(self) -> String {
        match self {
            BindKey::Byte(b' ') => "Space".into(),
            BindKey::Byte(b'\r') => "Enter".into(),
            BindKey::Byte(b'\t') => "Tab".into(),
            BindKey::Byte(0x1b) => "Escape".into(),
            BindKey::Byte(0x7f) => "BSpace".into(),
            BindKey::Byte(0) => "C-Space".into(),
            BindKey::Byte(b) if b < 0x20 => format!("C-{}", (b + 0x60) as char),
            BindKey::Byte(b) => (b as char).to_string(),
            BindKey::Up => "Up".into(),
            BindKey::Down => "Down".into(),
            BindKey::Left => "Left".into(),
            BindKey::Right => "Right".into(),
            BindKey::PageUp => "PageUp".into(),
            BindKey::PageDown => "PageDown".into(),
            BindKey::Home => "Home".into(),
            BindKey::End => "End".into(),
            BindKey::ModArrow(a, mods) => {
                let mut n = String::new();
                for (bit, p) in [(MOD_CTRL, "C-"), (MOD_META, "M-"), (MOD_SHIFT, "S-")] {
                    if mods & bit != 0 {
                        n.push_str(p);
                    }
                }
                n.push_str(ARROWS[(a & 3) as usize]);
                n
            }
            BindKey::Meta(b) => format!("M-{}", b as char),
        }
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

/// The verbs of the `spool` command line, with tmux's names for them: what a binding or the
/// command prompt may run (`Command::Run`). The CLI's test checks that this is exactly the
/// set of its subcommands and aliases.
pub const VERBS: &[&str] = &[
    "attach",
    "a",
    "attach-session",
    "new",
    "new-session",
    "ls",
    "list-sessions",
    "panes",
    "list-panes",
    "new-tab",
    "new-window",
    "neww",
    "split",
    "split-window",
    "resize",
    "resize-pane",
    "select-layout",
    "selectl",
    "swap-pane",
    "swapp",
    "break-pane",
    "breakp",
    "join-pane",
    "move-pane",
    "joinp",
    "movep",
    "rotate-window",
    "rotate",
    "rotatew",
    "kill-tab",
    "kill-window",
    "killw",
    "rename-session",
    "rename",
    "rename-tab",
    "rename-window",
    "renamew",
    "select-pane",
    "selectp",
    "last-pane",
    "lastp",
    "select-tab",
    "select-window",
    "selectw",
    "last-tab",
    "last-window",
    "last",
    "next-tab",
    "next-window",
    "next",
    "previous-tab",
    "previous-window",
    "prev",
    "send",
    "send-keys",
    "capture",
    "capture-pane",
    "search",
    "wait",
    "commands",
    "events",
    "run",
    "shell-init",
    "kill",
    "kill-pane",
    "kill-session",
    "kill-server",
    "upgrade",
    "history",
    "stats",
    "reload",
    "source-file",
    "server",
    "completions",
    "man",
    "debug",
    "list-keys",
    "lsk",
    "display-message",
    "display",
    "set-buffer",
    "setb",
    "show-buffer",
    "showb",
    "list-buffers",
    "lsb",
    "paste-buffer",
    "pasteb",
    "delete-buffer",
    "deleteb",
    "save-buffer",
    "saveb",
    "load-buffer",
    "loadb",
    "respawn-pane",
    "respawnp",
    "clear-history",
    "clearhist",
    "set-option",
    "set",
    "set-window-option",
    "setw",
    "show-options",
    "show",
    "show-window-options",
    "showw",
    "display-popup",
    "popup",
    "pipe-pane",
    "pipep",
];

/// Split a command line into words as a POSIX shell would for simple cases: spaces
/// separate, `'…'` and `"…"` quote (`\` escapes inside double quotes and outside quotes).
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => cur.push(c),
                        None => return Err("an unclosed '".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c) => cur.push(c),
                            None => return Err("a \\ at the end".into()),
                        },
                        Some(c) => cur.push(c),
                        None => return Err("an unclosed \"".into()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => cur.push(c),
                    None => return Err("a \\ at the end".into()),
                }
            }
            c => {
                in_word = true;
                cur.push(c);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Ok(words)
}

/// `s` quoted for [`split_words`] (as one word).
pub fn quote_word(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// What a binding does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    /// `choose-tree` (`C-b w`; `C-b s` with sessions only): sessions, tabs and panes to move
    /// through, filter and pick, with a preview.
    ChooseTree {
        sessions_only: bool,
    },
    RenameTab,
    /// `list-keys` shown full screen (`C-b ?`).
    Help,
    Redraw,
    /// Send the prefix key itself to the pane.
    SendPrefix,
    /// A spool command line, run for the focused pane: any verb of the CLI, by its spool or
    /// tmux name (`select-layout -n`, `swap-pane -U`). Its output is shown.
    Run(String),
    /// Ask y/n with this prompt, then run the command line.
    Confirm {
        prompt: String,
        run: String,
    },
    /// Ask for a line with this prompt, then run the command line with `%%` replaced by it
    /// (quoted as one word).
    Prompt {
        prompt: String,
        run: String,
    },
    /// The command prompt (`C-b :`): any command line, with history and completion.
    CommandPrompt,
    /// Numbers on the panes; a digit focuses one (`C-b q`).
    DisplayPanes,
    /// Paste buffers to pick from (`C-b =`).
    ChooseBuffer,
}

impl Command {
    /// Every built-in command's config name, for `--help`-style listings and error messages.
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
        "choose-tree",
        "choose-session",
        "choose-buffer",
        "rename-tab",
        "help",
        "redraw",
        "send-prefix",
        "command-prompt",
        "display-panes",
        "none",
    ];

    /// A command by its config name, or a command line (a CLI verb and its arguments, or
    /// `confirm-before [-p PROMPT] LINE` and `command-prompt [-p PROMPT] TEMPLATE` as in
    /// tmux); `Ok(None)` for `none` (unbind the key).
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
            "choose-tree" => Command::ChooseTree {
                sessions_only: false,
            },
            "choose-session" => Command::ChooseTree {
                sessions_only: true,
            },
            "choose-buffer" => Command::ChooseBuffer,
            "rename-tab" => Command::RenameTab,
            "help" => Command::Help,
            "redraw" => Command::Redraw,
            "send-prefix" => Command::SendPrefix,
            "command-prompt" => Command::CommandPrompt,
            "display-panes" => Command::DisplayPanes,
            "none" => return Ok(None),
            _ => {
                if let Some(n) = s.strip_prefix("select-tab-").and_then(|n| n.parse().ok()) {
                    return Ok(Some(Command::SelectTab(n)));
                }
                return parse_line(s).map(Some);
            }
        }))
    }
}

/// A binding's command line: a CLI verb, `confirm-before` or `command-prompt`.
fn parse_line(s: &str) -> Result<Command, String> {
    let words = split_words(s)?;
    let unknown = || {
        format!(
            "unknown command {s:?}; one of: {}, or a command line (a spool verb, as tmux's: {}, …)",
            Command::NAMES.join(", "),
            VERBS[..12].join(", ")
        )
    };
    let Some(first) = words.first() else {
        return Err(unknown());
    };
    // `-p PROMPT` then the line, for the two prompting forms.
    let prompted = |default: &str| -> Result<(String, String), String> {
        let mut rest = &words[1..];
        let mut prompt = default.to_string();
        if rest.first().map(String::as_str) == Some("-p") {
            prompt = rest.get(1).ok_or("-p needs a prompt")?.clone();
            rest = &rest[2..];
        }
        match rest {
            [line] => Ok((prompt, line.clone())),
            _ => Err(format!("{first}: give one command line (quoted)")),
        }
    };
    match first.as_str() {
        "confirm-before" | "confirm" => {
            let (prompt, run) = prompted("")?;
            let prompt = if prompt.is_empty() {
                format!("{run}? (y/n)")
            } else {
                prompt
            };
            check_verb(&run)?;
            Ok(Command::Confirm { prompt, run })
        }
        "command-prompt" => {
            let (prompt, run) = prompted(":")?;
            check_verb(&run)?;
            Ok(Command::Prompt { prompt, run })
        }
        v if VERBS.contains(&v) => Ok(Command::Run(s.to_string())),
        _ => Err(unknown()),
    }
}

fn check_verb(line: &str) -> Result<(), String> {
    let words = split_words(line)?;
    match words.first() {
        Some(v) if VERBS.contains(&v.as_str()) => Ok(()),
        _ => Err(format!("{line:?}: not a spool command line")),
    }
}

/// One key binding: the key after the prefix, what it does, and whether it repeats (tmux's
/// `bind -r`: more presses within [`REPEAT_TIME`] need no prefix).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Binding {
    pub key: BindKey,
    pub command: Command,
    pub repeat: bool,
}

/// How long a repeatable binding stays armed after it ran (tmux's `repeat-time`).
pub const REPEAT_TIME: std::time::Duration = std::time::Duration::from_millis(500);

/// The default bindings (tmux's, with tabs for windows).
pub fn default_bindings() -> Vec<Binding> {
    use BindKey::*;
    use Command::*;
    let run = |s: &str| Run(s.to_string());
    let mut v = vec![
        (Byte(b'd'), Detach),
        (Byte(b'c'), NewTab),
        (Byte(b'n'), NextTab),
        (Byte(b'p'), PrevTab),
        (Byte(b'l'), run("last-tab")),
        (Byte(b'o'), run("select-pane -t :.+")),
        (Byte(b';'), run("last-pane")),
        (Byte(b'%'), SplitRight),
        (Byte(b'"'), SplitBelow),
        (Left, Focus(0)),
        (Byte(0x08), Focus(0)), // C-h
        (Down, Focus(1)),
        (Byte(0x0a), Focus(1)), // C-j
        (Up, Focus(2)),
        (Byte(0x0b), Focus(2)), // C-k
        (Right, Focus(3)),
        (Byte(0x0c), Focus(3)), // C-l
        (Byte(b'z'), Zoom),
        (Byte(b'x'), KillPane),
        (
            Byte(b'&'),
            Confirm {
                prompt: "kill this tab? (y/n)".into(),
                run: "kill-tab".into(),
            },
        ),
        (Byte(b'!'), run("break-pane")),
        (Byte(b'{'), run("swap-pane -U")),
        (Byte(b'}'), run("swap-pane -D")),
        (Byte(b' '), run("select-layout -n")),
        (Byte(0x0f), run("rotate-window")), // C-o
        (Meta(b'o'), run("rotate-window -D")),
        (Meta(b'1'), run("select-layout even-horizontal")),
        (Meta(b'2'), run("select-layout even-vertical")),
        (Meta(b'3'), run("select-layout main-horizontal")),
        (Meta(b'4'), run("select-layout main-vertical")),
        (Meta(b'5'), run("select-layout tiled")),
        (Byte(b'['), ScrollMode),
        (PageUp, ScrollMode),
        (Byte(b']'), run("paste-buffer -p")),
        (Byte(b'='), ChooseBuffer),
        (Byte(b'#'), run("list-buffers")),
        (Byte(b','), RenameTab),
        (
            Byte(b'$'),
            Prompt {
                prompt: "rename session: ".into(),
                run: "rename-session -- %%".into(),
            },
        ),
        (
            Byte(b'\''),
            Prompt {
                prompt: "tab index: ".into(),
                run: "select-tab -t %%".into(),
            },
        ),
        (Byte(b':'), CommandPrompt),
        (Byte(b'P'), run("display-popup --toggle")),
        (Byte(b'q'), DisplayPanes),
        (
            Byte(b'w'),
            ChooseTree {
                sessions_only: false,
            },
        ),
        (
            Byte(b's'),
            ChooseTree {
                sessions_only: true,
            },
        ),
        (Byte(b'r'), Redraw),
        (Byte(b'?'), Help),
    ];
    v.extend((0..10u8).map(|i| (Byte(b'0' + i), SelectTab(i as u16))));
    let mut out: Vec<Binding> = v
        .into_iter()
        .map(|(key, command)| Binding {
            key,
            command,
            repeat: false,
        })
        .collect();
    // Resizing, repeatable as in tmux: C-arrows by one cell, M-arrows by five.
    for (a, dir) in ["-U", "-D", "-L", "-R"].iter().enumerate() {
        for (mods, n) in [(MOD_CTRL, ""), (MOD_META, " 5")] {
            out.push(Binding {
                key: ModArrow(a as u8, mods),
                command: Run(format!("resize-pane {dir}{n}")),
                repeat: true,
            });
        }
    }
    out
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
    pub fg: Color,
    pub bg: Color,
}

impl Default for Status {
    fn default() -> Status {
        Status {
            left: "[{session}] ".into(),
            tab: "{index}:{name}{flags} ".into(),
            right: "{time}".into(),
            fg: Color::Indexed(0),
            bg: Color::Indexed(2),
        }
    }
}

/// Placeholders a status format may use.
pub const STATUS_FIELDS: &[&str] = &["session", "title", "host", "time", "date"];
/// Placeholders a tab format may use.
pub const TAB_FIELDS: &[&str] = &["index", "name", "flags"];

/// Expand `{name}` placeholders with `value`; `{{` and `}}` are literal braces, and tmux's
/// `#{…}` formats are left as they are (the server expands those). Errors name an unknown
/// placeholder or an unclosed brace.
pub fn expand(
    fmt: &str,
    known: &[&str],
    value: impl FnMut(&str) -> String,
) -> Result<String, String> {
    expand_with(fmt, known, value, true)
}

/// As [`expand`]; with `tmux_formats` false, a `#` before a placeholder is a plain `#` (the
/// text came from the server with its `#{…}` formats expanded already, `##` made `#`).
pub fn expand_with(
    fmt: &str,
    known: &[&str],
    mut value: impl FnMut(&str) -> String,
    tmux_formats: bool,
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
        if tmux_formats && out.ends_with('#') && !out.ends_with("##") {
            // A tmux format: through its matching brace, as written.
            let mut depth = 0usize;
            let end = tail
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .ok_or("an unclosed '#{'")?;
            out.push_str(&tail[..=end]);
            rest = &tail[end + 1..];
            continue;
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

/// The longest start of `s` within `max` bytes that [`expand_with`] reads as `s` would be
/// read: it never ends inside a `{{`, a `}}` or a `{name}` (a status part cut there would
/// be refused as a lone brace, and shown blank), nor inside a character.
pub fn cut_placeholders(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let b = s.as_bytes();
    let (mut i, mut safe) = (0usize, 0usize);
    while i < b.len() {
        let next = match b[i] {
            b'{' | b'}' if b.get(i + 1) == Some(&b[i]) => i + 2,
            b'{' => s[i..].find('}').map_or(b.len(), |e| i + e + 1),
            _ => i + s[i..].chars().next().map_or(1, char::len_utf8),
        };
        if next > max {
            break;
        }
        safe = next;
        i = next;
    }
    &s[..safe]
}

/// The eight color names, by palette index.
const COLOR_NAMES: [&str; 8] = [
    "black", "red", "green", "yellow", "blue", "magenta", "cyan", "white",
];

/// A color's name as [`parse_color`] reads it (`green`, `bright-red`, `colour123`,
/// `#rrggbb`, `default`).
pub fn color_name(c: Color) -> String {
    match c {
        Color::Indexed(i) => match i as usize {
            i @ 0..=7 => COLOR_NAMES[i].to_string(),
            i @ 8..=15 => format!("bright-{}", COLOR_NAMES[i - 8]),
            i => format!("colour{i}"),
        },
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Default => "default".into(),
    }
}

/// A color by name (`black` … `white`, `bright-red`, …), `colour123`/`color123`, `#rrggbb`, or
/// `default`.
pub fn parse_color(s: &str) -> Option<Color> {
    if s == "default" {
        return Some(Color::Default);
    }
    if let Some(i) = COLOR_NAMES.iter().position(|n| *n == s) {
        return Some(Color::Indexed(i as u8));
    }
    if let Some(i) = s
        .strip_prefix("bright-")
        .or_else(|| s.strip_prefix("bright"))
        .and_then(|n| COLOR_NAMES.iter().position(|x| *x == n))
    {
        return Some(Color::Indexed(i as u8 + 8));
    }
    if let Some(n) = s.strip_prefix("colour").or_else(|| s.strip_prefix("color")) {
        return n.parse::<u8>().ok().map(Color::Indexed);
    }
    let hex = s.strip_prefix('#')?;
    let rgb = (hex.len() == 6)
        .then(|| u32::from_str_radix(hex, 16).ok())
        .flatten()?;
    Some(Color::Rgb((rgb >> 16) as u8, (rgb >> 8) as u8, rgb as u8))
}

/// The client's part of the config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UiConfig {
    /// The prefix key's control byte (C-b = 2).
    pub prefix: u8,
    pub bindings: Vec<Binding>,
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
    pub fn binding(&self, key: BindKey) -> Option<&Binding> {
        self.bindings.iter().rev().find(|b| b.key == key)
    }

    /// Every binding as `list-keys` shows it: the key, then what it does, one per line.
    pub fn list(&self) -> Vec<String> {
        let prefix = BindKey::Byte(self.prefix).name();
        let mut lines: Vec<(String, String)> = self
            .bindings
            .iter()
            .map(|b| {
                let what = match &b.command {
                    Command::Run(line) => line.clone(),
                    Command::Confirm { prompt, run } => {
                        format!(
                            "confirm-before -p {} {}",
                            quote_word(prompt),
                            quote_word(run)
                        )
                    }
                    Command::Prompt { prompt, run } => {
                        format!(
                            "command-prompt -p {} {}",
                            quote_word(prompt),
                            quote_word(run)
                        )
                    }
                    Command::SelectTab(n) => format!("select-tab -t {n}"),
                    other => command_name(other).to_string(),
                };
                let flag = if b.repeat { "-r " } else { "   " };
                (b.key.name(), format!("{flag}{what}"))
            })
            .collect();
        lines.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(&b.0)));
        let width = lines.iter().map(|l| l.0.len()).max().unwrap_or(0);
        lines
            .into_iter()
            .map(|(k, what)| format!("{prefix} {k:<width$}  {what}"))
            .collect()
    }
}

/// A built-in command's config name.
fn command_name(c: &Command) -> &'static str {
    match c {
        Command::NewTab => "new-tab",
        Command::NextTab => "next-tab",
        Command::PrevTab => "previous-tab",
        Command::SelectTab(_) => "select-tab",
        Command::SplitRight => "split-right",
        Command::SplitBelow => "split-below",
        Command::Focus(0) => "focus-left",
        Command::Focus(1) => "focus-down",
        Command::Focus(2) => "focus-up",
        Command::Focus(_) => "focus-right",
        Command::Zoom => "zoom",
        Command::KillPane => "kill-pane",
        Command::Detach => "detach",
        Command::ScrollMode => "scroll-mode",
        Command::ChooseTree {
            sessions_only: false,
        } => "choose-tree",
        Command::ChooseTree {
            sessions_only: true,
        } => "choose-session",
        Command::RenameTab => "rename-tab",
        Command::Help => "help",
        Command::Redraw => "redraw",
        Command::SendPrefix => "send-prefix",
        Command::CommandPrompt => "command-prompt",
        Command::DisplayPanes => "display-panes",
        Command::ChooseBuffer => "choose-buffer",
        Command::Run(_) | Command::Confirm { .. } | Command::Prompt { .. } => "run",
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
        assert_eq!(BindKey::parse("C-Up"), Some(BindKey::ModArrow(0, MOD_CTRL)));
        assert_eq!(BindKey::parse("M-S-Left"), Some(BindKey::ModArrow(2, 3)));
        assert_eq!(BindKey::parse("M-o"), Some(BindKey::Meta(b'o')));
        for k in ["C-Up", "M-Right", "M-o", "C-b", "Space", "%", "PageUp"] {
            assert_eq!(BindKey::parse(k).unwrap().name(), k);
        }
        assert_eq!(Command::parse("split-right"), Ok(Some(Command::SplitRight)));
        assert_eq!(
            Command::parse("select-layout tiled"),
            Ok(Some(Command::Run("select-layout tiled".into())))
        );
        assert_eq!(
            Command::parse("confirm-before -p 'go? ' 'kill-window'"),
            Ok(Some(Command::Confirm {
                prompt: "go? ".into(),
                run: "kill-window".into()
            }))
        );
        assert!(Command::parse("rm -rf /").is_err());
        assert_eq!(
            split_words(r#"a 'b c' "d \"e" f\ g"#).unwrap(),
            ["a", "b c", "d \"e", "f g"]
        );
        assert_eq!(
            split_words(&format!("x {}", quote_word("it's"))).unwrap(),
            ["x", "it's"]
        );
        assert_eq!(
            Command::parse("select-tab-12"),
            Ok(Some(Command::SelectTab(12)))
        );
        assert_eq!(Command::parse("none"), Ok(None));
        assert!(Command::parse("splat").unwrap_err().contains("split-right"));
        let ui = UiConfig::default();
        assert_eq!(
            ui.binding(BindKey::Byte(b'%')).map(|b| &b.command),
            Some(&Command::SplitRight)
        );
        assert!(ui.binding(BindKey::Byte(b'Q')).is_none());
        assert!(ui.binding(BindKey::ModArrow(0, MOD_CTRL)).unwrap().repeat);
        let list = ui.list();
        assert!(
            list.iter()
                .any(|l| l.starts_with("C-b C-Up") && l.ends_with("-r resize-pane -U")),
            "{list:?}"
        );
    }

    #[test]
    fn a_status_part_is_cut_only_between_whole_placeholders_and_braces() {
        let v = |k: &str| k.to_uppercase();
        let s = "ab{{cd}}{time}é";
        for max in 0..=s.len() {
            let cut = cut_placeholders(s, max);
            assert!(cut.len() <= max, "{max}");
            assert!(
                expand_with(cut, STATUS_FIELDS, v, false).is_ok(),
                "{max}: {cut:?}"
            );
        }
        assert_eq!(cut_placeholders(s, 3), "ab");
        assert_eq!(cut_placeholders(s, 9), "ab{{cd}}");
        assert_eq!(cut_placeholders(s, 13), "ab{{cd}}");
        assert_eq!(cut_placeholders(s, 14), "ab{{cd}}{time}");
        assert_eq!(cut_placeholders(s, 15), "ab{{cd}}{time}");
        assert_eq!(cut_placeholders(s, 16), s);
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
        // tmux formats pass through whole (the server expands them), nested ones too; `##{`
        // is a `#` and a placeholder.
        assert_eq!(
            expand("#{?pane_active,#{pane_id},x} {session}", STATUS_FIELDS, v).unwrap(),
            "#{?pane_active,#{pane_id},x} SESSION"
        );
        assert!(expand("#{open", STATUS_FIELDS, v).is_err());
        assert_eq!(expand("##{title}", STATUS_FIELDS, v).unwrap(), "##TITLE");
        assert_eq!(parse_color("green"), Some(Color::Indexed(2)));
        for name in ["green", "bright-red", "colour200", "#12ab34", "default"] {
            assert_eq!(color_name(parse_color(name).unwrap()), name);
        }
        assert_eq!(parse_color("bright-red"), Some(Color::Indexed(9)));
        assert_eq!(parse_color("colour200"), Some(Color::Indexed(200)));
        assert_eq!(parse_color("#ff8000"), Some(Color::Rgb(0xff, 0x80, 0)));
        assert_eq!(parse_color("#ff80"), None);
        assert_eq!(parse_color("mauve"), None);
    }
}
