//! `spool rename-tab` (tmux's `rename-window`, `C-b ,`): a tab's name; an empty name gives it
//! back its automatic one (the program in its active pane).

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;
use crate::session::clean_name;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    name: String,
) -> CmdResult {
    let here = conn.here;
    let name = if name.is_empty() {
        name
    } else {
        clean_name("tab", &name)?
    };
    arrange(server, |st| {
        let (si, ti) = crate::target::resolve_tab(st, target.as_deref(), here)?;
        st.sessions[si].tabs[ti].name = name.clone();
        let s = &st.sessions[si];
        server.announce("tab-renamed", None, Some((s.id, &s.name)), |e| {
            e.tab = Some(ti as u32);
            e.text = Some(name);
        });
        Ok(Vec::new())
    })?;
    done(conn).await
}
