//! `spool rename-tab [-t TAB] NAME` (tmux's `rename-window`)

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The tab (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TAB_TARGET_HELP)]
    target: Option<String>,
    /// The new name; empty gives the tab back its automatic name (its program's).
    name: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::RenameTab {
        target: a.target,
        name: a.name,
    })?;
    Ok(0)
}
