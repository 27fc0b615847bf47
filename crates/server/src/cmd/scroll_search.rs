//! An attached client's scroll-mode search (`Request::ScrollSearch`), beside its frames.
//!
//! One at a time per client: a new one replaces the one before, and every answer carries the
//! search's id ([`Response::ScrollFound`]), so the client drops a replaced search's late
//! answers by their id. First a scan of the pane's history ([`super::search::spawn`], rows
//! only, on its own task); once it has covered the rows there were when the search started
//! (`CaughtUp`), the search follows the pane: every [`FOLLOW_EVERY`] the rows output added
//! since are searched, so the match counter keeps up with a build that is still printing.
//!
//! The client keeps one match per row and needs only the row number, so that is all it is
//! sent, at most [`ATTACHED_SEARCH_MATCHES_MAX`] + 1 rows in all (the one more says there
//! were more, and stops the search): the stream is small and bounded whatever the pattern,
//! the history and the output still to come.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use spool_proto::{Response, ScrollNews, ATTACHED_SEARCH_MATCHES_MAX};

use super::search::Found;
use crate::pane::Pane;
use crate::server::Server;

/// How often a caught-up search looks at the rows output added: the counter lags the
/// output by at most this, and an idle pane costs one row count per round.
pub const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// Most new rows searched in one round: a flood of output is followed over several rounds,
/// each a short piece of work, never one long one holding up this client's frames.
const FOLLOW_ROWS_MAX: u64 = 20_000;

#[derive(Default)]
pub struct ScrollSearch {
    id: u32,
    /// The scan, while it runs.
    scan: Option<tokio::sync::mpsc::Receiver<Found>>,
    /// Once caught up: what is followed.
    follow: Option<Follow>,
    /// Rows sent so far.
    rows: usize,
    /// The last row sent (a multi-match row is sent once).
    last: Option<u64>,
}

struct Follow {
    pane: Arc<Pane>,
    re: regex::bytes::Regex,
    /// Rows from here on are still to be searched.
    from: u64,
}

impl ScrollSearch {
    /// Start search `id` (replacing the one before; an empty pattern only stops it).
    pub fn start(
        &mut self,
        server: &Arc<Server>,
        id: u32,
        pane: u32,
        pattern: String,
        newest_first: bool,
    ) -> Vec<Response> {
        *self = ScrollSearch {
            id,
            ..Default::default()
        };
        if pattern.is_empty() {
            return Vec::new();
        }
        let stopped = |error: String| {
            vec![Response::ScrollFound {
                id,
                news: ScrollNews::Stopped { error: Some(error) },
            }]
        };
        let Some(p) = server.state().panes.get(&pane).cloned() else {
            return stopped(format!("can't find pane: %{pane}"));
        };
        let re = match spool_store::compile(&pattern) {
            Ok(re) => re,
            Err(e) => return stopped(e.to_string()),
        };
        // Where following starts: the newest row now. The scan's own snapshot, taken when it
        // has its turn, may reach further; rows found twice are sent once (`last`), and the
        // client keeps each row once.
        let from = newest(&p);
        let target = Some(format!("%{pane}"));
        match super::search::spawn(server, target, None, pattern, newest_first, true, None) {
            Ok(rx) => {
                self.scan = Some(rx);
                self.follow = Some(Follow { pane: p, re, from });
                Vec::new()
            }
            Err(e) => stopped(e),
        }
    }

    /// The next message of the scan (pending forever when none runs: for `select!`).
    pub async fn scanned(&mut self) -> Option<Response> {
        match self.scan.as_mut() {
            // Scroll mode's search sends its messages one by one, never as frames.
            Some(rx) => loop {
                match rx.recv().await.map(|f| f.msg) {
                    Some(super::search::Payload::One(r)) => break Some(*r),
                    Some(super::search::Payload::Frames(_)) => continue,
                    None => break None,
                }
            },
            None => std::future::pending().await,
        }
    }

