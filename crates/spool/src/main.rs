//! `spool`: the command-line entry point. Each subcommand lives in its own module under
//! `cmd/`, so a behavior is found by its name.

use clap::{Parser, Subcommand};

mod cmd;

/// A terminal multiplexer whose scrollback lives on disk, compressed, so the server's memory is
/// bounded by configuration and never by how much the panes print.
#[derive(Parser, Debug)]
#[command(name = "spool", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Tools for developing and checking spool itself.
    #[command(subcommand)]
    Debug(cmd::debug::DebugCommand),
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            println!();
            Ok(())
        }
        Some(Command::Debug(cmd)) => cmd::debug::run(cmd),
    }
}
