//! The status line: `left`, the tabs, `right`, from the server's config ([`Status`]), drawn in
//! the last row of the client's terminal.

use spool_cells::Style;
use spool_proto::ui::{expand, expand_with, Status, STATUS_FIELDS, TAB_FIELDS};
use spool_proto::Update;

use super::render::{Cell, Grid, Pen};

/// The longest tab name shown; longer names are cut.
const TAB_NAME_MAX: usize = 20;

/// The status line's pen.
pub fn pen(st: &Status) -> Pen {
    Pen {
        style: Style {
            fg: st.fg,
            bg: st.bg,
            ..Default::default()
        },
        link: 0,
        image_pane: 0,
    }
}

/// Fill row `y` with the status line's background.
pub fn clear(g: &mut Grid, y: u16, cols: u16, st: &Status) {
    let pen = pen(st);
    for x in 0..cols {
        g.set(
            x,
            y,
            Cell {
                text: " ".into(),
                width: 1,
                pen,
            },
        );
    }
}

/// Draw the status line for update `u`; `title` is the focused pane's.
pub fn draw(g: &mut Grid, y: u16, cols: u16, st: &Status, u: &Update, title: &str) {
    let pen = pen(st);
    let value = |k: &str| match k {
        "session" => u.session.clone(),
        "title" => title.to_string(),
        "host" => host(),
        "time" => now("%H:%M"),
        "date" => now("%Y-%m-%d"),
        _ => String::new(),
    };
    // Formats were checked by the server; an error here can only mean an older server.
    // tmux `#{…}` parts come expanded by the server.
    let (left_fmt, right_fmt, tmux) = match &u.status {
        Some(v) if v.len() == 2 => (v[0].as_str(), v[1].as_str(), false),
        _ => (st.left.as_str(), st.right.as_str(), true),
    };
    let left = expand_with(left_fmt, STATUS_FIELDS, value, tmux).unwrap_or_default();
    let mut x = g.put_str(0, y, &left, pen);
    let mut tabs = Vec::with_capacity(u.tabs.len());
    for (i, t) in u.tabs.iter().enumerate() {
        let mut flags = String::new();
        // tmux's window flags: * current, ! bell, # activity, ~ silence, Z zoomed; and spool's
        // E: a command failed there (shell integration), which tmux cannot know.
        if t.active {
            flags.push('*');
        } else if t.failed {
            flags.push('E');
        } else if t.bell {
            flags.push('!');
        } else if t.activity {
            flags.push('#');
        } else if t.silent {
            flags.push('~');
        }
        if t.active && u.zoomed {
            flags.push('Z');
        }
        let tab = expand(&st.tab, TAB_FIELDS, |k| match k {
            "index" => i.to_string(),
            "name" => t.name.chars().take(TAB_NAME_MAX).collect(),
            "flags" => flags.clone(),
            _ => String::new(),
        })
        .unwrap_or_default();
        tabs.push(tab);
    }
    let right = expand_with(right_fmt, STATUS_FIELDS, value, tmux).unwrap_or_default();
    let rw = spool_cells::width::str_width(&right) as u16;
    let width = |t: &String| spool_cells::width::str_width(t) as u16;
    let total: u16 = tabs.iter().map(width).sum();
    let room = cols.saturating_sub(x);
    // On a line too narrow for every tab, show a window of them that holds the current one
    // (marked with < and > where tabs are left out).
    let (from, to) = if total <= room.saturating_sub(rw + 1) || total <= room {
        (0, tabs.len())
    } else {
        let cur = u.tabs.iter().position(|t| t.active).unwrap_or(0);
        let room = room.saturating_sub(2);
        let (mut from, mut to, mut used) = (cur, cur + 1, tabs.get(cur).map_or(0, width));
        loop {
            let grow_right = to < tabs.len() && used + width(&tabs[to]) <= room;
            if grow_right {
                used += width(&tabs[to]);
                to += 1;
            }
            let grow_left = from > 0 && used + width(&tabs[from - 1]) <= room;
            if grow_left {
                from -= 1;
                used += width(&tabs[from]);
            }
            if !grow_right && !grow_left {
                break;
            }
        }
        (from, to)
    };
    if from > 0 {
        x = g.put_str(x, y, "<", pen);
    }
    for tab in &tabs[from..to] {
        x = g.put_str(x, y, tab, pen);
    }
    if to < tabs.len() {
        x = g.put_str(x, y, ">", pen);
    }
    let rx = cols.saturating_sub(rw + 1);
    if rx > x {
        g.put_str(rx, y, &right, pen);
    }
}

/// Local time formatted by strftime.
fn now(fmt: &str) -> String {
    let Ok(cfmt) = std::ffi::CString::new(fmt) else {
        return String::new();
    };
    let mut buf = [0u8; 64];
    // SAFETY: time/localtime_r fill a tm we own; strftime writes at most buf.len() bytes.
    let n = unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        libc::strftime(buf.as_mut_ptr().cast(), buf.len(), cfmt.as_ptr(), &tm)
    };
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// This machine's short host name.
fn host() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most buf.len() bytes into our buffer.
    if unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } != 0 {
        return String::new();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).into_owned();
    name.split('.').next().unwrap_or_default().to_string()
}
