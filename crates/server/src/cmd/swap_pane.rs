//! `spool swap-pane`: two panes exchange places, in one tab or across tabs and sessions.
//! `-U`/`-D` (`C-b {`/`C-b }`) swap the target with the previous/next pane of its tab. The
//! focus follows the pane it was on, unless `-d`.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;
use crate::target::{place, Place};

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    source: Option<String>,
    target: Option<String>,
    step: i8,
    detached: bool,
) -> CmdResult {
    let here = conn.here;
    arrange(server, |st| {
        let dst = place(st, target.as_deref(), here)?.tile(st)?;
        let src = match source {
            Some(s) => place(st, Some(&s), here)?.tile(st)?,
            None if step != 0 => {
                let panes = st.sessions[dst.session].tabs[dst.tab].root.panes();
                let at = panes.iter().position(|id| *id == dst.pane).unwrap_or(0) as i64;
                let n = panes.len() as i64;
                Place {
                    pane: panes[(at + step as i64).rem_euclid(n) as usize],
                    ..dst
                }
            }
            None => return Err("swap-pane needs -s SOURCE, -U or -D".into()),
        };
        if src.pane == dst.pane {
            return Ok(Vec::new());
        }
        let (a, b) = (src.pane, dst.pane);
        if (src.session, src.tab) == (dst.session, dst.tab) {
            let tab = &mut st.sessions[dst.session].tabs[dst.tab];
            tab.root.swap(a, b);
            if detached {
                // The focus stays where it was on the screen.
                tab.active = other_of(tab.active, a, b);
                tab.last = tab.last.map(|l| other_of(l, a, b));
            }
            tab.layout = None;
        } else {
            // Across tabs: each takes the other's place, and each tab's focus stays in place.
            for (p, other) in [(src, b), (dst, a)] {
                let tab = &mut st.sessions[p.session].tabs[p.tab];
                tab.root.swap(p.pane, other);
                if tab.active == p.pane {
                    tab.active = other;
                }
                if tab.last == Some(p.pane) {
                    tab.last = Some(other);
                }
                tab.zoomed = false;
                tab.layout = None;
            }
        }
        Ok(vec![src.session, dst.session])
    })?;
    done(conn).await
}

/// `id` with `a` and `b` exchanged.
fn other_of(id: u32, a: u32, b: u32) -> u32 {
    if id == a {
        b
    } else if id == b {
        a
    } else {
        id
    }
}
