//! `spool search`: a regex over the whole history and the screen, streamed as it runs.
//!
//! The store search runs on a blocking thread and hands hits to this connection through a
//! channel bounded in bytes ([`CHANNEL_BYTES`]), so a slow client slows the search instead of
//! queueing its results. Searches take turns with captures (`CONCURRENT_READS_MAX` at once),
//! and the pattern is compiled only once it has its turn, within the store's regex limits.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use spool_proto::{Response, SearchHit};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Bytes of hits and progress reports in flight between the search thread and the socket
/// (a hit carries its row's text, up to `spool_store::MAX_ROW_TEXT_BYTES`).
pub const CHANNEL_BYTES: usize = 1024 * 1024;
/// Messages in flight, whatever their size.
const CHANNEL_DEPTH: usize = 64;
/// Progress is reported at most this often.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Bytes of encoded hits a `spool search` gathers before handing them to its connection:
/// one channel message and one socket write per few hundred hits (one per hit made a
/// million-hit search wait on its writes), and no allocation per hit. (A hit waits at most until the next progress report, [`PROGRESS_EVERY`].) A chunk
/// passes this by at most one hit, whose text is at most `spool_store::MAX_ROW_TEXT_BYTES`.
const FRAMES_CHUNK_BYTES: usize = 64 * 1024;
/// Room reserved in a chunk past [`FRAMES_CHUNK_BYTES`] for the hit that fills it: a hit of
/// a typical row (longer rows grow the chunk once).
const CHUNK_SLACK_BYTES: usize = 4 * 1024;

/// What a search hands its connection.
pub enum Payload {
    /// One message: scroll mode reads a search's messages one by one, and the last message
    /// (`End` or `Error`) comes this way.
    One(Box<Response>),
    /// Hits and progress reports, already encoded as frames (`spool search`).
    Frames(Vec<u8>),
}

/// A message from a search, holding its share of the channel's bytes until it is dropped.
pub struct Found {
    pub msg: Payload,
    _held: Option<OwnedSemaphorePermit>,
}

impl Found {
    fn bare(msg: Response) -> Found {
        Found {
            msg: Payload::One(Box::new(msg)),
            _held: None,
        }
    }
}

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    pattern: String,
    newest_first: bool,
    history: Option<spool_proto::HistoryScope>,
) -> CmdResult {
    let mut rx = spawn(
        server,
        target,
        conn.here,
        pattern,
        newest_first,
        false,
        history,
    )?;
    while let Some(found) = rx.recv().await {
        match &found.msg {
            Payload::One(r) => conn.send(r).await,
            Payload::Frames(frames) => conn.send_encoded(frames).await,
        }
        .map_err(io)?;
    }
    Ok(())
}

/// Start a search on its own task: hits, progress, then `End` (or an `Error`, a bad pattern
/// among them) arrive on the receiver. Dropping the receiver cancels the search. `rows_only`:
/// history hits without their text, no screen hits (what scroll mode needs). (An attached
/// client's scroll-mode search runs this way so its pane keeps updating while a long history
/// is searched.)
pub fn spawn(
    server: &Arc<Server>,
    target: Option<String>,
    here: Option<u32>,
    pattern: String,
    newest_first: bool,
    rows_only: bool,
    history: Option<spool_proto::HistoryScope>,
) -> Result<tokio::sync::mpsc::Receiver<Found>, String> {
    use spool_proto::HistoryScope;
    // What is searched: the pane, one history, or every history (opened one at a time).
    let one = match &history {
        None => Some(server.source(target.as_deref(), here, None)?),
        Some(HistoryScope::One(id)) => Some(server.source(None, None, Some(id))?),
        Some(HistoryScope::All) => None,
    };
    let tagged = history.is_some();
    let (tx, rx) = tokio::sync::mpsc::channel::<Found>(CHANNEL_DEPTH);
    let server = server.clone();
    tokio::spawn(async move {
        let _turn = server.heavy_read().await;
        if tx.is_closed() {
            return; // cancelled while waiting for its turn
        }
        let budget = Arc::new(Semaphore::new(CHANNEL_BYTES));
        let (htx, hbudget) = (tx.clone(), budget.clone());
        let rt = tokio::runtime::Handle::current();
        let srv = server.clone();
        let worker = tokio::task::spawn_blocking(move || {
            let re = spool_store::compile(&pattern).map_err(|e| e.to_string())?;
            let tx = htx;
            // Wait for room for `bytes` in the channel, then send.
            let put = |msg: Payload, bytes: usize| -> ControlFlow<()> {
                let cost = bytes.clamp(1, CHANNEL_BYTES) as u32;
                let Ok(held) = rt.block_on(hbudget.clone().acquire_many_owned(cost)) else {
                    return ControlFlow::Break(());
                };
                match tx.blocking_send(Found {
                    msg,
                    _held: Some(held),
                }) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(_) => ControlFlow::Break(()),
                }
            };
            // Scroll mode takes messages one by one; `spool search` takes chunks of frames.
            let chunk = std::cell::RefCell::new(Vec::new());
            let flush = || -> ControlFlow<()> {
                let c = chunk.take();
                match c.len() {
                    0 => ControlFlow::Continue(()),
                    n => put(Payload::Frames(c), n),
                }
            };
            let send = |msg: &Response, bytes: usize| -> ControlFlow<()> {
                if rows_only {
                    return put(Payload::One(Box::new(msg.clone())), bytes);
                }
                let full = {
                    let mut c = chunk.borrow_mut();
                    if c.capacity() == 0 {
                        // Room for the chunk and the hit that ends it, at once: a chunk grown
                        // by doubling frees each smaller buffer, and a freed buffer is
                        // returned to the kernel at once (`memory::tune_allocators`).
                        c.reserve_exact(FRAMES_CHUNK_BYTES + CHUNK_SLACK_BYTES);
                    }
                    if let Err(e) = spool_proto::frame::encode_into(msg, &mut c) {
                        tracing::warn!("search dropped a hit it could not encode: {e}");
                    }
                    c.len() >= FRAMES_CHUNK_BYTES
                };
                if full || matches!(msg, Response::SearchProgress { .. }) {
                    flush()
                } else {
                    ControlFlow::Continue(())
                }
            };
            let res = match one {
                Some(src) => search_source(&src, &re, newest_first, rows_only, tagged, &send),
                None => {
                    for dir in crate::histories::all_dirs(&srv.config.state_dir) {
                        let src = match srv.source_at(&dir) {
                            Ok(s) => s,
                            Err(e) => {
                                tracing::warn!("search --all skipped a history: {e}");
                                continue;
                            }
                        };
                        search_source(&src, &re, newest_first, rows_only, true, &send)?;
                        if tx.is_closed() {
                            break;
                        }
                    }
                    Ok(())
                }
            };
            let _ = flush();
            res
        });
        match worker.await {
            Ok(Ok(())) => {}
            Ok(Err(message)) => {
                let _ = tx.send(Found::bare(Response::Error { message })).await;
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "search thread failed");
                let message = format!("search failed: {e}");
                let _ = tx.send(Found::bare(Response::Error { message })).await;
                return;
            }
        }
        let _ = tx.send(Found::bare(Response::End)).await;
    });
    Ok(rx)
}

