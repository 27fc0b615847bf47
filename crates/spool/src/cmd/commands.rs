//! `spool commands [-t PANE] [-n N] [--json]`: what ran in a pane, from its command log.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Only the newest N commands.
    #[arg(short = 'n', value_name = "N")]
    count: Option<u32>,
    /// One JSON array: number, text, cwd, start and end (Unix ms), status, and the history
    /// rows of its prompt, command line and output (`end_row` is one past its last row).
    #[arg(long)]
    json: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let Response::Commands(list) = c.request(&Request::Commands {
        target: a.target,
        count: a.count,
    })?
    else {
        bail!("unexpected answer");
    };
    if a.json {
        println!("{}", super::json(&list)?);
        return Ok(0);
    }
    for cmd in list {
        let status = match (cmd.running(), cmd.status) {
            (true, _) => "running".to_string(),
            (false, Some(s)) => format!("exit={s}"),
            (false, None) => "exit=?".to_string(),
        };
        let took = cmd.ended_ms.map_or(String::new(), |e| {
            format!(" {:.2}s", e.saturating_sub(cmd.started_ms) as f64 / 1000.0)
        });
        println!(
            "{} {status}{took} cwd={} {}",
            cmd.n,
            super::safe(cmd.cwd.as_deref().unwrap_or("")),
            super::safe(&cmd.text)
        );
    }
    Ok(0)
}
