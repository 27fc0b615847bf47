//! `spool rename-session` (`C-b $`): a session's new name, cleaned as every name is, and
//! unique.

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
    let name = clean_name("session", &name)?;
    arrange(server, |st| {
        let p = crate::target::place(st, target.as_deref(), here)?;
        if st
            .sessions
            .iter()
            .enumerate()
            .any(|(i, s)| i != p.session && s.name == name)
        {
            return Err(format!("duplicate session: {name}"));
        }
        let old = std::mem::replace(&mut st.sessions[p.session].name, name.clone());
        let sid = st.sessions[p.session].id;
        server.announce("session-renamed", None, Some((sid, &name)), |e| {
            e.text = Some(old)
        });
        Ok(Vec::new())
    })?;
    done(conn).await
}
