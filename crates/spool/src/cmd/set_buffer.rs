//! `spool set-buffer [-b NAME] [-a] DATA` (tmux's `setb`): store text as a paste buffer.

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer's name (default: a new buffer with an automatic name, `bufferN`).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
    /// Add to the end of the buffer (the newest one without -b).
    #[arg(short = 'a')]
    append: bool,
    /// The text.
    data: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    super::load_buffer::send_data(&mut c, a.name, a.data.as_bytes(), a.append)?;
    Ok(0)
}
