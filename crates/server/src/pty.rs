//! Pseudo-terminals: open a pair, start a child on the slave side as a session leader with it
//! as the controlling terminal, resize it.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::process::Stdio;

/// Open a PTY pair of the given size. The master is non-blocking and close-on-exec. Both
/// sides are opened with `O_NOCTTY`: the server (a session leader after `setsid`) must never
/// acquire a pane's terminal as its own controlling terminal, or the child could not claim it.
pub fn open(cols: u16, rows: u16, cell: (u16, u16)) -> io::Result<(OwnedFd, OwnedFd)> {
    // SAFETY: posix_openpt returns a new fd or -1.
    let m = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if m < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: m is a fresh fd that nobody else owns.
    let master = unsafe { OwnedFd::from_raw_fd(m) };
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: grantpt/unlockpt/ptsname_r on our master; ptsname_r writes a NUL-terminated
    // path into the buffer we pass with its length.
    unsafe {
        if libc::grantpt(m) != 0
            || libc::unlockpt(m) != 0
            || libc::ptsname_r(m, name.as_mut_ptr(), name.len()) != 0
        {
            return Err(io::Error::last_os_error());
        }
    }
    // SAFETY: name is NUL-terminated by ptsname_r.
    let s = unsafe {
        libc::open(
            name.as_ptr(),
            libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC,
        )
    };
    if s < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: s is a fresh fd that nobody else owns.
    let slave = unsafe { OwnedFd::from_raw_fd(s) };
    resize(&master, cols, rows, cell)?;
    set_flags(master.as_raw_fd())?;
    Ok((master, slave))
}

fn set_flags(fd: RawFd) -> io::Result<()> {
    set_cloexec(fd)?;
    // SAFETY: fcntl on a valid fd.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFL);
        if fl < 0 || libc::fcntl(fd, libc::F_SETFL, fl | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

fn set_cloexec(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a valid fd.
    unsafe {
        let fl = libc::fcntl(fd, libc::F_GETFD);
        if fl < 0 || libc::fcntl(fd, libc::F_SETFD, fl | libc::FD_CLOEXEC) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The window size the program sees: cells, and pixels at `cell` pixels per cell (image
/// programs size their output by them).
fn winsize(cols: u16, rows: u16, cell: (u16, u16)) -> libc::winsize {
    libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: cols.saturating_mul(cell.0),
        ws_ypixel: rows.saturating_mul(cell.1),
    }
}

/// Tell the kernel (and so the child, by SIGWINCH) the new size.
pub fn resize(master: &OwnedFd, cols: u16, rows: u16, cell: (u16, u16)) -> io::Result<()> {
    let ws = winsize(cols, rows, cell);
    // SAFETY: TIOCSWINSZ reads a winsize from the pointer.
    if unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// What to run in a pane.
pub struct Program {
    /// argv; empty = `shell` as a login shell.
    pub argv: Vec<String>,
    pub shell: String,
    pub cwd: std::path::PathBuf,
    pub env: Vec<(String, String)>,
}

/// Start `program` on the slave side of a PTY. The caller drops `slave` afterwards, so that
/// the master sees EOF (EIO) once the child and everything it started have closed the tty.
pub fn spawn(program: &Program, slave: &OwnedFd) -> io::Result<tokio::process::Child> {
    let mut cmd = if program.argv.is_empty() {
        let mut c = tokio::process::Command::new(&program.shell);
        let base = std::path::Path::new(&program.shell)
            .file_name()
            .map_or_else(|| "sh".into(), |b| b.to_string_lossy().into_owned());
        c.arg0(format!("-{base}"));
        c
    } else {
        let mut c = tokio::process::Command::new(&program.argv[0]);
        c.args(&program.argv[1..]);
        c
    };
    if !program.env.is_empty() {
        cmd.env_clear();
    }
    cmd.envs(program.env.iter().map(|(k, v)| (k, v)));
    cmd.current_dir(&program.cwd);
    cmd.stdin(Stdio::from(slave.try_clone()?));
    cmd.stdout(Stdio::from(slave.try_clone()?));
    cmd.stderr(Stdio::from(slave.try_clone()?));
    cmd.kill_on_drop(false);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            no_inherited_fds();
            if libc::setsid() < 0 {
                return Err(io::Error::last_os_error());
            }
            if libc::ioctl(0, libc::TIOCSCTTY as _, 0) < 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// Mark every fd above stderr close-on-exec, in a child between fork and exec: a program in a
/// pane inherits nothing of the server's, even an fd whose close-on-exec flag the server
/// cleared on purpose (a handover to a new binary, racing this spawn). Only
/// async-signal-safe calls: `close_range`, or `fcntl` over the fd range where it is missing.
///
/// # Safety
/// Call only in a forked child before exec.
pub(crate) unsafe fn no_inherited_fds() {
    /// `CLOSE_RANGE_CLOEXEC` (linux/close_range.h).
    const CLOSE_RANGE_CLOEXEC: libc::c_uint = 1 << 2;
    /// Most fds walked without `close_range` (kernels before 5.11): past the default limit
    /// of 1024 with room to spare, and a bounded cost where the limit is a million.
    const FALLBACK_FDS: libc::c_int = 65_536;
    // SAFETY: plain syscalls on the child's own fd table.
    unsafe {
        if libc::syscall(
            libc::SYS_close_range,
            3 as libc::c_uint,
            libc::c_uint::MAX,
            CLOSE_RANGE_CLOEXEC,
        ) == 0
        {
            return;
        }
        let max = (libc::sysconf(libc::_SC_OPEN_MAX) as libc::c_int).clamp(3, FALLBACK_FDS);
        for fd in 3..max {
            let flags = libc::fcntl(fd, libc::F_GETFD);
            if flags >= 0 {
                libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
            }
        }
    }
}
