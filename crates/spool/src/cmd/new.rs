//! `spool new [-s NAME] [-d] [-x COLS -y ROWS] [-c DIR] [-P] [-R] [-- CMD ARGS...]`: create a
//! session and attach to it (unless `-d`).

use anyhow::bail;
use spool_proto::{NewSession, Request, Response};

use super::Exit;
use crate::client::Target;

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
    #[command(flatten)]
    spawn: super::SpawnArgs,
}

pub fn run(target: &Target, a: Args) -> Exit {
    if !a.detached {
        // Attaching will need these: fail before a session is created for nothing.
        use std::io::IsTerminal;
        target.refuse_nesting()?;
        if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
            bail!("new needs a terminal to attach to (use -d to start the session detached)");
        }
    }
    let mut c = target.connect_or_start()?;
    let req = Request::NewSession(NewSession {
        name: a.name,
        cols: a.cols,
        rows: a.rows,
        spawn: a.spawn.spawn(),
        client_env: crate::client::client_env(),
    });
    match c.request(&req)? {
        Response::Created { pane, session } => {
            a.spawn.created(&pane);
            if a.detached {
                return Ok(0);
            }
            drop(c);
            crate::attach::run(target, crate::attach::Args::for_session(session))
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
