//! `spool rotate-window [-t TAB] [-U|-D]`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The tab (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TAB_TARGET_HELP)]
    target: Option<String>,
    /// Each pane one place up the layout order, the first to the last (the default, C-b C-o).
    #[arg(short = 'U', conflicts_with = "down")]
    up: bool,
    /// Each pane one place down, the last to the first (C-b M-o).
    #[arg(short = 'D')]
    down: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let _ = a.up;
    let mut c = target.connect()?;
    c.request(&Request::Rotate {
        target: a.target,
        down: a.down,
    })?;
    Ok(0)
}
