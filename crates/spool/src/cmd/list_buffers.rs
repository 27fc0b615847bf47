//! `spool list-buffers [--json]` (tmux's `lsb`): the paste buffers, newest first.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON (with each buffer's first bytes as `sample`).
    #[arg(long)]
    json: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let Response::Buffers(list) = c.request(&Request::ListBuffers)? else {
        bail!("unexpected answer");
    };
    if a.json {
        println!("{}", super::json(&list)?);
        return Ok(0);
    }
    for b in list {
        // As tmux: `name: N bytes: "start"`.
        let start: String = b.sample.chars().take(50).collect();
        println!(
            "{}: {} bytes: \"{}\"",
            super::safe(&b.name),
            b.bytes,
            super::safe(&start)
        );
    }
    Ok(0)
}
