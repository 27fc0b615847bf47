//! `spool search [-t PANE] REGEX [--json]`: matches as `LINE:COL: text`, where LINE is what
//! `capture -S/-E` takes (negative = history). A progress bar on stderr when it is a terminal.

use std::io::{IsTerminal, Write};

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Regular expression (Rust regex syntax; ^ and $ match at line boundaries).
    pattern: String,
    /// One JSON object per match.
    #[arg(long)]
    json: bool,
    /// Search a pane history on disk instead (an ID from `spool history ls`).
    #[arg(long, value_name = "ID", conflicts_with_all = ["target", "all"])]
    history: Option<String>,
    /// Search every pane history on disk, live and closed; each match names its history.
    #[arg(long, conflicts_with = "target")]
    all: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.send(&Request::Search {
        target: a.target,
        pattern: a.pattern,
        newest_first: false,
        history: match (a.history, a.all) {
            (Some(id), _) => Some(spool_proto::HistoryScope::One(id)),
            (None, true) => Some(spool_proto::HistoryScope::All),
            (None, false) => None,
        },
    })?;
    let tty = std::io::stderr().is_terminal();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut shown_progress = false;
    let mut hits = 0u64;
    loop {
        match c.recv()? {
            Response::SearchMatch(h) => {
                hits += 1;
                if a.json {
                    writeln!(
                        out,
                        "{}",
                        spool_proto::text::json_safe(&serde_json::to_string(&h)?)
                    )?;
                } else {
                    match &h.history {
                        Some(id) => writeln!(
                            out,
                            "{}:{}:{}: {}",
                            super::safe(id),
                            h.line,
                            h.col,
                            super::safe(&h.text)
                        )?,
                        None => writeln!(out, "{}:{}: {}", h.line, h.col, super::safe(&h.text))?,
                    }
                }
            }
            Response::SearchProgress {
                rows_done,
                rows_total,
            } if tty => {
                out.flush()?;
                let pct = rows_done * 100 / rows_total.max(1);
                let bar = "#".repeat((pct / 4) as usize);
                eprint!("\r[{bar:<25}] {pct:3}% of {rows_total} rows");
                shown_progress = true;
            }
            Response::SearchProgress { .. } => {}
            Response::End => break,
            Response::Error { message } => bail!("{message}"),
            other => bail!("unexpected answer: {other:?}"),
        }
    }
    if shown_progress {
        eprint!("\r{:60}\r", "");
    }
    out.flush()?;
    Ok(if hits > 0 { 0 } else { 1 })
}
