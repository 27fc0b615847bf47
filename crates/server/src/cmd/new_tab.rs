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
    mut spawn: Spawn,
) -> CmdResult {
    let anchor = server.resolve_pane(target.as_deref())?;
    let (cols, rows, remain) = {
        let st = server.state();
        let si = Server::session_index_of(&st, anchor.id).ok_or("pane has no session")?;
        let s = &st.sessions[si];
        (s.cols, s.rows, s.remain_on_exit)
    };
    spawn.remain_on_exit |= remain;
    let pane = server.spawn_pane(&spawn, cols, rows, spawn.remain_on_exit)?;
    let session = {
        let mut st = server.state();
        let Some(si) = Server::session_index_of(&st, anchor.id) else {
            drop(st);
            server.remove_pane(pane.id);
            return Err("the session closed meanwhile".into());
        };
        let s = &mut st.sessions[si];
        s.tabs.push(Tab {
            name: String::new(),
            root: Node::Pane(pane.id),
            active: pane.id,
        });
        s.active_tab = s.tabs.len() - 1;
        let (sid, name) = (s.id, s.name.clone());
        Server::touch_session(&mut st, sid);
        name
    };
    conn.send(&Response::Created {
        session,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}
