//! `spool select-tab [-t TAB] [-l|-n|-p]` (tmux's `select-window`), and its shortcuts
//! `last-tab`, `next-tab`, `previous-tab` (tmux's `last-window`, `next-window`,
//! `previous-window`).

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The tab (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TAB_TARGET_HELP)]
    target: Option<String>,
    /// The session's last tab (C-b l).
    #[arg(short = 'l', group = "which")]
    last: bool,
    /// The next tab (C-b n).
    #[arg(short = 'n', group = "which")]
    next: bool,
    /// The previous tab (C-b p).
    #[arg(short = 'p', group = "which")]
    previous: bool,
}

/// `last-tab`, `next-tab`, `previous-tab`.
#[derive(clap::Args, Debug)]
pub struct StepArgs {
    /// A tab of the session (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TAB_TARGET_HELP)]
    target: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let step = if a.next {
        1
    } else if a.previous {
        -1
    } else {
        0
    };
    request(target, a.target, a.last, step)
}

/// `last-tab` (`step` 0), `next-tab` (1), `previous-tab` (-1).
pub fn shortcut(target: &Target, a: StepArgs, step: i8) -> Exit {
    request(target, a.target, step == 0, step)
}

fn request(target: &Target, tab: Option<String>, last: bool, step: i8) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::SelectTab {
        target: tab,
        last,
        step,
    })?;
    Ok(0)
}
