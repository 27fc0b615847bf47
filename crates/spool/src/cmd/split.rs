//! `spool split [-t PANE] [-h|-v] [-p PERCENT] [-c DIR] [-P] [-- CMD ARGS...]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::{spawn_from_here, Target};

/// `-h` means horizontal here, as in tmux; help is `--help`.
#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Print help.
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    #[arg(short = 't', value_name = "PANE")]
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
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// Print the new pane's id.
    #[arg(short = 'P')]
    print: bool,
    #[arg(short = 'R', long = "remain-on-exit")]
    remain: bool,
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let _ = a.vertical;
    let mut c = target.connect()?;
    let req = Request::Split {
        target: a.target,
        horizontal: a.horizontal,
        percent: a.percent,
        spawn: spawn_from_here(a.command, a.cwd, a.remain),
    };
    match c.request(&req)? {
        Response::Created { pane, .. } => {
            if a.print {
                println!("{pane}");
            }
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
