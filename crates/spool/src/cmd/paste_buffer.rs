//! `spool paste-buffer [-b NAME] [-t PANE] [-d] [-p] [-r]` (tmux's `pasteb`, `C-b ]`).

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer (default: the newest).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
    /// The pane to paste into.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Delete the buffer after pasting it.
    #[arg(short = 'd')]
    delete: bool,
    /// As a bracketed paste, when the program asked for those (the text marked as pasted,
    /// so a shell does not run it line by line).
    #[arg(short = 'p')]
    bracketed: bool,
    /// Keep newlines as they are (by default each becomes a carriage return, the Enter key).
    #[arg(short = 'r')]
    raw: bool,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::PasteBuffer {
        name: a.name,
        target: a.target,
        delete: a.delete,
        bracketed: a.bracketed,
        raw: a.raw,
    })?;
    Ok(0)
}
