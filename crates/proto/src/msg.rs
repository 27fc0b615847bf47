//! Messages. Targets are strings resolved by the server like tmux's `-t`: `%N` is a pane, any
//! other text a session name (meaning its active pane), and no target means the most recent
//! session.

use serde::{Deserialize, Serialize};
use spool_cells::Row;

/// What a client asks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// First message on every connection.
    Hello {
        protocol: u32,
        client: String,
        /// The pane the client runs in, when it runs inside one of this server's panes
        /// (from `$SPOOL`): the default target of its commands, as `$TMUX_PANE` is tmux's.
        pane: Option<u32>,
        /// The attached client whose key binding or prompt runs this command (from
        /// `$SPOOL_CLIENT`, set by that client): a command without `-t` then acts on the
        /// pane that client has focused when the request arrives, as a tmux binding does —
        /// not on the pane focused when the key was pressed, which an earlier key may have
        /// changed. `pane` is the fallback once that client is gone.
        for_client: Option<u64>,
    },
    NewSession(NewSession),
    NewTab {
        target: Option<String>,
        spawn: Spawn,
        /// Leave the current tab in front (tmux's `new-window -d`).
        detached: bool,
    },
    Split {
        target: Option<String>,
        /// Side by side (tmux `-h`) rather than one above the other (`-v`, the default).
        horizontal: bool,
        /// Size of the new pane as a percentage of the split pane (default 50).
        percent: Option<u8>,
        spawn: Spawn,
    },
    /// `resize-pane`: set the pane's width or height (or change it by a number of cells), or
    /// move one of its borders; `zoom` toggles zoom.
    Resize {
        target: Option<String>,
        cols: Option<Amount>,
        rows: Option<Amount>,
        /// Move the border in this direction (0 left, 1 down, 2 up, 3 right) by this many
        /// cells (tmux's `-L/-D/-U/-R N`).
        border: Option<(u8, u16)>,
        zoom: bool,
    },
    ListSessions,
    /// Answered by [`Response::Panes`]; with a `format` (tmux's `list-panes -F`), by one
    /// expanded line per pane as `Text`, then `End`.
    ListPanes {
        target: Option<String>,
        format: Option<String>,
    },
    /// Literal bytes to the pane's input (at most [`SEND_CHUNK_BYTES`] per request; longer
    /// text comes as several, the server answering each once the pane has room for it).
    SendText {
        target: Option<String>,
        text: Vec<u8>,
        /// As a paste: inside bracketed-paste markers when the program asked for them.
        paste: bool,
        /// More pieces of the same text follow (a paste stays open across them).
        more: bool,
    },
    /// Key names (`Enter`, `C-c`, `Up`, `F5`, `M-x`, …) encoded for the pane's modes.
    SendKeys {
        target: Option<String>,
        keys: Vec<String>,
    },
    Capture(Capture),
    /// `spool commands`: the pane's command log (from shell integration), oldest first; the
    /// newest `count` if given. Answered [`Response::Commands`].
    Commands {
        target: Option<String>,
        count: Option<u32>,
    },
    /// `spool events`: the event stream, of the target pane or session (or everything),
    /// with pane output if `output`. Answered by [`Response::Events`] batches until the
    /// client goes.
    Events {
        target: Option<String>,
        output: bool,
    },
    /// `spool run`: type `command` and Enter into the pane's shell at its prompt, wait until
    /// it finishes (at most `timeout_ms`), and answer [`Response::Ran`] with its command
    /// log entry; its output is then read with `capture --command N`.
    Run {
        target: Option<String>,
        /// One word is typed as it is (the shell reads it); several are quoted each, for
        /// the shell at the prompt (fish quotes differently from POSIX shells).
        command: Vec<String>,
        timeout_ms: u64,
    },
    Search {
        target: Option<String>,
        pattern: String,
        /// Report matching history rows newest first, each once
        /// (`spool_store::Store::search_rows_newest_first`), so a capped search keeps the newest.
        newest_first: bool,
        /// Search these histories instead of the target pane.
        history: Option<HistoryScope>,
    },
    /// Every pane history on disk: answered by [`Response::Histories`].
    HistoryList,
    /// Delete closed pane histories: these ids, and those that ended more than
    /// `older_than_secs` ago. Answered by [`Response::Removed`].
    HistoryRm {
        ids: Vec<String>,
        older_than_secs: Option<u64>,
    },
    /// Block until the pane's process exited and all its output was processed.
    /// `spool wait`: until the pane's process exited (answered `Exited`), or as `until` says.
    Wait {
        target: Option<String>,
        #[serde(default)]
        until: WaitFor,
    },
    Kill {
        target: Option<String>,
    },
    KillServer,
    /// Become the binary at `exe` (the installed one), handing the panes over so their
    /// programs keep running: answered `Done`, then the connection ends as the server
    /// execs; or an error saying why it cannot.
    Upgrade {
        exe: String,
    },
    Stats,
    /// Attach this connection to a session (the most recent, or a new one if none) with the
    /// client's terminal size; the server then pushes [`Response::Update`]s.
    Attach {
        target: Option<String>,
        cols: u16,
        rows: u16,
        /// The client's environment: the session's `update_environment` values are
        /// refreshed from it.
        env: Vec<(String, String)>,
    },
    /// Attached: bytes typed for the focused pane (already encoded for its modes).
    Input(Vec<u8>),
    /// Attached: bytes for a pane of the session that is not focused (the mouse wheel over
    /// it).
    PaneInput {
        pane: u32,
        bytes: Vec<u8>,
    },
    /// Attached: the default colors of the client's terminal (from OSC 10/11/12), which
    /// programs asking for them are told.
    ClientColors {
        fg: Option<(u8, u8, u8)>,
        bg: Option<(u8, u8, u8)>,
        cursor: Option<(u8, u8, u8)>,
    },
    /// Attached: what `Style::image = id` of pane `pane` shows, and the image's bytes, for a
    /// client that draws images. Answered by [`Response::Image`].
    Image {
        pane: u32,
        id: u32,
    },
    /// Attached: the cell size of the client's terminal in pixels (its answer to `CSI 16 t`),
    /// by which images take cells and which programs asking are told.
    ClientCellPixels {
        width: u16,
        height: u16,
    },
    /// Attached: the client's terminal changed size.
    ClientSize {
        cols: u16,
        rows: u16,
    },
    /// Attached: a prefix-key action.
    Act(Action),
    /// Attached: display rows of a pane's history at `width`, ending `from_bottom` display
    /// rows above the newest; at most `count` rows.
    History {
        pane: u32,
        width: u16,
        from_bottom: u64,
        count: u16,
    },
    /// Attached: scroll mode's search number `id` over pane `pane`'s history, replacing the
    /// one before (an empty pattern only stops it). Answered by [`Response::ScrollFound`]s
    /// carrying `id`, so the client knows a late answer of a search it replaced by its id.
    /// `newest_first`: the scan goes from the newest row (what `?` shows first).
    ScrollSearch {
        id: u32,
        pane: u32,
        pattern: String,
        newest_first: bool,
    },
    /// Attached: the command (from the pane's command log) whose prompt, command line or
    /// output holds the row at scroll-mode position `at` (display rows above the live bottom
    /// at `width`, ≥ 0 history; < 0 the screen's row `-at - 1`). Answered by
    /// [`Response::Commands`] with it, or with none.
    CommandAt {
        pane: u32,
        width: u16,
        at: i64,
    },
    /// Where stored history row `row` shows at `width`: answered by [`Response::Located`].
    Locate {
        pane: u32,
        row: u64,
        width: u16,
    },
    /// The nearest shell prompt (OSC 133;A) older or newer than the display row `from_bottom`:
    /// answered by [`Response::Located`], or an error if there is none.
    JumpPrompt {
        pane: u32,
        width: u16,
        from_bottom: u64,
        older: bool,
    },
    Detach,
    /// Re-read the config file. A bad file is an error naming its line and column, and the
    /// server keeps the config it had.
    Reload,
    /// `select-layout`: arrange the target's tab as a preset layout (by name), or the next
    /// (`step` 1) or previous (-1) one.
    SelectLayout {
        target: Option<String>,
        layout: Option<String>,
        step: i8,
    },
    /// `swap-pane`: exchange the places of `source` (default: the target's previous, with
    /// `step` -1, or next, with 1, pane) and `target` (default: the pane the command runs
    /// in). The focus moves with the pane it was on.
    SwapPane {
        source: Option<String>,
        target: Option<String>,
        step: i8,
        /// Do not move the focus with the pane (tmux's `-d`).
        detached: bool,
    },
    /// `break-pane`: the pane leaves its tab for a new tab of its own.
    BreakPane {
        source: Option<String>,
        name: Option<String>,
        /// Stay on the current tab.
        detached: bool,
    },
    /// `join-pane` / `move-pane`: move `source` into `target`'s tab, splitting `target`.
    JoinPane {
        source: Option<String>,
        target: Option<String>,
        horizontal: bool,
        /// Put it left of (or above) the target rather than right of (or below) it.
        before: bool,
        percent: Option<u8>,
        /// Leave the focus where it is.
        detached: bool,
    },
    /// `rotate-window`: every pane of the tab moves one place up the layout order (the
    /// first to the last), or down (`down`: the last to the first).
    Rotate {
        target: Option<String>,
        down: bool,
    },
    /// `kill-window`: close a tab and its panes.
    KillTab {
        target: Option<String>,
    },
    RenameSession {
        target: Option<String>,
        name: String,
    },
    /// A tab's name; empty gives it back its automatic name.
    RenameTab {
        target: Option<String>,
        name: String,
    },
    /// `select-pane`: focus the target (or its neighbour in direction `dir`, or the tab's
    /// last pane), in its tab.
    SelectPane {
        target: Option<String>,
        last: bool,
        dir: Option<u8>,
    },
    /// `select-window`: show the target's tab, or the last (`last`), next (`step` 1) or
    /// previous (-1) tab of its session.
    SelectTab {
        target: Option<String>,
        last: bool,
        step: i8,
    },
    /// `respawn-pane`: start the pane's command (or `command`) again in the same pane, its
    /// history kept; a pane whose program still runs is refused unless `kill`.
    RespawnPane {
        target: Option<String>,
        kill: bool,
        cwd: Option<String>,
        command: Vec<String>,
    },
    /// `set-option`: set (or with `unset`, forget) an option. Global options are the config
    /// file's settings (`global` is then implied); session and tab options belong to the
    /// target's session or tab. A flag without a value toggles.
    SetOption {
        target: Option<String>,
        global: bool,
        name: String,
        value: Option<String>,
        unset: bool,
    },
    /// `show-options`: `name value` lines as `Text`, then `End` (`value_only`: the value).
    ShowOptions {
        target: Option<String>,
        global: bool,
        tab: bool,
        name: Option<String>,
        value_only: bool,
    },
    /// `display-popup`: a pane floating over the target's tab, focused, with its own history;
    /// with `close_on_exit` it closes when its program exits. `toggle` shows or hides the
    /// tab's popup (a scratch shell when it has none); `close` closes it.
    DisplayPopup {
        target: Option<String>,
        width: Option<PopupSize>,
        height: Option<PopupSize>,
        x: Option<u16>,
        y: Option<u16>,
        close_on_exit: bool,
        toggle: bool,
        close: bool,
        spawn: Spawn,
    },
    /// `pipe-pane`: copy the pane's output to `command`'s stdin (closing any pipe it had);
    /// no command closes it; `only_if_none` (tmux's `-o`) opens one only if the pane had
    /// none, so the same binding toggles it.
    PipePane {
        target: Option<String>,
        command: Option<String>,
        only_if_none: bool,
    },
    /// `clear-history`: forget the pane's history (on disk too), as ED 3 does.
    ClearHistory {
        target: Option<String>,
    },
    /// `set-buffer`: store `data` (at most [`REQUEST_DATA_BYTES`] per request) as buffer
    /// `name` (a new buffer with an automatic name when `None`), or add it to its end.
    SetBuffer {
        name: Option<String>,
        data: Vec<u8>,
        append: bool,
    },
    /// `show-buffer`: the buffer's bytes (the newest when `None`), as `Text` pieces then `End`.
    ShowBuffer {
        name: Option<String>,
    },
    /// `list-buffers`: answered by [`Response::Buffers`], newest first.
    ListBuffers,
    /// `paste-buffer`: type a buffer into a pane (newlines as carriage returns unless `raw`),
    /// as a bracketed paste if `bracketed` and the program asked for those; `delete` drops
    /// the buffer after.
    PasteBuffer {
        name: Option<String>,
        target: Option<String>,
        delete: bool,
        bracketed: bool,
        raw: bool,
    },
    DeleteBuffer {
        name: Option<String>,
    },
    /// `list-keys`: the bindings, one per line, as `Text`.
    ListKeys,
    /// `display-message`: expand a format (tmux's `#{…}`) for the target pane. With `print`
    /// it comes back as `Text`; else it is shown on the clients attached to the pane's
    /// session (and comes back as `Text` if there are none).
    DisplayMessage {
        target: Option<String>,
        format: String,
        print: bool,
    },
}

