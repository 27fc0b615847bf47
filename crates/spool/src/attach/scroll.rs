//! Scroll mode: a window over the pane's whole history (from the server's store, rewrapped to
//! the pane's width) with the live screen below it.
//!
//! The view is `offset` display rows above the live bottom. Rows come from the server a page
//! at a time and are kept in a cache of [`CACHE_ROWS`] rows — scrolling through months of
//! history never holds more than that.
//!
//! Keys are tmux's copy-mode-vi: motions (words and finds in `motion.rs`), counts, `v`/`V`/
//! `C-v` selections, search, goto and prompt jumps.

use std::collections::BTreeMap;

use spool_cells::Row;
use spool_proto::{Request, ScrollNews};

use super::motion::{self, Find};
use super::Key;

/// Largest count typed before a motion (`5k`): counts multiply scrolling, never a loop that
/// reads rows, but a motion repeated is a loop, so it is bounded.
const COUNT_MAX: u32 = 10_000;

/// What a selection covers between its anchor and the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SelKind {
    /// Text from one position to the other (`v`).
    Chars,
    /// Whole rows (`V`).
    Lines,
    /// A rectangle of columns (`C-v`).
    Block,
}

/// History rows kept by the client, whatever the history's size (and whatever resizes happen:
/// the cache is dropped, never grown, when the width changes).
pub const CACHE_ROWS: usize = 4096;

/// Search matches remembered per search (stored row numbers, 8 bytes each); past this,
/// later matches are dropped and the label says so. (The server sends one more at most.)
pub const MAX_MATCHES: usize = spool_proto::ATTACHED_SEARCH_MATCHES_MAX;

/// Scroll-mode search ids, unique for this client: the server's answers carry the id of the
/// search they belong to, so a replaced search's late answers are known and dropped.
static SEARCH_IDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

fn next_search_id() -> u32 {
    SEARCH_IDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A search in scroll mode: matches come from the server's history search, then from the
/// output that comes while it is shown (the counter keeps up); the pattern also highlights
/// them in the rows shown.
pub struct Search {
    /// Its id at the server (`Request::ScrollSearch`).
    id: u32,
    pub pattern: String,
    pub re: regex::Regex,
    /// Stored history rows with a match, oldest first.
    matches: Vec<u64>,
    /// Rows of the live screen with a match, top first, as of the last update: after every
    /// history match (they are newer). Positions index `matches` then these.
    screen: Vec<u16>,
    truncated: bool,
    /// The scan has caught up: matches after this come from new output.
    done: bool,
    /// The server stopped it (too many matches, an error): nothing more comes.
    stopped: bool,
    /// `?` (toward older rows; the first match shown is the newest) rather than `/` (toward
    /// newer; starting from the bottom it wraps, as vi does, to the oldest match). `n` repeats
    /// the direction, `N` reverses it.
    backward: bool,
    /// Progress of the server's scan, in percent.
    progress: u8,
    /// Index of the match shown: into `matches`, then `screen` past its end.
    current: Option<usize>,
}

/// One match of a search: a history row, or a row of the screen as it was at the start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Match {
    Row(u64),
    Screen(u16),
}

impl Search {
    fn at(&self, i: usize) -> Option<Match> {
        match i.checked_sub(self.matches.len()) {
            None => Some(Match::Row(self.matches[i])),
            Some(j) => self.screen.get(j).map(|&y| Match::Screen(y)),
        }
    }

    /// Where match `m` is now; a screen row that no longer matches (output scrolled it) is
    /// replaced by the nearest match.
    fn index_of(&self, m: Match, was: usize) -> Option<usize> {
        let n = self.matches.len() + self.screen.len();
        let found = match m {
            Match::Row(r) => self.matches.binary_search(&r).ok(),
            Match::Screen(y) => self
                .screen
                .iter()
                .position(|&s| s == y)
                .map(|j| self.matches.len() + j),
        };
        found.or((n > 0).then(|| was.min(n - 1)))
    }

    /// Keep the match shown the one shown while the lists change under it.
    fn keeping_current(&mut self, change: impl FnOnce(&mut Search)) {
        let shown = self.current.and_then(|c| Some((self.at(c)?, c)));
        change(self);
        self.current = shown.and_then(|(m, was)| self.index_of(m, was));
    }

    /// A match in output that came after the scan caught up (newer than every match
    /// before).
    fn follow_row(&mut self, row: u64) {
        if self.matches.binary_search(&row).is_ok() {
            return;
        }
        if self.matches.len() >= MAX_MATCHES {
            self.truncated = true;
            return;
        }
        self.keeping_current(|s| {
            let at = s.matches.partition_point(|&r| r < row);
            s.matches.insert(at, row);
        });
    }

    /// The live screen changed: its matching rows, again.
    fn screen_changed(&mut self, screen: &[Row]) {
        let now = matching_rows(&self.re, screen);
        if now != self.screen {
            self.keeping_current(|s| s.screen = now);
        }
    }
}

