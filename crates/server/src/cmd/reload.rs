//! `spool reload`: re-read the config file. A bad file is an error naming its line and column,
//! and the server keeps the config it had; a good one takes effect at once (see
//! [`Server::apply_settings`]).

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    // Options set at runtime stay on top of the file.
    let options = server
        .options
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let loaded = crate::config::load_with(&options);
    *server
        .config_error
        .lock()
        .unwrap_or_else(|p| p.into_inner()) = loaded.as_ref().err().cloned();
    let config = loaded.map_err(|e| format!("{e}; the config in effect is kept"))?;
    let note = server.apply_settings(config);
    tracing::info!("config reloaded");
    conn.send(&Response::Reloaded { note }).await.map_err(io)
}
