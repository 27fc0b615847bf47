//! Where a server's socket, state and logs live, and the checks that keep other users out.
//!
//! - socket: `-S PATH` as given; else `$XDG_RUNTIME_DIR/spool/NAME`, falling back to
//!   `/tmp/spool-UID/NAME` (`$SPOOL_TMPDIR` instead of `/tmp` if set); NAME is `-L NAME` or
//!   `default`.
//! - state (history): `$XDG_STATE_HOME/spool/NAME/` (default `~/.local/state/spool/NAME/`,
//!   with `~` from `$HOME`, else the password database).
//! - log: `$XDG_STATE_HOME/spool/NAME.log`.
//!
//! Other users on the machine are attackers. The directories spool owns (the socket directory,
//! `…/spool` and `…/spool/NAME` under the state root) are made by spool with mode 0700, or, when
//! they exist, used only if they are real directories (not symbolic links, opened with
//! `O_NOFOLLOW`), owned by this user, with mode exactly 0700 — as tmux checks its socket
//! directory. spool never changes the mode of a directory it did not create: a `-S` socket's
//! directory is the user's choice and is left alone (the socket itself is created 0600).

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// The default server name (`-L`).
pub const DEFAULT_NAME: &str = "default";

/// Longest `-L` name: it becomes a file name (socket, log) and a directory name (state).
pub const NAME_MAX_BYTES: usize = 200;

/// Why a path spool would use is refused.
#[derive(Debug, thiserror::Error)]
pub enum PathError {
    #[error("{0}: is a symbolic link; spool uses only a directory it owns (remove it)")]
    Symlink(String),
    #[error("{0}: is not a directory")]
    NotDirectory(String),
    #[error("{path}: owned by uid {owner}, not by you (uid {uid}); refusing to use it")]
    NotOwned { path: String, owner: u32, uid: u32 },
    #[error(
        "{path}: has mode {mode:04o}, must be 0700 (other users could reach your sessions); \
         run `chmod 700 {path}` if it is yours"
    )]
    Mode { path: String, mode: u32 },
    #[error("bad server name {0:?}: a name is 1-200 bytes, without '/', and not . or ..")]
    BadName(String),
    #[error(
        "no home directory: HOME and XDG_STATE_HOME are unset and the password database has \
         no entry for uid {0}; set XDG_STATE_HOME"
    )]
    NoHome(u32),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

fn env_dir(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> PathError + '_ {
    move |source| PathError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Check a `-L` name: it must stay a single file name inside the socket directory.
pub fn check_name(name: &str) -> Result<(), PathError> {
    if name.is_empty()
        || name.len() > NAME_MAX_BYTES
        || name.contains('/')
        || name.contains('\0')
        || name == "."
        || name == ".."
    {
        return Err(PathError::BadName(name.to_string()));
    }
    Ok(())
}

/// Directory holding the sockets of this user's servers: `$XDG_RUNTIME_DIR/spool`, else
/// `spool-UID` in `$SPOOL_TMPDIR` (as tmux's `TMUX_TMPDIR`) or `/tmp`.
pub fn socket_dir() -> PathBuf {
    match env_dir("XDG_RUNTIME_DIR") {
        Some(d) => d.join("spool"),
        None => env_dir("SPOOL_TMPDIR")
            .unwrap_or_else(|| PathBuf::from("/tmp"))
            .join(format!("spool-{}", uid())),
    }
}

/// The socket of server `name`, or `explicit` when `-S` was given.
pub fn socket_path(name: Option<&str>, explicit: Option<&Path>) -> Result<PathBuf, PathError> {
    match explicit {
        Some(p) => Ok(p.to_owned()),
        None => {
            let name = name.unwrap_or(DEFAULT_NAME);
            check_name(name)?;
            Ok(socket_dir().join(name))
        }
    }
}

/// Is `socket` in spool's own socket directory (rather than a `-S` path of the user's)?
pub fn in_socket_dir(socket: &Path) -> bool {
    socket.parent() == Some(socket_dir().as_path())
}

/// A name for the server behind `socket`, for its state directory: the socket's file name.
pub fn server_name(socket: &Path) -> String {
    socket
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| check_name(n).is_ok())
        .unwrap_or_else(|| DEFAULT_NAME.to_string())
}

/// This user's home directory from the password database (for a process without `$HOME`).
fn passwd_home() -> Option<PathBuf> {
    let mut buf = vec![0u8; 16 * 1024];
    // SAFETY: a zeroed passwd is a valid out-parameter; getpwuid_r writes into `pw` and `buf`
    // (of the length given) and sets `res` to `&pw` or null.
    unsafe {
        let mut pw: libc::passwd = std::mem::zeroed();
        let mut res: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid(), &mut pw, buf.as_mut_ptr().cast(), buf.len(), &mut res);
        if rc != 0 || res.is_null() || pw.pw_dir.is_null() {
            return None;
        }
        let dir = std::ffi::CStr::from_ptr(pw.pw_dir).to_bytes();
        let dir = PathBuf::from(std::ffi::OsStr::from_bytes(dir));
        dir.is_absolute().then_some(dir)
    }
}

