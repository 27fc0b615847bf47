//! A pane: a child process on a PTY, the emulator that reads its output, and its history.
//!
//! ```text
//!  child ──PTY──► reader thread ──► Inbox (≤ INBOX_BYTES) ──► parser thread: Terminal::feed ─► Store
//!        ◄─────── writer task ◄── input queue (≤ INPUT_MAX bytes: keys, pastes, replies)
//! ```
//!
//! Output is read at most an inbox ahead of the emulator (so reading and parsing overlap),
//! never further: the kernel's PTY buffer is the back-pressure, and a program that prints
//! faster than the emulator parses is simply slowed down, as on a real terminal.

use std::collections::VecDeque;
use std::os::fd::{AsRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use spool_store::Store;
use spool_term::Terminal;
use tokio::io::unix::AsyncFd;
use tokio::sync::{watch, Notify};

/// Output fed to the emulator per terminal lock: between two pieces the lock is released and
/// the store may wait for compression (`Store::relieve`). 4 KiB makes at most 4,096 history
/// rows by newlines, the room `spool_store::SEAL_ROOM_ROWS` keeps.
const FEED_PIECE: usize = 4096;

/// Most input bytes waiting for a program that does not read its terminal. A paste larger than
/// this is refused with an error rather than queued without bound.
pub const INPUT_MAX: usize = 1024 * 1024;

/// Rows a pane whose program ended keeps in memory rather than seal them (bytes of rows as
/// a segment counts them: text, styles, 4 a row): a pane kept after its program
/// (`remain-on-exit`) holds little history in memory, and each segment sealed at an exit
/// holds at least this much, so a pane respawned in a loop fills its index
/// (`MAX_SEGMENTS_PER_STORE`) at most sixteen times faster than a busy pane.
const SEAL_AT_EXIT_MIN_BYTES: usize = 16 * 1024;

/// How long a freeze (`spool upgrade`) waits for a pane's reader to apply what it has read:
/// a chunk takes milliseconds to parse, so a reader that has not stopped by then is stuck,
/// and the upgrade is given up.
const FREEZE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// The emulator with its history sink.
pub type Term = Terminal<Arc<Store>>;

/// What is known of the outer terminal that every pane is told (the latest client's).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outer {
    /// Default foreground, background and cursor colors, once a client said them.
    pub colors: Option<[spool_term::palette::Rgb; 3]>,
    /// A cell's width and height in pixels.
    pub cell: (u16, u16),
}

/// See [`Pane::snapshot`].
pub struct Snapshot {
    /// One past the newest history row in the store.
    pub hist_end: u64,
    /// History rows after the store's (at most `spool_term::EDGE_MAX_ROWS`).
    pub edge: Vec<spool_cells::Row>,
    pub screen: Vec<spool_cells::Row>,
}

/// How a pane's process ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exit {
    /// Exit code, or 128 + signal number.
    pub status: i32,
}

pub struct Pane {
    pub id: u32,
    pub pid: u32,
    /// The program and arguments it was started with (empty: the user's shell).
    pub argv: Vec<String>,
    /// Its `-e` settings.
    pub spawn_env: Vec<(String, String)>,
    pub started_unix: u64,
    pub command: String,
    pub remain_on_exit: bool,
    pub history_dir: PathBuf,
    term: Mutex<Term>,
    pub store: Arc<Store>,
    master: AsyncFd<OwnedFd>,
    input: Mutex<Vec<u8>>,
    input_ready: Notify,
    /// Poked when the program has taken input off the queue (room for more).
    pub input_space: Notify,
    cols: AtomicU16,
    rows: AtomicU16,
    /// Set when the child exited *and* the PTY reached EOF (all output processed).
    done: watch::Sender<Option<Exit>>,
    child_status: Mutex<Option<i32>>,
    eof: AtomicBool,
    /// Batches of output read so far (for tabs' activity marks).
    pub output_batches: AtomicU32,
    /// BELs the program rang so far (the emulator's count, copied after each batch so the
    /// server reads it without the terminal lock).
    pub bells: AtomicU64,
    /// OSC 52 clipboard writes not yet forwarded, numbered (at most `spool_term::CLIPBOARD_MAX`;
    /// older ones are dropped, as the emulator does).
    clipboard: Mutex<(u64, VecDeque<(u64, spool_term::ClipboardSet)>)>,
    /// Set when the server closes the pane: its tasks stop and drop their handles, so the PTY
    /// master closes even if the program ignores SIGHUP.
    closed: watch::Sender<bool>,
    /// The server's change counter, bumped after each batch of output.
    changes: Arc<watch::Sender<u64>>,
    /// Set to stop reading output (a handover to a new server binary): the reader stops
    /// after the chunks it has, and `read_stopped` says when.
    frozen: watch::Sender<bool>,
    read_stopped: watch::Sender<bool>,
    /// The child was started by an earlier server binary (adopted at an upgrade): the
    /// reaper waits for it with waitpid.
    pub adopted: bool,
    /// `pipe-pane`: where a copy of the output goes, if anywhere.
    pipe: Mutex<Option<Arc<crate::pipe::Pipe>>>,
    /// When output last came, in milliseconds of [`clock_ms`] (for `monitor-silence`).
    last_output_ms: AtomicU64,
    /// The foreground program's name and when it was read (see `current_command`).
    current: Mutex<Option<(std::time::Instant, String, bool)>>,
    /// What ran in it (shell integration), stored with its history. Never locked while the
    /// terminal's lock is held, nor the other way round.
    pub commands: Mutex<crate::commands::Log>,
    /// Bumped when the command log changes (`spool run`, `wait --command` wait on it).
    pub commands_changed: watch::Sender<u64>,
    /// Commands that finished with a non-zero status (a tab's failure mark).
    pub failures: AtomicU64,
    /// When this server started it (or took it over).
    pub created: std::time::Instant,
    /// Held by the `spool run` typing into this pane and waiting for its command.
    pub run_turn: tokio::sync::Mutex<()>,
    /// The start of a character the last chunk of output ended inside (`output` events).
    output_tail: Mutex<Vec<u8>>,
    /// Where its events go (`spool events`).
    bus: Arc<crate::bus::Bus>,
    /// The title, directory and bell count last published, to tell what changed.
    seen: Mutex<Seen>,
    /// Where the images it shows are kept (`images.rs`), and which image row each of its
    /// `Style::image` ids shows.
    pub images: Arc<crate::images::ImageStore>,
    pub placements: crate::images::Placements,
}

