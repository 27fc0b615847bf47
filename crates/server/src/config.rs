//! The config file: `$XDG_CONFIG_HOME/spool/config.toml` (default `~/.config/spool/`). Optional;
//! every setting has a default. The server reads it when it starts and on `spool reload`; a bad
//! file is reported with its line and column, and the server keeps the config it had.
//!
//! ```toml
//! prefix = "C-a"                  # the prefix key (default C-b)
//! history_bytes_per_pane = "2G"   # disk kept per pane (default 1G; 0 = unlimited)
//! history_bytes_total = "20G"     # disk kept across panes (default 0 = unlimited)
//! compression_level = 3           # zstd level of history segments (1-19, default 3)
//! window_size = "latest"          # sessions follow the latest active client ("smallest": tmux)
//! update_environment = ["DISPLAY", "SSH_AUTH_SOCK"]   # refreshed from each attaching client
//! new_pane_cwd = "pane"           # new panes from keys: "pane" (its cwd), "session", "home"
//! clipboard = "external"          # OSC 52 from programs to your terminal ("off": dropped)
//! monitor_bell = true             # BEL: to your terminal when the pane is shown, else a flag
//! restore = "on"                  # save sessions, and bring them back at start ("off": neither)
//! restore_programs = ["vim", "less"]   # programs started again on restore (default: tmux-resurrect's)
//! closed_history_days = 7         # how long a closed pane's history is kept
//! max_panes = 1000                # most panes at once (each costs memory, a PTY, a process)
//! shell_integration = true        # new shells (bash, zsh, fish) mark prompts and commands for
//!                                 # `spool run`/`commands`, your rc files untouched (default off)
//!
//! [bindings]                      # key after the prefix = command ("none" unbinds)
//! "|" = "split-right"
//! "-" = "split-below"
//! "C-l" = "next-tab"
//! "M-Up" = "-r resize-pane -U 10" # any spool command line; -r: repeats without the prefix
//! "X" = "confirm-before -p 'kill? ' kill-session"
//!
//! [status]
//! left = "[{session}] "           # {session} {title} {host} {time} {date}
//! tab = "{index}:{name}{flags} "  # {index} {name} {flags}
//! right = "#{pane_current_command} {time}"  # tmux's #{…} formats too, for the focused pane
//! fg = "black"                    # a name, bright-NAME, colour0-255, #rrggbb, default
//! bg = "green"
//! ```
//!
//! History settings (budgets, compression) apply from the next server start; the rest at once.

use std::collections::BTreeMap;

use serde::Deserialize;
use spool_proto::ui::{self, BindKey, Command, UiConfig};
use toml::Spanned;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    prefix: Option<Spanned<String>>,
    history_bytes_per_pane: Option<Spanned<Size>>,
    history_bytes_total: Option<Spanned<Size>>,
    compression_level: Option<Spanned<i32>>,
    window_size: Option<Spanned<String>>,
    update_environment: Option<Spanned<Vec<String>>>,
    new_pane_cwd: Option<Spanned<String>>,
    clipboard: Option<Spanned<String>>,
    monitor_bell: Option<bool>,
    restore: Option<Spanned<String>>,
    restore_programs: Option<Spanned<Vec<String>>>,
    closed_history_days: Option<Spanned<u32>>,
    max_panes: Option<Spanned<u32>>,
    shell_integration: Option<bool>,
    #[serde(default)]
    bindings: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    status: StatusFile,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct StatusFile {
    left: Option<Spanned<String>>,
    tab: Option<Spanned<String>>,
    right: Option<Spanned<String>>,
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
}

