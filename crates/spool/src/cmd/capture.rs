//! `spool capture [-t PANE] [-S START] [-E END] [-e] [-J] [--command last|N|-K] [--images DIR]`

use std::io::Write;

use anyhow::{bail, Context};
use spool_proto::{Capture, Line, Request, Response};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// First line: 0 = top of the screen, negative = history (-1 newest), "-" = oldest kept.
    #[arg(short = 'S', value_name = "START", allow_hyphen_values = true)]
    start: Option<String>,
    /// Last line: as -S, "-" = the last screen row (the default).
    #[arg(short = 'E', value_name = "END", allow_hyphen_values = true)]
    end: Option<String>,
    /// Keep colors and attributes as escape sequences.
    #[arg(short = 'e')]
    escapes: bool,
    /// Join soft-wrapped rows into their lines.
    #[arg(short = 'J')]
    join: bool,
    /// Read a pane history on disk instead (an ID from `spool history ls`: a closed pane's,
    /// or one from before a restart), as history lines (there is no screen).
    #[arg(long, value_name = "ID", conflicts_with = "target")]
    history: Option<String>,
    /// Only one command's output, from the pane's command log (`spool commands`; it needs
    /// shell integration): `last`, a command's number N, or -K for the K-th newest (-1 is
    /// `last`). Exactly its rows, soft wraps joined, from disk where they are old.
    #[arg(
        long,
        value_name = "WHICH",
        allow_hyphen_values = true,
        conflicts_with_all = ["start", "end", "history"]
    )]
    command: Option<String>,
    /// Also write the images the captured rows show into DIR (created if needed), one file
    /// each, named by content: `<sha256>.png` (or .jpg, .gif, .tiff). The text shows each
    /// image as its placeholder, `[image W×H]`. At most 1024 images per capture.
    #[arg(long, value_name = "DIR")]
    images: Option<std::path::PathBuf>,
}

/// `--command`'s value: `last` is -1.
pub fn which_command(s: &str) -> anyhow::Result<i64> {
    match s {
        "last" => Ok(-1),
        n => match n.parse::<i64>() {
            Ok(0) | Err(_) => bail!("--command takes last, a command number or -K, not {n:?}"),
            Ok(n) => Ok(n),
        },
    }
}

fn line(s: Option<String>) -> anyhow::Result<Option<Line>> {
    match s.as_deref() {
        None => Ok(None),
        Some("-") => Ok(Some(Line::Edge)),
        Some(n) => Ok(Some(Line::At(
            n.parse().with_context(|| format!("bad line number: {n}"))?,
        ))),
    }
}

pub fn run(target: &Target, a: Args) -> Exit {
    let req = Request::Capture(Capture {
        target: a.target,
        start: line(a.start)?,
        end: line(a.end)?,
        escapes: a.escapes,
        join: a.join,
        history: a.history,
        command: a.command.as_deref().map(which_command).transpose()?,
        images: a.images.is_some(),
    });
    let mut c = target.connect()?;
    if let Some(dir) = &a.images {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    capture_into(&mut c, &req, a.images.as_deref())?;
    Ok(0)
}

/// Is `name` one the server may send for an image file (never a path)?
fn image_file_name(name: &str) -> bool {
    spool_term::parse_image_file_name(name).is_some()
}

/// Send capture request `req` and copy the text it streams to stdout.
pub fn print_capture(c: &mut crate::client::Client, req: &Request) -> anyhow::Result<()> {
    capture_into(c, req, None)
}

/// As [`print_capture`], writing the image files it sends into `images`.
fn capture_into(
    c: &mut crate::client::Client,
    req: &Request,
    images: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    c.send(req)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut file: Option<(String, std::fs::File)> = None;
    loop {
        match c.recv()? {
            Response::Text(t) => out.write_all(&t)?,
            Response::ImageFile { name, data, last } => {
                let Some(dir) = images else {
                    bail!("unexpected image file from the server");
                };
                if !image_file_name(&name) {
                    bail!("the server sent a bad image file name");
                }
                if file.as_ref().map(|f| &f.0) != Some(&name) {
                    let path = dir.join(&name);
                    let f = std::fs::File::create(&path)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    file = Some((name, f));
                }
                if let Some((_, f)) = file.as_mut() {
                    f.write_all(&data)?;
                }
                if last {
                    file = None;
                }
            }
            Response::End => break,
            Response::Error { message } => bail!("{message}"),
            other => bail!("unexpected answer: {other:?}"),
        }
    }
    out.flush()?;
    Ok(())
}
