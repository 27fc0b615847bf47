//! `spool rename-session [-t SESSION] NAME`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A pane of the session (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// The new name (`:` and `.` become `_`, as in tmux).
    name: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::RenameSession {
        target: a.target,
        name: a.name,
    })?;
    Ok(0)
}
