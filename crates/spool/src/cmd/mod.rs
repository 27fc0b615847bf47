//! One module per subcommand.
pub mod capture;
pub mod debug;
pub mod kill;
pub mod ls;
pub mod new;
pub mod new_tab;
pub mod panes;
pub mod resize;
pub mod search;
pub mod send;
pub mod server;
pub mod split;
pub mod stats;
pub mod wait;

/// What a command returns: the process exit status.
pub type Exit = anyhow::Result<i32>;