/// Most bytes of data one request carries (`set-buffer`; a longer one comes as several,
/// appended), well inside the server's 1 MiB limit on a request.
pub const REQUEST_DATA_BYTES: usize = 512 * 1024;

/// A paste buffer as `list-buffers` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferInfo {
    pub name: String,
    pub bytes: u64,
    pub created_unix: u64,
    /// Its first bytes as text (at most [`BUFFER_SAMPLE_BYTES`]), for choosers and listings.
    pub sample: String,
}

/// Bytes of a buffer shown in listings.
pub const BUFFER_SAMPLE_BYTES: usize = 1024;

/// A size given to `resize`: a number of cells, or cells more (or fewer) than now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Amount {
    Set(u16),
    By(i32),
}

impl std::str::FromStr for Amount {
    type Err = String;
    /// `80`, `+10`, `-5`.
    fn from_str(s: &str) -> Result<Amount, String> {
        let bad = || format!("{s:?} is not a size (N, +N or -N)");
        if let Some(n) = s.strip_prefix('+') {
            return n
                .parse::<u16>()
                .map(|n| Amount::By(n as i32))
                .map_err(|_| bad());
        }
        if let Some(n) = s.strip_prefix('-') {
            return n
                .parse::<u16>()
                .map(|n| Amount::By(-(n as i32)))
                .map_err(|_| bad());
        }
        s.parse().map(Amount::Set).map_err(|_| bad())
    }
}

