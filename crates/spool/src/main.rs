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

/// jemalloc options, read before `main`: freed pages are returned after a second (the server
/// makes that at once: `spool_server::run` sets its own decay) and never merely marked free,
/// which would leave them resident until the kernel wants them; no background purging
/// thread (allocation activity runs the decay); two arenas, since the server has a handful of
/// threads and each arena keeps its own free pages; no thread caches, since every pane has
/// two threads of its own and each cache held ~90 KiB (13 idle shells: 2.8 of 4.3 MiB
/// allocated were caches; ingest speed is the same without). A client's main thread turns
/// its own cache on (`cache_client_allocations`).
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 60] =
    b"narenas:2,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0\0";

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
    /// Start a pane's program again in the same pane, keeping its history (-k: kill it
    /// first if it still runs).
    #[command(alias = "respawnp")]
    RespawnPane(cmd::respawn_pane::Args),
    /// Forget a pane's history, on disk too (its screen stays).
    #[command(alias = "clearhist")]
    ClearHistory(cmd::clear_history::Args),
    /// Set an option at runtime: global (-g, the config file's settings), a session's or a
    /// tab's (see --help for the names).
    #[command(alias = "set", alias = "set-window-option", alias = "setw")]
    SetOption(cmd::set_option::Args),
    /// Show options and their values (-g global, -w the tab's, else the session's).
    #[command(alias = "show", alias = "show-window-options", alias = "showw")]
    ShowOptions(cmd::show_options::Args),
    /// Float a pane over the tab, focused, with its own history (-E: close it when its
    /// program exits; --toggle: show or hide the tab's scratch popup, C-b P).
    #[command(alias = "popup")]
    DisplayPopup(cmd::display_popup::Args),
    /// Copy a pane's output to a command (-o: a toggle; no command closes the pipe).
    #[command(alias = "pipep")]
    PipePane(cmd::pipe_pane::Args),
    /// Store text as a paste buffer (C-b ] pastes the newest).
    #[command(alias = "setb")]
    SetBuffer(cmd::set_buffer::Args),
    /// Print a paste buffer.
    #[command(alias = "showb")]
    ShowBuffer(cmd::show_buffer::Args),
    /// Write a paste buffer to a file (- for stdout).
    #[command(alias = "saveb")]
    SaveBuffer(cmd::save_buffer::Args),
    /// Read a file (- for stdin) into a paste buffer.
    #[command(alias = "loadb")]
    LoadBuffer(cmd::load_buffer::Args),
    /// List the paste buffers, newest first (C-b #; C-b = chooses one).
    #[command(alias = "lsb")]
    ListBuffers(cmd::list_buffers::Args),
    /// Type a paste buffer into a pane (C-b ]).
    #[command(alias = "pasteb")]
    PasteBuffer(cmd::paste_buffer::Args),
    /// Delete a paste buffer.
    #[command(alias = "deleteb")]
    DeleteBuffer(cmd::delete_buffer::Args),
    /// List the key bindings (C-b ? shows them full screen).
    #[command(alias = "lsk")]
    ListKeys,
    /// Show a message made from a tmux format on the status line, or print it (-p).
    #[command(alias = "display")]
    DisplayMessage(cmd::display_message::Args),
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
    /// Wait until a pane's process has exited and all its output was processed, and exit with
    /// its status; or with --idle, --match or --command until the pane is quiet, a line
    /// matches, or its shell's command finished.
    Wait(cmd::wait::Args),
    /// What ran in a pane: each command's line, directory, times, exit status and rows.
    ///
    /// From the shell's OSC 133/633 marks (`spool shell-init`), kept with the pane's history
    /// and restored with it. Print one command's output with `capture --command N`.
    Commands(cmd::commands::Args),
    /// Run a command in a pane's shell, as if typed there: wait for it, print its output and
    /// exit with its status.
    ///
    /// Needs shell integration in that pane (`spool shell-init`); without it, it fails at
    /// once saying how to turn it on. The shell must be at its prompt. The command's output
    /// is exactly the rows between its OSC 133 C and D marks.
    Run(cmd::run::Args),
    /// Print events as they happen, one line each, until interrupted: panes created, exited
    /// and closed, titles and directories changed, bells, commands started and finished
    /// (with status and duration), sessions created, renamed and closed, clients attached
    /// and detached; with --output, pane output.
    ///
    /// Nothing polls: the server pushes each event. A reader slower than the events misses
    /// some (its queue at the server is bounded in bytes) and is told so by one `lagged`
    /// event with the number missed; a pane never waits for a reader.
    Events(cmd::events::Args),
    /// Print the shell integration snippet for bash, zsh or fish.
    ///
    /// bash: `eval "$(spool shell-init bash)"` in ~/.bashrc; zsh: the same with zsh in
    /// ~/.zshrc; fish: `spool shell-init fish | source` in ~/.config/fish/config.fish. It
    /// marks prompts and commands (OSC 133 A/B/C/D with the exit status, the command line in
    /// OSC 633;E, the directory in OSC 7), does nothing outside spool, can be sourced twice,
    /// and keeps PROMPT_COMMAND, precmd and preexec hooks working.
    ShellInit(cmd::shell_init::Args),
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
    ///
    /// The accounts name the heap by purpose (screens, history, caches, queues, compression
    /// workers), then what the kernel sees: mapped code and files, thread stacks, the C heap
    /// (what zstd and libc malloc), the allocator's resident bookkeeping, and freed pages it
    /// has not purged yet. What they leave is shown as "not explained"; when they add up to
    /// more than RSS (each is read a moment apart, and the allocator's bookkeeping is an
    /// estimate), by how much is shown instead.
    /// The allocators' own counters (jemalloc, glibc) follow, not summed: they count reserved
    /// pages whether or not they are resident.
    Stats(cmd::stats::Args),
    /// Re-read the config file ($XDG_CONFIG_HOME/spool/config.toml).
    ///
    /// Keys, bindings, the status line and window_size change at once for every attached
    /// client; history settings wait for the next server start. A bad file is reported with
    /// its line and column, and the server keeps the config it had.
    #[command(alias = "source-file")]
    Reload,
    /// Run the server in the foreground (for service managers; clients start one on demand).
    ///
    /// First thing, it starts itself again (the same binary, arguments and pid) with glibc's
    /// cache of exited threads' stacks turned off, which glibc reads only at exec; panes get
    /// the GLIBC_TUNABLES the server was given, if any.
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

