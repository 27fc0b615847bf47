//! `spool attach`: the interactive client. Draws the session's active tab in the user's
//! terminal (panes, borders, status line), sends keys to the focused pane, and handles the
//! prefix key (C-b) bindings and scroll mode.
//!
//! Threads: one reads the terminal, one reads the server (merging screen updates into one
//! pending update), one turns SIGWINCH into an event; the main loop owns all state. Memory:
//! the panes' visible rows, the frame shown, one pending update, and scroll mode's row cache
//! of fixed capacity — nothing that grows with history or with a slow terminal.
//!
//! Here: the event loop, server messages, composing frames. `input.rs`: what keys and the
//! mouse do; `keys.rs`: decoding them; `scroll.rs`: scroll mode; `status.rs`: the status line;
//! `prompt.rs`: lines typed in the status line (the command prompt); `run.rs`: command lines
//! run for bindings and prompts; `view.rs`: full-screen text (`list-keys`); `choose.rs`:
//! `choose-tree` and `choose-buffer`; `render.rs`: frames to escape sequences; `tty.rs`: the
//! terminal itself.

mod choose;
mod images;
mod input;
mod keys;
mod motion;
mod picture;
mod prompt;
mod render;
mod run;
mod scroll;
mod sixel;
mod status;
mod tty;
mod view;

use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use spool_cells::{Attrs, Color, Row, Style};
use spool_proto::ui::UiConfig;
use spool_proto::{frame, PaneModes, PaneView, Request, Response, Update};

pub use self::keys::Key;
use self::render::{CursorState, Grid, Pen, Renderer};
use self::scroll::Scroll;
use crate::client::Target;

/// How long the client waits for the outer terminal to answer its probe (CSI ? u, DA1).
const PROBE_TIME: Duration = Duration::from_secs(2);
/// Longest probe answer kept across reads.
const PROBE_CARRY: usize = 64;

/// How long a message stays in the status line.
const MESSAGE_TIME: Duration = Duration::from_secs(3);

/// After a resize, every image is drawn again this much after the last size change: kitty
/// drops the images it holds when it reflows a resized screen (`Images::after_resize`).
const IMAGES_AFTER_RESIZE: Duration = Duration::from_millis(400);

#[derive(clap::Args, Debug, Default)]
pub struct Args {
    /// Session to attach to (default: the most recent; a new one if there is none).
    #[arg(short = 't', value_name = "SESSION")]
    target: Option<String>,
}

impl Args {
    pub fn for_session(name: String) -> Args {
        Args { target: Some(name) }
    }
}

/// The update the main loop has not applied yet (see `run`).
type PendingUpdate = std::sync::Arc<std::sync::Mutex<Option<Update>>>;

enum Event {
    Input(Vec<u8>),
    /// An update waits in the `PendingUpdate`.
    UpdateReady,
    Server(Box<Response>),
    /// The connection ended: cleanly, or with this error.
    ServerGone(Option<String>),
    Resize,
    /// A command line run for a binding or a prompt finished.
    Ran(Box<run::Ran>),
}

/// One pane as the client holds it: the last view and its rows.
struct PaneState {
    view: PaneView,
    rows: Vec<Row>,
}

enum Mode {
    Normal,
    /// The prefix key was pressed; the next key is a command.
    Prefix,
    /// `x`: waiting for y/n.
    ConfirmKill,
    /// A y/n question; `y` runs the command line (`confirm-before`).
    Confirm {
        prompt: String,
        run: String,
    },
    /// A line being typed in the status line, and what to do with it.
    Prompt(Box<prompt::Prompt>),
    Scroll(Box<Scroll>),
    /// Full-screen text over the panes.
    View(Box<view::View>),
    /// A chooser over the panes.
    Choose(Box<choose::Chooser>),
    /// Numbers drawn on the panes until this time; a digit focuses one (`C-b q`).
    DisplayPanes(Instant),
}

