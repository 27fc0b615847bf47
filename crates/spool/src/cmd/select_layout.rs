//! `spool select-layout [-t TAB] [-n|-p] [LAYOUT]`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The tab (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TAB_TARGET_HELP)]
    target: Option<String>,
    /// The next preset layout (C-b Space).
    #[arg(short = 'n', conflicts_with_all = ["previous", "layout"])]
    next: bool,
    /// The previous preset layout.
    #[arg(short = 'p', conflicts_with = "layout")]
    previous: bool,
    /// even-horizontal, even-vertical, main-horizontal, main-vertical or tiled (default:
    /// the tab's last one again).
    #[arg(value_name = "LAYOUT")]
    layout: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::SelectLayout {
        target: a.target,
        layout: a.layout,
        step: if a.next {
            1
        } else if a.previous {
            -1
        } else {
            0
        },
    })?;
    Ok(0)
}
