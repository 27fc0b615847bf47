//! `spool clear-history [-t PANE]` (tmux's `clearhist`): forget a pane's history, on disk too
//! (its screen stays). Row numbers go on counting, as after ED 3.

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, target: Option<String>) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let p = pane.clone();
    // Off the runtime: truncating the history file is disk work.
    tokio::task::spawn_blocking(move || p.term().clear_history())
        .await
        .map_err(|e| format!("clear-history failed: {e}"))?;
    // The images only that history showed go at the next round.
    server.images.want_collection();
    server.bump();
    done(conn).await
}
