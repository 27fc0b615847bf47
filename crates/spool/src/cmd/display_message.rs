//! `spool display-message [-p] [-t PANE] FORMAT` (tmux's `display`): expand a format for a
//! pane and show it on the status line of the clients attached to its session, or print it
//! (`-p`, or when none is attached).

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

/// The format language, for `--help`.
pub const FORMAT_HELP: &str = "\
FORMAT is text with tmux's format variables:
  #{session_name} #{session_id} #{session_windows} #{session_attached}
  #{window_index} #{window_name} #{window_panes} #{window_active} #{window_zoomed_flag}
  #{pane_id} #{pane_index} #{pane_pid} #{pane_title} #{pane_width} #{pane_height}
  #{pane_current_command} #{pane_current_path} #{pane_start_command} #{pane_active}
  #{pane_dead} #{pane_dead_status} #{cursor_x} #{cursor_y} #{alternate_on}
  #{history_size} #{history_bytes} #{history_lost} #{pane_pipe} #{pipe_lost_bytes}
  #{host} #{host_short} #{pid} #{version}
  #{pane_last_command} #{pane_last_exit_status} (shell integration: the newest finished
  command and its status, e.g. status-right = '[#{pane_last_exit_status}] {time}')
Short forms: #S session, #I tab index, #P pane index, #W tab name, #T title, #D pane id,
#H host, #h short host, #F flags (* active, Z zoomed), ## a #.
#{?VAR,THEN,ELSE} chooses; #{==:A,B} and #{!=:A,B} compare; #{=N:VAR} keeps the first N
characters (#{=-N:VAR} the last). An unknown variable is empty.";

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print it instead of showing it on the status line.
    #[arg(short = 'p')]
    print: bool,
    /// The pane the variables are of.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
    /// The text to show (see --help for the variables).
    #[arg(long_help = FORMAT_HELP)]
    format: String,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    super::write_text(
        &mut c,
        &Request::DisplayMessage {
            target: a.target,
            format: a.format,
            print: a.print,
        },
        &mut std::io::stdout().lock(),
    )?;
    Ok(0)
}
