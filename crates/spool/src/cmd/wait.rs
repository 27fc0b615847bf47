//! `spool wait [-t PANE]`: exit with the pane's exit status once it exited and all its output
//! was processed.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    match c.request(&Request::Wait { target: a.target })? {
        Response::Exited { status } => Ok(status),
        other => bail!("unexpected answer: {other:?}"),
    }
}