/// The rows of `screen` with a match, top first.
fn matching_rows(re: &regex::Regex, screen: &[Row]) -> Vec<u16> {
    screen
        .iter()
        .enumerate()
        .filter(|(_, r)| re.is_match(&r.text))
        .map(|(y, _)| y as u16)
        .collect()
}

/// What the scroll-mode prompt does when Enter is pressed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PromptKind {
    /// `/` (toward newer rows) or `?` (toward older).
    Search { backward: bool },
    /// `:` — go to a position: display rows above the bottom, the number the label shows (as
    /// tmux's goto-line).
    Goto,
}

/// An offset past any real history, used for "the top" until the history's size is known.
const UNKNOWN_TOP: u64 = 1 << 53;

pub struct Scroll {
    pub pane: u32,
    /// The prompt being typed in the pane's corner, if any, and what it is for.
    pub prompt: Option<String>,
    prompt_kind: PromptKind,
    pub search: Option<Search>,
    /// Requests for the server, drained by the client after each event.
    pub outbox: Vec<Request>,
    width: u16,
    height: u16,
    /// Display rows above the live bottom; 0 = live.
    offset: u64,
    /// History size in display rows at `width` (known after the first answer).
    total: Option<u64>,
    /// from_bottom → row.
    cache: BTreeMap<u64, Row>,
    /// A request is in flight.
    pending: bool,
    /// The rows the page in flight asked for, `(from_bottom, count)`.
    asked: (u64, u16),
    /// The last page came back cut (the server bounds a page in bytes): ask for pages that
    /// start at the missing row, so each answer is sure to bring it.
    narrow: bool,
    /// The scroll-mode cursor, in view coordinates.
    pub cx: u16,
    pub cy: u16,
    /// Where `v` started a selection: (absolute row, column). Absolute rows are display rows
    /// above the live bottom (history ≥ 0; screen rows < 0), so a selection survives scrolling.
    anchor: Option<(i64, u16)>,
    /// The next `Located` answer puts its row at the top of the view (prompt jumps) rather than
    /// in the middle (search).
    jump_top: bool,
    /// `y`/Enter asked to copy the selection (the client reads it and leaves scroll mode).
    pub want_copy: bool,
    /// `O` asked which command is under the cursor, to copy its output.
    pub want_command: bool,
    /// After a width change: where the view was, as a fraction of history, to restore once the
    /// new total is known.
    offset_hint: Option<f64>,
    /// What the selection covers.
    sel: SelKind,
    /// A count being typed (0: none).
    count: u32,
    /// `f`/`t`/`F`/`T` waiting for its character.
    finding: Option<Find>,
    /// The last find and its character, for `;` and `,`.
    last_find: Option<(Find, char)>,
}

impl Scroll {
    pub fn new(pane: u32, width: u16, height: u16) -> Scroll {
        Scroll {
            pane,
            prompt: None,
            prompt_kind: PromptKind::Search { backward: false },
            search: None,
            outbox: Vec::new(),
            width,
            height,
            offset: 0,
            total: None,
            cache: BTreeMap::new(),
            pending: false,
            asked: (0, 0),
            narrow: false,
            cx: 0,
            cy: height.saturating_sub(1),
            anchor: None,
            jump_top: false,
            want_copy: false,
            want_command: false,
            offset_hint: None,
            sel: SelKind::Chars,
            count: 0,
            finding: None,
            last_find: None,
        }
    }

    /// Start a text selection at the cursor (a mouse drag).
    pub fn begin_selection(&mut self) {
        self.anchor = Some((self.abs(self.cy), self.cx));
        self.sel = SelKind::Chars;
    }

    /// Put the cursor at view position (x, y): scroll mode starts at the program's cursor.
    pub fn place_cursor(&mut self, x: u16, y: u16) {
        self.cx = x.min(self.width.saturating_sub(1));
        self.cy = y.min(self.height.saturating_sub(1));
    }

    /// The pane was resized: history rewraps, so every cached row and position is stale. The
    /// cache is dropped — a resize never adds to what the client holds.
    pub fn resize(&mut self, width: u16, height: u16) {
        if (width, height) == (self.width, self.height) {
            return;
        }
        if width != self.width {
            // Display-row positions change with the width: keep the same fraction of history.
            if let Some(t) = self.total.filter(|t| *t > 0 && self.offset > 0) {
                self.offset_hint = Some(self.offset as f64 / t as f64);
            }
            self.total = None;
            self.cache.clear();
            self.anchor = None;
        }
        self.width = width;
        self.height = height;
        self.cx = self.cx.min(width.saturating_sub(1));
        self.cy = self.cy.min(height.saturating_sub(1));
        // An answer still in flight is for the old width: `receive` drops it. Ask again now.
        self.pending = false;
    }

    /// Absolute row of view line `y`.
    fn abs(&self, y: u16) -> i64 {
        self.offset as i64 - 1 - y as i64
    }

