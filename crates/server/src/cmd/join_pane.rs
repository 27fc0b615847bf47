//! `spool join-pane` / `move-pane`: move a pane into another pane's tab, splitting that pane
//! (`-h` beside it, `-v` below it; `-b` left of or above it). A tab left empty closes. Its
//! program and history go with it, untouched: `break-pane` then `join-pane` gives back the
//! panes it started with.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;
use crate::target::{place, place_of};

/// Where the moved pane goes in the target's split.
pub struct How {
    pub horizontal: bool,
    pub before: bool,
    pub percent: Option<u8>,
    pub detached: bool,
}

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    source: Option<String>,
    target: Option<String>,
    how: How,
) -> CmdResult {
    let here = conn.here;
    let source = source.ok_or("join-pane needs -s SOURCE (the pane to move)")?;
    let percent = how.percent.unwrap_or(50);
    if !(1..=99).contains(&percent) {
        return Err(format!("bad percentage: {percent} (1-99)"));
    }
    arrange(server, |st| {
        let src = place(st, Some(&source), here)?.tile(st)?;
        let dst = place(st, target.as_deref(), here)?.tile(st)?;
        if src.pane == dst.pane {
            return Err("source and target panes must be different".into());
        }
        // Out of its tab first (closing the tab if it was alone there): indices may shift.
        let src_session_id = st.sessions[src.session].id;
        {
            let s = &mut st.sessions[src.session];
            if s.tabs[src.tab].root.panes().len() == 1 {
                s.remove_tab(src.tab);
            } else {
                s.tabs[src.tab].take_out(src.pane);
            }
        }
        let dst = place_of(st, dst.pane).ok_or("the target pane went away")?;
        let s = &mut st.sessions[dst.session];
        let tab = &mut s.tabs[dst.tab];
        tab.root
            .insert(dst.pane, src.pane, how.horizontal, percent, how.before);
        tab.layout = None;
        tab.zoomed = false;
        if !how.detached {
            tab.focus(src.pane);
        }
        let mut touched = vec![dst.session];
        // The source's session, if it still has tabs (else it ends).
        match st.sessions.iter().position(|s| s.id == src_session_id) {
            Some(si) if st.sessions[si].tabs.is_empty() => {
                st.sessions.remove(si);
                st.recent_sessions.retain(|s| *s != src_session_id);
                touched = place_of(st, dst.pane)
                    .map(|p| vec![p.session])
                    .unwrap_or_default();
            }
            Some(si) => touched.push(si),
            None => {}
        }
        Ok(touched)
    })?;
    done(conn).await
}
