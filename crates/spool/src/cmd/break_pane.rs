//! `spool break-pane [-s PANE] [-n NAME] [-d]`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 's', value_name = "TARGET", long_help = super::TARGET_HELP)]
    source: Option<String>,
    /// A name for the new tab.
    #[arg(short = 'n', value_name = "NAME")]
    name: Option<String>,
    /// Stay on the current tab.
    #[arg(short = 'd')]
    detached: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::BreakPane {
        source: a.source,
        name: a.name,
        detached: a.detached,
    })?;
    Ok(0)
}