/// How long `display-panes` shows the numbers (tmux's `display-panes-time`).
const DISPLAY_PANES_TIME: Duration = Duration::from_secs(1);

struct Client {
    sock: UnixStream,
    cols: u16,
    rows: u16,
    update: Option<Update>,
    panes: BTreeMap<u32, PaneState>,
    renderer: Renderer,
    mode: Mode,
    /// Prefix key, bindings and status line, from the server's config.
    ui: UiConfig,
    message: Option<(String, Instant)>,
    outer: PaneModes,
    out: Vec<u8>,
    detached: Option<String>,
    pending: PendingUpdate,
    /// Whether the outer terminal speaks the kitty keyboard protocol (asked at attach with
    /// `CSI ? u`, followed by a DA1 query every terminal answers).
    kitty: Probe,
    /// The DA1 answer that ends the probe has not arrived yet.
    awaiting_da1: bool,
    /// Images shown through the outer terminal's graphics (kitty), if it has them.
    images: images::Images,
    /// When to draw every image again after a resize (see [`IMAGES_AFTER_RESIZE`]).
    images_again: Option<Instant>,
    /// When to stop waiting for it (a terminal that never answers).
    probe_until: Instant,
    /// The start of a probe answer split across reads, kept for the next read (≤ PROBE_CARRY).
    carry: Vec<u8>,
    /// The code of a key a binding consumed, whose kitty release report is dropped too.
    eat_release: Option<u32>,
    /// A protocol error the server reported before closing the connection.
    server_error: Option<String>,
    /// The outer terminal's foreground, background and cursor colors, as it answered.
    colors: [Option<(u8, u8, u8)>; 3],
    /// Why the client had to stop: it exits with an error.
    failed: Option<String>,
    /// The server's socket, for command lines run as `spool -S SOCKET …`.
    socket: std::path::PathBuf,
    /// This client's id at the server: command lines it runs say it (`$SPOOL_CLIENT`), so
    /// they act on the pane focused when they run.
    id: u64,
    /// Where finished command lines report (see `run.rs`).
    events: mpsc::Sender<Event>,
    /// A command line is running (they run one at a time, in order).
    running: bool,
    /// Command lines waiting for it (at most `run::RUNS_MAX`).
    queued: VecDeque<(Vec<String>, run::Purpose)>,
    /// A repeatable binding ran: until then its keys need no prefix (tmux's `repeat-time`).
    repeat_until: Option<Instant>,
    /// Lines entered at the command prompt, newest last (bounded: see `prompt.rs`).
    history: VecDeque<String>,
    /// A mouse drag in progress (see `input.rs`).
    drag: Option<Drag>,
}

