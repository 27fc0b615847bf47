//! `spool new-tab [-t SESSION] [-c DIR] [-P] [-- CMD ARGS...]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The session (or a pane of it) to add the tab to.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Leave the current tab in front (tmux's new-window -d).
    #[arg(short = 'd')]
    detached: bool,
    #[command(flatten)]
    spawn: super::SpawnArgs,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let req = Request::NewTab {
        target: a.target,
        spawn: a.spawn.spawn(),
        detached: a.detached,
    };
    match c.request(&req)? {
        Response::Created { pane, .. } => {
            a.spawn.created(&pane);
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
