//! `spool swap-pane [-s SRC] [-t DST] [-U|-D] [-d]`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane to move (see --help for the forms of TARGET).
    #[arg(short = 's', value_name = "SOURCE", long_help = super::TARGET_HELP)]
    source: Option<String>,
    /// The pane it changes places with (default: the pane this runs in).
    #[arg(short = 't', value_name = "TARGET")]
    target: Option<String>,
    /// With the previous pane of the tab (C-b {).
    #[arg(short = 'U', conflicts_with_all = ["down", "source"])]
    up: bool,
    /// With the next pane of the tab (C-b }).
    #[arg(short = 'D', conflicts_with = "source")]
    down: bool,
    /// Leave the focus where it was on the screen.
    #[arg(short = 'd')]
    detached: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::SwapPane {
        source: a.source,
        target: a.target,
        step: if a.up {
            -1
        } else if a.down {
            1
        } else {
            0
        },
        detached: a.detached,
    })?;
    Ok(0)
}
