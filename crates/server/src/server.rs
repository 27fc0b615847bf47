//! The server's state and life: sessions, panes, the socket, shutdown.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use spool_proto::Spawn;
use spool_store::{Env, Store};
use spool_term::Terminal;
use tokio::sync::{mpsc, watch};

use crate::layout::Node;
use crate::pane::Pane;
use crate::session::{Session, Tab};

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

/// Most bytes of a pane's command line kept for display (`panes`, tab names).
pub const COMMAND_SHOWN_MAX_BYTES: usize = 4096;

/// Variables a pane never inherits from whoever started the server: they describe that
/// process's terminal or multiplexer, not the pane's (a pane's `TERM`, `COLORTERM` and `SPOOL`
/// are set for it).
pub const BLOCKED_ENV: &[&str] = &[
    "TMUX",
    "TMUX_PANE",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "SPOOL",
    "TERM",
    "COLORTERM",
    "STY",
    "WINDOW",
    "ZELLIJ",
    "ZELLIJ_SESSION_NAME",
];

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
    resizes: Vec<(Arc<Pane>, u16, u16)>,
    pub sessions: Vec<Session>,
    pub panes: BTreeMap<u32, Arc<Pane>>,
    next_pane: u32,
    next_session: u32,
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
        self.guard.as_mut().expect("held until dropped")
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        let resizes = self
            .guard
            .as_mut()
            .map(|g| std::mem::take(&mut g.resizes))
            .unwrap_or_default();
        self.guard = None;
        for (pane, cols, rows) in resizes {
            pane.resize(cols, rows);
        }
    }
}

pub struct Server {
    pub config: ServerConfig,
    pub env: Env,
    state: Mutex<State>,
    pub started: Instant,
    events: mpsc::Sender<Event>,
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
    run_id: String,
    /// The config in effect (its history settings are those the server started with).
    pub settings: Mutex<crate::config::Config>,
    /// What is wrong with the config file, if the last read of it failed (shown to clients
    /// when they attach).
    pub config_error: Mutex<Option<String>>,
    /// Keys and status line for attached clients; a reload sends the new value to them all.
    pub ui: watch::Sender<Arc<spool_proto::ui::UiConfig>>,
    /// The server's environment at start, less `BLOCKED_ENV`: the base of every pane's.
    base_env: Vec<(String, String)>,
    /// The default colors (foreground, background, cursor) of the latest client's terminal
    /// that reported them: what OSC 10/11/12 queries are answered with.
    outer_colors: Mutex<Option<[spool_term::palette::Rgb; 3]>>,
}

