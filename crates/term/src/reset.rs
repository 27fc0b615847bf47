//! RIS (full reset) and DECSTR (soft reset).

use spool_cells::Style;

use crate::charset::Charsets;
use crate::damage::Damage;
use crate::grid::Grid;
use crate::history::HistorySink;
use crate::modes::Modes;
use crate::screen::{default_tabs, Cursor, Screen};

impl<S: HistorySink> Screen<S> {
    /// RIS: everything back to power-on state, keeping the size and the history.
    pub(crate) fn full_reset(&mut self) {
        // The edge's cells refer to the tables about to be reset.
        self.flush_edge();
        self.grid = Grid::new(self.cols, self.rows);
        self.other = None;
        self.alt_active = false;
        self.cursor = Cursor::default();
        self.saved = [None, None];
        self.top = 0;
        self.bottom = self.rows - 1;
        self.tabs = default_tabs(self.cols);
        self.modes = Modes::default();
        self.pen = Style::default();
        self.pen_id = 0;
        self.pen_dirty = false;
        self.protected = false;
        self.charsets = Charsets::default();
        self.styles = Default::default();
        self.clusters = Default::default();
        self.links = Default::default();
        self.last_char = None;
        self.after_zwj = false;
        self.title.clear();
        self.icon_title.clear();
        *self.palette = Default::default();
        self.sync.end();
        self.damage = Damage::new(self.rows);
    }

    /// DECSTR: modes, margins, pen and saved cursor back to defaults; the screen is kept.
    pub(crate) fn soft_reset(&mut self) {
        self.modes.insert = false;
        self.modes.origin = false;
        self.modes.autowrap = true;
        self.modes.cursor_visible = true;
        self.modes.cursor_keys = false;
        self.modes.keypad_app = false;
        self.top = 0;
        self.bottom = self.rows - 1;
        self.pen = Style::default();
        self.pen_dirty = true;
        self.protected = false;
        self.charsets = Charsets::default();
        self.saved[self.alt_active as usize] = None;
        self.cursor.pending_wrap = false;
        self.damage.other = true;
    }
}
