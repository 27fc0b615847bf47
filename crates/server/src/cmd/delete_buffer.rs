//! `spool delete-buffer`: drop a paste buffer (the newest without `-b`).

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, name: Option<String>) -> CmdResult {
    server.buffers().delete(name.as_deref())?;
    done(conn).await
}
