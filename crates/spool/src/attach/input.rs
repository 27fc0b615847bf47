//! What the user's keys and mouse do in the attach client: keys for the pane (passed on in
//! the encoding the outer terminal sent), the prefix key and its bindings, the prompts in the
//! status line, scroll mode's keys, mouse focus and wheel, the kitty-protocol probe's answers,
//! and copying to the outer terminal's clipboard.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use spool_proto::ui::{BindKey, Command, UiConfig};
use spool_proto::{Action, Request};

use super::keys::{self, key_at, Key, Mouse};
use super::scroll::Scroll;
use super::{Client, Event, Mode, Probe, PromptKind, PROBE_CARRY};

impl Client {
    pub(super) fn on_input(&mut self, bytes: &[u8]) {
        let joined;
        let bytes = if self.carry.is_empty() {
            bytes
        } else {
            joined = [std::mem::take(&mut self.carry).as_slice(), bytes].concat();
            &joined[..]
        };
        if self.awaiting_da1 && Instant::now() > self.probe_until {
            self.awaiting_da1 = false;
        }
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
                Mode::Normal => i += self.normal_input(rest, &mut pass),
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
                Mode::Prompt(kind, mut text) => {
                    let (len, key) = key_at(rest);
                    i += len;
                    match key {
                        Key::Byte(b'\r' | b'\n') => {
                            let a = match kind {
                                PromptKind::RenameTab => Action::RenameTab(text),
                                PromptKind::Session => Action::SwitchSession(text),
                            };
                            self.send(&Request::Act(a));
                        }
                        Key::Escape | Key::Byte(0x03) => {}
                        Key::Byte(0x7f | 0x08) => {
                            text.pop();
                            self.mode = Mode::Prompt(kind, text);
                        }
                        Key::Byte(b) if b >= 0x20 => {
                            text.push(b as char);
                            self.mode = Mode::Prompt(kind, text);
                        }
                        Key::Other if rest[0] != 0x1b => {
                            if let Ok(s) = std::str::from_utf8(&rest[..len]) {
                                text.push_str(s);
                            }
                            self.mode = Mode::Prompt(kind, text);
                        }
                        _ => self.mode = Mode::Prompt(kind, text),
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
        let len = keys::da1_reply(rest)?;
        self.awaiting_da1 = false;
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
        let bk = match key {
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
            Key::Release | Key::Other => return,
        };
        // The prefix twice sends it to the pane, unless it is bound to something else.
        let command = match self.ui.binding(bk) {
            None if bk == BindKey::Byte(self.ui.prefix) => Command::SendPrefix,
            None => return,
            Some(c) => c,
        };
        self.run_command(command, key == Key::PageUp);
    }

    fn run_command(&mut self, command: Command, page_up: bool) {
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
            Command::RenameTab => self.mode = Mode::Prompt(PromptKind::RenameTab, String::new()),
            Command::ChooseSession => self.mode = Mode::Prompt(PromptKind::Session, String::new()),
            Command::Redraw => self.renderer.invalidate(),
            Command::Help => {
                let h = help(&self.ui);
                self.say(h);
            }
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

/// The help line: the bindings in effect.
fn help(ui: &UiConfig) -> String {
    let key = |k: BindKey| match k {
        BindKey::Byte(b' ') => "Space".to_string(),
        BindKey::Byte(b) if b < 0x20 => format!("C-{}", (b + 0x60) as char),
        BindKey::Byte(b) => (b as char).to_string(),
        other => format!("{other:?}"),
    };
    let mut parts: Vec<String> = Vec::new();
    for (k, c) in &ui.bindings {
        if matches!(c, Command::SelectTab(_)) {
            continue;
        }
        parts.push(format!("{} {c:?}", key(*k)));
    }
    format!(
        "{}: {}  0-9 tabs  (scroll: / ? search n N, : goto, v y copy, [ ] prompts, q quit)",
        key(BindKey::Byte(ui.prefix)),
        parts.join("  ")
    )
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
