//! spool's server: sessions → tabs → panes in a split tree, each pane a child on a PTY whose
//! output feeds the emulator and, through it, the on-disk history store.
//!
//! - [`run`]: bind the socket, serve clients, shut down cleanly.
//! - [`config`]: the config file, read at start and on `spool reload`.
//! - `server.rs`: state (sessions, panes), spawning, closing; `pane.rs`: a pane's I/O tasks;
//!   `pty.rs`: PTYs; `layout.rs`/`session.rs`: the split tree; `conn.rs`: a client
//!   connection; `cmd/`: one file per command; `keys.rs`: key names to bytes.

mod buffers;
mod bus;
mod catch;
mod cmd;
mod commands;
pub mod config;
mod conn;
mod format;
mod framed;
mod handover;
mod histories;
pub mod images;
mod inbox;
pub mod keys;
pub mod layout;
mod memory;
mod pane;
mod persist;
mod pipe;
mod placement;
mod pty;
mod server;
mod session;
pub mod shell;
pub mod size;
mod spawn;
mod target;

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

pub use cmd::collect_stats;
pub use conn::{
    FRAME_IDLE_TIMEOUT, HANDSHAKE_TIMEOUT, MAX_HANDSHAKING, MAX_REQUEST_BYTES, REQUEST_BUDGET_BYTES,
};
pub use inbox::INBOX_BYTES;
pub use memory::{exec_without_stack_cache, tune_allocators, BLOCKING_KEEP_ALIVE};
pub use pane::INPUT_MAX;
pub use persist::{GENERATIONS_KEPT, SAVE_EVERY, STATE_VERSION};
pub use server::{ServerConfig, MAX_CLIENTS, RECENT_EXITS_MAX};

/// How long a server with no sessions and no clients stays up: long enough for a script's
/// `spool wait` or `capture` right after its last pane ended, short enough not to linger.
pub const EMPTY_GRACE: Duration = Duration::from_secs(5);

