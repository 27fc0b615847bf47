//! Starting panes and sessions: the environment rule, the PTY and the child, the pane's tasks.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use spool_proto::Spawn;
use spool_store::Store;
use spool_term::Terminal;

use crate::layout::Node;
use crate::pane::Pane;
use crate::server::{now_unix, Event, Server, State};
use crate::session::{Session, Tab};

/// Most bytes of a pane's command line kept for display (`panes`, tab names).
pub const COMMAND_SHOWN_MAX_BYTES: usize = 4096;

/// Variables a pane never inherits from whoever started the server: they describe that
/// process's terminal or multiplexer, not the pane's (a pane's `TERM`, `COLORTERM` and `SPOOL`
/// are set for it; `SPOOL_CLIENT` names the attach client that ran a command line).
pub const BLOCKED_ENV: &[&str] = &[
    "TMUX",
    "TMUX_PANE",
    "TERM_PROGRAM",
    "TERM_PROGRAM_VERSION",
    "SPOOL",
    "SPOOL_CLIENT",
    "TERM",
    "COLORTERM",
    "STY",
    "WINDOW",
    "ZELLIJ",
    "ZELLIJ_SESSION_NAME",
];

impl Server {
    /// Take over a pane an earlier binary ran (`spool upgrade`): its PTY `master`, its child
    /// `pid` (still this process's child), its screen as `dump` bytes, its history reopened.
    pub fn adopt_pane(
        self: &Arc<Self>,
        sp: &crate::persist::SavedPane,
        master: std::os::fd::OwnedFd,
        pid: u32,
        dump: &[u8],
        exit_status: Option<i32>,
    ) -> Result<Arc<Pane>, String> {
        let (cols, rows) = crate::size::clamp(sp.cols, sp.rows);
        {
            let mut st = self.state();
            st.next_pane = st.next_pane.max(sp.id + 1);
        }
        // Its history, reopened; if that cannot be (or the path is not one of ours), a new
        // one: the program keeps running either way.
        let reopened = crate::persist::safe_relative(&sp.history)
            .map(|rel| self.config.state_dir.join(rel))
            .ok_or_else(|| format!("bad history path {:?}", sp.history))
            .and_then(|dir| match Store::open(&self.env, &dir) {
                Ok(s) => Ok((s, dir)),
                Err(e) => Err(format!("history in {}: {e}", dir.display())),
            });
        let (store, dir) = match reopened {
            Ok(sd) => sd,
            Err(why) => {
                let msg = format!(
                    "pane %{}: history not kept across the upgrade: {why}",
                    sp.id
                );
                tracing::error!("{msg}");
                self.restore_error(msg);
                let dir = self.pane_dir(sp.started_unix.max(1), sp.id);
                let s = Store::open(&self.env, &dir)
                    .map_err(|e| format!("cannot open history: {e}"))?;
                (s, dir)
            }
        };
        let store = Arc::new(store);
        let (mut term, _) = self.new_terminal(cols, rows, &store);
        term.feed(dump);
        let _ = term.take_replies();
        let command = if sp.argv.is_empty() {
            std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".into())
        } else {
            sp.argv.join(" ")
        };
        let command = spool_proto::text::truncate(&command, COMMAND_SHOWN_MAX_BYTES).to_string();
        let pane = Pane::new(crate::pane::PaneParts {
            id: sp.id,
            pid,
            argv: sp.argv.clone(),
            spawn_env: sp.env.clone(),
            started_unix: sp.started_unix,
            command,
            remain_on_exit: sp.remain_on_exit,
            history_dir: dir,
            term,
            store,
            master,
            cols,
            rows,
            changes: self.changes.clone(),
            bus: self.bus.clone(),
            adopted: true,
            images: self.images.clone(),
        })
        .map_err(|e| format!("cannot watch the PTY: {e}"))?;
        match exit_status {
            // Reaped by the previous binary: its status came with the handover.
            Some(code) => pane.set_child_status(code),
            None => {
                // Not a tokio child: a thread waits for it (it is still this process's
                // child). Started before the pane is shown, so a failure leaves nothing.
                let weak = Arc::downgrade(&pane);
                let events = self.events.clone();
                let rt = tokio::runtime::Handle::current();
                std::thread::Builder::new()
                    .name(format!("spool-wait-{pid}"))
                    .stack_size(64 * 1024)
                    .spawn(move || {
                        let code = wait_child(pid);
                        if let Some(p) = weak.upgrade() {
                            p.set_child_status(code);
                            let _ = rt.block_on(events.send(Event::PaneDone(p.id)));
                        }
                    })
                    .map_err(|e| format!("cannot wait for the child: {e}"))?;
            }
        }
        self.add_pane(&pane);
        self.start_pane_tasks(&pane);
        Ok(pane)
    }