    /// The row at an absolute position: history from the cache, or a screen row.
    fn row_abs<'a>(&'a self, abs: i64, screen: &'a [Row]) -> Option<&'a Row> {
        if abs >= 0 {
            self.cache.get(&(abs as u64))
        } else {
            screen.get((-abs - 1) as usize)
        }
    }

    /// The selection as (start, end), oldest first, if one is being made.
    fn selection(&self) -> Option<((i64, u16), (i64, u16))> {
        let a = self.anchor?;
        let c = (self.abs(self.cy), self.cx);
        // Older rows have larger absolute numbers.
        let a_first = a.0 > c.0 || (a.0 == c.0 && a.1 <= c.1);
        Some(if a_first { (a, c) } else { (c, a) })
    }

    /// The columns selected on row `r` of a selection from (r0, c0) to (r1, c1).
    fn columns(&self, r: i64, (r0, c0): (i64, u16), (r1, c1): (i64, u16)) -> (u16, u16) {
        match self.sel {
            SelKind::Lines => (0, u16::MAX),
            SelKind::Block => (c0.min(c1), c0.max(c1)),
            SelKind::Chars => (
                if r == r0 { c0 } else { 0 },
                if r == r1 { c1 } else { u16::MAX },
            ),
        }
    }

    /// Is the cell at view (x, y) selected?
    pub fn selected(&self, x: u16, y: u16) -> bool {
        let Some((a, b)) = self.selection() else {
            return false;
        };
        let r = self.abs(y);
        if r > a.0 || r < b.0 {
            return false;
        }
        let (from, to) = self.columns(r, a, b);
        x >= from && x <= to
    }

    /// The selected text: rows joined with newlines (none after a soft-wrapped row), at most
    /// `max` bytes. Rows outside the cache (a selection larger than it) are skipped.
    pub fn selection_text(&self, screen: &[Row], max: usize) -> String {
        let Some((a, b)) = self.selection() else {
            return String::new();
        };
        let (r0, r1) = (a.0, b.0);
        let mut out = String::new();
        let mut r = r0;
        while r >= r1 && out.len() < max {
            if let Some(row) = self.row_abs(r, screen) {
                let (from, to) = self.columns(r, a, b);
                let mut col = 0u16;
                for (_, cl, cw) in spool_cells::width::clusters(&row.text) {
                    if col >= from && col <= to {
                        out.push_str(cl);
                    }
                    col += cw.max(1) as u16;
                }
                let joined = row.wrapped() && to == u16::MAX && self.sel != SelKind::Block;
                if r != r1 && !joined {
                    out.push('\n');
                }
            }
            r -= 1;
        }
        out.truncate(max);
        while !out.is_char_boundary(out.len()) {
            out.pop();
        }
        out
    }

    fn cursor_up(&mut self) {
        if self.cy > 0 {
            self.cy -= 1;
        } else {
            self.scroll_up(1);
        }
    }

    fn cursor_down(&mut self) {
        if self.cy + 1 < self.height {
            self.cy += 1;
        } else {
            self.scroll_down(1);
        }
    }

    /// The top of history, as an offset. Before the size is known: far enough to mean "the
    /// top" (the first answer clamps it), small enough for signed row arithmetic.
    fn max_offset(&self) -> u64 {
        self.total.unwrap_or(UNKNOWN_TOP)
    }

    pub fn scroll_up(&mut self, n: u64) {
        self.offset = self.offset.saturating_add(n).min(self.max_offset());
    }

    /// Scroll down; false once back at the live bottom (scroll mode ends).
    pub fn scroll_down(&mut self, n: u64) -> bool {
        self.offset = self.offset.saturating_sub(n);
        self.offset > 0
    }