fn now_unix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Server {
    pub fn new(config: ServerConfig) -> (Arc<Server>, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(64);
        let env = Env::new(config.settings.store.clone());
        let size_latest = config.settings.size_latest;
        let config_error = Mutex::new(config.config_error.clone());
        let settings = Mutex::new(config.settings.clone());
        let ui = watch::channel(Arc::new(config.settings.ui.clone())).0;
        let run_id = format!("{:012}-{}", now_unix(), std::process::id());
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
            }),
            started: Instant::now(),
            events: tx,
            shutdown: watch::channel(false).0,
            client_bytes: AtomicU64::new(0),
            clients: AtomicUsize::new(0),
            handshaking: AtomicUsize::new(0),
            request_budget: crate::conn::request_budget(),
            heavy_reads: Arc::new(tokio::sync::Semaphore::new(CONCURRENT_READS_MAX)),
            maybe_empty: tokio::sync::Notify::new(),
            changes: Arc::new(watch::channel(0).0),
            run_id,
            settings,
            config_error,
            ui,
            base_env: std::env::vars()
                .filter(|(k, _)| !BLOCKED_ENV.contains(&k.as_str()))
                .collect(),
            outer_colors: Mutex::new(None),
        });
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
        use spool_term::palette::{DEFAULT_BG, DEFAULT_CURSOR, DEFAULT_FG};
        let fg = fg.unwrap_or(DEFAULT_FG);
        let _ = DEFAULT_CURSOR; // a terminal that reports no cursor color uses its foreground
        let colors = [fg, bg.unwrap_or(DEFAULT_BG), cursor.unwrap_or(fg)];
        *self.outer_colors.lock().unwrap_or_else(|p| p.into_inner()) = Some(colors);
        let panes: Vec<Arc<Pane>> = self.state().panes.values().cloned().collect();
        for p in panes {
            p.term().set_outer_colors(colors);
        }
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
        StateGuard {
            guard: Some(self.state.lock().unwrap_or_else(|p| p.into_inner())),
        }
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

    /// The session holding pane `id`, by index.
    pub fn session_index_of(st: &State, id: u32) -> Option<usize> {
        st.sessions.iter().position(|s| s.tab_of(id).is_some())
    }

    pub fn touch_session(st: &mut State, sid: u32) {
        st.recent_sessions.retain(|s| *s != sid);
        st.recent_sessions.insert(0, sid);
    }

    /// The environment a new pane starts with, by one rule (tmux's): the server's own
    /// environment (that of the client that started it, less `BLOCKED_ENV`), then the
    /// session's `update_environment` values (set, or removed, from the client that created
    /// or last attached to the session), then the pane's `-e` settings, then `TERM`,
    /// `COLORTERM` and `SPOOL`. The environment of a CLI command that opens a tab or a split is
    /// not used: only its `-e`.
    fn pane_env(
        &self,
        session_env: &[(String, Option<String>)],
        spawn: &Spawn,
        id: u32,
    ) -> Vec<(String, String)> {
        let mut env: BTreeMap<String, String> = self.base_env.iter().cloned().collect();
        for (k, v) in session_env {
            match v {
                Some(v) => env.insert(k.clone(), v.clone()),
                None => env.remove(k),
            };
        }
        for (k, v) in &spawn.env {
            env.insert(k.clone(), v.clone());
        }
        for k in BLOCKED_ENV {
            env.remove(*k);
        }
        env.insert("TERM".into(), "xterm-256color".into());
        env.insert("COLORTERM".into(), "truecolor".into());
        env.insert(
            "SPOOL".into(),
            format!("{},%{id}", self.config.socket.display()),
        );
        env.into_iter().collect()
    }

    /// Start a pane's process and tasks. Does not place it in a layout. `session_env` is the
    /// session's `update_environment` values (see [`Server::pane_env`]).
    pub fn spawn_pane(
        self: &Arc<Self>,
        spawn: &Spawn,
        session_env: &[(String, Option<String>)],
        cols: u16,
        rows: u16,
        remain_on_exit: bool,
    ) -> Result<Arc<Pane>, String> {
        let (cols, rows) = crate::size::clamp(cols, rows);
        if let Some(cwd) = &spawn.cwd {
            match std::fs::metadata(cwd) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(format!("{cwd}: not a directory")),
                Err(e) => return Err(format!("{cwd}: {e}")),
            }
        }
        let id = {
            let mut st = self.state();
            let id = st.next_pane;
            st.next_pane += 1;
            id
        };
        let dir = self.run_dir().join(format!("pane-{id}"));
        let store = Arc::new(
            Store::open(&self.env, &dir).map_err(|e| format!("cannot open history: {e}"))?,
        );
        let mut term = Terminal::new(cols as usize, rows as usize, store.clone());
        if let Some(c) = *self.outer_colors.lock().unwrap_or_else(|p| p.into_inner()) {
            term.set_outer_colors(c);
        }
        let (master, slave) = crate::pty::open(cols, rows).map_err(|e| format!("openpty: {e}"))?;
        let env = self.pane_env(session_env, spawn, id);
        let env_of = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let shell = env_of("SHELL")
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".into());
        let cwd = spawn
            .cwd
            .clone()
            .or_else(|| env_of("HOME"))
            .unwrap_or_else(|| "/".into());
        let program = crate::pty::Program {
            argv: spawn.command.clone(),
            shell: shell.clone(),
            cwd: PathBuf::from(&cwd),
            env,
        };
        let mut child = crate::pty::spawn(&program, &slave).map_err(|e| {
            let what = spawn.command.first().unwrap_or(&shell);
            format!("cannot run {what}: {e}")
        })?;
        drop(slave);
        let pid = child.id().unwrap_or(0);
        let command = if spawn.command.is_empty() {
            shell
        } else {
            spawn.command.join(" ")
        };
        // What `panes` and tab names show; the argv itself went to exec.
        let command = spool_proto::text::truncate(&command, COMMAND_SHOWN_MAX_BYTES).to_string();
        let pane = Pane::new(crate::pane::PaneParts {
            id,
            pid,
            command,
            remain_on_exit,
            history_dir: dir,
            term,
            store,
            master,
            cols,
            rows,
            changes: self.changes.clone(),
        })
        .map_err(|e| format!("cannot watch the PTY: {e}"))?;
        self.state().panes.insert(id, pane.clone());
        let p = pane.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            p.read_loop().await;
            let _ = events.send(Event::PaneDone(p.id)).await;
        });
        let p = pane.clone();
        tokio::spawn(async move { p.write_loop().await });
        // The reaper holds the pane weakly: a closed pane is freed even if its program
        // ignores the hangup, and the child is still reaped whenever it exits.
        let weak = Arc::downgrade(&pane);
        let events = self.events.clone();
        tokio::spawn(async move {
            let status = match child.wait().await {
                Ok(s) => {
                    use std::os::unix::process::ExitStatusExt;
                    s.code().unwrap_or_else(|| 128 + s.signal().unwrap_or(0))
                }
                Err(_) => -1,
            };
            if let Some(p) = weak.upgrade() {
                p.set_child_status(status);
                let _ = events.send(Event::PaneDone(p.id)).await;
            }
        });
        Ok(pane)
    }

    /// Start a pane in the session of pane `anchor` (with that session's remain-on-exit
    /// default) at `size` (default: the session's), then let `place` put it in the layout while
    /// the state is locked. If the session went away meanwhile the new pane is closed again.
    /// Returns the session name and the pane.
    pub fn spawn_in_session(
        self: &Arc<Self>,
        anchor: u32,
        mut spawn: spool_proto::Spawn,
        size: Option<(u16, u16)>,
        place: impl FnOnce(&mut State, usize, &Arc<Pane>),
    ) -> Result<(String, Arc<Pane>), String> {
        let (cols, rows, remain, session_env) = {
            let st = self.state();
            let si = Self::session_index_of(&st, anchor).ok_or("pane has no session")?;
            let s = &st.sessions[si];
            (s.cols, s.rows, s.remain_on_exit, s.env.clone())
        };
        let (cols, rows) = size.unwrap_or((cols, rows));
        spawn.remain_on_exit |= remain;
        let pane = self.spawn_pane(&spawn, &session_env, cols, rows, spawn.remain_on_exit)?;
        let name = {
            let mut st = self.state();
            let Some(si) = Self::session_index_of(&st, anchor) else {
                drop(st);
                self.remove_pane(pane.id);
                return Err("the session closed meanwhile".into());
            };
            place(&mut st, si, &pane);
            st.sessions[si].name.clone()
        };
        self.bump();
        Ok((name, pane))
    }

    /// The `update_environment` values of a client's environment: each variable set to the
    /// client's value, or marked removed when the client has none (as tmux).
    pub fn session_env_from(
        &self,
        client_env: &[(String, String)],
    ) -> Vec<(String, Option<String>)> {
        let names = self.settings().panes.update_environment.clone();
        names
            .into_iter()
            .map(|n| {
                let v = client_env
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.clone());
                (n, v)
            })
            .collect()
    }

    /// The settings in effect (a copy).
    pub fn settings(&self) -> crate::config::Config {
        self.settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Create a session with one pane. `client_env` is the creating client's environment (its
    /// `update_environment` values become the session's).
    pub fn new_session(
        self: &Arc<Self>,
        name: Option<String>,
        cols: u16,
        rows: u16,
        spawn: &Spawn,
        client_env: &[(String, String)],
    ) -> Result<(String, Arc<Pane>), String> {
        let name = match name {
            Some(n) => {
                let n = crate::session::clean_name("session", &n)?;
                if n.starts_with('%') {
                    return Err(format!("bad session name: {n} (a leading % names a pane)"));
                }
                if self.state().sessions.iter().any(|s| s.name == n) {
                    return Err(format!("duplicate session: {n}"));
                }
                Some(n)
            }
            None => None,
        };
        let (cols, rows) = crate::size::clamp(cols, rows);
        let env = self.session_env_from(client_env);
        let pane = self.spawn_pane(spawn, &env, cols, rows, spawn.remain_on_exit)?;
        let mut st = self.state();
        let sid = st.next_session;
        st.next_session += 1;
        let name = name.unwrap_or_else(|| {
            let mut n = sid;
            while st.sessions.iter().any(|s| s.name == n.to_string()) {
                n += 1;
            }
            n.to_string()
        });
        st.sessions.push(Session {
            id: sid,
            name: name.clone(),
            tabs: vec![Tab {
                name: String::new(),
                root: Node::Pane(pane.id),
                active: pane.id,
                zoomed: false,
                seen_output: 0,
                seen_bells: 0,
            }],
            active_tab: 0,
            cols,
            rows,
            created_unix: now_unix(),
            remain_on_exit: spawn.remain_on_exit,
            env,
            cwd: spawn.cwd.clone(),
        });
        Self::touch_session(&mut st, sid);
        Ok((name, pane))
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

    /// Where this run's pane histories live: `STATE/runs/<start time>-<pid>/pane-N`.
    pub fn run_dir(&self) -> PathBuf {
        self.config.state_dir.join("runs").join(&self.run_id)
    }

    /// Stop: hang up every pane and make its history durable. Histories stay on disk (the
    /// next server keeps the newest few runs, see [`prune_old_runs`]).
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
                // What the primary screen shows is history too once the pane is gone.
                let rows: Vec<spool_store::Row> = {
                    let mut t = p.term();
                    // The edge first: it is history that had not gone to the store yet.
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
                    let _ = p.store.push(r.as_ref());
                }
                if let Err(e) = p.store.flush() {
                    tracing::warn!(pane = p.id, error = %e, "history not fully saved");
                }
            }
        });
    }

    /// Close a pane: out of its layout, its process hung up, its history deleted.
    pub fn remove_pane(&self, id: u32) {
        let pane = {
            let mut st = self.state();
            let Some(pane) = st.panes.remove(&id) else {
                return;
            };
            if let Some(exit) = pane.exit() {
                st.recent_exits.push_back((id, exit.status));
                while st.recent_exits.len() > RECENT_EXITS_MAX {
                    st.recent_exits.pop_front();
                }
            }
            if let Some(si) = Self::session_index_of(&st, id) {
                st.sessions[si].remove_pane(id);
                if st.sessions[si].tabs.is_empty() {
                    let sid = st.sessions[si].id;
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
        let dir = pane.history_dir.clone();
        let store = pane.store.clone();
        tokio::task::spawn_blocking(move || {
            let _ = store.clear();
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                tracing::warn!(dir = %dir.display(), error = %e, "could not remove pane history");
            }
        });
        if self.state().sessions.is_empty() {
            self.maybe_empty.notify_one();
        }
    }

    /// Handle pane events until shutdown.
    pub async fn event_loop(self: Arc<Self>, mut rx: mpsc::Receiver<Event>) {
        while let Some(ev) = rx.recv().await {
            match ev {
                Event::PaneDone(id) => {
                    let Some(p) = self.pane(id) else { continue };
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

/// Histories of this many earlier server runs are kept (a restarted server's predecessors'
/// panes stay on disk, readable); older runs are deleted when a server starts.
pub const ARCHIVED_RUNS_KEPT: usize = 3;

/// Delete the pane histories of all but the newest [`ARCHIVED_RUNS_KEPT`] earlier runs.
pub fn prune_old_runs(state_dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(state_dir.join("runs")) else {
        return;
    };
    let mut runs: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    runs.sort();
    let excess = runs.len().saturating_sub(ARCHIVED_RUNS_KEPT);
    for old in &runs[..excess] {
        match std::fs::remove_dir_all(old) {
            Ok(()) => tracing::info!(dir = %old.display(), "deleted an old run's history"),
            Err(e) => {
                tracing::warn!(dir = %old.display(), error = %e, "could not delete old history")
            }
        }
    }
}
