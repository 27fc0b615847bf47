//! Command lines run from the attach client: key bindings (`Command::Run`), the command
//! prompt (`C-b :`), the y/n and text prompts. Each runs as `spool -S SOCKET VERB ARGS…`, a
//! child process with `$SPOOL` naming the focused pane and `$SPOOL_CLIENT` this client, so
//! `-t` defaults to the pane this client has focused when the server takes the request (as
//! a tmux binding's does), not when the key was pressed: `C-b ;` then `C-b {` pressed
//! quickly swap the pane `;` went to. It runs on its own thread: the client never waits
//! for it. One runs at
//! a time, in the order the keys came (the client queues the rest). Its output comes back as
//! an event: one line is shown in the status line, more in a full-screen view,
//! a failure's message in the status line.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;

use super::Event;

/// Most output of one command line kept for showing (a `list-keys`, a `show-buffer`); the
/// rest is read and dropped, so a command printing without end costs nothing here.
pub const RUN_OUTPUT_MAX: usize = 1024 * 1024;

/// Most error output kept (its first line is what is shown).
const RUN_ERROR_MAX: usize = 16 * 1024;

/// Command lines waiting to run (one runs at a time, so keys act in order); more are
/// refused with a message (a key held down would queue one per repeat).
pub const RUNS_MAX: usize = 8;

/// What a finished command line is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Show its output (status line or full-screen view) under this title.
    Show(String),
    /// The preview of pane `id` in a chooser.
    Preview(u32),
    /// `panes --json`, for `choose-tree`.
    Tree { sessions_only: bool },
    /// `list-buffers --json`, for `choose-buffer`.
    Buffers,
    /// `capture --command N`: copied (OSC 52 and a paste buffer), as scroll mode's `O`.
    CopyOutput,
}

/// A finished command line.
pub struct Ran {
    pub purpose: Purpose,
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Run `words` (a spool verb and its arguments) against the server at `socket`, for
/// attached client `client` (and its focused pane as it last saw it, `pane`); the result
/// arrives on `tx` as [`Event::Ran`].
pub fn spawn(
    socket: PathBuf,
    (client, pane): (u64, Option<u32>),
    words: Vec<String>,
    purpose: Purpose,
    tx: mpsc::Sender<Event>,
) -> std::io::Result<()> {
    let exe = std::env::current_exe()?;
    let mut cmd = Command::new(exe);
    cmd.arg("-S").arg(&socket).args(&words);
    match pane {
        Some(p) => cmd
            .env("SPOOL", format!("{},%{p}", socket.display()))
            .env(crate::client::CLIENT_ENV, client.to_string()),
        None => cmd
            .env_remove("SPOOL")
            .env_remove(crate::client::CLIENT_ENV),
    };
    cmd.env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let out = child.stdout.take();
    let err = child.stderr.take();
    std::thread::Builder::new()
        .name("spool-run".into())
        .spawn(move || {
            // stderr on its own thread: a child filling one pipe while we read the other
            // would otherwise block both.
            let err_reader = std::thread::spawn(move || read_bounded(err, RUN_ERROR_MAX));
            let stdout = read_bounded(out, RUN_OUTPUT_MAX);
            let stderr = err_reader.join().unwrap_or_default();
            let ok = child.wait().is_ok_and(|s| s.success());
            let _ = tx.send(Event::Ran(Box::new(Ran {
                purpose,
                ok,
                stdout,
                stderr,
            })));
        })?;
    Ok(())
}

/// Up to `max` bytes of `r`, then the rest read and dropped; as text.
fn read_bounded(r: Option<impl Read>, max: usize) -> String {
    let Some(mut r) = r else {
        return String::new();
    };
    let mut buf = Vec::new();
    let _ = (&mut r).take(max as u64).read_to_end(&mut buf);
    let _ = std::io::copy(&mut r, &mut std::io::sink());
    String::from_utf8_lossy(&buf).into_owned()
}
