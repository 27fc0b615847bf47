//! `spool attach`: the connection becomes an attached client. The server pushes what the
//! client should show; the client sends input, its size, and prefix-key actions.
//!
//! Nothing queues per client: an update is composed from the current state when the previous
//! one has been written, so a client that cannot keep up simply gets fewer, newer frames. Rows
//! are sent only when they differ from what this client was last sent (a hash per row).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use spool_proto::{Action, PaneModes, PaneView, Request, Response, TabView, Update};
use spool_term::Publication;
use tokio::time::Instant;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::pane::Pane;
use crate::server::Server;

/// Frames are at most this frequent: output arriving faster is coalesced.
const FRAME_INTERVAL: Duration = Duration::from_millis(8);

/// Requests from the client waiting to be handled.
const INBOX_DEPTH: usize = 64;

/// How often the record of link URIs sent to a client may be reset when it is full
/// (`spool_proto::LINKS_MAX`): a reset resends every row, so a screen with more distinct links
/// than that costs at most one full frame per this.
const LINKS_RESET_EVERY: Duration = Duration::from_secs(1);

/// What a client was last sent of one pane.
struct SentPane {
    w: u16,
    h: u16,
    /// A hash of each row: a changed pane resends only the rows whose hash changed.
    hashes: Vec<u64>,
    /// The terminal's generation shown (see `Terminal::publication`).
    generation: u64,
    exited: Option<i32>,
    floating: bool,
}

/// What this client was last sent.
#[derive(Default)]
struct Sent {
    rows: HashMap<u32, SentPane>,
    links: HashSet<(u32, u32)>,
    links_reset_at: Option<Instant>,
    last: Option<Update>,
    /// Per pane of the session: bells heard and clipboard writes forwarded (set at the first
    /// compose, so nothing from before the client attached is replayed).
    bells: HashMap<u32, u64>,
    clips: HashMap<u32, u64>,
    /// The serial of the last `display-message` shown (see `Server::messages`).
    message: u64,
    /// The status formats this client was last sent (in `Attached` or `Ui`): its status
    /// line's `#{…}` parts are expanded from these, so an update never runs ahead of the
    /// config the client has.
    status: (String, String),
}

fn hash<T: std::hash::Hash>(t: &T) -> u64 {
    use std::hash::Hasher;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    t.hash(&mut h);
    h.finish()
}

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    cols: u16,
    rows: u16,
    env: Vec<(String, String)>,
) -> CmdResult {
    let (cols, rows) = (cols.max(2), rows.max(2));
    // The session: the target's, the most recent, or a new one.
    let sid = match server.resolve_pane(target.as_deref(), conn.here) {
        Ok(p) => {
            let st = server.state();
            let si = Server::session_index_of(&st, p.id).ok_or("pane has no session")?;
            st.sessions[si].id
        }
        Err(e) if target.is_some() => return Err(e),
        Err(_) => {
            let spawn = spool_proto::Spawn::default();
            let (name, _) = server.new_session(None, cols, rows.saturating_sub(1), &spawn, &env)?;
            let st = server.state();
            st.sessions
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.id)
                .ok_or("session vanished")?
        }
    };
    // This client's terminal session (DISPLAY, SSH_AUTH_SOCK, …) is the session's from now
    // on: panes its keys open get it.
    let session_env = server.session_env_from(&env);
    if let Some(s) = server.state().sessions.iter_mut().find(|s| s.id == sid) {
        s.env = session_env;
    }
    let client = server.attach_client(sid, cols, rows);
    // The session may have changed size: its other clients redraw.
    server.bump();
    let name = session_name(server, sid).unwrap_or_default();
    let result = attached(server, conn, client, name).await;
    server.detach_client(client);
    server.bump();
    result
}

fn session_name(server: &Server, sid: u32) -> Option<String> {
    server
        .state()
        .sessions
        .iter()
        .find(|s| s.id == sid)
        .map(|s| s.name.clone())
}