    /// The scan is running.
    pub fn scanning(&self) -> bool {
        self.scan.is_some()
    }

    /// Caught up, the search follows its pane's output.
    pub fn following(&self) -> bool {
        self.scan.is_none() && self.follow.is_some()
    }

    /// What to send of a message of the scan (`None`: it ended without one).
    pub fn on_scan(&mut self, msg: Option<Response>) -> Vec<Response> {
        let news = match msg {
            Some(Response::SearchMatch(h)) => match h.row {
                Some(row) => return self.row(row),
                None => return Vec::new(), // a screen match: the client finds those itself
            },
            Some(Response::SearchProgress {
                rows_done,
                rows_total,
            }) => ScrollNews::Progress {
                done: rows_done,
                total: rows_total,
            },
            Some(Response::Error { message }) => {
                self.scan = None;
                self.follow = None;
                ScrollNews::Stopped {
                    error: Some(message),
                }
            }
            Some(Response::End) | None => {
                self.scan = None;
                ScrollNews::CaughtUp
            }
            Some(_) => return Vec::new(),
        };
        vec![self.news(news)]
    }

    /// Search the rows output added since the last round (at most [`FOLLOW_ROWS_MAX`]).
    pub fn follow(&mut self) -> Vec<Response> {
        let Some(f) = self.follow.as_mut() else {
            return Vec::new();
        };
        if newest(&f.pane) == f.from {
            return Vec::new(); // an idle pane: a row count, no copy
        }
        let snap = f.pane.snapshot(false);
        let newest = snap.hist_end + snap.edge.len() as u64;
        if newest <= f.from {
            // The history was cleared: follow from where it is now.
            f.from = newest;
            return Vec::new();
        }
        let (start, end) = (f.from, newest.min(f.from + FOLLOW_ROWS_MAX));
        f.from = end;
        let mut found = Vec::new();
        // Stored rows (a match is reported at its line's first row, which may be older).
        if start < snap.hist_end {
            let range = start..end.min(snap.hist_end);
            let _ = f.pane.store.search(
                &f.re,
                range,
                |m| {
                    if m.row >= start {
                        found.push(m.row);
                    }
                    ControlFlow::Continue(())
                },
                |_| ControlFlow::Continue(()),
            );
        }
        // Rows at the edge, not stored yet, numbered as they will be.
        if end > snap.hist_end {
            let from_edge = start.saturating_sub(snap.hist_end) as usize;
            let to_edge = (end - snap.hist_end) as usize;
            let rows = &snap.edge[from_edge..to_edge.min(snap.edge.len())];
            let base = snap.hist_end + from_edge as u64;
            super::search::screen_hits(rows, &f.re, |hit| {
                found.push(base + hit.line as u64);
                ControlFlow::Continue(())
            });
        }
        let mut out = Vec::new();
        for row in found {
            out.extend(self.row(row));
            if self.follow.is_none() {
                break;
            }
        }
        out
    }

    /// Send `row` once; past the bound, the search stops.
    fn row(&mut self, row: u64) -> Vec<Response> {
        if self.last == Some(row) {
            return Vec::new();
        }
        self.last = Some(row);
        self.rows += 1;
        let mut out = vec![self.news(ScrollNews::Row(row))];
        if self.rows > ATTACHED_SEARCH_MATCHES_MAX {
            // One past what the client keeps tells it there were more; stop.
            self.scan = None;
            self.follow = None;
            out.push(self.news(ScrollNews::Stopped { error: None }));
        }
        out
    }

    fn news(&self, news: ScrollNews) -> Response {
        Response::ScrollFound { id: self.id, news }
    }
}

/// One past the pane's newest history row (stored or at the edge).
fn newest(p: &Pane) -> u64 {
    // Under the terminal lock, as `Pane::snapshot`: no row is counted twice or missed.
    let t = p.term();
    p.store.next_row() + t.edge_len() as u64
}