/// A byte count as a number or a string with a K/M/G suffix.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    fn bytes(&self) -> Result<u64, String> {
        match self {
            Size::Bytes(n) => Ok(*n),
            Size::Text(t) => {
                let t = t.trim();
                let (num, mul) = match t.char_indices().last() {
                    Some((i, 'K' | 'k')) => (&t[..i], 1u64 << 10),
                    Some((i, 'M' | 'm')) => (&t[..i], 1 << 20),
                    Some((i, 'G' | 'g')) => (&t[..i], 1 << 30),
                    Some((i, 'T' | 't')) => (&t[..i], 1 << 40),
                    _ => (t, 1),
                };
                num.trim()
                    .parse::<u64>()
                    .map(|n| n.saturating_mul(mul))
                    .map_err(|_| format!("not a size: {t:?} (e.g. 512M, 2G)"))
            }
        }
    }
}

/// The settings in effect.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Prefix key, bindings, status line: handed to attached clients.
    pub ui: UiConfig,
    pub store: spool_store::StoreConfig,
    /// Sessions follow their latest active client's size (else the smallest client's).
    pub size_latest: bool,
    /// How new panes start and what reaches the client's terminal.
    pub panes: PaneSettings,
    /// Saved state and history kept on disk.
    pub persist: PersistSettings,
}

/// tmux-resurrect's default list: programs a restored pane starts again, with their arguments.
pub const RESTORE_PROGRAMS: &[&str] = &[
    "vi", "vim", "nvim", "emacs", "man", "less", "more", "tail", "top", "htop",
];

/// Most programs in `restore_programs`.
pub const RESTORE_PROGRAMS_MAX: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub struct PersistSettings {
    /// A starting server restores the saved sessions.
    pub restore: bool,
    /// Programs started again on restore (matched by the name of the file run).
    pub restore_programs: Vec<String>,
    /// Days a closed pane's history is kept.
    pub closed_history_days: u32,
}

impl Default for PersistSettings {
    fn default() -> Self {
        PersistSettings {
            restore: true,
            restore_programs: RESTORE_PROGRAMS.iter().map(|s| s.to_string()).collect(),
            closed_history_days: 7,
        }
    }
}

/// tmux's `update-environment` default: what a client's terminal session brings with it.
pub const UPDATE_ENVIRONMENT: &[&str] = &[
    "DISPLAY",
    "KRB5CCNAME",
    "SSH_ASKPASS",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "SSH_CONNECTION",
    "WINDOWID",
    "XAUTHORITY",
];

/// Most variables in `update_environment` (each session keeps a value for each).
pub const UPDATE_ENVIRONMENT_MAX: usize = 64;

/// Where a pane opened by a key starts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NewPaneCwd {
    /// The focused pane's current directory (OSC 7, else `/proc/PID/cwd`).
    #[default]
    Pane,
    /// The directory the session was created in.
    Session,
    /// `$HOME`.
    Home,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PaneSettings {
    /// Variables refreshed from each client that creates or attaches to a session.
    pub update_environment: Vec<String>,
    pub new_pane_cwd: NewPaneCwd,
    /// OSC 52 clipboard writes from programs go to attached clients' terminals (tmux's
    /// `set-clipboard external`); reads are never answered.
    pub clipboard: bool,
    /// BEL from a pane rings the client's terminal when the pane is shown, and flags its tab
    /// (`!`) when it is not.
    pub monitor_bell: bool,
    /// Most panes the server runs at once (see [`MAX_PANES_DEFAULT`]).
    pub max_panes: u32,
    /// Panes that run the user's shell get spool's shell integration (`shell.rs`).
    pub shell_integration: bool,
}

/// Default `max_panes`: a pane holds a screen, an open history segment, a PTY and a process
/// (a few hundred KiB to a few MiB, by its size), so a thousand bound the server to a few GiB
/// whatever scripts open; far past what a person keeps (tmux has no limit).
pub const MAX_PANES_DEFAULT: u32 = 1000;

impl Default for PaneSettings {
    fn default() -> Self {
        PaneSettings {
            update_environment: UPDATE_ENVIRONMENT.iter().map(|s| s.to_string()).collect(),
            new_pane_cwd: NewPaneCwd::Pane,
            clipboard: true,
            monitor_bell: true,
            shell_integration: false,
            max_panes: MAX_PANES_DEFAULT,
        }
    }
}

/// Where the config file is.
pub fn path() -> std::path::PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".config")
        });
    base.join("spool/config.toml")
}

