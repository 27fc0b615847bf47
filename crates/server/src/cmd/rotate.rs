//! `spool rotate-window` (`C-b C-o`; `-D`: `C-b M-o`): every pane of a tab moves one place
//! up the layout order (the first becomes the last), or down with `-D`, the shape kept. The focus stays at the same place on the screen.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    down: bool,
) -> CmdResult {
    let here = conn.here;
    arrange(server, |st| {
        let (si, ti) = crate::target::resolve_tab(st, target.as_deref(), here)?;
        let tab = &mut st.sessions[si].tabs[ti];
        let at = tab.root.panes().iter().position(|id| *id == tab.active);
        tab.root.rotate(down);
        if let Some(at) = at {
            let id = tab.root.panes()[at];
            tab.focus(id);
        }
        Ok(vec![si])
    })?;
    done(conn).await
}
