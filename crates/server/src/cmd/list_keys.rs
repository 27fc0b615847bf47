//! `spool list-keys` (`C-b ?`): every binding, one per line, as tmux lists them.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    let ui = server.ui.borrow().clone();
    let mut text = ui.list().join("\n");
    text.push('\n');
    conn.send(&Response::Text(text.into_bytes()))
        .await
        .map_err(io)?;
    conn.send(&Response::End).await.map_err(io)
}
