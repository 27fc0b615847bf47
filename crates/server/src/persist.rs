//! Saved state: what it takes to bring a server's sessions back after a restart, a crash or an
//! upgrade — sessions, tabs, splits, names and pane ids, and for each pane its size, directory,
//! command, `-e` environment and history directory, which is reopened (row numbers go on).
//!
//! ## Format
//! `STATE/state/state.<generation>`: a header line `SPOOL-STATE <version> <crc32> <length>\n`,
//! then `<length>` bytes of JSON whose CRC-32 the header gives. Unknown fields are ignored and
//! missing ones take their defaults, so older and newer servers of the same version read each
//! other's files; a file of a later version is skipped. A state is written to
//! `tmp.<generation>`, fsynced, renamed to `state.<generation>` and the directory fsynced;
//! the newest [`GENERATIONS_KEPT`] are kept. Reading takes the newest that is whole and
//! valid. Generations go on from the newest file on disk, used or not (a skipped newer
//! file is never overwritten, and a new file is never pruned at once as older than kept
//! ones). `STATE/lock` is held (`flock`) by the one server using the directory.
//!
//! ## When
//! Every [`SAVE_EVERY`], if anything in it changed (row counts aside), and at a clean
//! shutdown (`clean` set). A server that started without restoring (or with nothing restored)
//! writes nothing until it has a session, so a good snapshot is never replaced by an empty
//! one. The same task writes each busy pane's checkpoint (`spool_store::checkpoint`), so a
//! killed server loses at most that second of output. Rounds stop for good before the final
//! save (nothing is written while panes are hung up), and for a handover
//! (`Server::stop_persisting`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::layout::Node;
use crate::pane::Pane;
use crate::server::{now_unix, Server};
use crate::session::{Session, Tab};

/// The state file format's version (bumped only when an old server could not make sense of
/// a new file).
pub const STATE_VERSION: u32 = 1;

/// State files kept: a damaged newest one falls back to the one before.
pub const GENERATIONS_KEPT: usize = 4;

/// How often the state (and each busy pane's checkpoint) is written: what a crash can lose.
pub const SAVE_EVERY: Duration = Duration::from_secs(1);

/// Largest state file read (a state is a few hundred bytes per pane).
pub const STATE_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Reasons kept for what could not be restored (`spool stats`).
pub const RESTORE_ERRORS_MAX: usize = 64;

