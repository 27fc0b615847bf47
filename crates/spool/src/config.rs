//! `~/.config/spool/config.toml` (or `$XDG_CONFIG_HOME/spool/config.toml`). Optional; a bad
//! file is reported with its line and column and the defaults are used.
//!
//! ```toml
//! prefix = "C-a"     # the prefix key (default C-b)
//! ```

use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct File {
    prefix: Option<String>,
}

/// The settings in effect.
#[derive(Debug)]
pub struct Config {
    pub prefix: u8,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            prefix: crate::attach::DEFAULT_PREFIX,
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
    Ok(c)
}

/// `C-x` (or `^x`) to its control byte.
fn parse_key(s: &str) -> Option<u8> {
    let k = s.strip_prefix("C-").or_else(|| s.strip_prefix("^"))?;
    let b = k.as_bytes();
    (b.len() == 1 && b[0].is_ascii_alphabetic()).then(|| b[0].to_ascii_lowercase() - b'a' + 1)
}

/// The user's config, or the defaults (with a message on stderr for a bad file).
pub fn load() -> Config {
    let p = path();
    match std::fs::read_to_string(&p) {
        Err(_) => Config::default(),
        Ok(text) => parse(&text).unwrap_or_else(|e| {
            eprintln!("spool: {}: {e} (using defaults)", p.display());
            Config::default()
        }),
    }
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
    }
}