/// "line L, column C: " for a byte offset of `text`.
fn position(text: &str, at: usize) -> String {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    format!("line {line}, column {col}: ")
}

/// Parse a config text; errors start with the line and column they are about.
pub fn parse(text: &str) -> Result<Config, String> {
    let f: File = toml::from_str(text).map_err(|e| {
        let pos = e
            .span()
            .map(|s| position(text, s.start))
            .unwrap_or_default();
        format!("{pos}{}", e.message().trim_end())
    })?;
    // An error about a value, placed at that value.
    let at = |span: std::ops::Range<usize>, what: &str, msg: String| {
        format!("{}{what}: {msg}", position(text, span.start))
    };
    let mut c = Config::default();
    if let Some(p) = f.prefix {
        let b = p
            .get_ref()
            .strip_prefix("C-")
            .or_else(|| p.get_ref().strip_prefix('^'))
            .and_then(ui::control_byte)
            .ok_or_else(|| {
                at(
                    p.span(),
                    "prefix",
                    format!("not a control key: {:?} (e.g. \"C-a\")", p.get_ref()),
                )
            })?;
        if b == 0x1b {
            return Err(at(
                p.span(),
                "prefix",
                "C-[ is Escape, which starts every arrow and function key; choose another".into(),
            ));
        }
        c.ui.prefix = b;
    }
    if let Some(s) = f.history_bytes_per_pane {
        c.store.retention_pane_bytes = s
            .get_ref()
            .bytes()
            .map_err(|e| at(s.span(), "history_bytes_per_pane", e))?;
    }
    if let Some(s) = f.history_bytes_total {
        c.store.retention_total_bytes = s
            .get_ref()
            .bytes()
            .map_err(|e| at(s.span(), "history_bytes_total", e))?;
    }
    if let Some(l) = f.compression_level {
        let v = *l.get_ref();
        if !(1..=19).contains(&v) {
            return Err(at(
                l.span(),
                "compression_level",
                format!("{v} is not in 1-19"),
            ));
        }
        c.store.zstd_level = v;
    }
    if let Some(w) = f.window_size {
        match w.get_ref().as_str() {
            "smallest" => {}
            "latest" => c.size_latest = true,
            other => {
                return Err(at(
                    w.span(),
                    "window_size",
                    format!("{other:?} is not \"smallest\" or \"latest\""),
                ))
            }
        }
    }
    if let Some(v) = f.update_environment {
        if v.get_ref().len() > UPDATE_ENVIRONMENT_MAX {
            return Err(at(
                v.span(),
                "update_environment",
                format!("at most {UPDATE_ENVIRONMENT_MAX} variables"),
            ));
        }
        if let Some(bad) = v
            .get_ref()
            .iter()
            .find(|n| n.is_empty() || n.contains('=') || n.len() > 256)
        {
            return Err(at(
                v.span(),
                "update_environment",
                format!("not a variable name: {bad:?}"),
            ));
        }
        c.panes.update_environment = v.into_inner();
    }
    if let Some(v) = f.new_pane_cwd {
        c.panes.new_pane_cwd = match v.get_ref().as_str() {
            "pane" => NewPaneCwd::Pane,
            "session" => NewPaneCwd::Session,
            "home" => NewPaneCwd::Home,
            other => {
                return Err(at(
                    v.span(),
                    "new_pane_cwd",
                    format!("{other:?} is not \"pane\", \"session\" or \"home\""),
                ))
            }
        };
    }
    if let Some(v) = f.clipboard {
        c.panes.clipboard = match v.get_ref().as_str() {
            "external" => true,
            "off" => false,
            other => {
                return Err(at(
                    v.span(),
                    "clipboard",
                    format!("{other:?} is not \"external\" or \"off\""),
                ))
            }
        };
    }
    if let Some(b) = f.shell_integration {
        c.panes.shell_integration = b;
    }
    if let Some(b) = f.monitor_bell {
        c.panes.monitor_bell = b;
    }
    if let Some(v) = f.restore {
        c.persist.restore = match v.get_ref().as_str() {
            "on" => true,
            "off" => false,
            other => {
                return Err(at(
                    v.span(),
                    "restore",
                    format!("{other:?} is not \"on\" or \"off\""),
                ))
            }
        };
    }
    if let Some(v) = f.restore_programs {
        if v.get_ref().len() > RESTORE_PROGRAMS_MAX {
            return Err(at(
                v.span(),
                "restore_programs",
                format!("at most {RESTORE_PROGRAMS_MAX} programs"),
            ));
        }
        c.persist.restore_programs = v.into_inner();
    }
    if let Some(v) = f.closed_history_days {
        c.persist.closed_history_days = *v.get_ref();
    }
    if let Some(v) = f.max_panes {
        if *v.get_ref() == 0 {
            return Err(at(v.span(), "max_panes", "at least 1".into()));
        }
        c.panes.max_panes = *v.get_ref();
    }
    let mut seen: Vec<(BindKey, String)> = Vec::new();
    for (key, cmd) in &f.bindings {
        let k = BindKey::parse(key.get_ref()).ok_or_else(|| {
            at(
                key.span(),
                "bindings",
                format!(
                    "not a key: {:?} (e.g. \"c\", \"C-x\", \"Up\", \"PageDown\")",
                    key.get_ref()
                ),
            )
        })?;
        // `-r` first: the binding repeats (tmux's `bind -r`).
        let (repeat, line) = match cmd.get_ref().strip_prefix("-r ") {
            Some(rest) => (true, rest.trim_start()),
            None => (false, cmd.get_ref().as_str()),
        };
        let command = Command::parse(line)
            .map_err(|e| at(cmd.span(), &format!("bindings.{}", key.get_ref()), e))?;
        if let Some(first) = seen.iter().find(|(bk, _)| *bk == k) {
            return Err(at(
                key.span(),
                "bindings",
                format!("{:?} is the same key as {:?}", key.get_ref(), first.1),
            ));
        }
        seen.push((k, key.get_ref().clone()));
        c.ui.bindings.retain(|b| b.key != k);
        if let Some(command) = command {
            c.ui.bindings.push(ui::Binding {
                key: k,
                command,
                repeat,
            });
        }
    }
    let st = &mut c.ui.status;
    for (field, slot, known) in [
        (&f.status.left, &mut st.left, ui::STATUS_FIELDS),
        (&f.status.tab, &mut st.tab, ui::TAB_FIELDS),
        (&f.status.right, &mut st.right, ui::STATUS_FIELDS),
    ] {
        if let Some(v) = field {
            ui::expand(v.get_ref(), known, |_| String::new())
                .map_err(|e| at(v.span(), "status", e))?;
            *slot = v.get_ref().clone();
        }
    }
    for (field, slot) in [(&f.status.fg, &mut st.fg), (&f.status.bg, &mut st.bg)] {
        if let Some(v) = field {
            *slot = ui::parse_color(v.get_ref()).ok_or_else(|| {
                at(
                    v.span(),
                    "status",
                    format!(
                        "not a color: {:?} (a name, colour0-255, #rrggbb)",
                        v.get_ref()
                    ),
                )
            })?;
        }
    }
    Ok(c)
}

