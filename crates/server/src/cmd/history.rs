//! Scroll mode's reads: display rows of a pane's history, rewrapped to the client's width.
//!
//! History is stored as rows with soft-wrap flags; here logical lines are reflowed to `width`
//! on the way out (never on disk). A logical line longer than [`MAX_JOIN_ROWS`] stored rows
//! is shown as its stored rows rewrapped one by one, so no request holds more than that.

use std::sync::Arc;

use spool_proto::Response;
use spool_store::{reflow, Row, Store};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Most display rows one request returns (a few screens; clients page).
pub const MAX_ROWS_PER_REQUEST: u16 = 1024;

/// Longest logical line (in stored rows) rewrapped as a whole.
pub const MAX_JOIN_ROWS: usize = 4096;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    pane: u32,
    width: u16,
    from_bottom: u64,
    count: u16,
) -> CmdResult {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let count = count.min(MAX_ROWS_PER_REQUEST);
    let (total, rows) =
        tokio::task::block_in_place(|| read(&store, width.max(1), from_bottom, count))
            .map_err(|e| format!("history: {e}"))?;
    let rows = rows.iter().map(crate::wire::row).collect();
    conn.send(&Response::HistoryRows {
        pane,
        width,
        from_bottom,
        total,
        rows,
    })
    .await
    .map_err(io)
}

/// Display rows `[from_bottom, from_bottom + count)` counted from the newest, oldest first.
pub fn read(
    store: &Store,
    width: u16,
    from_bottom: u64,
    count: u16,
) -> Result<(u64, Vec<Row>), spool_store::StoreError> {
    let total = store.display_rows(width)?;
    if from_bottom >= total || count == 0 {
        return Ok((total, Vec::new()));
    }
    let top = (from_bottom + count as u64 - 1).min(total - 1);
    let want = (top - from_bottom + 1) as usize;
    let Some(pos) = store.display_row_from_bottom(top, width)? else {
        return Ok((total, Vec::new()));
    };
    let mut out: Vec<Row> = Vec::with_capacity(want);
    let mut skip = pos.line_offset as usize;
    let mut line: Vec<Row> = Vec::new();
    let end = store.next_row();
    let emit = |line: &mut Vec<Row>, out: &mut Vec<Row>, skip: &mut usize| {
        for r in reflow(line, width) {
            if *skip > 0 {
                *skip -= 1;
            } else if out.len() < want {
                out.push(r);
            }
        }
        line.clear();
    };
    for r in store.range(pos.line_start..end) {
        let (_, row) = r?;
        let wrapped = row.wrapped();
        line.push(row);
        if !wrapped || line.len() >= MAX_JOIN_ROWS {
            emit(&mut line, &mut out, &mut skip);
            if out.len() >= want {
                break;
            }
        }
    }
    if !line.is_empty() && out.len() < want {
        emit(&mut line, &mut out, &mut skip);
    }
    Ok((total, out))
}

/// Answer [`spool_proto::Request::Locate`].
pub async fn locate(
    server: &Arc<Server>,
    conn: &mut Conn,
    pane: u32,
    row: u64,
    width: u16,
) -> CmdResult {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let n = tokio::task::block_in_place(|| store.display_rows_from(row, width.max(1)))
        .map_err(|e| format!("history: {e}"))?;
    conn.send(&Response::Located {
        pane,
        width,
        row,
        from_bottom: n.saturating_sub(1),
    })
    .await
    .map_err(io)
}

/// Answer [`spool_proto::Request::JumpPrompt`]: scan stored rows (streaming) for the nearest
/// prompt mark before or after the line shown at `from_bottom`.
pub async fn jump_prompt(
    server: &Arc<Server>,
    conn: &mut Conn,
    pane: u32,
    width: u16,
    from_bottom: u64,
    older: bool,
) -> CmdResult {
    let p = server
        .pane(pane)
        .ok_or_else(|| format!("can't find pane: %{pane}"))?;
    let store = p.store.clone();
    let width = width.max(1);
    let found =
        tokio::task::block_in_place(|| -> Result<Option<(u64, u64)>, spool_store::StoreError> {
            let here = match store.display_row_from_bottom(from_bottom, width)? {
                Some(pos) => pos.line_start,
                None if older => store.first_row(),
                None => store.next_row(),
            };
            let is_prompt = |r: &spool_store::Row| r.flags.contains(spool_store::RowFlags::PROMPT);
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
                    store.display_rows_from(row, width)?.saturating_sub(1),
                ))),
                None => Ok(None),
            }
        })
        .map_err(|e| format!("history: {e}"))?;
    let (row, from_bottom) = found.ok_or(if older {
        "no earlier prompt"
    } else {
        "no later prompt"
    })?;
    conn.send(&Response::Located {
        pane,
        width,
        row,
        from_bottom,
    })
    .await
    .map_err(io)
}
