//! `spool select-layout`: arrange a tab as one of tmux's preset layouts (`even-horizontal`,
//! `even-vertical`, `main-horizontal`, `main-vertical`, `tiled`), or the next (`-n`, `C-b
//! Space`) or previous (`-p`) one. Without a name, the tab's last preset is applied again.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::layout::Layout;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    layout: Option<String>,
    step: i8,
) -> CmdResult {
    let here = conn.here;
    arrange(server, |st| {
        let (si, ti) = crate::target::resolve_tab(st, target.as_deref(), here)?;
        let s = &mut st.sessions[si];
        let area = s.area();
        let tab = &mut s.tabs[ti];
        let layout = match layout {
            Some(name) => Layout::parse(&name)
                .ok_or_else(|| format!("unknown layout: {name}; one of: {}", Layout::names()))?,
            None => match (tab.layout, step) {
                (Some(l), 0) => l,
                (Some(l), step) => l.step(step),
                (None, -1) => Layout::ALL[Layout::ALL.len() - 1],
                (None, _) => Layout::ALL[0],
            },
        };
        tab.root = tab.root.relayout(layout, area);
        tab.layout = Some(layout);
        tab.zoomed = false;
        Ok(vec![si])
    })?;
    done(conn).await
}