impl Request {
    /// The request's name, for logs and error messages.
    pub fn verb(&self) -> &'static str {
        match self {
            Request::Hello { .. } => "hello",
            Request::NewSession(_) => "new",
            Request::NewTab { .. } => "new-tab",
            Request::Split { .. } => "split",
            Request::Resize { .. } => "resize",
            Request::ListSessions => "ls",
            Request::ListPanes { .. } => "panes",
            Request::SendText { .. } | Request::SendKeys { .. } => "send",
            Request::Capture(_) => "capture",
            Request::Commands { .. } => "commands",
            Request::Run { .. } => "run",
            Request::Events { .. } => "events",
            Request::Search { .. } => "search",
            Request::HistoryList | Request::HistoryRm { .. } => "history",
            Request::Wait { .. } => "wait",
            Request::Kill { .. } => "kill",
            Request::KillServer => "kill-server",
            Request::Upgrade { .. } => "upgrade",
            Request::Stats => "stats",
            Request::Attach { .. } => "attach",
            Request::Input(_) | Request::PaneInput { .. } => "input",
            Request::ClientSize { .. } => "client-size",
            Request::ClientColors { .. } => "client-colors",
            Request::Act(_) => "action",
            Request::History { .. } => "history",
            Request::Locate { .. } => "locate",
            Request::ScrollSearch { .. } => "scroll-search",
            Request::Image { .. } => "image",
            Request::ClientCellPixels { .. } => "client-cell-pixels",
            Request::CommandAt { .. } => "command-at",
            Request::JumpPrompt { .. } => "jump-prompt",
            Request::Detach => "detach",
            Request::Reload => "reload",
            Request::SelectLayout { .. } => "select-layout",
            Request::SwapPane { .. } => "swap-pane",
            Request::BreakPane { .. } => "break-pane",
            Request::JoinPane { .. } => "join-pane",
            Request::Rotate { .. } => "rotate-window",
            Request::KillTab { .. } => "kill-window",
            Request::RenameSession { .. } => "rename-session",
            Request::RenameTab { .. } => "rename-tab",
            Request::SelectPane { .. } => "select-pane",
            Request::SelectTab { .. } => "select-tab",
            Request::RespawnPane { .. } => "respawn-pane",
            Request::ClearHistory { .. } => "clear-history",
            Request::SetOption { .. } => "set-option",
            Request::PipePane { .. } => "pipe-pane",
            Request::DisplayPopup { .. } => "display-popup",
            Request::ShowOptions { .. } => "show-options",
            Request::SetBuffer { .. } => "set-buffer",
            Request::ShowBuffer { .. } => "show-buffer",
            Request::ListBuffers => "list-buffers",
            Request::PasteBuffer { .. } => "paste-buffer",
            Request::DeleteBuffer { .. } => "delete-buffer",
            Request::ListKeys => "list-keys",
            Request::DisplayMessage { .. } => "display-message",
        }
    }
}

