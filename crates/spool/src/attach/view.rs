//! A full-screen view of text lines over the panes: what a command printed (`list-keys`
//! for `C-b ?`, `list-buffers`, `show-buffer`), scrolled with the arrows, `j`/`k`, `PageUp`/
//! `PageDown`, `Space`, `g`/`G`, and left with `q` or `Escape`. The text is at most
//! `run::RUN_OUTPUT_MAX` bytes, sanitized when drawn.

use super::keys::Key;
use super::render::{Grid, Pen};

pub struct View {
    pub title: String,
    pub lines: Vec<String>,
    /// The first line shown.
    pub top: usize,
}

impl View {
    pub fn new(title: String, text: &str) -> View {
        View {
            title,
            lines: text.lines().map(spool_proto::text::sanitize).collect(),
            top: 0,
        }
    }

    /// Handle a key; false when the view is closed.
    pub fn key(&mut self, key: Key, height: u16) -> bool {
        // `draw` shows `height` lines: the last page ends at the last line.
        let page = (height as usize).max(1);
        let last = self.lines.len().saturating_sub(page);
        match key {
            Key::Byte(b'q') | Key::Escape | Key::Byte(0x03) => return false,
            Key::Down | Key::Byte(b'j') | Key::Byte(b'\r') => self.top += 1,
            Key::Up | Key::Byte(b'k') => self.top = self.top.saturating_sub(1),
            Key::PageDown | Key::Byte(b' ') | Key::Byte(0x06) => self.top += page,
            Key::PageUp | Key::Byte(0x02) => self.top = self.top.saturating_sub(page),
            Key::Home | Key::Byte(b'g') => self.top = 0,
            Key::End | Key::Byte(b'G') => self.top = last,
            _ => {}
        }
        self.top = self.top.min(last);
        true
    }

    /// Draw over rows `0..height` of the grid.
    pub fn draw(&self, g: &mut Grid, cols: u16, height: u16) {
        let pen = Pen::default();
        for y in 0..height {
            g.put_str(0, y, &" ".repeat(cols as usize), pen);
            if let Some(l) = self.lines.get(self.top + y as usize) {
                g.put_str(0, y, l, pen);
            }
        }
    }

    /// The status line while the view is shown.
    pub fn label(&self, height: u16) -> String {
        let end = (self.top + height as usize).min(self.lines.len());
        format!(
            "[{}] {}-{} of {}  (q quits)",
            self.title,
            (self.top + 1).min(end),
            end,
            self.lines.len()
        )
    }
}