/// The user's config (the defaults without a file), or what is wrong with it.
pub fn load() -> Result<Config, String> {
    load_with(&Options::new())
}

/// The user's config with the values `set-option -g` gave at runtime on top (they are kept
/// by the server, never written to the file).
pub fn load_with(options: &Options) -> Result<Config, String> {
    let p = path();
    let text = match std::fs::read_to_string(&p) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(format!("{}: {e}", p.display())),
        Ok(text) => text,
    };
    // The file alone first, so its errors name its own lines.
    let from_file = parse(&text).map_err(|e| format!("{}: {e}", p.display()))?;
    if options.is_empty() {
        return Ok(from_file);
    }
    let mut table: toml::Table = toml::from_str(&text).map_err(|e| e.to_string())?;
    for (name, value) in options {
        put(&mut table, option_path(name).unwrap_or(&[]), value.clone());
    }
    let merged = toml::to_string(&table).map_err(|e| e.to_string())?;
    parse(&merged).map_err(|e| format!("with the options set: {e}"))
}

/// The options set at runtime (`set-option -g`), by tmux-style name: at most one value per
/// option of [`OPTIONS`], each at most [`OPTION_VALUE_MAX_BYTES`].
pub type Options = BTreeMap<&'static str, toml::Value>;

/// Longest value `set-option` takes: a status format or a list of names, typed by hand.
pub const OPTION_VALUE_MAX_BYTES: usize = 4096;

