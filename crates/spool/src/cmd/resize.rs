//! `spool resize [-t PANE] [-x COLS] [-y ROWS]`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    #[arg(short = 'x', value_name = "COLS")]
    cols: Option<u16>,
    #[arg(short = 'y', value_name = "ROWS")]
    rows: Option<u16>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::Resize {
        target: a.target,
        cols: a.cols,
        rows: a.rows,
    })?;
    Ok(0)
}
