//! `spool kill` (a pane, or a whole session) and `spool kill-server`.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, target: Option<String>) -> CmdResult {
    let ids: Vec<u32> = match target.as_deref() {
        Some(t) if !t.starts_with('%') && !t.contains(':') => {
            let st = server.state();
            let s = st
                .sessions
                .iter()
                .find(|s| s.name == t)
                .ok_or_else(|| format!("can't find session: {t}"))?;
            s.pane_ids()
        }
        t => vec![server.resolve_pane(t, conn.here)?.id],
    };
    // Answer first: killing the last pane shuts the server down.
    conn.send(&Response::Done).await.map_err(io)?;
    for id in ids {
        server.remove_pane(id);
    }
    Ok(())
}

pub async fn server(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    conn.send(&Response::Done).await.map_err(io)?;
    server.shutdown.send_replace(true);
    Ok(())
}