async fn attached(server: &Arc<Server>, conn: &mut Conn, client: u64, name: String) -> CmdResult {
    let mut ui = server.ui.subscribe();
    let first_ui = (**ui.borrow_and_update()).clone();
    let first_status = (first_ui.status.left.clone(), first_ui.status.right.clone());
    let config_error = server
        .config_error
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    conn.send(&Response::Attached {
        session: name,
        client,
        ui: first_ui,
        config_error,
    })
    .await
    .map_err(io)?;
    let mut rd = conn.take_reader().ok_or("connection already split")?;
    // Requests waiting here keep holding their share of the server's request budget.
    let (tx, mut inbox) = tokio::sync::mpsc::channel::<crate::conn::Incoming>(INBOX_DEPTH);
    let budget = server.request_budget.clone();
    let reader = tokio::spawn(async move {
        while let Ok(req) = crate::conn::read_request(&mut rd, &budget).await {
            if tx.send(req).await.is_err() {
                break;
            }
        }
    });
    let mut changes = server.changes.subscribe();
    let mut shutdown = server.shutdown.subscribe();
    let mut sent = Sent {
        status: first_status,
        ..Default::default()
    };
    let mut last_frame = Instant::now() - FRAME_INTERVAL;
    let mut wake: Option<Instant> = None;
    // Compose only when something may have changed: typing alone changes nothing until the
    // program echoes, and a frame sent for it would delay the echo's frame by FRAME_INTERVAL.
    let mut dirty = true;
    // Scroll mode's search, running beside the frames; and its page reads.
    let mut search = super::scroll_search::ScrollSearch::default();
    let mut follow = tokio::time::interval(super::scroll_search::FOLLOW_EVERY);
    follow.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut reads = tokio::task::JoinSet::new();
    let result = loop {
        if dirty {
            dirty = false;
            tokio::time::sleep_until(last_frame + FRAME_INTERVAL).await;
            let sid = match server.state().clients.get(&client) {
                Some(c) => c.session,
                None => break Ok(()),
            };
            match compose(server, sid, &mut sent) {
                Some((update, next_wake)) => {
                    wake = next_wake;
                    if let Some(u) = update {
                        // A screen too big for one frame goes as several; the client draws
                        // once it has the last.
                        for part in u.split(spool_proto::UPDATE_PART_BYTES) {
                            conn.send(&Response::Update(Box::new(part)))
                                .await
                                .map_err(io)?;
                        }
                        last_frame = Instant::now();
                    }
                }
                None => {
                    let _ = conn
                        .send(&Response::Detached {
                            reason: "session closed".into(),
                        })
                        .await;
                    break Ok(());
                }
            }
        }
        let until = wake.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600));
        tokio::select! {
            req = inbox.recv() => match req.map(|i| i.req) {
                None => break Ok(()),
                Some(Request::Detach) => {
                    let _ = conn.send(&Response::Detached { reason: "detached".into() }).await;
                    break Ok(());
                }
                Some(Request::ScrollSearch { id, pane, pattern, newest_first }) => {
                    for msg in search.start(server, id, pane, pattern, newest_first) {
                        conn.send(&msg).await.map_err(io)?;
                    }
                }
                Some(req @ (Request::History { .. }
                    | Request::Image { .. }
                    | Request::Locate { .. }
                    | Request::CommandAt { .. }
                    | Request::JumpPrompt { .. })) => {
                    // Off this task, so frames go on while a page is read (or a whole
                    // history's geometry counted at a new width).
                    if reads.len() >= HISTORY_READS_MAX {
                        if let Some(r) = reads.join_next().await {
                            forward_read(conn, r).await?;
                        }
                    }
                    let server = server.clone();
                    reads.spawn_blocking(move || super::history::answer(&server, req));
                }
                Some(req) => {
                    dirty |= !matches!(req, Request::Input(_) | Request::PaneInput { .. });
                    let verb = req.verb();
                    match crate::catch::catch_panic(handle(server, conn, client, req)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(message)) => {
                            conn.send(&Response::Error { message }).await.map_err(io)?
                        }
                        Err(panic) => {
                            tracing::error!(request = verb, "request handler panicked: {panic}");
                            let message =
                                format!("internal error while handling {verb} (see the server log)");
                            conn.send(&Response::Error { message }).await.map_err(io)?;
                        }
                    }
                }
            },
            r = changes.changed() => {
                if r.is_err() { break Ok(()); }
                dirty = true;
            }
            r = shutdown.changed() => {
                let stop = r.is_err() || *shutdown.borrow();
                if stop {
                    let reason = *server.stop_reason.lock().unwrap_or_else(|p| p.into_inner());
                    let _ = conn.send(&Response::Detached { reason: reason.into() }).await;
                    break Ok(());
                }
            }
            r = ui.changed() => {
                if r.is_err() { break Ok(()); }
                let new = (**ui.borrow_and_update()).clone();
                sent.status = (new.status.left.clone(), new.status.right.clone());
                conn.send(&Response::Ui(new)).await.map_err(io)?;
                // The status line's formats may have changed: a frame with them.
                dirty = true;
            }
            Some(r) = reads.join_next(), if !reads.is_empty() => forward_read(conn, r).await?,
            msg = search.scanned(), if search.scanning() => {
                for msg in search.on_scan(msg) {
                    conn.send(&msg).await.map_err(io)?;
                }
            }
            _ = follow.tick(), if search.following() => {
                // Store reads of the rows output added (few, at most FOLLOW_ROWS_MAX).
                for msg in tokio::task::block_in_place(|| search.follow()) {
                    conn.send(&msg).await.map_err(io)?;
                }
            }
            _ = tokio::time::sleep_until(until), if wake.is_some() => dirty = true,
        }
    };
    reader.abort();
    result
}