/// Longest session or tab name, in bytes: names are shown in status lines and listings, so
/// they are short; a longer one is refused (tmux has no limit, and two 9 MiB names broke
/// `spool ls` for good).
pub const NAME_MAX_BYTES: usize = 256;

/// `spool send` streams text in pieces of this size, each waiting until the pane has room
/// for it, so a paste of any size goes in at the pace the program reads it.
pub const SEND_CHUNK_BYTES: usize = 256 * 1024;

/// How to start a pane's process.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spawn {
    /// Program and arguments; empty = the user's `$SHELL` as a login shell.
    pub command: Vec<String>,
    /// Working directory; `None` = the client's current directory.
    pub cwd: Option<String>,
    /// Keep the pane (showing the exit status) after its process exits.
    pub remain_on_exit: bool,
    /// `-e VAR=VAL` settings for the new pane (on top of the server's and the session's
    /// environment; see the server's `pane_env`).
    pub env: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSession {
    pub name: Option<String>,
    pub cols: Option<u16>,
    pub rows: Option<u16>,
    pub spawn: Spawn,
    /// The creating client's environment: the session's `update_environment` values come
    /// from it.
    pub client_env: Vec<(String, String)>,
}

/// One end of a capture range, in tmux's line numbers: 0 is the top screen row, negative
/// numbers reach into history (-1 = the newest history row).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Line {
    /// `-S -`: the oldest history row; `-E -`: the last screen row.
    Edge,
    At(i64),
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
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
    /// Read this history (an id from `spool history ls`) instead of a live pane.
    pub history: Option<String>,
    /// Only one command's output, from the pane's command log: `N` > 0 is command number N,
    /// `-1` the newest, `-2` the one before it…; its rows exactly, soft wraps joined.
    #[serde(default)]
    pub command: Option<i64>,
    /// Also send the files of the images the captured rows show ([`Response::ImageFile`]),
    /// at most [`CAPTURE_IMAGES_MAX`] of them.
    #[serde(default)]
    pub images: bool,
}

/// One row of an image placed in a pane: cells with `Style::image = id` show row `row` of
/// `rows` of an image of `width × height` pixels drawn `cols` cells wide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageRecord {
    /// SHA-256 of the bytes, hex: the same image shown twice has the same name.
    pub name: String,
    /// `png`, `jpg`, `gif` or `tiff`.
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub cols: u16,
    pub rows: u16,
    pub row: u16,
}

/// Most image files one capture sends (a capture of months of history could name many
/// more; the list of them is held while the text streams).
pub const CAPTURE_IMAGES_MAX: usize = 1024;

/// Bytes of an image file per [`Response::ImageFile`] frame.
pub const IMAGE_CHUNK_BYTES: usize = 1024 * 1024;

/// What `spool wait` waits for.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum WaitFor {
    /// The pane's process exited and all its output was processed: `Exited`.
    #[default]
    Exit,
    /// No output for this many milliseconds: `Done`.
    Idle(u64),
    /// A line of the screen, or of output that comes, matches: `Text` (the line), `End`.
    Match(String),
    /// The command the shell runs now finished (at once if none runs): `Exited` with its
    /// status (shell integration).
    Command,
}

/// One event of the event stream (`spool events`). Fields that do not apply are empty.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EventInfo {
    /// What happened: `pane-created`, `pane-exited`, `pane-closed`, `title-changed`,
    /// `cwd-changed`, `bell`, `command-started`, `command-finished`, `output`, `silence`
    /// (no output for 10 s), `activity` (output after a silence), `session-created`,
    /// `session-renamed`, `session-closed`, `tab-created`, `tab-renamed`, `tab-closed`,
    /// `client-attached`, `client-detached`, or `lagged` (the reader was too slow: `missed`
    /// events were dropped).
    pub event: String,
    /// Unix time in milliseconds.
    pub time_ms: u64,
    pub pane: Option<String>,
    pub session: Option<String>,
    pub tab: Option<u32>,
    /// An exit status (`pane-exited`, `command-finished`).
    pub status: Option<i32>,
    /// A title, a directory, a command line, a new name, or output text.
    pub text: Option<String>,
    /// The command's number in its pane's log.
    pub command: Option<u64>,
    pub duration_ms: Option<u64>,
    /// Events dropped before this `lagged` one.
    pub missed: Option<u64>,
}

/// One command of a pane's command log (shell integration's OSC 133/633 marks). The server
/// keeps and stores these as they are.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CommandInfo {
    /// Its number in this pane, from 1.
    pub n: u64,
    /// The command line, as the shell said it (empty if it did not).
    pub text: String,
    /// The directory it ran in.
    pub cwd: Option<String>,
    /// Unix time in milliseconds when its output started, and when it ended.
    pub started_ms: u64,
    pub ended_ms: Option<u64>,
    /// Its exit status (`None` while it runs, or if the shell did not say).
    pub status: Option<i32>,
    /// History rows: where its prompt starts, where its command line is typed, where its
    /// output starts, and one past its output's last row (`None` while it runs).
    pub prompt_row: Option<u64>,
    pub input_row: Option<u64>,
    pub output_row: u64,
    pub end_row: Option<u64>,
}