#[derive(Default)]
struct Seen {
    title: String,
    cwd: String,
    bells: u64,
    /// A `silence` event was published, and no output came since.
    quiet: bool,
}

/// How many bytes at the end of `b` start a UTF-8 character that is not complete yet (at
/// most 3).
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=3.min(b.len()) {
        let c = b[b.len() - back];
        if c & 0xC0 == 0x80 {
            continue; // a continuation byte: look further back
        }
        let need = match c {
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF7 => 4,
            _ => 1,
        };
        return if need > back { back } else { 0 };
    }
    0
}

/// How long a read of the foreground program's name is reused: tab names are composed for
/// every frame, and reading `/proc` for each is waste; a name half a second old is fine.
const CURRENT_COMMAND_TTL: std::time::Duration = std::time::Duration::from_millis(500);

/// Milliseconds since the server's clock started (monotonic).
pub fn clock_ms() -> u64 {
    static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    START
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
}

impl std::fmt::Debug for Pane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pane").field("id", &self.id).finish()
    }
}

/// Everything a pane is made of once its process runs.
pub struct PaneParts {
    pub id: u32,
    pub pid: u32,
    pub argv: Vec<String>,
    pub spawn_env: Vec<(String, String)>,
    pub started_unix: u64,
    pub command: String,
    pub remain_on_exit: bool,
    pub history_dir: PathBuf,
    pub term: Term,
    pub store: Arc<Store>,
    pub master: OwnedFd,
    pub cols: u16,
    pub rows: u16,
    pub changes: Arc<watch::Sender<u64>>,
    pub bus: Arc<crate::bus::Bus>,
    pub adopted: bool,
    pub images: Arc<crate::images::ImageStore>,
}

impl Pane {
    pub fn new(parts: PaneParts) -> std::io::Result<Arc<Pane>> {
        let PaneParts {
            id,
            pid,
            argv,
            spawn_env,
            started_unix,
            command,
            remain_on_exit,
            history_dir,
            term,
            store,
            master,
            cols,
            rows,
            changes,
            bus,
            adopted,
            images,
        } = parts;
        let mut term = term;
        let placements = crate::images::Placements::open(&history_dir);
        term.set_image_next_id(placements.next_id());
        // Registered for writing only: the reader thread polls for output itself, and a
        // reactor woken by every 4 KiB of it would only spin.
        // SAFETY: the AsyncFd owns the OwnedFd, so the fd stays open exactly as long as it is
        // registered with the reactor and nothing else closes or reuses it.
        let master =
            unsafe { AsyncFd::register_with_interest(master, tokio::io::Interest::WRITABLE)? };
        store.set_width_hint(cols);
        // An adopted pane's shell wrote its log and goes on: its running command runs on.
        let commands = crate::commands::Log::open(&history_dir, adopted);
        Ok(Arc::new(Pane {
            id,
            pid,
            argv,
            spawn_env,
            started_unix,
            command,
            remain_on_exit,
            history_dir,
            term: Mutex::new(term),
            store,
            master,
            input: Mutex::new(Vec::new()),
            input_ready: Notify::new(),
            input_space: Notify::new(),
            cols: AtomicU16::new(cols),
            rows: AtomicU16::new(rows),
            done: watch::channel(None).0,
            child_status: Mutex::new(None),
            eof: AtomicBool::new(false),
            output_batches: AtomicU32::new(0),
            bells: AtomicU64::new(0),
            clipboard: Mutex::new((0, VecDeque::new())),
            closed: watch::channel(false).0,
            changes,
            frozen: watch::channel(false).0,
            read_stopped: watch::channel(false).0,
            commands: Mutex::new(commands),
            commands_changed: watch::channel(0).0,
            failures: AtomicU64::new(0),
            created: std::time::Instant::now(),
            run_turn: tokio::sync::Mutex::new(()),
            output_tail: Mutex::new(Vec::new()),
            bus,
            seen: Mutex::new(Seen::default()),
            adopted,
            current: Mutex::new(None),
            last_output_ms: AtomicU64::new(clock_ms()),
            pipe: Mutex::new(None),
            images,
            placements,
        }))
    }

