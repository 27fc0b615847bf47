//! `spool display-popup [-E] [-C] [--toggle] [-w W] [-h H] [-x X] [-y Y] [-t TARGET] [-- CMD…]`
//! (tmux's `popup`)

use spool_proto::{PopupSize, Request};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
#[command(disable_help_flag = true)]
pub struct Args {
    /// Print help (-h is the height, as in tmux).
    #[arg(long, action = clap::ArgAction::Help)]
    help: Option<bool>,
    /// The tab (any pane of it) to float over.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Width: cells, or a percentage of the session's (default 50%).
    #[arg(short = 'w', value_name = "WIDTH")]
    width: Option<PopupSize>,
    /// Height: cells, or a percentage (default 50%).
    #[arg(short = 'h', value_name = "HEIGHT")]
    height: Option<PopupSize>,
    /// Left column (default: centered).
    #[arg(short = 'x')]
    x: Option<u16>,
    /// Top row (default: centered).
    #[arg(short = 'y')]
    y: Option<u16>,
    /// Close the popup when its program exits.
    #[arg(short = 'E')]
    close_on_exit: bool,
    /// Close the tab's popup.
    #[arg(short = 'C', conflicts_with = "toggle")]
    close: bool,
    /// Show or hide the tab's popup (a scratch shell if it has none), its program kept
    /// running while hidden (C-b P).
    #[arg(long)]
    toggle: bool,
    /// Start in this directory.
    #[arg(short = 'd', value_name = "DIR")]
    cwd: Option<String>,
    /// The command (default: your shell).
    #[arg(last = true)]
    command: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::DisplayPopup {
        target: a.target,
        width: a.width,
        height: a.height,
        x: a.x,
        y: a.y,
        close_on_exit: a.close_on_exit,
        toggle: a.toggle,
        close: a.close,
        spawn: crate::client::spawn_from_here(a.command, a.cwd, false, Vec::new()),
    })?;
    Ok(0)
}