impl CommandInfo {
    pub fn running(&self) -> bool {
        self.ended_ms.is_none()
    }
}

/// Which histories a search reads besides (instead of) a live pane.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistoryScope {
    /// One history, by id.
    One(String),
    /// Every history on disk, live and closed.
    All,
}

/// A pane history on disk (`spool history ls`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryInfo {
    /// What `--history` takes.
    pub id: String,
    pub pane: u32,
    pub session: String,
    pub command: String,
    pub cwd: String,
    pub started_unix: u64,
    /// When the pane closed (or its files were last written); `None` while it lives.
    pub ended_unix: Option<u64>,
    /// Rows (known for live panes; 0 for closed ones, which are not opened to list them).
    pub rows: u64,
    pub disk_bytes: u64,
    pub live: bool,
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
    /// Still working on the request (sent every `HEARTBEAT_EVERY` by long waits); clients
    /// skip it.
    Pending,
    /// The request failed; one line for the user.
    Error {
        message: String,
    },
    Created {
        session: String,
        pane: String,
    },
    Sessions(Vec<SessionInfo>),
    Histories(Vec<HistoryInfo>),
    /// Histories deleted, by id.
    Removed(Vec<String>),
    Panes(Vec<PaneInfo>),
    Commands(Vec<CommandInfo>),
    Events(Vec<EventInfo>),
    /// `spool run`'s command finished (or `timed_out` while it still runs).
    Ran {
        pane: String,
        command: CommandInfo,
        timed_out: bool,
    },
    Buffers(Vec<BufferInfo>),
    /// A piece of a capture; more follow until [`Response::End`].
    Text(Vec<u8>),
    /// A piece of an image file of a capture (`--images`), after its text: `name` is
    /// `<sha256>.<png|jpg|gif|tiff>`; `data` continues the file until `last`.
    ImageFile {
        name: String,
        data: Vec<u8>,
        last: bool,
    },
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
    Attached {
        session: String,
        /// This client's id: command lines it runs say it in their hello (`for_client`).
        client: u64,
        /// Keys, bindings and status line from the server's config.
        ui: crate::ui::UiConfig,
        /// What is wrong with the config file, if it could not be used (the server runs with
        /// its previous settings, or the defaults).
        config_error: Option<String>,
    },
    /// Attached: the config was reloaded; keys and status line from now on.
    Ui(crate::ui::UiConfig),
    /// `spool reload` succeeded; `note` says what waits for a server restart, if anything.
    Reloaded {
        note: Option<String>,
    },
    Update(Box<Update>),
    /// Which image row `id` of `pane` shows (`None`: none known), and the image's encoded
    /// bytes (empty if they could not be read or do not fit in one frame).
    Image {
        pane: u32,
        id: u32,
        record: Option<ImageRecord>,
        bytes: Vec<u8>,
    },
    /// History rows (oldest first) ending `from_bottom` display rows above the newest;
    /// `total` is the pane's history in display rows at that width.
    HistoryRows {
        pane: u32,
        /// The width asked for: an answer for a width the client no longer has is stale.
        width: u16,
        from_bottom: u64,
        total: u64,
        rows: Vec<Row>,
    },
    /// Attached: news of scroll-mode search `id` (see [`Request::ScrollSearch`]).
    ScrollFound {
        id: u32,
        news: ScrollNews,
    },
    /// The first display row of the line holding `row` is `from_bottom` rows above the
    /// newest history row, at `width`.
    Located {
        pane: u32,
        width: u16,
        row: u64,
        from_bottom: u64,
    },
    /// The client was detached (by itself or because its session ended).
    Detached {
        reason: String,
    },
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
    /// Clients attached to it.
    pub attached: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneInfo {
    pub id: String,
    pub session: String,
    pub tab: u32,
    /// The tab's name as shown (its automatic name if none was set).
    pub tab_name: String,
    /// Its `pipe-pane` command while one copies its output.
    #[serde(default)]
    pub pipe: Option<String>,
    /// Output bytes a slow `pipe-pane` command missed.
    #[serde(default)]
    pub pipe_lost_bytes: u64,
    pub cols: u16,
    pub rows: u16,
    pub command: String,
    pub pid: u32,
    pub cwd: String,
    pub title: String,
    pub history_rows: u64,
    pub active: bool,
    /// It floats over its tab (`display-popup`) rather than being one of its tiles.
    #[serde(default)]
    pub popup: bool,
    /// Exit status once the process has exited (panes kept by remain-on-exit).
    pub exit_status: Option<i32>,
    /// History rows lost because they could not be written (a full disk); reads show each
    /// lost range as one marker row.
    pub history_lost_rows: u64,
    /// The latest error writing this pane's history, if any.
    pub history_error: Option<String>,
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
    /// The history it is in (searches of `--history`/`--all`).
    pub history: Option<String>,
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
    /// History rows lost because they could not be written (see [`PaneInfo`]).
    pub lost_rows: u64,
    /// The latest error writing this pane's history, if any.
    pub history_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStats {
    pub pid: u32,
    pub rss_bytes: u64,
    pub gauges: Vec<Gauge>,
    /// RSS the gauges do not explain: resident heap pages no account names (allocator
    /// metadata and free pages, the runtime, connections). Never below zero: where the gauges
    /// add up to more than `rss_bytes`, `spool stats` shows by how much.
    pub unexplained_bytes: u64,
    /// The allocators' own counters (jemalloc's `allocated`, `active`, `metadata`,
    /// `resident`, `retained`; glibc's heap in use and free). Not summed with the gauges:
    /// they count reserved pages whether or not they are resident.
    pub allocator: Vec<Gauge>,
    pub panes: Vec<PaneStats>,
    pub cache_hits: u64,
    pub cache_misses: u64,
    pub uptime_secs: u64,
    /// What could not be restored when the server started.
    pub restore_errors: Vec<String>,
    /// What happened to the images the panes were sent.
    pub images: ImageStats,
}

impl ServerStats {
    /// The sum of the gauges: what the named accounts say is resident.
    pub fn explained_bytes(&self) -> u64 {
        self.gauges.iter().map(|g| g.bytes).sum()
    }

    /// By how much the gauges add up to more than `rss_bytes` (0 if they do not): what
    /// `unexplained_bytes`, never below zero, cannot show. They are read one after another
    /// while the server runs, and jemalloc's bookkeeping is an estimate.
    pub fn overcounted_bytes(&self) -> u64 {
        self.explained_bytes().saturating_sub(self.rss_bytes)
    }
}

/// Image counts of a server (`spool stats`): summed over its panes' emulators, and its
/// image store.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageStats {
    /// Summed over the panes' emulators.
    pub counts: spool_cells::ImageCounts,
    /// Files this server wrote under `STATE/images/`, and their bytes.
    pub files_written: u64,
    pub bytes_written: u64,
    /// Image files on disk now and their bytes (known from the first collection after
    /// start), the cap on those bytes, and the images refused at it.
    pub disk_files: u64,
    pub disk_bytes: u64,
    pub disk_cap: u64,
    pub disk_full: u64,
    /// Collections run (deleting the files no kept row shows), and the files they deleted.
    pub collections: u64,
    pub deleted_files: u64,
    /// The RAM cache of image bytes: held now, and its fixed capacity.
    pub cache_bytes: u64,
    pub cache_capacity: u64,
}

