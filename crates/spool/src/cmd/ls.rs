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

/// `YYYY-MM-DD HH:MM:SS UTC` from Unix seconds (civil calendar from days since the epoch).
pub fn utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        (rem / 60) % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn dates() {
        assert_eq!(super::utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(super::utc(1_795_600_000), "2026-11-25 09:46:40 UTC");
    }
}