/// What a mouse drag is doing.
#[derive(Clone, Copy, Debug)]
enum Drag {
    /// Moving the border right of (`vertical`) or below pane `pane`.
    Border { pane: u32, vertical: bool },
    /// Selecting text in pane `pane` from (x, y) in it; `started` once the mouse moved
    /// (scroll mode is then on, with the selection).
    Select {
        pane: u32,
        x: u16,
        y: u16,
        started: bool,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Probe {
    Pending,
    Yes,
    No,
}

pub fn run(target: &Target, a: Args) -> crate::cmd::Exit {
    use std::io::IsTerminal;
    target.refuse_nesting()?;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("attach needs a terminal (use `spool new -d` to start a session detached)");
    }
    let mut c = target.connect_or_start()?;
    let (cols, rows) = tty::size(1);
    let (session, client_id, ui, config_error) = match c.request(&Request::Attach {
        target: a.target,
        cols,
        rows,
        env: crate::client::client_env(),
    })? {
        Response::Attached {
            session,
            client,
            ui,
            config_error,
        } => (session, client, ui, config_error),
        other => bail!("unexpected answer: {other:?}"),
    };
    let (sock, reader) = c.into_stream();
    let (tx, rx) = mpsc::channel::<Event>();
    // Screen updates are merged here rather than queued: when the outer terminal is slower than
    // the updates (a congested ssh link), the client holds one merged update, never a backlog.
    // (Other answers are one per request, or a search's capped stream of matches.)
    let pending: PendingUpdate = Default::default();
    {
        let tx = tx.clone();
        let pending = pending.clone();
        std::thread::spawn(move || {
            let mut r = reader;
            // The parts of an update that came as several frames, until its last.
            let mut assembling: Option<Update> = None;
            loop {
                match frame::read::<Response>(&mut r) {
                    Ok(Response::Update(u)) => {
                        let u = match assembling.take() {
                            Some(mut a) => {
                                a.merge(*u);
                                Box::new(a)
                            }
                            None => u,
                        };
                        if u.more {
                            assembling = Some(*u);
                            continue;
                        }
                        let mut p = pending.lock().unwrap_or_else(|e| e.into_inner());
                        match p.as_mut() {
                            Some(older) => older.merge(*u),
                            None => {
                                *p = Some(*u);
                                drop(p);
                                if tx.send(Event::UpdateReady).is_err() {
                                    return;
                                }
                            }
                        }
                    }
                    Ok(resp) => {
                        if tx.send(Event::Server(Box::new(resp))).is_err() {
                            return;
                        }
                    }
                    Err(frame::FrameError::Closed) => {
                        let _ = tx.send(Event::ServerGone(None));
                        return;
                    }
                    Err(e) => {
                        let _ = tx.send(Event::ServerGone(Some(e.to_string())));
                        return;
                    }
                }
            }
        });
    }
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                // SAFETY: read from stdin into a local buffer.
                let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
                if n <= 0 {
                    return;
                }
                if tx.send(Event::Input(buf[..n as usize].to_vec())).is_err() {
                    return;
                }
            }
        });
    }
    let events = tx.clone();
    {
        let tx = std::sync::Mutex::new(tx);
        tty::on_resize(move || {
            let _ = tx.lock().map(|t| t.send(Event::Resize));
        })?;
    }
    let raw = tty::RawMode::enter(0)?;
    let mut client = Client {
        socket: target.socket.clone(),
        id: client_id,
        events,
        running: false,
        queued: VecDeque::new(),
        repeat_until: None,
        history: VecDeque::new(),
        drag: None,
        sock,
        cols,
        rows,
        update: None,
        panes: BTreeMap::new(),
        renderer: Renderer::new(),
        mode: Mode::Normal,
        ui,
        message: None,
        outer: PaneModes::default(),
        out: Vec::new(),
        detached: None,
        pending,
        kitty: Probe::Pending,
        awaiting_da1: true,
        images: images::Images::default(),
        images_again: None,
        probe_until: Instant::now() + PROBE_TIME,
        carry: Vec::new(),
        eat_release: None,
        server_error: None,
        failed: None,
        colors: [None; 3],
    };
    if let Some(e) = config_error {
        client.say(format!("config not used: {e}"));
    }
    // Alternate screen, mouse reporting (SGR) for wheel scrolling and click-to-focus, and the
    // kitty keyboard probe.
    // The probe also asks the terminal's default colors (OSC 10/11/12), which programs in
    // panes are told when they ask (a light or dark theme), and whether it shows kitty
    // graphics (a query of a 1×1 image, id 31, answered `OK` by terminals that do) and the
    // size of its cells in pixels (`CSI 16 t`), by which images take cells; DA1, which
    // every terminal answers, ends it.
    client.write(
        b"\x1b[?1049h\x1b[H\x1b[2J\x1b[?1000h\x1b[?1002h\x1b[?1006h\
          \x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\\x1b[16t\x1b[?u\
          \x1b]10;?\x1b\\\x1b]11;?\x1b\\\x1b]12;?\x1b\\\x1b[c",
    );
    let result = client.run(&rx);
    client.finish_probe(&rx);
    let clear = client.images.clear();
    client.write(&clear);
    if client.kitty == Probe::Yes {
        // Back to the keyboard flags the terminal had before (pushed when the probe answered).
        client.write(b"\x1b[<u");
    }
    client.write(
        b"\x1b[?1000l\x1b[?1002l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[?1l\x1b>\x1b[0 q\x1b[0m\x1b[?25h\x1b[?1049l",
    );
    drop(raw);
    result?;
    if let Some(e) = client.failed {
        bail!("the connection to the server failed: {e}");
    }
    println!(
        "[{} (from session {})]",
        crate::cmd::safe(client.detached.as_deref().unwrap_or("detached")),
        crate::cmd::safe(&session)
    );
    Ok(0)
}

