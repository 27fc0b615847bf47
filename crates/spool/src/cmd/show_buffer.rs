//! `spool show-buffer [-b NAME]` (tmux's `showb`): print a paste buffer's bytes as they are.

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer (default: the newest).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    super::write_text(
        &mut c,
        &Request::ShowBuffer { name: a.name },
        &mut std::io::stdout().lock(),
    )?;
    Ok(0)
}
