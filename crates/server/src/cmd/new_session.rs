//! `spool new`: a session with one pane.

use std::sync::Arc;

use spool_proto::{NewSession, Response};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::{Server, DEFAULT_COLS, DEFAULT_ROWS};

pub async fn run(server: &Arc<Server>, conn: &mut Conn, n: NewSession) -> CmdResult {
    let (name, pane) = server.new_session(
        n.name,
        n.cols.unwrap_or(DEFAULT_COLS),
        n.rows.unwrap_or(DEFAULT_ROWS),
        &n.spawn,
    )?;
    conn.send(&Response::Created {
        session: name,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}