    /// Handle a key; false when scroll mode ends. `screen` is the pane's live rows (a search
    /// looks at them too).
    pub fn key(&mut self, k: Key, screen: &[Row]) -> bool {
        if let Some(text) = &mut self.prompt {
            match k {
                Key::Byte(b'\r') | Key::Byte(b'\n') => {
                    let pattern = std::mem::take(text);
                    self.prompt = None;
                    match self.prompt_kind {
                        PromptKind::Search { backward } => {
                            self.start_search(pattern, backward, screen)
                        }
                        PromptKind::Goto => self.goto(&pattern),
                    }
                }
                Key::Escape | Key::Byte(0x03) => self.prompt = None,
                Key::Byte(0x7f) | Key::Byte(0x08) => {
                    text.pop();
                }
                Key::Byte(b) if (0x20..0x7f).contains(&b) => text.push(b as char),
                _ => {}
            }
            return true;
        }
        if let Some(f) = self.finding.take() {
            let n = std::mem::take(&mut self.count).max(1);
            if let Key::Byte(b) = k {
                if (0x20..0x7f).contains(&b) {
                    self.last_find = Some((f, b as char));
                    for _ in 0..n {
                        self.find(f, b as char, screen);
                    }
                }
            }
            return true;
        }
        match k {
            Key::Byte(d @ b'1'..=b'9') => {
                self.count = (self.count * 10 + (d - b'0') as u32).min(COUNT_MAX);
                return true;
            }
            Key::Byte(b'0') if self.count > 0 => {
                self.count = (self.count * 10).min(COUNT_MAX);
                return true;
            }
            _ => {}
        }
        let n = std::mem::take(&mut self.count).max(1);
        let page = self.height.max(2) as u64 - 1;
        match k {
            Key::Byte(b'/') | Key::Byte(b'?') => {
                self.prompt = Some(String::new());
                self.prompt_kind = PromptKind::Search {
                    backward: k == Key::Byte(b'?'),
                };
            }
            Key::Byte(b':') => {
                self.prompt = Some(String::new());
                self.prompt_kind = PromptKind::Goto;
            }
            Key::Byte(b'n') => self.step_match(false),
            Key::Byte(b'N') => self.step_match(true),
            Key::Byte(b'v') | Key::Byte(b' ') if self.anchor.is_none() => {
                self.anchor = Some((self.abs(self.cy), self.cx));
                self.sel = SelKind::Chars;
            }
            Key::Byte(b'v') if self.sel != SelKind::Chars => self.sel = SelKind::Chars,
            Key::Byte(b'v') => self.anchor = None,
            Key::Byte(b'V') if self.anchor.is_some() && self.sel == SelKind::Lines => {
                self.anchor = None
            }
            Key::Byte(b'V') => {
                if self.anchor.is_none() {
                    self.anchor = Some((self.abs(self.cy), self.cx));
                }
                self.sel = SelKind::Lines;
            }
            // C-v: a rectangle (again: back to text).
            Key::Byte(0x16) => {
                if self.anchor.is_none() {
                    self.anchor = Some((self.abs(self.cy), self.cx));
                    self.sel = SelKind::Block;
                } else {
                    self.sel = if self.sel == SelKind::Block {
                        SelKind::Chars
                    } else {
                        SelKind::Block
                    };
                }
            }
            // Escape clears the selection; with none, it leaves, as tmux's vi mode.
            Key::Escape if self.anchor.is_some() => self.anchor = None,
            Key::Byte(b'y') | Key::Byte(b'\r') if self.anchor.is_some() => {
                self.want_copy = true;
            }
            // The output of the command under the cursor, copied (shell integration): the
            // server names the command, `capture --command` reads it whole.
            Key::Byte(b'O') => {
                self.want_command = true;
                self.outbox.push(Request::CommandAt {
                    pane: self.pane,
                    width: self.width,
                    at: self.abs(self.cy),
                });
            }
            Key::Byte(b'[') | Key::Byte(b']') => {
                self.jump_top = true;
                self.outbox.push(Request::JumpPrompt {
                    pane: self.pane,
                    width: self.width,
                    from_bottom: self.offset.saturating_sub(1),
                    older: k == Key::Byte(b'['),
                });
            }
            Key::Left | Key::Byte(b'h') => self.cx = self.cx.saturating_sub(n as u16),
            Key::Right | Key::Byte(b'l') => {
                self.cx = (self.cx.saturating_add(n as u16)).min(self.width.saturating_sub(1))
            }
            Key::Byte(b'0') => self.cx = 0,
            Key::Byte(b'^') => {
                self.cx = motion::first_word(&motion::cells(self.row(self.cy, screen)), false)
            }
            Key::Byte(b'$') => {
                self.cx = motion::line_end(&motion::cells(self.row(self.cy, screen)))
            }
            Key::Byte(b'q') | Key::Escape | Key::Byte(0x03) => return false,
            Key::Up | Key::Byte(b'k') => (0..n).for_each(|_| self.cursor_up()),
            Key::Down | Key::Byte(b'j') => (0..n).for_each(|_| self.cursor_down()),
            Key::Byte(b'y') | Key::Byte(0x19) => self.scroll_up(n as u64),
            Key::Byte(0x05) => {
                self.scroll_down(n as u64);
            }
            Key::Byte(big @ (b'w' | b'W')) => {
                (0..n).for_each(|_| self.word_forward(big == b'W', screen))
            }
            Key::Byte(big @ (b'b' | b'B')) => {
                (0..n).for_each(|_| self.word_back(big == b'B', screen))
            }
            Key::Byte(big @ (b'e' | b'E')) => {
                (0..n).for_each(|_| self.word_end(big == b'E', screen))
            }
            Key::Byte(c @ (b'f' | b't' | b'F' | b'T')) => {
                self.finding = Some(Find {
                    forward: c.is_ascii_lowercase(),
                    till: c.eq_ignore_ascii_case(&b't'),
                });
                // The count waits for the character.
                self.count = n;
            }
            Key::Byte(c @ (b';' | b',')) => {
                if let Some((f, ch)) = self.last_find {
                    let f = if c == b',' { f.reversed() } else { f };
                    (0..n).for_each(|_| self.find(f, ch, screen));
                }
            }
            Key::Byte(b'H') => self.cy = 0,
            Key::Byte(b'M') => self.cy = self.height.saturating_sub(1) / 2,
            Key::Byte(b'L') => self.cy = self.height.saturating_sub(1),
            Key::PageUp | Key::Byte(0x02) => self.scroll_up(page * n as u64),
            Key::PageDown | Key::Byte(0x06) => {
                self.scroll_down(page * n as u64);
            }
            Key::Byte(0x15) => self.scroll_up(page / 2 * n as u64),
            Key::Byte(0x04) => {
                self.scroll_down(page / 2 * n as u64);
            }
            Key::Byte(b'g') | Key::Home => {
                self.offset = self.max_offset();
                self.cy = 0;
                self.cx = 0;
            }
            Key::Byte(b'G') | Key::End => {
                self.offset = 0;
                self.cy = self.height.saturating_sub(1);
            }
            _ => {}
        }
        true
    }