/// Scroll-mode reads (pages, locates, prompt jumps) of one client running at once; the client
/// waits for each page before asking the next, so more only come from jumps.
const HISTORY_READS_MAX: usize = 2;

/// Send the answer of a scroll-mode read (an error answer if it failed or panicked).
async fn forward_read(
    conn: &mut Conn,
    r: Result<Result<Response, String>, tokio::task::JoinError>,
) -> Result<(), String> {
    let resp = match r {
        Ok(Ok(resp)) => resp,
        Ok(Err(message)) => Response::Error { message },
        Err(e) => {
            tracing::error!(error = %e, "history read failed");
            Response::Error {
                message: "internal error while reading history (see the server log)".into(),
            }
        }
    };
    conn.send(&resp).await.map_err(io)
}

/// How a pane opened by a key starts: the user's shell, in the directory `new_pane_cwd`
/// says (the focused pane's by default), with the session's environment.
fn key_spawn(server: &Server, focused: &Pane) -> spool_proto::Spawn {
    use crate::config::NewPaneCwd;
    let cwd = match server.settings().panes.new_pane_cwd {
        NewPaneCwd::Pane => focused.cwd(),
        NewPaneCwd::Session => {
            let st = server.state();
            let si = Server::session_index_of(&st, focused.id);
            si.and_then(|si| st.sessions[si].cwd.clone())
        }
        NewPaneCwd::Home => None,
    };
    spool_proto::Spawn {
        // A directory that is gone (the pane's program removed it) falls back to $HOME.
        cwd: cwd.filter(|d| std::path::Path::new(d).is_dir()),
        ..Default::default()
    }
}

/// The focused pane of the client's session.
fn active_pane(server: &Server, client: u64) -> Option<(u32, usize, Arc<Pane>)> {
    let st = server.state();
    let (si, id) = Server::client_focus(&st, client)?;
    Some((st.sessions[si].id, si, st.panes.get(&id)?.clone()))
}