    /// A pane's emulator at `cols`×`rows` over `store`, told what is known of the outer
    /// terminal now; and the cell size it was told, for the PTY.
    fn new_terminal(
        &self,
        cols: u16,
        rows: u16,
        store: &Arc<Store>,
    ) -> (crate::pane::Term, (u16, u16)) {
        let mut term = Terminal::new(cols as usize, rows as usize, store.clone());
        let outer = self.outer();
        if let Some(c) = outer.colors {
            term.set_outer_colors(c);
        }
        term.set_cell_pixels(outer.cell.0, outer.cell.1);
        (term, outer.cell)
    }

    /// Put a new pane in the map, then tell it what is known of the outer terminal now: a
    /// client may have reported since the pane was made, and `tell_panes_outer` only tells
    /// the panes in the map.
    fn add_pane(&self, pane: &Arc<Pane>) {
        self.state().panes.insert(pane.id, pane.clone());
        pane.tell_outer(self.outer());
    }

    /// A pane's reader and writer tasks.
    fn start_pane_tasks(self: &Arc<Self>, pane: &Arc<Pane>) {
        let p = pane.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            p.read_loop().await;
            let _ = events.send(Event::PaneDone(p.id)).await;
        });
        let p = pane.clone();
        tokio::spawn(async move { p.write_loop().await });
    }

    /// Start reading a pane again after a failed handover.
    pub fn restart_reader(self: &Arc<Self>, pane: &Arc<Pane>) {
        if !pane.thaw() {
            return;
        }
        let p = pane.clone();
        let events = self.events.clone();
        tokio::spawn(async move {
            p.read_loop().await;
            let _ = events.send(Event::PaneDone(p.id)).await;
        });
    }
}

/// A pane brought back from saved state (see `persist.rs`).
pub struct Revival {
    /// Its id, as before.
    pub id: u32,
    /// Its history directory, reopened: row numbers go on.
    pub dir: PathBuf,
    /// The row between its old output and the new.
    pub marker: String,
    /// Typed into the new shell (a program from `restore_programs` it was running).
    pub typed: Option<Vec<u8>>,
    /// When the pane first started (0: unknown).
    pub started_unix: u64,
}

impl Server {
    /// A new pane's history directory: `STATE/panes/<start>-<server pid>-<pane id>`.
    pub fn pane_dir(&self, started_unix: u64, id: u32) -> PathBuf {
        crate::histories::panes_dir(&self.config.state_dir)
            .join(format!("{started_unix:012}-{}-{id}", std::process::id()))
    }

