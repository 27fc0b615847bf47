//! `spool kill [-t PANE|SESSION]` and `spool kill-server`.

use spool_proto::Request;

use super::Exit;
use crate::client::Target;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A pane, or with a bare session name every pane of that session.
    #[arg(short = 't', value_name = "TARGET", long_help = super::TARGET_HELP)]
    target: Option<String>,
}

pub fn run(target: &Target, a: Args) -> Exit {
    let mut c = target.connect()?;
    c.request(&Request::Kill { target: a.target })?;
    Ok(0)
}

pub fn server(target: &Target) -> Exit {
    match target.connect_existing()? {
        Some(mut c) => {
            c.request(&Request::KillServer)?;
            // Wait until the socket is gone so a following command starts a fresh server.
            for _ in 0..500 {
                if std::os::unix::net::UnixStream::connect(&target.socket).is_err() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Ok(0)
        }
        None => anyhow::bail!("no server running on {}", target.socket.display()),
    }
}
