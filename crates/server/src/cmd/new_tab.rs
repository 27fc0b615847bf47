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
) -> CmdResult {
    let anchor = server.resolve_pane(target.as_deref())?;
    let (session, pane) = create(server, anchor.id, spawn)?;
    conn.send(&Response::Created {
        session,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}

/// Open a tab in the session of pane `anchor`; returns the session name and the new pane.
pub fn create(
    server: &Arc<Server>,
    anchor: u32,
    mut spawn: Spawn,
) -> Result<(String, Arc<crate::pane::Pane>), String> {
    let (cols, rows, remain) = {
        let st = server.state();
        let si = Server::session_index_of(&st, anchor).ok_or("pane has no session")?;
        let s = &st.sessions[si];
        (s.cols, s.rows, s.remain_on_exit)
    };
    spawn.remain_on_exit |= remain;
    let pane = server.spawn_pane(&spawn, cols, rows, spawn.remain_on_exit)?;
    let session = {
        let mut st = server.state();
        let Some(si) = Server::session_index_of(&st, anchor) else {
            drop(st);
            server.remove_pane(pane.id);
            return Err("the session closed meanwhile".into());
        };
        let s = &mut st.sessions[si];
        s.tabs.push(Tab {
            name: String::new(),
            root: Node::Pane(pane.id),
            active: pane.id,
            zoomed: false,
            seen_output: 0,
        });
        s.active_tab = s.tabs.len() - 1;
        let (sid, name) = (s.id, s.name.clone());
        Server::touch_session(&mut st, sid);
        name
    };
    server.bump();
    Ok((session, pane))
}