/// How often closed panes' histories are pruned (`closed_history_days`, the total budget).
pub const PRUNE_EVERY: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Saved {
    pub version: u32,
    pub written_unix: u64,
    /// Written by a clean shutdown (else the server died, or is still running).
    pub clean: bool,
    pub next_pane: u32,
    /// Session names, most recently used first.
    pub recent: Vec<String>,
    pub sessions: Vec<SavedSession>,
    pub panes: Vec<SavedPane>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedSession {
    pub name: String,
    pub created_unix: u64,
    pub cwd: Option<String>,
    pub env: Vec<(String, Option<String>)>,
    pub remain_on_exit: bool,
    pub active_tab: usize,
    pub cols: u16,
    pub rows: u16,
    pub tabs: Vec<SavedTab>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedTab {
    #[serde(default)]
    pub name: String,
    pub root: Node,
    pub active: u32,
    #[serde(default)]
    pub zoomed: bool,
    /// `synchronize-panes`.
    #[serde(default)]
    pub synchronized: bool,
    /// The preset layout last applied, by name.
    #[serde(default)]
    pub layout: Option<String>,
    /// `monitor-activity` (on unless turned off).
    #[serde(default = "yes")]
    pub monitor_activity: bool,
    /// `monitor-silence`, seconds (0 off).
    #[serde(default)]
    pub monitor_silence: u32,
    /// Its popup, shown or hidden (`display-popup`, the `C-b P` scratch shell); its pane is
    /// listed in [`Saved::panes`] like a tile.
    #[serde(default)]
    pub popup: Option<crate::session::Popup>,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SavedPane {
    pub id: u32,
    pub cols: u16,
    pub rows: u16,
    pub cwd: Option<String>,
    /// The pane's program and arguments (empty: the user's shell).
    pub argv: Vec<String>,
    /// A program its shell was running in the foreground.
    pub foreground: Vec<String>,
    pub env: Vec<(String, String)>,
    pub title: String,
    /// Its history directory, relative to the server's state directory.
    pub history: String,
    /// One past its newest history row.
    pub last_row: u64,
    pub remain_on_exit: bool,
    pub started_unix: u64,
}

fn dir(state_dir: &Path) -> PathBuf {
    state_dir.join("state")
}

/// A state as bytes: header line, then JSON (see `framed.rs`).
pub fn encode(s: &Saved) -> Vec<u8> {
    let body = serde_json::to_vec(s).expect("state serializes");
    crate::framed::frame(STATE_MAGIC, s.version, &body)
}

/// The first word of a state file's header.
const STATE_MAGIC: &str = "SPOOL-STATE";

/// Read a state file's bytes; why not, if it cannot be used.
pub fn decode(bytes: &[u8]) -> Result<Saved, String> {
    let (version, body) = crate::framed::unframe(STATE_MAGIC, bytes)?;
    if version > STATE_VERSION {
        return Err(format!(
            "written by a newer spool (state version {version})"
        ));
    }
    serde_json::from_slice(body).map_err(|e| format!("unreadable: {e}"))
}

/// The newest generation on disk, usable or not (0 if none).
pub fn newest_generation(state_dir: &Path) -> u64 {
    generations(state_dir).first().map_or(0, |g| g.0)
}

/// Lock the state directory for this server's lifetime (the lock goes with the returned
/// file): two servers sharing one (`-S a/s` and `-S b/s`, or the same name under two runtime
/// directories) would restore each other's sessions and write the same histories.
pub fn lock(state_dir: &Path) -> std::io::Result<std::fs::File> {
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(state_dir.join("lock"))?;
    // A server that just stopped may still hold it for a moment (its last history writes).
    let until = std::time::Instant::now() + LOCK_WAIT;
    loop {
        // SAFETY: flock on an fd we own.
        if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
            return Ok(f);
        }
        let e = std::io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EWOULDBLOCK) || std::time::Instant::now() > until {
            return Err(e);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// How long a starting server waits for the state directory's lock: a stopping server
/// releases it within its last history flushes; a running one never does.
const LOCK_WAIT: Duration = Duration::from_secs(3);

/// State files, newest generation first.
fn generations(state_dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut v: Vec<(u64, PathBuf)> = std::fs::read_dir(dir(state_dir))
        .map(|rd| {
            rd.flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let g = name.strip_prefix("state.")?.parse().ok()?;
                    Some((g, e.path()))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort_by_key(|g| std::cmp::Reverse(g.0));
    v
}

/// The newest usable state and its generation. Each file passed over is logged.
pub fn load(state_dir: &Path) -> Option<(Saved, u64)> {
    use std::io::Read;
    for (g, path) in generations(state_dir) {
        let mut bytes = Vec::new();
        let read = std::fs::File::open(&path)
            .and_then(|f| f.take(STATE_MAX_BYTES).read_to_end(&mut bytes));
        let result = read.map_err(|e| e.to_string()).and_then(|_| decode(&bytes));
        match result {
            Ok(s) => return Some((s, g)),
            Err(why) => tracing::warn!(file = %path.display(), "saved state not used: {why}"),
        }
    }
    None
}

/// Write `s` as generation `g` (atomically, durably) and drop old generations.
pub fn write(state_dir: &Path, g: u64, s: &Saved) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let d = dir(state_dir);
    spool_proto::paths::private_dir(&d).map_err(std::io::Error::other)?;
    // Named for its generation: two writes never share a temporary file.
    let tmp = d.join(format!("tmp.{g:020}"));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)?;
    f.write_all(&encode(s))?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, d.join(format!("state.{g:020}")))?;
    std::fs::File::open(&d)?.sync_all()?;
    for (_, old) in generations(state_dir).into_iter().skip(GENERATIONS_KEPT) {
        let _ = std::fs::remove_file(old);
    }
    // Temporary files a crash left behind.
    for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with("tmp.") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

impl Server {
    /// The state now. Structure is copied under the state lock; what needs a pane's terminal
    /// (title, cwd, the foreground program) is read after it is released.
    pub fn snapshot(&self, clean: bool) -> Saved {
        let (mut saved, panes): (Saved, Vec<Arc<Pane>>) = {
            let st = self.state();
            let sessions = st
                .sessions
                .iter()
                .map(|s| SavedSession {
                    name: s.name.clone(),
                    created_unix: s.created_unix,
                    cwd: s.cwd.clone(),
                    env: s.env.clone(),
                    remain_on_exit: s.remain_on_exit,
                    active_tab: s.active_tab,
                    cols: s.cols,
                    rows: s.rows,
                    tabs: s
                        .tabs
                        .iter()
                        .map(|t| SavedTab {
                            name: t.name.clone(),
                            root: t.root.clone(),
                            active: t.active,
                            zoomed: t.zoomed,
                            synchronized: t.synchronized,
                            layout: t.layout.map(|l| l.name().to_string()),
                            monitor_activity: t.monitor_activity,
                            monitor_silence: t.monitor_silence,
                            popup: t.popup.clone(),
                        })
                        .collect(),
                })
                .collect();
            let recent = st
                .recent_sessions
                .iter()
                .filter_map(|id| st.sessions.iter().find(|s| s.id == *id))
                .map(|s| s.name.clone())
                .collect();
            let in_layout: Vec<Arc<Pane>> = st
                .sessions
                .iter()
                .flat_map(|s| s.tabs.iter().flat_map(|t| t.all_panes()))
                .filter_map(|id| st.panes.get(&id).cloned())
                .collect();
            (
                Saved {
                    version: STATE_VERSION,
                    written_unix: now_unix(),
                    clean,
                    next_pane: st.next_pane,
                    recent,
                    sessions,
                    panes: Vec::new(),
                },
                in_layout,
            )
        };
        for p in panes {
            let (cols, rows) = p.size();
            saved.panes.push(SavedPane {
                id: p.id,
                cols,
                rows,
                cwd: p.cwd(),
                argv: p.argv.clone(),
                foreground: p.foreground_argv().unwrap_or_default(),
                env: p.spawn_env.clone(),
                title: p.term().title().to_string(),
                history: p
                    .history_dir
                    .strip_prefix(&self.config.state_dir)
                    .unwrap_or(&p.history_dir)
                    .display()
                    .to_string(),
                last_row: p.store.next_row(),
                remain_on_exit: p.remain_on_exit,
                started_unix: p.started_unix,
            });
        }
        saved
    }

    /// Bring back the saved sessions (config `restore`). Every pane gets a fresh shell (or
    /// its program again, if it is in `restore_programs`) in its directory, its history
    /// reopened with a marker row; a pane that cannot come back is left out and said so,
    /// and never stops the others. Returns how many panes came back.
    pub fn restore(self: &Arc<Self>) -> usize {
        let Some((saved, g)) = load(&self.config.state_dir) else {
            return 0;
        };
        self.set_generation(g);
        let settings = self.settings().persist;
        let why = if saved.clean {
            "server restarted"
        } else {
            "server restarted after a crash"
        };
        let marker = format!("── restored {} ({why}) ──", utc_minutes(now_unix()));
        let programs = settings.restore_programs;
        let restored = self.rebuild(&saved, |server, ss, sp| {
            server.revive(ss, sp, &marker, &programs)
        });
        tracing::info!(
            panes = restored,
            sessions = saved.sessions.len(),
            clean = saved.clean,
            "restored the saved sessions"
        );
        restored
    }

    /// Rebuild the sessions of `saved`, each pane brought back by `revive`; a pane it fails
    /// (or panics) for is left out, and said so. Returns how many panes came back.
    pub fn rebuild(
        self: &Arc<Self>,
        saved: &Saved,
        mut revive: impl FnMut(&Arc<Server>, &SavedSession, &SavedPane) -> Result<(), String>,
    ) -> usize {
        {
            let mut st = self.state();
            st.next_pane = st.next_pane.max(saved.next_pane);
        }
        let mut restored = 0;
        // Each pane once, even if a damaged file lists it twice.
        let mut seen = std::collections::HashSet::new();
        for ss in &saved.sessions {
            // A name taken (listed twice) is skipped before any of its panes starts: nothing
            // is left running outside a layout.
            if self.state().sessions.iter().any(|s| s.name == ss.name) {
                self.restore_error(format!("session {} listed twice; not restored", ss.name));
                continue;
            }
            let sid = {
                let mut st = self.state();
                let sid = st.next_session;
                st.next_session += 1;
                sid
            };
            let mut tabs = Vec::new();
            // Bring back pane `id` of this session; false if it is not listed (or listed
            // twice) or could not come back, which is said.
            let mut bring = |id: u32| -> bool {
                let sp = saved.panes.iter().find(|p| p.id == id);
                let Some(sp) = sp.filter(|_| seen.insert(id)) else {
                    return false;
                };
                let revived =
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| revive(self, ss, sp)));
                match revived {
                    Ok(Ok(())) => {
                        restored += 1;
                        return true;
                    }
                    Ok(Err(e)) => {
                        let msg = format!("pane %{id} of {} not restored: {e}", ss.name);
                        tracing::error!("{msg}");
                        self.restore_error(msg);
                    }
                    Err(_) => self.restore_error(format!("pane %{id}: restoring it panicked")),
                }
                false
            };
            for t in &ss.tabs {
                let mut root = Some(t.root.clone());
                for id in t.root.panes() {
                    if !bring(id) {
                        root = root.and_then(|r| without(r, id));
                    }
                }
                // A popup whose tab has no tile left goes too (it floats over the tiles).
                let popup = t
                    .popup
                    .as_ref()
                    .filter(|_| root.is_some())
                    .filter(|p| bring(p.pane))
                    .cloned();
                if let Some(root) = root {
                    let active = if root.contains(t.active) {
                        t.active
                    } else {
                        root.panes()[0]
                    };
                    let mut tab = Tab::new(root, active);
                    tab.name = t.name.clone();
                    tab.zoomed = t.zoomed;
                    tab.synchronized = t.synchronized;
                    tab.monitor_activity = t.monitor_activity;
                    tab.monitor_silence = t.monitor_silence;
                    tab.layout = t.layout.as_deref().and_then(crate::layout::Layout::parse);
                    tab.popup = popup;
                    tabs.push(tab);
                }
            }
            if tabs.is_empty() {
                continue;
            }
            let mut st = self.state();
            if st.sessions.iter().any(|s| s.name == ss.name) {
                continue;
            }
            st.sessions.push(Session {
                id: sid,
                name: ss.name.clone(),
                active_tab: ss.active_tab.min(tabs.len() - 1),
                last_tab: None,
                tabs,
                cols: ss.cols.max(1),
                rows: ss.rows.max(1),
                created_unix: ss.created_unix,
                remain_on_exit: ss.remain_on_exit,
                env: ss.env.clone(),
                cwd: ss.cwd.clone(),
            });
        }
        let mut st = self.state();
        let order: Vec<u32> = saved
            .recent
            .iter()
            .rev()
            .filter_map(|n| st.sessions.iter().find(|s| &s.name == n).map(|s| s.id))
            .collect();
        for sid in order {
            Server::touch_session(&mut st, sid);
        }
        let all: Vec<u32> = st.sessions.iter().map(|s| s.id).collect();
        for sid in all {
            if !st.recent_sessions.contains(&sid) {
                st.recent_sessions.push(sid);
            }
        }
        drop(st);
        if restored > 0 {
            self.mark_had_sessions();
        }
        restored
    }

    /// Start one saved pane again.
    fn revive(
        self: &Arc<Self>,
        ss: &SavedSession,
        sp: &SavedPane,
        marker: &str,
        programs: &[String],
    ) -> Result<(), String> {
        let listed = |argv: &[String]| {
            argv.first().is_some_and(|a| {
                let name = a.rsplit('/').next().unwrap_or(a);
                programs.iter().any(|p| p == name)
            })
        };
        // Only the programs on the list run again; anything else becomes a shell.
        let (command, typed) = if listed(&sp.argv) {
            (sp.argv.clone(), None)
        } else if listed(&sp.foreground) {
            let line = sp
                .foreground
                .iter()
                .map(|a| spool_proto::text::shell_quote(a))
                .collect::<Vec<_>>()
                .join(" ");
            (Vec::new(), Some(format!("{line}\r").into_bytes()))
        } else {
            (Vec::new(), None)
        };
        let history = safe_relative(&sp.history).ok_or("bad history directory")?;
        let spawn = spool_proto::Spawn {
            command,
            cwd: sp.cwd.clone(),
            remain_on_exit: sp.remain_on_exit,
            env: sp.env.clone(),
        };
        let revival = crate::spawn::Revival {
            id: sp.id,
            dir: self.config.state_dir.join(history),
            marker: marker.to_string(),
            typed,
            started_unix: sp.started_unix,
        };
        self.spawn_pane(
            &spawn,
            &ss.env,
            sp.cols,
            sp.rows,
            sp.remain_on_exit,
            Some(revival),
        )
        .map(|_| ())
    }
}

/// `tree` without pane `id` (`None` if nothing is left).
fn without(mut tree: Node, id: u32) -> Option<Node> {
    if tree == Node::Pane(id) {
        return None;
    }
    tree.remove(id);
    Some(tree)
}

/// A relative path inside the state directory (a state file names nothing outside it).
pub(crate) fn safe_relative(p: &str) -> Option<PathBuf> {
    let path = Path::new(p);
    let ok = !p.is_empty()
        && path.is_relative()
        && path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    ok.then(|| path.to_path_buf())
}

/// `YYYY-MM-DD HH:MM UTC`.
pub(crate) fn utc_minutes(secs: u64) -> String {
    spool_proto::text::utc(secs, false)
}

/// The volatile parts of a state zeroed: what is compared to decide whether to write.
fn shape(s: &Saved) -> Saved {
    let mut s = s.clone();
    s.written_unix = 0;
    for p in &mut s.panes {
        p.last_row = 0;
    }
    s
}

/// Save the state when it changes and checkpoint busy panes, every [`SAVE_EVERY`]; prune
/// closed histories every [`PRUNE_EVERY`]. Runs until the server stops.
pub async fn run(server: Arc<Server>) {
    let mut tick = tokio::time::interval(SAVE_EVERY);
    let mut round = Round::default();
    let mut since_prune = Duration::ZERO;
    loop {
        tick.tick().await;
        since_prune += SAVE_EVERY;
        if server.bus.listened() {
            let panes: Vec<Arc<Pane>> = server.state().panes.values().cloned().collect();
            for p in panes {
                p.check_quiet();
            }
        }
        let srv = server.clone();
        let prune = since_prune >= PRUNE_EVERY;
        if prune {
            since_prune = Duration::ZERO;
        }
        if !prune && srv.round_is_idle(&mut round) {
            continue;
        }
        let r = std::mem::take(&mut round);
        let done = tokio::task::spawn_blocking(move || srv.save_round(r, prune)).await;
        match done {
            Ok(r) => round = r,
            Err(e) => tracing::error!(error = %e, "saving the state failed"),
        }
    }
}

/// Rounds after a pane's last output in which the state is still snapshotted: a program
/// the shell starts, or a directory it changes to, is in place a moment after the output
/// that announced it (the echo of Enter, the prompt).
pub(crate) const SNAPSHOT_ROUNDS_AFTER_OUTPUT: u32 = 5;

/// Most rounds between two snapshots, whatever happened: what no output and no state
/// change announces (a directory renamed under a shell) is saved within this many.
const SNAPSHOT_ROUNDS_MAX: u32 = 60;

/// What one save round hands the next.
#[derive(Default)]
struct Round {
    /// The state last saved (or found unchanged).
    last: Option<Saved>,
    /// Each pane's output batch count at the last round.
    outputs: std::collections::HashMap<u32, u32>,
    /// The state's mutation count at the last snapshot.
    mutations: u64,
    /// Rounds since a pane printed, and since the last snapshot.
    since_output: u32,
    since_snapshot: u32,
}

impl Round {
    /// Whether this round snapshots the state, given the state's mutation count and whether
    /// a pane printed since the last round: not when the last snapshot would be found again.
    fn snapshot_due(&self, mutations: u64, printed: bool) -> bool {
        self.last.is_none()
            || mutations != self.mutations
            || printed
            || self.since_output < SNAPSHOT_ROUNDS_AFTER_OUTPUT
            || self.since_snapshot + 1 >= SNAPSHOT_ROUNDS_MAX
    }

    /// Count a round that snapshotted (or not) after panes printed (or not).
    fn count(&mut self, snapshot: bool, printed: bool) {
        self.since_output = if printed {
            0
        } else {
            self.since_output.saturating_add(1)
        };
        self.since_snapshot = if snapshot {
            0
        } else {
            self.since_snapshot.saturating_add(1)
        };
    }
}

impl Server {
    /// A round with nothing to do, counted here instead of run (no pane printed, the state
    /// and the paste buffers are as they were, no snapshot is due, no image collection): an
    /// idle server does this much each second, without a blocking thread.
    fn round_is_idle(&self, r: &mut Round) -> bool {
        let (mutations, printed) = {
            let st = self.state();
            let printed = st.panes.len() != r.outputs.len()
                || st.panes.values().any(|p| {
                    let n = p.output_batches.load(std::sync::atomic::Ordering::Relaxed);
                    r.outputs.get(&p.id) != Some(&n)
                });
            (st.mutations, printed)
        };
        let buffers_saved = self
            .buffers_saved
            .load(std::sync::atomic::Ordering::Relaxed);
        let idle = !printed
            && !r.snapshot_due(mutations, printed)
            && (self.buffers().changes() == buffers_saved || !self.restore_wanted())
            && !self.images.collection_due();
        if idle {
            r.count(false, false);
        }
        idle
    }

    /// Whether the state is saved for a restart (config `restore`).
    fn restore_wanted(&self) -> bool {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .persist
            .restore
    }

    /// One round: checkpoint the panes that printed, and snapshot the state and save it if
    /// it changed. An idle server skips the snapshot (which reads every pane's directory and
    /// foreground program, and copies every session's environment): with no output and no
    /// change to the state since the last one, it would find the same.
    fn save_round(&self, mut r: Round, prune: bool) -> Round {
        let stopped = self
            .persist_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if *stopped {
            return r;
        }
        // Checkpoints of the panes that printed since the last round.
        let (panes, mutations) = {
            let st = self.state();
            let panes: Vec<Arc<Pane>> = st.panes.values().cloned().collect();
            (panes, st.mutations)
        };
        let mut seen = std::collections::HashMap::new();
        let mut printed = false;
        for p in &panes {
            let n = p.output_batches.load(std::sync::atomic::Ordering::Relaxed);
            if r.outputs.get(&p.id) != Some(&n) && !p.is_closed() {
                p.checkpoint();
                printed = true;
            }
            seen.insert(p.id, n);
        }
        r.outputs = seen;
        let snapshot = r.snapshot_due(mutations, printed);
        r.count(snapshot, printed);
        let wanted = self.restore_wanted();
        if snapshot {
            r.mutations = mutations;
            let now = self.snapshot(false);
            let changed = r.last.as_ref().is_none_or(|l| shape(l) != shape(&now));
            // A server that has never had a session does not overwrite a saved state.
            if !now.sessions.is_empty() {
                self.mark_had_sessions();
            }
            // With `restore = off` there is nothing to save a state for (the files left by
            // an earlier run stay as they were).
            if changed && wanted && self.had_sessions() {
                if let Err(e) = write(&self.config.state_dir, self.next_generation(), &now) {
                    tracing::warn!(error = %e, "could not save the state");
                }
            }
            r.last = Some(now);
        }
        if wanted {
            self.save_buffers();
        }
        if prune {
            self.prune_histories();
        }
        if prune || self.images.collection_due() {
            self.collect_images();
        }
        r
    }

    /// The final state, at a clean shutdown (before the panes are hung up).
    pub fn save_final(&self) {
        // No round runs after this one: nothing is saved once the panes are being hung up.
        let mut stopped = self
            .persist_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        *stopped = true;
        if !self.had_sessions() || !self.settings().persist.restore {
            return;
        }
        let s = self.snapshot(true);
        if let Err(e) = write(&self.config.state_dir, self.next_generation(), &s) {
            tracing::warn!(error = %e, "could not save the state");
        }
        self.save_buffers();
    }

    /// Bring back the paste buffers the last server saved (at a restart or an upgrade).
    pub fn load_buffers(&self) {
        if let Some(b) = crate::buffers::Buffers::load(&dir(&self.config.state_dir)) {
            self.buffers_saved
                .store(b.changes(), std::sync::atomic::Ordering::Relaxed);
            *self.buffers() = b;
        }
    }

    /// Write the paste buffers' saved copy if they changed since it was written.
    pub fn save_buffers(&self) {
        use std::sync::atomic::Ordering;
        let (bytes, changes) = {
            let b = self.buffers();
            if b.changes() == self.buffers_saved.load(Ordering::Relaxed) {
                return;
            }
            (b.encode(), b.changes())
        };
        match crate::buffers::Buffers::write_file(&dir(&self.config.state_dir), &bytes) {
            Ok(()) => self.buffers_saved.store(changes, Ordering::Relaxed),
            Err(e) => tracing::warn!(error = %e, "could not save the paste buffers"),
        }
    }

    /// Delete closed histories past `closed_history_days`, and the oldest closed ones while
    /// everything exceeds the total disk budget.
    pub fn prune_histories(&self) {
        let days = self.settings().persist.closed_history_days as u64;
        let live: Vec<PathBuf> = self
            .state()
            .panes
            .values()
            .map(|p| p.history_dir.clone())
            .collect();
        crate::histories::prune(
            &self.config.state_dir,
            &live,
            days * 86_400,
            self.env.config().retention_total_bytes,
            self.env.total_disk_bytes(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_reads_back_and_damage_is_refused() {
        let s = Saved {
            version: STATE_VERSION,
            next_pane: 4,
            sessions: vec![SavedSession {
                name: "work".into(),
                tabs: vec![SavedTab {
                    name: String::new(),
                    root: Node::Pane(3),
                    active: 3,
                    zoomed: false,
                    synchronized: false,
                    layout: Some("tiled".into()),
                    monitor_activity: true,
                    monitor_silence: 0,
                    popup: None,
                }],
                ..Default::default()
            }],
            ..Default::default()
        };
        let b = encode(&s);
        assert_eq!(decode(&b).unwrap(), s);
        assert!(decode(&b[..b.len() - 1]).is_err());
        let mut flipped = b.clone();
        let n = flipped.len() - 5;
        flipped[n] ^= 1;
        assert!(decode(&flipped).is_err());
        assert!(decode(b"").is_err());
        let future =
            String::from_utf8(b.clone())
                .unwrap()
                .replacen("SPOOL-STATE 1 ", "SPOOL-STATE 9 ", 1);
        assert!(decode(future.as_bytes()).unwrap_err().contains("newer"));
        // Unknown fields are ignored.
        let body = br#"{"version":1,"next_pane":2,"from_the_future":[1,2]}"#;
        // (Framed by hand: the format is the contract with other versions.)
        let mut f = format!(
            "SPOOL-STATE 1 {:08x} {}\n",
            crc32fast::hash(body),
            body.len()
        )
        .into_bytes();
        f.extend_from_slice(body);
        assert_eq!(decode(&f).unwrap().next_pane, 2);
    }

    #[test]
    fn quoting_and_paths() {
        use spool_proto::text::shell_quote;
        assert_eq!(shell_quote("less"), "less");
        assert_eq!(shell_quote("my file"), "'my file'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert!(safe_relative("panes/x").is_some());
        assert!(safe_relative("../x").is_none());
        assert!(safe_relative("/etc").is_none());
        assert_eq!(utc_minutes(1_795_600_000), "2026-11-25 09:46 UTC");
    }

    #[test]
    fn the_checksum_is_crc32() {
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
    }
}
