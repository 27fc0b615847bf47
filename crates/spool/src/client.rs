//! How CLI commands reach the server: find its socket, start it if none answers (only the
//! commands that create sessions do), check that it is this user's, handshake, then
//! request/response over length-prefixed frames.

use std::io::{BufReader, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use spool_proto::{frame, Request, Response, PROTOCOL_VERSION};

/// How long a client waits for a server it started to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a client waits for any message from the server while a request is answered. The
/// server answers at once, streams, or sends `Response::Pending` every
/// `spool_proto::HEARTBEAT_EVERY` while it works, so a silence this long means it stopped.
pub const REPLY_TIMEOUT: Duration = Duration::from_secs(30);

/// Most bytes of a starting server's error output shown to the user.
const START_ERROR_MAX: usize = 16 * 1024;

/// Which server a command talks to, and the pane it runs in, if it runs inside one of that
/// server's panes.
#[derive(Clone, Debug)]
pub struct Target {
    pub socket: PathBuf,
    /// The pane (`%N` in `$SPOOL`) this command runs in, when it runs in a pane of this
    /// server: the server makes it the default target of commands, as `$TMUX_PANE` is tmux's.
    pub here: Option<u32>,
    /// The attached client whose binding or prompt runs this command (`$SPOOL_CLIENT`, set
    /// with `$SPOOL` by that client): the server then targets that client's focused pane at
    /// request time. Only with `here` (the same server).
    pub for_client: Option<u64>,
}

/// Set in the environment of command lines an attach client runs (its bindings, its
/// prompt): that client's id, so their default target is the pane it has focused when
/// each request arrives (see `Request::Hello::for_client`).
pub const CLIENT_ENV: &str = "SPOOL_CLIENT";

/// `$SPOOL` as the server sets it in every pane: `SOCKET,%N`.
pub fn spool_env() -> Option<(PathBuf, u32)> {
    let v = std::env::var_os("SPOOL")?;
    let v = v.to_str()?;
    let (sock, pane) = v.rsplit_once(',')?;
    let pane = pane.strip_prefix('%')?.parse().ok()?;
    (!sock.is_empty()).then(|| (PathBuf::from(sock), pane))
}

impl Target {
    /// `-L NAME` / `-S PATH`; with neither, inside a spool pane, the server of that pane (as
    /// tmux uses `$TMUX`), else the default server.
    pub fn new(name: Option<&str>, socket: Option<&Path>) -> Result<Target> {
        let env = spool_env();
        let socket = match (name, socket, &env) {
            (None, None, Some((sock, _))) => sock.clone(),
            _ => spool_proto::paths::socket_path(name, socket)?,
        };
        // Absolute, so `$SPOOL` in the panes names it from anywhere.
        let socket = std::path::absolute(&socket).unwrap_or(socket);
        let here = env.and_then(|(sock, pane)| {
            let sock = std::path::absolute(&sock).unwrap_or(sock);
            (sock == socket).then_some(pane)
        });
        let for_client = here
            .and(std::env::var(CLIENT_ENV).ok())
            .and_then(|v| v.parse().ok());
        Ok(Target {
            socket,
            here,
            for_client,
        })
    }

    /// Connect, starting a server in the background if none answers (`new`, `attach`).
    pub fn connect_or_start(&self) -> Result<Client> {
        if let Some(c) = self.try_connect()? {
            return Ok(c);
        }
        let warnings = self.start_server()?;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Some(c) = self.try_connect()? {
                if !warnings.is_empty() {
                    eprint!("{}", spool_proto::text::sanitize_block(&warnings));
                }
                return Ok(c);
            }
            if Instant::now() > deadline {
                let log = spool_proto::paths::log_path(&self.name())
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                if warnings.trim().is_empty() {
                    bail!(
                        "started a server but it did not answer on {} (see {log})",
                        self.socket.display()
                    );
                }
                bail!(
                    "the server did not start: {}",
                    spool_proto::text::sanitize(warnings.trim())
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Connect to a running server; "no server running" otherwise, as tmux says. Commands
    /// that only read or change what exists never start a server.
    pub fn connect(&self) -> Result<Client> {
        self.try_connect()?
            .ok_or_else(|| anyhow!("no server running on {}", self.socket.display()))
    }

    /// Connect to a running server only, if there is one.
    pub fn connect_existing(&self) -> Result<Option<Client>> {
        self.try_connect()
    }

    pub fn name(&self) -> String {
        spool_proto::paths::server_name(&self.socket)
    }

    fn try_connect(&self) -> Result<Option<Client>> {
        if spool_proto::paths::in_socket_dir(&self.socket) {
            // The default socket directory must be ours alone before anything is sent into it.
            let dir = spool_proto::paths::socket_dir();
            if std::fs::symlink_metadata(&dir).is_err() {
                return Ok(None);
            }
            spool_proto::paths::check_private_dir(&dir)?;
        }
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
        // Nothing is sent (not even the hello) to a server run by someone else.
        let me = spool_proto::peer::my_uid();
        match spool_proto::peer::peer_uid(stream.as_raw_fd()) {
            Ok(uid) if uid == me => {}
            Ok(uid) => bail!(
                "{} is served by uid {uid}, not by you (uid {me}): refusing to talk to it",
                self.socket.display()
            ),
            Err(e) => return Err(e).context("checking who runs the server"),
        }
        stream
            .set_read_timeout(Some(REPLY_TIMEOUT))
            .context("setting a read timeout")?;
        let reader = BufReader::with_capacity(
            READ_BUFFER_BYTES,
            stream.try_clone().context("cloning the socket")?,
        );
        let mut c = Client {
            stream,
            reader,
            body: Vec::new(),
            pid: 0,
            version: String::new(),
        };
        let hello = Request::Hello {
            protocol: PROTOCOL_VERSION,
            client: env!("CARGO_PKG_VERSION").into(),
            pane: self.here,
            for_client: self.for_client,
        };
        let answer = match frame::write(&mut c.stream, &hello)
            .and_then(|()| frame::read::<Response>(&mut c.reader))
        {
            Ok(a) => a,
            Err(e) if went_away(&e) => {
                // A server that crashed a moment ago: its listening socket lived until its
                // last thread ended, and took our connection with it. Wait until the socket
                // is dead too; then there is no server.
                let until = Instant::now() + START_TIMEOUT;
                while UnixStream::connect(&self.socket).is_ok() && Instant::now() < until {
                    std::thread::sleep(Duration::from_millis(10));
                }
                return Ok(None);
            }
            Err(e) => bail!("talking to the server: {e}"),
        };
        match answer {
            Response::Welcome { pid, server, .. } => {
                c.pid = pid;
                c.version = server;
                Ok(Some(c))
            }
            Response::Error { message } => bail!("{}", spool_proto::text::sanitize(&message)),
            other => bail!("unexpected handshake answer: {other:?}"),
        }
    }

    /// Start a server in the background and wait until it is ready or has died. What it writes
    /// to stderr until then (config warnings, or why it could not start) is returned: the
    /// server closes its stderr once its socket accepts connections.
    fn start_server(&self) -> Result<String> {
        use std::os::unix::process::CommandExt;
        let exe = std::env::current_exe().context("finding the spool binary")?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("-S")
            .arg(&self.socket)
            .arg("server")
            .arg("--on-demand");
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        // A panic backtrace in a server started on demand costs ~90 MB of debug tables.
        cmd.env_remove("RUST_BACKTRACE").env_remove(CLIENT_ENV);
        // SAFETY: setsid is async-signal-safe; it detaches the server from our terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let mut child = cmd.spawn().context("starting the server")?;
        let mut err = child.stderr.take().context("the server's stderr")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut err)
                .take(START_ERROR_MAX as u64)
                .read_to_end(&mut buf);
            let _ = tx.send(buf);
        });
        let out = rx.recv_timeout(START_TIMEOUT).unwrap_or_default();
        // The server runs on by itself; reap it if it already ended so it is not a zombie.
        let _ = child.try_wait();
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

/// What one read from the server's socket may take: a frame's length prefix and its body
/// in one read, and many frames of a stream (a search's hits, an attach's updates) at once.
/// 64 KiB is the order of the socket's own buffer, so one read empties it.
pub const READ_BUFFER_BYTES: usize = 64 * 1024;

/// A connected, greeted client.
pub struct Client {
    /// Requests are written here.
    stream: UnixStream,
    /// Answers are read here: the same socket, buffered.
    reader: BufReader<UnixStream>,
    /// The last frame's body, reused for the next (dropped past [`READ_BUFFER_BYTES`]).
    body: Vec<u8>,
    /// The server's pid and version, from its welcome.
    pid: u32,
    version: String,
}

impl Client {
    pub fn server_pid(&self) -> u32 {
        self.pid
    }

    pub fn server_version(&self) -> &str {
        &self.version
    }

    pub fn send(&mut self, r: &Request) -> Result<()> {
        frame::write(&mut self.stream, r).map_err(|e| anyhow!("sending to the server: {e}"))
    }

    /// The next message, skipping the server's "still working" heartbeats. A server silent
    /// for [`REPLY_TIMEOUT`] is given up on.
    pub fn recv(&mut self) -> Result<Response> {
        loop {
            match frame::read_reusing(&mut self.reader, &mut self.body, READ_BUFFER_BYTES) {
                Ok(Response::Pending) => continue,
                Ok(r) => return Ok(r),
                Err(frame::FrameError::Closed) => bail!("the server closed the connection"),
                Err(frame::FrameError::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) =>
                {
                    bail!(
                        "the server did not answer for {} s; it may be stuck (see its log)",
                        REPLY_TIMEOUT.as_secs()
                    )
                }
                Err(e) => bail!("reading from the server: {e}"),
            }
        }
    }

    /// The socket, for a client that takes over the connection (attach: an attached
    /// client's server is silent while nothing changes, so the read timeout goes): the
    /// side to write requests to, and the buffered side to read from (it may already hold
    /// what the server sent after the last answer read).
    pub fn into_stream(self) -> (UnixStream, BufReader<UnixStream>) {
        let _ = self.stream.set_read_timeout(None);
        (self.stream, self.reader)
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

/// A pane to start in the client's directory (unless `cwd`), with `-e` settings `env`.
pub fn spawn_from_here(
    command: Vec<String>,
    cwd: Option<String>,
    remain: bool,
    env: Vec<(String, String)>,
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
        env,
    }
}

/// The client's whole environment (for `new` and `attach`: the server keeps its
/// `update_environment` values for the session).
pub fn client_env() -> Vec<(String, String)> {
    std::env::vars().collect()
}

impl Target {
    /// Refuse to attach a terminal that already shows this server (a spool pane) to it: the
    /// client would draw itself inside itself. As tmux, `$SPOOL` can be unset to force it.
    pub fn refuse_nesting(&self) -> Result<()> {
        if self.here.is_some() {
            bail!("sessions should be nested with care, unset $SPOOL to force");
        }
        Ok(())
    }
}

/// Did the connection end under us (reset, closed) rather than fail some other way?
fn went_away(e: &frame::FrameError) -> bool {
    match e {
        frame::FrameError::Closed => true,
        frame::FrameError::Io(e) => matches!(
            e.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof
        ),
        _ => false,
    }
}
