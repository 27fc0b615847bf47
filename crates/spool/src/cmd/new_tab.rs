//! `spool new-tab [-t SESSION] [-c DIR] [-P] [-- CMD ARGS...]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::{spawn_from_here, Target};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Session (or a pane of it) to add the tab to.
    #[arg(short = 't', value_name = "TARGET")]
    target: Option<String>,
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// Print the new pane's id.
    #[arg(short = 'P')]
    print: bool,
    #[arg(short = 'R', long = "remain-on-exit")]
    remain: bool,
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let req = Request::NewTab {
        target: a.target,
        spawn: spawn_from_here(a.command, a.cwd, a.remain),
    };
    match c.request(&req)? {
        Response::Created { pane, .. } => {
            if a.print {
                println!("{pane}");
            }
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
