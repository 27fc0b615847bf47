//! `spool upgrade`: the running server becomes the installed binary without its programs
//! noticing. It stops reading the panes' output (what they print meanwhile waits in the
//! kernel's PTY buffers), makes their history durable, writes a handover file — the saved
//! state, and per pane its PTY master fd, its child's pid and its screen as bytes
//! (`Terminal::dump`) — keeps those fds and the listening socket open across `exec`, and
//! `exec`s the new binary with `server --handover FILE`. The process (and so the pid every
//! pane's child has as parent) stays the same; the new server adopts the fds, feeds each
//! screen to a fresh emulator and goes on reading. Attached clients are told to attach again.
//!
//! If the new binary cannot be run (`--version` fails, or `exec` does), the old server goes
//! on serving and the command says why.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::persist::Saved;
use crate::server::Server;

/// The handover file's first line.
const MAGIC: &str = "SPOOL-HANDOVER";

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Handover {
    pub saved: Saved,
    pub listener_fd: RawFd,
    pub panes: Vec<HandedPane>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct HandedPane {
    pub id: u32,
    pub master_fd: RawFd,
    pub pid: u32,
    /// `Terminal::dump` of its screen.
    pub screen: Vec<u8>,
    /// Its program's exit status, if it has ended (and was reaped by this binary).
    #[serde(default)]
    pub exit_status: Option<i32>,
}

fn set_cloexec(fd: RawFd, on: bool) {
    // SAFETY: fcntl on an fd we own; only the FD_CLOEXEC flag changes.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        if flags >= 0 {
            let flags = if on {
                flags | libc::FD_CLOEXEC
            } else {
                flags & !libc::FD_CLOEXEC
            };
            libc::fcntl(fd, libc::F_SETFD, flags);
        }
    }
}

/// Can `exe` run as a spool server? (`exe --version` answers.)
pub fn check_exe(exe: &Path) -> Result<(), String> {
    let out = std::process::Command::new(exe)
        .arg("--version")
        .env_remove("SPOOL")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
    if !out.status.success() || !String::from_utf8_lossy(&out.stdout).starts_with("spool") {
        return Err(format!("{} is not a spool binary", exe.display()));
    }
    Ok(())
}

/// Hand the panes and `listener` to `exe`. Returns only if that failed (the server then goes
/// on: the caller thaws the panes).
pub async fn exec(server: &Arc<Server>, listener: &tokio::net::UnixListener, exe: &Path) -> String {
    // Attached clients are told to attach again (their connections do not survive exec).
    *server.stop_reason.lock().unwrap_or_else(|p| p.into_inner()) = "server upgraded: attach again";
    server.shutdown.send_replace(true);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    *server.stop_reason.lock().unwrap_or_else(|p| p.into_inner()) = "server exited";
    // No checkpoint or state save from here on: the new binary starts from what is written
    // below (a checkpoint written after it would bring the screen back twice).
    tokio::task::block_in_place(|| {
        server.stop_persisting(true);
        server.save_buffers();
    });
    let panes: Vec<Arc<crate::pane::Pane>> = server.state().panes.values().cloned().collect();
    for p in &panes {
        if let Err(why) = p.freeze().await {
            server.stop_persisting(false);
            tracing::error!("upgrade failed: {why}");
            return why;
        }
    }
    let saved = tokio::task::block_in_place(|| server.snapshot(false));
    let mut handed = Vec::new();
    tokio::task::block_in_place(|| {
        for p in &panes {
            let screen = {
                let mut t = p.term();
                t.flush_edge();
                t.dump()
            };
            if let Err(e) = p.store.flush() {
                tracing::warn!(pane = p.id, error = %e, "history not fully saved before the upgrade");
            }
            p.store.remove_checkpoint();
            set_cloexec(p.master_fd(), false);
            handed.push(HandedPane {
                id: p.id,
                master_fd: p.master_fd(),
                pid: p.pid,
                screen,
                exit_status: p.child_exit(),
            });
        }
    });
    let lfd = listener.as_raw_fd();
    set_cloexec(lfd, false);
    let h = Handover {
        saved,
        listener_fd: lfd,
        panes: handed,
    };
    let file = file(&server.config.state_dir);
    let body = serde_json::to_vec(&h).expect("handover serializes");
    let mut bytes = format!("{MAGIC} {:08x} {}\n", crc32fast::hash(&body), body.len()).into_bytes();
    bytes.extend_from_slice(&body);
    let written = {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&file)
            .and_then(|mut f| f.write_all(&bytes))
    };
    let why = match written {
        Err(e) => format!("cannot write {}: {e}", file.display()),
        Ok(()) => {
            tracing::info!(exe = %exe.display(), "handing the server over to the new binary");
            let arg = |s: &std::ffi::OsStr| {
                std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(s)).ok()
            };
            let args: Vec<std::ffi::CString> = [
                exe.as_os_str(),
                "-S".as_ref(),
                server.config.socket.as_os_str(),
                "server".as_ref(),
                "--handover".as_ref(),
                file.as_os_str(),
            ]
            .iter()
            .filter_map(|s| arg(s))
            .collect();
            let mut ptrs: Vec<*const libc::c_char> = args.iter().map(|a| a.as_ptr()).collect();
            ptrs.push(std::ptr::null());
            // SAFETY: execv with NUL-terminated strings and a NULL-terminated array; it
            // returns only on failure.
            unsafe { libc::execv(ptrs[0], ptrs.as_ptr()) };
            format!(
                "exec {}: {}",
                exe.display(),
                std::io::Error::last_os_error()
            )
        }
    };
    // Still here: the old server goes on.
    set_cloexec(lfd, true);
    for p in &panes {
        set_cloexec(p.master_fd(), true);
    }
    let _ = std::fs::remove_file(&file);
    server.stop_persisting(false);
    tracing::error!("upgrade failed: {why}");
    why
}