/// Search one source (a pane: its history, the edge and the screen; a closed history: its
/// rows), sending what is found through `send`. `tagged`: hits say which history.
fn search_source(
    src: &crate::histories::Source,
    re: &regex::bytes::Regex,
    newest_first: bool,
    rows_only: bool,
    tagged: bool,
    send: &dyn Fn(&Response, usize) -> ControlFlow<()>,
) -> Result<(), String> {
    // Scroll mode searches history only (the edge is history): no copy of the screen.
    let crate::pane::Snapshot {
        hist_end,
        edge,
        screen,
    } = src.snapshot(!rows_only);
    let newest = hist_end + edge.len() as u64;
    let store = src.store().clone();
    let history = tagged.then(|| src.name());
    let mut last = Instant::now();
    // The text of the last hit, whose buffer the next hit reuses (at most a row's text).
    let spare_text = std::cell::Cell::new(String::new());
    // A match, with its row's text when the search has it at hand (`None`: read it back).
    let on_match = |m: spool_store::SearchMatch, row_text: Option<&[u8]>| {
        // The attach client needs the row number only; `spool search` prints the row.
        let mut text = spare_text.take();
        text.clear();
        if !rows_only {
            match row_text {
                Some(t) => text.push_str(&String::from_utf8_lossy(t)),
                None => {
                    if let Ok(Some(r)) = store.get(m.row) {
                        text = r.text;
                    }
                }
            }
        }
        let bytes = text.len() + 32;
        let msg = Response::SearchMatch(SearchHit {
            line: m.row as i64 - newest as i64,
            row: Some(m.row),
            col: m.col,
            text,
            history: history.clone(),
        });
        let flow = send(&msg, bytes);
        if let Response::SearchMatch(hit) = msg {
            spare_text.set(hit.text);
        }
        flow
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
        send(&msg, 32)
    };
    let res = if newest_first {
        // Rows only, newest first (what `?` in scroll mode wants).
        let on_row = |row| {
            let m = spool_store::SearchMatch {
                row,
                col: 0,
                end_row: row,
                end_col: 0,
            };
            on_match(m, None)
        };
        store.search_rows_newest_first(re, 0..hist_end, on_row, on_progress)
    } else {
        store.search_text(re, 0..hist_end, |m, t| on_match(m, Some(t)), on_progress)
    };
    res.map_err(|e| e.to_string())?;
    // The edge and the screen, joined: a line that began above the screen is found whole.
    // Edge rows are history rows, numbered as they will be stored.
    let edge_n = edge.len();
    let rows: Vec<spool_cells::Row> = edge.into_iter().chain(screen).collect();
    screen_hits(&rows, re, |mut hit| {
        let i = hit.line as usize;
        if i < edge_n {
            hit.row = Some(hist_end + i as u64);
            hit.line = i as i64 - edge_n as i64;
        } else {
            hit.line = (i - edge_n) as i64;
        }
        if rows_only {
            hit.text.clear();
        }
        hit.history = history.clone();
        let bytes = hit.text.len() + 32;
        send(&Response::SearchMatch(hit), bytes)
    });
    Ok(())
}

/// Matches on the screen, each handed to `f` as it is found (a pattern matching everywhere
/// yields a hit per position; they are streamed, never collected): logical lines joined
/// across soft wraps, like history.
pub(super) fn screen_hits(
    screen: &[spool_cells::Row],
    re: &regex::bytes::Regex,
    mut f: impl FnMut(SearchHit) -> ControlFlow<()>,
) {
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
            // A byte-level match may start inside a character (`(?-u:.)`, or an empty match).
            let prefix = &joined.as_bytes()[off..m.start()];
            let hit = SearchHit {
                line: row_y as i64,
                row: None,
                col: spool_cells::width::bytes_width(prefix) as u32,
                text: screen[row_y].text.clone(),
                history: None,
            };
            if f(hit).is_break() {
                return;
            }
        }
    }
}
