//! `spool events [-t PANE|SESSION] [--json] [--output]`: one line per event, as they happen,
//! until interrupted.

use std::io::Write;

use anyhow::bail;
use spool_proto::{EventInfo, Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Only this pane's events (`%N`), or this session's; default: all.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// One JSON object per line (fields that do not apply left out).
    #[arg(long)]
    json: bool,
    /// Pane output too, as `output` events with its text.
    #[arg(long)]
    output: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.send(&Request::Events {
        target: a.target,
        output: a.output,
    })?;
    let stdout = std::io::stdout();
    loop {
        let batch = match c.recv()? {
            Response::Events(b) => b,
            Response::Error { message } => bail!("{message}"),
            other => bail!("unexpected answer: {other:?}"),
        };
        let mut out = stdout.lock();
        for e in batch {
            let line = if a.json {
                json_line(&e)?
            } else {
                text_line(&e)
            };
            if writeln!(out, "{line}").is_err() {
                return Ok(0); // the reader went away (`| head`)
            }
        }
        if out.flush().is_err() {
            return Ok(0);
        }
    }
}

/// The event as JSON, without the fields that do not apply.
fn json_line(e: &EventInfo) -> anyhow::Result<String> {
    let mut v = serde_json::to_value(e)?;
    if let Some(m) = v.as_object_mut() {
        m.retain(|_, x| !x.is_null());
    }
    Ok(spool_proto::text::json_safe(&serde_json::to_string(&v)?))
}

/// `TIME EVENT key=value…`, every string made safe for a terminal.
fn text_line(e: &EventInfo) -> String {
    let mut l = format!("{} {}", e.time_ms, super::safe(&e.event));
    let mut kv = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            l.push_str(&format!(" {k}={v}"));
        }
    };
    kv(
        "pane",
        e.pane.as_deref().map(|s| super::safe(s).into_owned()),
    );
    kv(
        "session",
        e.session.as_deref().map(|s| super::safe(s).into_owned()),
    );
    kv("tab", e.tab.map(|t| t.to_string()));
    kv("command", e.command.map(|n| n.to_string()));
    kv("status", e.status.map(|s| s.to_string()));
    kv("duration_ms", e.duration_ms.map(|d| d.to_string()));
    kv("missed", e.missed.map(|m| m.to_string()));
    kv(
        "text",
        e.text.as_deref().map(|t| format!("{:?}", super::safe(t))),
    );
    l
}
