//! `spool resize [-t PANE] [-x [+-]COLS] [-y [+-]ROWS] [-L|-R|-U|-D [N]] [-Z]` (tmux's
//! `resize-pane`).

use spool_proto::{Amount, Request};

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The pane (see --help for the forms of TARGET).
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// Width: COLS, or +N/-N columns more or less than now. A pane stacked in a column
    /// resizes the column.
    #[arg(short = 'x', value_name = "COLS", allow_hyphen_values = true)]
    cols: Option<Amount>,
    /// Height: ROWS, or +N/-N rows more or less than now.
    #[arg(short = 'y', value_name = "ROWS", allow_hyphen_values = true)]
    rows: Option<Amount>,
    /// Move the pane's border left by N (default 1).
    #[arg(short = 'L', group = "dir")]
    left: bool,
    /// Move the pane's border right by N.
    #[arg(short = 'R', group = "dir")]
    right: bool,
    /// Move the pane's border up by N.
    #[arg(short = 'U', group = "dir")]
    up: bool,
    /// Move the pane's border down by N.
    #[arg(short = 'D', group = "dir")]
    down: bool,
    /// Zoom the pane (or unzoom it).
    #[arg(short = 'Z')]
    zoom: bool,
    /// Cells to move the border by, with -L/-R/-U/-D.
    #[arg(value_name = "N")]
    adjustment: Option<u16>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let n = a.adjustment.unwrap_or(1);
    let border = [(a.left, 0), (a.down, 1), (a.up, 2), (a.right, 3)]
        .into_iter()
        .find(|(on, _)| *on)
        .map(|(_, dir)| (dir, n));
    if a.adjustment.is_some() && border.is_none() {
        anyhow::bail!("N is for -L, -R, -U or -D");
    }
    let mut c = target.connect()?;
    c.request(&Request::Resize {
        target: a.target,
        cols: a.cols,
        rows: a.rows,
        border,
        zoom: a.zoom,
    })?;
    Ok(0)
}
