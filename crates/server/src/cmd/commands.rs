//! `spool commands [-t PANE] [-n N]`: the pane's command log (see `commands.rs`), oldest
//! first.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    count: Option<u32>,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let list: Vec<_> = {
        let log = pane.commands.lock().unwrap_or_else(|p| p.into_inner());
        let skip = count.map_or(0, |n| log.entries().len().saturating_sub(n as usize));
        log.entries().skip(skip).cloned().collect()
    };
    conn.send(&Response::Commands(list)).await.map_err(io)
}