/// How an option's value is written on the command line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    /// `on`/`off` (also `true`/`false`, `1`/`0`).
    Flag,
    Number,
    /// A number, or text with a K/M/G suffix.
    Size,
    /// Names separated by spaces or commas.
    List,
}

/// The options `set-option -g` and `show-options -g` know: tmux-style names (`_` works for
/// `-`), where each lives in the config file, and how its value is written.
pub const OPTIONS: &[&str] = &[
    "prefix",
    "history-bytes-per-pane",
    "history-bytes-total",
    "compression-level",
    "window-size",
    "update-environment",
    "new-pane-cwd",
    "clipboard",
    "monitor-bell",
    "restore",
    "restore-programs",
    "closed-history-days",
    "max-panes",
    "shell-integration",
    "status-left",
    "status-tab",
    "status-right",
    "status-fg",
    "status-bg",
];

fn option_kind(name: &str) -> Kind {
    match name {
        "monitor-bell" | "shell-integration" => Kind::Flag,
        "compression-level" | "closed-history-days" | "max-panes" => Kind::Number,
        "history-bytes-per-pane" | "history-bytes-total" => Kind::Size,
        "update-environment" | "restore-programs" => Kind::List,
        _ => Kind::Text,
    }
}

/// Where option `name` is in the file: `["status", "left"]` for `status-left`.
fn option_path(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "prefix" => &["prefix"],
        "history-bytes-per-pane" => &["history_bytes_per_pane"],
        "history-bytes-total" => &["history_bytes_total"],
        "compression-level" => &["compression_level"],
        "window-size" => &["window_size"],
        "update-environment" => &["update_environment"],
        "new-pane-cwd" => &["new_pane_cwd"],
        "clipboard" => &["clipboard"],
        "monitor-bell" => &["monitor_bell"],
        "restore" => &["restore"],
        "restore-programs" => &["restore_programs"],
        "closed-history-days" => &["closed_history_days"],
        "max-panes" => &["max_panes"],
        "shell-integration" => &["shell_integration"],
        "status-left" => &["status", "left"],
        "status-tab" => &["status", "tab"],
        "status-right" => &["status", "right"],
        "status-fg" => &["status", "fg"],
        "status-bg" => &["status", "bg"],
        _ => return None,
    })
}

fn put(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    match path {
        [] => {}
        [key] => {
            table.insert(key.to_string(), value);
        }
        [key, rest @ ..] => {
            let sub = table
                .entry(key.to_string())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(t) = sub {
                put(t, rest, value);
            }
        }
    }
}

/// A global option's name as [`OPTIONS`] spells it (`status_left` → `status-left`).
pub fn option_name(name: &str) -> Result<&'static str, String> {
    let n = name.replace('_', "-");
    OPTIONS
        .iter()
        .copied()
        .find(|o| *o == n)
        .ok_or_else(|| format!("invalid option: {name}"))
}

