//! Scroll mode's reads: display rows of a pane's history, rewrapped to the client's width.
//!
//! History is stored as rows with soft-wrap flags; here logical lines are reflowed to `width`
//! on the way out (never on disk), building only the display rows asked for. A logical line
//! longer than [`MAX_JOIN_ROWS`] stored rows or [`MAX_JOIN_BYTES`] is shown as pieces of that
//! size rewrapped one by one, and one answer holds at most [`HISTORY_PAGE_BYTES`] of rows, so
//! no request holds more than that whatever the rows.

use spool_proto::{Request, Response};
use spool_store::{line_display_rows, reflow_window, Row, Store};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Most display rows one request returns (a few screens; clients page).
pub const MAX_ROWS_PER_REQUEST: u16 = 1024;

/// Most bytes of rows (text and style runs) one answer holds, past its first row: a
/// 2000-column row with a style per cell is ~60 KiB, so a page of those is short, and the
/// client asks again for the rest.
pub const HISTORY_PAGE_BYTES: usize = 1024 * 1024;

/// Longest logical line (in stored rows) rewrapped as a whole.
pub const MAX_JOIN_ROWS: usize = 4096;

/// Longest logical line (in bytes of its stored rows) rewrapped as a whole.
pub const MAX_JOIN_BYTES: usize = 1024 * 1024;

fn rows_answer(
    server: &Server,
    pane: u32,
    width: u16,
    from_bottom: u64,
    count: u16,
) -> Result<Response, String> {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let count = count.min(MAX_ROWS_PER_REQUEST);
    let width = width.max(1);
    // The newest history rows are the edge's (not stored yet); display rows count from them.
    let edge = edge_rows(&p, width);
    let e = edge.len() as u64;
    let mut rows: Vec<Row> = Vec::new();
    let (mut total, mut newest) = (e, from_bottom);
    let stored_count = (count as u64).saturating_sub(e.saturating_sub(from_bottom));
    let mut cut = false;
    if stored_count > 0 {
        let fb = from_bottom.saturating_sub(e);
        let (t, r, n) = read(&store, width, fb, stored_count.min(u16::MAX as u64) as u16)
            .map_err(|e| format!("history: {e}"))?;
        total += t;
        cut = n > fb && !r.is_empty();
        newest = n + e;
        rows = r;
    }
    if from_bottom < e && !cut {
        // Edge display rows [from_bottom, from_bottom + count), oldest first.
        let hi = (from_bottom + count as u64).min(e);
        rows.extend(
            edge[(e - hi) as usize..(e - from_bottom) as usize]
                .iter()
                .cloned(),
        );
        newest = from_bottom;
    }
    Ok(Response::HistoryRows {
        pane,
        width,
        from_bottom: newest,
        total,
        rows,
    })
}

