//! `spool show-buffer` (and the client's `save-buffer`): a buffer's bytes, in pieces.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Bytes per `Text` answer.
const PIECE_BYTES: usize = 1024 * 1024;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, name: Option<String>) -> CmdResult {
    // Copied out (at most BUFFER_MAX_BYTES) so the lock is not held while sending.
    let data = server.buffers().get(name.as_deref())?.data.clone();
    for piece in data.chunks(PIECE_BYTES) {
        conn.send(&Response::Text(piece.to_vec()))
            .await
            .map_err(io)?;
    }
    conn.send(&Response::End).await.map_err(io)
}