impl Client {
    fn write(&mut self, b: &[u8]) {
        let mut o = std::io::stdout().lock();
        let _ = o.write_all(b);
        let _ = o.flush();
    }

    fn send(&mut self, r: &Request) {
        let _ = frame::write(&mut self.sock, r);
    }

    fn say(&mut self, m: impl Into<String>) {
        self.message = Some((m.into(), Instant::now()));
    }

    /// The outer terminal was resized: redraw whole at its new size, tell the server, and
    /// draw the images again once the size settles.
    fn resized(&mut self) {
        let (c, r) = tty::size(1);
        self.cols = c;
        self.rows = r;
        self.renderer.invalidate();
        self.images_again = Some(Instant::now() + IMAGES_AFTER_RESIZE);
        self.cell_pixels_changed();
        self.send(&Request::ClientSize { cols: c, rows: r });
    }

    /// The terminal's cells may have changed size with its window (a font change): tell the
    /// server what the PTY now says, if it differs from what is known.
    fn cell_pixels_changed(&mut self) {
        let Some((width, height)) = tty::cell_pixels(1) else {
            return;
        };
        if self.images.cell_px != Some((width, height)) {
            self.images.cell_px = Some((width, height));
            self.send(&Request::ClientCellPixels { width, height });
        }
    }

    fn run(&mut self, rx: &mpsc::Receiver<Event>) -> Result<()> {
        loop {
            // Wake at least every second for the clock and expiring messages.
            let wait = self.images_again.map_or(Duration::from_secs(1), |t| {
                t.saturating_duration_since(Instant::now())
                    .min(Duration::from_secs(1))
            });
            let ev = match rx.recv_timeout(wait) {
                Ok(ev) => Some(ev),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            };
            match ev {
                Some(Event::Server(r)) => self.on_server(*r),
                Some(Event::UpdateReady) => self.take_update(),
                Some(Event::ServerGone(e)) => self.server_gone(e),
                Some(Event::Input(b)) => self.on_input(&b),
                Some(Event::Ran(r)) => self.ran(*r),
                Some(Event::Resize) => self.resized(),
                None => {}
            }
            if self.detached.is_some() {
                return Ok(());
            }
            // Not known yet (no answer to `CSI 16 t`, and no pixel size on the PTY when the
            // probe ended): a terminal still starting up may give its PTY one later.
            self.expire_probe();
            if self.images.cell_px.is_none() && !self.awaiting_da1 {
                self.cell_pixels_changed();
            }
            if self.images_again.is_some_and(|t| Instant::now() >= t) {
                self.images_again = None;
                let bytes = self.images.after_resize();
                self.write(&bytes);
            }
            // Drain what else is waiting before drawing: one frame per batch.
            while let Ok(ev) = rx.try_recv() {
                match ev {
                    Event::Server(r) => self.on_server(*r),
                    Event::UpdateReady => self.take_update(),
                    Event::ServerGone(e) => self.server_gone(e),
                    Event::Input(b) => self.on_input(&b),
                    Event::Ran(r) => self.ran(*r),
                    Event::Resize => self.resized(),
                }
                if self.detached.is_some() {
                    return Ok(());
                }
            }
            self.draw();
        }
    }

    /// The server's connection ended. Cleanly: "server exited", as tmux says. Otherwise the
    /// client stops with an error and a failing exit status.
    fn server_gone(&mut self, error: Option<String>) {
        if self.detached.is_some() {
            return;
        }
        match error.or_else(|| self.server_error.take()) {
            Some(e) => {
                self.failed = Some(e);
                self.detached = Some("lost the server".into());
            }
            None => self.detached = Some("server exited".into()),
        }
    }