/// Display rows `[from_bottom, from_bottom + count)` counted from the newest, oldest first,
/// as many as fit in [`HISTORY_PAGE_BYTES`] (always the oldest one asked for). Returns the
/// history's display rows at `width`, the rows, and the `from_bottom` of the newest row
/// returned (`from_bottom` itself unless the page was cut).
pub fn read(
    store: &Store,
    width: u16,
    from_bottom: u64,
    count: u16,
) -> Result<(u64, Vec<Row>, u64), spool_store::StoreError> {
    let total = store.display_rows(width)?;
    if from_bottom >= total || count == 0 {
        return Ok((total, Vec::new(), from_bottom));
    }
    let top = (from_bottom + count as u64 - 1).min(total - 1);
    let want = (top - from_bottom + 1) as usize;
    let Some(pos) = store.display_row_from_bottom(top, width)? else {
        return Ok((total, Vec::new(), from_bottom));
    };
    let mut out: Vec<Row> = Vec::with_capacity(want.min(64));
    let mut bytes = 0usize;
    let mut skip = pos.line_offset as usize;
    let mut line: Vec<Row> = Vec::new();
    let mut line_bytes = 0usize;
    let end = store.next_row();
    // Add the line's display rows past `skip` (within the page); false once the page is full.
    let mut emit = |line: &mut Vec<Row>, out: &mut Vec<Row>| -> bool {
        let n = line_display_rows(line.iter().map(|r| r.text.as_str()), width) as usize;
        if skip >= n {
            skip -= n;
        } else {
            for r in reflow_window(line, width, skip, want - out.len()) {
                bytes += r.heap_bytes();
                out.push(r);
                if bytes >= HISTORY_PAGE_BYTES {
                    break;
                }
            }
            skip = 0;
        }
        line.clear();
        out.len() < want && bytes < HISTORY_PAGE_BYTES
    };
    let mut more = true;
    for r in store.range(pos.line_start..end) {
        let (_, row) = r?;
        let wrapped = row.wrapped();
        line_bytes += row.heap_bytes();
        line.push(row);
        if !wrapped || line.len() >= MAX_JOIN_ROWS || line_bytes >= MAX_JOIN_BYTES {
            line_bytes = 0;
            more = emit(&mut line, &mut out);
            if !more {
                break;
            }
        }
    }
    if more && !line.is_empty() {
        emit(&mut line, &mut out);
    }
    let newest = top + 1 - out.len().max(1) as u64;
    Ok((total, out, newest))
}

/// Answer [`spool_proto::Request::Locate`].
fn locate_answer(server: &Server, pane: u32, row: u64, width: u16) -> Result<Response, String> {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let hist_end = store.next_row();
    let e = edge_rows(&p, width.max(1)).len() as u64;
    let from_bottom = if row >= hist_end {
        // An edge row (a search hit above the screen, not stored yet): one display row each
        // at the pane's width.
        e.saturating_sub(1 + (row - hist_end).min(e.saturating_sub(1)))
    } else {
        let n = store
            .display_rows_from(row, width.max(1))
            .map_err(|e| format!("history: {e}"))?;
        n.saturating_sub(1) + e
    };
    Ok(Response::Located {
        pane,
        width,
        row,
        from_bottom,
    })
}

/// Answer [`spool_proto::Request::JumpPrompt`]: scan stored rows (streaming) for the nearest
/// prompt mark before or after the line shown at `from_bottom`.
fn jump_prompt_answer(
    server: &Server,
    pane: u32,
    width: u16,
    from_bottom: u64,
    older: bool,
) -> Result<Response, String> {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let width = width.max(1);
    let e = edge_rows(&p, width).len() as u64;
    let found = (|| -> Result<Option<(u64, u64)>, spool_store::StoreError> {
        let at = match from_bottom.checked_sub(e) {
            Some(fb) => store.display_row_from_bottom(fb, width)?,
            None => None,
        };
        let here = match at {
            Some(pos) => pos.line_start,
            // In the edge: everything stored is older.
            None if from_bottom < e => store.next_row(),
            None if older => store.first_row(),
            None => store.next_row(),
        };
        let is_prompt = |r: &spool_cells::Row| r.flags.contains(spool_cells::RowFlags::PROMPT);
        let row = if older {
            let mut found = None;
            for r in store.range(store.first_row()..here).rev() {
                let (n, r) = r?;
                if is_prompt(&r) {
                    found = Some(n);
                    break;
                }
            }
            found
        } else {
            let mut found = None;
            for r in store.range(here + 1..store.next_row()) {
                let (n, r) = r?;
                if is_prompt(&r) {
                    found = Some(n);
                    break;
                }
            }
            found
        };
        match row {
            Some(row) => Ok(Some((
                row,
                store.display_rows_from(row, width)?.saturating_sub(1) + e,
            ))),
            None => Ok(None),
        }
    })()
    .map_err(|e| format!("history: {e}"))?;
    let (row, from_bottom) = found.ok_or(if older {
        "no earlier prompt"
    } else {
        "no later prompt"
    })?;
    Ok(Response::Located {
        pane,
        width,
        row,
        from_bottom,
    })
}

