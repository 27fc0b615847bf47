//! `spool search`: a regex over the whole history and the screen, streamed as it runs.
//!
//! The store search runs on a blocking thread and hands hits to this connection through a
//! small bounded channel, so a slow client slows the search instead of queueing its results.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spool_proto::{Response, SearchHit};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Hits and progress reports in flight between the search thread and the socket.
const CHANNEL_DEPTH: usize = 64;
/// Progress is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    pattern: String,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref())?;
    let re = spool_store::compile(&pattern).map_err(|e| e.to_string())?;
    let (screen, hist_end) = {
        let t = pane.term();
        let next = pane.store.next_row();
        ((0..t.rows()).map(|y| t.row(y)).collect::<Vec<_>>(), next)
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Response>(CHANNEL_DEPTH);
    let store = pane.store.clone();
    let re2 = re.clone();
    let worker = tokio::task::spawn_blocking(move || {
        let mut last = Instant::now();
        let res = store.search(
            &re2,
            0..hist_end,
            |m| {
                let text = store
                    .get(m.row)
                    .ok()
                    .flatten()
                    .map(|r| r.text)
                    .unwrap_or_default();
                let hit = SearchHit {
                    line: m.row as i64 - hist_end as i64,
                    row: Some(m.row),
                    col: m.col,
                    text,
                };
                match tx.blocking_send(Response::SearchMatch(hit)) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                }
            },
            |p| {
                if last.elapsed() < PROGRESS_EVERY {
                    return ControlFlow::Continue(());
                }
                last = Instant::now();
                let msg = Response::SearchProgress {
                    rows_done: p.rows_done,
                    rows_total: p.rows_total,
                };
                match tx.blocking_send(msg) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                }
            },
        );
        res.map(|_| ()).map_err(|e| e.to_string())
    });
    while let Some(msg) = rx.recv().await {
        conn.send(&msg).await.map_err(io)?;
    }
    worker.await.map_err(|e| format!("search failed: {e}"))??;
    // The screen: logical lines joined across soft wraps, like history.
    let mut y = 0;
    while y < screen.len() {
        let start = y;
        let mut joined = String::new();
        let mut starts = Vec::new();
        loop {
            starts.push((joined.len(), y));
            joined.push_str(&screen[y].text);
            y += 1;
            if !screen[y - 1].wrapped() || y == screen.len() {
                break;
            }
        }
        for m in re.find_iter(joined.as_bytes()) {
            let i = starts.partition_point(|s| s.0 <= m.start()) - 1;
            let (off, row_y) = starts[i];
            let prefix = &joined[off..m.start()];
            let hit = SearchHit {
                line: row_y as i64,
                row: None,
                col: spool_store::width::str_width(prefix) as u32,
                text: screen[row_y].text.clone(),
            };
            conn.send(&Response::SearchMatch(hit)).await.map_err(io)?;
        }
        debug_assert!(y > start);
    }
    conn.send(&Response::End).await.map_err(io)
}
