//! `spool pipe-pane [-o] [-t PANE] [COMMAND]` (tmux's `pipep`)

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Open a pipe only if the pane has none (else just close it): a toggle.
    #[arg(short = 'o')]
    only_if_none: bool,
    /// A shell command that reads the pane's output on its stdin (`cat >> ~/pane.log`); none
    /// closes the pane's pipe. Output the command is too slow for is dropped and counted
    /// (`panes --json`: pipe_lost_bytes).
    command: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::PipePane {
        target: a.target,
        command: a.command,
        only_if_none: a.only_if_none,
    })?;
    Ok(0)
}
