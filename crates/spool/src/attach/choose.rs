//! Choosers over the panes: `choose-tree` (`C-b w`: sessions, their tabs and panes; `C-b s`:
//! sessions only) and `choose-buffer` (`C-b =`). A list on the left half, a preview of the
//! selected entry on the right (a pane's screen, a buffer's start), moved through with the
//! arrows (or `C-n`/`C-p`), filtered by typing, picked with `Enter`, left with `Escape`.

use spool_proto::{BufferInfo, PaneInfo};

use super::keys::Key;
use super::render::{Grid, Pen};

/// Most characters of a filter (it is typed by hand).
const FILTER_MAX: usize = 256;

/// What picking an entry does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pick {
    /// Show this session (its active tab and pane).
    Session(String),
    /// Show this pane: its session, its tab, focused.
    Pane { session: String, pane: String },
    /// Paste this buffer into the focused pane.
    Buffer(String),
}

pub struct Entry {
    pub label: String,
    /// Indent level (0 sessions, 1 tabs, 2 panes).
    pub depth: u8,
    pub pick: Pick,
    /// The pane whose screen previews this entry.
    pub preview_pane: Option<u32>,
    /// A fixed preview (a buffer's start).
    pub preview_text: Option<String>,
}

pub struct Chooser {
    pub title: String,
    pub entries: Vec<Entry>,
    pub filter: String,
    /// Index into the filtered entries.
    pub selected: usize,
    /// The preview shown, and the pane it is of.
    pub preview: (Option<u32>, Vec<String>),
    /// The pane whose screen was last asked for (its answer is the one shown).
    pub asked: Option<u32>,
}

/// What a key did to the chooser.
pub enum Outcome {
    Stay,
    Close,
    Picked(Pick),
}

impl Chooser {
    /// `choose-tree` from the server's pane list (in session, tab, layout order).
    pub fn tree(panes: &[PaneInfo], sessions_only: bool) -> Chooser {
        let mut entries = Vec::new();
        let mut last: Option<(&str, u32)> = None;
        for p in panes {
            if last.map(|l| l.0) != Some(p.session.as_str()) {
                let first = panes.iter().find(|q| q.session == p.session && q.active);
                entries.push(Entry {
                    label: format!("{}: {} tabs", p.session, count_tabs(panes, &p.session)),
                    depth: 0,
                    pick: Pick::Session(p.session.clone()),
                    preview_pane: first.or(Some(p)).and_then(|q| pane_number(&q.id)),
                    preview_text: None,
                });
                last = None;
            }
            if sessions_only {
                last = Some((&p.session, p.tab));
                continue;
            }
            if last != Some((p.session.as_str(), p.tab)) {
                entries.push(Entry {
                    label: format!("{}: {}", p.tab, p.tab_name),
                    depth: 1,
                    pick: Pick::Pane {
                        session: p.session.clone(),
                        pane: p.id.clone(),
                    },
                    preview_pane: pane_number(&p.id),
                    preview_text: None,
                });
            }
            entries.push(Entry {
                label: format!(
                    "{} {}{}",
                    p.id,
                    p.command.rsplit('/').next().unwrap_or(""),
                    if p.title.is_empty() {
                        String::new()
                    } else {
                        format!(" \"{}\"", p.title)
                    }
                ),
                depth: 2,
                pick: Pick::Pane {
                    session: p.session.clone(),
                    pane: p.id.clone(),
                },
                preview_pane: pane_number(&p.id),
                preview_text: None,
            });
            last = Some((&p.session, p.tab));
        }
        Chooser::new("choose-tree", entries)
    }

    /// `choose-buffer` from the server's buffer list (newest first).
    pub fn buffers(list: &[BufferInfo]) -> Chooser {
        let entries = list
            .iter()
            .map(|b| Entry {
                label: format!("{}: {} bytes: {}", b.name, b.bytes, one_line(&b.sample)),
                depth: 0,
                pick: Pick::Buffer(b.name.clone()),
                preview_pane: None,
                preview_text: Some(b.sample.clone()),
            })
            .collect();
        Chooser::new("choose-buffer", entries)
    }

    fn new(title: &str, entries: Vec<Entry>) -> Chooser {
        Chooser {
            title: title.into(),
            entries,
            filter: String::new(),
            selected: 0,
            preview: (None, Vec::new()),
            asked: None,
        }
    }

