//! Messages. Targets are strings resolved by the server like tmux's `-t`: `%N` is a pane, any
//! other text a session name (meaning its active pane), and no target means the most recent
//! session.

use serde::{Deserialize, Serialize};

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// First message on every connection.
    Hello {
        protocol: u32,
        client: String,
    },
    NewSession(NewSession),
    NewTab {
        target: Option<String>,
        spawn: Spawn,
    },
    Split {
        target: Option<String>,
        /// Side by side (tmux `-h`) rather than one above the other (`-v`, the default).
        horizontal: bool,
        /// Size of the new pane as a percentage of the split pane (default 50).
        percent: Option<u8>,
        spawn: Spawn,
    },
    Resize {
        target: Option<String>,
        cols: Option<u16>,
        rows: Option<u16>,
    },
    ListSessions,
    ListPanes {
        target: Option<String>,
    },
    /// Literal bytes to the pane's input.
    SendText {
        target: Option<String>,
        text: Vec<u8>,
    },
    /// Key names (`Enter`, `C-c`, `Up`, `F5`, `M-x`, …) encoded for the pane's modes.
    SendKeys {
        target: Option<String>,
        keys: Vec<String>,
    },
    Capture(Capture),
    Search {
        target: Option<String>,
        pattern: String,
    },
    /// Block until the pane's process exited and all its output was processed.
    Wait {
        target: Option<String>,
    },
    Kill {
        target: Option<String>,
    },
    KillServer,
    Stats,
}

/// How to start a pane's process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawn {
    /// Program and arguments; empty = the user's `$SHELL` as a login shell.
    pub command: Vec<String>,
    /// Working directory; `None` = the client's current directory.
    pub cwd: Option<String>,
    /// Keep the pane (showing the exit status) after its process exits.
    pub remain_on_exit: bool,
    /// Environment of the client, so panes start like a shell the user would open.
    pub env: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub name: Option<String>,
    pub cols: Option<u16>,
    pub rows: Option<u16>,
    pub spawn: Spawn,
}

/// One end of a capture range, in tmux's line numbers: 0 is the top screen row, negative
/// numbers reach into history (-1 = the newest history row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Line {
    /// `-S -`: the oldest history row; `-E -`: the last screen row.
    Edge,
    At(i64),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capture {
    pub target: Option<String>,
    /// Default: 0 (top of the screen).
    pub start: Option<Line>,
    /// Default: the last screen row.
    pub end: Option<Line>,
    /// Keep colors and attributes as SGR escapes.
    pub escapes: bool,
    /// Join soft-wrapped rows into their logical lines.
    pub join: bool,
}

/// What the server answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Response {
    Welcome {
        protocol: u32,
        server: String,
        pid: u32,
    },
    /// The request succeeded and has nothing to say.
    Done,
    /// The request failed; one line for the user.
    Error {
        message: String,
    },
    Created {
        session: String,
        pane: String,
    },
    Sessions(Vec<SessionInfo>),
    Panes(Vec<PaneInfo>),
    /// A piece of a capture; more follow until [`Response::End`].
    Text(Vec<u8>),
    SearchProgress {
        rows_done: u64,
        rows_total: u64,
    },
    SearchMatch(SearchHit),
    /// End of a stream.
    End,
    /// The pane's process exited with this status (128+N for signal N).
    Exited {
        status: i32,
    },
    Stats(ServerStats),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub name: String,
    pub tabs: u32,
    pub panes: u32,
    pub created_unix: u64,
    pub cols: u16,
    pub rows: u16,
    pub active_pane: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneInfo {
    pub id: String,
    pub session: String,
    pub tab: u32,
    pub cols: u16,
    pub rows: u16,
    pub command: String,
    pub pid: u32,
    pub cwd: String,
    pub title: String,
    pub history_rows: u64,
    pub active: bool,
    /// Exit status once the process has exited (panes kept by remain-on-exit).
    pub exit_status: Option<i32>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchHit {
    /// tmux line number (negative = history, 0.. = screen), as `capture -S/-E` takes.
    pub line: i64,
    /// Stable history row number (for history rows), for tools that scroll to it.
    pub row: Option<u64>,
    /// Cell column where the match starts.
    pub col: u32,
    /// The row's text.
    pub text: String,
}

/// One named memory account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gauge {
    pub name: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneStats {
    pub id: String,
    pub history_rows: u64,
    pub history_rows_in_memory: u64,
    /// Heap bytes of this pane: screen, tables, escape buffers, hot history.
    pub memory_bytes: u64,
    pub disk_bytes: u64,
    pub uncompressed_bytes: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    pub pid: u32,
    pub rss_bytes: u64,
    pub gauges: Vec<Gauge>,
    /// RSS the gauges do not explain (code, allocator, runtime, stacks).
    pub unexplained_bytes: u64,
    pub panes: Vec<PaneStats>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub uptime_secs: u64,
}
