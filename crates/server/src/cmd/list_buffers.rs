//! `spool list-buffers`: the paste buffers, newest first.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    let list = server.buffers().list();
    conn.send(&Response::Buffers(list)).await.map_err(io)
}
