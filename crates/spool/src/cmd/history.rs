//! `spool history ls [--json]` and `spool history rm ID... | --older-than AGE`: the pane
//! histories on disk, live ones and those of closed panes and earlier servers (kept for
//! `closed_history_days`). `capture --history ID` and `search --history ID | --all` read them.

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Subcommand, Debug)]
pub enum HistoryCommand {
    /// List every pane history on disk: ID, pane, session, command, directory, when it
    /// started and ended, rows (live panes), bytes on disk.
    Ls {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Delete closed histories: these IDs, and/or those that ended more than AGE ago
    /// (30m, 12h, 7d). A live pane's history is never deleted.
    Rm {
        ids: Vec<String>,
        #[arg(long, value_name = "AGE")]
        older_than: Option<String>,
    },
}

/// `7d`, `12h`, `30m`, `45s` (or plain seconds) in seconds.
fn age(s: &str) -> anyhow::Result<u64> {
    Ok(super::duration_ms(s)? / 1000)
}

pub fn run(target: &Target, c: HistoryCommand) -> Exit {
    let mut conn = target.connect()?;
    match c {
        HistoryCommand::Ls { json } => {
            let Response::Histories(list) = conn.request(&Request::HistoryList)? else {
                bail!("unexpected answer");
            };
            if json {
                println!("{}", super::json(&list)?);
                return Ok(0);
            }
            for h in list {
                let when = match h.ended_unix {
                    None => "live".to_string(),
                    Some(t) => format!("ended {}", super::ls::utc(t)),
                };
                let rows = if h.live {
                    format!(" {} rows", h.rows)
                } else {
                    String::new()
                };
                println!(
                    "{}  %{} {} cmd={:?} cwd={} started {} {when}{rows} {:.1} MiB",
                    super::safe(&h.id),
                    h.pane,
                    super::safe(&h.session),
                    h.command,
                    super::safe(&h.cwd),
                    super::ls::utc(h.started_unix),
                    h.disk_bytes as f64 / (1024.0 * 1024.0)
                );
            }
            Ok(0)
        }
        HistoryCommand::Rm { ids, older_than } => {
            if ids.is_empty() && older_than.is_none() {
                bail!("nothing to delete: give IDs or --older-than AGE");
            }
            let older_than_secs = older_than.as_deref().map(age).transpose()?;
            let Response::Removed(gone) = conn.request(&Request::HistoryRm {
                ids,
                older_than_secs,
            })?
            else {
                bail!("unexpected answer");
            };
            for id in gone {
                println!("deleted {}", super::safe(&id));
            }
            Ok(0)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ages() {
        assert_eq!(super::age("7d").unwrap(), 7 * 86_400);
        assert_eq!(super::age("90").unwrap(), 90);
        assert!(super::age("soon").is_err());
    }
}
