//! `spool reload`: the server re-reads the config file.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

pub fn run(target: &Target) -> Exit {
    let mut c = target.connect()?;
    match c.request(&Request::Reload)? {
        Response::Reloaded { note } => {
            if let Some(n) = note {
                eprintln!("spool: {n}");
            }
            Ok(0)
        }
        other => bail!("unexpected answer: {other:?}"),
    }
}
