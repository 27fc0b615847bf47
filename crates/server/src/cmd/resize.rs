//! `spool resize`: a pane alone in its tab resizes its session; a pane in a split moves the
//! split's border.

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    cols: Option<u16>,
    rows: Option<u16>,
) -> CmdResult {
    if cols.is_none() && rows.is_none() {
        return Err("nothing to do: give -x COLS and/or -y ROWS".into());
    }
    if let Some(c) = cols {
        crate::size::check(c, true)?;
    }
    if let Some(r) = rows {
        crate::size::check(r, false)?;
    }
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    {
        let mut st = server.state();
        let si = Server::session_index_of(&st, pane.id).ok_or("pane has no session")?;
        let s = &mut st.sessions[si];
        let ti = s.tab_of(pane.id).expect("pane is in a tab");
        let area = s.area();
        let alone = s.tabs[ti].root.panes().len() == 1;
        if alone {
            s.cols = cols.unwrap_or(s.cols);
            s.rows = rows.unwrap_or(s.rows);
        } else {
            if let Some(c) = cols {
                s.tabs[ti].root.resize_pane(pane.id, true, c, area);
            }
            if let Some(r) = rows {
                s.tabs[ti].root.resize_pane(pane.id, false, r, area);
            }
        }
        Server::relayout(&mut st, si);
    }
    conn.send(&Response::Done).await.map_err(io)
}
