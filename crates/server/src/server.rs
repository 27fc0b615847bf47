//! The server's state and life: sessions, panes, the socket, shutdown.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use spool_store::Env;
use tokio::sync::{mpsc, watch};

use crate::pane::Pane;
use crate::session::Session;
use crate::spawn::BLOCKED_ENV;

/// Exit statuses of recently closed panes kept for `spool wait` arriving late: a script that
/// starts a short command and then waits for it must not lose the race with the pane closing.
pub const RECENT_EXITS_MAX: usize = 256;

/// Most clients connected at once; more are refused with an error (each costs a task and a
/// frame buffer, so this bounds the server's client memory).
pub const MAX_CLIENTS: usize = 256;

/// Captures and searches running at once (more wait their turn). Each holds a screen's rows,
/// a compiled regex (≤ `spool_store::REGEX_SIZE_LIMIT`) and one bounded batch of history, so
/// this bounds their memory; with two cores, more would only share the CPU thinner.
pub const CONCURRENT_READS_MAX: usize = 2;

/// Default pane size when no client says otherwise (tmux's default).
pub const DEFAULT_COLS: u16 = 80;
pub const DEFAULT_ROWS: u16 = 24;

/// How the server was started.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub socket: PathBuf,
    /// Where pane history goes (`$XDG_STATE_HOME/spool/NAME`).
    pub state_dir: PathBuf,
    /// The settings the server starts with (from the config file, or the defaults). Read once
    /// by `Server::new`; the settings in effect are `Server::settings` (a reload changes them).
    pub settings: crate::config::Config,
    /// Why the config file could not be used at start, if it could not. Read once by
    /// `Server::new`; the current one is `Server::config_error`.
    pub config_error: Option<String>,
    /// A handover file from the previous binary (`spool upgrade`).
    pub handover: Option<PathBuf>,
}

/// An attached client.
#[derive(Clone, Copy, Debug)]
pub struct ClientInfo {
    pub session: u32,
    pub cols: u16,
    pub rows: u16,
    /// When it last typed or resized (an activity stamp).
    pub active: u64,
}

/// Something a pane task tells the server.
#[derive(Debug)]
pub enum Event {
    PaneDone(u32),
}

pub struct State {
    /// Panes to resize once the lock is released: resizing takes the pane's terminal lock,
    /// which is never taken under the state lock. At most one entry per pane and relayout.
    pub(crate) resizes: Vec<(Arc<Pane>, u16, u16)>,
    pub sessions: Vec<Session>,
    pub panes: BTreeMap<u32, Arc<Pane>>,
    pub(crate) next_pane: u32,
    pub(crate) next_session: u32,
    /// Most recently used session id first.
    pub recent_sessions: Vec<u32>,
    recent_exits: VecDeque<(u32, i32)>,
    /// Attached clients.
    pub clients: BTreeMap<u64, ClientInfo>,
    /// Sessions take the size of their latest active client rather than the smallest.
    size_latest: bool,
    /// Counter stamping client activity (for `size_latest`).
    activity: u64,
    next_client: u64,
    /// Counts the times the state was borrowed to be changed (each `DerefMut` of a
    /// `StateGuard`): unchanged, the state is as it was (the save round skips its snapshot,
    /// see `persist::run`). Wraps.
    pub(crate) mutations: u64,
}

/// The locked server state. When it is dropped the lock is released first, and then the
/// resizes decided under it are applied (each takes a terminal lock).
pub struct StateGuard<'a> {
    guard: Option<MutexGuard<'a, State>>,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        self.guard.as_ref().expect("held until dropped")
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        let st = self.guard.as_mut().expect("held until dropped");
        st.mutations = st.mutations.wrapping_add(1);
        st
    }
}

thread_local! {
    /// State locks this thread holds (0 or 1: it is not reentrant). A `StateGuard` is not
    /// `Send`, so it never crosses an `.await` to another thread, and this count is exact.
    static STATE_HELD: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// Does this thread hold the state lock? The lock order (ARCHITECTURE.md) forbids taking a
/// terminal lock then: `Pane::term` asserts this in debug builds, so the test suite checks
/// the order on every path it runs.
pub fn state_held() -> bool {
    STATE_HELD.with(|h| h.get() > 0)
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        let resizes = self
            .guard
            .as_mut()
            .map(|g| std::mem::take(&mut g.resizes))
            .unwrap_or_default();
        self.guard = None;
        STATE_HELD.with(|h| h.set(h.get() - 1));
        for (pane, cols, rows) in resizes {
            pane.resize(cols, rows);
        }
    }
}

