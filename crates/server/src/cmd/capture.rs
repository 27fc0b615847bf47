//! `spool capture`: screen and history rows as text, streamed in chunks.
//!
//! Line numbers are tmux's: 0 is the top screen row, -1 the newest history row, `-S -` the
//! oldest kept row. History comes from the store (read from disk transparently). Memory is
//! bounded in bytes whatever the range or the rows: the screen's rows, one batch of history
//! rows (at most [`BATCH_ROWS`] and [`BATCH_BYTES`]), and one chunk of text (about
//! [`CHUNK_BYTES`]). At most `CONCURRENT_READS_MAX` captures and searches run at once.

use std::sync::Arc;

use spool_cells::Row;
use spool_proto::{Capture, Line, Response};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Text sent per response frame.
const CHUNK_BYTES: usize = 64 * 1024;
/// History rows read per batch, at most.
const BATCH_ROWS: u64 = 2048;
/// Bytes of rows (text and style runs) read per batch, at most (past one row): a row of a
/// 2000-column pane with a style per cell holds about 60 KiB, so such a batch is short.
const BATCH_BYTES: usize = 1024 * 1024;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, c: Capture) -> CmdResult {
    let pane = {
        let (t, h) = (c.target.as_deref(), c.history.as_deref());
        tokio::task::block_in_place(|| server.source(t, conn.here, h))?
    };
    let _turn = server.heavy_read().await;
    // Screen and history end in one snapshot, so rows scrolling meanwhile are not doubled.
    // History is the store's rows, then the edge's.
    let crate::pane::Snapshot {
        hist_end,
        edge,
        screen,
    } = pane.snapshot(true);
    let hist_first = pane.store().first_row().min(hist_end);
    let stored = (hist_end - hist_first) as i64;
    let hist_len = stored + edge.len() as i64;
    let last = screen.len() as i64 - 1;
    let clamp = |l: i64| l.clamp(-hist_len, last);
    let closed = matches!(pane, crate::histories::Source::Closed { .. });
    let start = match c.start {
        // A history on disk has no screen: by default all of it.
        None if closed => -hist_len,
        None => 0,
        Some(Line::Edge) => -hist_len,
        Some(Line::At(n)) => clamp(n),
    };
    let end = match c.end {
        None | Some(Line::Edge) => last,
        Some(Line::At(n)) => clamp(n),
    };
    // One command's output instead: its rows exactly, as lines from the screen's top (row
    // numbers go on through the store, the edge and the screen), soft wraps joined.
    let base = (hist_end + edge.len() as u64) as i64;
    let (start, end, join) = match (c.command, &pane) {
        (None, _) => (start, end, c.join),
        (Some(which), crate::histories::Source::Pane(p)) => {
            let cmd = command_of(p, which)?;
            // A running command: its output so far (the cursor's row if it has printed on it).
            let to = match cmd.end_row {
                Some(r) => r as i64,
                None => {
                    let at = p.term().cursor();
                    base + at.y as i64 + i64::from(at.x > 0)
                }
            };
            // Rows erased from history (ED 3, `clear`; or pruned) are left out.
            let from = (cmd.output_row as i64 - base).max(-hist_len);
            if to - base <= -hist_len && to > cmd.output_row as i64 {
                return Err(format!(
                    "command {}'s output is older than the history kept",
                    cmd.n
                ));
            }
            if to - base - 1 < from {
                // It printed nothing.
                return conn.send(&Response::End).await.map_err(io);
            }
            (from, (to - base - 1).min(last), true)
        }
        (Some(_), _) => return Err("a closed history's commands cannot be read yet".into()),
    };
    let mut out = String::with_capacity(CHUNK_BYTES + 4096);
    let emit = |out: &mut String, row: &Row, last_line: bool| {
        if c.escapes {
            spool_proto::ansi::push_row(out, row, true);
        } else {
            out.push_str(&row.text);
        }
        if !(join && row.wrapped() && !last_line) {
            out.push('\n');
        }
    };
    // `--images`: the images the rows show, each once (by content).
    let closed_placements;
    let placements = match (&pane, c.images) {
        (_, false) => None,
        (crate::histories::Source::Pane(p), true) => Some(&p.placements),
        (crate::histories::Source::Closed { store, .. }, true) => {
            closed_placements = crate::images::Placements::open_existing(store.dir());
            Some(&closed_placements)
        }
    };
    let mut shown: Vec<spool_term::ImageInfo> = Vec::new();
    let mut last_id = 0u32;
    let mut note = |row: &Row| {
        let Some(pl) = placements else { return };
        for run in &row.runs {
            let id = run.style.image;
            if id == 0 || id == last_id || shown.len() >= spool_proto::CAPTURE_IMAGES_MAX {
                continue;
            }
            last_id = id;
            if let Some(r) = pl.read(id) {
                if !shown.iter().any(|i| i.hash == r.info.hash) {
                    shown.push(r.info);
                }
            }
        }
    };
    let cut_short = || {
        format!(
            "pane {} was closed during the capture: output cut short",
            pane.name()
        )
    };
    if start < 0 {
        // Virtual history index v: the store's row hist_first + v, or edge[v - stored].
        let (v0, v1) = (hist_len + start, hist_len + end.min(-1) + 1);
        let mut from = hist_first + v0.min(stored) as u64;
        let to = hist_first + v1.min(stored) as u64;
        while from < to {
            let store = pane.store().clone();
            let (rows, next) = tokio::task::block_in_place(|| batch(&store, from, to))
                .map_err(|e| format!("history: {e}"))?;
            if pane.is_closed() {
                return Err(cut_short());
            }
            for row in &rows {
                emit(&mut out, row, false);
                note(row);
                if out.len() >= CHUNK_BYTES {
                    let chunk = std::mem::take(&mut out).into_bytes();
                    conn.send(&Response::Text(chunk)).await.map_err(io)?;
                }
            }
            from = next;
        }
        for v in v0.max(stored)..v1 {
            emit(&mut out, &edge[(v - stored) as usize], false);
            note(&edge[(v - stored) as usize]);
        }
    }
    for y in start.max(0)..=end {
        emit(&mut out, &screen[y as usize], y == end);
        note(&screen[y as usize]);
        if out.len() >= CHUNK_BYTES {
            let chunk = std::mem::take(&mut out).into_bytes();
            conn.send(&Response::Text(chunk)).await.map_err(io)?;
        }
    }
    if pane.is_closed() {
        return Err(cut_short());
    }
    if !out.is_empty() {
        conn.send(&Response::Text(out.into_bytes()))
            .await
            .map_err(io)?;
    }
    for info in shown {
        let name = crate::images::file_name(&info);
        let bytes = match tokio::task::block_in_place(|| server.images.get(&info)) {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(image = %name, error = %e, "image file missing");
                continue;
            }
        };
        let mut chunks = bytes.chunks(spool_proto::IMAGE_CHUNK_BYTES).peekable();
        while let Some(data) = chunks.next() {
            let last = chunks.peek().is_none();
            let r = Response::ImageFile {
                name: name.clone(),
                data: data.to_vec(),
                last,
            };
            conn.send(&r).await.map_err(io)?;
        }
    }
    conn.send(&Response::End).await.map_err(io)
}

