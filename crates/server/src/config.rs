//! `~/.config/spool/config.toml` (or `$XDG_CONFIG_HOME/spool/config.toml`). Optional; a bad
//! file is reported with its line and column and the defaults are used.
//!
//! ```toml
//! prefix = "C-a"                  # the prefix key (default C-b)
//! history_bytes_per_pane = "2G"   # disk kept per pane (default 1G; 0 = unlimited)
//! history_bytes_total = "20G"     # disk kept across panes (default 0 = unlimited)
//! compression_level = 3           # zstd level of history segments (1-19, default 3)
//! window_size = "latest"          # sessions follow the latest active client ("smallest": tmux)
//! ```
//!
//! The server reads the history settings when it starts; the client reads the prefix when it
//! attaches.

use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    prefix: Option<String>,
    history_bytes_per_pane: Option<Size>,
    history_bytes_total: Option<Size>,
    compression_level: Option<i32>,
    window_size: Option<String>,
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
#[derive(Debug)]
pub struct Config {
    pub prefix: u8,
    pub store: spool_store::StoreConfig,
    /// Sessions follow their latest active client's size (else the smallest client's).
    pub size_latest: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            prefix: crate::attach::DEFAULT_PREFIX,
            store: spool_store::StoreConfig::default(),
            size_latest: false,
        }
    }
}

pub fn path() -> std::path::PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".config")
        });
    base.join("spool/config.toml")
}

/// Parse a config text.
pub fn parse(text: &str) -> Result<Config, String> {
    let f: File = toml::from_str(text).map_err(|e| {
        let pos = e
            .span()
            .map(|s| {
                let before = &text[..s.start.min(text.len())];
                let line = before.matches('\n').count() + 1;
                let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                format!("line {line}, column {col}: ")
            })
            .unwrap_or_default();
        format!("{pos}{}", e.message())
    })?;
    let mut c = Config::default();
    if let Some(p) = f.prefix {
        c.prefix = parse_key(&p).ok_or_else(|| format!("prefix: not a control key: {p:?}"))?;
    }
    if let Some(s) = f.history_bytes_per_pane {
        c.store.retention_pane_bytes = s
            .bytes()
            .map_err(|e| format!("history_bytes_per_pane: {e}"))?;
    }
    if let Some(s) = f.history_bytes_total {
        c.store.retention_total_bytes =
            s.bytes().map_err(|e| format!("history_bytes_total: {e}"))?;
    }
    if let Some(l) = f.compression_level {
        if !(1..=19).contains(&l) {
            return Err(format!("compression_level: {l} is not in 1-19"));
        }
        c.store.zstd_level = l;
    }
    match f.window_size.as_deref() {
        None | Some("smallest") => {}
        Some("latest") => c.size_latest = true,
        Some(other) => {
            return Err(format!(
                "window_size: {other:?} is not \"smallest\" or \"latest\""
            ))
        }
    }
    Ok(c)
}

/// `C-x` (or `^x`) to its control byte.
fn parse_key(s: &str) -> Option<u8> {
    let k = s.strip_prefix("C-").or_else(|| s.strip_prefix("^"))?;
    let b = k.as_bytes();
    (b.len() == 1 && b[0].is_ascii_alphabetic()).then(|| b[0].to_ascii_lowercase() - b'a' + 1)
}

/// The user's config (defaults without a file), or what is wrong with it.
pub fn try_load() -> Result<Config, String> {
    let p = path();
    match std::fs::read_to_string(&p) {
        Err(_) => Ok(Config::default()),
        Ok(text) => parse(&text).map_err(|e| format!("{}: {e}", p.display())),
    }
}

/// The user's config, or the defaults (with a message on stderr for a bad file).
pub fn load() -> Config {
    try_load().unwrap_or_else(|e| {
        eprintln!("spool: {e} (using defaults)");
        Config::default()
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn prefix_and_errors() {
        assert_eq!(super::parse("prefix = \"C-a\"").unwrap().prefix, 1);
        assert_eq!(super::parse("").unwrap().prefix, 2);
        let e = super::parse("\n\nprefix = 3").unwrap_err();
        assert!(e.starts_with("line 3, column 10"), "{e}");
        let e = super::parse("prefx = \"C-a\"").unwrap_err();
        assert!(e.contains("line 1"), "{e}");
        let c = super::parse("history_bytes_per_pane = \"2G\"\ncompression_level = 5").unwrap();
        assert_eq!(c.store.retention_pane_bytes, 2 << 30);
        assert_eq!(c.store.zstd_level, 5);
        assert!(super::parse("compression_level = 40").is_err());
        assert!(
            super::parse("window_size = \"latest\"")
                .unwrap()
                .size_latest
        );
        assert!(super::parse("window_size = \"biggest\"").is_err());
        assert!(super::parse("history_bytes_total = \"lots\"").is_err());
    }
}
