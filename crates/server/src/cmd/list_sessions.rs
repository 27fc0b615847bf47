//! `spool ls`: sessions.

use std::sync::Arc;

use spool_proto::{Response, SessionInfo};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn) -> CmdResult {
    let list: Vec<SessionInfo> = {
        let st = server.state();
        st.sessions
            .iter()
            .map(|s| SessionInfo {
                name: s.name.clone(),
                tabs: s.tabs.len() as u32,
                panes: s.pane_ids().len() as u32,
                created_unix: s.created_unix,
                cols: s.cols,
                rows: s.rows,
                active_pane: s
                    .active_pane()
                    .map_or_else(String::new, |p| format!("%{p}")),
                attached: st.clients.values().filter(|c| c.session == s.id).count() as u32,
            })
            .collect()
    };
    conn.send(&Response::Sessions(list)).await.map_err(io)
}
