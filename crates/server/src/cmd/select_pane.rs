//! `spool select-pane`: focus a pane in its tab: the target, its neighbour (`-L/-D/-U/-R`),
//! or the tab's last pane (`-l`, tmux's `last-pane`, `C-b ;`). `-t :.+` is the next pane
//! (`C-b o`). The pane's tab becomes the session's shown tab.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    last: bool,
    dir: Option<u8>,
) -> CmdResult {
    let here = conn.here;
    arrange(server, |st| {
        let p = crate::target::place(st, target.as_deref(), here)?;
        let s = &mut st.sessions[p.session];
        let area = s.area();
        let tab = &mut s.tabs[p.tab];
        let id = if last {
            tab.last
                .filter(|l| tab.root.contains(*l))
                .ok_or("no last pane")?
        } else if let Some(d) = dir {
            let rects = tab.layout_rects(area);
            crate::layout::neighbour(&rects, p.pane, d).unwrap_or(p.pane)
        } else {
            p.pane
        };
        tab.focus(id);
        // A pane of another tab: that tab is shown too (what `choose-tree` needs, and what a
        // user who names a pane means).
        s.select_tab(p.tab)?;
        Ok(vec![p.session])
    })?;
    done(conn).await
}
