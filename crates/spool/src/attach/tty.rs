//! The outer terminal: raw mode, its size, and SIGWINCH as an event.

use std::os::fd::RawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// Restores the terminal's settings when dropped (also on panic).
pub struct RawMode {
    fd: RawFd,
    saved: libc::termios,
}

impl RawMode {
    pub fn enter(fd: RawFd) -> std::io::Result<RawMode> {
        // SAFETY: tcgetattr/tcsetattr on a valid fd with a termios we own.
        unsafe {
            let mut t: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(fd, &mut t) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            let saved = t;
            libc::cfmakeraw(&mut t);
            if libc::tcsetattr(fd, libc::TCSANOW, &t) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(RawMode { fd, saved })
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // SAFETY: restoring the settings read in `enter`.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.saved);
        }
    }
}

/// (cols, rows) of the terminal on `fd`.
pub fn size(fd: RawFd) -> (u16, u16) {
    // SAFETY: TIOCGWINSZ fills a winsize.
    let (cols, rows) = unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        if libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0 {
            (ws.ws_col, ws.ws_row)
        } else {
            (80, 24)
        }
    };
    // The frames the client composes and keeps are this size: a terminal claiming 65535x65535
    // must not make them gigabytes. The server clamps panes to the same limits.
    (
        cols.min(spool_term::MAX_COLS as u16),
        rows.min(spool_term::MAX_ROWS as u16),
    )
}

/// The size of a cell in pixels of the terminal on `fd`, from the pixel size the terminal
/// gives its PTY (xterm, and ssh passes it on), if it gives one.
pub fn cell_pixels(fd: RawFd) -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ fills a winsize.
    let ws = unsafe {
        let mut ws: libc::winsize = std::mem::zeroed();
        (libc::ioctl(fd, libc::TIOCGWINSZ, &mut ws) == 0).then_some(ws)?
    };
    if ws.ws_col == 0 || ws.ws_row == 0 || ws.ws_xpixel == 0 || ws.ws_ypixel == 0 {
        return None;
    }
    let w = ws.ws_xpixel / ws.ws_col;
    let h = ws.ws_ypixel / ws.ws_row;
    (w > 0 && h > 0).then_some((w, h))
}

static WINCH_PIPE: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_winch(_: libc::c_int) {
    let fd = WINCH_PIPE.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: write(2) is async-signal-safe; one byte to our pipe.
        unsafe {
            libc::write(fd, b"w".as_ptr().cast(), 1);
        }
    }
}

/// Call `f` on the calling thread's behalf each time the terminal is resized (from a thread
/// that waits on a self-pipe written by the signal handler).
pub fn on_resize(f: impl Fn() + Send + 'static) -> std::io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: pipe fills two fds; sigaction installs our async-signal-safe handler.
    unsafe {
        if libc::pipe(fds.as_mut_ptr()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        WINCH_PIPE.store(fds[1], Ordering::Relaxed);
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_winch as *const () as usize;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigaction(libc::SIGWINCH, &sa, std::ptr::null_mut());
    }
    let rd = fds[0];
    std::thread::spawn(move || {
        let mut b = [0u8; 64];
        loop {
            // SAFETY: read from our pipe into a local buffer.
            let n = unsafe { libc::read(rd, b.as_mut_ptr().cast(), b.len()) };
            if n <= 0 {
                return;
            }
            f();
        }
    });
    Ok(())
}
