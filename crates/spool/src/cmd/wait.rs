//! `spool wait [-t PANE] [--idle DURATION | --match REGEX | --command]`: by default, exit with
//! the pane's exit status once its process exited and all its output was processed.

use anyhow::bail;
use spool_proto::{Request, Response, WaitFor};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Instead: until the pane printed nothing for this long (`2s`, `500ms`).
    #[arg(long, value_name = "DURATION", group = "until")]
    idle: Option<String>,
    /// Instead: until a line of the screen, or of output that comes, matches this regex;
    /// print that line.
    #[arg(long, value_name = "REGEX", group = "until")]
    r#match: Option<String>,
    /// Instead: until the command the pane's shell runs now finishes (at once if none
    /// runs); exit with its status. Needs shell integration (`spool shell-init`).
    #[arg(long, group = "until")]
    command: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let until = match (a.idle, a.r#match, a.command) {
        (Some(d), _, _) => WaitFor::Idle(super::duration_ms(&d)?),
        (_, Some(re), _) => WaitFor::Match(re),
        (_, _, true) => WaitFor::Command,
        _ => WaitFor::Exit,
    };
    let mut c = target.connect()?;
    match c.request(&Request::Wait {
        target: a.target,
        until,
    })? {
        Response::Exited { status } => Ok(status),
        Response::Done => Ok(0),
        Response::Text(line) => {
            println!("{}", super::safe(&String::from_utf8_lossy(&line)));
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