    /// The top of history is at the top of the view, the cursor on it.
    fn at_top(&self) -> bool {
        self.cy == 0 && self.offset >= self.max_offset()
    }

    /// The bottom of the live screen, the cursor on it.
    fn at_bottom(&self) -> bool {
        self.offset == 0 && self.cy + 1 >= self.height
    }

    /// `w`/`W`: the next word, in the next row if this one has no more.
    fn word_forward(&mut self, big: bool, screen: &[Row]) {
        let cells = motion::cells(self.row(self.cy, screen));
        if let Some(x) = motion::next_word(&cells, self.cx, big) {
            self.cx = x;
        } else if !self.at_bottom() {
            self.cursor_down();
            self.cx = motion::first_word(&motion::cells(self.row(self.cy, screen)), big);
        }
    }

    /// `b`/`B`: this word's start or the one before, in the previous row if need be.
    fn word_back(&mut self, big: bool, screen: &[Row]) {
        let cells = motion::cells(self.row(self.cy, screen));
        if let Some(x) = motion::word_start(&cells, self.cx, big) {
            self.cx = x;
        } else if !self.at_top() {
            self.cursor_up();
            self.cx = motion::last_word(&motion::cells(self.row(self.cy, screen)), big);
        }
    }

    /// `e`/`E`: the end of this word or the next, in the next row if need be.
    fn word_end(&mut self, big: bool, screen: &[Row]) {
        let cells = motion::cells(self.row(self.cy, screen));
        if let Some(x) = motion::word_end(&cells, self.cx, big) {
            self.cx = x;
        } else if !self.at_bottom() {
            self.cursor_down();
            let cells = motion::cells(self.row(self.cy, screen));
            self.cx = motion::first_word_end(&cells, big);
        }
    }

    /// A find in the cursor's row (it stays if the character is not there).
    fn find(&mut self, f: Find, ch: char, screen: &[Row]) {
        let cells = motion::cells(self.row(self.cy, screen));
        if let Some(x) = motion::find(&cells, self.cx, f, ch) {
            self.cx = x;
        }
    }

    /// An answer will not come (the server said no): ask again when needed.
    pub fn request_failed(&mut self) {
        self.pending = false;
    }

    /// `:N`: show the position N display rows above the bottom at the top of the view.
    fn goto(&mut self, text: &str) {
        if let Ok(n) = text.trim().parse::<u64>() {
            self.offset = n.min(self.max_offset());
            self.cy = 0;
        }
    }

    /// The search the server still runs for this scroll mode (scanning or following), as the
    /// request that stops it.
    pub fn stop_search(&self) -> Option<Request> {
        self.search
            .as_ref()
            .filter(|s| !s.stopped)
            .map(|_| Request::ScrollSearch {
                id: next_search_id(),
                pane: self.pane,
                pattern: String::new(),
                newest_first: false,
            })
    }

    fn start_search(&mut self, pattern: String, backward: bool, screen: &[Row]) {
        let re = regex::Regex::new(&pattern)
            .ok()
            .filter(|_| !pattern.is_empty());
        let Some(re) = re else {
            // No new search to replace it: stop the old one.
            self.outbox.extend(self.stop_search());
            self.search = None;
            return;
        };
        // `?` scans newest first, so that with more matching rows than the client keeps, the
        // ones kept are the newest (those `?` shows first). A new id replaces the search
        // before.
        let id = next_search_id();
        self.outbox.push(Request::ScrollSearch {
            id,
            pane: self.pane,
            pattern: pattern.clone(),
            newest_first: backward,
        });
        let on_screen = matching_rows(&re, screen);
        self.search = Some(Search {
            id,
            pattern,
            re,
            screen: on_screen,
            matches: Vec::new(),
            truncated: false,
            done: false,
            stopped: false,
            backward,
            progress: 0,
            current: None,
        });
    }

