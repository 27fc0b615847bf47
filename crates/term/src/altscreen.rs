//! The alternate screen (DEC modes 47, 1047, 1049; 1048 saves/restores the cursor). The
//! alternate screen never produces history. Its grid is allocated on first use and dropped
//! when 1047/1049 leave it (they clear it on the next entry anyway), so a pane that is not in
//! a full-screen program costs one grid.

use crate::history::HistorySink;
use crate::screen::Screen;

impl<S: HistorySink> Screen<S> {
    /// Switch to the alternate grid (`clear` it first for 1049).
    pub(crate) fn enter_alt(&mut self, clear: bool) {
        if self.alt_active {
            if clear {
                self.clear_grid();
            }
            return;
        }
        self.alt_grid_ready();
        if let Some(alt) = self.other.as_mut() {
            std::mem::swap(&mut self.grid, alt);
        }
        self.alt_active = true;
        if clear {
            self.clear_grid();
        }
        self.damage.mark_all();
    }

    /// Back to the primary grid; `drop_alt` frees the alternate grid (1047/1049).
    pub(crate) fn leave_alt(&mut self, drop_alt: bool) {
        if !self.alt_active {
            return;
        }
        if let Some(primary) = self.other.as_mut() {
            std::mem::swap(&mut self.grid, primary);
        }
        self.alt_active = false;
        if drop_alt {
            self.other = None;
        }
        self.cursor.pending_wrap = false;
        self.damage.mark_all();
    }

    fn clear_grid(&mut self) {
        let fill = self.erase_cell();
        for line in &mut self.grid.lines {
            line.reset(fill);
        }
        self.damage.mark_all();
    }
}