/// What a client attached to a session may ask, besides input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    NewTab,
    NextTab,
    PrevTab,
    SelectTab(u16),
    Split {
        horizontal: bool,
    },
    /// Move focus to the neighbouring pane: 0 left, 1 down, 2 up, 3 right.
    Focus(u8),
    /// Focus this pane (a mouse click).
    FocusPane(u32),
    Zoom,
    KillPane,
    RenameTab(String),
    SwitchSession(String),
}

/// The input modes of the focused pane that the client mirrors on the outer terminal, so
/// keys pass through encoded as the program asked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneModes {
    pub app_cursor: bool,
    pub app_keypad: bool,
    pub bracketed_paste: bool,
    pub focus_events: bool,
    /// 0 none, 9 X10, 1000 normal, 1002 button, 1003 any.
    pub mouse: u16,
    pub mouse_sgr: bool,
    /// Kitty keyboard protocol flags the program set (the top of the active screen's stack).
    pub kitty_keys: u16,
    /// The alternate screen is shown (less, vim, man): without mouse reporting, the wheel
    /// sends arrow keys there, as xterm's alternate scroll (DEC 1007) does.
    pub alt_screen: bool,
}

/// One pane as shown to a client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneView {
    pub id: u32,
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
    /// Every row when `full`, else only rows that changed since the last update.
    pub full: bool,
    pub rows: Vec<(u16, Row)>,
    pub cursor: (u16, u16),
    pub cursor_visible: bool,
    /// DECSCUSR value (0 = the terminal's default).
    pub cursor_shape: u8,
    pub title: String,
    pub modes: PaneModes,
    pub exited: Option<i32>,
    /// Hyperlink URIs for ids appearing in `rows` (sent once per id per client).
    pub links: Vec<(u32, String)>,
    /// Display rows of history above the screen (for scroll bars and scroll mode).
    pub history_rows: u64,
    /// Keep showing the last frame of this pane — rows, cursor, modes — at the position
    /// given ([`PaneView::keep`]): the program holds its output (DEC 2026), or nothing in the
    /// pane changed. Nothing else in this view is meaningful.
    pub held: bool,
    /// A popup (`display-popup`): drawn over the tiles, inside a box one cell around it.
    pub floating: bool,
}

impl PaneView {
    /// The rule for a [`PaneView::held`] view, in one place for the update merge and the
    /// client: the pane keeps `last`, the frame it was last sent (rows, cursor, modes, title,
    /// links), moved to where this view puts it.
    pub fn keep(&self, last: &mut PaneView) {
        last.x = self.x;
        last.y = self.y;
    }
}

/// A popup's width or height: cells, or a percentage of the session's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PopupSize {
    Cells(u16),
    Percent(u8),
}

