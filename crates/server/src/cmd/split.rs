//! `spool split`: divide a pane, starting a new one beside (`-h`) or below (`-v`) it.

use std::sync::Arc;

use spool_proto::{Response, Spawn};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::pane::Pane;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    horizontal: bool,
    percent: Option<u8>,
    spawn: Spawn,
) -> CmdResult {
    let old = server.resolve_pane(target.as_deref(), conn.here)?;
    let (session, pane) = create(server, &old, horizontal, percent, spawn)?;
    conn.send(&Response::Created {
        session,
        pane: pane.name(),
    })
    .await
    .map_err(io)
}

/// Split pane `old`; returns the session name and the new pane (which gets the focus).
pub fn create(
    server: &Arc<Server>,
    old: &Arc<Pane>,
    horizontal: bool,
    percent: Option<u8>,
    spawn: Spawn,
) -> Result<(String, Arc<Pane>), String> {
    let percent = percent.unwrap_or(50);
    if !(1..=99).contains(&percent) {
        return Err(format!("bad percentage: {percent} (1-99)"));
    }
    {
        let st = server.state();
        let p = crate::target::place_of(&st, old.id).ok_or("pane has no session")?;
        p.tile(&st)?;
    }
    let (cols, rows) = old.size();
    let along = if horizontal { cols } else { rows };
    if along < 3 {
        return Err("pane too small to split".into());
    }
    // Size the new pane like its final place, so its program starts at the right size.
    let new_len = ((along - 1) as u32 * percent as u32 / 100).max(1) as u16;
    let (nc, nr) = if horizontal {
        (new_len, rows)
    } else {
        (cols, new_len)
    };
    server.spawn_in_session(old.id, spawn, Some((nc, nr)), |st, si, pane| {
        let s = &mut st.sessions[si];
        let ti = s.tab_of(old.id).expect("pane is in a tab");
        s.tabs[ti].root.split(old.id, pane.id, horizontal, percent);
        s.tabs[ti].focus(pane.id);
        s.tabs[ti].layout = None;
        Server::relayout(st, si);
    })
}
