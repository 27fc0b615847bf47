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
    newest_first: bool,
) -> CmdResult {
    let mut rx = spawn(server, target, pattern, newest_first, false)?;
    while let Some(msg) = rx.recv().await {
        conn.send(&msg).await.map_err(io)?;
    }
    Ok(())
}

/// Start a search on its own task: hits, progress, then `End` (or an `Error`) arrive on the
/// receiver. Dropping the receiver cancels the search. `rows_only`: history hits without their
/// text, no screen hits (what scroll mode needs). (An attached client's scroll-mode search
/// runs this way so its pane keeps updating while a long history is searched.)
pub fn spawn(
    server: &Arc<Server>,
    target: Option<String>,
    pattern: String,
    newest_first: bool,
    rows_only: bool,
) -> Result<tokio::sync::mpsc::Receiver<Response>, String> {
    let pane = server.resolve_pane(target.as_deref())?;
    let re = spool_store::compile(&pattern).map_err(|e| e.to_string())?;
    let (screen, hist_end) = {
        let t = pane.term();
        let next = pane.store.next_row();
        // Scroll mode searches history only: no copy of the screen for it.
        let rows = if rows_only { 0 } else { t.rows() };
        ((0..rows).map(|y| t.row(y)).collect::<Vec<_>>(), next)
    };
    let (tx, rx) = tokio::sync::mpsc::channel::<Response>(CHANNEL_DEPTH);
    let store = pane.store.clone();
    tokio::spawn(async move {
        let re2 = re.clone();
        let htx = tx.clone();
        let worker = tokio::task::spawn_blocking(move || {
            let tx = htx;
            let mut last = Instant::now();
            let on_match = |m: spool_store::SearchMatch| {
                // The attach client needs the row number only; `spool search` prints the row.
                let text = if rows_only {
                    String::new()
                } else {
                    store
                        .get(m.row)
                        .ok()
                        .flatten()
                        .map(|r| r.text)
                        .unwrap_or_default()
                };
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
            };
            let on_progress = |p: spool_store::SearchProgress| {
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
            };
            let res = if newest_first {
                // Rows only, newest first (what `?` in scroll mode wants).
                let on_row = |row| {
                    on_match(spool_store::SearchMatch {
                        row,
                        col: 0,
                        end_row: row,
                        end_col: 0,
                    })
                };
                store.search_rows_newest_first(&re2, 0..hist_end, on_row, on_progress)
            } else {
                store.search(&re2, 0..hist_end, on_match, on_progress)
            };
            res.map(|_| ()).map_err(|e| e.to_string())
        });
        let done = match worker.await {
            Ok(r) => r,
            Err(e) => Err(format!("search failed: {e}")),
        };
        if let Err(message) = done {
            let _ = tx.send(Response::Error { message }).await;
            return;
        }
        for hit in screen_hits(&screen, &re) {
            if tx.send(Response::SearchMatch(hit)).await.is_err() {
                return;
            }
        }
        let _ = tx.send(Response::End).await;
    });
    Ok(rx)
}

/// Matches on the screen: logical lines joined across soft wraps, like history.
fn screen_hits(screen: &[spool_store::Row], re: &regex::bytes::Regex) -> Vec<SearchHit> {
    let mut hits = Vec::new();
    let mut y = 0;
    while y < screen.len() {
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
            hits.push(SearchHit {
                line: row_y as i64,
                row: None,
                col: spool_store::width::str_width(prefix) as u32,
                text: screen[row_y].text.clone(),
            });
        }
    }
    hits
}
