//! Sessions and their tabs. A session has a size (its clients' terminal size); each tab lays
//! its panes out in that size.

use crate::layout::{Layout, Node, Rect};

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
    /// The pane focused before `active` (tmux's last pane: `C-b ;`, `select-pane -l`).
    pub last: Option<u32>,
    /// The active pane fills the tab.
    pub zoomed: bool,
    /// The preset layout last applied (`C-b Space` goes on to the next one).
    pub layout: Option<Layout>,
    /// Input typed into the active pane goes to every pane of the tab (tmux's
    /// `synchronize-panes`).
    pub synchronized: bool,
    /// A pane floating over the tiles (`display-popup`), if any.
    pub popup: Option<Popup>,
    /// Output in a hidden tab flags it (`#`; tmux's `monitor-activity`, on here by default).
    pub monitor_activity: bool,
    /// Seconds without output that flag a hidden tab (`~`; tmux's `monitor-silence`; 0 off).
    pub monitor_silence: u32,
    /// Output batches of the tab's panes when it was last shown (for the activity mark).
    pub seen_output: u64,
    /// Bells of the tab's panes when it was last shown (for the bell mark).
    pub seen_bells: u64,
    /// Failed commands of the tab's panes when it was last shown (for the failure mark).
    pub seen_failures: u64,
}

impl Tab {
    /// A tab with one pane, or the given layout, focused on `active`.
    pub fn new(root: Node, active: u32) -> Tab {
        Tab {
            name: String::new(),
            root,
            active,
            last: None,
            zoomed: false,
            layout: None,
            synchronized: false,
            popup: None,
            monitor_activity: true,
            monitor_silence: 0,
            seen_output: 0,
            seen_bells: 0,
            seen_failures: 0,
        }
    }

    /// Focus pane `id` (if it is in this tab), remembering the one before as the last pane.
    /// A zoomed tab unzooms when the focus moves, as tmux's does.
    pub fn focus(&mut self, id: u32) -> bool {
        if !self.root.contains(id) {
            return false;
        }
        if id != self.active {
            self.last = Some(self.active);
            self.active = id;
            self.zoomed = false;
        }
        true
    }

    /// Panes shown and where: all of them, or the active one alone when zoomed; then the
    /// popup, if shown, over them.
    pub fn rects(&self, area: Rect) -> Vec<(u32, Rect)> {
        let mut v = Vec::new();
        if self.zoomed {
            v.push((self.active, area));
        } else {
            self.root.rects(area, &mut v);
        }
        if let Some(p) = self.popup.as_ref().filter(|p| p.shown) {
            v.push((p.pane, p.rect(area)));
        }
        v
    }

    /// The pane input goes to: the popup while it is shown, else the active tile.
    pub fn focused(&self) -> u32 {
        match &self.popup {
            Some(p) if p.shown => p.pane,
            _ => self.active,
        }
    }

    /// Is pane `id` in this tab (a tile or its popup)?
    pub fn contains(&self, id: u32) -> bool {
        self.root.contains(id) || self.popup.as_ref().is_some_and(|p| p.pane == id)
    }

    /// Every pane of the tab: the tiles, then the popup.
    pub fn all_panes(&self) -> Vec<u32> {
        let mut v = self.root.panes();
        v.extend(self.popup.as_ref().map(|p| p.pane));
        v
    }

    /// Every pane with its rectangle, zoomed or not.
    pub fn layout_rects(&self, area: Rect) -> Vec<(u32, Rect)> {
        let mut v = Vec::new();
        self.root.rects(area, &mut v);
        v
    }

    /// Take pane `id` out of the tree (the tab must hold another). The focus goes to the
    /// last pane if there is one, else the first.
    pub fn take_out(&mut self, id: u32) {
        self.root.remove(id);
        if self.last == Some(id) {
            self.last = None;
        }
        if self.active == id {
            self.active = self
                .last
                .take()
                .filter(|l| self.root.contains(*l))
                .unwrap_or_else(|| self.root.panes()[0]);
            self.zoomed = false;
        }
        self.layout = None;
    }
}

/// A pane floating over a tab's tiles (tmux's `display-popup`). Saved with its tab (as it
/// is), and handed over by an upgrade, like the tiles.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Popup {
    pub pane: u32,
    pub width: spool_proto::PopupSize,
    pub height: spool_proto::PopupSize,
    /// Its left and top column (centered when `None`).
    #[serde(default)]
    pub x: Option<u16>,
    #[serde(default)]
    pub y: Option<u16>,
    /// Drawn and focused (a hidden one keeps running: `display-popup --toggle`).
    #[serde(default)]
    pub shown: bool,
}

/// Popup sizes when none is given: tmux's 50%.
pub const POPUP_DEFAULT: spool_proto::PopupSize = spool_proto::PopupSize::Percent(50);

