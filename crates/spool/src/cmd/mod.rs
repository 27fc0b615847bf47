//! One module per subcommand.
pub mod capture;
pub mod debug;
pub mod kill;
pub mod ls;
pub mod new;
pub mod new_tab;
pub mod panes;
pub mod reload;
pub mod resize;
pub mod search;
pub mod send;
pub mod server;
pub mod split;
pub mod stats;
pub mod wait;

/// What a command returns: the process exit status.
pub type Exit = anyhow::Result<i32>;

/// How new panes start: the options `new`, `new-tab` and `split` share.
#[derive(clap::Args, Debug)]
pub struct SpawnArgs {
    /// Working directory of the new pane (default: the current directory).
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// Print the new pane's id (like tmux -P).
    #[arg(short = 'P')]
    print: bool,
    /// Keep panes after their process exits, showing its status (tmux remain-on-exit).
    #[arg(short = 'R', long = "remain-on-exit")]
    remain: bool,
    /// Command to run instead of your login shell.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

impl SpawnArgs {
    /// The request's spawn settings, with this client's environment and directory.
    pub fn spawn(&self) -> spool_proto::Spawn {
        crate::client::spawn_from_here(self.command.clone(), self.cwd.clone(), self.remain)
    }

    /// Print the new pane's id when asked to.
    pub fn created(&self, pane: &str) {
        if self.print {
            println!("{pane}");
        }
    }
}
