//! `spool display-popup [-E] [-w W] [-h H] [-x X] [-y Y] [-t TARGET] [-- COMMAND…]` (tmux's
//! `popup`): a pane floating over the target's tab, focused, with its own history like any
//! pane. With `-E` it closes when its program exits; without, it stays showing its output
//! until closed (`-C`, or `kill` like any pane). `--toggle` shows or hides the tab's popup —
//! a scratch shell when it has none — keeping its program running while hidden (the
//! `C-b P` binding). A tab has one popup: a new one replaces it.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;
use crate::session::{Popup, POPUP_DEFAULT};

#[allow(clippy::too_many_arguments)]
pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    width: Option<spool_proto::PopupSize>,
    height: Option<spool_proto::PopupSize>,
    x: Option<u16>,
    y: Option<u16>,
    close_on_exit: bool,
    toggle: bool,
    close: bool,
    mut spawn: spool_proto::Spawn,
) -> CmdResult {
    let here = conn.here;
    let (anchor, existing, area) = {
        let st = server.state();
        let p = crate::target::place(&st, target.as_deref(), here)?;
        let s = &st.sessions[p.session];
        let tab = &s.tabs[p.tab];
        (tab.active, tab.popup.clone(), s.area())
    };
    if close {
        let p = existing.ok_or("no popup in this tab")?;
        server.remove_pane(p.pane);
        return done(conn).await;
    }
    match existing {
        Some(p) if toggle => {
            arrange(server, |st| {
                let place = crate::target::place_of(st, p.pane).ok_or("the popup closed")?;
                let tab = &mut st.sessions[place.session].tabs[place.tab];
                if let Some(pop) = tab.popup.as_mut() {
                    pop.shown = !pop.shown;
                }
                // Shown again: it takes the session's size of now.
                Ok(vec![place.session])
            })?;
            return done(conn).await;
        }
        Some(p) => server.remove_pane(p.pane),
        None => {}
    }
    let popup = Popup {
        pane: 0,
        width: width.unwrap_or(POPUP_DEFAULT),
        height: height.unwrap_or(POPUP_DEFAULT),
        x,
        y,
        shown: true,
    };
    let r = popup.rect(area);
    // Without -E the popup stays once its program ends, showing how it ended.
    spawn.remain_on_exit = !(close_on_exit || toggle);
    // A popup another command opened meanwhile is replaced (one per tab).
    let mut replaced = None;
    let (_, pane) = server.spawn_in_session(anchor, spawn, Some((r.w, r.h)), |st, si, pane| {
        let s = &mut st.sessions[si];
        if let Some(ti) = s.tab_of(anchor) {
            let new = Popup {
                pane: pane.id,
                ..popup
            };
            replaced = s.tabs[ti].popup.replace(new).map(|p| p.pane);
        }
    })?;
    if let Some(old) = replaced {
        server.remove_pane(old);
    }
    // The session may have been resized meanwhile: fit it now.
    {
        let mut st = server.state();
        if let Some(si) = Server::session_index_of(&st, pane.id) {
            Server::relayout(&mut st, si);
        }
    }
    done(conn).await
}