/// The value `set-option NAME VALUE` means, checked as the config file's would be (`None`
/// for a flag toggles it, as tmux does: `current` is its value now).
pub fn option_value(
    name: &'static str,
    value: Option<&str>,
    current: &Config,
) -> Result<toml::Value, String> {
    let kind = option_kind(name);
    let value = match (value, kind) {
        (None, Kind::Flag) => {
            let now = match name {
                "shell-integration" => current.panes.shell_integration,
                _ => current.panes.monitor_bell,
            };
            return Ok(toml::Value::Boolean(!now));
        }
        (None, _) => return Err(format!("{name}: give a value")),
        (Some(v), _) => v,
    };
    if value.len() > OPTION_VALUE_MAX_BYTES {
        return Err(format!(
            "{name}: a value is at most {OPTION_VALUE_MAX_BYTES} bytes"
        ));
    }
    let v = match kind {
        Kind::Text => toml::Value::String(value.to_string()),
        Kind::Flag => toml::Value::Boolean(match value {
            "on" | "true" | "1" | "yes" => true,
            "off" | "false" | "0" | "no" => false,
            _ => return Err(format!("{name}: {value:?} is not on or off")),
        }),
        Kind::Number => toml::Value::Integer(
            value
                .parse()
                .map_err(|_| format!("{name}: {value:?} is not a number"))?,
        ),
        Kind::Size => match value.parse::<i64>() {
            Ok(n) => toml::Value::Integer(n),
            Err(_) => toml::Value::String(value.to_string()),
        },
        Kind::List => toml::Value::Array(
            value
                .split([' ', ','])
                .filter(|w| !w.is_empty())
                .map(|w| toml::Value::String(w.to_string()))
                .collect(),
        ),
    };
    // Checked alone, as a file holding only this setting.
    let mut t = toml::Table::new();
    put(&mut t, option_path(name).unwrap_or(&[]), v.clone());
    let text = toml::to_string(&t).map_err(|e| e.to_string())?;
    parse(&text).map_err(|e| {
        let msg = e
            .split_once(": ")
            .map_or(e.as_str(), |(_, m)| m)
            .to_string();
        format!("{name}: {msg}")
    })?;
    Ok(v)
}

