//! [`Terminal`]: the public face of the emulator — feed it a pane's output bytes, read the
//! screen, drain replies and clipboard writes, and publish damage (respecting DEC 2026).

use std::time::Instant;

use spool_cells::{Row, Style};

use crate::cell::Cell;
use crate::grid::Line;
use crate::history::{encode_line, push_cell_text, HistorySink};
use crate::image::intro::{intro, End, ImageString, Intro, Kind, INTRO_MAX};
use crate::modes::Modes;
use crate::osc::OSC_MAX;
use crate::palette::Palette;
use crate::screen::{ClipboardSet, Cursor, Screen};

/// A terminal emulator for one pane. `S` receives history rows.
pub struct Terminal<S: HistorySink = Vec<Row>> {
    /// vte's parser with a fixed-size OSC buffer of [`OSC_MAX`] bytes (boxed: it is big).
    parser: Box<vte::Parser<OSC_MAX>>,
    screen: Screen<S>,
    /// A UTF-8 sequence cut by the end of the last feed, held until the next one. vte 0.15
    /// can resume a split character itself, but then skips the bytes that follow it in the
    /// next feed (`advance_partial_utf8` returns `valid_bytes - old_bytes`), so it never sees
    /// a split character from us.
    carry: [u8; 4],
    carry_len: usize,
    /// The cursor as of the last publication: a cursor that only moved must be published too.
    published_cursor: Cursor,
    /// Bumped by [`Terminal::publication`] when anything changed since the last call.
    generation: u64,
    /// Inside a tmux passthrough (`DCS tmux; … ST`), being skipped.
    passthrough: Option<Passthrough>,
    /// Inside an image string the emulator reads itself (`image/intro.rs`).
    image_string: Option<ImageString>,
    /// The start of an image string's introducer, cut by the end of the last feed.
    intro_held: [u8; INTRO_MAX],
    intro_held_len: usize,
}

/// Skipping a tmux passthrough: the wrapped sequence's ESCs come doubled, and a lone `ESC \`
/// ends it.
#[derive(Default)]
struct Passthrough {
    /// The byte before was an ESC (not yet known to be doubled or the end).
    esc: bool,
    bytes: u64,
}

impl Passthrough {
    /// Skip bytes of the passthrough: how many, and whether its end was reached.
    fn skip(&mut self, b: &[u8]) -> (usize, bool) {
        for (i, &c) in b.iter().enumerate() {
            self.bytes += 1;
            if self.esc {
                self.esc = false;
                if c == b'\\' {
                    return (i + 1, true);
                }
                // ESC ESC is an escaped ESC of the wrapped sequence.
            } else if c == 0x1b {
                self.esc = true;
            }
            if self.bytes >= crate::dcs::PASSTHROUGH_MAX {
                return (i + 1, true);
            }
        }
        (b.len(), false)
    }
}

/// Length of a UTF-8 sequence from its lead byte (1 for anything that is not a lead byte).
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

/// Is `b` the valid beginning of a UTF-8 character that more bytes could complete?
fn is_incomplete(b: &[u8]) -> bool {
    matches!(std::str::from_utf8(b), Err(e) if e.valid_up_to() == 0 && e.error_len().is_none())
}

/// How many bytes at the end of `b` are an incomplete (but so far valid) UTF-8 sequence.
fn incomplete_tail(b: &[u8]) -> usize {
    for back in 1..=3.min(b.len()) {
        let c = b[b.len() - back];
        if c & 0xc0 == 0x80 {
            continue; // continuation byte: keep looking for the lead
        }
        return if is_incomplete(&b[b.len() - back..]) {
            back
        } else {
            0
        };
    }
    0
}

/// What a frame consumer may publish of a terminal now (see [`Terminal::publication`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Publication {
    /// A synchronized update (DEC 2026) holds the frame until the program ends it, or at the
    /// latest `until`: keep showing the last one.
    Held { until: Instant },
    /// Nothing changed since the generation the consumer saw.
    Unchanged,
    /// Changed: publish, and pass `generation` as `seen` next time.
    Changed { generation: u64 },
}