    pub fn name(&self) -> String {
        format!("%{}", self.id)
    }

    pub fn term(&self) -> MutexGuard<'_, Term> {
        debug_assert!(
            !crate::server::state_held(),
            "lock order: a terminal lock taken while holding the state lock"
        );
        self.term.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn size(&self) -> (u16, u16) {
        (
            self.cols.load(Ordering::Relaxed),
            self.rows.load(Ordering::Relaxed),
        )
    }

    /// The exit, once the process exited and its output was all processed.
    pub fn exit(&self) -> Option<Exit> {
        *self.done.borrow()
    }

    pub fn subscribe_exit(&self) -> watch::Receiver<Option<Exit>> {
        self.done.subscribe()
    }

    /// Bytes waiting in the input queue.
    pub fn input_bytes(&self) -> usize {
        self.input.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Queue bytes for the program's input. Refused (nothing queued) past [`INPUT_MAX`].
    pub fn write_input(&self, bytes: &[u8]) -> Result<(), String> {
        match self.try_queue_input(bytes)? {
            true => Ok(()),
            false => Err(format!(
                "pane {} is not reading its input ({} bytes waiting, limit {INPUT_MAX})",
                self.name(),
                self.input_bytes()
            )),
        }
    }

    /// Queue bytes if there is room for all of them: `Ok(false)` if the queue is too full
    /// now (wait for `input_space`), an error if the pane is gone or `bytes` can never fit.
    pub fn try_queue_input(&self, bytes: &[u8]) -> Result<bool, String> {
        if bytes.is_empty() {
            return Ok(true);
        }
        if self.exit().is_some() || self.eof.load(Ordering::Relaxed) || self.is_closed() {
            return Err(format!("pane {} has exited", self.name()));
        }
        if bytes.len() > INPUT_MAX {
            return Err(format!(
                "{} bytes at once is more than a pane's input queue holds ({INPUT_MAX})",
                bytes.len()
            ));
        }
        let mut q = self.input.lock().unwrap_or_else(|p| p.into_inner());
        if q.len() + bytes.len() > INPUT_MAX {
            return Ok(false);
        }
        q.extend_from_slice(bytes);
        drop(q);
        self.input_ready.notify_one();
        Ok(true)
    }

    /// Resize the PTY and the emulator (which reflows).
    pub fn resize(&self, cols: u16, rows: u16) {
        let (cols, rows) = crate::size::clamp(cols, rows);
        // All of it under the terminal lock, as `tell_outer` is: a client's size and its
        // cell size arrive by different requests, maybe on different threads, and the PTY must
        // be told last what holds last (else a resize that read the old cell size could tell
        // the PTY after the new one was set, and the program would keep the old one).
        let mut t = self.term();
        if self.size() == (cols, rows) {
            return;
        }
        self.cols.store(cols, Ordering::Relaxed);
        self.rows.store(rows, Ordering::Relaxed);
        // Before the emulator reflows: the rows it pushes now are at the new width.
        self.store.set_width_hint(cols);
        t.resize(cols as usize, rows as usize);
        self.tell_pty_size(&t);
    }

    /// Take what is known of the outer terminal: its colors, with which OSC 10/11/12 queries
    /// are answered, and its cell size in pixels, by which images take cells and which
    /// programs asking (`CSI 16 t`, the PTY's size in pixels) are told.
    pub fn tell_outer(&self, outer: Outer) {
        let mut t = self.term();
        if let Some(colors) = outer.colors {
            t.set_outer_colors(colors);
        }
        t.set_cell_pixels(outer.cell.0, outer.cell.1);
        self.tell_pty_size(&t);
    }

    /// Tell the PTY the pane's size in cells and pixels, with the terminal lock held (`t`), so
    /// that the last size told is the newest of both.
    fn tell_pty_size(&self, t: &Term) {
        let (cols, rows) = self.size();
        if let Err(e) = crate::pty::resize(self.master.get_ref(), cols, rows, t.cell_pixels()) {
            tracing::warn!(pane = self.id, error = %e, "TIOCSWINSZ failed");
        }
    }

    /// The program's current directory: what it reported with OSC 7, else the child's
    /// `/proc/PID/cwd`.
    pub fn cwd(&self) -> Option<String> {
        let reported = self.term().cwd().to_string();
        if reported.is_empty() {
            return std::fs::read_link(format!("/proc/{}/cwd", self.pid))
                .ok()
                .map(|p| p.display().to_string());
        }
        // file://HOST/PATH, the path percent-encoded (`%20` for a space).
        Some(
            reported
                .strip_prefix("file://")
                .and_then(|rest| rest.find('/').map(|i| percent_decode(&rest[i..])))
                .unwrap_or(reported),
        )
    }

    /// What readers of the whole pane see, taken under one terminal lock so that rows
    /// scrolling meanwhile are neither doubled nor missed: history in the store ends at
    /// `hist_end`; after it come the edge rows (not in the store yet: their line goes on at the
    /// top of the screen, see `spool_term::Terminal::edge_rows`), then the screen (if asked).
    pub fn snapshot(&self, screen: bool) -> Snapshot {
        let t = self.term();
        Snapshot {
            hist_end: self.store.next_row(),
            edge: t.edge_rows(),
            screen: if screen {
                (0..t.rows()).map(|y| t.row(y)).collect()
            } else {
                Vec::new()
            },
        }
    }

    /// Clipboard writes numbered after `seen`, and the newest number.
    pub fn clipboard_since(&self, seen: u64) -> (Vec<spool_term::ClipboardSet>, u64) {
        let q = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
        let new =
            q.1.iter()
                .filter(|(n, _)| *n > seen)
                .map(|(_, c)| c.clone())
                .collect();
        (new, q.0)
    }

    /// Stop reading the program's output and wait until what was read has been applied
    /// (for a handover: nothing read after this is lost, it waits in the kernel's PTY buffer
    /// for the next server). A pane whose output already ended has no reader to wait for.
    pub async fn freeze(&self) -> Result<(), String> {
        self.frozen.send_replace(true);
        let mut stopped = self.read_stopped.subscribe();
        tokio::time::timeout(FREEZE_TIMEOUT, stopped.wait_for(|s| *s))
            .await
            .map(|_| ())
            .map_err(|_| format!("pane %{} did not stop reading its output", self.id))
    }

    /// Undo [`Pane::freeze`] (the handover failed). True if the reader had stopped and the
    /// caller must start `read_loop` again; false if the output had ended (there is no
    /// reader), or the reader never stopped (it goes on by itself).
    pub fn thaw(&self) -> bool {
        self.frozen.send_replace(false);
        if self.eof.load(Ordering::Relaxed) {
            return false;
        }
        self.read_stopped.send_replace(false)
    }

    /// The PTY master's fd (for a handover).
    pub fn master_fd(&self) -> std::os::fd::RawFd {
        self.master.get_ref().as_raw_fd()
    }

    /// The pane is going (closed, or the server stops): what its primary screen shows — the
    /// edge first — becomes history, everything is made durable, and the checkpoint, now
    /// redundant, goes.
    pub fn retire(&self) {
        let rows: Vec<spool_cells::Row> = {
            let mut t = self.term();
            t.flush_edge();
            if t.alt_screen() {
                Vec::new()
            } else {
                let rows: Vec<_> = (0..t.rows()).map(|y| t.row(y)).collect();
                let used = rows
                    .iter()
                    .rposition(|r| !r.text.is_empty())
                    .map_or(0, |i| i + 1);
                rows.into_iter().take(used).collect()
            }
        };
        for r in &rows {
            let _ = self.store.push(r.as_ref());
        }
        match self.store.flush() {
            Ok(()) => self.store.retire_checkpoint(),
            Err(e) => tracing::warn!(pane = self.id, error = %e, "history not fully saved"),
        }
    }

    /// Write this pane's checkpoint: its history not yet on disk, then what its screen shows
    /// (the edge and the primary screen down to its last non-blank row), so that a killed
    /// server brings it back as history. A full-screen program's screen is not history.
    pub fn checkpoint(&self) {
        let (parts, extra) = {
            let t = self.term();
            // Under the terminal lock, as the rows below: nothing scrolls into the store
            // between the two copies (lock order: terminal, then store).
            let parts = self.store.checkpoint_parts();
            let mut rows = t.edge_rows();
            if !t.alt_screen() {
                let screen: Vec<_> = (0..t.rows()).map(|y| t.row(y)).collect();
                let used = screen
                    .iter()
                    .rposition(|r| !r.text.is_empty())
                    .map_or(0, |i| i + 1);
                rows.extend(screen.into_iter().take(used));
            }
            (parts, rows)
        };
        if let Err(e) = self.store.write_checkpoint(parts, &extra) {
            tracing::warn!(pane = self.id, error = %e, "checkpoint failed");
        }
    }

    /// The program in the foreground of the pane's terminal, when it is not the pane's own
    /// process (a program its shell runs): its arguments, from `/proc`.
    pub fn foreground_argv(&self) -> Option<Vec<String>> {
        // SAFETY: tcgetpgrp on the PTY master fd we own.
        let pgid = unsafe { libc::tcgetpgrp(self.master.get_ref().as_raw_fd()) };
        if pgid <= 0 || pgid as u32 == self.pid {
            return None;
        }
        let raw = std::fs::read(format!("/proc/{pgid}/cmdline")).ok()?;
        let argv: Vec<String> = raw
            .split(|&b| b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        (!argv.is_empty()).then_some(argv)
    }

    /// The name of the program in the foreground (tmux's `pane_current_command`): the file
    /// name of its first argument, else of the pane's own command. Shown safely and cut to
    /// `NAME_MAX_BYTES` (a path may hold escape sequences); read at most every
    /// `CURRENT_COMMAND_TTL`.
    pub fn current_command(&self) -> String {
        self.foreground().0
    }

    /// The foreground program's name, and whether it is another program than the pane's own
    /// process; cached for `CURRENT_COMMAND_TTL`.
    fn foreground(&self) -> (String, bool) {
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, name, other)) = cur.as_ref() {
            if at.elapsed() < CURRENT_COMMAND_TTL {
                return (name.clone(), *other);
            }
        }
        let fg = self.foreground_argv();
        let other = fg.is_some();
        let argv0 = match fg {
            Some(argv) => argv[0].clone(),
            None => self
                .command
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string(),
        };
        let base = argv0.rsplit('/').next().unwrap_or("");
        let name = spool_proto::text::sanitize(base);
        let name = spool_proto::text::truncate(&name, spool_proto::NAME_MAX_BYTES).to_string();
        *cur = Some((std::time::Instant::now(), name.clone(), other));
        (name, other)
    }

