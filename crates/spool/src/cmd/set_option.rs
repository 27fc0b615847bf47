//! `spool set-option [-g] [-u] [-w] [-t TARGET] NAME [VALUE]` (tmux's `set`; `-w` as `setw`)

use anyhow::bail;
use spool_proto::{Request, Response};

use super::Exit;
use crate::client::Target;

/// The options, for `--help`.
pub const OPTIONS_HELP: &str = "\
Global options (-g; the config file's settings, set at runtime and written nowhere — `spool
reload` keeps them on top of the file): prefix, status-left, status-tab, status-right,
status-fg, status-bg, monitor-bell, clipboard, window-size, new-pane-cwd,
update-environment, restore, restore-programs, closed-history-days, max-panes,
history-bytes-per-pane,
history-bytes-total, compression-level (the history settings apply from the next start).
Session options: remain-on-exit.
Tab options: synchronize-panes (typing goes to every pane of the tab), monitor-activity
(output in a hidden tab flags it #), monitor-silence SECONDS (no output that long flags it
~; 0 off), automatic-rename (the tab is named after its program; off keeps the name).
The option's name says which it is, as in tmux 3; `_` may stand for `-`. A flag given no
value toggles.";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A global option (the config file's settings).
    #[arg(short = 'g')]
    global: bool,
    /// Back to the default (the config file's value for a global option).
    #[arg(short = 'u')]
    unset: bool,
    /// A tab option (accepted for tmux's `setw`; the name says it already).
    #[arg(short = 'w')]
    window: bool,
    /// The session or tab (any pane of it) for session and tab options.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// The option (see --help).
    #[arg(long_help = OPTIONS_HELP)]
    name: String,
    /// Its value (`on`/`off` for flags; none toggles a flag).
    value: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let _ = a.window;
    let mut c = target.connect()?;
    match c.request(&Request::SetOption {
        target: a.target,
        global: a.global,
        name: a.name,
        value: a.value,
        unset: a.unset,
    })? {
        Response::Reloaded { note } => {
            if let Some(n) = note {
                eprintln!("spool: {}", super::safe(&n));
            }
        }
        Response::Done => {}
        other => bail!("unexpected answer: {other:?}"),
    }
    Ok(0)
}
