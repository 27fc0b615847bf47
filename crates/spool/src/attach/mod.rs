//! `spool attach`: the interactive client. Draws the session's active tab in the user's
//! terminal (panes, borders, status line), sends keys to the focused pane, and handles the
//! prefix key (C-b) bindings and scroll mode.
//!
//! Threads: one reads the terminal, one reads the server, one turns SIGWINCH into an event;
//! the main loop owns all state. Memory: the panes' visible rows, the frame shown, and scroll
//! mode's row cache of fixed capacity — nothing that grows with history.

mod render;
mod scroll;
mod tty;

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use spool_proto::{frame, Action, PaneModes, PaneView, Request, Response, Update, WireRow};

use self::render::{Cell, CursorState, Grid, Pen, Renderer};
use self::scroll::Scroll;
use crate::client::Target;

/// The default prefix key: C-b, as in tmux.
pub const DEFAULT_PREFIX: u8 = 0x02;

/// How long a message stays in the status line.
const MESSAGE_TIME: Duration = Duration::from_secs(3);

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

enum Event {
    Input(Vec<u8>),
    Server(Response),
    ServerGone,
    Resize,
}

/// One pane as the client holds it: the last view and its rows.
struct PaneState {
    view: PaneView,
    rows: Vec<WireRow>,
}

enum Mode {
    Normal,
    /// The prefix key was pressed; the next key is a command.
    Prefix,
    /// `x`: waiting for y/n.
    ConfirmKill,
    /// A line being typed in the status line, and what to do with it.
    Prompt(PromptKind, String),
    Scroll(Box<Scroll>),
}

#[derive(Clone, Copy)]
enum PromptKind {
    RenameTab,
    Session,
}

struct Client {
    sock: UnixStream,
    cols: u16,
    rows: u16,
    update: Option<Update>,
    panes: BTreeMap<u32, PaneState>,
    renderer: Renderer,
    mode: Mode,
    prefix: u8,
    message: Option<(String, Instant)>,
    outer: PaneModes,
    out: Vec<u8>,
    detached: Option<String>,
}