    /// The pane's live screen changed (an update came): the search counts what it shows.
    pub fn screen_changed(&mut self, screen: &[Row]) {
        if let Some(s) = &mut self.search {
            s.screen_changed(screen);
        }
    }

    /// News of search `id` from the server; an error to show, if it failed. News of a search
    /// this one replaced is dropped.
    pub fn search_news(&mut self, id: u32, news: ScrollNews) -> Option<String> {
        let s = self.search.as_mut().filter(|s| s.id == id)?;
        match news {
            ScrollNews::Row(row) if s.done => s.follow_row(row),
            ScrollNews::Row(row) => {
                if s.matches.last() == Some(&row) {
                    return None;
                }
                if s.matches.len() >= MAX_MATCHES {
                    s.truncated = true;
                    return None;
                }
                s.matches.push(row);
            }
            ScrollNews::Progress { done, total } => {
                s.progress = (done.saturating_mul(100) / total.max(1)).min(100) as u8;
            }
            ScrollNews::CaughtUp => self.search_done(),
            ScrollNews::Stopped { error } => {
                s.stopped = true;
                self.search_done();
                return error;
            }
        }
        None
    }

    /// The scan has caught up: show the newest match.
    fn search_done(&mut self) {
        let Some(s) = &mut self.search else { return };
        if s.done {
            return;
        }
        s.done = true;
        // A newest-first scan reports chunks out of order.
        s.matches.sort_unstable();
        s.matches.dedup();
        let n = s.matches.len() + s.screen.len();
        if n > 0 {
            s.current = Some(if s.backward { n - 1 } else { 0 });
            self.jump();
        }
    }

    /// `n` (the search's direction) and `N` (the other way).
    fn step_match(&mut self, reverse: bool) {
        let Some(s) = &mut self.search else { return };
        let Some(cur) = s.current else { return };
        let dir = if s.backward != reverse { -1 } else { 1 };
        let next = cur as i64 + dir;
        if next >= 0 && (next as usize) < s.matches.len() + s.screen.len() {
            s.current = Some(next as usize);
            self.jump();
        }
    }

    fn jump(&mut self) {
        let Some(s) = &self.search else { return };
        let Some(cur) = s.current else { return };
        if let Some(&y) = cur
            .checked_sub(s.matches.len())
            .and_then(|i| s.screen.get(i))
        {
            // On the live screen: the bottom of the view, the cursor on the row.
            self.offset = 0;
            self.cy = y.min(self.height.saturating_sub(1));
            return;
        }
        let row = s.matches[cur];
        self.outbox.push(Request::Locate {
            pane: self.pane,
            row,
            width: self.width,
        });
    }

    /// The server says where a match's (or a prompt's) line is: put it mid-view (or at the top),
    /// with the cursor on it.
    pub fn located(&mut self, pane: u32, width: u16, from_bottom: u64) {
        if pane != self.pane || width != self.width {
            self.jump_top = false;
            return; // another pane's, or asked before a resize: the position means nothing now
        }
        let above = if std::mem::take(&mut self.jump_top) {
            0
        } else {
            self.height as u64 / 2
        };
        if self.total.is_some_and(|t| from_bottom >= t) {
            // History grew since the size was learned: learn it again.
            self.total = None;
            self.cache.clear();
        }
        self.offset = (from_bottom + 1 + above).min(self.max_offset());
        self.cy = self
            .offset
            .saturating_sub(from_bottom + 1)
            .min(self.height.saturating_sub(1) as u64) as u16;
        self.cx = 0;
        if let Some(req) = self.wanted() {
            self.outbox.push(req);
        }
    }

    /// Drain requests for the server (page fetches included).
    pub fn take_requests(&mut self) -> Vec<Request> {
        if let Some(req) = self.wanted() {
            self.outbox.push(req);
        }
        std::mem::take(&mut self.outbox)
    }

    /// The row for view line `y`: history from the cache, or the live screen's rows.
    pub fn row<'a>(&'a self, y: u16, screen: &'a [Row]) -> Option<&'a Row> {
        let v = y as i64 - self.offset as i64;
        if v >= 0 {
            screen.get(v as usize)
        } else {
            self.cache.get(&((-v - 1) as u64))
        }
    }

    /// The request for rows the view needs and the cache lacks (one at a time).
    pub fn wanted(&mut self) -> Option<Request> {
        if self.pending {
            return None;
        }
        let top = self.offset.saturating_sub(1);
        let lo = self.offset.saturating_sub(self.height as u64);
        let total = self.total.unwrap_or(u64::MAX);
        let missing = (lo..=top)
            .rev()
            .find(|fb| *fb < total && !self.cache.contains_key(fb));
        let missing = match (self.total, missing) {
            (None, _) => Some(0),
            (_, m) => m,
        }?;
        // A page around the view, so small moves are served from the cache; after a cut
        // page, one whose oldest row is the missing one (the server always sends that).
        let mut count = (self.height * 3).max(1);
        let from = if self.narrow {
            count = count.min((missing + 1).min(u16::MAX as u64) as u16);
            missing + 1 - count as u64
        } else {
            missing.saturating_sub(self.height as u64)
        };
        self.pending = true;
        self.asked = (from, count);
        Some(Request::History {
            pane: self.pane,
            width: self.width,
            from_bottom: from,
            count,
        })
    }