/// Every global option's value in effect, as `show-options -g` prints it (`name value`).
pub fn show(c: &Config) -> Vec<(&'static str, String)> {
    let onoff = |b: bool| if b { "on" } else { "off" }.to_string();
    let quoted = |s: &str| {
        if s.is_empty() || s.contains([' ', '"', '#', '\\']) {
            format!("{s:?}")
        } else {
            s.to_string()
        }
    };
    let st = &c.ui.status;
    OPTIONS
        .iter()
        .map(|&name| {
            let v = match name {
                "prefix" => BindKey::Byte(c.ui.prefix).name(),
                "history-bytes-per-pane" => c.store.retention_pane_bytes.to_string(),
                "history-bytes-total" => c.store.retention_total_bytes.to_string(),
                "compression-level" => c.store.zstd_level.to_string(),
                "window-size" => if c.size_latest { "latest" } else { "smallest" }.into(),
                "update-environment" => quoted(&c.panes.update_environment.join(" ")),
                "new-pane-cwd" => match c.panes.new_pane_cwd {
                    NewPaneCwd::Pane => "pane",
                    NewPaneCwd::Session => "session",
                    NewPaneCwd::Home => "home",
                }
                .into(),
                "clipboard" => if c.panes.clipboard { "external" } else { "off" }.into(),
                "monitor-bell" => onoff(c.panes.monitor_bell),
                "restore" => onoff(c.persist.restore),
                "restore-programs" => quoted(&c.persist.restore_programs.join(" ")),
                "closed-history-days" => c.persist.closed_history_days.to_string(),
                "max-panes" => c.panes.max_panes.to_string(),
                "shell-integration" => onoff(c.panes.shell_integration),
                "status-left" => quoted(&st.left),
                "status-tab" => quoted(&st.tab),
                "status-right" => quoted(&st.right),
                "status-fg" => ui::color_name(st.fg),
                _ => ui::color_name(st.bg),
            };
            (name, v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example config in README.md is a config this server takes.
    #[test]
    fn the_readme_example_config_parses() {
        let readme = include_str!("../../../README.md");
        let start = readme.find("```toml\n").expect("a toml block") + 8;
        let len = readme[start..].find("```").expect("its end");
        let c = parse(&readme[start..start + len]).unwrap();
        assert_eq!(c.ui.prefix, 1);
        assert!(c.ui.bindings.iter().any(|b| b.repeat));
    }

    #[test]
    fn settings_and_their_errors() {
        assert_eq!(parse("prefix = \"C-a\"").unwrap().ui.prefix, 1);
        assert_eq!(parse("").unwrap(), Config::default());
        let e = parse("\n\nprefix = 3").unwrap_err();
        assert!(e.starts_with("line 3, column 10"), "{e}");
        let e = parse("prefix = \"x\"").unwrap_err();
        assert!(e.starts_with("line 1, column 10: prefix"), "{e}");
        let e = parse("prefx = \"C-a\"").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let c = parse("history_bytes_per_pane = \"2G\"\ncompression_level = 5").unwrap();
        assert_eq!(c.store.retention_pane_bytes, 2 << 30);
        assert_eq!(c.store.zstd_level, 5);
        assert!(parse("compression_level = 40")
            .unwrap_err()
            .starts_with("line 1, column 21"));
        assert!(parse("window_size = \"latest\"").unwrap().size_latest);
        assert!(parse("window_size = \"biggest\"").is_err());
        assert!(parse("history_bytes_total = \"lots\"").is_err());
    }

    #[test]
    fn bindings() {
        let c =
            parse("[bindings]\n\"|\" = \"split-right\"\n\"%\" = \"none\"\nC-l = \"next-tab\"\n")
                .unwrap();
        let cmd = |c: &Config, k: BindKey| c.ui.binding(k).map(|b| b.command.clone());
        assert_eq!(cmd(&c, BindKey::Byte(b'|')), Some(Command::SplitRight));
        assert_eq!(cmd(&c, BindKey::Byte(b'%')), None);
        assert_eq!(cmd(&c, BindKey::Byte(0x0c)), Some(Command::NextTab));
        assert_eq!(cmd(&c, BindKey::Byte(b'c')), Some(Command::NewTab));
        let e = parse("[bindings]\n\"|\" = \"split-sideways\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2, column 7: bindings.|: unknown command"),
            "{e}"
        );
        let e = parse("[bindings]\nEnter = \"zoom\"\nC-m = \"help\"\n").unwrap_err();
        assert!(e.contains("same key"), "{e}");
        assert!(parse("prefix = \"C-[\"").unwrap_err().contains("Escape"));
        assert_eq!(parse("prefix = \"C-Space\"").unwrap().ui.prefix, 0);
        let c = parse("[bindings]\n\"^\" = \"zoom\"\n").unwrap();
        assert_eq!(cmd(&c, BindKey::Byte(b'^')), Some(Command::Zoom));
        let c = parse("[bindings]\n\"M-Up\" = \"-r resize-pane -U 10\"\n").unwrap();
        let b = c.ui.binding(BindKey::ModArrow(0, ui::MOD_META)).unwrap();
        assert!(b.repeat);
        assert_eq!(b.command, Command::Run("resize-pane -U 10".into()));
        let e = parse("[bindings]\nxy = \"zoom\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2, column 1: bindings: not a key"),
            "{e}"
        );
    }

    #[test]
    fn status() {
        let c = parse("[status]\nright = \"{host} {time}\"\nbg = \"#102030\"\n").unwrap();
        assert_eq!(c.ui.status.right, "{host} {time}");
        assert_eq!(c.ui.status.bg, spool_proto::Color::Rgb(0x10, 0x20, 0x30));
        let e = parse("[status]\nleft = \"{sesion}\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2, column 8: status: unknown placeholder {sesion}"),
            "{e}"
        );
        let e = parse("[status]\nfg = \"mauve\"\n").unwrap_err();
        assert!(e.starts_with("line 2, column 6"), "{e}");
        assert!(parse("[status]\ncolour = 1\n").is_err());
        // Columns count characters, not bytes.
        let e = parse("[status]\nleft = \"→→\" x\n").unwrap_err();
        assert!(e.starts_with("line 2, column 13"), "{e}");
    }
}
