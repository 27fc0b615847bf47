//! The screen model: both grids, the cursor, scroll region, tab stops, pen, tables and the
//! state queues a server reads (replies, clipboard, damage). Escape-sequence semantics live in
//! their own files (`print.rs`, `csi.rs`, `edit.rs`, `scroll.rs`, …) as `impl Screen` blocks.

use std::collections::VecDeque;
use std::time::Instant;

use spool_cells::{Run, Style};

use crate::cell::Cell;
use crate::charset::Charsets;
use crate::clusters::ClusterTable;
use crate::damage::Damage;
use crate::dcs::Dcs;
use crate::grid::{Grid, Line};
use crate::history::HistorySink;
use crate::links::LinkTable;
use crate::modes::Modes;
use crate::palette::Palette;
use crate::reply::Replies;
use crate::styles::StyleTable;
use crate::sync::Sync;

/// Widest screen accepted; larger requests are clamped. 2000 columns is a 4K monitor at a
/// 2-pixel font; a row then costs 16 KB.
pub const MAX_COLS: usize = 2000;
/// Tallest screen accepted; larger requests are clamped. A 2000×1000 screen is 16 MB, the
/// largest single-pane cost we accept.
pub const MAX_ROWS: usize = 1000;

/// Longest window/icon title kept, in bytes (longer titles are cut at a char boundary).
/// xterm-compatible programs send paths and program names, well under 1 KiB.
pub const TITLE_MAX: usize = 1024;
/// Longest OSC 7 working directory kept (PATH_MAX is 4096 on Linux).
pub const CWD_MAX: usize = 4096;
/// OSC 52 clipboard writes waiting for the server. A program sets the clipboard once per
/// copy; 4 pending is plenty, and each is at most [`crate::terminal::OSC_MAX`] bytes.
pub const CLIPBOARD_MAX: usize = 4;

/// The cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cursor {
    pub x: usize,
    pub y: usize,
    /// The last column was written with autowrap on: the next printable wraps first.
    pub pending_wrap: bool,
}

/// What DECSC saves and DECRC restores.
#[derive(Clone, Copy, Debug, Default)]
pub struct SavedCursor {
    pub cursor: Cursor,
    pub pen: Style,
    pub protected: bool,
    pub origin: bool,
    pub charsets: Charsets,
}

/// An OSC 52 clipboard write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClipboardSet {
    /// Selection letters (`c`, `p`, `s`, …), at most 8.
    pub selection: String,
    /// The base64 payload as the program sent it (empty = clear).
    pub base64: Vec<u8>,
}

/// The whole terminal state except the parser.
pub struct Screen<S> {
    pub(crate) sink: S,
    pub(crate) cols: usize,
    pub(crate) rows: usize,
    /// The grid being shown (primary or alternate).
    pub(crate) grid: Grid,
    /// The other grid; the alternate grid is allocated on first use and dropped when a
    /// 1047/1049 exit clears it anyway.
    pub(crate) other: Option<Grid>,
    pub(crate) alt_active: bool,
    pub(crate) cursor: Cursor,
    /// DECSC slots of the primary and alternate screens.
    pub(crate) saved: [Option<SavedCursor>; 2],
    pub(crate) top: usize,
    pub(crate) bottom: usize,
    pub(crate) tabs: Vec<bool>,
    pub(crate) modes: Modes,
    pub(crate) pen: Style,
    pub(crate) pen_id: u16,
    pub(crate) pen_dirty: bool,
    pub(crate) protected: bool,
    pub(crate) charsets: Charsets,
    pub(crate) styles: StyleTable,
    pub(crate) clusters: ClusterTable,
    pub(crate) links: LinkTable,
    /// The last printed graphic character (for REP).
    pub(crate) last_char: Option<char>,
    /// The previous cell's cluster ends with a ZWJ: the next char joins it even if ASCII.
    pub(crate) after_zwj: bool,
    pub(crate) title: String,
    pub(crate) icon_title: String,
    pub(crate) cwd: String,
    pub(crate) clipboard: VecDeque<ClipboardSet>,
    /// Shell integration marks not taken yet (at most `marks::MARKS_MAX`).
    pub(crate) marks: VecDeque<crate::marks::ShellMark>,
    pub(crate) palette: Box<Palette>,
    pub(crate) replies: Replies,
    pub(crate) damage: Damage,
    pub(crate) sync: Sync,
    pub(crate) dcs: Dcs,
    pub(crate) now: Instant,
    pub(crate) bells: u64,
    /// The parser is known to be in its ground state with no partial UTF-8 pending, so bytes
    /// can take the fast path in `fast_ground`.
    pub(crate) ground_known: bool,
    /// Set by dispatches after which vte is in the ground state; stops vte (`terminated`).
    pub(crate) stop: bool,
    /// Reusable buffers for encoding history rows.
    pub(crate) row_text: Vec<u8>,
    pub(crate) row_runs: Vec<Run>,
    /// Garbage collection of the style, cluster and link tables (see [`GC_WORK_RATIO`]).
    pub(crate) gc: GcBudget,
    /// Rows above the screen whose logical line goes on at its top (see `edge.rs`), and rows
    /// kept for reuse (both at most `EDGE_MAX_ROWS`).
    pub(crate) edge: Vec<Line>,
    pub(crate) edge_spare: Vec<Line>,
    /// Bytes of the longest OSC seen (at most `OSC_MAX`): how far the parser's OSC buffer has
    /// been written, so how much of it is resident (see `Terminal::memory_bytes`).
    pub(crate) osc_high_water: usize,
    /// Default foreground, background and cursor colors, as OSC 10/11/12 queries report them
    /// when the program set none: the real terminal's, once a client says what they are.
    pub(crate) outer_colors: [crate::palette::Rgb; 3],
    /// Images: caps, pending events, a sixel being drawn, kitty state (`image/`).
    pub(crate) images: crate::image::Images,
    /// An iTerm2 file being read.
    pub(crate) iterm: Option<Box<crate::image::iterm::ItermFile>>,
}

