//! `spool break-pane` (`C-b !`): a pane leaves its tab for a new tab of its own in the same
//! session, shown unless `-d`. Its program and history go with it, untouched.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::layout::Node;
use crate::server::Server;
use crate::session::{clean_name, Tab};

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    source: Option<String>,
    name: Option<String>,
    detached: bool,
) -> CmdResult {
    let here = conn.here;
    let name = name.map(|n| clean_name("tab", &n)).transpose()?;
    arrange(server, |st| {
        let p = crate::target::place(st, source.as_deref(), here)?.tile(st)?;
        let s = &mut st.sessions[p.session];
        if s.tabs[p.tab].root.panes().len() == 1 {
            return Err("can't break with only one pane".into());
        }
        s.tabs[p.tab].take_out(p.pane);
        let mut tab = Tab::new(Node::Pane(p.pane), p.pane);
        tab.name = name.unwrap_or_default();
        s.push_tab(tab, detached);
        Ok(vec![p.session])
    })?;
    done(conn).await
}
