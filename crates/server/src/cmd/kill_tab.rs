//! `spool kill-tab` (tmux's `kill-window`, `C-b &`): close a tab and every pane in it. The
//! last tab of a session ends the session.

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(server: &Arc<Server>, conn: &mut Conn, target: Option<String>) -> CmdResult {
    let panes = {
        let st = server.state();
        let (si, ti) = crate::target::resolve_tab(&st, target.as_deref(), conn.here)?;
        st.sessions[si].tabs[ti].all_panes()
    };
    for id in panes {
        server.remove_pane(id);
    }
    done(conn).await
}
