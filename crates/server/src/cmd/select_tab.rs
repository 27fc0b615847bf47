//! `spool select-tab` (tmux's `select-window`): show a tab of a session: the target, or the
//! last (`-l`, tmux's `last-window`, `C-b l`), next (`-n`) or previous (`-p`) one.

use std::sync::Arc;

use super::{arrange, done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    last: bool,
    step: i8,
) -> CmdResult {
    let here = conn.here;
    arrange(server, |st| {
        let (si, ti) = crate::target::resolve_tab(st, target.as_deref(), here)?;
        let s = &mut st.sessions[si];
        let n = s.tabs.len() as i64;
        let i = if last {
            s.last_tab
                .filter(|l| *l < s.tabs.len())
                .ok_or("no last tab")?
        } else if step != 0 {
            (s.active_tab as i64 + step as i64).rem_euclid(n) as usize
        } else {
            ti
        };
        s.select_tab(i)?;
        Ok(vec![si])
    })?;
    done(conn).await
}