pub fn run(target: &Target, a: Args) -> crate::cmd::Exit {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        bail!("attach needs a terminal (use `spool new -d` to start a session detached)");
    }
    let mut c = target.connect()?;
    let (cols, rows) = tty::size(1);
    let session = match c.request(&Request::Attach {
        target: a.target,
        cols,
        rows,
    })? {
        Response::Attached { session } => session,
        other => bail!("unexpected answer: {other:?}"),
    };
    let sock = c.into_stream();
    let reader = sock.try_clone()?;
    let (tx, rx) = mpsc::channel::<Event>();
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            let mut r = reader;
            loop {
                match frame::read::<Response>(&mut r) {
                    Ok(resp) => {
                        if tx.send(Event::Server(resp)).is_err() {
                            return;
                        }
                    }
                    Err(_) => {
                        let _ = tx.send(Event::ServerGone);
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
    {
        let tx = std::sync::Mutex::new(tx);
        tty::on_resize(move || {
            let _ = tx.lock().map(|t| t.send(Event::Resize));
        })?;
    }
    let raw = tty::RawMode::enter(0)?;
    let mut client = Client {
        sock,
        cols,
        rows,
        update: None,
        panes: BTreeMap::new(),
        renderer: Renderer::new(),
        mode: Mode::Normal,
        prefix: crate::config::load().prefix,
        message: None,
        outer: PaneModes::default(),
        out: Vec::new(),
        detached: None,
    };
    // Alternate screen, mouse reporting (SGR) for wheel scrolling and click-to-focus.
    client.write(b"\x1b[?1049h\x1b[H\x1b[2J\x1b[?1000h\x1b[?1002h\x1b[?1006h");
    let result = client.run(&rx);
    client.write(
        b"\x1b[?1000l\x1b[?1002l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[?1l\x1b>\x1b[0 q\x1b[0m\x1b[?25h\x1b[?1049l",
    );
    drop(raw);
    result?;
    println!(
        "[{} (from session {session})]",
        client.detached.as_deref().unwrap_or("detached")
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

    fn run(&mut self, rx: &mpsc::Receiver<Event>) -> Result<()> {
        loop {
            // Wake at least every second for the clock and expiring messages.
            let ev = match rx.recv_timeout(Duration::from_secs(1)) {
                Ok(ev) => Some(ev),
                Err(mpsc::RecvTimeoutError::Timeout) => None,
                Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
            };
            match ev {
                Some(Event::Server(r)) => self.on_server(r),
                Some(Event::ServerGone) => {
                    self.detached.get_or_insert_with(|| "server exited".into());
                }
                Some(Event::Input(b)) => self.on_input(&b),
                Some(Event::Resize) => {
                    let (c, r) = tty::size(1);
                    self.cols = c;
                    self.rows = r;
                    self.renderer.invalidate();
                    self.send(&Request::ClientSize { cols: c, rows: r });
                }
                None => {}
            }
            if self.detached.is_some() {
                return Ok(());
            }
            // Drain what else is waiting before drawing: one frame per batch.
            while let Ok(ev) = rx.try_recv() {
                match ev {
                    Event::Server(r) => self.on_server(r),
                    Event::ServerGone => {
                        self.detached.get_or_insert_with(|| "server exited".into());
                    }
                    Event::Input(b) => self.on_input(&b),
                    Event::Resize => {
                        let (c, r) = tty::size(1);
                        self.cols = c;
                        self.rows = r;
                        self.renderer.invalidate();
                        self.send(&Request::ClientSize { cols: c, rows: r });
                    }
                }
                if self.detached.is_some() {
                    return Ok(());
                }
            }
            self.draw();
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

    fn on_server_inner(&mut self, r: Response) {
        match r {
            Response::Update(u) => self.apply(*u),
            Response::Detached { reason } => self.detached = Some(reason),
            Response::Error { message } => self.say(message),
            Response::HistoryRows {
                pane,
                from_bottom,
                total,
                rows,
            } => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.receive(pane, from_bottom, total, rows);
                }
            }
            Response::SearchMatch(hit) => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.search_hit(hit.row);
                }
            }
            Response::SearchProgress {
                rows_done,
                rows_total,
            } => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.search_progress(rows_done, rows_total);
                }
            }
            Response::End => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.search_done();
                }
            }
            Response::Located {
                pane, from_bottom, ..
            } => {
                if let Mode::Scroll(s) = &mut self.mode {
                    s.located(pane, from_bottom);
                }
            }
            _ => {}
        }
    }

    fn apply(&mut self, u: Update) {
        let ids: Vec<u32> = u.panes.iter().map(|p| p.id).collect();
        for mut v in u.panes.iter().cloned() {
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
                st.rows = vec![WireRow::default(); v.h as usize];
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
        }
        // A pane no longer in the layout is forgotten.
        let layout: Vec<u32> = u.panes.iter().map(|p| p.id).collect();
        self.panes
            .retain(|id, _| layout.contains(id) || ids.contains(id));
        self.update = Some(u);
        if let Mode::Scroll(s) = &mut self.mode {
            if let Some(p) = self.panes.get(&s.pane) {
                s.resize(p.view.w, p.view.h);
            }
        }
        self.mirror_modes();
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
        self.outer = m;
        if !s.is_empty() {
            self.write(s.as_bytes());
        }
    }

    fn active(&self) -> Option<&PaneState> {
        let id = self.update.as_ref()?.active_pane;
        self.panes.get(&id)
    }

    fn on_input(&mut self, bytes: &[u8]) {
        let mut i = 0;
        let mut pass = Vec::new();
        while i < bytes.len() {
            // Mouse reports from the outer terminal (SGR encoding).
            if bytes[i..].starts_with(b"\x1b[<") {
                if let Some((len, ev)) = parse_sgr_mouse(&bytes[i..]) {
                    self.flush_input(&mut pass);
                    self.on_mouse(ev);
                    i += len;
                    continue;
                }
            }
            match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Normal => {
                    if bytes[i] == self.prefix {
                        self.flush_input(&mut pass);
                        self.mode = Mode::Prefix;
                    } else {
                        pass.push(bytes[i]);
                    }
                    i += 1;
                }
                Mode::Prefix => {
                    let (len, key) = key_at(&bytes[i..]);
                    i += len;
                    self.prefix_key(key);
                }
                Mode::ConfirmKill => {
                    if bytes[i] == b'y' || bytes[i] == b'Y' {
                        self.send(&Request::Act(Action::KillPane));
                    }
                    i += 1;
                }
                Mode::Prompt(kind, mut text) => {
                    match bytes[i] {
                        b'\r' | b'\n' => {
                            let a = match kind {
                                PromptKind::RenameTab => Action::RenameTab(text),
                                PromptKind::Session => Action::SwitchSession(text),
                            };
                            self.send(&Request::Act(a));
                        }
                        0x1b | 0x03 => {}
                        0x7f | 0x08 => {
                            text.pop();
                            self.mode = Mode::Prompt(kind, text);
                        }
                        b if b >= 0x20 => {
                            let (len, _) = key_at(&bytes[i..]);
                            if let Ok(s) = std::str::from_utf8(&bytes[i..i + len]) {
                                text.push_str(s);
                            }
                            i += len - 1;
                            self.mode = Mode::Prompt(kind, text);
                        }
                        _ => self.mode = Mode::Prompt(kind, text),
                    }
                    i += 1;
                }
                Mode::Scroll(mut s) => {
                    let (len, key) = key_at(&bytes[i..]);
                    i += len;
                    let stay = s.key(key);
                    if s.want_copy {
                        let screen = self.panes.get(&s.pane).map_or(&[][..], |p| &p.rows[..]);
                        let text = s.selection_text(screen, OSC52_MAX);
                        self.copy(&text);
                    } else if stay {
                        self.mode = Mode::Scroll(s);
                    }
                }
            }
        }
        self.flush_input(&mut pass);
        self.pump_scroll();
    }

    /// Put `text` on the outer terminal's clipboard (OSC 52).
    fn copy(&mut self, text: &str) {
        let mut seq = b"\x1b]52;c;".to_vec();
        seq.extend_from_slice(base64(text.as_bytes()).as_bytes());
        seq.push(0x07);
        self.write(&seq);
        self.say(format!("copied {} bytes", text.len()));
    }

    fn flush_input(&mut self, pass: &mut Vec<u8>) {
        if !pass.is_empty() {
            let bytes = std::mem::take(pass);
            self.send(&Request::Input(bytes));
        }
    }

    fn prefix_key(&mut self, key: Key) {
        let act = |c: &mut Client, a: Action| c.send(&Request::Act(a));
        match key {
            Key::Byte(b) if b == self.prefix => {
                let p = self.prefix;
                self.send(&Request::Input(vec![p]));
            }
            Key::Byte(b'd') => self.send(&Request::Detach),
            Key::Byte(b'c') => act(self, Action::NewTab),
            Key::Byte(b'n') => act(self, Action::NextTab),
            Key::Byte(b'p') => act(self, Action::PrevTab),
            Key::Byte(b @ b'0'..=b'9') => act(self, Action::SelectTab((b - b'0') as u16)),
            Key::Byte(b'%') => act(self, Action::Split { horizontal: true }),
            Key::Byte(b'"') => act(self, Action::Split { horizontal: false }),
            Key::Left | Key::Byte(b'h') => act(self, Action::Focus(0)),
            Key::Down | Key::Byte(b'j') => act(self, Action::Focus(1)),
            Key::Up | Key::Byte(b'k') => act(self, Action::Focus(2)),
            Key::Right | Key::Byte(b'l') => act(self, Action::Focus(3)),
            Key::Byte(b'z') => act(self, Action::Zoom),
            Key::Byte(b'x') => {
                self.mode = Mode::ConfirmKill;
            }
            Key::Byte(b'[') => self.enter_scroll(0),
            Key::Byte(b',') => self.mode = Mode::Prompt(PromptKind::RenameTab, String::new()),
            Key::Byte(b's') => self.mode = Mode::Prompt(PromptKind::Session, String::new()),
            Key::Byte(b'r') => self.renderer.invalidate(),
            Key::Byte(b'?') => self.say(HELP),
            _ => {}
        }
    }

    fn enter_scroll(&mut self, up: u64) {
        let Some(p) = self.active() else { return };
        let mut s = Box::new(Scroll::new(p.view.id, p.view.w, p.view.h));
        s.scroll_up(up);
        self.mode = Mode::Scroll(s);
        self.pump_scroll();
    }

    fn on_mouse(&mut self, ev: Mouse) {
        let Some(u) = &self.update else { return };
        let hit = u
            .panes
            .iter()
            .find(|p| ev.x >= p.x && ev.x < p.x + p.w && ev.y >= p.y && ev.y < p.y + p.h)
            .map(|p| (p.id, p.x, p.y, p.modes));
        let Some((id, px, py, modes)) = hit else {
            return;
        };
        let active = u.active_pane;
        let wheel = ev.button & 64 != 0;
        if modes.mouse != 0 && id == active && !matches!(self.mode, Mode::Scroll(_)) {
            // The program asked for the mouse: forward, in its coordinates and encoding.
            let (x, y) = (ev.x - px + 1, ev.y - py + 1);
            let bytes = if modes.mouse_sgr {
                format!(
                    "\x1b[<{};{};{}{}",
                    ev.button,
                    x,
                    y,
                    if ev.release { 'm' } else { 'M' }
                )
                .into_bytes()
            } else {
                let b = if ev.release { 3 } else { ev.button };
                vec![
                    0x1b,
                    b'[',
                    b'M',
                    (32 + b) as u8,
                    (32 + x.min(222)) as u8,
                    (32 + y.min(222)) as u8,
                ]
            };
            self.send(&Request::Input(bytes));
            return;
        }
        if wheel {
            let up = ev.button & 1 == 0;
            match &mut self.mode {
                Mode::Scroll(s) => {
                    if up {
                        s.scroll_up(3)
                    } else if !s.scroll_down(3) {
                        self.mode = Mode::Normal;
                    }
                }
                _ if up => self.enter_scroll(3),
                _ => {}
            }
            self.pump_scroll();
        } else if !ev.release && ev.button & 3 == 0 && id != active {
            self.send(&Request::Act(Action::FocusPane(id)));
        }
    }

    /// Compose the frame: panes, borders, status line; then write the difference.
    fn draw(&mut self) {
        let Some(u) = &self.update else { return };
        let mut g = Grid::new(self.cols, self.rows);
        let border = Pen::default();
        let active_border = Pen {
            run: spool_proto::WireRun {
                fg: 0x100_0002,
                ..Default::default()
            },
            link: 0,
        };
        let mut cursor = CursorState {
            pos: None,
            shape: 0,
        };
        for pv in &u.panes {
            let Some(st) = self.panes.get(&pv.id) else {
                continue;
            };
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
                    None => g.put_row(pv.x, pv.y + y, pv.w, &WireRow::default(), pv.id),
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
                    run: spool_proto::WireRun {
                        attrs: 1 << 5,
                        ..Default::default()
                    },
                    link: 0,
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
            if pv.x + pv.w < u.cols {
                for y in pv.y..(pv.y + pv.h).min(u.rows) {
                    g.put_str(pv.x + pv.w, y, "│", pen);
                }
            }
            if pv.y + pv.h < u.rows {
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
        self.status(&mut g, &mut cursor);
        let title = self
            .active()
            .map(|p| p.view.title.clone())
            .unwrap_or_default();
        let mut out = std::mem::take(&mut self.out);
        out.clear();
        self.renderer.frame(&g, &cursor, &title, &mut out);
        self.write(&out);
        self.out = out;
    }

    fn status(&mut self, g: &mut Grid, cursor: &mut CursorState) {
        let Some(u) = &self.update else { return };
        let y = self.rows.saturating_sub(1);
        let bar = Pen {
            run: spool_proto::WireRun {
                fg: 0x100_0000,
                bg: 0x100_0002,
                ..Default::default()
            },
            link: 0,
        };
        for x in 0..self.cols {
            g.set(
                x,
                y,
                Cell {
                    text: " ".into(),
                    width: 1,
                    pen: bar,
                },
            );
        }
        if let Mode::Prompt(kind, text) = &self.mode {
            let label = match kind {
                PromptKind::RenameTab => "rename tab: ",
                PromptKind::Session => "switch to session: ",
            };
            let x = g.put_str(0, y, &format!("{label}{text}"), bar);
            cursor.pos = Some((x, y));
            return;
        }
        let msg = match &self.mode {
            Mode::ConfirmKill => Some("kill pane? (y/n)".to_string()),
            Mode::Prefix => None,
            _ => self
                .message
                .as_ref()
                .filter(|(_, t)| t.elapsed() < MESSAGE_TIME)
                .map(|(m, _)| m.clone()),
        };
        if let Some(m) = msg {
            g.put_str(0, y, &m, bar);
            return;
        }
        let mut x = g.put_str(0, y, &format!("[{}] ", u.session), bar);
        for (i, t) in u.tabs.iter().enumerate() {
            let mark = if t.active {
                "*"
            } else if t.activity {
                "#"
            } else {
                ""
            };
            let zoom = if t.active && u.zoomed { "Z" } else { "" };
            let name: String = t.name.chars().take(20).collect();
            x = g.put_str(x, y, &format!("{i}:{name}{mark}{zoom} "), bar);
        }
        let clock = clock();
        let cx = self.cols.saturating_sub(clock.len() as u16 + 1);
        if cx > x {
            g.put_str(cx, y, &clock, bar);
        }
    }
}

/// Most text one copy sends to the outer terminal's clipboard (as OSC 52, base64).
const OSC52_MAX: usize = 1024 * 1024;

/// Standard base64 (for OSC 52).
fn base64(data: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const HELP: &str = "C-b: c tab  n/p 0-9 tabs  % \" split  arrows/hjkl focus  z zoom  x kill  [ scroll (/ search, v select, y copy, [ ] prompts)  , rename  s session  d detach";

/// Local time as HH:MM.
fn clock() -> String {
    // SAFETY: time/localtime_r fill a tm we own.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        format!("{:02}:{:02}", tm.tm_hour, tm.tm_min)
    }
}

/// A key as the bindings see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Byte(u8),
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
    Escape,
    Other,
}