/// `$XDG_STATE_HOME/spool`, or `HOME/.local/state/spool` with HOME from the environment or the
/// password database. Never a shared directory such as `/tmp`.
pub fn state_root() -> Result<PathBuf, PathError> {
    if let Some(d) = env_dir("XDG_STATE_HOME") {
        return Ok(d.join("spool"));
    }
    let home = env_dir("HOME")
        .or_else(passwd_home)
        .ok_or(PathError::NoHome(uid()))?;
    Ok(home.join(".local/state/spool"))
}

/// Where server `name` keeps pane history.
pub fn state_dir(name: &str) -> Result<PathBuf, PathError> {
    Ok(state_root()?.join(name))
}

/// Where server `name` writes its log.
pub fn log_path(name: &str) -> Result<PathBuf, PathError> {
    Ok(state_root()?.join(format!("{name}.log")))
}

/// Check that `dir` is fit to hold spool's sockets or state: a real directory (a symbolic link
/// is refused, not followed), owned by this user, mode exactly 0700.
pub fn check_private_dir(dir: &Path) -> Result<(), PathError> {
    let shown = || dir.display().to_string();
    let c =
        CString::new(dir.as_os_str().as_bytes()).map_err(|_| PathError::NotDirectory(shown()))?;
    // SAFETY: open(2) on a NUL-terminated path; the fd is closed below.
    let fd = unsafe {
        libc::open(
            c.as_ptr(),
            libc::O_RDONLY | libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC,
        )
    };
    if fd < 0 {
        let e = std::io::Error::last_os_error();
        return Err(match e.raw_os_error() {
            Some(libc::ELOOP) => PathError::Symlink(shown()),
            Some(libc::ENOTDIR) => {
                // ENOTDIR also comes from a symlink to a file with O_NOFOLLOW|O_DIRECTORY.
                match std::fs::symlink_metadata(dir) {
                    Ok(m) if m.file_type().is_symlink() => PathError::Symlink(shown()),
                    _ => PathError::NotDirectory(shown()),
                }
            }
            _ => io(dir)(e),
        });
    }
    // SAFETY: fstat on the fd we just opened, into a zeroed stat we own; then close it.
    let (rc, st) = unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        let rc = libc::fstat(fd, &mut st);
        libc::close(fd);
        (rc, st)
    };
    if rc != 0 {
        return Err(io(dir)(std::io::Error::last_os_error()));
    }
    if st.st_uid != uid() {
        return Err(PathError::NotOwned {
            path: shown(),
            owner: st.st_uid,
            uid: uid(),
        });
    }
    let mode = st.st_mode & 0o7777;
    if mode != 0o700 {
        return Err(PathError::Mode {
            path: shown(),
            mode,
        });
    }
    Ok(())
}

/// Make `dir` (mode 0700) if it does not exist, its parents too (0700, as they are new);
/// then check it with [`check_private_dir`]. An existing directory's mode is never changed.
pub fn private_dir(dir: &Path) -> Result<(), PathError> {
    use std::os::unix::fs::DirBuilderExt;
    match std::fs::symlink_metadata(dir) {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(parent) = dir.parent() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(parent)
                    .map_err(io(parent))?;
            }
            match std::fs::DirBuilder::new().mode(0o700).create(dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(io(dir)(e)),
            }
        }
        Err(e) => return Err(io(dir)(e)),
    }
    check_private_dir(dir)
}

/// Open (creating, 0600) the log file for appending, refusing a symbolic link or a file that
/// is not this user's regular file.
pub fn open_log(path: &Path) -> Result<std::fs::File, PathError> {
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => PathError::Symlink(path.display().to_string()),
            _ => io(path)(e),
        })?;
    let m = f.metadata().map_err(io(path))?;
    if !m.file_type().is_file() {
        return Err(PathError::NotDirectory(path.display().to_string()));
    }
    if m.uid() != uid() {
        return Err(PathError::NotOwned {
            path: path.display().to_string(),
            owner: m.uid(),
            uid: uid(),
        });
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn names_that_would_leave_the_socket_directory_are_refused() {
        for bad in ["", ".", "..", "a/b", "/abs/path", &"x".repeat(201)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name("work").is_ok());
        assert!(socket_path(Some("/tmp/x"), None).is_err());
    }

    #[test]
    fn a_private_directory_is_made_0700_and_a_shared_one_is_refused_untouched() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b");
        private_dir(&d).unwrap();
        assert_eq!(
            std::fs::metadata(&d).unwrap().permissions().mode() & 0o7777,
            0o700
        );
        let open = t.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        assert!(matches!(private_dir(&open), Err(PathError::Mode { .. })));
        assert_eq!(
            std::fs::metadata(&open).unwrap().permissions().mode() & 0o7777,
            0o777,
            "the mode of a directory spool did not create is never changed"
        );
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&d, &link).unwrap();
        assert!(matches!(private_dir(&link), Err(PathError::Symlink(_))));
    }

    #[test]
    fn the_log_is_never_opened_through_a_symlink() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("elsewhere");
        std::fs::write(&target, b"").unwrap();
        let log = t.path().join("x.log");
        std::os::unix::fs::symlink(&target, &log).unwrap();
        assert!(matches!(open_log(&log), Err(PathError::Symlink(_))));
        assert!(open_log(&t.path().join("y.log")).is_ok());
    }
}
