//! `spool run [-t PANE] [--timeout S] -- COMMAND…`: run a command in a pane's shell as if
//! typed there, wait for it, print its output and exit with its status.

use anyhow::bail;
use spool_proto::{Capture, Request, Response};

use super::Exit;
use crate::client::Target;

/// Exit status when the command is still running at the timeout (as `timeout(1)`'s).
pub const TIMED_OUT: i32 = 124;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET); inside a pane, that pane.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Give up waiting after this many seconds (the command goes on): print what it has
    /// printed so far and exit 124.
    #[arg(long, value_name = "SECONDS", default_value_t = 600.0)]
    timeout: f64,
    /// The command line. One word is typed as it is, so `'make && make test'` is the shell's
    /// to read; several are quoted each, for the shell at the pane's prompt (POSIX or fish),
    /// so `sh -c 'echo hi; exit 3'` runs sh with those words.
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    if !(a.timeout > 0.0 && a.timeout.is_finite()) {
        bail!("--timeout takes a number of seconds above 0");
    }
    let mut c = target.connect()?;
    let (pane, cmd, timed_out) = match c.request(&Request::Run {
        target: a.target,
        command: a.command,
        timeout_ms: (a.timeout * 1000.0) as u64,
    })? {
        Response::Ran {
            pane,
            command,
            timed_out,
        } => (pane, command, timed_out),
        other => bail!("unexpected answer: {other:?}"),
    };
    super::capture::print_capture(
        &mut c,
        &Request::Capture(Capture {
            target: Some(pane),
            command: Some(cmd.n as i64),
            ..Default::default()
        }),
    )?;
    if timed_out {
        eprintln!("spool: still running after {}s", a.timeout);
        return Ok(TIMED_OUT);
    }
    match cmd.status {
        Some(s) => Ok(s),
        None => {
            eprintln!("spool: the shell did not say how the command ended");
            Ok(1)
        }
    }
}
