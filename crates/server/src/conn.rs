//! One client connection: peer check, handshake, then requests until the client leaves.
//!
//! A frame that is too large, malformed, or not a request drops this client only, after telling
//! it why; the server and every other client carry on.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use spool_proto::frame::{self, FrameError};
use spool_proto::{Request, Response, PROTOCOL_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::UnixStream;

use crate::server::Server;

/// Write side of a connection, as the commands see it.
pub struct Conn {
    rd: Option<OwnedReadHalf>,
    wr: OwnedWriteHalf,
    server: Arc<Server>,
    buffered: u64,
}

impl Conn {
    /// Send one response (awaits the socket: a slow client slows only its own command).
    pub async fn send(&mut self, r: &Response) -> std::io::Result<()> {
        let bytes = frame::encode(r).map_err(std::io::Error::other)?;
        self.account(bytes.len() as u64);
        let res = self.wr.write_all(&bytes).await;
        self.account(0);
        res
    }

    fn account(&mut self, now: u64) {
        let g = &self.server.client_bytes;
        g.fetch_sub(self.buffered, Ordering::Relaxed);
        g.fetch_add(now, Ordering::Relaxed);
        self.buffered = now;
    }

    async fn read_request(&mut self) -> Result<Request, FrameError> {
        let rd = self.rd.as_mut().ok_or(FrameError::Closed)?;
        read_request(rd).await
    }

    /// Hand the read side to an attached client's reader task.
    pub fn take_reader(&mut self) -> Option<OwnedReadHalf> {
        self.rd.take()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.account(0);
    }
}

/// Read one request frame: the length is checked before the body is allocated.
pub async fn read_request(rd: &mut OwnedReadHalf) -> Result<Request, FrameError> {
    let mut prefix = [0u8; 4];
    match rd.read_exact(&mut prefix).await {
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Err(FrameError::Closed),
        other => other?,
    };
    let len = frame::body_len(prefix)?;
    let mut body = vec![0u8; len];
    rd.read_exact(&mut body).await?;
    frame::decode(&body)
}

/// Serve one client until it disconnects or misbehaves.
pub async fn serve(server: Arc<Server>, stream: UnixStream) {
    // SAFETY: getuid cannot fail.
    let me = unsafe { libc::getuid() };
    let peer = stream.peer_cred().ok().map(|c| c.uid());
    let (rd, wr) = stream.into_split();
    let mut conn = Conn {
        rd: Some(rd),
        wr,
        server: server.clone(),
        buffered: 0,
    };
    if peer != Some(me) {
        tracing::warn!("refused a client of another user");
        let _ = conn
            .send(&Response::Error {
                message: "permission denied: this server belongs to another user".into(),
            })
            .await;
        return;
    }
    if !server.client_connected() {
        let _ = conn
            .send(&Response::Error {
                message: "too many clients".into(),
            })
            .await;
        return;
    }
    let result = session(&server, &mut conn).await;
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

async fn session(server: &Arc<Server>, conn: &mut Conn) -> Result<(), FrameError> {
    match conn.read_request().await? {
        Request::Hello { protocol, .. } if protocol == PROTOCOL_VERSION => {
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
        let req = conn.read_request().await?;
        if let Err(message) = crate::cmd::dispatch(server, conn, req).await {
            conn.send(&Response::Error { message }).await?;
        }
    }
}