/// `spool upgrade`'s request to the accept loop: the binary, and where to say why it failed.
pub type UpgradeAsk = (PathBuf, tokio::sync::oneshot::Sender<String>);

pub struct Server {
    pub config: ServerConfig,
    pub env: Env,
    pub(crate) state: Mutex<State>,
    pub started: Instant,
    pub(crate) events: mpsc::Sender<Event>,
    /// Image bytes the panes showed, on disk by content, and their RAM cache.
    pub images: Arc<crate::images::ImageStore>,
    pub shutdown: watch::Sender<bool>,
    /// Bytes held in client connection buffers (a gauge).
    pub client_bytes: AtomicU64,
    pub clients: AtomicUsize,
    /// Connections that have not said hello yet (at most `conn::MAX_HANDSHAKING`).
    pub handshaking: AtomicUsize,
    /// Turns for captures and searches ([`CONCURRENT_READS_MAX`]).
    heavy_reads: Arc<tokio::sync::Semaphore>,
    /// What all connections together may hold in requests (`conn::REQUEST_BUDGET_BYTES`).
    pub request_budget: Arc<tokio::sync::Semaphore>,
    /// Poked when the server may have become empty (last session closed, a client left).
    pub maybe_empty: tokio::sync::Notify,
    /// Bumped on any change an attached client may need to show (pane output, layout).
    pub changes: Arc<watch::Sender<u64>>,
    /// The event stream's subscribers (`spool events`, see `bus.rs`).
    pub bus: Arc<crate::bus::Bus>,
    /// The config in effect (its history settings are those the server started with).
    pub settings: Mutex<crate::config::Config>,
    /// What is wrong with the config file, if the last read of it failed (shown to clients
    /// when they attach).
    pub config_error: Mutex<Option<String>>,
    /// Keys and status line for attached clients; a reload sends the new value to them all.
    pub ui: watch::Sender<Arc<spool_proto::ui::UiConfig>>,
    /// `spool upgrade` asks the accept loop to hand over to a binary; it answers why it
    /// could not (if it answers at all).
    pub upgrade_tx: mpsc::Sender<UpgradeAsk>,
    pub upgrade_rx: Mutex<Option<mpsc::Receiver<UpgradeAsk>>>,
    /// What attached clients are told when the server stops.
    pub stop_reason: Mutex<&'static str>,
    /// Why panes were not restored (at most `persist::RESTORE_ERRORS_MAX`).
    pub restore_errors: Mutex<Vec<String>>,
    /// The state file generation written last (see `persist.rs`).
    generation: AtomicU64,
    /// Held by every round of state saving and checkpoints (`persist.rs`), so that what must
    /// not overlap one can wait for it: the final save and a handover set it to `true`,
    /// which stops the rounds (a handover that fails sets it back).
    pub persist_stopped: Mutex<bool>,
    /// Stores of histories open without a live pane (closed panes being retired, closed
    /// histories being read): one `Store` per directory, so a history is never opened twice
    /// (each would write its recovered tail). Dead entries go at each lookup; live ones are
    /// as many as reads running (`CONCURRENT_READS_MAX`) and panes closing.
    pub open_histories: Mutex<Vec<(PathBuf, std::sync::Weak<spool_store::Store>)>>,
    /// Taken while a closed history is opened (see `Server::source_at`).
    pub history_open: Mutex<()>,
    /// The last `display-message` serial given.
    message_serial: std::sync::atomic::AtomicU64,
    /// The paste buffers' change counter when they were last saved.
    pub buffers_saved: std::sync::atomic::AtomicU64,
    /// Global options set at runtime (`set-option -g`), on top of the config file.
    pub options: Mutex<crate::config::Options>,
    /// Paste buffers (bounded: see `buffers.rs`).
    buffers: Mutex<crate::buffers::Buffers>,
    /// The latest `display-message` per session id, numbered: attached clients show each
    /// once. One per live session, each at most `MESSAGE_MAX_BYTES`.
    pub messages: Mutex<BTreeMap<u32, (u64, String)>>,
    /// This run has had a session: only then may it write a state (an empty start never
    /// replaces a good one).
    had_sessions: std::sync::atomic::AtomicBool,
    /// The server's environment at start, less `BLOCKED_ENV`: the base of every pane's.
    pub(crate) base_env: Vec<(String, String)>,
    /// The default colors (foreground, background, cursor) of the latest client's terminal
    /// that reported them: what OSC 10/11/12 queries are answered with.
    pub(crate) outer_colors: Mutex<Option<[spool_term::palette::Rgb; 3]>>,
    /// The cell size in pixels of the terminal of the client that last said it.
    pub(crate) cell_pixels: Mutex<(u16, u16)>,
}