    /// The entries the filter lets through (all, when it is empty), by index.
    pub fn shown(&self) -> Vec<usize> {
        let f = self.filter.to_lowercase();
        (0..self.entries.len())
            .filter(|&i| f.is_empty() || self.entries[i].label.to_lowercase().contains(&f))
            .collect()
    }

    pub fn current(&self) -> Option<&Entry> {
        self.shown().get(self.selected).map(|&i| &self.entries[i])
    }

    pub fn key(&mut self, key: Key, rest: &[u8]) -> Outcome {
        let n = self.shown().len();
        match key {
            Key::Escape | Key::Byte(0x03) => return Outcome::Close,
            Key::Byte(b'\r') | Key::Byte(b'\n') => {
                return match self.current() {
                    Some(e) => Outcome::Picked(e.pick.clone()),
                    None => Outcome::Close,
                }
            }
            Key::Down | Key::Byte(0x0e) => {
                self.selected = (self.selected + 1).min(n.saturating_sub(1))
            }
            Key::Up | Key::Byte(0x10) => self.selected = self.selected.saturating_sub(1),
            Key::PageDown => self.selected = (self.selected + 10).min(n.saturating_sub(1)),
            Key::PageUp => self.selected = self.selected.saturating_sub(10),
            Key::Home => self.selected = 0,
            Key::End => self.selected = n.saturating_sub(1),
            Key::Byte(0x7f | 0x08) => {
                self.filter.pop();
                self.selected = 0;
            }
            Key::Byte(0x15) => {
                self.filter.clear();
                self.selected = 0;
            }
            Key::Byte(b) if (0x20..0x7f).contains(&b) && self.filter.len() < FILTER_MAX => {
                self.filter.push(b as char);
                self.selected = 0;
            }
            Key::Other if rest.first().is_some_and(|b| *b >= 0x80) => {
                if let Ok(s) = std::str::from_utf8(rest) {
                    if self.filter.len() + s.len() <= FILTER_MAX {
                        self.filter.push_str(s);
                        self.selected = 0;
                    }
                }
            }
            _ => {}
        }
        Outcome::Stay
    }

    /// Draw over rows `0..height`: the list left, the preview right.
    pub fn draw(&self, g: &mut Grid, cols: u16, height: u16) {
        let pen = Pen::default();
        let sel = Pen {
            style: spool_cells::Style {
                attrs: spool_cells::Attrs::INVERSE,
                ..Default::default()
            },
            link: 0,
            image_pane: 0,
        };
        let list_w = if cols >= 60 { cols / 2 } else { cols };
        for y in 0..height {
            g.put_str(0, y, &" ".repeat(cols as usize), pen);
        }
        let shown = self.shown();
        let rows = height as usize;
        let first = self.selected.saturating_sub(rows.saturating_sub(1));
        for (y, &i) in shown.iter().skip(first).take(rows).enumerate() {
            let e = &self.entries[i];
            let text = format!("{}{}", "  ".repeat(e.depth as usize), e.label);
            let text: String = text
                .chars()
                .take(list_w.saturating_sub(1) as usize)
                .collect();
            let p = if first + y == self.selected { sel } else { pen };
            g.put_str(0, y as u16, &text, p);
        }
        if list_w < cols {
            for y in 0..height {
                g.put_str(list_w, y, "│", pen);
            }
            for (y, l) in self.preview.1.iter().take(rows).enumerate() {
                g.put_str(list_w + 1, y as u16, l, pen);
            }
        }
    }

    pub fn label(&self) -> String {
        format!(
            "[{}] {} of {}  filter: {}  (Enter picks, Escape quits)",
            self.title,
            (self.selected + 1).min(self.shown().len()),
            self.shown().len(),
            self.filter
        )
    }
}

fn count_tabs(panes: &[PaneInfo], session: &str) -> usize {
    let mut tabs: Vec<u32> = panes
        .iter()
        .filter(|p| p.session == session)
        .map(|p| p.tab)
        .collect();
    tabs.dedup();
    tabs.len()
}

fn pane_number(id: &str) -> Option<u32> {
    id.strip_prefix('%')?.parse().ok()
}

fn one_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(60).collect()
}
