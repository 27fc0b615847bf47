//! `spool send`: literal text, or key names encoded for the pane's modes.
//!
//! Text of any size streams in: the client sends pieces of `SEND_CHUNK_BYTES`, and each is
//! answered once the pane's input queue (`INPUT_MAX`) has room for it, so a big paste goes in
//! at the pace the program reads. A program that takes nothing for [`INPUT_STALL_TIMEOUT`]
//! fails the send with a message that says so.

use std::sync::Arc;
use std::time::Duration;

use spool_proto::Response;
use tokio::time::Instant;

use super::{io, CmdResult};
use crate::conn::Conn;
use crate::pane::Pane;
use crate::server::Server;

/// How long a send waits for a program that reads none of its input.
pub const INPUT_STALL_TIMEOUT: Duration = Duration::from_secs(10);

pub async fn text(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    text: Vec<u8>,
    paste: bool,
    more: bool,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let bytes = if paste {
        // A paste is one bracketed paste however many pieces it comes in (in the pane it
        // was opened in, bracketed as it was then).
        let (opening, bracketed) = match conn.paste_open.take() {
            Some((p, bracketed)) if p.id == pane.id => (false, bracketed),
            other => {
                if let Some(p) = other {
                    conn.paste_open = Some(p);
                    conn.close_paste();
                }
                (true, pane.term().modes().bracketed_paste)
            }
        };
        if more {
            conn.paste_open = Some((pane.clone(), bracketed));
        }
        if bracketed {
            let mut v = Vec::with_capacity(text.len() + 12);
            if opening {
                v.extend_from_slice(b"\x1b[200~");
            }
            // No ESC inside: the paste cannot end itself early.
            v.extend(text.iter().filter(|&&b| b != 0x1b));
            if !more {
                v.extend_from_slice(b"\x1b[201~");
            }
            v
        } else {
            text
        }
    } else {
        text
    };
    if let Err(e) = queue(&pane, conn, &bytes).await {
        conn.close_paste();
        return Err(e);
    }
    conn.send(&Response::Done).await.map_err(io)
}

pub async fn keys(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    keys: Vec<String>,
) -> CmdResult {
    let pane = server.resolve_pane(target.as_deref(), conn.here)?;
    let app_cursor = pane.term().modes().cursor_keys;
    let mut bytes = Vec::new();
    for k in &keys {
        bytes.extend(crate::keys::encode(k, app_cursor));
    }
    queue(&pane, conn, &bytes).await?;
    conn.send(&Response::Done).await.map_err(io)
}

/// Put `bytes` on the pane's input queue, waiting (with heartbeats to the client) while the
/// queue is full.
pub(super) async fn queue(pane: &Pane, conn: &mut Conn, bytes: &[u8]) -> CmdResult {
    let mut beat = tokio::time::interval(spool_proto::HEARTBEAT_EVERY);
    beat.tick().await;
    let mut progress = Instant::now();
    let mut waiting = pane.input_bytes();
    loop {
        let space = pane.input_space.notified();
        tokio::pin!(space);
        space.as_mut().enable();
        if pane.try_queue_input(bytes)? {
            return Ok(());
        }
        let deadline = progress + INPUT_STALL_TIMEOUT;
        tokio::select! {
            _ = &mut space => {}
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
            _ = tokio::time::sleep_until(deadline) => {}
        }
        let now_waiting = pane.input_bytes();
        if now_waiting < waiting {
            progress = Instant::now();
        }
        waiting = now_waiting;
        if progress.elapsed() >= INPUT_STALL_TIMEOUT {
            return Err(format!(
                "pane {} is not reading its input ({waiting} bytes have waited {} s)",
                pane.name(),
                INPUT_STALL_TIMEOUT.as_secs()
            ));
        }
    }
}
