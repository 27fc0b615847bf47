//! `spool panes`: panes of one session (`-t`) or of all; with `-F`, one format line each.

use std::sync::Arc;

use spool_proto::{PaneInfo, Response};

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// Bytes of format lines per `Text` answer.
const PIECE_BYTES: usize = 256 * 1024;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    format: Option<String>,
) -> CmdResult {
    let only = match &target {
        Some(t) => {
            let p = server.resolve_pane(Some(t), conn.here)?;
            let st = server.state();
            Some(Server::session_index_of(&st, p.id).ok_or("pane has no session")?)
        }
        None => None,
    };
    let mut out = Vec::new();
    // (session and tab names, tab index, pane, focused, a popup)
    type Row = ((String, String), u32, Arc<crate::pane::Pane>, bool, bool);
    let rows: Vec<Row> = {
        let st = server.state();
        st.sessions
            .iter()
            .enumerate()
            .filter(|(i, _)| only.is_none_or(|o| o == *i))
            .flat_map(|(_, s)| {
                s.tabs.iter().enumerate().flat_map(move |(ti, tab)| {
                    tab.all_panes().into_iter().map(move |id| {
                        (
                            (s.name.clone(), tab.name.clone()),
                            ti as u32,
                            id,
                            tab.focused() == id && s.active_tab == ti,
                            !tab.root.contains(id),
                        )
                    })
                })
            })
            .filter_map(|(sname, ti, id, active, popup)| {
                st.panes
                    .get(&id)
                    .map(|p| (sname, ti, p.clone(), active, popup))
            })
            .collect()
    };
    if let Some(format) = format {
        let mut text = String::new();
        for (_, _, p, _, _) in &rows {
            let vars = crate::format::Vars::of(server, p);
            let line = crate::format::expand(&format, &vars);
            text.push_str(&spool_proto::text::sanitize(&line));
            text.push('\n');
            if text.len() >= PIECE_BYTES {
                conn.send(&Response::Text(std::mem::take(&mut text).into_bytes()))
                    .await
                    .map_err(io)?;
            }
        }
        conn.send(&Response::Text(text.into_bytes()))
            .await
            .map_err(io)?;
        return conn.send(&Response::End).await.map_err(io);
    }
    for ((session, tab_name), tab, p, active, popup) in rows {
        let tab_name = if tab_name.is_empty() {
            p.automatic_name()
        } else {
            tab_name
        };
        let (cols, rows) = p.size();
        let (title, edge) = {
            let t = p.term();
            (t.title().to_string(), t.edge_len() as u64)
        };
        let cwd = p.cwd().unwrap_or_default();
        let hs = p.store.stats();
        out.push(PaneInfo {
            id: p.name(),
            session,
            tab,
            tab_name,
            pipe: p.pipe().filter(|x| x.is_open()).map(|x| x.command.clone()),
            pipe_lost_bytes: p.pipe().map_or(0, |x| x.lost_bytes()),
            cols,
            rows,
            command: p.command.clone(),
            pid: p.pid,
            cwd,
            title,
            history_rows: hs.rows + edge,
            active,
            popup,
            exit_status: p.exit().map(|e| e.status),
            history_lost_rows: hs.lost_rows,
            history_error: hs.last_error,
        });
    }
    conn.send(&Response::Panes(out)).await.map_err(io)
}
