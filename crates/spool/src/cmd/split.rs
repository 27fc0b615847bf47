//! `spool split [-t PANE] [-h|-v] [-p PERCENT] [-c DIR] [-P] [-- CMD ARGS...]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

/// `-h` means horizontal here, as in tmux; help is `--help`.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Side by side.
    #[arg(short = 'h', conflicts_with = "vertical")]
    horizontal: bool,
    /// One above the other (the default).
    #[arg(short = 'v')]
    vertical: bool,
    /// Size of the new pane in percent (default 50).
    #[arg(short = 'p', value_name = "PERCENT")]
    percent: Option<u8>,
    #[command(flatten)]
    spawn: super::SpawnArgs,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let _ = a.vertical;
    let mut c = target.connect()?;
    let req = Request::Split {
        target: a.target,
        horizontal: a.horizontal,
        percent: a.percent,
        spawn: a.spawn.spawn(),
    };
    match c.request(&req)? {
        Response::Created { pane, .. } => {
            a.spawn.created(&pane);
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
