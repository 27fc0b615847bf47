//! `spool pipe-pane [-o] [-t PANE] [COMMAND]` (tmux's `pipep`): copy a pane's output to a
//! command (see `pipe.rs` for the bounded queue). Any pipe the pane had is closed first; no
//! command just closes it; with `-o` a pane that had one is only closed (a toggle).

use std::sync::Arc;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    command: Option<String>,
    only_if_none: bool,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let had = pane.pipe().is_some_and(|p| p.is_open());
    pane.set_pipe(None);
    let command = command.filter(|c| !c.trim().is_empty());
    if let Some(cmd) = command.filter(|_| !(only_if_none && had)) {
        let cwd = pane.cwd();
        let pipe = crate::pipe::Pipe::start(&cmd, cwd.as_deref())
            .map_err(|e| format!("pipe-pane: cannot run {cmd:?}: {e}"))?;
        pane.set_pipe(Some(pipe));
    }
    done(conn).await
}
