//! `spool save-buffer [-b NAME] [-a] PATH` (tmux's `saveb`): write a paste buffer to a file
//! (`-` for stdout), created 0600 (a buffer may hold anything that was on a screen).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;

use anyhow::Context;
use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer (default: the newest).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
    /// Add to the end of the file instead of replacing it.
    #[arg(short = 'a')]
    append: bool,
    /// The file to write; `-` writes stdout.
    path: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let req = Request::ShowBuffer { name: a.name };
    if a.path == "-" {
        super::write_text(&mut c, &req, &mut std::io::stdout().lock())?;
        return Ok(0);
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .append(a.append)
        .truncate(!a.append)
        .mode(0o600)
        .open(&a.path)
        .with_context(|| format!("opening {}", a.path))?;
    super::write_text(&mut c, &req, &mut f)?;
    f.flush()?;
    Ok(0)
}
