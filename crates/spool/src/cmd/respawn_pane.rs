//! `spool respawn-pane [-k] [-c DIR] [-t PANE] [-- COMMAND…]` (tmux's `respawnp`)

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Kill the pane's program first if it still runs (otherwise that is refused).
    #[arg(short = 'k')]
    kill: bool,
    /// Start in this directory (default: the pane's current one).
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// The command to start (default: the pane's own, again).
    #[arg(last = true)]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::RespawnPane {
        target: a.target,
        kill: a.kill,
        cwd: a.cwd,
        command: a.command,
    })?;
    Ok(0)
}
