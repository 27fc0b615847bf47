//! Where a server's socket, state and logs live.
//!
//! - socket: `-S PATH` as given; else `$XDG_RUNTIME_DIR/spool/NAME`, falling back to
//!   `/tmp/spool-UID/NAME`; NAME is `-L NAME` or `default`. The directory is made 0700.
//! - state (history): `$XDG_STATE_HOME/spool/NAME/` (default `~/.local/state/spool/NAME/`).
//! - log: `$XDG_STATE_HOME/spool/NAME.log`.

use std::path::{Path, PathBuf};

/// The default server name (`-L`).
pub const DEFAULT_NAME: &str = "default";

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// Directory holding the sockets of this user's servers.
pub fn socket_dir() -> PathBuf {
    match env_dir("XDG_RUNTIME_DIR") {
        Some(d) => d.join("spool"),
        None => PathBuf::from(format!("/tmp/spool-{}", uid())),
    }
}

/// The socket of server `name`, or `explicit` when `-S` was given.
pub fn socket_path(name: Option<&str>, explicit: Option<&Path>) -> PathBuf {
    match explicit {
        Some(p) => p.to_owned(),
        None => socket_dir().join(name.unwrap_or(DEFAULT_NAME)),
    }
}

/// A name for the server behind `socket`, for its state directory: the socket's file name.
pub fn server_name(socket: &Path) -> String {
    socket
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_NAME.to_string())
}

/// `$XDG_STATE_HOME/spool` (or `~/.local/state/spool`).
pub fn state_root() -> PathBuf {
    match env_dir("XDG_STATE_HOME") {
        Some(d) => d.join("spool"),
        None => {
            let home = env_dir("HOME").unwrap_or_else(|| PathBuf::from("/tmp"));
            home.join(".local/state/spool")
        }
    }
}

/// Where server `name` keeps pane history.
pub fn state_dir(name: &str) -> PathBuf {
    state_root().join(name)
}

/// Where server `name` writes its log.
pub fn log_path(name: &str) -> PathBuf {
    state_root().join(format!("{name}.log"))
}
