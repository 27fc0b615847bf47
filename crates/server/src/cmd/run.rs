//! `spool run [-t PANE] [--timeout S] -- COMMAND…`: type a command line into the pane's shell
//! at its prompt, wait until the shell says it finished (OSC 133;D), and answer with its
//! command log entry (the client then prints its output with `capture --command N` and exits
//! with its status). The primitive an agent needs instead of send-keys, sleep and guess.
//!
//! It needs shell integration in the pane (`spool shell-init`, or `shell_integration` in the
//! config): without marks there is no telling where the output starts or how it ended, and it
//! is refused at once, saying how to turn it on. A shell busy with another command is
//! refused too (what is typed would go to that command).

use std::sync::Arc;
use std::time::Duration;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::server::Server;

/// How long a shell gets to show a prompt when it has not shown one yet (a pane just
/// created: its rc files still run).
const PROMPT_WAIT: Duration = Duration::from_secs(5);

/// How long the shell gets to say it started the command after it was typed.
const START_WAIT: Duration = Duration::from_secs(10);

/// Longest command line typed (the pane's input queue takes more, but a command line this
/// long is a script: pass a file).
pub const RUN_COMMAND_MAX: usize = 64 * 1024;

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    words: Vec<String>,
    timeout_ms: u64,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let command = command_line(&pane, words);
    if command.len() > RUN_COMMAND_MAX {
        return Err(format!(
            "command line of {} bytes; at most {RUN_COMMAND_MAX}",
            command.len()
        ));
    }
    if command.contains(['\n', '\r']) {
        return Err("one command line, without newlines (join commands with ;)".into());
    }
    if command.chars().any(|c| c.is_control()) {
        // A tab completes, ^C or ^U edit the line, ESC starts a key: typed, they would not be
        // the command given.
        return Err("a command line without control characters".into());
    }
    // One run at a time per pane: each waits for its own command, typed at a prompt.
    let _turn = pane.run_turn.lock().await;
    let mut changed = pane.commands_changed.subscribe();
    // (integrated, at a prompt, between a command's end and the next prompt, newest number)
    let state = |p: &crate::pane::Pane| {
        let log = p.commands.lock().unwrap_or_else(|p| p.into_inner());
        let idle = log.running().is_none();
        (
            log.integrated,
            log.at_prompt.is_some() && idle,
            log.at_prompt.is_none() && idle,
            log.entries().last().map_or(0, |c| c.n),
        )
    };
    // A shell that has not shown its first prompt yet gets a moment.
    let deadline = tokio::time::Instant::now()
        + PROMPT_WAIT.saturating_sub(pane.created.elapsed())
        + Duration::from_millis(10);
    // A command just ended: its shell's prompt (the next mark) is a moment away.
    let prompt_by = tokio::time::Instant::now() + PROMPT_WAIT;
    loop {
        let (integrated, ready, between, _) = state(&pane);
        if ready {
            break;
        }
        if integrated && between && tokio::time::Instant::now() < prompt_by {
            let _ = tokio::time::timeout_at(prompt_by, changed.changed()).await;
            continue;
        }
        let young = pane.created.elapsed() < PROMPT_WAIT;
        if !integrated && !young {
            return Err(format!(
                "pane {} has no shell integration: add `eval \"$(spool shell-init bash)\"` to \
                 ~/.bashrc (zsh and fish too, see spool shell-init --help), or set \
                 shell_integration = true in the config, and start a new shell",
                pane.name()
            ));
        }
        if integrated {
            return Err(format!(
                "pane {}'s shell is running a command (spool run waits for a prompt)",
                pane.name()
            ));
        }
        // Marks, or the pane is not young any more (then it is said why above).
        let _ = tokio::time::timeout_at(deadline, changed.changed()).await;
    }
    let before = state(&pane).3;
    let mut line = command.into_bytes();
    line.push(b'\r');
    pane.write_input(&line)
        .map_err(|e| format!("typing into pane {}: {e}", pane.name()))?;
    // Until the command we typed has started, then until it has ended.
    let start_by = tokio::time::Instant::now() + START_WAIT;
    let end_by = tokio::time::Instant::now() + Duration::from_millis(timeout_ms.max(1));
    let mut beat = tokio::time::interval(spool_proto::HEARTBEAT_EVERY);
    beat.tick().await;
    loop {
        let newest = {
            let log = pane.commands.lock().unwrap_or_else(|p| p.into_inner());
            log.entries().last().filter(|c| c.n > before).cloned()
        };
        // Not started yet: the start's deadline wakes the wait too.
        let wake = if newest.is_none() {
            start_by.min(end_by)
        } else {
            end_by
        };
        match newest {
            Some(c) if !c.running() => {
                let r = Response::Ran {
                    pane: pane.name(),
                    command: c,
                    timed_out: false,
                };
                return conn.send(&r).await.map_err(io);
            }
            None if tokio::time::Instant::now() >= start_by => {
                return Err(format!(
                    "pane {}'s shell did not start the command",
                    pane.name()
                ));
            }
            Some(c) if tokio::time::Instant::now() >= end_by => {
                let r = Response::Ran {
                    pane: pane.name(),
                    command: c,
                    timed_out: true,
                };
                return conn.send(&r).await.map_err(io);
            }
            _ => {}
        }
        if pane.exit().is_some() {
            return Err(format!("pane {} exited", pane.name()));
        }
        tokio::select! {
            r = changed.changed() => if r.is_err() {
                return Err(format!("pane {} closed", pane.name()));
            },
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
            _ = tokio::time::sleep_until(wake) => {}
        }
    }
}

/// The line to type: one word as it is, several quoted for the shell in the foreground.
fn command_line(pane: &crate::pane::Pane, words: Vec<String>) -> String {
    if words.len() == 1 {
        return words.into_iter().next().unwrap_or_default();
    }
    let quote = match pane.current_command().as_str() {
        "fish" => spool_proto::text::fish_quote,
        _ => spool_proto::text::shell_quote,
    };
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}
