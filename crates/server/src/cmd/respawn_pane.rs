//! `spool respawn-pane [-k] [-c DIR] [-t PANE] [-- COMMAND…]` (tmux's `respawnp`): start the
//! pane's program again in the same place, with the same id, keeping its history (a marker
//! row separates the old output from the new). A pane whose program still runs is refused
//! ("still active", as tmux says) unless `-k` kills it first.
//!
//! The old pane leaves the pane map before it is killed, so its exit does not close the pane
//! in the layout; its history is flushed and made durable before the new program's store
//! reopens the same directory (one writer at a time). Taking it out of the map is what
//! claims the respawn: of two respawns of one pane at once, the one that finds it gone (or
//! another pane in its place) is refused, so two programs never share one history.

use std::sync::Arc;
use std::time::Duration;

use super::{done, CmdResult};
use crate::conn::Conn;
use crate::server::{now_unix, Server};

/// How long a killed program gets to exit after SIGHUP before it is sent SIGKILL.
const KILL_GRACE: Duration = Duration::from_secs(2);

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    kill: bool,
    cwd: Option<String>,
    command: Vec<String>,
) -> CmdResult {
    let old = server.resolve_pane(target.as_deref(), conn.here)?;
    if old.exit().is_none() && !kill {
        return Err(format!("pane {} still active", old.name()));
    }
    let id = old.id;
    let (session_env, remain) = {
        let mut st = server.state();
        let si = Server::session_index_of(&st, id).ok_or("pane has no session")?;
        let env = st.sessions[si].env.clone();
        if !st.panes.get(&id).is_some_and(|p| Arc::ptr_eq(p, &old)) {
            return Err(format!("pane {} is being respawned", old.name()));
        }
        st.panes.remove(&id);
        (env, old.remain_on_exit)
    };
    let spawn = spool_proto::Spawn {
        command: if command.is_empty() {
            old.argv.clone()
        } else {
            command
        },
        cwd: cwd.or_else(|| old.cwd()),
        remain_on_exit: remain,
        env: old.spawn_env.clone(),
    };
    let (cols, rows) = old.size();
    old.hangup();
    if old.exit().is_none() {
        // Its reader stopped with the hangup: wait for the child itself.
        let deadline = std::time::Instant::now() + KILL_GRACE;
        while old.child_exit().is_none() && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if old.child_exit().is_none() {
            // SAFETY: plain kill(2) of our child's process group and the child.
            unsafe {
                libc::kill(-(old.pid as i32), libc::SIGKILL);
                libc::kill(old.pid as i32, libc::SIGKILL);
            }
        }
    }
    let retiring = old.clone();
    tokio::task::spawn_blocking(move || retiring.retire())
        .await
        .map_err(|e| format!("respawn-pane failed: {e}"))?;
    let revival = crate::spawn::Revival {
        id,
        dir: old.history_dir.clone(),
        marker: format!(
            "── respawned {} ──",
            crate::persist::utc_minutes(now_unix())
        ),
        typed: None,
        started_unix: old.started_unix,
    };
    match server.spawn_pane(&spawn, &session_env, cols, rows, remain, Some(revival)) {
        Ok(_) => {
            server.bump();
            done(conn).await
        }
        Err(e) => {
            // The pane cannot come back: it goes from its layout as a closed pane does.
            server.state().panes.insert(id, old);
            server.remove_pane(id);
            Err(e)
        }
    }
}