impl<S: HistorySink> Terminal<S> {
    /// A blank `cols` × `rows` terminal (clamped to 1..=`MAX_COLS` × 1..=`MAX_ROWS`).
    pub fn new(cols: usize, rows: usize, sink: S) -> Terminal<S> {
        Terminal {
            parser: Box::new(vte::Parser::<OSC_MAX>::new_with_size()),
            screen: Screen::new(cols, rows, sink),
            carry: [0; 4],
            carry_len: 0,
            published_cursor: Cursor::default(),
            generation: 0,
            passthrough: None,
            image_string: None,
            intro_held: [0; INTRO_MAX],
            intro_held_len: 0,
        }
    }

    /// Apply the program's output.
    pub fn feed(&mut self, bytes: &[u8]) {
        self.feed_at(bytes, Instant::now());
    }

    /// Apply output that arrived at `now` (DEC 2026 holds are timed from it).
    pub fn feed_at(&mut self, mut bytes: &[u8], now: Instant) {
        self.screen.now = now;
        self.end_timed_out_hold(now);
        if self.carry_len > 0 {
            let n = self.carry_len;
            let take = (utf8_len(self.carry[0]) - n).min(bytes.len());
            let mut seq = [0u8; 4];
            seq[..n].copy_from_slice(&self.carry[..n]);
            seq[n..n + take].copy_from_slice(&bytes[..take]);
            if is_incomplete(&seq[..n + take]) {
                // Still cut (this feed was shorter than the rest of the character).
                self.carry = seq;
                self.carry_len = n + take;
                return;
            }
            self.carry_len = 0;
            if std::str::from_utf8(&seq[..n + take]).is_ok() {
                bytes = &bytes[take..];
                self.advance(&seq[..n + take]);
            } else {
                // What follows does not complete the carried bytes: the parser gets them alone
                // and the new bytes as usual — exactly what it gets when the two arrive in one
                // feed, so a cut never changes the screen.
                let carried = self.carry;
                self.advance(&carried[..n]);
            }
        }
        let keep = incomplete_tail(bytes);
        if keep > 0 {
            self.carry[..keep].copy_from_slice(&bytes[bytes.len() - keep..]);
            self.carry_len = keep;
            bytes = &bytes[..bytes.len() - keep];
        }
        self.advance(bytes);
    }

    fn advance(&mut self, bytes: &[u8]) {
        let mut rest = bytes;
        self.advance_held(&mut rest);
        self.advance_rest(rest);
    }

    /// An introducer held from the last feed: with what follows, is it one? Consumes what
    /// of `rest` completes it (all of `rest` if it is still only a prefix).
    fn advance_held(&mut self, rest: &mut &[u8]) {
        if self.intro_held_len > 0 {
            let n = self.intro_held_len;
            let take = (INTRO_MAX - n).min(rest.len());
            let mut probe = [0u8; 2 * INTRO_MAX];
            probe[..n].copy_from_slice(&self.intro_held[..n]);
            probe[n..n + take].copy_from_slice(&rest[..take]);
            match intro(&probe[..n + take]) {
                Intro::Full(kind, len) => {
                    self.intro_held_len = 0;
                    self.begin_image_string(kind);
                    *rest = &rest[len - n..];
                }
                Intro::Prefix if take == rest.len() => {
                    self.intro_held[n..n + take].copy_from_slice(&rest[..take]);
                    self.intro_held_len = n + take;
                    *rest = &[];
                }
                _ => {
                    // Not an image: vte parses the held bytes as it would have.
                    self.intro_held_len = 0;
                    let held = self.intro_held;
                    self.advance_vte(&held[..n]);
                }
            }
        }
    }