/// A collection of the tables scans every cell of both screens. It runs only once the work
/// done since the last one (entries added to the tables, and new entries refused because a
/// table was full) is at least the cells it will scan divided by this: each entry added or
/// refused pays for at most this many cells scanned, so interning stays amortized O(1)
/// whatever the screen holds. On a screen with more live styles than `STYLE_MAX`, new styles
/// fall back to the default style between collections, instead of every one rescanning the
/// screen.
pub const GC_WORK_RATIO: u64 = 16;

/// What the garbage collector has done and may do.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct GcBudget {
    /// Entries refused (a table full) since the last collection.
    pub refused: u64,
    /// The tables' `inserted` total at the last collection.
    pub inserted_at: u64,
    /// Cells scanned by all collections so far (for tests and stats).
    pub cells_scanned: u64,
}

pub(crate) fn default_tabs(cols: usize) -> Vec<bool> {
    (0..cols).map(|x| x % 8 == 0 && x != 0).collect()
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn new(cols: usize, rows: usize, sink: S) -> Screen<S> {
        let cols = cols.clamp(1, MAX_COLS);
        let rows = rows.clamp(1, MAX_ROWS);
        Screen {
            sink,
            cols,
            rows,
            grid: Grid::new(cols, rows),
            other: None,
            alt_active: false,
            cursor: Cursor::default(),
            saved: [None, None],
            top: 0,
            bottom: rows - 1,
            tabs: default_tabs(cols),
            modes: Modes::default(),
            pen: Style::default(),
            pen_id: 0,
            pen_dirty: false,
            protected: false,
            charsets: Charsets::default(),
            styles: StyleTable::default(),
            clusters: ClusterTable::default(),
            links: LinkTable::default(),
            last_char: None,
            after_zwj: false,
            title: String::new(),
            icon_title: String::new(),
            cwd: String::new(),
            clipboard: VecDeque::new(),
            marks: VecDeque::new(),
            palette: Box::default(),
            replies: Replies::default(),
            damage: Damage::new(rows),
            sync: Sync::default(),
            dcs: Dcs::default(),
            now: Instant::now(),
            bells: 0,
            ground_known: true,
            stop: false,
            row_text: Vec::new(),
            row_runs: Vec::new(),
            gc: GcBudget::default(),
            edge: Vec::new(),
            edge_spare: Vec::new(),
            osc_high_water: 0,
            outer_colors: [
                crate::palette::DEFAULT_FG,
                crate::palette::DEFAULT_BG,
                crate::palette::DEFAULT_CURSOR,
            ],
            images: crate::image::Images::default(),
            iterm: None,
        }
    }

    /// The style-table index of the pen, interning it if it changed.
    #[inline]
    pub(crate) fn pen_id(&mut self) -> u16 {
        if self.pen_dirty {
            self.pen_id = self.intern_style(self.pen);
            self.pen_dirty = false;
        }
        self.pen_id
    }

    /// Intern a style, collecting garbage if the table is full (and a collection is due);
    /// falls back to the default style.
    pub(crate) fn intern_style(&mut self, s: Style) -> u16 {
        if let Some(i) = self.styles.intern(s) {
            return i;
        }
        // At the table's soft limit: collect it if a collection is due, else let it grow.
        if !self.try_collect() && !self.styles.grow() {
            return 0;
        }
        if let Some(i) = self.styles.intern(s) {
            return i;
        }
        // Collected, and still at its limit: every style up to STYLE_MAX is live.
        if self.styles.grow() {
            if let Some(i) = self.styles.intern(s) {
                return i;
            }
        }
        tracing::debug!("style table full of live styles; using the default style");
        0
    }

    /// A table is full: collect garbage if enough work was done since the last collection
    /// to pay for it ([`GC_WORK_RATIO`]). True if it ran.
    pub(crate) fn try_collect(&mut self) -> bool {
        let inserted = self.styles.inserted() + self.clusters.inserted() + self.links.inserted();
        let work = self.gc.refused + inserted.saturating_sub(self.gc.inserted_at);
        let cells = (self.rows * self.cols * (1 + self.other.is_some() as usize)) as u64;
        if work.saturating_mul(GC_WORK_RATIO) < cells {
            self.gc.refused += 1;
            return false;
        }
        self.collect_garbage();
        self.gc.cells_scanned += cells;
        self.gc.refused = 0;
        self.gc.inserted_at = inserted;
        true
    }

    /// The cell erasing operations fill with: blank, in the pen's background (BCE).
    #[inline]
    pub(crate) fn erase_cell(&mut self) -> Cell {
        if self.pen.bg == spool_cells::Color::Default {
            Cell::BLANK
        } else {
            let s = Style {
                bg: self.pen.bg,
                ..Style::default()
            };
            Cell::blank(self.intern_style(s))
        }
    }

    /// The smallest image id a cell of either screen (or of the rows not yet in the store)
    /// shows, `None` if none shows one.
    pub(crate) fn image_floor(&self) -> Option<u32> {
        let mut seen = vec![false; self.styles.slots()];
        std::iter::once(&self.grid)
            .chain(self.other.as_ref())
            .flat_map(|g| g.lines.iter())
            .chain(&self.edge)
            .flat_map(|l| l.cells.iter())
            .filter_map(|c| {
                let s = seen.get_mut(c.style as usize)?;
                if std::mem::replace(s, true) {
                    return None;
                }
                let image = self.styles.get(c.style).image;
                (image != 0).then_some(image)
            })
            .min()
    }

    /// The pane went quiet: collect the tables and give back the buffers kept for output
    /// that flows (the style table's room to grow, the row encoder's, spare edge rows).
    /// Nothing a reader sees changes.
    pub(crate) fn trim(&mut self) {
        if self.styles.slots() > crate::styles::STYLE_SOFT_MIN / 2 {
            self.collect_garbage();
        }
        self.styles.shrink();
        self.row_text = Vec::new();
        self.row_runs = Vec::new();
        self.edge_spare = Vec::new();
    }

    /// Free style, cluster and link slots nothing on either screen refers to.
    pub(crate) fn collect_garbage(&mut self) {
        let mut styles = vec![false; self.styles.slots()];
        let mut clusters = vec![false; self.clusters.slots()];
        styles[0] = true;
        if !self.pen_dirty {
            if let Some(b) = styles.get_mut(self.pen_id as usize) {
                *b = true;
            }
        }
        let lines = std::iter::once(&self.grid)
            .chain(self.other.as_ref())
            .flat_map(|g| g.lines.iter())
            .chain(&self.edge);
        {
            for line in lines {
                for c in &line.cells {
                    if let Some(b) = styles.get_mut(c.style as usize) {
                        *b = true;
                    }
                    if c.is_cluster() {
                        if let Some(b) = clusters.get_mut(c.ch as usize) {
                            *b = true;
                        }
                    }
                }
            }
        }
        // Styles are renumbered compactly, and every cell that names one with them.
        let remap = self.styles.compact(&styles);
        let renumber = |c: &mut Cell| c.style = remap.get(c.style as usize).copied().unwrap_or(0);
        for line in std::iter::once(&mut self.grid)
            .chain(self.other.as_mut())
            .flat_map(|g| g.lines.iter_mut())
            .chain(&mut self.edge)
        {
            line.cells.iter_mut().for_each(renumber);
        }
        if self.pen_dirty {
            self.pen_id = 0;
        } else {
            self.pen_id = remap.get(self.pen_id as usize).copied().unwrap_or(0);
        }
        self.clusters.retain(&clusters);
        let mut links = vec![false; self.links.slots() + 1];
        let mut mark = |id: u32| {
            if let Some(b) = links.get_mut(id as usize) {
                *b = true;
            }
        };
        mark(self.pen.link);
        for s in self.saved.iter().flatten() {
            mark(s.pen.link);
        }
        for i in 0..self.styles.slots() {
            mark(self.styles.get(i as u16).link);
        }
        self.links.retain(&links);
    }

    /// Clamp the cursor into the screen (after resizes and region changes).
    pub(crate) fn clamp_cursor(&mut self) {
        self.cursor.x = self.cursor.x.min(self.cols - 1);
        self.cursor.y = self.cursor.y.min(self.rows - 1);
    }

    /// Make sure the alternate grid exists (in `other` while the primary is shown).
    pub(crate) fn alt_grid_ready(&mut self) {
        if self.other.is_none() {
            self.other = Some(Grid::new(self.cols, self.rows));
        }
    }
}
