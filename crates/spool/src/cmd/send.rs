//! `spool send [-t PANE] [-l] [-p] ARGS...`, as tmux's `send-keys`: each argument is a key name
//! (`Enter`, `C-c`, `Up`, `F5`, `M-x`, …) sent encoded for the pane's modes, or, if it is not
//! one, literal text; arguments are sent one after another, with nothing between them (as
//! tmux). `-l` sends every argument as literal text; `-p` sends it as a paste (bracketed when
//! the program asked for bracketed paste).
//!
//! Text of any size streams: it goes in pieces of `SEND_CHUNK_BYTES`, each sent once the server
//! has put the one before on the pane's input queue, so a paste moves at the program's pace.

use spool_proto::{Request, SEND_CHUNK_BYTES};

use super::Exit;
use crate::client::{Client, Target};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane to type into.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Send every argument as literal text, even one that names a key.
    #[arg(short = 'l', conflicts_with = "keys")]
    literal: bool,
    /// Send the text as a paste: inside bracketed-paste markers when the program asked for
    /// them (implies -l).
    #[arg(short = 'p', long = "paste")]
    paste: bool,
    /// Key names or text (the default; kept for scripts written for older spool).
    #[arg(long, short = 'k', hide = true)]
    keys: bool,
    /// Key names and text, sent in order.
    #[arg(required = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let pane = a.target;
    if a.literal || a.paste {
        let text: Vec<u8> = a.args.concat().into_bytes();
        send_text(&mut c, &pane, &text, a.paste)?;
        return Ok(0);
    }
    // Names (and short text) go in batches; an argument longer than a piece is text.
    let mut batch: Vec<String> = Vec::new();
    let mut batch_bytes = 0;
    for arg in a.args {
        if arg.len() > SEND_CHUNK_BYTES {
            flush_keys(&mut c, &pane, &mut batch)?;
            batch_bytes = 0;
            send_text(&mut c, &pane, arg.as_bytes(), false)?;
            continue;
        }
        if batch_bytes + arg.len() > SEND_CHUNK_BYTES {
            flush_keys(&mut c, &pane, &mut batch)?;
            batch_bytes = 0;
        }
        batch_bytes += arg.len();
        batch.push(arg);
    }
    flush_keys(&mut c, &pane, &mut batch)?;
    Ok(0)
}

fn flush_keys(
    c: &mut Client,
    pane: &Option<String>,
    batch: &mut Vec<String>,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    c.request(&Request::SendKeys {
        target: pane.clone(),
        keys: std::mem::take(batch),
    })?;
    Ok(())
}

fn send_text(
    c: &mut Client,
    pane: &Option<String>,
    text: &[u8],
    paste: bool,
) -> anyhow::Result<()> {
    let mut pieces = text.chunks(SEND_CHUNK_BYTES).peekable();
    while let Some(piece) = pieces.next() {
        c.request(&Request::SendText {
            target: pane.clone(),
            text: piece.to_vec(),
            paste,
            more: pieces.peek().is_some(),
        })?;
    }
    Ok(())
}
