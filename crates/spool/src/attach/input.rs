//! What the user's keys and mouse do in the attach client: keys for the pane (passed on in
//! the encoding the outer terminal sent), the prefix key and its bindings, the prompts in the
//! status line, scroll mode's keys, mouse focus and wheel, the kitty-protocol probe's answers,
//! and copying to the outer terminal's clipboard.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use spool_proto::ui::{BindKey, Command};
use spool_proto::{Action, Request};

use super::choose::{Chooser, Outcome, Pick};
use super::keys::{self, key_at, Key, Mouse};
use super::prompt::{Done, Prompt, PromptKind};
use super::run::{self, Purpose};
use super::scroll::Scroll;
use super::view::View;
use super::{Client, Drag, Event, Mode, Probe, DISPLAY_PANES_TIME, PROBE_CARRY};

impl Client {
    pub(super) fn on_input(&mut self, bytes: &[u8]) {
        let joined;
        let bytes = if self.carry.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), bytes].concat();
            &joined[..]
        };
        self.expire_probe();
        let mut i = 0;
        let mut pass = Vec::new();
        while i < bytes.len() {
            let rest = &bytes[i..];
            if self.awaiting_da1 && rest.len() < PROBE_CARRY && keys::partial_reply(rest) {
                // Perhaps the start of the probe's answer: wait for the rest.
                self.carry = rest.to_vec();
                break;
            }
            // Mouse reports from the outer terminal (SGR encoding).
            if rest.starts_with(b"\x1b[<") {
                if let Some((len, ev)) = keys::parse_sgr_mouse(rest) {
                    self.flush_input(&mut pass);
                    self.on_mouse(ev);
                    i += len;
                    continue;
                }
            }
            if let Some(len) = self.probe_answer(rest) {
                i += len;
                continue;
            }
            if let Some(len) = self.eaten_release(rest) {
                i += len;
                continue;
            }
            match std::mem::replace(&mut self.mode, Mode::Normal) {
                Mode::Normal => {
                    // A repeatable binding just ran: its keys (and other repeatable ones) go
                    // on without the prefix until `repeat-time` passes.
                    if let Some(len) = self.repeat_key(rest) {
                        self.flush_input(&mut pass);
                        i += len;
                        continue;
                    }
                    i += self.normal_input(rest, &mut pass)
                }
                Mode::Prefix => {
                    let (len, key) = key_at(rest);
                    i += len;
                    if key == Key::Release {
                        self.mode = Mode::Prefix;
                    } else {
                        // The binding consumes this key: its release report (kitty protocol,
                        // when the program asked for event types) is not the pane's either.
                        self.eat_release = match (keys::kitty_key(&rest[..len]), key) {
                            (Some(k), _) => Some(k.code),
                            (None, Key::Byte(b)) if b < 0x20 => Some(b as u32 + 0x60),
                            (None, Key::Byte(b)) => Some(b.to_ascii_lowercase() as u32),
                            _ => None,
                        };
                        self.prefix_key(key);
                    }
                }
                Mode::ConfirmKill => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match key {
                        Key::Release => self.mode = Mode::ConfirmKill,
                        Key::Byte(b'y' | b'Y') => self.send(&Request::Act(Action::KillPane)),
                        _ => {}
                    }
                }
                Mode::Confirm { prompt, run } => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match key {
                        Key::Release => self.mode = Mode::Confirm { prompt, run },
                        Key::Byte(b'y' | b'Y') => self.run_line(&run),
                        _ => {}
                    }
                }
                Mode::Prompt(mut p) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match p.key(key, &rest[..len], &self.history) {
                        Done::Stay => self.mode = Mode::Prompt(p),
                        Done::Cancel => {}
                        Done::Enter(text) => self.prompt_entered(p.kind, text),
                    }
                }
                Mode::View(mut v) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    let height = self.rows.saturating_sub(1);
                    if key == Key::Release || v.key(key, height) {
                        self.mode = Mode::View(v);
                    }
                }
                Mode::Choose(mut c) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match c.key(key, &rest[..len]) {
                        Outcome::Stay => {
                            self.mode = Mode::Choose(c);
                            self.pump_preview();
                        }
                        Outcome::Close => {}
                        Outcome::Picked(pick) => self.pick(pick),
                    }
                }
                // The numbers' time is over: the key is the pane's, as in normal mode.
                Mode::DisplayPanes(until) if Instant::now() >= until => {
                    i += self.normal_input(rest, &mut pass)
                }
                Mode::DisplayPanes(until) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match key {
                        Key::Release => self.mode = Mode::DisplayPanes(until),
                        Key::Byte(d @ b'0'..=b'9') if Instant::now() < until => {
                            let id = self
                                .update
                                .as_ref()
                                .and_then(|u| u.panes.get((d - b'0') as usize))
                                .map(|p| p.id);
                            if let Some(id) = id {
                                self.send(&Request::Act(Action::FocusPane(id)));
                            }
                        }
                        _ => {}
                    }
                }
                Mode::Scroll(mut s) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    let screen = self.panes.get(&s.pane).map_or(&[][..], |p| &p.rows[..]);
                    let stay = key == Key::Release || s.key(key, screen);
                    if s.want_copy {
                        let screen = self.panes.get(&s.pane).map_or(&[][..], |p| &p.rows[..]);
                        let text = s.selection_text(screen, OSC52_MAX);
                        self.copy(&text);
                        self.store_buffer(&text);
                        self.leave_scroll(&s);
                    } else if stay {
                        self.mode = Mode::Scroll(s);
                    } else {
                        self.leave_scroll(&s);
                    }
                }
            }
        }
        self.flush_input(&mut pass);
        self.pump_scroll();
    }

    /// Input in normal mode: the prefix key (in legacy or kitty encoding) starts a binding;
    /// everything else is for the pane, escape sequences whole. Returns the bytes consumed.
    fn normal_input(&mut self, rest: &[u8], pass: &mut Vec<u8>) -> usize {
        if let Some((len, press)) = keys::prefix_at(rest, self.ui.prefix) {
            if press {
                self.flush_input(pass);
                self.mode = Mode::Prefix;
            }
            return len;
        }
        if rest.starts_with(b"\x1b[") {
            if let Some(end) = keys::csi_end(rest) {
                pass.extend_from_slice(&rest[..end]);
                return end;
            }
        }
        pass.push(rest[0]);
        1
    }

    /// A terminal that has not answered the probe by `probe_until` never will: stop waiting
    /// (checked on each input, and on the run loop's timer, since such a terminal may also
    /// send no input for a long time).
    pub(super) fn expire_probe(&mut self) {
        if self.awaiting_da1 && Instant::now() > self.probe_until {
            self.awaiting_da1 = false;
        }
    }

    /// The client is leaving: if the terminal has not answered the probe yet, wait for it a
    /// little, so the answer does not land in the shell the user returns to.
    pub(super) fn finish_probe(&mut self, rx: &mpsc::Receiver<Event>) {
        let until = self
            .probe_until
            .min(Instant::now() + Duration::from_millis(300));
        while self.awaiting_da1 {
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(Event::Input(b)) => {
                    let mut all = std::mem::take(&mut self.carry);
                    all.extend_from_slice(&b);
                    for i in 0..all.len() {
                        if keys::da1_reply(&all[i..]).is_some() {
                            self.awaiting_da1 = false;
                            break;
                        }
                    }
                    self.carry = all;
                    self.carry.truncate(PROBE_CARRY);
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }

    /// The kitty release report of the key a binding consumed, in whatever mode comes next;
    /// any other report of that key ends the wait for it.
    fn eaten_release(&mut self, rest: &[u8]) -> Option<usize> {
        let code = self.eat_release?;
        if !rest.starts_with(b"\x1b[") {
            return None;
        }
        let end = keys::csi_end(rest)?;
        let k = keys::kitty_key(&rest[..end]).filter(|k| k.code == code)?;
        self.eat_release = None;
        (k.event == 3).then_some(end)
    }

    /// The outer terminal's answers to the kitty keyboard probe, consumed while it is pending:
    /// `CSI ? flags u` means supported (the current flags are pushed, to be restored at exit),
    /// the DA1 answer that follows ends the probe.
    fn probe_answer(&mut self, rest: &[u8]) -> Option<usize> {
        if !self.awaiting_da1 {
            return None;
        }
        if let Some(len) = keys::kitty_flags_reply(rest).filter(|_| self.kitty == Probe::Pending) {
            self.kitty = Probe::Yes;
            self.write(b"\x1b[>0u");
            self.outer.kitty_keys = 0;
            self.mirror_modes();
            return Some(len);
        }
        if let Some((len, which, rgb)) = keys::color_reply(rest) {
            self.colors[(which - 10) as usize] = Some(rgb);
            return Some(len);
        }
        if let Some((len, ok)) = keys::graphics_reply(rest) {
            self.images.kitty = ok;
            return Some(len);
        }
        if let Some((len, (width, height))) = keys::cell_size_reply(rest) {
            self.images.cell_px = Some((width, height));
            self.send(&spool_proto::Request::ClientCellPixels { width, height });
            return Some(len);
        }
        let (len, sixel) = keys::da1_reply(rest)?;
        self.awaiting_da1 = false;
        // A terminal that does not answer `CSI 16 t` (xterm by default) may still give its
        // PTY the window's size in pixels.
        if self.images.cell_px.is_none() {
            if let Some((width, height)) = super::tty::cell_pixels(1) {
                self.images.cell_px = Some((width, height));
                self.send(&spool_proto::Request::ClientCellPixels { width, height });
            }
        }
        // Answered after the graphics query: kitty graphics, if there, is known by now.
        self.images.sixel = sixel && !self.images.kitty;
        if let Some(bg) = self.colors[1] {
            self.images.background = bg;
        }
        if self.kitty == Probe::Pending {
            self.kitty = Probe::No;
        }
        if self.colors.iter().any(Option::is_some) {
            let [fg, bg, cursor] = self.colors;
            self.send(&spool_proto::Request::ClientColors { fg, bg, cursor });
        }
        Some(len)
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
        let Some(bk) = bind_key(key) else { return };
        // The prefix twice sends it to the pane, unless it is bound to something else.
        let (command, repeat) = match self.ui.binding(bk) {
            None if bk == BindKey::Byte(self.ui.prefix) => (Command::SendPrefix, false),
            None => return,
            Some(b) => (b.command.clone(), b.repeat),
        };
        self.repeat_until = repeat.then(|| Instant::now() + spool_proto::ui::REPEAT_TIME);
        self.run_command(command, key == Key::PageUp);
    }

    /// The key at `rest`, if a repeatable binding is armed and this key has one: it runs
    /// (and re-arms); any other key disarms. Returns the bytes consumed.
    fn repeat_key(&mut self, rest: &[u8]) -> Option<usize> {
        let until = self.repeat_until?;
        if Instant::now() >= until {
            self.repeat_until = None;
            return None;
        }
        let (len, key) = key_at(rest);
        if key == Key::Release {
            return Some(len);
        }
        let b = bind_key(key)
            .and_then(|k| self.ui.binding(k))
            .filter(|b| b.repeat)
            .cloned();
        let Some(b) = b else {
            self.repeat_until = None;
            return None;
        };
        self.repeat_until = Some(Instant::now() + spool_proto::ui::REPEAT_TIME);
        self.run_command(b.command, false);
        Some(len)
    }

    pub(super) fn run_command(&mut self, command: Command, page_up: bool) {
        let act = |c: &mut Client, a: Action| c.send(&Request::Act(a));
        match command {
            Command::SendPrefix => {
                let p = self.ui.prefix;
                self.send(&Request::Input(vec![p]));
            }
            Command::Detach => self.send(&Request::Detach),
            Command::NewTab => act(self, Action::NewTab),
            Command::NextTab => act(self, Action::NextTab),
            Command::PrevTab => act(self, Action::PrevTab),
            Command::SelectTab(i) => act(self, Action::SelectTab(i)),
            Command::SplitRight => act(self, Action::Split { horizontal: true }),
            Command::SplitBelow => act(self, Action::Split { horizontal: false }),
            Command::Focus(d) => act(self, Action::Focus(d)),
            Command::Zoom => act(self, Action::Zoom),
            Command::KillPane => self.mode = Mode::ConfirmKill,
            Command::ScrollMode => {
                // PageUp enters scroll mode a page up, as in tmux.
                let up = if page_up {
                    self.active()
                        .map_or(0, |p| p.view.h.saturating_sub(1) as u64)
                } else {
                    0
                };
                self.enter_scroll(up);
            }
            Command::RenameTab => {
                self.mode =
                    Mode::Prompt(Box::new(Prompt::new(PromptKind::RenameTab, "rename tab: ")))
            }
            Command::Redraw => self.renderer.invalidate(),
            Command::Help => {
                self.spawn_line(vec!["list-keys".into()], Purpose::Show("list-keys".into()))
            }
            Command::Run(line) => match spool_proto::ui::split_words(&line) {
                Ok(words) if !words.is_empty() => {
                    self.spawn_line(words, Purpose::Show(line.clone()))
                }
                Ok(_) => {}
                Err(e) => self.say(format!("{line}: {e}")),
            },
            Command::Confirm { prompt, run } => self.mode = Mode::Confirm { prompt, run },
            Command::Prompt { prompt, run } => {
                self.mode = Mode::Prompt(Box::new(Prompt::new(PromptKind::Template(run), prompt)))
            }
            Command::CommandPrompt => {
                self.mode = Mode::Prompt(Box::new(Prompt::new(PromptKind::Command, ":")))
            }
            Command::DisplayPanes => {
                self.mode = Mode::DisplayPanes(Instant::now() + DISPLAY_PANES_TIME)
            }
            Command::ChooseTree { sessions_only } => self.spawn_line(
                vec!["panes".into(), "--json".into()],
                Purpose::Tree { sessions_only },
            ),
            Command::ChooseBuffer => self.spawn_line(
                vec!["list-buffers".into(), "--json".into()],
                Purpose::Buffers,
            ),
        }
    }

    /// A line entered at a prompt.
    fn prompt_entered(&mut self, kind: PromptKind, text: String) {
        match kind {
            PromptKind::RenameTab => self.send(&Request::Act(Action::RenameTab(text))),
            PromptKind::Template(run) => {
                let line = run.replace("%%", &spool_proto::ui::quote_word(&text));
                self.run_line(&line);
            }
            PromptKind::Command => {
                super::prompt::remember(&mut self.history, &text);
                self.run_line(&text);
            }
        }
    }

    /// Run a command line typed or bound: a built-in command by name (`detach`,
    /// `choose-tree`), or a spool verb with its arguments.
    fn run_line(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        match Command::parse(line.trim()) {
            Ok(Some(c)) => self.run_command(c, false),
            Ok(None) => {}
            Err(e) => self.say(e),
        }
    }

    /// Run `spool WORDS…` for the focused pane (see `run.rs`), after the ones before it:
    /// one runs at a time, so keys pressed in a row act in that order.
    pub(super) fn spawn_line(&mut self, words: Vec<String>, purpose: Purpose) {
        if self.queued.len() >= run::RUNS_MAX {
            self.say("too many commands waiting");
            return;
        }
        self.queued.push_back((words, purpose));
        self.start_next_line();
    }

    /// Start the next queued command line if none is running.
    fn start_next_line(&mut self) {
        if self.running {
            return;
        }
        let Some((words, purpose)) = self.queued.pop_front() else {
            return;
        };
        // The server targets the pane this client has focused when the request arrives
        // (`$SPOOL_CLIENT`); this one, as this client last saw it, is only the fallback.
        let pane = self.update.as_ref().map(|u| u.active_pane);
        match run::spawn(
            self.socket.clone(),
            (self.id, pane),
            words,
            purpose,
            self.events.clone(),
        ) {
            Ok(()) => self.running = true,
            Err(e) => self.say(format!("can't run spool: {e}")),
        }
    }

    /// A command line finished: show what it printed, or open what it listed.
    pub(super) fn ran(&mut self, r: run::Ran) {
        self.running = false;
        self.start_next_line();
        if !r.ok {
            let msg = r.stderr.lines().next().unwrap_or("failed").to_string();
            let msg = msg.strip_prefix("spool: ").unwrap_or(&msg).to_string();
            if !matches!(r.purpose, Purpose::Preview(_)) {
                self.say(spool_proto::text::sanitize(&msg));
            }
            return;
        }
        match r.purpose {
            Purpose::Show(title) => {
                let text = r.stdout.trim_end();
                if text.is_empty() {
                    return;
                }
                let one = !text.contains('\n') && text.len() < self.cols as usize;
                if one || !matches!(self.mode, Mode::Normal | Mode::View(_)) {
                    let first = text.lines().next().unwrap_or("");
                    self.say(spool_proto::text::sanitize(first));
                } else {
                    self.mode = Mode::View(Box::new(View::new(title, text)));
                }
            }
            Purpose::Preview(id) => {
                if let Mode::Choose(c) = &mut self.mode {
                    if c.asked == Some(id) {
                        c.preview = (
                            Some(id),
                            r.stdout.lines().map(spool_proto::text::sanitize).collect(),
                        );
                    }
                }
            }
            Purpose::Tree { sessions_only } => {
                match serde_json::from_str::<Vec<spool_proto::PaneInfo>>(&r.stdout) {
                    Ok(list) if matches!(self.mode, Mode::Normal) => {
                        let mut c = Chooser::tree(&list, sessions_only);
                        // Start at the session shown.
                        let here = self.update.as_ref().map(|u| u.session.clone());
                        if let Some(i) = c.shown().iter().position(|&i| {
                            matches!(&c.entries[i].pick, Pick::Session(s) if Some(s) == here.as_ref())
                        }) {
                            c.selected = i;
                        }
                        self.mode = Mode::Choose(Box::new(c));
                        self.pump_preview();
                    }
                    Ok(_) => {}
                    Err(e) => self.say(format!("choose-tree: {e}")),
                }
            }
            Purpose::CopyOutput => {
                let text = spool_proto::text::truncate(&r.stdout, OSC52_MAX).to_string();
                self.copy(&text);
                self.store_buffer(&text);
                if let Mode::Scroll(s) = std::mem::replace(&mut self.mode, Mode::Normal) {
                    self.leave_scroll(&s);
                }
            }
            Purpose::Buffers => {
                match serde_json::from_str::<Vec<spool_proto::BufferInfo>>(&r.stdout) {
                    Ok(list) if list.is_empty() => self.say("no buffers"),
                    Ok(list) if matches!(self.mode, Mode::Normal) => {
                        self.mode = Mode::Choose(Box::new(Chooser::buffers(&list)));
                        self.pump_preview();
                    }
                    Ok(_) => {}
                    Err(e) => self.say(format!("choose-buffer: {e}")),
                }
            }
        }
    }

    /// The chooser's preview follows its selection: a buffer's start at once, a pane's
    /// screen once `capture` answers.
    fn pump_preview(&mut self) {
        let Mode::Choose(c) = &mut self.mode else {
            return;
        };
        let Some(e) = c.current() else { return };
        if let Some(text) = &e.preview_text {
            c.preview = (
                None,
                text.lines().map(spool_proto::text::sanitize).collect(),
            );
            return;
        }
        let Some(id) = e.preview_pane else { return };
        if c.asked == Some(id) {
            return;
        }
        c.asked = Some(id);
        self.spawn_line(
            vec!["capture".into(), "-t".into(), format!("%{id}")],
            Purpose::Preview(id),
        );
    }

    fn pick(&mut self, pick: Pick) {
        match pick {
            Pick::Session(name) => self.send(&Request::Act(Action::SwitchSession(name))),
            Pick::Pane { session, pane } => {
                self.send(&Request::Act(Action::SwitchSession(session)));
                self.spawn_line(
                    vec!["select-pane".into(), "-t".into(), pane],
                    Purpose::Show(String::new()),
                );
            }
            Pick::Buffer(name) => self.spawn_line(
                vec!["paste-buffer".into(), "-p".into(), "-b".into(), name],
                Purpose::Show(String::new()),
            ),
        }
    }

    /// Text copied in scroll mode also becomes the newest paste buffer (`C-b ]` pastes it),
    /// sent in pieces the server takes.
    fn store_buffer(&mut self, text: &str) {
        let bytes = text.as_bytes();
        for (i, piece) in bytes.chunks(spool_proto::REQUEST_DATA_BYTES).enumerate() {
            self.send(&Request::SetBuffer {
                // Later pieces go at the end of the newest buffer: the one the first made.
                name: None,
                data: piece.to_vec(),
                append: i > 0,
            });
        }
    }

    fn enter_scroll(&mut self, up: u64) {
        let Some(id) = self.active().map(|p| p.view.id) else {
            return;
        };
        self.enter_scroll_on(id, up);
    }

    /// Scroll mode over pane `id` (the focused one, or the one under the wheel).
    fn enter_scroll_on(&mut self, id: u32, up: u64) {
        let Some(p) = self.panes.get(&id) else { return };
        let mut s = Box::new(Scroll::new(p.view.id, p.view.w, p.view.h));
        // At the program's cursor, as tmux's copy mode starts.
        s.place_cursor(p.view.cursor.0, p.view.cursor.1);
        s.scroll_up(up);
        self.mode = Mode::Scroll(s);
        self.pump_scroll();
    }

    /// Bytes for pane `id`: the focused pane's input, or another pane's.
    fn input_to(&mut self, id: u32, active: u32, bytes: Vec<u8>) {
        if id == active {
            self.send(&Request::Input(bytes));
        } else {
            self.send(&Request::PaneInput { pane: id, bytes });
        }
    }

    /// Mouse drags with the left button: on a border it resizes the pane; in a pane whose
    /// program does not take the mouse it selects text, copied (to a paste buffer and the
    /// terminal's clipboard) on release, as tmux does. True if the event was part of one.
    fn drag_mouse(&mut self, ev: &Mouse) -> bool {
        let motion = ev.button & 32 != 0;
        let left = ev.button & (3 | 64) == 0;
        let Some(u) = &self.update else { return false };
        let view = |id: u32| u.panes.iter().find(|p| p.id == id).cloned();
        match self.drag.take() {
            Some(Drag::Border { pane, vertical }) => {
                // Motion moves the border; so does the release, where it ends.
                if !ev.release && !motion {
                    return true;
                }
                if let Some(pv) = view(pane) {
                    let (cols, rows) = if vertical {
                        (Some(ev.x.saturating_sub(pv.x).max(1)), None)
                    } else {
                        (None, Some(ev.y.saturating_sub(pv.y).max(1)))
                    };
                    let changed =
                        cols.is_some_and(|c| c != pv.w) || rows.is_some_and(|r| r != pv.h);
                    if changed {
                        self.send(&Request::Resize {
                            target: Some(format!("%{pane}")),
                            cols: cols.map(spool_proto::Amount::Set),
                            rows: rows.map(spool_proto::Amount::Set),
                            border: None,
                            zoom: false,
                        });
                    }
                }
                if !ev.release {
                    self.drag = Some(Drag::Border { pane, vertical });
                }
                return true;
            }
            Some(Drag::Select {
                pane,
                x,
                y,
                started,
            }) => {
                let Some(pv) = view(pane) else { return false };
                let (cx, cy) = (
                    ev.x.saturating_sub(pv.x).min(pv.w.saturating_sub(1)),
                    ev.y.saturating_sub(pv.y).min(pv.h.saturating_sub(1)),
                );
                if motion && left {
                    if !started {
                        if !matches!(&self.mode, Mode::Scroll(s) if s.pane == pane) {
                            self.enter_scroll_on(pane, 0);
                        }
                        if let Mode::Scroll(s) = &mut self.mode {
                            s.place_cursor(x, y);
                            s.begin_selection();
                        }
                    }
                    if let Mode::Scroll(s) = &mut self.mode {
                        s.place_cursor(cx, cy);
                    }
                    self.drag = Some(Drag::Select {
                        pane,
                        x,
                        y,
                        started: true,
                    });
                    return true;
                }
                if ev.release && started {
                    if let Mode::Scroll(s) = std::mem::replace(&mut self.mode, Mode::Normal) {
                        let screen = self.panes.get(&s.pane).map_or(&[][..], |p| &p.rows[..]);
                        let text = s.selection_text(screen, OSC52_MAX);
                        if !text.is_empty() {
                            self.copy(&text);
                            self.store_buffer(&text);
                        }
                        self.leave_scroll(&s);
                    }
                    return true;
                }
                return false;
            }
            None => {}
        }
        if ev.release || motion || !left {
            return false;
        }
        let area = (u.cols, u.rows);
        let topmost = u
            .panes
            .iter()
            .rev()
            .find(|p| ev.x >= p.x && ev.x < p.x + p.w && ev.y >= p.y && ev.y < p.y + p.h);
        // Inside a popup, the tiles' borders underneath are not there.
        let in_popup = topmost.is_some_and(|p| p.floating);
        let border = u
            .panes
            .iter()
            .filter(|p| !p.floating && !in_popup)
            .find_map(|p| {
                let right = p.x + p.w;
                let below = p.y + p.h;
                if ev.x == right && right < area.0 && ev.y >= p.y && ev.y < below {
                    Some((p.id, true))
                } else if ev.y == below && below < area.1 && ev.x >= p.x && ev.x < right {
                    Some((p.id, false))
                } else {
                    None
                }
            });
        if let Some((pane, vertical)) = border {
            self.drag = Some(Drag::Border { pane, vertical });
            return true;
        }
        if let Some(p) = topmost.filter(|p| p.modes.mouse == 0) {
            // Perhaps a selection: it starts when the mouse moves with the button held.
            self.drag = Some(Drag::Select {
                pane: p.id,
                x: ev.x - p.x,
                y: ev.y - p.y,
                started: false,
            });
        }
        false
    }

    fn on_mouse(&mut self, ev: Mouse) {
        if self.drag_mouse(&ev) {
            return;
        }
        let Some(u) = &self.update else { return };
        // The last drawn wins: a popup over the tiles.
        let hit = u
            .panes
            .iter()
            .rev()
            .find(|p| ev.x >= p.x && ev.x < p.x + p.w && ev.y >= p.y && ev.y < p.y + p.h)
            .map(|p| (p.id, p.x, p.y, p.modes));
        let Some((id, px, py, modes)) = hit else {
            return;
        };
        let active = u.active_pane;
        let wheel = ev.button & 64 != 0;
        let scrolling_here = matches!(&self.mode, Mode::Scroll(s) if s.pane == id);
        let forward = modes.mouse != 0 && !scrolling_here && (id == active || wheel);
        if forward {
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
            self.input_to(id, active, bytes);
            return;
        }
        if wheel {
            let up = ev.button & 1 == 0;
            if modes.alt_screen && !scrolling_here {
                // less, man, vim without mouse reporting: the wheel is arrow keys there
                // (alternate scroll), not a scroll mode over an empty history.
                let key: &[u8] = match (up, modes.app_cursor) {
                    (true, false) => b"\x1b[A",
                    (true, true) => b"\x1bOA",
                    (false, false) => b"\x1b[B",
                    (false, true) => b"\x1bOB",
                };
                self.input_to(id, active, key.repeat(3));
                return;
            }
            // The wheel scrolls the pane under the pointer.
            if !scrolling_here {
                if let Mode::Scroll(s) = std::mem::replace(&mut self.mode, Mode::Normal) {
                    self.leave_scroll(&s);
                }
            }
            match &mut self.mode {
                Mode::Scroll(s) => {
                    if up {
                        s.scroll_up(3)
                    } else if !s.scroll_down(3) {
                        if let Mode::Scroll(s) = std::mem::replace(&mut self.mode, Mode::Normal) {
                            self.leave_scroll(&s);
                        }
                    }
                }
                _ if up => self.enter_scroll_on(id, 3),
                _ => {}
            }
            self.pump_scroll();
        } else if !ev.release && ev.button & 3 == 0 && id != active {
            self.send(&Request::Act(Action::FocusPane(id)));
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

/// The key a binding names, for a key read after the prefix.
fn bind_key(key: Key) -> Option<BindKey> {
    Some(match key {
        Key::Byte(b) => BindKey::Byte(b),
        Key::Escape => BindKey::Byte(0x1b),
        Key::Up => BindKey::Up,
        Key::Down => BindKey::Down,
        Key::Left => BindKey::Left,
        Key::Right => BindKey::Right,
        Key::PageUp => BindKey::PageUp,
        Key::PageDown => BindKey::PageDown,
        Key::Home => BindKey::Home,
        Key::End => BindKey::End,
        Key::ModArrow(a, m) => BindKey::ModArrow(a, m),
        Key::Meta(b) => BindKey::Meta(b),
        Key::Release | Key::Other => return None,
    })
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
