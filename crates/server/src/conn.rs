//! One client connection: peer check, handshake, then requests until the client leaves.
//!
//! Nothing a client sends costs more than it has actually sent, and nothing waits on a client
//! forever:
//! - a connection from another user is refused before anything is read;
//! - the hello must arrive within [`HANDSHAKE_TIMEOUT`], and only a client that said hello
//!   counts against `MAX_CLIENTS` (at most [`MAX_HANDSHAKING`] may be saying it at once);
//! - a request frame is at most [`MAX_REQUEST_BYTES`]; its buffer grows as bytes arrive, paid
//!   for from one server-wide budget ([`REQUEST_BUDGET_BYTES`]) that also covers the decoded
//!   request until it has been handled; a frame that stops arriving for
//!   [`FRAME_IDLE_TIMEOUT`] drops its client;
//! - a handler that panics is caught ([`crate::catch`]): logged, and the client is told.
//!
//! A frame that is too large, malformed, or not a request drops this client only, after telling
//! it why; the server and every other client carry on.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use spool_proto::frame::{self, FrameError};
use spool_proto::{Request, Response, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::server::Server;

/// Largest request frame. Requests are small: keys, names, a pane's environment; `send`
/// streams its text in pieces of `spool_proto::SEND_CHUNK_BYTES`. (Responses, which the
/// trusted server writes, may be up to `MAX_FRAME_BYTES`.)
pub const MAX_REQUEST_BYTES: usize = 1024 * 1024;

/// A decoded request can take more memory than its frame: an environment entry of two empty
/// strings is 2 bytes on the wire and 48 in memory. The budget is charged this much per byte
/// received, so it bounds the decoded requests too.
const DECODED_BYTES_PER_WIRE_BYTE: usize = 24;

/// Memory all connections together may hold in requests being received or handled. A frame
/// waiting for budget waits at most [`FRAME_IDLE_TIMEOUT`]. 64 MiB is a few thousand ordinary
/// requests, or two of the largest at once.
pub const REQUEST_BUDGET_BYTES: usize = 64 * 1024 * 1024;

/// Request buffers grow from this size, doubling. A frame's first `GROW_FROM` bytes do not
/// come from the budget: they cost at most (`MAX_CLIENTS` + `MAX_HANDSHAKING`) × 4 KiB × the
/// decoding factor (25 MiB) across all connections, and every ordinary request fits in them.
const GROW_FROM: usize = 4096;

/// A new connection must say hello within this.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// A frame that has started must keep arriving: no read may wait longer than this for its
/// next bytes (between frames a client may be idle as long as it likes).
pub const FRAME_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Connections that have not said hello yet; more are refused at once. Each costs a task and
/// a socket for at most [`HANDSHAKE_TIMEOUT`].
pub const MAX_HANDSHAKING: usize = 64;

/// The server-wide budget for requests in flight.
pub fn request_budget() -> Arc<Semaphore> {
    Arc::new(Semaphore::new(
        REQUEST_BUDGET_BYTES.min(Semaphore::MAX_PERMITS),
    ))
}

/// A request and the budget it holds until it has been handled.
pub struct Incoming {
    pub req: Request,
    _held: OwnedSemaphorePermit,
}

/// Write side of a connection, as the commands see it.
pub struct Conn {
    rd: Option<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    server: Arc<Server>,
    buffered: u64,
    /// A `send --paste` in pieces has opened a bracketed paste that a later piece closes.
    /// The pane it was opened in, if the program asked for bracketed paste: if the send
    /// fails or the client goes before the last piece, the paste is closed for it (a
    /// program left in paste mode takes every key as pasted text).
    pub paste_open: Option<(Arc<crate::pane::Pane>, bool)>,
    /// The paste buffer this connection last set: an unnamed append goes on its end (the
    /// later pieces of a long `load-buffer` or copy), not on whatever is newest by then.
    pub last_buffer: Option<String>,
    /// The pane the client runs in (said in its hello): where targets default to. For a
    /// command run by an attached client's binding (`for_client`), set again before each
    /// request to that client's focused pane.
    pub here: Option<u32>,
    /// The pane said in the hello.
    hello_pane: Option<u32>,
    /// The attached client this connection runs a binding or prompt line for (its hello's
    /// `for_client`).
    for_client: Option<u64>,
}

impl Conn {
    /// Send one response (awaits the socket: a slow client slows only its own command).
    pub async fn send(&mut self, r: &Response) -> std::io::Result<()> {
        let bytes = frame::encode(r).map_err(std::io::Error::other)?;
        self.send_encoded(&bytes).await
    }

    /// Send whole frames already encoded (a search's chunk of hits), as they are.
    pub async fn send_encoded(&mut self, frames: &[u8]) -> std::io::Result<()> {
        self.account(frames.len() as u64);
        let res = self.wr.write_all(frames).await;
        self.account(0);
        res
    }

    fn account(&mut self, now: u64) {
        let g = &self.server.client_bytes;
        g.fetch_sub(self.buffered, Ordering::Relaxed);
        g.fetch_add(now, Ordering::Relaxed);
        self.buffered = now;
    }

    async fn read_request(&mut self) -> Result<Incoming, FrameError> {
        let rd = self.rd.as_mut().ok_or(FrameError::Closed)?;
        read_request(rd, &self.server.request_budget).await
    }

    /// Hand the read side to an attached client's reader task.
    pub fn take_reader(&mut self) -> Option<OwnedReadHalf> {
        self.rd.take()
    }
}

impl Conn {
    /// End a bracketed paste left open (see `paste_open`).
    pub fn close_paste(&mut self) {
        if let Some((pane, true)) = self.paste_open.take() {
            let _ = pane.write_input(b"\x1b[201~");
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.close_paste();
        self.account(0);
    }
}

fn timed_out(what: &str) -> FrameError {
    FrameError::Io(std::io::Error::new(
        std::io::ErrorKind::TimedOut,
        format!("{what} stopped arriving"),
    ))
}

/// Read one request frame. The length is checked first; the body buffer grows as bytes
/// arrive, each growth paid for from `budget` (waiting for it at most [`FRAME_IDLE_TIMEOUT`]).
pub async fn read_request(
    rd: &mut OwnedReadHalf,
    budget: &Arc<Semaphore>,
) -> Result<Incoming, FrameError> {
    let mut prefix = [0u8; 4];
    // The first byte may take as long as the client likes; the rest of the frame may not.
    if rd.read(&mut prefix[..1]).await? == 0 {
        return Err(FrameError::Closed);
    }
    tokio::time::timeout(FRAME_IDLE_TIMEOUT, rd.read_exact(&mut prefix[1..]))
        .await
        .map_err(|_| timed_out("a frame's length"))??;
    let len = frame::body_len(prefix)?;
    if len > MAX_REQUEST_BYTES {
        return Err(FrameError::TooLarge(len as u64));
    }
    let mut held = budget
        .clone()
        .try_acquire_many_owned(0)
        .map_err(|_| timed_out("budget"))?;
    let mut body: Vec<u8> = Vec::new();
    while body.len() < len {
        if body.len() == body.capacity() {
            let cap = (body.capacity() * 2).max(GROW_FROM).min(len);
            let extra = cap - body.capacity();
            // Every connection's first GROW_FROM bytes are its own (bounded by the number of
            // connections); only growth past them is paid from the shared budget, so frames
            // stalled while holding the budget never hold up ordinary small requests.
            let paid = cap.saturating_sub(body.capacity().max(GROW_FROM));
            let cost = (paid * DECODED_BYTES_PER_WIRE_BYTE).min(REQUEST_BUDGET_BYTES) as u32;
            let more =
                tokio::time::timeout(FRAME_IDLE_TIMEOUT, budget.clone().acquire_many_owned(cost))
                    .await
                    .map_err(|_| timed_out("the server's request budget for a frame"))?
                    .map_err(|_| timed_out("budget"))?;
            held.merge(more);
            body.reserve_exact(extra);
        }
        let want = (body.capacity() - body.len()).min(len - body.len());
        let n = tokio::time::timeout(
            FRAME_IDLE_TIMEOUT,
            (&mut *rd).take(want as u64).read_buf(&mut body),
        )
        .await
        .map_err(|_| timed_out("a frame"))??;
        if n == 0 {
            return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
    }
    let req = frame::decode(&body)?;
    Ok(Incoming { req, _held: held })
}

/// Serve one client until it disconnects or misbehaves.
pub async fn serve(server: Arc<Server>, stream: UnixStream) {
    let me = spool_proto::peer::my_uid();
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    let (rd, wr) = stream.into_split();
    let mut conn = Conn {
        rd: Some(rd),
        wr,
        server: server.clone(),
        buffered: 0,
        paste_open: None,
        last_buffer: None,
        here: None,
        hello_pane: None,
        for_client: None,
    };
    if peer != Some(me) {
        tracing::warn!(uid = ?peer, "refused a client of another user");
        let _ = conn
            .send(&Response::Error {
                message: "permission denied: this server belongs to another user".into(),
            })
            .await;
        return;
    }
    if server.handshaking.fetch_add(1, Ordering::Relaxed) >= MAX_HANDSHAKING {
        server.handshaking.fetch_sub(1, Ordering::Relaxed);
        let _ = conn
            .send(&Response::Error {
                message: "too many connections waiting to say hello; try again".into(),
            })
            .await;
        return;
    }
    let hello = tokio::time::timeout(HANDSHAKE_TIMEOUT, conn.read_request()).await;
    server.handshaking.fetch_sub(1, Ordering::Relaxed);
    let hello = match hello {
        Ok(Ok(h)) => h,
        Ok(Err(_)) => return,
        Err(_) => {
            tracing::debug!("a client did not say hello in time");
            return;
        }
    };
    if !server.client_connected() {
        let _ = conn
            .send(&Response::Error {
                message: format!(
                    "too many clients (at most {}); close some",
                    crate::server::MAX_CLIENTS
                ),
            })
            .await;
        return;
    }
    let result = session(&server, &mut conn, hello).await;
    server.client_gone();
    match result {
        Ok(()) | Err(FrameError::Closed) => {}
        Err(e) => {
            tracing::warn!(error = %e, "dropping client");
            let _ = conn
                .send(&Response::Error {
                    message: format!("protocol error: {e}"),
                })
                .await;
        }
    }
}

async fn session(server: &Arc<Server>, conn: &mut Conn, hello: Incoming) -> Result<(), FrameError> {
    // The hello's budget goes back now, not when the connection ends.
    let Incoming { req, _held: held } = hello;
    drop(held);
    match req {
        Request::Hello {
            protocol,
            pane,
            for_client,
            ..
        } if protocol == PROTOCOL_VERSION => {
            conn.here = pane;
            conn.hello_pane = pane;
            conn.for_client = for_client;
            conn.send(&Response::Welcome {
                protocol: PROTOCOL_VERSION,
                server: env!("CARGO_PKG_VERSION").into(),
                pid: std::process::id(),
            })
            .await?;
        }
        Request::Hello { protocol, .. } => {
            conn.send(&Response::Error {
                message: format!(
                    "client speaks protocol {protocol}, server {PROTOCOL_VERSION}: \
                     restart the server (spool kill-server) after upgrading"
                ),
            })
            .await?;
            return Ok(());
        }
        _ => {
            conn.send(&Response::Error {
                message: "expected a hello first".into(),
            })
            .await?;
            return Ok(());
        }
    }
    loop {
        let Incoming { req, _held: held } = conn.read_request().await?;
        // An attach is handled for as long as the client stays attached: its frame's budget
        // goes back at once (what it carries is copied into the session).
        let held = (!matches!(req, Request::Attach { .. })).then_some(held);
        if let Some(client) = conn.for_client {
            conn.here = server.focused_pane_of(client).or(conn.hello_pane);
        }
        handle(server, conn, req).await?;
        drop(held);
    }
}

/// Run one request's handler, catching a panic in it.
pub async fn handle(server: &Arc<Server>, conn: &mut Conn, req: Request) -> std::io::Result<()> {
    let verb = req.verb();
    let attach = matches!(req, Request::Attach { .. });
    match crate::catch::catch_panic(crate::cmd::dispatch(server, conn, req)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => conn.send(&Response::Error { message }).await,
        Err(panic) => {
            tracing::error!(request = verb, "request handler panicked: {panic}");
            let message = format!("internal error while handling {verb} (see the server log)");
            if attach {
                conn.send(&Response::Detached { reason: message }).await
            } else {
                conn.send(&Response::Error { message }).await
            }
        }
    }
}
