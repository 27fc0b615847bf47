//! `spool panes [-t SESSION] [--json | -F FORMAT]` (tmux's `list-panes`)

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only the panes of this session (any TARGET names its session).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// One line per pane from a tmux format: `#{pane_id} #{pane_current_command}` (see
    /// `spool display-message --help` for the variables).
    #[arg(short = 'F', long, value_name = "FORMAT", conflicts_with = "json")]
    format: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    if let Some(format) = a.format {
        let req = Request::ListPanes {
            target: a.target,
            format: Some(format),
        };
        super::write_text(&mut c, &req, &mut std::io::stdout().lock())?;
        return Ok(0);
    }
    let Response::Panes(list) = c.request(&Request::ListPanes {
        target: a.target,
        format: None,
    })?
    else {
        bail!("unexpected answer");
    };
    if a.json {
        println!("{}", super::json(&list)?);
        return Ok(0);
    }
    for p in list {
        let exit = p
            .exit_status
            .map_or_else(String::new, |s| format!(" (exited {s})"));
        println!(
            "{} {}:{} {}x{} pid={} rows={} cwd={} cmd={:?} title={:?}{}{}{}",
            super::safe(&p.id),
            super::safe(&p.session),
            p.tab,
            p.cols,
            p.rows,
            p.pid,
            p.history_rows,
            super::safe(&p.cwd),
            p.command,
            p.title,
            if p.popup { " (popup)" } else { "" },
            if p.active { " (active)" } else { "" },
            exit
        );
    }
    Ok(0)
}
