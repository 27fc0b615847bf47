//! `spool new`: a session with one pane.

use std::sync::Arc;

use spool_proto::{NewSession, Response};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::{Server, DEFAULT_COLS, DEFAULT_ROWS};

pub async fn run(server: &Arc<Server>, conn: &mut Conn, n: NewSession) -> CmdResult {
    let cols = crate::size::check(n.cols.unwrap_or(DEFAULT_COLS), true)?;
    let rows = crate::size::check(n.rows.unwrap_or(DEFAULT_ROWS), false)?;
    let (name, pane) = server.new_session(n.name, cols, rows, &n.spawn, &n.client_env)?;
    conn.send(&Response::Created {
        session: name,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}