/// Read (and remove) a handover file.
pub fn read(file: &Path) -> Result<Handover, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let _ = std::fs::remove_file(file);
    let nl = bytes.iter().position(|&b| b == b'\n').ok_or("no header")?;
    let header = std::str::from_utf8(&bytes[..nl]).map_err(|_| "bad header")?;
    let mut f = header.split(' ');
    if f.next() != Some(MAGIC) {
        return Err("not a handover file".into());
    }
    let crc = f
        .next()
        .and_then(|v| u32::from_str_radix(v, 16).ok())
        .ok_or("bad checksum")?;
    let len: usize = f.next().and_then(|v| v.parse().ok()).ok_or("bad length")?;
    let body = &bytes[nl + 1..];
    if body.len() != len || crc32fast::hash(body) != crc {
        return Err("damaged handover file".into());
    }
    serde_json::from_slice(body).map_err(|e| e.to_string())
}

impl Server {
    /// Take over what an earlier binary handed over: its panes (same ids, programs, pids,
    /// screens, histories) in its sessions. Returns how many panes were adopted.
    pub fn adopt(self: &Arc<Self>, h: Handover) -> usize {
        let mut n = 0;
        let mut fds: std::collections::HashMap<u32, HandedPane> =
            h.panes.into_iter().map(|p| (p.id, p)).collect();
        let adopted = self.rebuild(&h.saved, |server, _ss, sp| {
            let hp = fds.remove(&sp.id).ok_or("no PTY handed over")?;
            set_cloexec(hp.master_fd, true);
            // SAFETY: the fd was handed to this process by the previous binary, which kept
            // it open across exec for us; nothing else owns it.
            let master = unsafe { OwnedFd::from_raw_fd(hp.master_fd) };
            server
                .adopt_pane(sp, master, hp.pid, &hp.screen, hp.exit_status)
                .map(|_| ())
        });
        n += adopted;
        // Anything not adopted is closed, not leaked, and its program hung up and reaped.
        for (_, hp) in fds {
            // SAFETY: as above; closing an fd that was ours.
            drop(unsafe { OwnedFd::from_raw_fd(hp.master_fd) });
            if hp.exit_status.is_none() && hp.pid > 0 {
                // SAFETY: plain kill(2) of our own child's process group and of the child.
                unsafe {
                    libc::kill(-(hp.pid as i32), libc::SIGHUP);
                    libc::kill(hp.pid as i32, libc::SIGHUP);
                }
                let pid = hp.pid;
                let _ = std::thread::Builder::new()
                    .name(format!("spool-reap-{pid}"))
                    .stack_size(64 * 1024)
                    .spawn(move || crate::spawn::wait_child(pid));
            }
        }
        n
    }
}

/// The handover file named on the command line, if any (`server --handover FILE`).
pub fn listener_from(h: &Handover) -> std::io::Result<tokio::net::UnixListener> {
    set_cloexec(h.listener_fd, true);
    // SAFETY: the listening socket's fd, kept open across exec by the previous binary.
    let std_listener = unsafe { std::os::unix::net::UnixListener::from_raw_fd(h.listener_fd) };
    std_listener.set_nonblocking(true)?;
    tokio::net::UnixListener::from_std(std_listener)
}

/// Where a handover file goes.
pub fn file(state_dir: &Path) -> PathBuf {
    state_dir.join("handover")
}
