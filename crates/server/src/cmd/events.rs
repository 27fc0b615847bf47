//! `spool events [-t PANE|SESSION] [--output]`: the event stream (see `bus.rs`), sent in
//! batches as events come, until the client goes. A pane's events are given their session's
//! name here (the bus filtered them by session already).

use std::sync::Arc;

use spool_proto::Response;

use super::{io, CmdResult};
use crate::bus::Filter;
use crate::conn::Conn;
use crate::server::Server;

/// Unsubscribes when the stream ends, however it ends.
struct Subscription<'a> {
    server: &'a Server,
    sub: Arc<crate::bus::Subscriber>,
}

impl Drop for Subscription<'_> {
    fn drop(&mut self) {
        self.server.bus.unsubscribe(&self.sub);
    }
}

pub async fn run(
    server: &Arc<Server>,
    conn: &mut Conn,
    target: Option<String>,
    output: bool,
) -> CmdResult {
    let filter = match target.as_deref() {
        None => Filter::All,
        Some(t) if t.starts_with('%') => Filter::Pane(server.resolve_pane(Some(t), conn.here)?.id),
        Some(t) => {
            let st = server.state();
            let p = crate::target::place(&st, Some(t), conn.here)?;
            Filter::Session(st.sessions[p.session].id)
        }
    };
    let s = Subscription {
        server,
        sub: server.bus.subscribe(filter, output)?,
    };
    // Subscribed: the client may start what it wants to watch.
    conn.send(&Response::Events(Vec::new())).await.map_err(io)?;
    let mut beat = tokio::time::interval(spool_proto::HEARTBEAT_EVERY);
    beat.tick().await;
    loop {
        tokio::select! {
            batch = s.sub.next() => {
                let batch = with_sessions(server, batch);
                if !batch.is_empty() {
                    conn.send(&Response::Events(batch)).await.map_err(io)?;
                }
            }
            // A client that went away is noticed here, while nothing happens.
            _ = beat.tick() => conn.send(&Response::Pending).await.map_err(io)?,
        }
    }
}

/// Name the session of each pane event.
fn with_sessions(
    server: &Server,
    mut batch: Vec<spool_proto::EventInfo>,
) -> Vec<spool_proto::EventInfo> {
    let st = server.state();
    for e in batch.iter_mut().filter(|e| e.session.is_none()) {
        let id = e
            .pane
            .as_deref()
            .and_then(|p| p.strip_prefix('%')?.parse().ok());
        // (`lagged` has no pane.)
        if let Some(si) = id.and_then(|id| Server::session_index_of(&st, id)) {
            e.session = Some(st.sessions[si].name.clone());
        }
    }
    batch
}