    pub fn receive(&mut self, pane: u32, width: u16, from_bottom: u64, total: u64, rows: Vec<Row>) {
        if pane != self.pane {
            return;
        }
        self.pending = false;
        if width != self.width {
            return; // asked before a resize
        }
        if self.total != Some(total) {
            // History grew or was cleared: cached positions moved; start over.
            if self.total.is_some() {
                self.cache.clear();
            }
            self.total = Some(total);
            if let Some(f) = self.offset_hint.take() {
                self.offset = ((total as f64 * f) as u64).max(1);
            }
            self.offset = self.offset.min(total);
        }
        // Rows arrive oldest first, ending at `from_bottom` (where a cut page ends).
        let n = rows.len() as u64;
        let (asked_from, asked_count) = self.asked;
        let asked_top = (asked_from + asked_count as u64).min(total);
        self.narrow = from_bottom + n < asked_top || from_bottom > asked_from;
        for (i, r) in rows.into_iter().enumerate() {
            self.cache.insert(from_bottom + n - 1 - i as u64, r);
        }
        // Keep the cache bounded: drop rows farthest from the view.
        while self.cache.len() > CACHE_ROWS {
            let (lo, hi) = (
                *self.cache.keys().next().expect("non-empty"),
                *self.cache.keys().next_back().expect("non-empty"),
            );
            let far = if self.offset.abs_diff(lo) > self.offset.abs_diff(hi) {
                lo
            } else {
                hi
            };
            self.cache.remove(&far);
        }
    }

    /// `[offset/total]` and the search state, shown in the pane's corner.
    pub fn label(&self) -> String {
        let mut l = match self.total {
            Some(t) => format!("[{}/{}]", self.offset, t),
            None => format!("[{}/…]", self.offset),
        };
        if let Some(p) = &self.prompt {
            let c = match self.prompt_kind {
                PromptKind::Search { backward: true } => '?',
                PromptKind::Search { backward: false } => '/',
                PromptKind::Goto => ':',
            };
            l = format!("{c}{p} {l}");
        } else if let Some(s) = &self.search {
            let n = s.matches.len() + s.screen.len();
            let more = if s.truncated { "+" } else { "" };
            let state = match (s.done, s.current) {
                (false, _) => format!("searching… {}%", s.progress),
                (true, _) if n == 0 => "no match".to_string(),
                (true, Some(c)) if s.backward => format!("{}/{n}{more}", n - c),
                (true, Some(c)) => format!("{}/{n}{more}", c + 1),
                (true, None) => format!("{n}{more}"),
            };
            let c = if s.backward { '?' } else { '/' };
            l = format!("{c}{} {state} {l}", s.pattern);
        }
        l
    }

