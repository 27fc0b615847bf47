//! Server side of each command, one file per verb (as tmux's `cmd-*.c`).

use std::sync::Arc;

use spool_proto::Request;

use crate::conn::Conn;
use crate::server::Server;

mod attach;
mod break_pane;
mod capture;
mod clear_history;
mod commands;
mod delete_buffer;
mod display_message;
mod display_popup;
mod events;
mod history;
mod join_pane;
mod kill;
mod kill_tab;
mod list_buffers;
mod list_keys;
mod list_panes;
mod list_sessions;
mod new_session;
mod new_tab;
mod paste_buffer;
mod pipe_pane;
mod reload;
mod rename_session;
mod rename_tab;
mod resize;
mod respawn_pane;
mod rotate;
mod run;
mod scroll_search;
pub(crate) mod search;
mod select_layout;
mod select_pane;
mod select_tab;
mod send;
mod set_buffer;
mod set_option;
mod show_buffer;
mod show_options;
mod split;
mod stats;
mod swap_pane;
mod upgrade;
mod wait;

pub use stats::{collect as collect_stats, log_report};

/// A command's result: `Err` is the one-line message the client prints.
pub type CmdResult = Result<(), String>;

pub(crate) fn io(e: std::io::Error) -> String {
    format!("connection lost: {e}")
}

/// Change sessions' layouts under the state lock: `f` returns the sessions (by index) whose
/// panes may have moved. Their panes are resized once the lock is released (see
/// `StateGuard`), and attached clients redraw.
pub(crate) fn arrange(
    server: &Server,
    f: impl FnOnce(&mut crate::server::State) -> Result<Vec<usize>, String>,
) -> Result<(), String> {
    {
        let mut st = server.state();
        let touched = f(&mut st)?;
        for si in touched {
            if si < st.sessions.len() {
                Server::relayout(&mut st, si);
            }
        }
    }
    server.bump();
    Ok(())
}

/// Answer `Done`.
pub(crate) async fn done(conn: &mut Conn) -> CmdResult {
    conn.send(&spool_proto::Response::Done).await.map_err(io)
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
        Request::Resize {
            target,
            cols,
            rows,
            border,
            zoom,
        } => resize::run(server, conn, target, cols, rows, border, zoom).await,
        Request::SelectLayout {
            target,
            layout,
            step,
        } => select_layout::run(server, conn, target, layout, step).await,
        Request::SwapPane {
            source,
            target,
            step,
            detached,
        } => swap_pane::run(server, conn, source, target, step, detached).await,
        Request::BreakPane {
            source,
            name,
            detached,
        } => break_pane::run(server, conn, source, name, detached).await,
        Request::JoinPane {
            source,
            target,
            horizontal,
            before,
            percent,
            detached,
        } => {
            let how = join_pane::How {
                horizontal,
                before,
                percent,
                detached,
            };
            join_pane::run(server, conn, source, target, how).await
        }
        Request::Rotate { target, down } => rotate::run(server, conn, target, down).await,
        Request::KillTab { target } => kill_tab::run(server, conn, target).await,
        Request::RenameSession { target, name } => {
            rename_session::run(server, conn, target, name).await
        }
        Request::RenameTab { target, name } => rename_tab::run(server, conn, target, name).await,
        Request::SelectPane { target, last, dir } => {
            select_pane::run(server, conn, target, last, dir).await
        }
        Request::SelectTab { target, last, step } => {
            select_tab::run(server, conn, target, last, step).await
        }
        Request::RespawnPane {
            target,
            kill,
            cwd,
            command,
        } => respawn_pane::run(server, conn, target, kill, cwd, command).await,
        Request::ClearHistory { target } => clear_history::run(server, conn, target).await,
        Request::PipePane {
            target,
            command,
            only_if_none,
        } => pipe_pane::run(server, conn, target, command, only_if_none).await,
        Request::DisplayPopup {
            target,
            width,
            height,
            x,
            y,
            close_on_exit,
            toggle,
            close,
            spawn,
        } => {
            display_popup::run(
                server,
                conn,
                target,
                width,
                height,
                x,
                y,
                close_on_exit,
                toggle,
                close,
                spawn,
            )
            .await
        }
        Request::SetOption {
            target,
            global,
            name,
            value,
            unset,
        } => set_option::run(server, conn, target, global, name, value, unset).await,
        Request::ShowOptions {
            target,
            global,
            tab,
            name,
            value_only,
        } => show_options::run(server, conn, target, global, tab, name, value_only).await,
        Request::SetBuffer { name, data, append } => {
            set_buffer::run(server, conn, name, data, append).await
        }
        Request::ShowBuffer { name } => show_buffer::run(server, conn, name).await,
        Request::ListBuffers => list_buffers::run(server, conn).await,
        Request::PasteBuffer {
            name,
            target,
            delete,
            bracketed,
            raw,
        } => paste_buffer::run(server, conn, name, target, delete, bracketed, raw).await,
        Request::DeleteBuffer { name } => delete_buffer::run(server, conn, name).await,
        Request::ListKeys => list_keys::run(server, conn).await,
        Request::DisplayMessage {
            target,
            format,
            print,
        } => display_message::run(server, conn, target, format, print).await,
        Request::ListSessions => list_sessions::run(server, conn).await,
        Request::ListPanes { target, format } => {
            list_panes::run(server, conn, target, format).await
        }
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
            if !gone.is_empty() {
                server.images.want_collection();
            }
            conn.send(&spool_proto::Response::Removed(gone))
                .await
                .map_err(io)
        }
        Request::Wait { target, until } => wait::run(server, conn, target, until).await,
        Request::Commands { target, count } => commands::run(server, conn, target, count).await,
        Request::Events { target, output } => events::run(server, conn, target, output).await,
        Request::Run {
            target,
            command,
            timeout_ms,
        } => run::run(server, conn, target, command, timeout_ms).await,
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
        req @ (Request::History { .. }
        | Request::Locate { .. }
        | Request::CommandAt { .. }
        | Request::JumpPrompt { .. }) => history::run(server, conn, req).await,
        Request::Input(_)
        | Request::PaneInput { .. }
        | Request::ClientSize { .. }
        | Request::ClientColors { .. }
        | Request::Image { .. }
        | Request::ClientCellPixels { .. }
        | Request::Act(_)
        | Request::ScrollSearch { .. }
        | Request::Detach => Err("not attached".into()),
    }
}
