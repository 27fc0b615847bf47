//! OSC dispatch: titles (0/1/2), working directory (7), hyperlinks (8), clipboard (52),
//! palette and dynamic colors set/query (4/10/11/12, reset 104/110/111/112), prompt marks
//! (133), and iTerm2 inline images (1337 `File=`, consumed and ignored for now).
//!
//! Bound: the parser keeps at most [`OSC_MAX`] bytes of one OSC (vte's fixed-size buffer, no
//! heap). A longer OSC — an oversized clipboard or inline image — is recognised by filling
//! the buffer and dropped whole, never applied truncated.

use spool_cells::RowFlags;

use crate::history::HistorySink;
use crate::links::LINK_URI_MAX;
use crate::marks::{MarkKind, ShellMark};
use crate::palette::{format_spec, parse_spec, Rgb};
use crate::screen::{ClipboardSet, Screen, CLIPBOARD_MAX, CWD_MAX, TITLE_MAX};

/// Largest OSC kept, in bytes. 64 KiB holds a 48 KiB OSC 52 clipboard copy and any title,
/// link or color query; it is a fixed array inside the parser, so it is the per-pane cost of
/// OSC support. tmux drops sequences over 1 MiB; we choose the smaller per-pane cost.
pub const OSC_MAX: usize = 64 * 1024;

fn truncated(s: &[u8], max: usize) -> String {
    let s = String::from_utf8_lossy(s);
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].chars().filter(|c| !c.is_control()).collect()
}

impl<S: HistorySink> Screen<S> {
    pub(crate) fn osc(&mut self, params: &[&[u8]], bell: bool) {
        let total: usize = params.iter().map(|p| p.len()).sum::<usize>() + params.len();
        self.osc_high_water = self.osc_high_water.max(total.min(OSC_MAX));
        if total >= OSC_MAX {
            tracing::debug!(total, "OSC over the size cap dropped");
            return;
        }
        let Some(&cmd) = params.first() else {
            return;
        };
        let term: &str = if bell { "\x07" } else { "\x1b\\" };
        match cmd {
            b"0" | b"1" | b"2" => {
                let text = truncated(&params[1..].join(&b';'), TITLE_MAX);
                if cmd != b"2" {
                    self.icon_title = text.clone();
                }
                if cmd != b"1" {
                    self.title = text;
                }
                self.damage.other = true;
            }
            b"7" => {
                self.cwd = truncated(&params[1..].join(&b';'), CWD_MAX);
                self.damage.other = true;
            }
            b"8" => {
                let opts = params.get(1).copied().unwrap_or(b"");
                let uri = params[2.min(params.len())..].join(&b';');
                self.set_link(opts, &uri);
            }
            b"52" => {
                let sel = params.get(1).copied().unwrap_or(b"");
                let data = params.get(2).copied().unwrap_or(b"");
                if data == b"?" {
                    // Reading the user's clipboard is not offered to programs.
                    return;
                }
                if self.clipboard.len() == CLIPBOARD_MAX {
                    self.clipboard.pop_front();
                }
                let mut selection = truncated(sel, 8);
                if selection.is_empty() {
                    selection.push_str("s0");
                }
                self.clipboard.push_back(ClipboardSet {
                    selection,
                    base64: data.to_vec(),
                });
                self.damage.other = true;
            }
            b"4" => {
                let mut i = 1;
                while i + 1 < params.len() {
                    let idx = num(params[i]);
                    let spec = params[i + 1];
                    if let Some(idx) = idx.filter(|&n| n < 256) {
                        if spec == b"?" {
                            let c = self.palette.color(idx as u8);
                            self.replies
                                .push_str(&format!("\x1b]4;{idx};{}{term}", format_spec(c)));
                        } else if let Some(c) = parse_spec(spec) {
                            self.palette.indexed[idx as usize] = Some(c);
                            self.damage.mark_all();
                        }
                    }
                    i += 2;
                }
            }
            b"10" | b"11" | b"12" => {
                let first = num(cmd).unwrap_or(10);
                for (k, spec) in params[1..].iter().enumerate() {
                    let which = first + k as u32;
                    if which > 12 {
                        break;
                    }
                    if *spec == b"?" {
                        let c = self.dynamic_color(which);
                        self.replies
                            .push_str(&format!("\x1b]{which};{}{term}", format_spec(c)));
                    } else if let Some(c) = parse_spec(spec) {
                        *self.dynamic_slot(which) = Some(c);
                        self.damage.mark_all();
                    }
                }
            }
            b"104" => {
                if params.len() == 1 || params[1].is_empty() {
                    self.palette.indexed = [None; 256];
                } else {
                    for p in &params[1..] {
                        if let Some(i) = num(p).filter(|&n| n < 256) {
                            self.palette.indexed[i as usize] = None;
                        }
                    }
                }
                self.damage.mark_all();
            }
            b"110" | b"111" | b"112" => {
                let which = num(cmd).unwrap_or(110) - 100;
                *self.dynamic_slot(which) = None;
                self.damage.mark_all();
            }
            b"133" | b"633" => {
                let Some(kind) = crate::marks::parse(cmd, &params[1..]) else {
                    return;
                };
                let y = self.cursor.y;
                let flag = match kind {
                    MarkKind::Prompt => Some(RowFlags::PROMPT),
                    MarkKind::Input => Some(RowFlags::COMMAND),
                    MarkKind::Output => Some(RowFlags::OUTPUT),
                    MarkKind::End(_) => Some(RowFlags::COMMAND_END),
                    MarkKind::CommandLine(_) => None,
                };
                if let Some(flag) = flag {
                    self.grid.lines[y].flags.set(flag, true);
                    self.damage.mark(y);
                }
                // The number this row has in history: the store's next, after the edge.
                let row = (!self.alt_active)
                    .then(|| self.sink.next_row() + self.edge.len() as u64 + y as u64);
                if self.marks.len() == crate::marks::MARKS_MAX {
                    self.marks.pop_front();
                }
                self.marks.push_back(ShellMark {
                    kind,
                    row,
                    col: self.cursor.x.min(u16::MAX as usize) as u16,
                });
            }
            b"1337" => {
                // iTerm2 inline images (`File=`) and other iTerm2 extensions: consumed.
                tracing::trace!("OSC 1337 ignored");
            }
            _ => tracing::trace!("unhandled OSC"),
        }
    }