    fn advance_rest(&mut self, mut rest: &[u8]) {
        while !rest.is_empty() {
            if let Some(pt) = &mut self.passthrough {
                let (n, ended) = pt.skip(rest);
                rest = &rest[n..];
                if !ended {
                    break;
                }
                self.passthrough = None;
                // Leave vte's DCS state as the real end of the string would have.
                self.screen.stop = false;
                let _ = self
                    .parser
                    .advance_until_terminated(&mut self.screen, b"\x1b\\");
                self.screen.ground_known = self.screen.stop;
                continue;
            }
            if let Some(s) = &mut self.image_string {
                let scan = s.scan(rest);
                let kind = s.kind;
                self.image_bytes(kind, &rest[..scan.body]);
                rest = &rest[scan.consumed..];
                match scan.end {
                    None => break,
                    Some(end) => {
                        self.image_string = None;
                        match (kind, end) {
                            (_, End::Cancelled) => self.screen.image_cancel(),
                            (Kind::Kitty, _) => self.screen.kitty_end(),
                            (Kind::Iterm, _) => self.screen.iterm_end(),
                        }
                        if scan.held_esc {
                            // The ESC that ended the last feed starts what follows: perhaps
                            // another image string.
                            self.intro_held[0] = 0x1b;
                            self.intro_held_len = 1;
                            self.advance_held(&mut rest);
                        }
                    }
                }
                continue;
            }
            if rest[0] == 0x1b && matches!(rest.get(1), None | Some(b'_' | b']')) {
                match intro(&rest[..rest.len().min(INTRO_MAX)]) {
                    Intro::Full(kind, len) => {
                        self.begin_image_string(kind);
                        rest = &rest[len..];
                        continue;
                    }
                    Intro::Prefix if rest.len() < INTRO_MAX => {
                        self.intro_held[..rest.len()].copy_from_slice(rest);
                        self.intro_held_len = rest.len();
                        return;
                    }
                    _ => {}
                }
            } else if self.screen.ground_known {
                // Fast path: printable ASCII runs and CR/LF/HT/BS handled without vte.
                let n = self.screen.fast_ground(rest);
                rest = &rest[n..];
                if rest.is_empty() {
                    break;
                }
                if n > 0 && rest[0] == 0x1b {
                    continue; // perhaps an image string's introducer
                }
            }
            // Let vte parse until it completes a CSI/ESC sequence (after which it is in the
            // ground state again), the input ends (state unknown), or the next ESC, which
            // may introduce an image string.
            let upto = 1 + memchr::memchr(0x1b, &rest[1..]).unwrap_or(rest.len() - 1);
            self.screen.stop = false;
            let n = self
                .parser
                .advance_until_terminated(&mut self.screen, &rest[..upto]);
            rest = &rest[n..];
            if std::mem::take(&mut self.screen.dcs.passthrough) {
                self.passthrough = Some(Passthrough::default());
                self.screen.ground_known = false;
                continue;
            }
            self.screen.ground_known = self.screen.stop;
        }
    }

