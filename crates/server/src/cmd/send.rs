//! `spool send`: literal text, or key names encoded for the pane's modes.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn text(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    text: Vec<u8>,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref())?;
    let bracketed = pane.term().modes().bracketed_paste && text.contains(&b'\n');
    if bracketed {
        let mut v = b"\x1b[200~".to_vec();
        v.extend(text.iter().filter(|&&b| b != 0x1b));
        v.extend_from_slice(b"\x1b[201~");
        pane.write_input(&v)?;
    } else {
        pane.write_input(&text)?;
    }
    conn.send(&Response::Done).await.map_err(io)
}

pub async fn keys(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    keys: Vec<String>,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref())?;
    let app_cursor = pane.term().modes().cursor_keys;
    let mut bytes = Vec::new();
    for k in &keys {
        bytes.extend(crate::keys::encode(k, app_cursor));
    }
    pane.write_input(&bytes)?;
    conn.send(&Response::Done).await.map_err(io)
}