impl std::str::FromStr for PopupSize {
    type Err = String;
    /// `60` (cells) or `80%` (tmux's `-w`/`-h`).
    fn from_str(s: &str) -> Result<PopupSize, String> {
        let bad = || format!("{s:?} is not a size (cells, or a percentage such as 80%)");
        match s.strip_suffix('%') {
            Some(p) => match p.parse::<u8>() {
                Ok(n @ 1..=100) => Ok(PopupSize::Percent(n)),
                _ => Err(bad()),
            },
            None => match s.parse::<u16>() {
                Ok(n) if n > 0 => Ok(PopupSize::Cells(n)),
                _ => Err(bad()),
            },
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TabView {
    pub name: String,
    pub active: bool,
    /// Output arrived since the tab was last shown.
    pub activity: bool,
    /// A pane in it rang the bell since the tab was last shown (`monitor_bell`).
    pub bell: bool,
    /// No output for its `monitor-silence` seconds.
    pub silent: bool,
    /// A command in one of its panes failed (shell integration: a non-zero status) since
    /// the tab was last shown.
    pub failed: bool,
}

/// An OSC 52 clipboard write by a program, for the client's terminal: selection letters and
/// the base64 payload as the program sent them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clip {
    pub selection: String,
    pub base64: Vec<u8>,
}

/// Clipboard writes one update carries, at most (the emulator keeps as many per pane).
pub const UPDATE_CLIPS_MAX: usize = 4;

/// What a scroll-mode search has to say ([`Response::ScrollFound`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScrollNews {
    /// A history row with a match: each row once; the scan's in any order, then the rows
    /// output adds, oldest first.
    Row(u64),
    /// The scan has covered `done` of `total` rows.
    Progress { done: u64, total: u64 },
    /// The scan has covered the history there was when the search started. From now on
    /// the rows new output adds are searched as they come (`Row`s after this are newer
    /// than any before it), until the search is replaced or stopped.
    CaughtUp,
    /// The search ended: it found more than [`ATTACHED_SEARCH_MATCHES_MAX`] rows (that many
    /// and one were sent), or failed with `error`.
    Stopped { error: Option<String> },
}

/// Most matches of one scroll-mode search an attached client is sent (it remembers this many;
/// one more tells it there were more). The search stops there, so neither side queues the
/// matches of a pattern that hits every line of months of history.
pub const ATTACHED_SEARCH_MATCHES_MAX: usize = 100_000;

/// What an attached client should show now.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Update {
    pub session: String,
    /// The session's area (the client's size less the status line).
    pub cols: u16,
    pub rows: u16,
    pub tabs: Vec<TabView>,
    /// Panes of the active tab (only the zoomed one when zoomed).
    pub panes: Vec<PaneView>,
    pub active_pane: u32,
    pub zoomed: bool,
    /// More parts of this update follow (see [`Update::split`]); draw after the last one.
    pub more: bool,
    /// The server forgot which link URIs it sent: forget them all before applying this
    /// update (which resends every row, with the URIs of the links on them).
    pub links_reset: bool,
    /// A shown pane rang the bell: ring the client's terminal.
    pub bell: bool,
    /// Programs' clipboard writes (`clipboard = "external"`), oldest first, at most
    /// [`UPDATE_CLIPS_MAX`].
    pub clipboard: Vec<Clip>,
    /// A message for the status line (`display-message`), sent once.
    pub message: Option<String>,
    /// The status line's left and right formats with their tmux `#{…}` parts expanded by the
    /// server for the focused pane (braces in the values doubled, so the client's own
    /// `{time}`-style placeholders still work); `None` when they have none.
    pub status: Option<Vec<String>>,
}

/// Hyperlink URIs an attached client holds (each up to the emulator's 2 KiB): the server
/// sends a URI once per client and remembers that it did, for at most this many links; when
/// it forgets them it says so (`Update::links_reset`) and the client forgets them too, so
/// both always agree. Links past this on one screen show as plain text until the next reset.
pub const LINKS_MAX: usize = 4096;

/// Largest part of an update the server sends in one frame: well under `MAX_FRAME_BYTES`,
/// so a screen of any content (every cell styled, every row a distinct hyperlink) goes out
/// as several frames instead of failing, and a client draws only complete updates.
pub const UPDATE_PART_BYTES: usize = 1024 * 1024;

/// An upper bound of a row's encoded size (postcard: varints of at most 5 bytes; a run is its
/// length, three colors of at most 4 bytes, attributes, underline, link and image ids).
fn row_wire_bytes(r: &Row) -> usize {
    8 + r.text.len() + r.runs.len() * 32
}

impl Update {
    /// Cut this update into parts of about `max_bytes` each (rows and link URIs spread over
    /// them, every part listing every pane with its layout), all but the last marked `more`.
    /// Applying them in order ([`Update::merge`]) gives back this update.
    pub fn split(mut self, max_bytes: usize) -> Vec<Update> {
        let total: usize = self
            .panes
            .iter()
            .map(|p| {
                p.rows.iter().map(|(_, r)| row_wire_bytes(r)).sum::<usize>()
                    + p.links.iter().map(|(_, u)| u.len() + 10).sum::<usize>()
            })
            .sum();
        if total <= max_bytes {
            return vec![self];
        }
        // Take the rows and links out; hand them to parts as they fill.
        type Taken = (usize, Vec<(u16, Row)>, Vec<(u32, String)>);
        let mut items: Vec<Taken> = self
            .panes
            .iter_mut()
            .enumerate()
            .map(|(i, p)| (i, std::mem::take(&mut p.rows), std::mem::take(&mut p.links)))
            .collect();
        let blank = |u: &Update, first: bool| {
            let mut part = u.clone();
            for p in &mut part.panes {
                // Only the first part starts a pane afresh; later ones add to it.
                p.full &= first;
            }
            part.links_reset &= first;
            if !first {
                part.bell = false;
                part.clipboard.clear();
                part.message = None;
            }
            part.more = true;
            part
        };
        let mut parts = vec![blank(&self, true)];
        let mut used = 0usize;
        for (i, rows, links) in &mut items {
            for link in links.drain(..) {
                let b = link.1.len() + 10;
                if used + b > max_bytes && used > 0 {
                    parts.push(blank(&self, false));
                    used = 0;
                }
                used += b;
                parts.last_mut().expect("one part").panes[*i]
                    .links
                    .push(link);
            }
            for row in rows.drain(..) {
                let b = row_wire_bytes(&row.1);
                if used + b > max_bytes && used > 0 {
                    parts.push(blank(&self, false));
                    used = 0;
                }
                used += b;
                parts.last_mut().expect("one part").panes[*i].rows.push(row);
            }
        }
        if let Some(last) = parts.last_mut() {
            last.more = false;
        }
        parts
    }

