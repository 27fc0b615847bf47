//! `spool load-buffer [-b NAME] PATH` (tmux's `loadb`): a file (`-` for stdin) as a paste
//! buffer, sent in pieces of `REQUEST_DATA_BYTES` (the server bounds the whole: see
//! `set-buffer`).

use std::io::Read;

use anyhow::{bail, Context};
use spool_proto::{Request, REQUEST_DATA_BYTES};

use super::Exit;
use crate::client::{Client, Target};

/// Largest file read: the server's largest buffer (4 MiB); the first byte past it is an
/// error here rather than a read of a whole large file.
const LOAD_MAX_BYTES: u64 = 4 * 1024 * 1024;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The buffer's name (default: a new buffer with an automatic name).
    #[arg(short = 'b', value_name = "NAME")]
    name: Option<String>,
    /// The file to read; `-` reads stdin.
    path: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut data = Vec::new();
    let limit = LOAD_MAX_BYTES + 1;
    if a.path == "-" {
        std::io::stdin().take(limit).read_to_end(&mut data)?;
    } else {
        std::fs::File::open(&a.path)
            .with_context(|| format!("opening {}", a.path))?
            .take(limit)
            .read_to_end(&mut data)
            .with_context(|| format!("reading {}", a.path))?;
    }
    if data.len() as u64 > LOAD_MAX_BYTES {
        bail!(
            "{}: larger than a buffer may be ({LOAD_MAX_BYTES} bytes)",
            a.path
        );
    }
    let mut c = target.connect()?;
    send_data(&mut c, a.name, &data, false)?;
    Ok(0)
}

/// Store `data` as buffer `name`, in pieces the server takes: the first sets (or appends,
/// with `append`), the rest append to the same buffer.
pub fn send_data(
    c: &mut Client,
    name: Option<String>,
    data: &[u8],
    append: bool,
) -> anyhow::Result<()> {
    let mut pieces = data.chunks(REQUEST_DATA_BYTES);
    let first = pieces.next().unwrap_or(&[]);
    c.request(&Request::SetBuffer {
        name: name.clone(),
        data: first.to_vec(),
        append,
    })?;
    // Without a name, the first piece made the newest buffer: the rest go on its end.
    for piece in pieces {
        c.request(&Request::SetBuffer {
            name: name.clone(),
            data: piece.to_vec(),
            append: true,
        })?;
    }
    Ok(())
}
