//! `spool wait [-t PANE] [--idle DURATION | --match REGEX | --command]`: until the pane's
//! process exited and all its output was processed (the default); until the pane has been
//! quiet for a while; until a line of its screen or of output that comes matches; or until
//! the command its shell runs finishes. Heartbeats keep the client from giving up meanwhile.
//! Nothing polls: waiters wake on the server's change counter (any pane's output) or on a
//! timer.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use spool_proto::{Response, WaitFor};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::pane::Pane;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    until: WaitFor,
) -> CmdResult {
    let pane = match server.resolve_pane(target.as_deref(), conn.here) {
        Ok(p) => p,
        Err(e) => {
            // A pane that already closed: answer from the recent exits.
            let id = target
                .as_deref()
                .and_then(|t| t.strip_prefix('%'))
                .and_then(|n| n.parse().ok());
            match id
                .and_then(|id| server.recent_exit(id))
                .filter(|_| until == WaitFor::Exit)
            {
                Some(status) => {
                    return conn.send(&Response::Exited { status }).await.map_err(io);
                }
                None => return Err(e),
            }
        }
    };
    match until {
        WaitFor::Exit => exit(conn, &pane).await,
        WaitFor::Idle(ms) => idle(server, conn, &pane, Duration::from_millis(ms)).await,
        WaitFor::Match(pattern) => matched(server, conn, &pane, &pattern).await,
        WaitFor::Command => command(conn, &pane).await,
    }
}

async fn exit(conn: &mut Conn, pane: &Pane) -> CmdResult {
    let mut rx = pane.subscribe_exit();
    let mut beat = heartbeat().await;
    let status = loop {
        if let Some(exit) = *rx.borrow_and_update() {
            break exit.status;
        }
        tokio::select! {
            r = rx.changed() => if r.is_err() {
                break pane.exit().map_or(-1, |e| e.status);
            },
            // Still waiting: the client can tell this from a server that stopped answering.
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
        }
    };
    conn.send(&Response::Exited { status }).await.map_err(io)
}

async fn heartbeat() -> tokio::time::Interval {
    let mut beat = tokio::time::interval(spool_proto::HEARTBEAT_EVERY);
    beat.tick().await;
    beat
}

/// Until no output came for `quiet`.
async fn idle(server: &Server, conn: &mut Conn, pane: &Pane, quiet: Duration) -> CmdResult {
    let mut changes = server.changes.subscribe();
    let mut beat = heartbeat().await;
    loop {
        let since = crate::pane::clock_ms().saturating_sub(pane.last_output_ms());
        let left = quiet.saturating_sub(Duration::from_millis(since));
        if left.is_zero() {
            return conn.send(&Response::Done).await.map_err(io);
        }
        tokio::select! {
            _ = tokio::time::sleep(left) => {}
            r = changes.changed() => if r.is_err() { return Err("the server is stopping".into()) },
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
        }
        if pane.exit().is_some() && pane.is_closed() {
            return Err(format!("pane {} closed", pane.name()));
        }
    }
}

/// Until a line of the screen, or of history added since the wait began, matches.
async fn matched(server: &Server, conn: &mut Conn, pane: &Pane, pattern: &str) -> CmdResult {
    let re = spool_store::compile(pattern).map_err(|e| e.to_string())?;
    let mut changes = server.changes.subscribe();
    let mut beat = heartbeat().await;
    // Rows from here on (stored or at the edge) are searched as they come.
    let mut from = {
        let s = pane.snapshot(false);
        s.hist_end + s.edge.len() as u64
    };
    loop {
        let found = tokio::task::block_in_place(|| find(pane, &re, &mut from));
        if let Some(line) = found {
            conn.send(&Response::Text(line.into_bytes()))
                .await
                .map_err(io)?;
            return conn.send(&Response::End).await.map_err(io);
        }
        tokio::select! {
            r = changes.changed() => if r.is_err() { return Err("the server is stopping".into()) },
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
        }
        if pane.is_closed() {
            return Err(format!("pane {} closed", pane.name()));
        }
    }
}

/// The first line matching `re` in the rows from `from` (moved on past what was searched)
/// or on the screen.
fn find(pane: &Pane, re: &regex::bytes::Regex, from: &mut u64) -> Option<String> {
    let snap = pane.snapshot(true);
    let newest = snap.hist_end + snap.edge.len() as u64;
    let mut hit = None;
    if *from < snap.hist_end {
        let _ = pane.store.search(
            re,
            *from..snap.hist_end,
            |m| {
                hit = pane.store.get(m.row).ok().flatten().map(|r| r.text);
                ControlFlow::Break(())
            },
            |_| ControlFlow::Continue(()),
        );
    }
    if hit.is_none() {
        let skip = from.saturating_sub(snap.hist_end) as usize;
        let rows: Vec<_> = snap
            .edge
            .into_iter()
            .skip(skip)
            .chain(snap.screen)
            .collect();
        super::search::screen_hits(&rows, re, |h| {
            hit = Some(h.text);
            ControlFlow::Break(())
        });
    }
    *from = newest.max(*from);
    hit
}

/// Until the command the shell runs now finishes.
async fn command(conn: &mut Conn, pane: &Pane) -> CmdResult {
    let mut changed = pane.commands_changed.subscribe();
    let mut beat = heartbeat().await;
    let n = {
        let log = pane.commands.lock().unwrap_or_else(|p| p.into_inner());
        if !log.integrated && log.entries().len() == 0 {
            return Err(format!(
                "pane {} has no shell integration (see spool shell-init --help)",
                pane.name()
            ));
        }
        log.entries().last().map(|c| c.n)
    };
    loop {
        let done = {
            let log = pane.commands.lock().unwrap_or_else(|p| p.into_inner());
            let c = log.entries().rev().find(|c| Some(c.n) == n);
            match c {
                Some(c) if c.running() => None,
                // Unknown (the shell did not say): not a success, as `spool run` says.
                Some(c) => Some(c.status.unwrap_or(1)),
                None => Some(0),
            }
        };
        if let Some(status) = done {
            return conn.send(&Response::Exited { status }).await.map_err(io);
        }
        tokio::select! {
            r = changed.changed() => if r.is_err() {
                return Err(format!("pane {} closed", pane.name()));
            },
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
        }
        if pane.exit().is_some() {
            return Err(format!("pane {} exited", pane.name()));
        }
    }
}
