//! `spool join-pane -s SRC [-t DST] [-h|-v] [-b] [-p PERCENT] [-d]` (also `move-pane`)

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

/// `-h` means horizontal here, as in tmux; help is `--help`.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The pane to move (see --help for the forms of TARGET).
    #[arg(short = 's', value_name = "SOURCE", long_help = super::TARGET_HELP)]
    source: String,
    /// The pane it joins, split to make room (default: the pane this runs in).
    #[arg(short = 't', value_name = "TARGET")]
    target: Option<String>,
    /// Beside the target.
    #[arg(short = 'h', conflicts_with = "vertical")]
    horizontal: bool,
    /// Below the target (the default).
    #[arg(short = 'v')]
    vertical: bool,
    /// Left of (or above) the target instead.
    #[arg(short = 'b')]
    before: bool,
    /// Its share of the target's space in percent (default 50).
    #[arg(short = 'p', value_name = "PERCENT")]
    percent: Option<u8>,
    /// Leave the focus where it is.
    #[arg(short = 'd')]
    detached: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let _ = a.vertical;
    let mut c = target.connect()?;
    c.request(&Request::JoinPane {
        source: Some(a.source),
        target: a.target,
        horizontal: a.horizontal,
        before: a.before,
        percent: a.percent,
        detached: a.detached,
    })?;
    Ok(0)
}
