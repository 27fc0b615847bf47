//! `spool select-pane [-t PANE] [-l] [-L|-D|-U|-R]`, and `spool last-pane`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET; `:.+` is the next pane, `:.!` the last).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// The tab's last pane (tmux's last-pane, C-b ;).
    #[arg(short = 'l', group = "which")]
    last: bool,
    /// The pane left of it.
    #[arg(short = 'L', group = "which")]
    left: bool,
    /// The pane below it.
    #[arg(short = 'D', group = "which")]
    down: bool,
    /// The pane above it.
    #[arg(short = 'U', group = "which")]
    up: bool,
    /// The pane right of it.
    #[arg(short = 'R', group = "which")]
    right: bool,
}

#[derive(clap::Args, Debug)]
pub struct LastArgs {
    /// A pane of the tab (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let dir = [(a.left, 0), (a.down, 1), (a.up, 2), (a.right, 3)]
        .into_iter()
        .find(|(on, _)| *on)
        .map(|(_, d)| d);
    request(target, a.target, a.last, dir)
}

pub fn last(target: &Target, a: LastArgs) -> Exit {
    request(target, a.target, true, None)
}

fn request(target: &Target, pane: Option<String>, last: bool, dir: Option<u8>) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::SelectPane {
        target: pane,
        last,
        dir,
    })?;
    Ok(0)
}
