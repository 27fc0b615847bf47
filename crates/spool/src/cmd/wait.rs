//! `spool wait [-t PANE]`: exit with the pane's exit status once it exited and all its output
//! was processed.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(short = 't', value_name = "PANE")]
    target: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    match c.request(&Request::Wait {
        target: target.pane_or_here(a.target),
    })? {
        Response::Exited { status } => Ok(status),
        other => bail!("unexpected answer: {other:?}"),
    }
}