/// How often the memory report goes to the log, when the server worked since the last one
/// (`memory::Quiet::report`): an idle server logs none.
pub const MEMORY_REPORT_EVERY: Duration = Duration::from_secs(60);

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Path(#[from] spool_proto::paths::PathError),
    #[error("a server is already running on {0}")]
    AlreadyRunning(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

/// Bind the listening socket with mode 0600 from the start: the umask is narrowed around
/// `bind`, so there is no moment at which another user could connect.
fn bind_private(socket: &std::path::Path) -> Result<tokio::net::UnixListener, ServerError> {
    // SAFETY: umask only sets the process's file-creation mask; nothing else creates files
    // while the server is starting.
    let old = unsafe { libc::umask(0o177) };
    let bound = tokio::net::UnixListener::bind(socket);
    // SAFETY: as above, restoring the mask.
    unsafe { libc::umask(old) };
    let listener = bound.map_err(io_err(format!("binding {}", socket.display())))?;
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
        .map_err(io_err("securing the socket"))?;
    Ok(listener)
}

fn io_err(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
    let what = what.into();
    move |source| ServerError::Io { what, source }
}

/// Run a server until it is told to stop or its last session ends. `ready` is called once the
/// socket accepts connections.
///
/// Call [`tune_allocators`] first, before the runtime's threads start.
pub async fn run(config: ServerConfig, ready: impl FnOnce()) -> Result<(), ServerError> {
    let socket = config.socket.clone();
    // Started by `spool upgrade`: the previous binary's socket, panes and state.
    let handed = match &config.handover {
        Some(file) => {
            let h = handover::read(file).map_err(|e| ServerError::Io {
                what: format!("handover: {e}"),
                source: std::io::ErrorKind::InvalidData.into(),
            })?;
            let listener = handover::listener_from(&h).map_err(io_err("the handed-over socket"))?;
            Some((h, listener))
        }
        None => None,
    };
    let (handed, listener) = match handed {
        Some((h, l)) => (Some(h), l),
        None => (None, bind_new(&socket)?),
    };
    spool_proto::paths::private_dir(&config.state_dir)?;
    // One server per state directory, for as long as it runs (across an upgrade, the new
    // binary takes the lock again: the old one's fd closes at exec).
    let _state_lock = persist::lock(&config.state_dir).map_err(|e| ServerError::Io {
        what: format!(
            "another spool server uses the state directory {} (its lock)",
            config.state_dir.display()
        ),
        source: e,
    })?;
    let newest = persist::newest_generation(&config.state_dir);

    let (server, events) = server::Server::new(config);
    server.set_generation(newest);
    tokio::spawn(server.clone().event_loop(events));
    // Paste buffers come back with the sessions (an upgrade keeps them whatever `restore`).
    if handed.is_some() || server.settings().persist.restore {
        server.load_buffers();
    }
    match handed {
        Some(h) => {
            let n = tokio::task::block_in_place(|| server.adopt(h));
            tracing::info!(panes = n, "took over from the previous binary");
        }
        None if server.settings().persist.restore => {
            tokio::task::block_in_place(|| server.restore());
        }
        None => {}
    }
    // Closed panes' histories past their time (the restored ones are live now).
    tokio::task::block_in_place(|| server.prune_histories());
    tokio::spawn(persist::run(server.clone()));
    tracing::info!(socket = %socket.display(), pid = std::process::id(), "server started");
    ready();
    while let Stop::Upgrade(exe, reply) = serve(&server, &listener).await? {
        let why = handover::exec(&server, &listener, &exe).await;
        // Still here: it failed; the server goes on.
        let panes: Vec<_> = server.state().panes.values().cloned().collect();
        for p in &panes {
            server.restart_reader(p);
        }
        server.shutdown.send_replace(false);
        let _ = reply.send(why);
    }
    tracing::info!("server stopping");
    // Attached clients are told "server exited" (whatever stopped the server).
    server.shutdown.send_replace(true);
    // What to restore next time, before the panes are hung up.
    tokio::task::block_in_place(|| server.save_final());
    server.shutdown_panes();
    // Only now does the socket go: a `kill-server` that returns (it waits for the socket to stop
    // answering) finds every pane's history flushed.
    drop(listener);
    let _ = std::fs::remove_file(&socket);
    // Let pending history deletions of panes closed just before run before the runtime goes.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(())
}

/// Why the accept loop stopped.
enum Stop {
    Exit,
    /// `spool upgrade`: hand over to this binary; say on the sender why it failed.
    Upgrade(std::path::PathBuf, tokio::sync::oneshot::Sender<String>),
}

/// Bind a new socket at `socket` (refusing a live one, replacing only a stale socket).
fn bind_new(socket: &std::path::Path) -> Result<tokio::net::UnixListener, ServerError> {
    if spool_proto::paths::in_socket_dir(socket) {
        // spool's own socket directory: made 0700, or used only if it is ours and 0700.
        spool_proto::paths::private_dir(&spool_proto::paths::socket_dir())?;
    }
    // A `-S` path's directory is the user's: it is neither created nor changed.
    if std::os::unix::net::UnixStream::connect(socket).is_ok() {
        return Err(ServerError::AlreadyRunning(socket.display().to_string()));
    }
    if let Ok(m) = std::fs::symlink_metadata(socket) {
        use std::os::unix::fs::FileTypeExt;
        // Only a stale socket is replaced, never a file or link someone put there.
        if !m.file_type().is_socket() {
            return Err(ServerError::Io {
                what: format!("{} exists and is not a socket", socket.display()),
                source: std::io::ErrorKind::AlreadyExists.into(),
            });
        }
        let _ = std::fs::remove_file(socket);
    }
    bind_private(socket)
}

/// Accept clients until the server is told to stop (or to upgrade), or has nothing to do.
async fn serve(
    server: &Arc<server::Server>,
    listener: &tokio::net::UnixListener,
) -> Result<Stop, ServerError> {
    let mut shutdown = server.shutdown.subscribe();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(io_err("SIGTERM handler"))?;
    let mut int = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(io_err("SIGINT handler"))?;
    let mut report = tokio::time::interval(MEMORY_REPORT_EVERY);
    report.tick().await;
    let mut quiet_check = tokio::time::interval(memory::QUIET_CHECK_EVERY);
    quiet_check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut quiet = memory::Quiet::new(server.env.clone());
    let mut upgrade = server
        .upgrade_rx
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take()
        .expect("one accept loop at a time");
    // A fresh server is empty until its first command arrives.
    let mut empty_deadline = Some(tokio::time::Instant::now() + EMPTY_GRACE);
    loop {
        let empty_at =
            empty_deadline.unwrap_or_else(|| tokio::time::Instant::now() + MEMORY_REPORT_EVERY);
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    tokio::spawn(conn::serve(server.clone(), stream));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            _ = shutdown.changed() => break,
            _ = term.recv() => break,
            _ = int.recv() => break,
            Some((exe, reply)) = upgrade.recv() => {
                *server.upgrade_rx.lock().unwrap_or_else(|p| p.into_inner()) = Some(upgrade);
                return Ok(Stop::Upgrade(exe, reply));
            }
            _ = report.tick() => quiet.report(|| cmd::log_report(server)),
            _ = quiet_check.tick() => quiet.check(),
            _ = server.maybe_empty.notified() => {
                if server.is_empty() {
                    empty_deadline = Some(tokio::time::Instant::now() + EMPTY_GRACE);
                }
            }
            _ = tokio::time::sleep_until(empty_at), if empty_deadline.is_some() => {
                if server.is_empty() {
                    tracing::info!("no sessions and no clients; server exiting");
                    break;
                }
                empty_deadline = None;
            }
        }
    }
    *server.upgrade_rx.lock().unwrap_or_else(|p| p.into_inner()) = Some(upgrade);
    Ok(Stop::Exit)
}
