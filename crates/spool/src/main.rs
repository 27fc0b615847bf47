//! `spool`: the command-line entry point. Each subcommand lives in its own module under
//! `cmd/`, so a behavior is found by its name; `client.rs` is how they reach the server.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

mod attach;
mod client;
mod cmd;

/// jemalloc returns freed memory to the OS (after a burst of output, RSS goes back down).
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc options, read before `main`: purge unused pages after a second, from a background
/// thread, so an idle server gives memory back without waiting for its next allocation; two
/// arenas, since the server has a handful of threads and each arena keeps its own free pages.
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 73] =
    b"background_thread:true,narenas:2,dirty_decay_ms:1000,muzzy_decay_ms:1000\0";

/// A terminal multiplexer whose scrollback lives on disk, compressed, so the server's memory is
/// bounded by configuration and never by how much the panes print.
///
/// Like tmux: a server (started on demand) owns sessions of tabs of panes; these commands
/// script it. -L and -S choose which server.
#[derive(Parser, Debug)]
#[command(name = "spool", version, about, long_about, propagate_version = true)]
pub struct Cli {
    /// Server name: the socket is $XDG_RUNTIME_DIR/spool/NAME (or /tmp/spool-UID/NAME).
    #[arg(short = 'L', value_name = "NAME")]
    pub name: Option<String>,
    /// Socket path, overriding -L.
    #[arg(short = 'S', value_name = "PATH")]
    pub socket: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Attach this terminal to a session (the default command). Detach with C-b d.
    ///
    /// Starts a server (and a session) if there is none. Inside a spool pane of the same
    /// server it is refused (unset $SPOOL to force), as tmux refuses nesting.
    #[command(alias = "a", alias = "attach-session")]
    Attach(attach::Args),
    /// Create a session and attach to it (-d: leave it detached).
    ///
    /// Inside a spool pane of the same server, attaching is refused (unset $SPOOL to force),
    /// as tmux refuses nesting.
    #[command(alias = "new-session")]
    New(cmd::new::Args),
    /// List sessions.
    #[command(alias = "list-sessions")]
    Ls(cmd::ls::Args),
    /// List panes (of one session with -t).
    #[command(alias = "list-panes")]
    Panes(cmd::panes::Args),
    /// Open a tab with a new pane in a session.
    #[command(alias = "new-window", alias = "neww")]
    NewTab(cmd::new_tab::Args),
    /// Split a pane, starting a new one beside (-h) or below (-v) it.
    #[command(alias = "split-window")]
    Split(cmd::split::Args),
    /// Resize a pane: -x/-y sizes (+N/-N relative), -L/-R/-U/-D N move a border, -Z zooms.
    /// A pane alone in its tab resizes its session.
    #[command(alias = "resize-pane")]
    Resize(cmd::resize::Args),
    /// Arrange a tab as a preset layout: even-horizontal, even-vertical, main-horizontal,
    /// main-vertical or tiled (-n: the next one, as C-b Space).
    #[command(alias = "selectl")]
    SelectLayout(cmd::select_layout::Args),
    /// Exchange two panes' places (-U/-D: with the previous/next pane, as C-b { and C-b }).
    #[command(alias = "swapp")]
    SwapPane(cmd::swap_pane::Args),
    /// Move a pane out of its tab into a new tab (C-b !).
    #[command(alias = "breakp")]
    BreakPane(cmd::break_pane::Args),
    /// Move a pane into another pane's tab, splitting that pane.
    #[command(alias = "move-pane", alias = "joinp", alias = "movep")]
    JoinPane(cmd::join_pane::Args),
    /// Move every pane of a tab one place along the layout (C-b C-o, C-b M-o).
    #[command(alias = "rotate", alias = "rotatew")]
    RotateWindow(cmd::rotate::Args),
    /// Close a tab and its panes (C-b &).
    #[command(alias = "kill-window", alias = "killw")]
    KillTab(cmd::kill_tab::Args),
    /// Rename a session (C-b $).
    #[command(alias = "rename")]
    RenameSession(cmd::rename_session::Args),
    /// Rename a tab (C-b ,); an empty name gives back its automatic one.
    #[command(alias = "rename-window", alias = "renamew")]
    RenameTab(cmd::rename_tab::Args),
    /// Focus a pane: the target, a neighbour (-L/-D/-U/-R) or the last pane (-l).
    #[command(alias = "selectp")]
    SelectPane(cmd::select_pane::Args),
    /// Focus the tab's last pane (C-b ;).
    #[command(alias = "lastp")]
    LastPane(cmd::select_pane::LastArgs),
    /// Show a tab: the target, or the last (-l), next (-n) or previous (-p) one.
    #[command(alias = "select-window", alias = "selectw")]
    SelectTab(cmd::select_tab::Args),
    /// Show the session's last tab (C-b l).
    #[command(alias = "last-window", alias = "last")]
    LastTab(cmd::select_tab::StepArgs),
    /// Show the next tab (C-b n).
    #[command(alias = "next-window", alias = "next")]
    NextTab(cmd::select_tab::StepArgs),
    /// Show the previous tab (C-b p).
    #[command(alias = "previous-window", alias = "prev")]
    PreviousTab(cmd::select_tab::StepArgs),
    /// Type into a pane, as tmux's send-keys: each argument a key name (Enter, C-c, Up, F5,
    /// M-x, ...) or, if it is none, literal text; -l sends everything literally.
    ///
    /// `spool send -t work 'make test' Enter` types the command and presses Enter. Text of
    /// any size is streamed at the pace the program reads it.
    #[command(alias = "send-keys")]
    Send(cmd::send::Args),
    /// Print a pane's screen and history as text.
    #[command(alias = "capture-pane")]
    Capture(cmd::capture::Args),
    /// Search a pane's whole history and screen with a regex.
    ///
    /// Prints `LINE:COL: text` per match. LINE is what `capture -S/-E` takes: 0 is the top
    /// screen row, negative numbers are history (-1 the newest history row). Exits 1 if nothing
    /// matched. A progress bar goes to stderr when it is a terminal.
    Search(cmd::search::Args),
    /// Wait until a pane's process has exited and all its output was processed; exit with its
    /// status.
    Wait(cmd::wait::Args),
    /// Kill a pane, or every pane of a session.
    #[command(alias = "kill-pane", alias = "kill-session")]
    Kill(cmd::kill::Args),
    /// Stop the server and every pane (a server started again restores them).
    KillServer,
    /// Make the running server this binary (after installing a new spool) without stopping
    /// the programs in its panes.
    Upgrade(cmd::upgrade::Args),
    /// Pane histories on disk, live and closed: `history ls`, `history rm`.
    #[command(subcommand)]
    History(cmd::history::HistoryCommand),
    /// Memory accounts, RSS and per-pane history of the server.
    Stats(cmd::stats::Args),
    /// Re-read the config file ($XDG_CONFIG_HOME/spool/config.toml).
    ///
    /// Keys, bindings, the status line and window_size change at once for every attached
    /// client; history settings wait for the next server start. A bad file is reported with
    /// its line and column, and the server keeps the config it had.
    #[command(alias = "source-file")]
    Reload,
    /// Run the server in the foreground (for service managers; clients start one on demand).
    Server(cmd::server::Args),
    /// Print a shell completion script: `spool completions bash > /etc/bash_completion.d/spool`
    /// (zsh: into a directory of $fpath as _spool; fish: ~/.config/fish/completions/spool.fish).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff): `spool man > ~/.local/share/man/man1/spool.1`.
    Man,
    /// Tools for developing and checking spool itself.
    #[command(subcommand)]
    Debug(cmd::debug::DebugCommand),
}