/// The key at the start of `b` and how many bytes it took.
pub fn key_at(b: &[u8]) -> (usize, Key) {
    if b.first() == Some(&0x1b) {
        let seq = |s: &[u8]| b.starts_with(s);
        for (s, k) in [
            (&b"\x1b[A"[..], Key::Up),
            (b"\x1bOA", Key::Up),
            (b"\x1b[B", Key::Down),
            (b"\x1bOB", Key::Down),
            (b"\x1b[C", Key::Right),
            (b"\x1bOC", Key::Right),
            (b"\x1b[D", Key::Left),
            (b"\x1bOD", Key::Left),
            (b"\x1b[5~", Key::PageUp),
            (b"\x1b[6~", Key::PageDown),
            (b"\x1b[H", Key::Home),
            (b"\x1b[F", Key::End),
        ] {
            if seq(s) {
                return (s.len(), k);
            }
        }
        if b.len() == 1 {
            return (1, Key::Escape);
        }
        // Some other sequence: skip it whole (CSI ... final byte).
        if b.get(1) == Some(&b'[') {
            let end = b[2..]
                .iter()
                .position(|&c| (0x40..=0x7e).contains(&c))
                .map_or(b.len(), |p| p + 3);
            return (end, Key::Other);
        }
        return (1, Key::Escape);
    }
    let len = match b[0] {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
    .min(b.len());
    (
        len,
        if len == 1 {
            Key::Byte(b[0])
        } else {
            Key::Other
        },
    )
}

/// A mouse report from the outer terminal.
#[derive(Clone, Copy, Debug)]
struct Mouse {
    button: u16,
    x: u16,
    y: u16,
    release: bool,
}

/// Parse `ESC [ < b ; x ; y (M|m)` (1-based coordinates) at the start of `b`.
fn parse_sgr_mouse(b: &[u8]) -> Option<(usize, Mouse)> {
    let end = b.iter().position(|&c| c == b'M' || c == b'm')?;
    let body = std::str::from_utf8(&b[3..end]).ok()?;
    let mut it = body.split(';').map(|v| v.parse::<u16>().ok());
    let (button, x, y) = (it.next()??, it.next()??, it.next()??);
    Some((
        end + 1,
        Mouse {
            button,
            x: x.saturating_sub(1),
            y: y.saturating_sub(1),
            release: b[end] == b'm',
        },
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64() {
        assert_eq!(super::base64(b""), "");
        assert_eq!(super::base64(b"f"), "Zg==");
        assert_eq!(super::base64(b"fo"), "Zm8=");
        assert_eq!(super::base64(b"foo"), "Zm9v");
        assert_eq!(super::base64(b"hello world"), "aGVsbG8gd29ybGQ=");
    }
}