/// The edge's rows (the newest history, not stored yet) as display rows at `width`.
fn edge_rows(p: &crate::pane::Pane, width: u16) -> Vec<Row> {
    let edge = p.snapshot(false).edge;
    if edge.is_empty() {
        return edge;
    }
    let mut rows = spool_store::reflow(&edge, width);
    // The line goes on at the top of the screen: its last display row is soft-wrapped too.
    if let Some(last) = rows.last_mut() {
        last.flags.set(spool_cells::RowFlags::WRAPPED, true);
    }
    rows
}

/// Answer [`spool_proto::Request::CommandAt`]: the row at `at` as a history row number, then
/// the newest command of the log that starts at or before it.
fn command_at_answer(server: &Server, pane: u32, width: u16, at: i64) -> Result<Response, String> {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let width = width.max(1);
    let snap = p.snapshot(false);
    let row = if at < 0 {
        snap.hist_end + snap.edge.len() as u64 + at.unsigned_abs().saturating_sub(1)
    } else {
        let e = edge_rows(&p, width).len() as u64;
        match (at as u64).checked_sub(e) {
            Some(fb) => p
                .store
                .display_row_from_bottom(fb, width)
                .map_err(|e| format!("history: {e}"))?
                .map_or(p.store.first_row(), |pos| pos.line_start),
            // At the edge: its first row, near enough for a command's start.
            None => snap.hist_end,
        }
    };
    let log = p.commands.lock().unwrap_or_else(|p| p.into_inner());
    let found = log
        .entries()
        .rev()
        .find(|c| c.prompt_row.unwrap_or(c.output_row) <= row)
        .cloned();
    Ok(Response::Commands(found.into_iter().collect()))
}

/// Answer [`spool_proto::Request::Image`]: the record of `id`, and the image's bytes if they
/// fit in one frame.
fn image_answer(server: &Server, pane: u32, id: u32) -> Response {
    let record = server
        .pane(pane)
        .and_then(|p| p.placements.read(id))
        .map(|r| (r, server.images.get(&r.info)));
    let (record, bytes) = match record {
        None => (None, Vec::new()),
        Some((r, bytes)) => {
            let bytes = bytes
                .ok()
                .filter(|b| b.len() + 4096 < spool_proto::MAX_FRAME_BYTES)
                .map(|b| b.to_vec())
                .unwrap_or_default();
            let name = crate::images::file_name(&r.info);
            let record = spool_proto::ImageRecord {
                name: name.split('.').next().unwrap_or_default().to_string(),
                format: r.info.format.extension().to_string(),
                width: r.info.width,
                height: r.info.height,
                cols: r.cols,
                rows: r.rows,
                row: r.row,
            };
            (Some(record), bytes)
        }
    };
    Response::Image {
        pane,
        id,
        record,
        bytes,
    }
}

/// Answer a scroll-mode read (`History`, `Locate` or `JumpPrompt`). It reads history (from
/// disk, maybe a geometry scan at a new width), so callers run it off their async task: an
/// attached client's on a blocking thread beside its frames, `spool`'s CLI in place.
pub fn answer(server: &Server, req: Request) -> Result<Response, String> {
    match req {
        Request::Image { pane, id } => Ok(image_answer(server, pane, id)),
        Request::History {
            pane,
            width,
            from_bottom,
            count,
        } => rows_answer(server, pane, width, from_bottom, count),
        Request::Locate { pane, row, width } => locate_answer(server, pane, row, width),
        Request::CommandAt { pane, width, at } => command_at_answer(server, pane, width, at),
        Request::JumpPrompt {
            pane,
            width,
            from_bottom,
            older,
        } => jump_prompt_answer(server, pane, width, from_bottom, older),
        other => Err(format!("not a history request: {}", other.verb())),
    }
}

/// Answer a scroll-mode read for a plain connection.
pub async fn run(server: &Server, conn: &mut Conn, req: Request) -> CmdResult {
    let resp = tokio::task::block_in_place(|| answer(server, req))?;
    conn.send(&resp).await.map_err(io)
}
