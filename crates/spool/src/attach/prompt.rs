//! Lines typed in the status line: the command prompt (`C-b :`, any spool or tmux verb, with
//! history on Up/Down and completion of the verb on Tab), a binding's `command-prompt`
//! template (`C-b $` renames the session, `C-b '` picks a tab by index), and the tab name
//! (`C-b ,`). Editing: Backspace, `C-u` clears, `C-w` deletes a word; `Enter` runs it,
//! `Escape` or `C-c` cancels.

use std::collections::VecDeque;

use spool_proto::ui::VERBS;

use super::keys::Key;

/// Longest line typed at a prompt, in bytes (a command line typed by hand; a paste into the
/// prompt stops here).
pub const PROMPT_MAX_BYTES: usize = 4096;

/// Lines the command prompt remembers (as tmux's `history-limit` of prompts, smaller): with
/// `PROMPT_MAX_BYTES` each, at most 400 KiB.
pub const HISTORY_MAX: usize = 100;

/// What the line is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PromptKind {
    /// The focused tab's new name.
    RenameTab,
    /// Fill this command line's `%%` with the line (quoted as one word), then run it.
    Template(String),
    /// A command line of its own (`C-b :`).
    Command,
}

pub struct Prompt {
    pub kind: PromptKind,
    pub label: String,
    pub text: String,
    /// Which history line is shown (counted from the newest), while moving through them.
    back: Option<usize>,
}

/// What a key did.
pub enum Done {
    Stay,
    Cancel,
    Enter(String),
}

impl Prompt {
    pub fn new(kind: PromptKind, label: impl Into<String>) -> Prompt {
        Prompt {
            kind,
            label: label.into(),
            text: String::new(),
            back: None,
        }
    }

    /// Handle one key (`raw` is its bytes, for text that is not ASCII).
    pub fn key(&mut self, key: Key, raw: &[u8], history: &VecDeque<String>) -> Done {
        match key {
            Key::Byte(b'\r' | b'\n') => return Done::Enter(std::mem::take(&mut self.text)),
            Key::Escape | Key::Byte(0x03) => return Done::Cancel,
            Key::Byte(0x7f | 0x08) => {
                self.text.pop();
            }
            Key::Byte(0x15) => self.text.clear(),
            Key::Byte(0x17) => {
                let t = self.text.trim_end();
                let cut = t.rfind(' ').map_or(0, |i| i + 1);
                self.text.truncate(cut);
            }
            Key::Byte(b'\t') if self.kind == PromptKind::Command => {
                if let Some(done) = complete(&self.text) {
                    self.text = done;
                }
            }
            Key::Up if self.kind == PromptKind::Command => {
                let n = self.back.map_or(0, |b| b + 1);
                if let Some(line) = history.iter().rev().nth(n) {
                    self.back = Some(n);
                    self.text = line.clone();
                }
            }
            Key::Down if self.kind == PromptKind::Command => match self.back {
                Some(0) | None => {
                    self.back = None;
                    self.text.clear();
                }
                Some(b) => {
                    self.back = Some(b - 1);
                    self.text = history.iter().rev().nth(b - 1).cloned().unwrap_or_default();
                }
            },
            Key::Byte(b) if (0x20..0x7f).contains(&b) => self.push(&(b as char).to_string()),
            Key::Other if raw.first().is_some_and(|b| *b >= 0x80) => {
                if let Ok(s) = std::str::from_utf8(raw) {
                    self.push(s);
                }
            }
            _ => {}
        }
        Done::Stay
    }

    fn push(&mut self, s: &str) {
        if self.text.len() + s.len() <= PROMPT_MAX_BYTES {
            self.text.push_str(s);
        }
    }
}

/// Remember a line entered at the command prompt (not twice in a row; the oldest go past
/// [`HISTORY_MAX`]).
pub fn remember(history: &mut VecDeque<String>, line: &str) {
    if line.trim().is_empty() || history.back().is_some_and(|l| l == line) {
        return;
    }
    if history.len() >= HISTORY_MAX {
        history.pop_front();
    }
    history.push_back(line.to_string());
}

/// Complete the verb being typed (the first word): to the longest prefix the verbs that fit
/// share, with a space after when only one fits. `None` when nothing fits or it is typed.
pub fn complete(text: &str) -> Option<String> {
    if text.contains(' ') {
        return None;
    }
    let fits: Vec<&str> = VERBS
        .iter()
        .copied()
        .filter(|v| v.starts_with(text))
        .collect();
    match fits.as_slice() {
        [] => None,
        [one] => Some(format!("{one} ")),
        many => {
            let mut common = many[0].to_string();
            for v in &many[1..] {
                let n = common
                    .bytes()
                    .zip(v.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                common.truncate(n);
            }
            (common.len() > text.len()).then_some(common)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tab_completes_a_verb_to_what_the_candidates_share() {
        assert_eq!(complete("select-l").as_deref(), Some("select-layout "));
        // kill-tab, kill-pane, kill-session…: nothing more to add.
        assert_eq!(complete("kill-"), None);
        assert_eq!(complete("disp").as_deref(), Some("display"));
        assert_eq!(complete("zzz"), None);
        assert_eq!(complete("send x"), None);
    }

    #[test]
    fn history_is_bounded_and_walked_with_up_and_down() {
        let mut h = VecDeque::new();
        for i in 0..HISTORY_MAX + 10 {
            remember(&mut h, &format!("line {i}"));
        }
        remember(&mut h, &format!("line {}", HISTORY_MAX + 9));
        assert_eq!(h.len(), HISTORY_MAX);
        assert_eq!(h.front().unwrap(), "line 10");
        let mut p = Prompt::new(PromptKind::Command, ":");
        p.key(Key::Up, b"", &h);
        p.key(Key::Up, b"", &h);
        assert_eq!(p.text, format!("line {}", HISTORY_MAX + 8));
        p.key(Key::Down, b"", &h);
        assert_eq!(p.text, format!("line {}", HISTORY_MAX + 9));
        p.key(Key::Down, b"", &h);
        assert_eq!(p.text, "");
    }

    #[test]
    fn a_line_stops_growing_at_its_byte_bound() {
        let h = VecDeque::new();
        let mut p = Prompt::new(PromptKind::Command, ":");
        for _ in 0..PROMPT_MAX_BYTES + 100 {
            p.key(Key::Byte(b'x'), b"x", &h);
        }
        assert_eq!(p.text.len(), PROMPT_MAX_BYTES);
        p.key(Key::Byte(0x17), b"", &h);
        assert_eq!(p.text, "");
    }
}