/// A client's main thread keeps a jemalloc thread cache, which `malloc_conf` turns off for
/// the server's many threads: `spool search` printing a million hits otherwise takes an
/// arena's lock for each of its several allocations per hit (12% of its time in the lock).
/// One thread's cache is bounded by jemalloc's own limits (tens of KiB in a short-lived
/// process).
fn cache_client_allocations() {
    // SAFETY: writes jemalloc's documented per-thread option with its documented type (bool).
    let _ = unsafe { tikv_jemalloc_ctl::raw::write(b"thread.tcache.enabled\0", true) };
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
        cache_client_allocations();
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
        Some(Command::RespawnPane(a)) => cmd::respawn_pane::run(target, a),
        Some(Command::ClearHistory(a)) => cmd::clear_history::run(target, a),
        Some(Command::SetOption(a)) => cmd::set_option::run(target, a),
        Some(Command::ShowOptions(a)) => cmd::show_options::run(target, a),
        Some(Command::DisplayPopup(a)) => cmd::display_popup::run(target, a),
        Some(Command::PipePane(a)) => cmd::pipe_pane::run(target, a),
        Some(Command::SetBuffer(a)) => cmd::set_buffer::run(target, a),
        Some(Command::ShowBuffer(a)) => cmd::show_buffer::run(target, a),
        Some(Command::SaveBuffer(a)) => cmd::save_buffer::run(target, a),
        Some(Command::LoadBuffer(a)) => cmd::load_buffer::run(target, a),
        Some(Command::ListBuffers(a)) => cmd::list_buffers::run(target, a),
        Some(Command::PasteBuffer(a)) => cmd::paste_buffer::run(target, a),
        Some(Command::DeleteBuffer(a)) => cmd::delete_buffer::run(target, a),
        Some(Command::ListKeys) => cmd::list_keys::run(target),
        Some(Command::DisplayMessage(a)) => cmd::display_message::run(target, a),
        Some(Command::Send(a)) => cmd::send::run(target, a),
        Some(Command::Capture(a)) => cmd::capture::run(target, a),
        Some(Command::Search(a)) => cmd::search::run(target, a),
        Some(Command::Wait(a)) => cmd::wait::run(target, a),
        Some(Command::Commands(a)) => cmd::commands::run(target, a),
        Some(Command::Events(a)) => cmd::events::run(target, a),
        Some(Command::Run(a)) => cmd::run::run(target, a),
        Some(Command::ShellInit(a)) => cmd::shell_init::run(a),
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// What a binding or the command prompt may run (`spool_proto::ui::VERBS`) is exactly
    /// what the command line takes: every subcommand and every alias, no more.
    #[test]
    fn the_verbs_bindings_may_run_are_the_cli_subcommands_and_aliases() {
        let cli = super::Cli::command();
        let mut names: Vec<String> = cli
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .flat_map(|c| {
                std::iter::once(c.get_name().to_string())
                    .chain(c.get_all_aliases().map(str::to_string))
            })
            .collect();
        names.sort();
        let mut verbs: Vec<String> = spool_proto::ui::VERBS
            .iter()
            .map(|v| v.to_string())
            .collect();
        verbs.sort();
        assert_eq!(names, verbs);
    }
}
