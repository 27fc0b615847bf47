//! `spool ls [--json]`

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let Response::Sessions(list) = c.request(&Request::ListSessions)? else {
        bail!("unexpected answer");
    };
    if a.json {
        println!("{}", super::json(&list)?);
        return Ok(0);
    }
    for s in list {
        println!(
            "{}: {} tabs, {} panes [{}x{}] (created {}){}",
            super::safe(&s.name),
            s.tabs,
            s.panes,
            s.cols,
            s.rows,
            utc(s.created_unix),
            if s.attached > 0 { " (attached)" } else { "" }
        );
    }
    Ok(0)
}

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds.
pub fn utc(secs: u64) -> String {
    spool_proto::text::utc(secs, true)
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(1_795_600_000), "2026-11-25 09:46:40 UTC");
    }
}
