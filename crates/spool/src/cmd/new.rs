//! `spool new [-s NAME] [-d] [-x COLS -y ROWS] [-c DIR] [-P] [-R] [-- CMD ARGS...]`: create a
//! session and attach to it (unless `-d`).

use anyhow::bail;
use spool_proto::{NewSession, Request, Response};

use super::Exit;
use crate::client::{spawn_from_here, Target};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Session name (default: the next free number).
    #[arg(short = 's', value_name = "NAME")]
    name: Option<String>,
    /// Do not attach to the new session.
    #[arg(short = 'd')]
    detached: bool,
    /// Width in columns (default 80).
    #[arg(short = 'x', value_name = "COLS")]
    cols: Option<u16>,
    /// Height in rows (default 24).
    #[arg(short = 'y', value_name = "ROWS")]
    rows: Option<u16>,
    /// Working directory of the first pane (default: the current directory).
    #[arg(short = 'c', value_name = "DIR")]
    cwd: Option<String>,
    /// Print the new pane's id (like tmux -P).
    #[arg(short = 'P')]
    print: bool,
    /// Keep panes after their process exits, showing its status (tmux remain-on-exit).
    #[arg(short = 'R', long = "remain-on-exit")]
    remain: bool,
    /// Command to run instead of your login shell.
    #[arg(last = true, value_name = "CMD")]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let req = Request::NewSession(NewSession {
        name: a.name,
        cols: a.cols,
        rows: a.rows,
        spawn: spawn_from_here(a.command, a.cwd, a.remain),
    });
    match c.request(&req)? {
        Response::Created { pane, session } => {
            if a.print {
                println!("{pane}");
            }
            if a.detached {
                return Ok(0);
            }
            drop(c);
            crate::attach::run(target, crate::attach::Args::for_session(session))
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