async fn handle(server: &Arc<Server>, conn: &mut Conn, client: u64, req: Request) -> CmdResult {
    match req {
        Request::Input(bytes) => {
            server.client_typed(client);
            let (_, si, pane) = active_pane(server, client).ok_or("no pane")?;
            // `synchronize-panes`: what is typed goes to every pane of the tab.
            let others: Vec<Arc<Pane>> = {
                let st = server.state();
                st.sessions
                    .get(si)
                    .and_then(|s| s.tabs.get(s.active_tab))
                    .filter(|t| t.synchronized && t.root.contains(pane.id))
                    .map(|t| {
                        t.root
                            .panes()
                            .iter()
                            .filter(|id| **id != pane.id)
                            .filter_map(|id| st.panes.get(id).cloned())
                            .collect()
                    })
                    .unwrap_or_default()
            };
            for p in others {
                // A pane that reads nothing does not hold up the others.
                let _ = p.write_input(&bytes);
            }
            pane.write_input(&bytes)
        }
        Request::PaneInput { pane, bytes } => {
            let (sid, _, _) = active_pane(server, client).ok_or("no pane")?;
            let target = {
                let st = server.state();
                let same =
                    Server::session_index_of(&st, pane).is_some_and(|si| st.sessions[si].id == sid);
                st.panes.get(&pane).cloned().filter(|_| same)
            };
            target
                .ok_or("no such pane in this session")?
                .write_input(&bytes)
        }
        Request::ClientSize { cols, rows } => {
            server.resize_client(client, cols.max(2), rows.max(2));
            server.bump();
            Ok(())
        }
        Request::ClientColors { fg, bg, cursor } => {
            server.set_outer_colors(fg, bg, cursor);
            Ok(())
        }
        Request::ClientCellPixels { width, height } => {
            server.set_cell_pixels(width, height);
            Ok(())
        }
        Request::Act(a) => act(server, client, a),
        // Boxed: dispatch leads back here for `Attach`.
        other => Box::pin(super::dispatch(server, conn, other)).await,
    }
}

fn act(server: &Arc<Server>, client: u64, a: Action) -> CmdResult {
    let (sid, _, pane) = active_pane(server, client).ok_or("no pane")?;
    match a {
        Action::NewTab => {
            super::new_tab::create(server, pane.id, key_spawn(server, &pane), false)?;
        }
        Action::Split { horizontal } => {
            super::split::create(server, &pane, horizontal, None, key_spawn(server, &pane))?;
        }
        Action::KillPane => server.remove_pane(pane.id),
        Action::SwitchSession(name) => {
            let target = {
                let st = server.state();
                st.sessions.iter().find(|s| s.name == name).map(|s| s.id)
            };
            let target = target.ok_or_else(|| format!("can't find session: {name}"))?;
            server.move_client(client, target);
            Server::touch_session(&mut server.state(), target);
        }
        a => {
            let mut st = server.state();
            let si = st
                .sessions
                .iter()
                .position(|s| s.id == sid)
                .ok_or("no session")?;
            let s = &mut st.sessions[si];
            let n = s.tabs.len();
            match a {
                Action::NextTab => s.select_tab((s.active_tab + 1) % n)?,
                Action::PrevTab => s.select_tab((s.active_tab + n - 1) % n)?,
                Action::SelectTab(i) => s.select_tab(i as usize)?,
                Action::RenameTab(name) if name.is_empty() => s.tabs[s.active_tab].name = name,
                Action::RenameTab(name) => {
                    s.tabs[s.active_tab].name = crate::session::clean_name("tab", &name)?
                }
                Action::Zoom => {
                    let t = &mut s.tabs[s.active_tab];
                    t.zoomed = !t.zoomed && t.root.panes().len() > 1;
                }
                Action::FocusPane(id) => {
                    s.tabs[s.active_tab].focus(id);
                }
                Action::Focus(dir) => {
                    // As tmux: from a zoomed pane too (the layout as if unzoomed), which
                    // unzooms.
                    let area = s.area();
                    let t = &mut s.tabs[s.active_tab];
                    let mut rects = Vec::new();
                    t.root.rects(area, &mut rects);
                    if let Some(id) = crate::layout::neighbour(&rects, t.active, dir) {
                        t.focus(id);
                    }
                }
                _ => {}
            }
            Server::relayout(&mut st, si);
        }
    }
    server.bump();
    Ok(())
}

/// Longest expanded status-line part: a terminal line.
const STATUS_PART_MAX_BYTES: usize = 1024;

