//! `spool set-buffer`: store text as a paste buffer (see `buffers.rs` for the bounds).

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::{now_unix, Server};

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    name: Option<String>,
    data: Vec<u8>,
    append: bool,
) -> CmdResult {
    if data.len() > spool_proto::REQUEST_DATA_BYTES {
        return Err(format!(
            "at most {} bytes per request",
            spool_proto::REQUEST_DATA_BYTES
        ));
    }
    // An unnamed append continues the buffer this connection last set (made again under
    // its name if it went meanwhile), not whatever is newest by now.
    let name = match name {
        None if append => conn.last_buffer.clone(),
        n => n,
    };
    let set = server
        .buffers()
        .set(name.as_deref(), &data, append, now_unix())?;
    conn.last_buffer = Some(set);
    done(conn).await
}
