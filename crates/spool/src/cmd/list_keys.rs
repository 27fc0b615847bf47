//! `spool list-keys` (tmux's `lsk`): every key binding in effect, one per line, as
//! `C-b KEY  [-r] COMMAND` (`-r`: repeatable). `C-b ?` shows the same list full screen.

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

pub fn run(target: &Target) -> Exit {
    let mut c = target.connect()?;
    super::write_text(&mut c, &Request::ListKeys, &mut std::io::stdout().lock())?;
    Ok(0)
}