    /// A tab's name when none was set (tmux's `automatic-rename`): the foreground program
    /// when it is not the pane's own (`vim`, `top`), else the title the program set, else its
    /// command's file name. Safe to show, at most `NAME_MAX_BYTES`.
    pub fn automatic_name(&self) -> String {
        let (name, other) = self.foreground();
        if other {
            return name;
        }
        let title = self.term().title().to_string();
        if title.is_empty() {
            return name;
        }
        let title = spool_proto::text::sanitize(&title);
        spool_proto::text::truncate(&title, spool_proto::NAME_MAX_BYTES).to_string()
    }

    /// The pane's `pipe-pane`, if one was opened (it may have ended since).
    pub fn pipe(&self) -> Option<Arc<crate::pipe::Pipe>> {
        self.pipe.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Replace the pane's pipe (closing the one it had).
    pub fn set_pipe(&self, pipe: Option<Arc<crate::pipe::Pipe>>) {
        let old = std::mem::replace(
            &mut *self.pipe.lock().unwrap_or_else(|p| p.into_inner()),
            pipe,
        );
        if let Some(old) = old {
            old.close();
        }
    }

    /// When output last came (see [`clock_ms`]).
    pub fn last_output_ms(&self) -> u64 {
        self.last_output_ms.load(Ordering::Relaxed)
    }

    /// Has the server closed the pane (killed, or its process ended and it was removed)? Its
    /// history is being deleted: a read that sees this was cut short.
    pub fn is_closed(&self) -> bool {
        *self.closed.borrow()
    }

    /// Hang up on the child (SIGHUP to its process group, as closing a terminal does).
    pub fn hangup(&self) {
        self.closed.send_replace(true);
        self.set_pipe(None);
        if self.exit().is_none() && self.pid > 0 {
            // SAFETY: plain kill(2); the pid is our child, possibly already reaped (harmless).
            unsafe {
                libc::kill(-(self.pid as i32), libc::SIGHUP);
                libc::kill(self.pid as i32, libc::SIGHUP);
            }
        }
    }

    fn finish_if_done(&self) {
        let status = *self.child_status.lock().unwrap_or_else(|p| p.into_inner());
        if let (Some(status), true) = (status, self.eof.load(Ordering::Relaxed)) {
            self.done.send_replace(Some(Exit { status }));
        }
    }

    /// Record the child's exit status (from the waiter task).
    /// The child's exit status, once it has been reaped (its output may still be read).
    pub fn child_exit(&self) -> Option<i32> {
        *self.child_status.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set_child_status(&self, status: i32) {
        *self.child_status.lock().unwrap_or_else(|p| p.into_inner()) = Some(status);
        self.finish_if_done();
    }

    /// Apply shell marks to the command log (its file is written here: a few records per
    /// command) and tell whoever waits on it.
    fn log_marks(&self, marks: Vec<spool_term::ShellMark>) {
        // The directory first: it takes the terminal lock, never held with the log's.
        let cwd = self.cwd();
        let changes = self
            .commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .apply(marks, || cwd.clone());
        self.commands_changed
            .send_modify(|v| *v = v.wrapping_add(1));
        let failed = changes
            .finished
            .iter()
            .filter(|c| c.status.is_some_and(|s| s != 0))
            .count();
        if failed > 0 {
            self.failures.fetch_add(failed as u64, Ordering::Relaxed);
            self.changes.send_modify(|v| *v = v.wrapping_add(1));
        }
        if !self.bus.listened() {
            return;
        }
        for c in changes.started {
            self.publish(spool_proto::EventInfo {
                event: "command-started".into(),
                command: Some(c.n),
                text: Some(c.text),
                ..Default::default()
            });
        }
        for c in changes.finished {
            self.publish(spool_proto::EventInfo {
                event: "command-finished".into(),
                command: Some(c.n),
                status: c.status,
                duration_ms: c.ended_ms.map(|e| e.saturating_sub(c.started_ms)),
                text: Some(c.text),
                ..Default::default()
            });
        }
    }

    /// A `silence` event once the pane printed nothing for `bus::QUIET_AFTER` (called every
    /// second while someone listens).
    pub fn check_quiet(&self) {
        let quiet_for = clock_ms().saturating_sub(self.last_output_ms());
        if self.last_output_ms() == 0 || quiet_for < crate::bus::QUIET_AFTER.as_millis() as u64 {
            return;
        }
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.quiet {
            seen.quiet = true;
            drop(seen);
            self.publish(spool_proto::EventInfo {
                event: "silence".into(),
                duration_ms: Some(quiet_for),
                ..Default::default()
            });
        }
    }

    /// Publish an event of this pane.
    pub fn publish(&self, mut e: spool_proto::EventInfo) {
        e.time_ms = crate::server::now_ms();
        e.pane = Some(self.name());
        self.bus.publish_pane(e, self.id);
    }

    /// After a chunk of output: its text (if someone wants output), and a new title,
    /// directory or bell.
    fn publish_changes(&self, chunk: &[u8]) {
        if self.bus.wants_output() && !self.bus.output_room(chunk.len()) {
            // Nobody has room: missed (and counted); what was held of a character goes too.
            self.output_tail
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .clear();
        } else if self.bus.wants_output() {
            // A character cut between two chunks goes out whole, with the next.
            let mut bytes =
                std::mem::take(&mut *self.output_tail.lock().unwrap_or_else(|p| p.into_inner()));
            bytes.extend_from_slice(chunk);
            let cut = incomplete_tail(&bytes);
            let tail = bytes.split_off(bytes.len() - cut);
            *self.output_tail.lock().unwrap_or_else(|p| p.into_inner()) = tail;
            let text = String::from_utf8_lossy(&bytes);
            let mut rest: &str = &text;
            while !rest.is_empty() {
                let mut piece = spool_proto::text::truncate(rest, crate::bus::OUTPUT_EVENT_MAX);
                if piece.is_empty() {
                    piece = rest;
                }
                self.publish(spool_proto::EventInfo {
                    event: "output".into(),
                    text: Some(piece.to_string()),
                    ..Default::default()
                });
                rest = &rest[piece.len()..];
            }
        }
        let (title, cwd) = {
            let t = self.term();
            (t.title().to_string(), t.cwd().to_string())
        };
        let bells = self.bells.load(Ordering::Relaxed);
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = Vec::new();
        if title != seen.title {
            seen.title = title.clone();
            out.push(("title-changed", Some(title)));
        }
        if cwd != seen.cwd {
            seen.cwd = cwd.clone();
            out.push(("cwd-changed", Some(cwd)));
        }
        if bells != seen.bells {
            seen.bells = bells;
            out.push(("bell", None));
        }
        if std::mem::take(&mut seen.quiet) {
            out.push(("activity", None));
        }
        drop(seen);
        for (event, text) in out {
            self.publish(spool_proto::EventInfo {
                event: event.into(),
                text,
                ..Default::default()
            });
        }
    }

    /// Read the PTY until EOF, feeding the emulator. Returns when all output is processed.
    ///
    /// Reading and parsing overlap: the pane's reader thread fills its
    /// [`Inbox`](crate::inbox::Inbox) while its parser thread applies what waits there, a
    /// batch at a time (see `inbox.rs`). Both are threads of their own, off the runtime: the
    /// reader sleeps in the kernel like any terminal's (no reactor round trip per 4 KiB read),
    /// and a batch that waits for the terminal lock or a compression slot stalls nothing else.
    pub async fn read_loop(self: &Arc<Self>) {
        let inbox = Arc::new(crate::inbox::Inbox::default());
        let wake = match crate::inbox::Wake::new() {
            Ok(w) => Arc::new(w),
            Err(e) => {
                tracing::error!(pane = self.id, error = %e, "cannot make the reader's eventfd");
                return;
            }
        };
        // Closed or frozen: wake the reader out of its poll.
        let watcher = {
            let (mut closed, mut frozen) = (self.closed.subscribe(), self.frozen.subscribe());
            let wake = wake.clone();
            tokio::spawn(async move {
                tokio::select! {
                    _ = closed.wait_for(|c| *c) => {}
                    _ = frozen.wait_for(|f| *f) => {}
                }
                wake.signal();
            })
        };
        let (done_tx, done_rx) = tokio::sync::oneshot::channel::<()>();
        let spawned = {
            let (me, ib, wake) = (self.clone(), inbox.clone(), wake.clone());
            std::thread::Builder::new()
                .name(format!("pane-{}-read", self.id))
                .spawn(move || {
                    // Closed however the reader ends (a panic too), so the parser finishes.
                    let ib = crate::inbox::CloseOnDrop(ib);
                    me.read_pty(&ib.0, &wake);
                    drop(ib);
                    let _ = done_tx.send(());
                })
        };
        if let Err(e) = spawned {
            tracing::error!(pane = self.id, error = %e, "cannot start the pane's reader");
            inbox.close();
        }
        let (me, ib) = (self.clone(), inbox.clone());
        let (parsed_tx, parsed_rx) = tokio::sync::oneshot::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name(format!("pane-{}-parse", self.id))
            .spawn(move || {
                // Closed however the parser ends (a panic too), so the reader never waits for
                // room nobody will make.
                let ib = crate::inbox::CloseOnDrop(ib);
                // While output flows in bulk and parses cheaply, the parser keeps off the CPU
                // left to output chains, with the compression workers (`placement.rs`).
                let placement = std::cell::RefCell::new(crate::placement::ParserPlacement::new(
                    me.store.work_cpus(),
                ));
                // Quiet for a moment: the emulator and the open segment give back what they
                // keep for flowing output, and the parser may run anywhere again.
                let quiet = || {
                    me.term().trim();
                    me.store.trim();
                    placement.borrow_mut().quiet();
                };
                while let Some(batch) = ib.0.take(&quiet) {
                    let start = placement.borrow().start(batch.len());
                    // Pane output is hostile: an emulator bug it finds is logged (by the panic
                    // hook) and the pane goes on, so its program is never left blocked on a
                    // PTY nobody reads.
                    let applied =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| me.apply(&batch)));
                    if applied.is_err() {
                        tracing::error!(pane = me.id, "applying output panicked; the pane goes on");
                    }
                    placement.borrow_mut().parsed(batch.len(), start);
                    ib.0.give_back(batch);
                }
                // No more output (the program ended, or the pane is closing): quiet for good,
                // and what history waits in memory goes to disk now rather than for a pane
                // that may stay for days. A pane handed over (`spool upgrade`) lives on.
                if !*me.frozen.borrow() {
                    me.store.seal_now(SEAL_AT_EXIT_MIN_BYTES);
                }
                quiet();
                let _ = parsed_tx.send(());
            });
        if let Err(e) = spawned {
            tracing::error!(pane = self.id, error = %e, "cannot start the pane's parser");
            inbox.close();
            wake.signal();
        }
        let _ = done_rx.await;
        if parsed_rx.await.is_err() {
            tracing::error!(pane = self.id, "pane parser ended abnormally");
        }
        watcher.abort();
        if *self.frozen.borrow() {
            // Handed over (`spool upgrade`): the program is not gone, the reader just stopped.
            self.read_stopped.send_replace(true);
            return;
        }
        self.eof.store(true, Ordering::Relaxed);
        // No reader any more: a freeze has nothing to wait for.
        self.read_stopped.send_replace(true);
        self.input_ready.notify_one();
        self.finish_if_done();
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Apply one batch of output: the emulator, then what follows from it (replies, marks,
    /// events, `pipe-pane`, clipboard, activity). Runs on the pane's parser thread.
    fn apply(&self, batch: &[u8]) {
        for piece in batch.chunks(FEED_PIECE) {
            self.term().feed(piece);
            // A segment due while the compression workers were behind is sealed here, where
            // waiting for them holds no terminal lock (`spool ls`, captures and attached
            // clients go on reading this pane meanwhile).
            self.store.relieve();
        }
        let (replies, clips, marks, images) = {
            let mut t = self.term();
            self.bells.store(t.bells(), Ordering::Relaxed);
            (
                t.take_replies(),
                t.take_clipboard(),
                t.take_marks(),
                t.take_images(),
            )
        };
        if !images.is_empty() {
            self.keep_images(images);
        }
        if !marks.is_empty() {
            self.log_marks(marks);
        }
        if self.bus.listened() {
            self.publish_changes(batch);
        }
        if let Some(p) = self.pipe() {
            p.offer(batch);
        }
        if !clips.is_empty() {
            let mut q = self.clipboard.lock().unwrap_or_else(|p| p.into_inner());
            for c in clips {
                q.0 += 1;
                let n = q.0;
                q.1.push_back((n, c));
                while q.1.len() > spool_term::CLIPBOARD_MAX {
                    q.1.pop_front();
                }
            }
        }
        if !replies.is_empty() {
            // Replies are small and bounded by the emulator; drop if input is full.
            let _ = self.write_input(&replies);
        }
        self.output_batches.fetch_add(1, Ordering::Relaxed);
        self.last_output_ms.store(clock_ms(), Ordering::Relaxed);
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Write the images a batch showed: their bytes (once per content) and their placements.
    /// On the parser thread, with no lock held.
    fn keep_images(&self, events: Vec<spool_term::ImageEvent>) {
        let _batch = self.images.batch();
        for e in events {
            match e {
                spool_term::ImageEvent::Stored(data) => {
                    if let Err(e) = self.images.put(&data) {
                        tracing::warn!(pane = self.id, error = %e, "image not kept");
                    }
                }
                spool_term::ImageEvent::Placed(p) => self.placements.write(&p),
            }
        }
    }

    /// The reader thread: read the PTY into the inbox until EOF, or until the pane is closed
    /// or frozen (`wake`). The inbox's buffer is allocated only when there is output, so an
    /// idle pane holds no read buffer.
    fn read_pty(&self, inbox: &crate::inbox::Inbox, wake: &crate::inbox::Wake) {
        let master = self.master.get_ref().as_raw_fd();
        loop {
            // Room first: nothing is read while the parser is a full inbox behind.
            if !inbox.wait_room() {
                return;
            }
            let mut fds = [
                libc::pollfd {
                    fd: master,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: wake.fd(),
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: `fds` is a valid array of two pollfds for the duration of the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                tracing::warn!(pane = self.id, error = %e, "PTY poll failed");
                return;
            }
            // Closed or frozen: nothing more is read (for a freeze, what the kernel holds
            // waits there for the next server).
            if fds[1].revents != 0 || self.is_closed() || *self.frozen.borrow() {
                return;
            }
            if fds[0].revents == 0 {
                continue;
            }
            // A PTY master hands over at most one line-discipline buffer (4 KiB) per read:
            // read until the inbox is nearly full or the PTY is empty.
            let res = inbox.fill(|buf, room| {
                let start = buf.len();
                let mut filled = 0usize;
                while room - filled >= crate::inbox::READ_MIN_ROOM {
                    // SAFETY: read into the spare capacity of `buf` (the inbox reserved
                    // INBOX_BYTES, and `room` is what is left of it) from a valid fd;
                    // `set_len` below covers only the bytes the kernel wrote.
                    let n = unsafe {
                        libc::read(
                            master,
                            buf.as_mut_ptr().add(start + filled).cast(),
                            room - filled,
                        )
                    };
                    if n > 0 {
                        filled += n as usize;
                        // SAFETY: the kernel initialized these `n` bytes.
                        unsafe { buf.set_len(start + filled) };
                        continue;
                    }
                    let err = std::io::Error::last_os_error();
                    if n < 0 && err.kind() == std::io::ErrorKind::Interrupted {
                        continue;
                    }
                    // Empty, EOF or EIO: hand over what we have; the condition shows again
                    // on the next read.
                    if filled > 0 {
                        break;
                    }
                    return if n == 0 { Ok(0) } else { Err(err) };
                }
                Ok(filled)
            });
            match res {
                Ok(0) => return,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                // EIO: every holder of the slave side closed it.
                Err(e) if e.raw_os_error() == Some(libc::EIO) => return,
                Err(e) => {
                    tracing::warn!(pane = self.id, error = %e, "PTY read failed");
                    return;
                }
            }
        }
    }

    pub async fn write_loop(self: &Arc<Self>) {
        let mut closed = self.closed.subscribe();
        loop {
            if self.eof.load(Ordering::Relaxed) || *closed.borrow() {
                return;
            }
            let pending = {
                let q = self.input.lock().unwrap_or_else(|p| p.into_inner());
                !q.is_empty()
            };
            if !pending {
                tokio::select! {
                    _ = self.input_ready.notified() => {}
                    _ = closed.wait_for(|c| *c) => return,
                }
                continue;
            }
            let ready = tokio::select! {
                r = self.master.writable() => r,
                _ = closed.wait_for(|c| *c) => return,
            };
            let mut guard = match ready {
                Ok(g) => g,
                Err(_) => return,
            };
            let res = guard.try_io(|fd| {
                let mut q = self.input.lock().unwrap_or_else(|p| p.into_inner());
                // SAFETY: write from our queue to a valid non-blocking fd.
                let n = unsafe { libc::write(fd.as_raw_fd(), q.as_ptr().cast(), q.len()) };
                if n < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                q.drain(..n as usize);
                if q.capacity() > 64 * 1024 && q.len() < 4096 {
                    q.shrink_to(4096);
                }
                drop(q);
                self.input_space.notify_waiters();
                Ok(())
            });
            match res {
                Err(_would_block) => continue,
                Ok(Ok(())) => {}
                Ok(Err(e)) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(Err(_)) => return,
            }
        }
    }
}

/// `%XX` escapes decoded (a bad escape is kept as it is); bytes that are not UTF-8 are
/// replaced.
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_character_cut_between_chunks_is_held_for_the_next() {
        use super::incomplete_tail;
        let e = "é".as_bytes(); // 2 bytes
        let euro = "€".as_bytes(); // 3 bytes
        assert_eq!(incomplete_tail(b"abc"), 0);
        assert_eq!(incomplete_tail(&[b'a', e[0]]), 1);
        assert_eq!(incomplete_tail(&[b'a', e[0], e[1]]), 0);
        assert_eq!(incomplete_tail(&[euro[0], euro[1]]), 2);
        assert_eq!(incomplete_tail(euro), 0);
        assert_eq!(incomplete_tail(&[0xff]), 0);
        assert_eq!(incomplete_tail(&[]), 0);
    }

    #[test]
    fn osc7_paths_are_percent_decoded() {
        assert_eq!(
            super::percent_decode("/home/a%20b/%E6%97%A5"),
            "/home/a b/日"
        );
        assert_eq!(super::percent_decode("/x%zz%4"), "/x%zz%4");
    }
}