/// What `compose` copies about a tab under the state lock.
struct TabFacts {
    /// The name the user set (empty: automatic, from `name_from`).
    name: String,
    name_from: Option<Arc<Pane>>,
    active: bool,
    activity: bool,
    bell: bool,
    failed: bool,
    /// When (`clock_ms`) the tab counts as silent (`monitor-silence`), if it is watched.
    silence_at: Option<u64>,
}

/// Build the update for this client; `None` if its session is gone. The second value is when
/// to look again (a pane holding output under DEC 2026 until its timeout).
#[allow(clippy::type_complexity)]
fn compose(
    server: &Server,
    sid: u32,
    sent: &mut Sent,
) -> Option<(Option<Update>, Option<Instant>)> {
    // The state lock is held only to copy what is needed; terminal locks are taken after it
    // is released (lock order: never a terminal lock while holding the state lock).
    let (monitor_bell, clipboard_on) = {
        let p = server.settings().panes;
        (p.monitor_bell, p.clipboard)
    };
    // The tab's popup, if shown: drawn over the tiles.
    let popup_pane: Option<u32>;
    let (session, cols, rows, tab_facts, shown, active, zoomed, session_panes) = {
        let mut guard = server.state();
        let st = &mut *guard;
        let si = st.sessions.iter().position(|s| s.id == sid)?;
        let s = &st.sessions[si];
        let tab = s.tabs.get(s.active_tab)?;
        popup_pane = tab.popup.as_ref().filter(|p| p.shown).map(|p| p.pane);
        let shown: Vec<(Arc<Pane>, crate::layout::Rect)> = tab
            .rects(s.area())
            .into_iter()
            .filter_map(|(id, r)| st.panes.get(&id).map(|p| (p.clone(), r)))
            .collect();
        use std::sync::atomic::Ordering::Relaxed;
        let sum = |t: &crate::session::Tab, f: &dyn Fn(&Pane) -> u64| -> u64 {
            t.root
                .panes()
                .iter()
                .filter_map(|id| st.panes.get(id))
                .map(|p| f(p))
                .sum()
        };
        let output = |p: &Pane| p.output_batches.load(Relaxed) as u64;
        let bells = |p: &Pane| p.bells.load(Relaxed);
        let failures = |p: &Pane| p.failures.load(Relaxed);
        let last_output = |t: &crate::session::Tab| {
            t.root
                .panes()
                .iter()
                .filter_map(|id| st.panes.get(id))
                .map(|p| p.last_output_ms())
                .max()
                .unwrap_or(0)
        };
        let tab_facts: Vec<TabFacts> = s
            .tabs
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let from = t.name.is_empty().then(|| st.panes.get(&t.active).cloned());
                let hidden = i != s.active_tab;
                TabFacts {
                    name: t.name.clone(),
                    name_from: from.flatten(),
                    active: !hidden,
                    activity: hidden && t.monitor_activity && sum(t, &output) != t.seen_output,
                    bell: hidden && monitor_bell && sum(t, &bells) != t.seen_bells,
                    failed: hidden && sum(t, &failures) != t.seen_failures,
                    silence_at: (hidden && t.monitor_silence > 0)
                        .then(|| last_output(t) + t.monitor_silence as u64 * 1000),
                }
            })
            .collect();
        let session_panes: Vec<Arc<Pane>> = s
            .pane_ids()
            .iter()
            .filter_map(|id| st.panes.get(id).cloned())
            .collect();
        let (seen, seen_bells) = (sum(tab, &output), sum(tab, &bells));
        let seen_failures = sum(tab, &failures);
        let (name, cols, rows, active_tab) = (s.name.clone(), s.cols, s.rows, s.active_tab);
        let (active, zoomed) = (tab.focused(), tab.zoomed);
        let t = &mut st.sessions[si].tabs[active_tab];
        t.seen_output = seen;
        t.seen_bells = seen_bells;
        t.seen_failures = seen_failures;
        (
            name,
            cols,
            rows,
            tab_facts,
            shown,
            active,
            zoomed,
            session_panes,
        )
    };
    let now_ms = crate::pane::clock_ms();
    let mut silence_wake: Option<u64> = None;
    let tabs: Vec<TabView> = tab_facts
        .into_iter()
        .map(|f| {
            let silent = f.silence_at.is_some_and(|at| now_ms >= at);
            if let Some(at) = f.silence_at.filter(|_| !silent) {
                silence_wake = Some(silence_wake.map_or(at, |w| w.min(at)));
            }
            TabView {
                name: match f.name_from {
                    Some(p) => p.automatic_name(),
                    None => f.name,
                },
                active: f.active,
                activity: f.activity,
                bell: f.bell,
                silent,
                failed: f.failed,
            }
        })
        .collect();
    // Bells of shown panes ring the client's terminal; programs' clipboard writes go to it.
    let first = sent.last.is_none();
    let mut bell = false;
    let mut clipboard = Vec::new();
    for p in &session_panes {
        let rang = p.bells.load(std::sync::atomic::Ordering::Relaxed);
        let heard = sent.bells.insert(p.id, rang).unwrap_or(rang);
        let shown_now = shown.iter().any(|(s, _)| s.id == p.id);
        bell |= !first && monitor_bell && shown_now && rang > heard;
        let seen = sent.clips.get(&p.id).copied();
        let (new, newest) = p.clipboard_since(seen.unwrap_or(u64::MAX));
        if seen.is_some() && clipboard_on {
            clipboard.extend(new.into_iter().map(|c| spool_proto::Clip {
                selection: c.selection,
                base64: c.base64,
            }));
        }
        sent.clips.insert(p.id, newest);
    }
    let ids_in_session: HashSet<u32> = session_panes.iter().map(|p| p.id).collect();
    sent.bells.retain(|id, _| ids_in_session.contains(id));
    sent.clips.retain(|id, _| ids_in_session.contains(id));
    let extra = clipboard
        .len()
        .saturating_sub(spool_proto::UPDATE_CLIPS_MAX);
    clipboard.drain(..extra);
    let now = std::time::Instant::now();
    // A watched tab turns silent later: compose again then.
    let mut wake: Option<Instant> =
        silence_wake.map(|at| Instant::now() + Duration::from_millis(at.saturating_sub(now_ms)));
    let mut panes = Vec::with_capacity(shown.len());
    let links_reset = sent.links.len() >= spool_proto::LINKS_MAX
        && sent
            .links_reset_at
            .is_none_or(|t| t.elapsed() >= LINKS_RESET_EVERY);
    if links_reset {
        // The client forgets them too; every row goes again, with its links' URIs.
        sent.links.clear();
        sent.rows.clear();
        sent.links_reset_at = Some(Instant::now());
    }
    let ids: HashSet<u32> = shown.iter().map(|(p, _)| p.id).collect();
    sent.rows.retain(|id, _| ids.contains(id));
    for (pane, r) in &shown {
        let mut t = pane.term();
        let prev = sent.rows.get(&pane.id);
        let full = prev.is_none_or(|p| (p.w, p.h) != (r.w, r.h));
        let exited = pane.exit().map(|e| e.status);
        let floating = popup_pane == Some(pane.id);
        let generation = match t.publication(now, prev.map(|p| p.generation)) {
            Publication::Held { until } => {
                // Held by the program (DEC 2026): keep showing the last frame until it ends
                // the update or the hold times out.
                let d = Instant::from_std(until);
                wake = Some(wake.map_or(d, |w| w.min(d)));
                None
            }
            Publication::Unchanged => prev.map(|p| p.generation),
            Publication::Changed { generation } => Some(generation),
        };
        let same = prev.is_some_and(|p| {
            Some(p.generation) == generation && p.exited == exited && p.floating == floating
        });
        if !full && (generation.is_none() || same) {
            // Held, or nothing to send: the client keeps the last frame. Still listed, so it
            // keeps the pane (and the rows it has) rather than taking its absence for the
            // pane being gone.
            panes.push(PaneView {
                id: pane.id,
                x: r.x,
                y: r.y,
                w: r.w,
                h: r.h,
                held: true,
                floating: popup_pane == Some(pane.id),
                ..Default::default()
            });
            continue;
        }
        let mut hashes = Vec::with_capacity(t.rows());
        let mut rows_out = Vec::new();
        let mut links = Vec::new();
        for y in 0..t.rows().min(r.h as usize) {
            let row = t.row(y);
            let h = hash(&(&row.text, &row.runs, row.flags));
            let changed = full || prev.is_none_or(|p| p.hashes.get(y) != Some(&h));
            hashes.push(h);
            if changed {
                for run in &row.runs {
                    let l = run.style.link;
                    if l != 0
                        && sent.links.len() < spool_proto::LINKS_MAX
                        && sent.links.insert((pane.id, l))
                    {
                        if let Some(uri) = t.link_uri(l) {
                            links.push((l, uri.to_string()));
                        }
                    }
                }
                rows_out.push((y as u16, row));
            }
        }
        let c = t.cursor();
        let m = t.modes();
        let view = PaneView {
            id: pane.id,
            x: r.x,
            y: r.y,
            w: r.w,
            h: r.h,
            full,
            rows: rows_out,
            cursor: (c.x as u16, c.y as u16),
            cursor_visible: m.cursor_visible,
            cursor_shape: m.cursor_shape as u8,
            title: t.title().to_string(),
            modes: PaneModes {
                app_cursor: m.cursor_keys,
                app_keypad: m.keypad_app,
                bracketed_paste: m.bracketed_paste,
                focus_events: m.focus,
                mouse: match m.mouse {
                    spool_term::MouseMode::None => 0,
                    spool_term::MouseMode::X10 => 9,
                    spool_term::MouseMode::Normal => 1000,
                    spool_term::MouseMode::Button => 1002,
                    _ => 1003,
                },
                mouse_sgr: m.mouse_encoding == spool_term::MouseEncoding::Sgr,
                kitty_keys: m.kitty[t.alt_screen() as usize].current(),
                alt_screen: t.alt_screen(),
            },
            exited,
            links,
            history_rows: pane.store.len() + t.edge_len() as u64,
            held: false,
            floating,
        };
        drop(t);
        sent.rows.insert(
            pane.id,
            SentPane {
                w: r.w,
                h: r.h,
                hashes,
                generation: generation.unwrap_or(0),
                exited,
                floating,
            },
        );
        panes.push(view);
    }
    // tmux formats in the status line, expanded for the focused pane (its variables read now,
    // no lock held: `Vars::of` takes the state lock, then the terminal's).
    let status = {
        let (left, right) = (&sent.status.0, &sent.status.1);
        match session_panes.iter().find(|p| p.id == active) {
            Some(p) if left.contains('#') || right.contains('#') => {
                let vars = crate::format::Vars::of(server, p);
                let one = |f: &str| {
                    let s = crate::format::expand_for_status(f, &vars);
                    let s = spool_proto::text::sanitize(&s);
                    spool_proto::ui::cut_placeholders(&s, STATUS_PART_MAX_BYTES).to_string()
                };
                Some(vec![one(left), one(right)])
            }
            _ => None,
        }
    };
    // A message set since the last update (none from before this client attached).
    let message = {
        let m = server.messages.lock().unwrap_or_else(|p| p.into_inner());
        match m.get(&sid) {
            Some((serial, text)) if *serial > sent.message => {
                let new = !first;
                sent.message = *serial;
                new.then(|| text.clone())
            }
            _ => None,
        }
    };
    let update = Update {
        status,
        message,
        session,
        cols,
        rows,
        tabs,
        panes,
        active_pane: active,
        zoomed,
        more: false,
        links_reset,
        bell,
        clipboard,
    };
    // Nothing new (no rows, and the same layout, cursors, titles and modes): skip the frame.
    let mut last = Update {
        clipboard: Vec::new(),
        bell: false,
        message: None,
        ..update.clone()
    };
    for p in &mut last.panes {
        p.rows.clear();
        p.links.clear();
    }
    let unchanged = update.panes.iter().all(|p| p.rows.is_empty() && !p.full)
        && !update.bell
        && update.clipboard.is_empty()
        && update.message.is_none()
        && sent.last.as_ref() == Some(&last);
    let out = (!unchanged).then_some(update);
    sent.last = Some(last);
    Some((out, wake))
}
