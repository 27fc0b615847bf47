//! `spool new-tab`: a tab with one pane in a session.

use std::sync::Arc;

use spool_proto::{Response, Spawn};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::layout::Node;
use crate::server::Server;
use crate::session::Tab;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    spawn: Spawn,
    detached: bool,
) -> CmdResult {
    let anchor = server.resolve_pane(target.as_deref(), conn.here)?;
    let (session, pane) = create(server, anchor.id, spawn, detached)?;
    conn.send(&Response::Created {
        session,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}

/// Open a tab in the session of pane `anchor` (in front unless `detached`); returns the
/// session name and the new pane.
pub fn create(
    server: &Arc<Server>,
    anchor: u32,
    spawn: Spawn,
    detached: bool,
) -> Result<(String, Arc<crate::pane::Pane>), String> {
    server.spawn_in_session(anchor, spawn, None, |st, si, pane| {
        let s = &mut st.sessions[si];
        s.push_tab(Tab::new(Node::Pane(pane.id), pane.id), detached);
        let sid = s.id;
        let tab = s.tab_of(pane.id).map(|t| t as u32);
        server.announce("tab-created", Some(pane.id), Some((sid, &s.name)), |e| {
            e.tab = tab
        });
        Server::touch_session(st, sid);
    })
}
