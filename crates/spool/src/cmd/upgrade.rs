//! `spool upgrade [--exe PATH]`: the running server becomes this binary (or PATH) without
//! stopping the programs in its panes: same pids, same screens, history intact. Attached
//! clients are asked to attach again. If the new binary cannot take over, the old server
//! keeps running and this says why.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The binary to become (default: this one).
    #[arg(long, value_name = "PATH")]
    exe: Option<std::path::PathBuf>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let exe = match a.exe {
        Some(p) => std::path::absolute(&p).context("the binary's path")?,
        None => std::env::current_exe().context("finding this binary")?,
    };
    let mut c = target.connect()?;
    let old = c.server_pid();
    match c.request(&Request::Upgrade {
        exe: exe.display().to_string(),
    })? {
        Response::Done => {}
        other => bail!("unexpected answer: {other:?}"),
    }
    // The server execs: this connection ends (or says why it could not).
    match c.recv() {
        Err(_) => {}
        Ok(Response::Error { message }) => bail!("{message}"),
        Ok(_) => {}
    }
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(Some(c)) = target.connect_existing() {
            println!(
                "server upgraded: pid {} runs {} ({})",
                c.server_pid(),
                exe.display(),
                c.server_version()
            );
            if c.server_pid() != old {
                bail!(
                    "the server restarted instead (pid {old} → {})",
                    c.server_pid()
                );
            }
            return Ok(0);
        }
        if Instant::now() > end {
            bail!(
                "the upgraded server does not answer on {}",
                target.socket.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