    /// Fold a newer update into this one, as if both had been applied in turn: the newer
    /// layout, modes and cursors, with the rows this one sent that the newer one did not resend.
    /// A client that cannot draw as fast as updates arrive keeps one merged update per pane
    /// instead of a queue, so what it holds is bounded by its screen.
    pub fn merge(&mut self, newer: Update) {
        let reset = newer.links_reset;
        let mut older = std::mem::replace(self, newer);
        // A reset in either means the client forgets every URI it had first.
        self.links_reset |= older.links_reset;
        // Bells, clipboard writes and messages happen once each, whatever else was merged.
        self.bell |= older.bell;
        if self.message.is_none() {
            self.message = older.message.take();
        }
        let mut clips = std::mem::take(&mut older.clipboard);
        clips.append(&mut self.clipboard);
        let extra = clips.len().saturating_sub(UPDATE_CLIPS_MAX);
        clips.drain(..extra);
        self.clipboard = clips;
        if reset {
            for p in &mut older.panes {
                p.links.clear();
            }
        }
        for pane in &mut self.panes {
            let Some(old) = older.panes.iter_mut().find(|p| p.id == pane.id) else {
                continue;
            };
            // Link URIs are sent once per client: keep every one, the newer winning.
            let mut links = std::mem::take(&mut old.links);
            links.retain(|(id, _)| !pane.links.iter().any(|(n, _)| n == id));
            links.append(&mut pane.links);
            if pane.held {
                // Still the older frame, perhaps moved.
                pane.keep(old);
                *pane = std::mem::take(old);
                pane.links = links;
                continue;
            }
            pane.links = links;
            if pane.full || (old.w, old.h) != (pane.w, pane.h) {
                continue;
            }
            pane.full = old.full;
            let mut rows = std::mem::take(&mut old.rows);
            let mut resent = vec![false; pane.h as usize];
            for (y, _) in &pane.rows {
                if let Some(r) = resent.get_mut(*y as usize) {
                    *r = true;
                }
            }
            rows.retain(|(y, _)| !resent.get(*y as usize).copied().unwrap_or(false));
            rows.append(&mut pane.rows);
            pane.rows = rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(id: u32, full: bool, rows: &[(u16, &str)]) -> PaneView {
        PaneView {
            id,
            w: 10,
            h: 5,
            full,
            rows: rows
                .iter()
                .map(|(y, t)| {
                    (
                        *y,
                        Row {
                            text: t.to_string(),
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            ..Default::default()
        }
    }

    #[test]
    fn a_split_update_applies_like_the_whole() {
        let mut pane = view(1, true, &[]);
        pane.h = 500;
        pane.rows = (0..500u16)
            .map(|y| {
                (
                    y,
                    Row {
                        text: format!("{y:04}").repeat(500),
                        ..Default::default()
                    },
                )
            })
            .collect();
        pane.links = (0..300).map(|i| (i, "u".repeat(3000))).collect();
        let whole = Update {
            panes: vec![pane, view(2, false, &[(0, "x")])],
            ..Default::default()
        };
        let parts = whole.clone().split(UPDATE_PART_BYTES);
        assert!(parts.len() > 1);
        for p in &parts {
            assert!(crate::frame::encode(&Response::Update(Box::new(p.clone())))
                .is_ok_and(|f| f.len() < 2 * UPDATE_PART_BYTES));
        }
        assert!(parts[..parts.len() - 1].iter().all(|p| p.more));
        let mut merged = parts[0].clone();
        for p in parts[1..].iter().cloned() {
            merged.merge(p);
        }
        assert!(!merged.more);
        for (m, w) in merged.panes.iter_mut().zip(&whole.panes) {
            m.rows.sort_by_key(|r| r.0);
            m.links.sort_by_key(|l| l.0);
            assert_eq!(m, w);
        }
    }

    #[test]
    fn merged_updates_apply_like_both_in_turn() {
        let mut a = Update {
            panes: vec![
                view(1, false, &[(0, "a0"), (1, "a1")]),
                view(2, false, &[(0, "x")]),
            ],
            ..Default::default()
        };
        let b = Update {
            panes: vec![view(1, false, &[(1, "b1"), (2, "b2")])],
            active_pane: 1,
            ..Default::default()
        };
        a.merge(b);
        assert_eq!(a.active_pane, 1);
        assert_eq!(a.panes.len(), 1, "a pane gone from the layout is dropped");
        let mut rows: Vec<(u16, &str)> = a.panes[0]
            .rows
            .iter()
            .map(|(y, r)| (*y, r.text.as_str()))
            .collect();
        rows.sort();
        assert_eq!(rows, [(0, "a0"), (1, "b1"), (2, "b2")]);
        // A held pane keeps the pending frame (moved if the layout moved it).
        a.merge(Update {
            panes: vec![PaneView {
                id: 1,
                x: 3,
                w: 10,
                h: 5,
                held: true,
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_eq!(a.panes[0].rows.len(), 3);
        assert_eq!(a.panes[0].x, 3);
        assert!(!a.panes[0].held);
        // A full update replaces whatever was pending.
        a.merge(Update {
            panes: vec![view(1, true, &[(4, "f")])],
            ..Default::default()
        });
        assert_eq!(a.panes[0].rows.len(), 1);
        assert!(a.panes[0].full);
    }
}
