//! `spool wait`: until the pane's process exited and all its output was processed.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, target: Option<String>) -> CmdResult {
    let pane = match server.resolve_pane(target.as_deref(), conn.here) {
        Ok(p) => p,
        Err(e) => {
            // A pane that already closed: answer from the recent exits.
            let id = target
                .as_deref()
                .and_then(|t| t.strip_prefix('%'))
                .and_then(|n| n.parse().ok());
            match id.and_then(|id| server.recent_exit(id)) {
                Some(status) => {
                    return conn.send(&Response::Exited { status }).await.map_err(io);
                }
                None => return Err(e),
            }
        }
    };
    let mut rx = pane.subscribe_exit();
    let mut beat = tokio::time::interval(spool_proto::HEARTBEAT_EVERY);
    beat.tick().await;
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
