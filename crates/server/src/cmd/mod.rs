//! Server side of each command, one file per verb (as tmux's `cmd-*.c`).

use std::sync::Arc;

use spool_proto::Request;

use crate::conn::Conn;
use crate::server::Server;

mod attach;
mod capture;
mod history;
mod kill;
mod list_panes;
mod list_sessions;
mod new_session;
mod new_tab;
mod reload;
mod resize;
mod search;
mod send;
mod split;
mod stats;
mod upgrade;
mod wait;

pub use stats::{collect as collect_stats, log_report};

/// A command's result: `Err` is the one-line message the client prints.
pub type CmdResult = Result<(), String>;

pub(crate) fn io(e: std::io::Error) -> String {
    format!("connection lost: {e}")
}

pub async fn dispatch(server: &Arc<Server>, conn: &mut Conn, req: Request) -> CmdResult {
    match req {
        Request::Hello { .. } => Err("already said hello".into()),
        Request::NewSession(n) => new_session::run(server, conn, n).await,
        Request::NewTab {
            target,
            spawn,
            detached,
        } => new_tab::run(server, conn, target, spawn, detached).await,
        Request::Split {
            target,
            horizontal,
            percent,
            spawn,
        } => split::run(server, conn, target, horizontal, percent, spawn).await,
        Request::Resize { target, cols, rows } => {
            resize::run(server, conn, target, cols, rows).await
        }
        Request::ListSessions => list_sessions::run(server, conn).await,
        Request::ListPanes { target } => list_panes::run(server, conn, target).await,
        Request::SendText {
            target,
            text,
            paste,
            more,
        } => send::text(server, conn, target, text, paste, more).await,
        Request::SendKeys { target, keys } => send::keys(server, conn, target, keys).await,
        Request::Capture(c) => capture::run(server, conn, c).await,
        Request::Search {
            target,
            pattern,
            newest_first,
            history,
        } => search::run(server, conn, target, pattern, newest_first, history).await,
        Request::HistoryList => {
            let list = tokio::task::block_in_place(|| server.history_list());
            conn.send(&spool_proto::Response::Histories(list))
                .await
                .map_err(io)
        }
        Request::HistoryRm {
            ids,
            older_than_secs,
        } => {
            let gone = tokio::task::block_in_place(|| server.history_rm(&ids, older_than_secs))?;
            conn.send(&spool_proto::Response::Removed(gone))
                .await
                .map_err(io)
        }
        Request::Wait { target } => wait::run(server, conn, target).await,
        Request::Kill { target } => kill::run(server, conn, target).await,
        Request::KillServer => kill::server(server, conn).await,
        Request::Upgrade { exe } => upgrade::run(server, conn, exe).await,
        Request::Stats => stats::run(server, conn).await,
        Request::Reload => reload::run(server, conn).await,
        Request::Attach {
            target,
            cols,
            rows,
            env,
        } => attach::run(server, conn, target, cols, rows, env).await,
        req @ (Request::History { .. } | Request::Locate { .. } | Request::JumpPrompt { .. }) => {
            history::run(server, conn, req).await
        }
        Request::Input(_)
        | Request::PaneInput { .. }
        | Request::ClientSize { .. }
        | Request::ClientColors { .. }
        | Request::Act(_)
        | Request::Detach => Err("not attached".into()),
    }
}