    /// Parse `b` with vte alone (held bytes that turned out not to start an image string).
    fn advance_vte(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            self.screen.stop = false;
            let n = self.parser.advance_until_terminated(&mut self.screen, b);
            b = &b[n..];
            self.screen.ground_known = self.screen.stop;
        }
    }

    /// An image string's introducer was read: whatever vte was in the middle of is cancelled
    /// (an ESC would have done that), and the screen starts reading the string.
    fn begin_image_string(&mut self, kind: Kind) {
        self.advance_vte(b"\x18");
        self.screen.ground_known = true;
        self.image_string = Some(ImageString::new(kind));
        match kind {
            Kind::Kitty => self.screen.kitty_begin(),
            Kind::Iterm => self.screen.iterm_begin(),
        }
    }

    fn image_bytes(&mut self, kind: Kind, body: &[u8]) {
        if body.is_empty() {
            return;
        }
        match kind {
            Kind::Kitty => self.screen.kitty_bytes(body),
            Kind::Iterm => self.screen.iterm_bytes(body),
        }
    }

    /// Resize, reflowing the primary screen.
    pub fn resize(&mut self, cols: usize, rows: usize) {
        self.screen.resize(cols, rows);
    }

    pub fn cols(&self) -> usize {
        self.screen.cols
    }
    pub fn rows(&self) -> usize {
        self.screen.rows
    }
    pub fn cursor(&self) -> Cursor {
        self.screen.cursor
    }
    pub fn modes(&self) -> &Modes {
        &self.screen.modes
    }
    /// Is the alternate screen shown?
    pub fn alt_screen(&self) -> bool {
        self.screen.alt_active
    }
    /// Row `y` of the shown screen.
    pub fn line(&self, y: usize) -> &Line {
        &self.screen.grid.lines[y]
    }
    pub fn cell(&self, x: usize, y: usize) -> Cell {
        self.screen.grid.lines[y].cells[x]
    }
    /// The style a cell's `style` index refers to.
    pub fn style(&self, idx: u16) -> Style {
        self.screen.styles.get(idx)
    }
    /// The text of one cell (empty for a spacer).
    pub fn cell_text(&self, cell: &Cell) -> String {
        let mut s = String::new();
        if !cell.is_spacer() {
            push_cell_text(&mut s, cell, &self.screen.clusters);
        }
        s
    }
    /// Row `y` as plain text, trailing blanks trimmed.
    pub fn row_text(&self, y: usize) -> String {
        let mut s = String::new();
        for c in &self.screen.grid.lines[y].cells {
            if !c.is_spacer() {
                push_cell_text(&mut s, c, &self.screen.clusters);
            }
        }
        s.truncate(s.trim_end_matches(' ').len());
        s
    }
    /// The whole screen as text, one line per row.
    pub fn screen_text(&self) -> String {
        let mut out = String::new();
        for y in 0..self.rows() {
            out.push_str(&self.row_text(y));
            out.push('\n');
        }
        out
    }
    /// The rows above the screen that have not gone to history yet, because their logical
    /// line goes on at the top of the screen (see `edge.rs`), oldest first. To readers they
    /// are the newest history rows: they will be pushed in this order.
    pub fn edge_rows(&self) -> Vec<Row> {
        let s = &self.screen;
        let (mut buf, mut runs) = (Vec::new(), Vec::new());
        s.edge
            .iter()
            .map(|line| {
                let (text, flags) = encode_line(line, &s.styles, &s.clusters, &mut buf, &mut runs);
                Row {
                    text: text.to_owned(),
                    runs: runs.clone(),
                    flags,
                }
            })
            .collect()
    }

    /// Bytes that make a fresh emulator of the same size show what this one shows (screens,
    /// cursor, modes, title; see `dump.rs`). The edge is not included: flush it first.
    pub fn dump(&self) -> Vec<u8> {
        self.screen.dump()
    }

    /// How many rows are at the edge (see [`Terminal::edge_rows`]).
    pub fn edge_len(&self) -> usize {
        self.screen.edge.len()
    }

    /// Forget the history (tmux's `clear-history`): the edge rows and the sink's rows, as
    /// ED 3 does on the primary screen.
    pub fn clear_history(&mut self) {
        self.screen.clear_history();
    }

    /// Send the edge's rows to history now (the pane is closing: they are history).
    pub fn flush_edge(&mut self) {
        self.screen.flush_edge();
    }

    /// Row `y` as a store row (text, style runs, flags).
    pub fn row(&self, y: usize) -> Row {
        let (mut buf, mut runs) = (Vec::new(), Vec::new());
        let s = &self.screen;
        let (text, flags) = encode_line(
            &s.grid.lines[y],
            &s.styles,
            &s.clusters,
            &mut buf,
            &mut runs,
        );
        Row {
            text: text.to_owned(),
            runs,
            flags,
        }
    }
    pub fn title(&self) -> &str {
        &self.screen.title
    }
    pub fn icon_title(&self) -> &str {
        &self.screen.icon_title
    }
    /// OSC 7 working directory as the program sent it.
    pub fn cwd(&self) -> &str {
        &self.screen.cwd
    }
    /// The URI of hyperlink `id` (`Style::link`).
    pub fn link_uri(&self, id: u32) -> Option<&str> {
        self.screen.links.uri(id)
    }
    /// The default colors of the terminal the user sees (foreground, background, cursor),
    /// reported to programs that ask with OSC 10/11/12 and set none themselves.
    pub fn set_outer_colors(&mut self, colors: [crate::palette::Rgb; 3]) {
        self.screen.outer_colors = colors;
    }

    pub fn palette(&self) -> &Palette {
        &self.screen.palette
    }
    /// BEL count since creation.
    pub fn bells(&self) -> u64 {
        self.screen.bells
    }
    /// Replies waiting to be written to the program.
    pub fn pending_replies(&self) -> &[u8] {
        self.screen.replies.pending()
    }
    /// Images completed since the last call: bytes to keep and placements (see
    /// [`crate::image`]). The server takes them after every feed; until it does they are
    /// bounded by [`crate::EVENTS_MAX_BYTES`].
    pub fn take_images(&mut self) -> Vec<crate::ImageEvent> {
        self.screen.images.take_events()
    }

    /// What happened to the images this terminal was sent.
    pub fn image_counters(&self) -> crate::ImageCounts {
        self.screen.images.counters()
    }

    /// Bytes held for images: one being received or drawn, and those not taken yet.
    pub fn image_memory_bytes(&self) -> usize {
        self.screen.image_memory_bytes()
    }

    /// The caps on image sequences and sizes.
    pub fn set_image_config(&mut self, config: crate::ImageConfig) {
        self.screen.images.config = config;
    }

    /// The size of a cell in pixels, as the outer terminal has it: images take cells by it,
    /// and `CSI 14 t` / `CSI 16 t` report it.
    pub fn set_cell_pixels(&mut self, width: u16, height: u16) {
        self.screen.images.cell_px = (width.max(1), height.max(1));
    }

    pub fn cell_pixels(&self) -> (u16, u16) {
        self.screen.images.cell_px
    }

    /// The smallest image id a cell of either screen may show (`None`: no cell shows one).
    pub fn image_floor(&self) -> Option<u32> {
        self.screen.image_floor()
    }

    /// The images a program may still place without sending them again (kitty `a=p` by
    /// id): their files must be kept while this terminal remembers them.
    pub fn images_remembered(&self) -> Vec<crate::ImageInfo> {
        self.screen.images.kitty.known_images().copied().collect()
    }

    /// The next image id (see [`crate::image::Images::next_id`]).
    pub fn image_next_id(&self) -> u32 {
        self.screen.images.next_id()
    }

    pub fn set_image_next_id(&mut self, id: u32) {
        self.screen.images.set_next_id(id);
    }

    pub fn take_replies(&mut self) -> Vec<u8> {
        self.screen.replies.take()
    }
    /// Shell integration marks (OSC 133/633) since the last call, oldest first.
    pub fn take_marks(&mut self) -> Vec<crate::marks::ShellMark> {
        self.screen.marks.drain(..).collect()
    }
    /// OSC 52 clipboard writes since the last call, oldest first.
    pub fn take_clipboard(&mut self) -> Vec<ClipboardSet> {
        self.screen.clipboard.drain(..).collect()
    }
    /// Is a synchronized update (DEC 2026) in progress?
    pub fn sync_active(&self) -> bool {
        self.screen.sync.active()
    }
    /// When a held update will be published regardless, if one is held.
    pub fn sync_deadline(&self) -> Option<Instant> {
        self.screen.sync.deadline()
    }
    /// A synchronized update that has held for `SYNC_TIMEOUT` ends (the program is taken to
    /// have forgotten it).
    fn end_timed_out_hold(&mut self, now: Instant) {
        if self.screen.sync.active() && !self.screen.sync.holds(now) {
            tracing::debug!("synchronized update timed out");
            self.screen.sync.end();
        }
    }

    /// What a consumer of frames that last published generation `seen` may publish at `now`:
    /// the one home of the DEC 2026 rule. The model has applied every byte; only publication
    /// waits, while a synchronized update holds (until the program ends it or it times out,
    /// which ends it here). Otherwise a change since the last call (cells, cursor, modes)
    /// makes a new generation, and a consumer that has not seen it publishes.
    pub fn publication(&mut self, now: Instant, seen: Option<u64>) -> Publication {
        self.end_timed_out_hold(now);
        if self.screen.sync.active() {
            let until = self.screen.sync.deadline().unwrap_or(now);
            return Publication::Held { until };
        }
        if self.screen.cursor != self.published_cursor {
            self.screen.damage.other = true;
            self.published_cursor = self.screen.cursor;
        }
        if self.screen.damage.take() {
            self.generation += 1;
        }
        if seen == Some(self.generation) {
            Publication::Unchanged
        } else {
            Publication::Changed {
                generation: self.generation,
            }
        }
    }
    pub fn sink(&self) -> &S {
        &self.screen.sink
    }
    pub fn sink_mut(&mut self) -> &mut S {
        &mut self.screen.sink
    }
    pub fn into_sink(self) -> S {
        self.screen.sink
    }

    /// The pane went quiet: give back what is kept only to make flowing output cheap (see
    /// `Screen::trim`). Costs one scan of the screens' cells when the style table is larger
    /// than its smallest size.
    pub fn trim(&mut self) {
        self.screen.trim();
    }

    /// Bytes this emulator holds (grids, tables, parser, queues), excluding the sink.
    ///
    /// The parser's OSC buffer (`OSC_MAX`, inside the parser) is never initialized by vte;
    /// its pages become resident only as far as an OSC has been written into them, so it
    /// counts up to the longest OSC seen, in whole pages. [`memory_bound`] counts all of it.
    pub fn memory_bytes(&self) -> usize {
        const PAGE: usize = 4096;
        let s = &self.screen;
        let osc_touched = s.osc_high_water.div_ceil(PAGE) * PAGE;
        std::mem::size_of::<vte::Parser<OSC_MAX>>() - OSC_MAX
            + osc_touched.min(OSC_MAX)
            + std::mem::size_of::<Self>()
            + s.grid.memory_bytes()
            + s.other.as_ref().map_or(0, |g| g.memory_bytes())
            + s.styles.memory_bytes()
            + s.clusters.memory_bytes()
            + s.links.memory_bytes()
            + s.replies.memory_bytes()
            + s.clipboard
                .iter()
                .map(|c| c.base64.capacity() + 32)
                .sum::<usize>()
            + s.dcs.memory_bytes()
            + s.tabs.capacity()
            + std::mem::size_of::<Palette>()
            + s.row_text.capacity()
            + s.row_runs.capacity() * std::mem::size_of::<spool_cells::Run>()
            + s.title.capacity()
            + s.icon_title.capacity()
            + s.cwd.capacity()
            + s.edge_bytes()
            + s.image_memory_bytes()
    }

    /// Cells scanned by garbage collections of the style, cluster and link tables so far
    /// (at most `GC_WORK_RATIO` per entry added or refused, plus one screen).
    pub fn gc_cells_scanned(&self) -> u64 {
        self.screen.gc.cells_scanned
    }

    /// Bytes of the shown grid alone (rows × (cols × 8 + row header)).
    pub fn screen_bytes(&self) -> usize {
        self.screen.grid.memory_bytes()
    }
}

