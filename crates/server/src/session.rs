//! Sessions and their tabs. A session has a size (its clients' terminal size); each tab lays
//! its panes out in that size.

use crate::layout::{Node, Rect};

/// A session or tab name as the server keeps it, as tmux makes it: control characters shown
/// as visible escapes (`^[`), `:` and `.` (which separate target parts) as `_`. Empty, or
/// longer than `NAME_MAX_BYTES` once cleaned, is refused.
pub fn clean_name(what: &str, name: &str) -> Result<String, String> {
    let cleaned: String = spool_proto::text::sanitize(name)
        .chars()
        .map(|c| if c == ':' || c == '.' { '_' } else { c })
        .collect();
    if cleaned.is_empty() {
        return Err(format!("bad {what} name: it is empty"));
    }
    if cleaned.len() > spool_proto::NAME_MAX_BYTES {
        return Err(format!(
            "bad {what} name: {} bytes, at most {}",
            cleaned.len(),
            spool_proto::NAME_MAX_BYTES
        ));
    }
    Ok(cleaned)
}

#[derive(Debug)]
pub struct Tab {
    pub name: String,
    pub root: Node,
    /// The pane input goes to.
    pub active: u32,
    /// The active pane fills the tab.
    pub zoomed: bool,
    /// Output batches of the tab's panes when it was last shown (for the activity mark).
    pub seen_output: u64,
    /// Bells of the tab's panes when it was last shown (for the bell mark).
    pub seen_bells: u64,
}

impl Tab {
    /// Panes shown and where: all of them, or the active one alone when zoomed.
    pub fn rects(&self, area: Rect) -> Vec<(u32, Rect)> {
        if self.zoomed {
            return vec![(self.active, area)];
        }
        let mut v = Vec::new();
        self.root.rects(area, &mut v);
        v
    }
}

#[derive(Debug)]
pub struct Session {
    pub id: u32,
    pub name: String,
    pub tabs: Vec<Tab>,
    pub active_tab: usize,
    pub cols: u16,
    pub rows: u16,
    pub created_unix: u64,
    /// Default for panes created in this session.
    pub remain_on_exit: bool,
    /// `update_environment` values from the client that created or last attached to the
    /// session (`None`: removed); new panes start with them (see `Server::pane_env`).
    pub env: Vec<(String, Option<String>)>,
    /// The directory the session was created in (`new_pane_cwd = "session"`).
    pub cwd: Option<String>,
}

impl Session {
    pub fn area(&self) -> Rect {
        Rect {
            x: 0,
            y: 0,
            w: self.cols,
            h: self.rows,
        }
    }

    /// The active pane of the active tab.
    pub fn active_pane(&self) -> Option<u32> {
        self.tabs.get(self.active_tab).map(|t| t.active)
    }

    /// Every pane with its rectangle, per tab (a zoomed tab gives its active pane the area).
    pub fn pane_rects(&self) -> Vec<(usize, u32, Rect)> {
        let mut out = Vec::new();
        for (i, tab) in self.tabs.iter().enumerate() {
            out.extend(tab.rects(self.area()).into_iter().map(|(id, r)| (i, id, r)));
        }
        out
    }

    /// The tab index holding pane `id`.
    pub fn tab_of(&self, id: u32) -> Option<usize> {
        self.tabs.iter().position(|t| t.root.contains(id))
    }

    pub fn pane_ids(&self) -> Vec<u32> {
        self.tabs.iter().flat_map(|t| t.root.panes()).collect()
    }

    /// Remove pane `id` from its tab (closing the tab if it was the last). True if found.
    pub fn remove_pane(&mut self, id: u32) -> bool {
        let Some(ti) = self.tab_of(id) else {
            return false;
        };
        let tab = &mut self.tabs[ti];
        if tab.root == Node::Pane(id) {
            self.tabs.remove(ti);
            if self.active_tab >= self.tabs.len() {
                self.active_tab = self.tabs.len().saturating_sub(1);
            }
        } else {
            tab.root.remove(id);
            if tab.active == id {
                tab.active = tab.root.panes()[0];
                tab.zoomed = false;
            }
        }
        true
    }
}
