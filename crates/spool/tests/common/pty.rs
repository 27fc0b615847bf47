//! A terminal played by the test: `spool attach` runs on a PTY whose master the test reads
//! (what the client draws and asks) and writes (keys, and answers to the client's queries).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Pty {
    master: OwnedFd,
    child: Child,
    /// Everything read so far.
    pub seen: Vec<u8>,
}

impl Pty {
    /// Run `cmd` on a new PTY of `cols`x`rows` as its controlling terminal.
    pub fn spawn(cmd: &mut Command, cols: u16, rows: u16) -> Pty {
        Pty::spawn_with_pixels(cmd, cols, rows, (0, 0))
    }

    /// As `spawn`, on a PTY that also says its size in pixels, as a terminal whose cells are
    /// `cell` (width, height) pixels sets it.
    #[allow(dead_code)] // not every test binary uses it
    pub fn spawn_with_pixels(cmd: &mut Command, cols: u16, rows: u16, cell: (u16, u16)) -> Pty {
        let (mut m, mut s) = (-1, -1);
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: cols * cell.0,
            ws_ypixel: rows * cell.1,
        };
        // SAFETY: openpty writes two fds on success; the winsize is only read.
        let rc =
            unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
        assert_eq!(rc, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both fds are fresh and owned here.
        let (master, slave) = unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) };
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        // SAFETY: setsid and ioctl are async-signal-safe; fd 0 is the slave by now.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY as _, 0);
                Ok(())
            });
        }
        let child = cmd.spawn().expect("spawn on pty");
        // Drop the Command's copies of the slave.
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        Pty {
            master,
            child,
            seen: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn write(&self, b: &[u8]) {
        // SAFETY: writing our bytes to our fd.
        let n = unsafe { libc::write(self.master.as_raw_fd(), b.as_ptr().cast(), b.len()) };
        assert_eq!(n, b.len() as isize);
    }

    /// Read for up to `limit` until `seen` (everything read) contains `needle`.
    pub fn until(&mut self, needle: &[u8], limit: Duration) -> bool {
        let t0 = Instant::now();
        loop {
            if self.seen.windows(needle.len()).any(|w| w == needle) {
                return true;
            }
            if t0.elapsed() > limit || !self.read_some() {
                return false;
            }
        }
    }

    /// One read, waiting up to 50 ms; false at EOF.
    pub fn read_some(&mut self) -> bool {
        let fd = self.master.as_raw_fd();
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll on one valid fd.
        if unsafe { libc::poll(&mut pfd, 1, 50) } <= 0 {
            return true;
        }
        let mut buf = [0u8; 65536];
        // SAFETY: read into our buffer.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return false;
        }
        self.seen.extend_from_slice(&buf[..n as usize]);
        true
    }

    /// Wait for the program to exit (reading what it writes meanwhile).
    pub fn wait_exit(&mut self, limit: Duration) -> bool {
        let t0 = Instant::now();
        while t0.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            self.read_some();
        }
        false
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