impl Popup {
    /// The pane's rectangle in `area`: inside a one-cell box that stays in the area.
    pub fn rect(&self, area: Rect) -> Rect {
        let inner = |size: spool_proto::PopupSize, total: u16| {
            let room = total.saturating_sub(2).max(1);
            let n = match size {
                spool_proto::PopupSize::Cells(n) => n,
                spool_proto::PopupSize::Percent(p) => (total as u32 * p as u32 / 100) as u16,
            };
            n.clamp(1, room)
        };
        let (w, h) = (inner(self.width, area.w), inner(self.height, area.h));
        let place = |at: Option<u16>, size: u16, total: u16| {
            let free = total.saturating_sub(size + 2);
            at.map_or(free / 2, |a| a.min(free)) + 1
        };
        Rect {
            x: area.x + place(self.x, w, area.w),
            y: area.y + place(self.y, h, area.h),
            w,
            h,
        }
    }
}

#[derive(Debug)]
pub struct Session {
    pub id: u32,
    pub name: String,
    pub tabs: Vec<Tab>,
    pub active_tab: usize,
    /// The tab shown before the active one (tmux's last window: `C-b l`).
    pub last_tab: Option<usize>,
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

    /// The pane input goes to: the active tab's popup while it is shown, else its active
    /// pane.
    pub fn active_pane(&self) -> Option<u32> {
        self.tabs.get(self.active_tab).map(Tab::focused)
    }

    /// Every pane with its rectangle, per tab (a zoomed tab gives its active pane the area).
    pub fn pane_rects(&self) -> Vec<(usize, u32, Rect)> {
        let mut out = Vec::new();
        for (i, tab) in self.tabs.iter().enumerate() {
            out.extend(tab.rects(self.area()).into_iter().map(|(id, r)| (i, id, r)));
        }
        out
    }

    /// The tab index holding pane `id` (a tile or a popup).
    pub fn tab_of(&self, id: u32) -> Option<usize> {
        self.tabs.iter().position(|t| t.contains(id))
    }

    /// Every pane of the session, popups included.
    pub fn pane_ids(&self) -> Vec<u32> {
        self.tabs.iter().flat_map(|t| t.all_panes()).collect()
    }

    /// Show tab `i`, remembering the one before as the last tab.
    pub fn select_tab(&mut self, i: usize) -> Result<(), String> {
        if i >= self.tabs.len() {
            return Err(format!("can't find tab: {i}"));
        }
        if i != self.active_tab {
            self.last_tab = Some(self.active_tab);
            self.active_tab = i;
        }
        Ok(())
    }

    /// Add a tab at the end (shown unless `detached`); returns its index.
    pub fn push_tab(&mut self, tab: Tab, detached: bool) -> usize {
        self.tabs.push(tab);
        let i = self.tabs.len() - 1;
        if !detached {
            let _ = self.select_tab(i);
        }
        i
    }

    /// Close tab `i`, keeping the active and last tab indices pointing at the same tabs (the
    /// active one goes to the last tab when it was the one closed, as tmux's does).
    pub fn remove_tab(&mut self, i: usize) -> Tab {
        let tab = self.tabs.remove(i);
        let shift = |t: usize| if t > i { t - 1 } else { t };
        let last = self.last_tab.filter(|t| *t != i).map(shift);
        if self.active_tab == i {
            self.active_tab = last.unwrap_or(i.min(self.tabs.len().saturating_sub(1)));
            self.last_tab = None;
        } else {
            self.active_tab = shift(self.active_tab);
            self.last_tab = last.filter(|l| *l != self.active_tab);
        }
        tab
    }

    /// Remove pane `id` from its tab (closing the tab if it was the last). True if found.
    pub fn remove_pane(&mut self, id: u32) -> bool {
        let Some(ti) = self.tab_of(id) else {
            return false;
        };
        if self.tabs[ti].popup.as_ref().is_some_and(|p| p.pane == id) {
            self.tabs[ti].popup = None;
            return true;
        }
        if self.tabs[ti].root == Node::Pane(id) {
            self.remove_tab(ti);
        } else {
            self.tabs[ti].take_out(id);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(tabs: usize) -> Session {
        Session {
            id: 0,
            name: "s".into(),
            tabs: (0..tabs as u32)
                .map(|i| Tab::new(Node::Pane(i), i))
                .collect(),
            active_tab: 0,
            last_tab: None,
            cols: 80,
            rows: 24,
            created_unix: 0,
            remain_on_exit: false,
            env: Vec::new(),
            cwd: None,
        }
    }

    #[test]
    fn closing_a_tab_keeps_the_active_and_last_tabs() {
        let mut s = session(4);
        s.select_tab(1).unwrap();
        s.select_tab(3).unwrap();
        assert_eq!((s.active_tab, s.last_tab), (3, Some(1)));
        s.remove_tab(0);
        assert_eq!((s.active_tab, s.last_tab), (2, Some(0)));
        // Closing the active tab shows the last one.
        s.remove_tab(2);
        assert_eq!((s.active_tab, s.last_tab), (0, None));
        assert!(s.select_tab(7).is_err());
    }

    #[test]
    fn the_last_pane_takes_the_focus_of_a_removed_active_pane() {
        let mut t = Tab::new(Node::Pane(1), 1);
        t.root.split(1, 2, true, 50);
        t.root.split(2, 3, false, 50);
        t.focus(3);
        t.focus(2);
        assert_eq!((t.active, t.last), (2, Some(3)));
        t.take_out(2);
        assert_eq!((t.active, t.last), (3, None));
    }
}
