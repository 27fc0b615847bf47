//! `spool delete-buffer [-b NAME]` (tmux's `deleteb`).

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer (default: the newest).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::DeleteBuffer { name: a.name })?;
    Ok(0)
}