fn main() {
    let cli = Cli::parse();
    if !matches!(cli.command, Some(Command::Server(_))) {
        // A client printing into a closed pipe (`spool ls | head`) just ends, as Unix tools do.
        // The server keeps SIGPIPE ignored: a client leaving must not kill it.
        // SAFETY: resetting a signal disposition before any thread is started.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    let result = match cli.command {
        Some(Command::Debug(c)) => cmd::debug::run(c).map(|()| 0),
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory;
            clap_complete::generate(shell, &mut Cli::command(), "spool", &mut std::io::stdout());
            Ok(0)
        }
        Some(Command::Man) => {
            use clap::CommandFactory;
            clap_mangen::Man::new(Cli::command())
                .render(&mut std::io::stdout())
                .map(|()| 0)
                .map_err(Into::into)
        }
        command => client::Target::new(cli.name.as_deref(), cli.socket.as_deref())
            .and_then(|target| run(&target, command)),
    };
    match result {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // Messages can carry names and paths from anywhere: never raw to the terminal.
            eprintln!("spool: {}", spool_proto::text::sanitize(&format!("{e:#}")));
            std::process::exit(1);
        }
    }
}

fn run(target: &client::Target, command: Option<Command>) -> cmd::Exit {
    match command {
        None => attach::run(target, attach::Args::default()),
        Some(Command::Attach(a)) => attach::run(target, a),
        Some(Command::New(a)) => cmd::new::run(target, a),
        Some(Command::Ls(a)) => cmd::ls::run(target, a),
        Some(Command::Panes(a)) => cmd::panes::run(target, a),
        Some(Command::NewTab(a)) => cmd::new_tab::run(target, a),
        Some(Command::Split(a)) => cmd::split::run(target, a),
        Some(Command::Resize(a)) => cmd::resize::run(target, a),
        Some(Command::SelectLayout(a)) => cmd::select_layout::run(target, a),
        Some(Command::SwapPane(a)) => cmd::swap_pane::run(target, a),
        Some(Command::BreakPane(a)) => cmd::break_pane::run(target, a),
        Some(Command::JoinPane(a)) => cmd::join_pane::run(target, a),
        Some(Command::RotateWindow(a)) => cmd::rotate::run(target, a),
        Some(Command::KillTab(a)) => cmd::kill_tab::run(target, a),
        Some(Command::RenameSession(a)) => cmd::rename_session::run(target, a),
        Some(Command::RenameTab(a)) => cmd::rename_tab::run(target, a),
        Some(Command::SelectPane(a)) => cmd::select_pane::run(target, a),
        Some(Command::LastPane(a)) => cmd::select_pane::last(target, a),
        Some(Command::SelectTab(a)) => cmd::select_tab::run(target, a),
        Some(Command::LastTab(a)) => cmd::select_tab::shortcut(target, a, 0),
        Some(Command::NextTab(a)) => cmd::select_tab::shortcut(target, a, 1),
        Some(Command::PreviousTab(a)) => cmd::select_tab::shortcut(target, a, -1),
        Some(Command::Send(a)) => cmd::send::run(target, a),
        Some(Command::Capture(a)) => cmd::capture::run(target, a),
        Some(Command::Search(a)) => cmd::search::run(target, a),
        Some(Command::Wait(a)) => cmd::wait::run(target, a),
        Some(Command::Kill(a)) => cmd::kill::run(target, a),
        Some(Command::KillServer) => cmd::kill::server(target),
        Some(Command::Upgrade(a)) => cmd::upgrade::run(target, a),
        Some(Command::Stats(a)) => cmd::stats::run(target, a),
        Some(Command::History(c)) => cmd::history::run(target, c),
        Some(Command::Reload) => cmd::reload::run(target),
        Some(Command::Server(a)) => cmd::server::run(target, a),
        Some(Command::Debug(_) | Command::Completions { .. } | Command::Man) => {
            unreachable!("handled before a target is needed")
        }
    }
}