/// Command `which` of the pane's log: `N` > 0 by number, `-1` the newest, `-2` the one before…
fn command_of(p: &crate::pane::Pane, which: i64) -> Result<spool_proto::CommandInfo, String> {
    let log = p.commands.lock().unwrap_or_else(|p| p.into_inner());
    if !log.integrated && log.entries().len() == 0 {
        return Err(format!(
            "pane {} has no command log (it needs shell integration: see spool shell-init --help)",
            p.name()
        ));
    }
    let found = if which > 0 {
        log.entries().find(|c| c.n == which as u64)
    } else if which < 0 {
        log.entries()
            .rev()
            .nth(which.unsigned_abs().saturating_sub(1) as usize)
    } else {
        None
    };
    found
        .cloned()
        .ok_or_else(|| format!("pane {} has no command {which}", p.name()))
}

/// History rows from `from` (before `to`): at most [`BATCH_ROWS`], stopping once they hold
/// [`BATCH_BYTES`]. Returns them and the row to continue from.
fn batch(
    store: &spool_store::Store,
    from: u64,
    to: u64,
) -> Result<(Vec<Row>, u64), spool_store::StoreError> {
    let upto = (from + BATCH_ROWS).min(to);
    let mut rows = Vec::new();
    let mut bytes = 0;
    let mut next = upto;
    for r in store.range(from..upto) {
        let (n, row) = r?;
        bytes += row.heap_bytes();
        rows.push(row);
        if bytes >= BATCH_BYTES {
            next = n + 1;
            break;
        }
    }
    Ok((rows, next))
}