    /// Rows held (for tests of the bound).
    #[cfg(test)]
    pub fn cached(&self) -> usize {
        self.cache.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(lines: &[&str]) -> Vec<Row> {
        lines
            .iter()
            .map(|l| Row {
                text: l.to_string(),
                ..Default::default()
            })
            .collect()
    }

    fn keys(s: &mut Scroll, screen: &[Row], keys: &str) -> bool {
        let mut stay = true;
        for b in keys.bytes() {
            stay = s.key(Key::Byte(b), screen);
        }
        stay
    }

    #[test]
    fn vi_words_finds_counts_and_screen_lines_move_the_cursor() {
        let sc = screen(&["foo bar baz", "a,b,c,d", "last line"]);
        let mut s = Scroll::new(1, 20, 3);
        s.place_cursor(0, 0);
        keys(&mut s, &sc, "w");
        assert_eq!((s.cx, s.cy), (4, 0));
        keys(&mut s, &sc, "2w");
        // Off the row's end: the next row's first word.
        assert_eq!((s.cx, s.cy), (0, 1));
        keys(&mut s, &sc, "f,");
        assert_eq!(s.cx, 1);
        keys(&mut s, &sc, ";;");
        assert_eq!(s.cx, 5);
        keys(&mut s, &sc, ",");
        assert_eq!(s.cx, 3);
        keys(&mut s, &sc, "tc");
        assert_eq!(s.cx, 3, "already just before the c");
        keys(&mut s, &sc, "Fa");
        assert_eq!(s.cx, 0);
        keys(&mut s, &sc, "3l");
        assert_eq!(s.cx, 3);
        keys(&mut s, &sc, "$");
        assert_eq!(s.cx, 6);
        keys(&mut s, &sc, "b");
        assert_eq!(s.cx, 5, "`,` is a word of its own");
        keys(&mut s, &sc, "B");
        assert_eq!(s.cx, 0);
        keys(&mut s, &sc, "e");
        assert_eq!(s.cx, 1);
        keys(&mut s, &sc, "E");
        assert_eq!((s.cx, s.cy), (6, 1), "the row is one WORD");
        keys(&mut s, &sc, "E");
        assert_eq!((s.cx, s.cy), (3, 2), "the next row's first WORD end");
        keys(&mut s, &sc, "H");
        assert_eq!(s.cy, 0);
        keys(&mut s, &sc, "M");
        assert_eq!(s.cy, 1);
        keys(&mut s, &sc, "L");
        assert_eq!(s.cy, 2);
    }

    #[test]
    fn line_and_block_selections_copy_rows_and_rectangles_and_escape_clears() {
        let sc = screen(&["foo bar baz", "a,b,c,d", "last line"]);
        let mut s = Scroll::new(1, 20, 3);
        s.place_cursor(2, 0);
        keys(&mut s, &sc, "Vj");
        assert_eq!(s.selection_text(&sc, 1024), "foo bar baz\na,b,c,d");
        assert!(s.selected(15, 0), "a line selection covers the whole row");
        // C-v: the columns between the anchor's and the cursor's, on each row.
        s.key(Key::Byte(0x16), &sc);
        keys(&mut s, &sc, "h");
        assert_eq!(s.selection_text(&sc, 1024), "oo\n,b");
        keys(&mut s, &sc, "ll");
        assert_eq!(s.selection_text(&sc, 1024), "o \nb,");
        assert!(!s.selected(0, 1));
        // Escape clears the selection and stays; a second one leaves.
        assert!(s.key(Key::Escape, &sc));
        assert_eq!(s.selection_text(&sc, 1024), "");
        assert!(!s.key(Key::Escape, &sc));
    }

    #[test]
    fn a_huge_count_is_bounded() {
        let sc = screen(&["x"]);
        let mut s = Scroll::new(1, 20, 3);
        keys(&mut s, &sc, &"9".repeat(50));
        assert_eq!(s.count, COUNT_MAX);
        keys(&mut s, &sc, "l");
        assert_eq!(s.cx, 19);
        assert_eq!(s.count, 0);
    }

    #[test]
    fn cache_stays_bounded_while_scrolling_a_huge_history() {
        let mut s = Scroll::new(1, 80, 50);
        let total = 10_000_000u64;
        let mut served = 0;
        for step in 0..2000u64 {
            s.scroll_up(37 + step % 5);
            while let Some(Request::History {
                from_bottom, count, ..
            }) = s.wanted()
            {
                let rows = (0..count as u64)
                    .filter(|i| from_bottom + i < total)
                    .map(|_| Row::default())
                    .collect();
                s.receive(1, 80, from_bottom, total, rows);
                served += 1;
                assert!(s.cached() <= CACHE_ROWS);
            }
        }
        assert!(served > 0);
        assert!(s.cached() <= CACHE_ROWS);
    }

    /// Resizes (the outer terminal dragged, panes split and closed) never lift the cache's
    /// capacity: each width change drops it, and refilling at a size up to the largest a
    /// terminal can have stays within `CACHE_ROWS`.
    #[test]
    fn cache_stays_bounded_across_resizes() {
        let mut s = Scroll::new(1, 80, 50);
        let total = |w: u16| 50_000_000u64 / w as u64;
        let mut width = 80u16;
        for step in 0..3000u64 {
            if step % 7 == 0 {
                width = 20 + (step * 37 % 480) as u16;
                let height = 5 + (step * 13 % 1000) as u16;
                s.resize(width, height);
            }
            s.scroll_up(1 + step % 300);
            let mut answered = 0;
            while let Some(Request::History {
                from_bottom,
                count,
                width: w,
                ..
            }) = s.wanted()
            {
                assert_eq!(w, width, "a request at a stale width");
                let t = total(w);
                let rows = (0..count as u64)
                    .filter(|i| from_bottom + i < t)
                    .map(|_| Row::default())
                    .collect();
                s.receive(1, w, from_bottom, t, rows);
                assert!(s.cached() <= CACHE_ROWS, "{} rows cached", s.cached());
                answered += 1;
                if answered > 4 {
                    break;
                }
            }
        }
    }

    /// An answer asked at the old width is dropped, not cached under the new one.
    #[test]
    fn stale_answer_after_resize_is_dropped() {
        let mut s = Scroll::new(1, 80, 10);
        s.scroll_up(5);
        let Some(Request::History { from_bottom, .. }) = s.wanted() else {
            panic!("no request")
        };
        s.resize(40, 10);
        s.receive(1, 80, from_bottom, 1000, vec![Row::default(); 30]);
        assert_eq!(s.cached(), 0);
        assert!(s.total.is_none());
        assert!(matches!(
            s.wanted(),
            Some(Request::History { width: 40, .. })
        ));
    }
}