    fn dynamic_color(&self, which: u32) -> Rgb {
        match which {
            10 => self.palette.fg.unwrap_or(self.outer_colors[0]),
            11 => self.palette.bg.unwrap_or(self.outer_colors[1]),
            _ => self.palette.cursor.unwrap_or(self.outer_colors[2]),
        }
    }

    fn dynamic_slot(&mut self, which: u32) -> &mut Option<Rgb> {
        match which {
            10 => &mut self.palette.fg,
            11 => &mut self.palette.bg,
            _ => &mut self.palette.cursor,
        }
    }

    /// OSC 8: start (non-empty URI) or end (empty URI) a hyperlink.
    fn set_link(&mut self, opts: &[u8], uri: &[u8]) {
        let old = self.pen.link;
        if uri.is_empty() || uri.len() > LINK_URI_MAX {
            self.pen.link = 0;
        } else {
            let uri = String::from_utf8_lossy(uri);
            let key = std::str::from_utf8(opts)
                .unwrap_or("")
                .split(':')
                .find_map(|kv| kv.strip_prefix("id="))
                .unwrap_or("");
            let id = match self.links.intern(key, &uri) {
                Some(id) => Some(id),
                None => {
                    if self.try_collect() {
                        self.links.intern(key, &uri)
                    } else {
                        None
                    }
                }
            };
            self.pen.link = id.unwrap_or(0);
        }
        if self.pen.link != old {
            self.pen_dirty = true;
        }
    }
}

fn num(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}
