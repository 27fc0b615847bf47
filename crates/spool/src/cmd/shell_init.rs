//! `spool shell-init bash|zsh|fish`: the shell integration snippet (OSC 133 prompt and
//! command marks with exit statuses, the command line in OSC 633;E, the directory in OSC 7),
//! for the user's rc file. The snippets live with the server (`spool_server::shell`), which
//! also injects them (`shell_integration = true`).

use super::Exit;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// bash, zsh or fish.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    shell: String,
}

pub fn run(a: Args) -> Exit {
    let snippet = spool_server::shell::snippet(&a.shell).unwrap_or_default();
    print!("{snippet}");
    Ok(0)
}