    /// Remember why something was not restored (shown by `spool stats`).
    pub fn restore_error(&self, msg: String) {
        let mut v = self
            .restore_errors
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if v.len() < crate::persist::RESTORE_ERRORS_MAX {
            v.push(msg);
        }
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
        revival: Option<Revival>,
    ) -> Result<Arc<Pane>, String> {
        let (cols, rows) = crate::size::clamp(cols, rows);
        let mut spawn = spawn.clone();
        if let Some(cwd) = &spawn.cwd {
            let ok = match std::fs::metadata(cwd) {
                Ok(m) if m.is_dir() => Ok(()),
                Ok(_) => Err(format!("{cwd}: not a directory")),
                Err(e) => Err(format!("{cwd}: {e}")),
            };
            match ok {
                Ok(()) => {}
                // A restored pane whose directory went away starts in $HOME instead.
                Err(_) if revival.is_some() => spawn.cwd = None,
                Err(e) => return Err(e),
            }
        }
        let max = self.settings().panes.max_panes as usize;
        let id = {
            let mut st = self.state();
            // Panes brought back were within the bound when they were made.
            if revival.is_none() && st.panes.len() >= max {
                return Err(format!("too many panes: at most {max} (max_panes)"));
            }
            let id = match &revival {
                Some(r) => r.id,
                None => st.next_pane,
            };
            st.next_pane = st.next_pane.max(id + 1);
            id
        };
        let started_unix = revival
            .as_ref()
            .map(|r| r.started_unix)
            .filter(|&t| t > 0)
            .unwrap_or_else(now_unix);
        let (store, dir) = match &revival {
            Some(r) => match Store::open(&self.env, &r.dir) {
                Ok(s) => (s, r.dir.clone()),
                Err(e) => {
                    // Its history cannot be read: the pane comes back empty, in a new
                    // directory, and says so; the other panes restore regardless.
                    let msg = format!(
                        "pane %{id}: history in {} not restored: {e}",
                        r.dir.display()
                    );
                    tracing::error!("{msg}");
                    self.restore_error(msg);
                    let dir = self.pane_dir(started_unix, id);
                    let s = Store::open(&self.env, &dir)
                        .map_err(|e| format!("cannot open history: {e}"))?;
                    (s, dir)
                }
            },
            None => {
                let dir = self.pane_dir(started_unix, id);
                let s = Store::open(&self.env, &dir)
                    .map_err(|e| format!("cannot open history: {e}"))?;
                (s, dir)
            }
        };
        let store = Arc::new(store);
        if let Some(r) = &revival {
            // Old output above, new below: one marker row between them.
            let _ = store.push(spool_cells::Row::plain(r.marker.clone()).as_ref());
        }
        let spawn = &spawn;
        let (term, cell) = self.new_terminal(cols, rows, &store);
        let (master, slave) =
            crate::pty::open(cols, rows, cell).map_err(|e| format!("openpty: {e}"))?;
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
        let mut program = crate::pty::Program {
            argv: spawn.command.clone(),
            shell: shell.clone(),
            cwd: PathBuf::from(&cwd),
            env,
        };
        if spawn.command.is_empty() && self.settings().panes.shell_integration {
            match crate::shell::inject(&shell, &program.env, &self.config.state_dir) {
                Ok(Some((argv, extra))) => {
                    program.argv = argv;
                    program
                        .env
                        .retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
                    program.env.extend(extra);
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "shell integration not set up"),
            }
        }
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
        crate::histories::write_meta(
            &dir,
            &crate::histories::Meta {
                pane: id,
                command: command.clone(),
                cwd: cwd.clone(),
                started_unix,
                ..Default::default()
            },
        );
        let pane = Pane::new(crate::pane::PaneParts {
            id,
            pid,
            argv: spawn.command.clone(),
            spawn_env: spawn.env.clone(),
            started_unix,
            command,
            remain_on_exit,
            history_dir: dir,
            term,
            store,
            master,
            cols,
            rows,
            changes: self.changes.clone(),
            bus: self.bus.clone(),
            adopted: false,
            images: self.images.clone(),
        })
        .map_err(|e| format!("cannot watch the PTY: {e}"))?;
        self.add_pane(&pane);
        self.start_pane_tasks(&pane);
        if let Some(keys) = revival.and_then(|r| r.typed) {
            // A program the pane's shell ran, started again in it as if typed.
            let _ = pane.write_input(&keys);
        }
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
        let pane = self.spawn_pane(&spawn, &session_env, cols, rows, spawn.remain_on_exit, None)?;
        let name = {
            let mut st = self.state();
            let Some(si) = Self::session_index_of(&st, anchor) else {
                drop(st);
                self.remove_pane(pane.id);
                return Err("the session closed meanwhile".into());
            };
            place(&mut st, si, &pane);
            let s = &st.sessions[si];
            self.announce("pane-created", Some(pane.id), Some((s.id, &s.name)), |e| {
                e.tab = s.tab_of(pane.id).map(|t| t as u32)
            });
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
        let pane = self.spawn_pane(spawn, &env, cols, rows, spawn.remain_on_exit, None)?;
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
            tabs: vec![Tab::new(Node::Pane(pane.id), pane.id)],
            active_tab: 0,
            last_tab: None,
            cols,
            rows,
            created_unix: now_unix(),
            remain_on_exit: spawn.remain_on_exit,
            env,
            cwd: spawn.cwd.clone(),
        });
        Self::touch_session(&mut st, sid);
        drop(st);
        self.announce("session-created", None, Some((sid, &name)), |_| {});
        self.announce("pane-created", Some(pane.id), Some((sid, &name)), |e| {
            e.tab = Some(0)
        });
        // From now on this run's state is worth saving (see `persist.rs`).
        self.mark_had_sessions();
        Ok((name, pane))
    }
}

/// Wait for child `pid` to end: its exit code, or 128 + the signal that killed it (-1 if it
/// was not ours to wait for).
pub(crate) fn wait_child(pid: u32) -> i32 {
    let mut status = 0;
    // SAFETY: waitpid on our own child, into a local.
    let r = unsafe { libc::waitpid(pid as i32, &mut status, 0) };
    if r < 0 {
        -1
    } else if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    }
}
