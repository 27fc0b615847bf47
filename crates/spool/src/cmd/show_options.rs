//! `spool show-options [-g | -w] [-v] [-t TARGET] [NAME]` (tmux's `show`)

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The global options (the config file's settings, with `set-option -g` on top).
    #[arg(short = 'g')]
    global: bool,
    /// The tab's options (otherwise: the session's).
    #[arg(short = 'w')]
    tab: bool,
    /// Print the value alone.
    #[arg(short = 'v')]
    value_only: bool,
    /// The session or tab (any pane of it).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// One option (see `spool set-option --help`), whatever its scope.
    name: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    super::write_text(
        &mut c,
        &Request::ShowOptions {
            target: a.target,
            global: a.global,
            tab: a.tab,
            name: a.name,
            value_only: a.value_only,
        },
        &mut std::io::stdout().lock(),
    )?;
    Ok(0)
}
