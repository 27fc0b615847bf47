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
    server
        .buffers()
        .set(name.as_deref(), &data, append, now_unix())?;
    done(conn).await
}