    fn take_update(&mut self) {
        let u = self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(u) = u {
            self.apply(u);
            self.pump_scroll();
        }
    }

    fn on_server(&mut self, r: Response) {
        self.on_server_inner(r);
        self.pump_scroll();
    }

    /// Send what scroll mode wants from the server (pages, searches, locates).
    fn pump_scroll(&mut self) {
        if let Mode::Scroll(s) = &mut self.mode {
            for req in s.take_requests() {
                let _ = frame::write(&mut self.sock, &req);
            }
        }
    }

    /// Scroll mode ends: a search still scanning or following is stopped (its late answers
    /// carry an id no search has any more).
    fn leave_scroll(&mut self, s: &scroll::Scroll) {
        if let Some(stop) = s.stop_search() {
            self.send(&stop);
        }
    }

    fn on_server_inner(&mut self, r: Response) {
        match r {
            Response::Update(u) => self.apply(*u),
            Response::Ui(ui) => {
                self.ui = ui;
                self.say("config reloaded");
            }
            Response::Detached { reason } => self.detached = Some(reason),
            Response::Error { message } if message.starts_with("protocol error") => {
                // The server is about to drop this connection: say why when it does.
                self.server_error = Some(message);
            }
            Response::Error { message } => {
                // In scroll mode most likely the answer to its request (a page, a jump).
                if let Mode::Scroll(s) = &mut self.mode {
                    s.request_failed();
                }
                self.say(message)
            }
            Response::Image {
                pane,
                id,
                record,
                bytes,
            } => {
                let sent = self.images.received(pane, id, record, &bytes);
                self.write(&sent);
                self.draw();
            }
            Response::HistoryRows {
                pane,
                width,
                from_bottom,
                total,
                rows,
            } => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.receive(pane, width, from_bottom, total, rows);
                }
            }
            Response::Commands(list) => {
                let asked = match &mut self.mode {
                    Mode::Scroll(s) => std::mem::take(&mut s.want_command).then_some(s.pane),
                    _ => None,
                };
                match (asked, list.first()) {
                    (Some(pane), Some(c)) => self.spawn_line(
                        vec![
                            "capture".into(),
                            "-t".into(),
                            format!("%{pane}"),
                            "--command".into(),
                            c.n.to_string(),
                        ],
                        run::Purpose::CopyOutput,
                    ),
                    (Some(_), None) => self.say("no command here (it needs shell integration)"),
                    _ => {}
                }
            }
            Response::ScrollFound { id, news } => {
                let error = match &mut self.mode {
                    Mode::Scroll(s) => s.search_news(id, news),
                    _ => None,
                };
                if let Some(e) = error {
                    self.say(spool_proto::text::sanitize(&e));
                }
            }
            Response::Located {
                pane,
                width,
                from_bottom,
                ..
            } => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.located(pane, width, from_bottom);
                }
            }
            _ => {}
        }
    }

    fn apply(&mut self, u: Update) {
        let ids: Vec<u32> = u.panes.iter().map(|p| p.id).collect();
        if u.links_reset {
            self.renderer.forget_links();
        }
        if u.bell {
            // A shown pane rang: so does the user's terminal (and it flags the window).
            self.write(b"\x07");
        }
        for clip in &u.clipboard {
            self.forward_clipboard(clip);
        }
        if let Some(m) = &u.message {
            // `display-message`: sanitized by the server, again here (it reaches the terminal).
            self.say(spool_proto::text::sanitize(m));
        }
        for mut v in u.panes.iter().cloned() {
            if v.held {
                // Nothing new to draw: the last frame stays, wherever the pane now is.
                if let Some(st) = self.panes.get_mut(&v.id) {
                    v.keep(&mut st.view);
                }
                continue;
            }
            for (id, uri) in std::mem::take(&mut v.links) {
                self.renderer
                    .remember_link((v.id as u64) << 32 | id as u64, uri);
            }
            let rows = std::mem::take(&mut v.rows);
            let st = self.panes.entry(v.id).or_insert_with(|| PaneState {
                view: v.clone(),
                rows: Vec::new(),
            });
            if v.full || st.rows.len() != v.h as usize {
                st.rows = vec![Row::default(); v.h as usize];
            }
            for (y, row) in rows {
                if let Some(slot) = st.rows.get_mut(y as usize) {
                    *slot = row;
                }
            }
            st.view = v;
        }
        let mut u = u;
        for p in &mut u.panes {
            p.rows.clear();
            if p.held {
                if let Some(st) = self.panes.get(&p.id) {
                    *p = st.view.clone();
                }
            }
        }
        // A pane no longer in the layout is forgotten.
        let layout: Vec<u32> = u.panes.iter().map(|p| p.id).collect();
        self.panes
            .retain(|id, _| layout.contains(id) || ids.contains(id));
        self.update = Some(u);
        if let Mode::Scroll(s) = &mut self.mode {
            if let Some(p) = self.panes.get(&s.pane) {
                s.resize(p.view.w, p.view.h);
                s.screen_changed(&p.rows);
            }
        }
        self.mirror_modes();
    }

    /// A program's OSC 52 clipboard write, passed to the user's terminal: only selection
    /// letters and base64 characters get through, so it can carry nothing else.
    fn forward_clipboard(&mut self, clip: &spool_proto::Clip) {
        let sel: String = clip
            .selection
            .chars()
            .filter(|c| matches!(c, 'c' | 'p' | 'q' | 's' | '0'..='7'))
            .collect();
        let b64 = clip
            .base64
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if !b64 {
            return;
        }
        let mut seq = format!("\x1b]52;{sel};").into_bytes();
        seq.extend_from_slice(&clip.base64);
        seq.extend_from_slice(b"\x1b\\");
        self.write(&seq);
    }

    /// Put the outer terminal in the focused pane's input modes, so keys arrive encoded the
    /// way the program asked.
    fn mirror_modes(&mut self) {
        let Some(m) = self.active().map(|p| p.view.modes) else {
            return;
        };
        let mut s = String::new();
        let set = |s: &mut String, on: bool, was: bool, h: &str, l: &str| {
            if on != was {
                s.push_str(if on { h } else { l });
            }
        };
        set(
            &mut s,
            m.app_cursor,
            self.outer.app_cursor,
            "\x1b[?1h",
            "\x1b[?1l",
        );
        set(
            &mut s,
            m.app_keypad,
            self.outer.app_keypad,
            "\x1b=",
            "\x1b>",
        );
        set(
            &mut s,
            m.bracketed_paste,
            self.outer.bracketed_paste,
            "\x1b[?2004h",
            "\x1b[?2004l",
        );
        set(
            &mut s,
            m.focus_events,
            self.outer.focus_events,
            "\x1b[?1004h",
            "\x1b[?1004l",
        );
        if self.kitty == Probe::Yes && m.kitty_keys != self.outer.kitty_keys {
            s.push_str(&format!("\x1b[={};1u", m.kitty_keys));
        }
        self.outer = m;
        if !s.is_empty() {
            self.write(s.as_bytes());
        }
    }

    fn active(&self) -> Option<&PaneState> {
        let id = self.update.as_ref()?.active_pane;
        self.panes.get(&id)
    }

    /// Compose the frame: panes, borders, status line; then write the difference.
    fn draw(&mut self) {
        let Some(u) = &self.update else { return };
        let mut g = Grid::new(self.cols, self.rows);
        let border = Pen::default();
        let active_border = Pen {
            style: Style {
                fg: Color::Indexed(2),
                ..Default::default()
            },
            link: 0,
            image_pane: 0,
        };
        let mut cursor = CursorState {
            pos: None,
            shape: 0,
        };
        for pv in &u.panes {
            let Some(st) = self.panes.get(&pv.id) else {
                continue;
            };
            if pv.floating {
                // A popup: a box around it, over whatever tiles are below.
                let pen = active_border;
                let (x0, y0) = (pv.x.saturating_sub(1), pv.y.saturating_sub(1));
                let inner = "─".repeat(pv.w as usize);
                g.put_str(x0, y0, &format!("┌{inner}┐"), pen);
                g.put_str(x0, pv.y + pv.h, &format!("└{inner}┘"), pen);
                for y in pv.y..pv.y + pv.h {
                    g.put_str(x0, y, "│", pen);
                    g.put_str(pv.x + pv.w, y, "│", pen);
                }
            }
            let scroll = match &self.mode {
                Mode::Scroll(s) if s.pane == pv.id => Some(s),
                _ => None,
            };
            for y in 0..pv.h.min(self.rows.saturating_sub(1)) {
                let row = match scroll {
                    Some(s) => s.row(y, &st.rows),
                    None => st.rows.get(y as usize),
                };
                match row {
                    Some(r) => {
                        g.put_row(pv.x, pv.y + y, pv.w, r, pv.id);
                        if let Some(re) = scroll.and_then(|s| s.search.as_ref()).map(|s| &s.re) {
                            g.highlight(pv.x, pv.y + y, pv.w, &r.text, re);
                        }
                    }
                    None => g.put_row(pv.x, pv.y + y, pv.w, &Row::default(), pv.id),
                }
            }
            if let Some(s) = scroll {
                for y in 0..pv.h {
                    for x in 0..pv.w {
                        if s.selected(x, y) {
                            g.invert(pv.x + x, pv.y + y);
                        }
                    }
                }
                cursor.pos = Some((pv.x + s.cx.min(pv.w.saturating_sub(1)), pv.y + s.cy));
                let label = s.label();
                let x = (pv.x + pv.w).saturating_sub(label.len() as u16);
                let pen = Pen {
                    style: Style {
                        attrs: Attrs::INVERSE,
                        ..Default::default()
                    },
                    link: 0,
                    image_pane: 0,
                };
                g.put_str(x, pv.y, &label, pen);
            }
            if let Some(code) = pv.exited {
                let msg = format!("[exited {code}]");
                let x = (pv.x + pv.w).saturating_sub(msg.len() as u16);
                g.put_str(x, pv.y + pv.h.saturating_sub(1), &msg, Pen::default());
            }
            let pen = if pv.id == u.active_pane {
                active_border
            } else {
                border
            };
            if pv.x + pv.w < u.cols && !pv.floating {
                for y in pv.y..(pv.y + pv.h).min(u.rows) {
                    g.put_str(pv.x + pv.w, y, "│", pen);
                }
            }
            if pv.y + pv.h < u.rows && !pv.floating {
                let line: String = "─".repeat(pv.w as usize);
                g.put_str(pv.x, pv.y + pv.h, &line, pen);
            }
            if pv.id == u.active_pane && scroll.is_none() && pv.cursor_visible {
                let (cx, cy) = pv.cursor;
                if cx < pv.w && cy < pv.h {
                    cursor.pos = Some((pv.x + cx, pv.y + cy));
                    cursor.shape = pv.cursor_shape;
                }
            }
        }
        // Past the session's area (a smaller client sets its size), dots, as tmux draws.
        let area_rows = self.rows.saturating_sub(1);
        if self.cols > u.cols || area_rows > u.rows {
            for y in 0..area_rows {
                let from = if y < u.rows { u.cols } else { 0 };
                for x in from..self.cols {
                    g.put_str(x, y, "·", border);
                }
            }
        }
        // The focused pane's border, on every side it has (the panes left of and above it
        // drew the shared borders in their own pen).
        if let Some(pv) = u
            .panes
            .iter()
            .find(|p| p.id == u.active_pane && !p.floating)
        {
            let bottom = (pv.y + pv.h).min(u.rows);
            if pv.x > 0 {
                for y in pv.y..bottom {
                    g.put_str(pv.x - 1, y, "│", active_border);
                }
            }
            if pv.x + pv.w < u.cols {
                for y in pv.y..bottom {
                    g.put_str(pv.x + pv.w, y, "│", active_border);
                }
            }
            let line: String = "─".repeat(pv.w as usize);
            if pv.y > 0 {
                g.put_str(pv.x, pv.y - 1, &line, active_border);
            }
            if pv.y + pv.h < u.rows {
                g.put_str(pv.x, pv.y + pv.h, &line, active_border);
            }
        }
        let height = self.rows.saturating_sub(1);
        match &self.mode {
            Mode::View(v) => {
                v.draw(&mut g, self.cols, height);
                cursor.pos = None;
            }
            Mode::Choose(c) => {
                c.draw(&mut g, self.cols, height);
                cursor.pos = None;
            }
            Mode::DisplayPanes(until) if Instant::now() < *until => {
                // Each pane's index in the middle of it, as tmux's `display-panes`.
                let pen = Pen {
                    style: Style {
                        attrs: Attrs::INVERSE,
                        fg: Color::Indexed(4),
                        ..Default::default()
                    },
                    link: 0,
                    image_pane: 0,
                };
                for (i, pv) in u.panes.iter().enumerate() {
                    let label = format!(" {i} ");
                    let x = pv.x + (pv.w / 2).saturating_sub(1);
                    g.put_str(x, pv.y + pv.h / 2, &label, pen);
                }
            }
            _ => {}
        }
        self.status(&mut g, &mut cursor);
        let title = self
            .active()
            .map(|p| p.view.title.clone())
            .unwrap_or_default();
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        // Images over their cells (read off the frame, so scroll mode and popups too).
        let mut drawing = images::Drawing::default();
        if self.images.kitty || self.images.sixel {
            let segs = images::segments(&g);
            for r in self.images.wants(&segs) {
                self.send(&r);
            }
            drawing = self.images.draw(&segs, self.renderer.whole(&g));
            for &(x, y, n) in &drawing.repaint {
                self.renderer.repaint(x, y, n);
            }
        }
        self.renderer.frame(
            &g,
            &cursor,
            &title,
            (&drawing.before, &drawing.after),
            &mut out,
        );
        self.write(&out);
        self.out = out;
    }

    fn status(&mut self, g: &mut Grid, cursor: &mut CursorState) {
        let Some(u) = &self.update else { return };
        let y = self.rows.saturating_sub(1);
        let st = &self.ui.status;
        status::clear(g, y, self.cols, st);
        let pen = status::pen(st);
        if let Mode::Prompt(p) = &self.mode {
            let line = spool_proto::text::sanitize(&format!("{}{}", p.label, p.text));
            // The end of a long line is what is being typed: show that.
            let width = self.cols.saturating_sub(1) as usize;
            let skip = line.chars().count().saturating_sub(width);
            let shown: String = line.chars().skip(skip).collect();
            let x = g.put_str(0, y, &shown, pen);
            cursor.pos = Some((x, y));
            return;
        }
        let msg = match &self.mode {
            Mode::ConfirmKill => Some("kill pane? (y/n)".to_string()),
            Mode::Confirm { prompt, .. } => Some(spool_proto::text::sanitize(prompt)),
            Mode::View(v) => Some(v.label(self.rows.saturating_sub(1))),
            Mode::Choose(c) => Some(c.label()),
            Mode::Prefix => None,
            _ => self
                .message
                .as_ref()
                .filter(|(_, t)| t.elapsed() < MESSAGE_TIME)
                .map(|(m, _)| m.clone()),
        };
        if let Some(m) = msg {
            g.put_str(0, y, &m, pen);
            return;
        }
        let title = self
            .active()
            .map(|p| p.view.title.clone())
            .unwrap_or_default();
        status::draw(g, y, self.cols, st, u, &title);
    }
}