pub(crate) fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Unix time in milliseconds (command logs, events).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

impl Server {
    pub fn new(config: ServerConfig) -> (Arc<Server>, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(64);
        let (upgrade_tx, upgrade_rx) = mpsc::channel(1);
        let env = Env::new(config.settings.store.clone());
        let size_latest = config.settings.size_latest;
        let images_dir = config.state_dir.join("images");
        let config_error = Mutex::new(config.config_error.clone());
        let settings = Mutex::new(config.settings.clone());
        let ui = watch::channel(Arc::new(config.settings.ui.clone())).0;
        let server = Arc::new(Server {
            config,
            env,
            state: Mutex::new(State {
                resizes: Vec::new(),
                sessions: Vec::new(),
                panes: BTreeMap::new(),
                next_pane: 0,
                next_session: 0,
                recent_sessions: Vec::new(),
                recent_exits: VecDeque::new(),
                clients: BTreeMap::new(),
                size_latest,
                activity: 0,
                next_client: 0,
                mutations: 0,
            }),
            started: Instant::now(),
            events: tx,
            images: Arc::new(crate::images::ImageStore::new(
                images_dir,
                crate::images::IMAGE_CACHE_BYTES,
                crate::images::IMAGE_DISK_MAX_BYTES,
            )),
            shutdown: watch::channel(false).0,
            client_bytes: AtomicU64::new(0),
            clients: AtomicUsize::new(0),
            handshaking: AtomicUsize::new(0),
            request_budget: crate::conn::request_budget(),
            heavy_reads: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_READS_MAX)),
            maybe_empty: tokio::sync::Notify::new(),
            changes: Arc::new(watch::channel(0).0),
            settings,
            config_error,
            ui,
            base_env: std::env::vars()
                .filter(|(k, _)| !BLOCKED_ENV.contains(&k.as_str()))
                .collect(),
            outer_colors: Mutex::new(None),
            cell_pixels: Mutex::new(spool_term::CELL_PIXELS_DEFAULT),
            bus: Default::default(),
            restore_errors: Mutex::new(Vec::new()),
            stop_reason: Mutex::new("server exited"),
            upgrade_tx,
            upgrade_rx: Mutex::new(Some(upgrade_rx)),
            generation: AtomicU64::new(0),
            persist_stopped: Mutex::new(false),
            open_histories: Mutex::new(Vec::new()),
            history_open: Mutex::new(()),
            buffers: Mutex::new(Default::default()),
            options: Mutex::new(Default::default()),
            buffers_saved: std::sync::atomic::AtomicU64::new(0),
            message_serial: std::sync::atomic::AtomicU64::new(0),
            messages: Mutex::new(BTreeMap::new()),
            had_sessions: std::sync::atomic::AtomicBool::new(false),
        });
        // The bus asks which session a pane is in (for session-filtered subscribers).
        let weak = Arc::downgrade(&server);
        server.bus.set_sessions(Box::new(move |pane| {
            let server = weak.upgrade()?;
            let st = server.state();
            Self::session_index_of(&st, pane).map(|si| st.sessions[si].id)
        }));
        (server, rx)
    }

    /// Wait for a turn to run a capture or a search (see [`CONCURRENT_READS_MAX`]).
    pub async fn heavy_read(&self) -> tokio::sync::OwnedSemaphorePermit {
        self.heavy_reads
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }

    /// A client's terminal reported its default colors: every pane answers OSC 10/11/12
    /// queries with them from now on (the emulator's defaults stand in for what is missing).
    pub fn set_outer_colors(
        &self,
        fg: Option<spool_term::palette::Rgb>,
        bg: Option<spool_term::palette::Rgb>,
        cursor: Option<spool_term::palette::Rgb>,
    ) {
        use spool_term::palette::{DEFAULT_BG, DEFAULT_FG};
        let fg = fg.unwrap_or(DEFAULT_FG);
        // A terminal that reports no cursor color draws its cursor in its foreground.
        let colors = [fg, bg.unwrap_or(DEFAULT_BG), cursor.unwrap_or(fg)];
        *self.outer_colors.lock().unwrap_or_else(|p| p.into_inner()) = Some(colors);
        self.tell_panes_outer();
    }

    /// A client's terminal said its cell size: every pane takes it (as `set_outer_colors`, the
    /// latest client's wins).
    pub fn set_cell_pixels(&self, width: u16, height: u16) {
        let cell = (width.clamp(1, 1024), height.clamp(1, 1024));
        *self.cell_pixels.lock().unwrap_or_else(|p| p.into_inner()) = cell;
        self.tell_panes_outer();
    }

    /// What is known of the outer terminal, which every pane is told: its default colors (if
    /// a client said them) and its cell size in pixels.
    pub fn outer(&self) -> crate::pane::Outer {
        crate::pane::Outer {
            colors: *self.outer_colors.lock().unwrap_or_else(|p| p.into_inner()),
            cell: self.cell_pixels(),
        }
    }

    /// Tell every pane what is known of the outer terminal. Two clients may report at once,
    /// and a pane may be added meanwhile (it is told once it is in the map, see
    /// `Server::add_pane`): a teller goes round again until what it told is still what is
    /// known, so the last round anyone makes tells the newest.
    fn tell_panes_outer(&self) {
        loop {
            let told = self.outer();
            let panes: Vec<Arc<Pane>> = self.state().panes.values().cloned().collect();
            for p in panes {
                p.tell_outer(told);
            }
            if self.outer() == told {
                return;
            }
        }
    }

    pub fn cell_pixels(&self) -> (u16, u16) {
        *self.cell_pixels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The newest state generation on disk (read at start, whether or not it was used):
    /// written ones follow it, so they are never older than one kept.
    pub fn set_generation(&self, g: u64) {
        self.generation.fetch_max(g, Ordering::Relaxed);
    }

    /// The next state generation to write.
    pub fn next_generation(&self) -> u64 {
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Stop (or restart) the rounds of state saving and checkpoints; when this returns, none
    /// is running.
    pub fn stop_persisting(&self, stop: bool) {
        *self
            .persist_stopped
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = stop;
    }

    pub fn mark_had_sessions(&self) {
        self.had_sessions.store(true, Ordering::Relaxed);
    }

    pub fn had_sessions(&self) -> bool {
        self.had_sessions.load(Ordering::Relaxed)
    }

    /// Tell attached clients something changed.
    pub fn bump(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A client attached to session `sid` with this terminal size: sessions take the size of
    /// their smallest client (or, with `window_size = "latest"`, of the client that typed or
    /// resized last), less one row for the status line.
    pub fn attach_client(&self, sid: u32, cols: u16, rows: u16) -> u64 {
        let mut st = self.state();
        let id = st.next_client;
        st.next_client += 1;
        st.activity += 1;
        let active = st.activity;
        if let Some(s) = st.sessions.iter().find(|s| s.id == sid) {
            self.announce("client-attached", None, Some((sid, &s.name)), |_| {});
        }
        st.clients.insert(
            id,
            ClientInfo {
                session: sid,
                cols,
                rows,
                active,
            },
        );
        Self::fit_session(&mut st, sid);
        id
    }

    pub fn resize_client(&self, id: u64, cols: u16, rows: u16) {
        let mut st = self.state();
        st.activity += 1;
        let active = st.activity;
        let Some(c) = st.clients.get_mut(&id) else {
            return;
        };
        c.cols = cols;
        c.rows = rows;
        c.active = active;
        let sid = c.session;
        Self::fit_session(&mut st, sid);
    }

    /// The client typed: with latest-client sizing its size becomes the session's.
    pub fn client_typed(&self, id: u64) {
        let mut st = self.state();
        if !st.size_latest {
            return;
        }
        let newest = st.clients.values().map(|c| c.active).max();
        st.activity += 1;
        let active = st.activity;
        let Some(c) = st.clients.get_mut(&id) else {
            return;
        };
        let was_latest = newest == Some(c.active);
        c.active = active;
        let sid = c.session;
        if !was_latest {
            Self::fit_session(&mut st, sid);
        }
    }

    /// Put a newly read config in effect: sizing and the clients' keys and status line at once.
    /// The history store's settings stay those the server started with; the answer says so
    /// when the file asks for others.
    pub fn apply_settings(&self, mut new: crate::config::Config) -> Option<String> {
        let mut cur = self.settings.lock().unwrap_or_else(|p| p.into_inner());
        let note = (new.store != cur.store).then(|| {
            "history settings (budgets, compression level) apply from the next server start"
                .to_string()
        });
        new.store = cur.store.clone();
        self.set_size_latest(new.size_latest);
        if new.ui != cur.ui {
            self.ui.send_replace(Arc::new(new.ui.clone()));
        }
        *cur = new;
        drop(cur);
        self.bump();
        note
    }

    /// Choose latest-client sizing (the default is the smallest client, as tmux), refitting
    /// every session to its clients.
    pub fn set_size_latest(&self, on: bool) {
        let mut st = self.state();
        if st.size_latest == on {
            return;
        }
        st.size_latest = on;
        let ids: Vec<u32> = st.sessions.iter().map(|s| s.id).collect();
        for sid in ids {
            Self::fit_session(&mut st, sid);
        }
    }

    /// Move a client to another session.
    pub fn move_client(&self, id: u64, sid: u32) {
        let mut st = self.state();
        let Some(c) = st.clients.get_mut(&id) else {
            return;
        };
        let old = std::mem::replace(&mut c.session, sid);
        Self::fit_session(&mut st, old);
        Self::fit_session(&mut st, sid);
    }

    pub fn detach_client(&self, id: u64) {
        let mut st = self.state();
        if let Some(c) = st.clients.remove(&id) {
            if let Some(s) = st.sessions.iter().find(|s| s.id == c.session) {
                self.announce("client-detached", None, Some((s.id, &s.name)), |_| {});
            }
            Self::fit_session(&mut st, c.session);
        }
    }

    fn fit_session(st: &mut State, sid: u32) {
        let mine = st.clients.values().filter(|c| c.session == sid);
        let size = if st.size_latest {
            mine.max_by_key(|c| c.active).map(|c| (c.cols, c.rows))
        } else {
            mine.map(|c| (c.cols, c.rows))
                .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1)))
        };
        let Some((cols, rows)) = size else { return };
        let Some(si) = st.sessions.iter().position(|s| s.id == sid) else {
            return;
        };
        let s = &mut st.sessions[si];
        (s.cols, s.rows) = crate::size::clamp(cols, rows.saturating_sub(1));
        Self::relayout(st, si);
    }

    /// Lock the server state. Lock order: the state lock is never held while a terminal
    /// lock is taken; resizes decided under it are applied when it is released.
    pub fn state(&self) -> StateGuard<'_> {
        let guard = Some(self.state.lock().unwrap_or_else(|p| p.into_inner()));
        STATE_HELD.with(|h| h.set(h.get() + 1));
        StateGuard { guard }
    }

    pub fn pane(&self, id: u32) -> Option<Arc<Pane>> {
        self.state().panes.get(&id).cloned()
    }

    /// Exit status of a pane closed recently.
    pub fn recent_exit(&self, id: u32) -> Option<i32> {
        self.state()
            .recent_exits
            .iter()
            .find(|(p, _)| *p == id)
            .map(|e| e.1)
    }

    /// Resolve `-t` (see [`crate::target`]) for a command running in pane `here`, if any.
    pub fn resolve_pane(
        &self,
        target: Option<&str>,
        here: Option<u32>,
    ) -> Result<Arc<Pane>, String> {
        let st = self.state();
        let id = crate::target::resolve(&st, target, here)?;
        st.panes
            .get(&id)
            .cloned()
            .ok_or_else(|| format!("can't find pane: %{id}"))
    }

    /// The session (by index) attached client `client` shows, and the pane it has focused.
    pub fn client_focus(st: &State, client: u64) -> Option<(usize, u32)> {
        let sid = st.clients.get(&client)?.session;
        let si = st.sessions.iter().position(|s| s.id == sid)?;
        Some((si, st.sessions[si].active_pane()?))
    }

    /// The pane attached client `client` has focused now (takes the state lock).
    pub fn focused_pane_of(&self, client: u64) -> Option<u32> {
        Self::client_focus(&self.state(), client).map(|(_, id)| id)
    }

    /// The session holding pane `id`, by index.
    pub fn session_index_of(st: &State, id: u32) -> Option<usize> {
        st.sessions.iter().position(|s| s.tab_of(id).is_some())
    }

    pub fn touch_session(st: &mut State, sid: u32) {
        st.recent_sessions.retain(|s| *s != sid);
        st.recent_sessions.insert(0, sid);
    }

    /// Give every pane of session `si` the size its layout says.
    /// The panes are resized when the state lock is released (see [`StateGuard`]).
    pub fn relayout(st: &mut State, si: usize) {
        let s = &st.sessions[si];
        for (_, id, r) in s.pane_rects() {
            if s.tabs
                .iter()
                .any(|t| t.zoomed && t.active != id && t.root.contains(id))
            {
                continue; // hidden behind a zoomed pane: keeps its size
            }
            if let Some(p) = st.panes.get(&id) {
                if p.size() != (r.w, r.h) {
                    st.resizes.push((p.clone(), r.w, r.h));
                }
            }
        }
    }

    /// Stop: hang up every pane and make its history durable (its screen included). The
    /// histories stay on disk: a restarting server reopens them (see `persist.rs`).
    pub fn shutdown_panes(&self) {
        let panes: Vec<Arc<Pane>> = {
            let mut st = self.state();
            st.sessions.clear();
            std::mem::take(&mut st.panes).into_values().collect()
        };
        for p in &panes {
            p.hangup();
        }
        tokio::task::block_in_place(|| {
            for p in &panes {
                p.retire();
            }
        });
    }

    /// Close a pane: out of its layout, its process hung up. Its history (its last screen
    /// included) stays on disk for `closed_history_days`, marked closed.
    pub fn remove_pane(&self, id: u32) {
        let session;
        let mut orphan = None;
        let pane = {
            let mut st = self.state();
            let Some(pane) = st.panes.remove(&id) else {
                return;
            };
            // Readers of its history from now on share its store while it is retired.
            self.share_history(&pane.history_dir, &pane.store);
            if let Some(exit) = pane.exit() {
                st.recent_exits.push_back((id, exit.status));
                while st.recent_exits.len() > RECENT_EXITS_MAX {
                    st.recent_exits.pop_front();
                }
            }
            let si = Self::session_index_of(&st, id);
            session = si.map(|si| st.sessions[si].name.clone());
            let s = si.map(|si| (st.sessions[si].id, st.sessions[si].name.as_str()));
            self.announce("pane-closed", Some(id), s, |e| {
                e.status = pane.exit().map(|x| x.status)
            });
            if let Some(si) = si {
                // The tab's last tile: its popup goes with the tab.
                if let Some(t) = st.sessions[si]
                    .tabs
                    .iter()
                    .find(|t| t.root == crate::layout::Node::Pane(id))
                {
                    orphan = t.popup.as_ref().map(|p| p.pane);
                }
                let (tabs, tab) = (st.sessions[si].tabs.len(), st.sessions[si].tab_of(id));
                st.sessions[si].remove_pane(id);
                if st.sessions[si].tabs.len() < tabs {
                    let s = &st.sessions[si];
                    self.announce("tab-closed", None, Some((s.id, &s.name)), |e| {
                        e.tab = tab.map(|t| t as u32)
                    });
                }
                if st.sessions[si].tabs.is_empty() {
                    let sid = st.sessions[si].id;
                    self.announce(
                        "session-closed",
                        None,
                        Some((sid, &st.sessions[si].name)),
                        |_| {},
                    );
                    st.sessions.remove(si);
                    st.recent_sessions.retain(|s| *s != sid);
                } else {
                    Self::relayout(&mut st, si);
                }
            }
            pane
        };
        self.bump();
        pane.hangup();
        if let Some(popup) = orphan {
            self.remove_pane(popup);
        }
        let session = session.unwrap_or_default();
        tokio::task::spawn_blocking(move || {
            pane.retire();
            let mut meta = crate::histories::read_meta(&pane.history_dir);
            meta.pane = pane.id;
            meta.session = session;
            meta.ended_unix = Some(now_unix());
            meta.exit_status = pane.exit().map(|e| e.status);
            crate::histories::write_meta(&pane.history_dir, &meta);
        });
        if self.state().sessions.is_empty() {
            self.maybe_empty.notify_one();
        }
    }

    /// Publish a server event (`spool events`): about pane `pane` (`%N`) and session `sid`
    /// named `session`, as known to the caller. Takes no lock of the state: callers may
    /// hold it.
    pub fn announce(
        &self,
        event: &str,
        pane: Option<u32>,
        session: Option<(u32, &str)>,
        fill: impl FnOnce(&mut spool_proto::EventInfo),
    ) {
        if !self.bus.listened() {
            return;
        }
        let mut e = spool_proto::EventInfo {
            event: event.into(),
            time_ms: now_ms(),
            pane: pane.map(|p| format!("%{p}")),
            session: session.map(|s| s.1.to_string()),
            ..Default::default()
        };
        fill(&mut e);
        let origin = crate::bus::Origin {
            pane,
            session: session.map(|s| s.0),
        };
        self.bus.publish(e, origin);
    }

    /// The paste buffers.
    pub fn buffers(&self) -> std::sync::MutexGuard<'_, crate::buffers::Buffers> {
        self.buffers.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Show `text` on the clients attached to session `sid` (`display-message`).
    pub fn show_message(&self, sid: u32, text: String) {
        let live: Vec<u32> = self.state().sessions.iter().map(|s| s.id).collect();
        let mut m = self.messages.lock().unwrap_or_else(|p| p.into_inner());
        // One per live session: those of ended sessions go.
        m.retain(|id, _| live.contains(id));
        // Serials only grow, whatever was dropped (a client compares with the last it saw).
        let serial = self.message_serial.fetch_add(1, Ordering::Relaxed) + 1;
        m.insert(sid, (serial, text));
        drop(m);
        self.bump();
    }

    /// Record `store` as the one open on `dir` (see `open_histories`).
    pub fn share_history(&self, dir: &std::path::Path, store: &Arc<spool_store::Store>) {
        let mut open = self
            .open_histories
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        open.retain(|(d, w)| w.strong_count() > 0 && d != dir);
        open.push((dir.to_path_buf(), Arc::downgrade(store)));
    }

    /// The store open on `dir` without a live pane, if any.
    pub fn shared_history(&self, dir: &std::path::Path) -> Option<Arc<spool_store::Store>> {
        let mut open = self
            .open_histories
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        open.retain(|(_, w)| w.strong_count() > 0);
        open.iter()
            .find(|(d, _)| d == dir)
            .and_then(|(_, w)| w.upgrade())
    }

    /// Handle pane events until shutdown.
    pub async fn event_loop(self: Arc<Self>, mut rx: mpsc::Receiver<Event>) {
        while let Some(ev) = rx.recv().await {
            match ev {
                Event::PaneDone(id) => {
                    let Some(p) = self.pane(id) else { continue };
                    p.publish(spool_proto::EventInfo {
                        event: "pane-exited".into(),
                        status: p
                            .exit()
                            .or(p.child_exit().map(|s| crate::pane::Exit { status: s }))
                            .map(|x| x.status),
                        ..Default::default()
                    });
                    if p.exit().is_some() && !p.remain_on_exit {
                        self.remove_pane(id);
                    }
                }
            }
        }
    }

    /// Total bytes of input waiting across panes.
    pub fn input_bytes(&self) -> usize {
        self.state().panes.values().map(|p| p.input_bytes()).sum()
    }

    pub fn client_connected(&self) -> bool {
        if self.clients.fetch_add(1, Ordering::Relaxed) >= MAX_CLIENTS {
            self.clients.fetch_sub(1, Ordering::Relaxed);
            return false;
        }
        true
    }

    pub fn client_gone(&self) {
        self.clients.fetch_sub(1, Ordering::Relaxed);
        self.maybe_empty.notify_one();
    }

    /// No sessions and no clients: the server has nothing to do.
    pub fn is_empty(&self) -> bool {
        self.clients.load(Ordering::Relaxed) == 0 && self.state().sessions.is_empty()
    }
}