/// The most bytes a `cols` × `rows` terminal can account in [`Terminal::memory_bytes`], whatever
/// it is fed: two grids (primary and alternate) plus every bounded table and queue at its cap.
/// The server can size its per-pane gauges from this.
pub fn memory_bound(cols: usize, rows: usize) -> usize {
    use crate::*;
    use std::mem::size_of;
    let cols = cols.clamp(1, MAX_COLS);
    let rows = rows.clamp(1, MAX_ROWS);
    let grid = rows * (size_of::<Line>() + cols * size_of::<Cell>());
    // Hash tables may hold up to twice their live entries in buckets.
    let styles = 2 * STYLE_MAX * (size_of::<Style>() + 40);
    let clusters = 2 * CLUSTER_MAX * (2 * CLUSTER_MAX_BYTES + 48);
    let links = LINK_MAX * (4 * LINK_URI_MAX + 80);
    let clipboard = CLIPBOARD_MAX * (OSC_MAX + 32);
    let strings = 2 * (2 * TITLE_MAX + CWD_MAX);
    let row_buffers = cols * (CLUSTER_MAX_BYTES + 2 * size_of::<spool_cells::Run>());
    // The edge and its spare rows, each at most EDGE_MAX_ROWS rows.
    let edge = 2 * EDGE_MAX_ROWS * (size_of::<Line>() + cols * size_of::<Cell>());
    2 * grid
        + edge
        + styles
        + clusters
        + links
        + clipboard
        + strings
        + row_buffers
        + 2 * REPLY_MAX
        + 2 * DCS_MAX
        + size_of::<vte::Parser<OSC_MAX>>()
        + size_of::<Terminal<NoHistory>>()
        + size_of::<Palette>()
        + rows.div_ceil(64) * 8
        + cols
        + crate::image::memory_bound(&crate::ImageConfig::default())
}
