//! How CLI commands reach the server: find its socket, start it if none answers, handshake,
//! then request/response over length-prefixed frames.

use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use spool_proto::{frame, Request, Response, PROTOCOL_VERSION};

/// How long a client waits for a server it started to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// Which server a command talks to.
#[derive(Clone, Debug)]
pub struct Target {
    pub socket: PathBuf,
}

impl Target {
    pub fn new(name: Option<&str>, socket: Option<&Path>) -> Target {
        Target {
            socket: spool_proto::paths::socket_path(name, socket),
        }
    }

    /// Connect, starting a server in the background if none answers.
    pub fn connect(&self) -> Result<Client> {
        match self.try_connect()? {
            Some(c) => Ok(c),
            None => {
                self.start_server()?;
                let deadline = Instant::now() + START_TIMEOUT;
                loop {
                    if let Some(c) = self.try_connect()? {
                        return Ok(c);
                    }
                    if Instant::now() > deadline {
                        bail!(
                            "started a server but it did not answer on {} (see {})",
                            self.socket.display(),
                            spool_proto::paths::log_path(&self.name()).display()
                        );
                    }
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
        }
    }

    /// Connect to a running server only (`kill-server` must not start one).
    pub fn connect_existing(&self) -> Result<Option<Client>> {
        self.try_connect()
    }

    pub fn name(&self) -> String {
        spool_proto::paths::server_name(&self.socket)
    }

    fn try_connect(&self) -> Result<Option<Client>> {
        let stream = match UnixStream::connect(&self.socket) {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Ok(None)
            }
            Err(e) => {
                return Err(e).with_context(|| format!("connecting to {}", self.socket.display()))
            }
        };
        let mut c = Client { stream };
        c.send(&Request::Hello {
            protocol: PROTOCOL_VERSION,
            client: env!("CARGO_PKG_VERSION").into(),
        })?;
        match c.recv()? {
            Response::Welcome { .. } => Ok(Some(c)),
            Response::Error { message } => bail!("{message}"),
            other => bail!("unexpected handshake answer: {other:?}"),
        }
    }

    fn start_server(&self) -> Result<()> {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().context("finding the spool binary")?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("-S").arg(&self.socket).arg("server");
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        // SAFETY: setsid is async-signal-safe; it detaches the server from our terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        cmd.spawn().context("starting the server")?;
        Ok(())
    }
}

/// A connected, greeted client.
pub struct Client {
    stream: UnixStream,
}

impl Client {
    pub fn send(&mut self, r: &Request) -> Result<()> {
        frame::write(&mut self.stream, r).map_err(|e| anyhow!("sending to the server: {e}"))
    }

    pub fn recv(&mut self) -> Result<Response> {
        frame::read(&mut self.stream).map_err(|e| match e {
            frame::FrameError::Closed => anyhow!("the server closed the connection"),
            e => anyhow!("reading from the server: {e}"),
        })
    }

    /// The socket, for a client that takes over the connection (attach).
    pub fn into_stream(self) -> UnixStream {
        self.stream
    }

    /// One request, one response; an error response becomes an error.
    pub fn request(&mut self, r: &Request) -> Result<Response> {
        self.send(r)?;
        match self.recv()? {
            Response::Error { message } => bail!("{message}"),
            other => Ok(other),
        }
    }
}

/// The client's environment and directory, so panes start where the user is.
pub fn spawn_from_here(
    command: Vec<String>,
    cwd: Option<String>,
    remain: bool,
) -> spool_proto::Spawn {
    let cwd = cwd.or_else(|| {
        std::env::current_dir()
            .ok()
            .map(|p| p.display().to_string())
    });
    spool_proto::Spawn {
        command,
        cwd,
        remain_on_exit: remain,
        env: std::env::vars().collect(),
    }
}
