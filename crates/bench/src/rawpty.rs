//! The floor: a PTY drained by a loop that does nothing with the bytes. No multiplexer can
//! ingest faster than the kernel hands output over, so spool's throughput is quoted against it.

use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

/// Runs `argv` on a fresh PTY of `cols`x`rows`, reads the master until EIO, returns
/// (elapsed, bytes read).
pub fn drain(argv: &[&str], cols: u16, rows: u16) -> Result<(Duration, u64)> {
    let t0 = Instant::now();
    let mut cmd = Command::new(argv[0]);
    cmd.args(&argv[1..]);
    let (master, mut child) = spawn_on_pty(&mut cmd, cols, rows)?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut total = 0u64;
    let fd = std::os::fd::AsRawFd::as_raw_fd(&master);
    loop {
        // SAFETY: buf is valid for its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n > 0 {
            total += n as u64;
        } else if n == 0 {
            break;
        } else {
            let e = std::io::Error::last_os_error();
            if e.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            break; // EIO: the slave side is closed by every process
        }
    }
    let el = t0.elapsed();
    child.wait()?;
    Ok((el, total))
}

/// Open a PTY of `cols`x`rows` and run `cmd` on its slave side as a session leader with it as
/// the controlling terminal. Returns the master and the child; no copy of the slave is kept
/// here, so the master sees EIO once the child's side is closed.
pub fn spawn_on_pty(cmd: &mut Command, cols: u16, rows: u16) -> Result<(OwnedFd, Child)> {
    let (mut master, mut slave) = (-1, -1);
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two fds on success; the winsize is read only.
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            &ws,
        )
    };
    if rc != 0 {
        bail!("openpty: {}", std::io::Error::last_os_error());
    }
    // SAFETY: both fds are fresh and owned here.
    let (master, slave) = unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
    cmd.stdin(Stdio::from(slave.try_clone()?))
        .stdout(Stdio::from(slave.try_clone()?))
        .stderr(Stdio::from(slave.try_clone()?));
    // SAFETY: setsid and ioctl are async-signal-safe; fd 0 is the slave by now.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY as _, 0);
            Ok(())
        });
    }
    let child = cmd.spawn()?;
    // The Command still holds slave copies: replace its stdio so they close now.
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    drop(slave);
    Ok((master, child))
}
