//! `spool display-message [-p] [-t PANE] FORMAT` (tmux's `display`): expand a format for a
//! pane (see `format.rs`). With `-p`, or when no client is attached to the pane's session,
//! it is printed; otherwise it shows on those clients' status lines.

use std::sync::Arc;

use spool_proto::Response;

use super::{done, io, CmdResult};
use crate::conn::Conn;
use crate::format::{expand, Vars};
use crate::server::Server;

/// Longest message shown on a status line, in bytes: it is one line of a terminal.
pub const MESSAGE_MAX_BYTES: usize = 1024;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    format: String,
    print: bool,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    // Titles and paths come from pane output: shown safely on a status line and on stdout.
    let text = spool_proto::text::sanitize(&expand(&format, &Vars::of(server, &pane)));
    let shown_on = {
        let st = server.state();
        Server::session_index_of(&st, pane.id)
            .map(|si| st.sessions[si].id)
            .filter(|sid| st.clients.values().any(|c| c.session == *sid))
    };
    match shown_on {
        Some(sid) if !print => {
            let line = spool_proto::text::truncate(&text, MESSAGE_MAX_BYTES).to_string();
            server.show_message(sid, line);
            done(conn).await
        }
        _ => {
            let mut bytes = text.into_bytes();
            bytes.push(b'\n');
            conn.send(&Response::Text(bytes)).await.map_err(io)?;
            conn.send(&Response::End).await.map_err(io)
        }
    }
}
