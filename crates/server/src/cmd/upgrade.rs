//! `spool upgrade`: hand the server over to the installed binary (see `handover.rs`).

use std::sync::Arc;
use std::time::Duration;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// How long the handover may take before the client is told it failed.
const UPGRADE_TIMEOUT: Duration = Duration::from_secs(20);

pub async fn run(server: &Arc<Server>, conn: &mut Conn, exe: String) -> CmdResult {
    let exe = std::path::PathBuf::from(exe);
    let check = exe.clone();
    tokio::task::spawn_blocking(move || crate::handover::check_exe(&check))
        .await
        .map_err(|e| e.to_string())??;
    // Answer first: the connection does not survive the exec.
    conn.send(&Response::Done).await.map_err(io)?;
    let (tx, rx) = tokio::sync::oneshot::channel();
    server
        .upgrade_tx
        .send((exe, tx))
        .await
        .map_err(|_| "the server is stopping".to_string())?;
    match tokio::time::timeout(UPGRADE_TIMEOUT, rx).await {
        Ok(Ok(why)) => Err(format!("upgrade failed: {why}")),
        _ => Ok(()),
    }
}
