//! `spool send [-t PANE] TEXT...` and `spool send [-t PANE] --keys KEY...`

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(short = 't', value_name = "PANE")]
    target: Option<String>,
    /// Treat the arguments as key names (Enter, C-c, Up, F5, M-x, ...) rather than text.
    #[arg(long, short = 'k')]
    keys: bool,
    /// Text (joined with spaces) or key names.
    #[arg(required = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    let req = if a.keys {
        Request::SendKeys {
            target: a.target,
            keys: a.args,
        }
    } else {
        Request::SendText {
            target: a.target,
            text: a.args.join(" ").into_bytes(),
        }
    };
    c.request(&req)?;
    Ok(0)
}
